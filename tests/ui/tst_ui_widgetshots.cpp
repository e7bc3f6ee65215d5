// SPDX-License-Identifier: GPL-3.0-or-later
// Grabs every tab of the detail view (and the MIME view's part tabs) to PNG files, in a light and
// a dark palette, so that a human can look at what a newcomer sees. Not a test.
//
//   QT_QPA_PLATFORM=offscreen ./tst_ui_widgetshots /tmp/hookscope-shots
#include "tst_ui_widgetdata.h"

#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/mimeview.h"
#include "ui/widgets/problemspage.h"

#include <QApplication>
#include <QDir>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTextStream>

using namespace Qt::StringLiterals;

namespace {

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    p.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
    p.setColor(QPalette::Mid, QColor(0x50, 0x50, 0x50));
    for (const QPalette::ColorRole role :
        {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    return p;
}

void save(QWidget *widget, const QString &path)
{
    QApplication::processEvents();
    if (!widget->grab().save(path))
        QTextStream(stderr) << "cannot write " << path << '\n';
    else
        QTextStream(stdout) << path << '\n';
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"/tmp/hookscope-shots"_s;
    QDir().mkpath(out);
    const QStringList tabNames {
        u"overview"_s, u"request"_s, u"message"_s, u"answer"_s, u"problems"_s};
    const QList<std::pair<QString, Mock::Exchange>> exchanges {
        {u"stalwart-data"_s, WidgetData::stalwartData()},
        {u"stalwart-rcpt"_s, WidgetData::stalwartRcpt()},
        {u"draft01-cbor"_s, WidgetData::draft01Cbor()},
        {u"held"_s, WidgetData::heldCall()},
        {u"discovery"_s, WidgetData::discovery()},
    };
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : QApplication::style()->standardPalette());
        const QString theme = dark ? u"dark"_s : u"light"_s;
        for (const auto &[name, exchange] : exchanges) {
            ExchangeDetail detail;
            detail.resize(1100, 760);
            detail.show();
            detail.showExchange(exchange);
            for (int tab = 0; tab < ExchangeDetail::TabCount; ++tab) {
                detail.setCurrentTab(ExchangeDetail::Tab(tab));
                save(&detail, u"%1/%2-%3-%4.png"_s.arg(out, name, theme, tabNames.at(tab)));
            }
            if (name == u"stalwart-data"_s) {
                // The problem activation lands in the request with the value selected.
                detail.problemsTab()->activate(0);
                save(&detail, u"%1/%2-%3-request-jump.png"_s.arg(out, name, theme));
                detail.setCurrentTab(ExchangeDetail::MessageTab);
                MimeView *mime = detail.mimeView();
                const QStringList partTabs {u"headers"_s, u"text"_s, u"html"_s, u"raw"_s, u"hex"_s};
                for (int tab = 0; tab < MimeView::PartTabCount; ++tab) {
                    mime->setCurrentPartTab(MimeView::PartTab(tab));
                    save(&detail,
                        u"%1/%2-%3-message-%4.png"_s.arg(out, name, theme, partTabs.at(tab)));
                }
                mime->selectPart(u"6"_s);
                save(&detail, u"%1/%2-%3-message-pdf.png"_s.arg(out, name, theme));
            }
        }
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Light and dark (issue 14 §4): View ▸ Theme switches the whole application and is kept across
// runs, System gives the desktop's palette back, and every verdict and diff colour keeps a
// contrast of at least 4.5:1 (WCAG AA for text) on the backgrounds it is drawn on, in the light,
// the dark and the platform's palette.
#include "app/application.h"
#include "mock/capture/capturestore.h"
#include "tests/ui/windowfixture.h"
#include "ui/mainwindow.h"
#include "ui/models/sessionmodel.h"
#include "ui/models/verdictstyle.h"
#include "ui/theme.h"

#include <QAction>
#include <QApplication>
#include <QProxyStyle>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace Qt::StringLiterals;
using MtaHooks::Verdict;

namespace {

constexpr double TextContrast = 4.5;

const Verdict AllVerdicts[] {Verdict::None, Verdict::Accept, Verdict::Continue, Verdict::Reject,
    Verdict::Tempfail, Verdict::Discard, Verdict::Quarantine, Verdict::Disconnect, Verdict::Cancel,
    Verdict::Held, Verdict::Error};

QString pair(const QColor &fg, const QColor &bg)
{
    return u"%1 on %2: %3"_s.arg(fg.name(), bg.name()).arg(contrastRatio(fg, bg), 0, 'f', 2);
}

} // namespace

class TestTheme : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;
    QPalette m_platformPalette;
    QString m_platformStyle;

    void start()
    {
        m_app = startTestApplication();
        QVERIFY(m_app);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_theme"_s);
        m_platformPalette = QApplication::palette();
        m_platformStyle = QApplication::style()->name();
    }

    void init() { QSettings().clear(); }

    void cleanup()
    {
        m_app.reset();
        applyTheme(Theme::System);
    }

    void ratio()
    {
        QCOMPARE(qRound(contrastRatio(Qt::black, Qt::white) * 100), 2100);
        QCOMPARE(contrastRatio(Qt::white, Qt::black), contrastRatio(Qt::black, Qt::white));
        QCOMPARE(contrastRatio(QColor(0x77, 0x77, 0x77), QColor(0x77, 0x77, 0x77)), 1.0);
        // The WCAG's own example threshold: #767676 on white is just above 4.5.
        QVERIFY(contrastRatio(QColor(0x76, 0x76, 0x76), Qt::white) >= 4.5);
        QVERIFY(contrastRatio(QColor(0x78, 0x78, 0x78), Qt::white) < 4.5);
        QCOMPARE(themeFromName(u"DARK"_s), Theme::Dark);
        QCOMPARE(themeFromName(u"sepia"_s), std::nullopt);
        QCOMPARE(themeName(Theme::Light), u"light"_s);
    }

    void contrast_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::addRow("light") << lightPalette();
        QTest::addRow("dark") << darkPalette();
        QTest::addRow("platform") << m_platformPalette;
    }

    void contrast()
    {
        QFETCH(QPalette, palette);
        const QColor text = palette.color(QPalette::Text);
        QList<QString> failures;
        const auto check = [&failures](const QString &what, const QColor &fg, const QColor &bg) {
            if (contrastRatio(fg, bg) < TextContrast)
                failures.append(what + u": "_s + pair(fg, bg));
        };
        for (const Verdict verdict : AllVerdicts) {
            const QString name
                = verdict == Verdict::None ? u"none"_s : MtaHooks::verdictName(verdict);
            const QColor color = verdictColor(verdict, palette);
            // The timeline's rows, plain and alternate, and held rows' tint.
            check(name + u" on base"_s, color, palette.color(QPalette::Base));
            check(name + u" on alternate base"_s, color, palette.color(QPalette::AlternateBase));
            check(name + u" on held rows"_s, color, heldBackground(palette));
            // The details' verdict banner: the headline in the verdict's colour, text under it.
            check(name + u" on its banner"_s, color, verdictWash(verdict, palette));
            check(u"text on the banner of "_s + name, text, verdictWash(verdict, palette));
        }
        const DiffTints tints = diffTints(palette);
        check(u"text on added lines"_s, text, tints.added);
        check(u"text on removed lines"_s, text, tints.removed);
        check(u"text on changed rows"_s, text, changedBackground(palette));
        check(u"text on held rows"_s, text, heldBackground(palette));
        check(
            u"the banner's text"_s, palette.color(QPalette::WindowText), bannerBackground(palette));
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u"\n"_s)));
    }

    // View ▸ Theme: Dark repaints the window in dark colours and is remembered; System gives the
    // platform's style and palette back.
    void switchesAndIsKept()
    {
        start();
        MainWindow *window = m_app->window();
        QVERIFY(window->themeAction(Theme::System)->isChecked());
        QCOMPARE(
            QApplication::palette().color(QPalette::Base), m_platformPalette.color(QPalette::Base));

        window->themeAction(Theme::Dark)->trigger();
        QVERIFY(window->themeAction(Theme::Dark)->isChecked());
        QCOMPARE(
            QApplication::palette().color(QPalette::Base), darkPalette().color(QPalette::Base));
        const auto *themed = qobject_cast<QProxyStyle *>(QApplication::style());
        QVERIFY(themed && themed->baseStyle()->name() == u"fusion"_s);
        QTRY_COMPARE(window->timeline()->palette().color(QPalette::Base),
            darkPalette().color(QPalette::Base));
        // The timeline's verdict colours follow: a rejected call is drawn in the dark shade.
        Mock::Exchange e;
        e.sessionKey = u"s"_s;
        e.kind = Mock::ExchangeKind::Hook;
        e.stage = MtaHooks::Stage::Connect;
        e.verdict = Verdict::Reject;
        e.received = QDateTime::currentDateTimeUtc();
        QVERIFY(m_app->store()->save(e));
        QAbstractItemModel *model = window->timeline()->model();
        QTRY_COMPARE(model->rowCount(), 1);
        QCOMPARE(
            model->index(0, SessionModel::ActionColumn).data(Qt::ForegroundRole).value<QColor>(),
            verdictColor(Verdict::Reject, darkPalette()));
        QVERIFY(verdictColor(Verdict::Reject, darkPalette())
            != verdictColor(Verdict::Reject, lightPalette()));

        // Kept across runs, applied before the window shows.
        m_app.reset();
        applyTheme(Theme::System);
        start();
        window = m_app->window();
        QVERIFY(window->themeAction(Theme::Dark)->isChecked());
        QCOMPARE(
            QApplication::palette().color(QPalette::Base), darkPalette().color(QPalette::Base));

        window->themeAction(Theme::Light)->trigger();
        QCOMPARE(
            QApplication::palette().color(QPalette::Base), lightPalette().color(QPalette::Base));
        QCOMPARE(
            QApplication::palette().color(QPalette::Text), lightPalette().color(QPalette::Text));

        window->themeAction(Theme::System)->trigger();
        QCOMPARE(QApplication::style()->name(), m_platformStyle);
        QCOMPARE(
            QApplication::palette().color(QPalette::Base), m_platformPalette.color(QPalette::Base));
        QCOMPARE(
            QApplication::palette().color(QPalette::Text), m_platformPalette.color(QPalette::Text));
        // Nothing of it is set by the application any more: the platform's changes come through.
        QVERIFY(!QCoreApplication::testAttribute(Qt::AA_SetPalette));
        QCOMPARE(QSettings().value(u"window/theme"_s).toString(), u"system"_s);
    }
};

QTEST_MAIN(TestTheme)
#include "tst_ui_theme.moc"

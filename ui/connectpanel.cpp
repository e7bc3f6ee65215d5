// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/connectpanel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

QString sectionName(ConnectPanel::Section section)
{
    switch (section) {
    case ConnectPanel::Urls:
        return u"connectUrls"_s;
    case ConnectPanel::Stalwart:
        return u"connectStalwart"_s;
    case ConnectPanel::Draft:
        return u"connectDraft"_s;
    case ConnectPanel::Curl:
        break;
    }
    return u"connectCurl"_s;
}

QWidget *page(QBoxLayout **layout, const QString &explanation)
{
    auto *widget = new QWidget;
    auto *box = new QVBoxLayout(widget);
    box->setContentsMargins(6, 6, 6, 6);
    auto *label = new QLabel(explanation);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextBrowserInteraction);
    label->setOpenExternalLinks(true);
    box->addWidget(label);
    *layout = box;
    return widget;
}

} // namespace

ConnectPanel::ConnectPanel(QWidget *parent)
    : QWidget(parent)
    , m_intro(new QLabel(this))
    , m_status(new QLabel(this))
    , m_testCall(new QPushButton(tr("Send a test call"), this))
    , m_result(new QLabel(this))
    , m_showSecret(new QCheckBox(tr("Show secret"), this))
    , m_version(new QComboBox(this))
{
    setObjectName(u"connectPanel"_s);
    // In a scroll area: the details pane may be narrower than the panel's rows, and the panel
    // must not widen the pane it stands in for.
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *scroll = new QScrollArea(this);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    outer->addWidget(scroll);
    auto *content = new QWidget(scroll);
    auto *layout = new QVBoxLayout(content);
    setIntro(tr("<h3>No calls yet: connect an MTA</h3>"
                "Point a mail server's hooks at this endpoint with the settings below: each call "
                "it makes shows up in the timeline on the left. Or send a test call first."));
    m_intro->setWordWrap(true);
    layout->addWidget(m_intro);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto *urls = new QHBoxLayout;
    layout->addLayout(urls);
    addBox(urls, Urls);

    auto *actions = new QHBoxLayout;
    m_testCall->setObjectName(u"connectTestCall"_s);
    m_testCall->setToolTip(tr("Posts a sample Stalwart call (a clean message at the data stage) "
                              "to the endpoint, with its credentials"));
    connect(m_testCall, &QPushButton::clicked, this, [this] {
        m_result->setText(tr("Sending…"));
        Q_EMIT testCallRequested();
    });
    actions->addWidget(m_testCall);
    m_result->setObjectName(u"connectTestResult"_s);
    m_result->setWordWrap(true);
    m_result->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    actions->addWidget(m_result, 1);
    m_showSecret->setObjectName(u"connectShowSecret"_s);
    m_showSecret->setToolTip(tr("The texts below show the endpoint's token or password instead "
                                "of a placeholder"));
    connect(m_showSecret, &QCheckBox::toggled, this, &ConnectPanel::refresh);
    actions->addWidget(m_showSecret);
    layout->addLayout(actions);

    auto *tabs = new QTabWidget(this);
    tabs->setDocumentMode(true);
    QBoxLayout *box = nullptr;
    QWidget *stalwart = page(
        &box, tr("Stalwart sends its own (legacy) format to the URL, at the stages ticked here:"));
    auto *choices = new QHBoxLayout;
    for (const QString &stage : ConnectTexts::stalwartStages()) {
        auto *check = new QCheckBox(stage, stalwart);
        check->setChecked(true);
        connect(check, &QCheckBox::toggled, this, [this, check] {
            if (stalwartStages().isEmpty())
                check->setChecked(true); // Stalwart wants at least one stage
            refresh();
        });
        m_stages.insert(stage, check);
        choices->addWidget(check);
    }
    choices->addStretch(1);
    box->addLayout(choices);
    m_version->addItem(tr("Stalwart 0.16 and later (WebUI)"), MtaHookObject);
    m_version->addItem(tr("Stalwart 0.8 – 0.15 (config.toml)"), ConfigToml);
    connect(m_version, &QComboBox::currentIndexChanged, this, &ConnectPanel::refresh);
    box->addWidget(m_version, 0, Qt::AlignLeft);
    addBox(box, Stalwart);
    tabs->addTab(stalwart, tr("Stalwart"));

    QWidget *draft = page(&box,
        tr("An MTA that speaks draft-01 (e.g. the rspamd mta-hooks-milter bridge) discovers this "
           "endpoint, registers, and then calls the hook URL the registration returns:"));
    addBox(box, Draft);
    tabs->addTab(draft, tr("Draft-01 MTA"));

    QWidget *curl = page(&box,
        tr("Post the sample call from a shell (bash); the answer is printed, the call appears in "
           "the timeline:"));
    addBox(box, Curl);
    tabs->addTab(curl, tr("curl"));
    layout->addWidget(tabs, 1);
    scroll->setWidget(content);
    refresh();
}

QPlainTextEdit *ConnectPanel::addBox(QBoxLayout *layout, Section section)
{
    auto *row = new QHBoxLayout;
    auto *text = new QPlainTextEdit(this);
    text->setObjectName(sectionName(section));
    text->setReadOnly(true);
    // Wrapped on screen, so that a narrow details pane shows all of it; Copy copies the lines
    // as they are.
    text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    row->addWidget(text, 1);
    auto *copy = new QPushButton(tr("Copy"), this);
    copy->setObjectName(sectionName(section) + u"Copy"_s);
    copy->setToolTip(tr("Copy this text (as shown: with the secret only when it is shown)"));
    connect(copy, &QPushButton::clicked, this, [this, section] { copySection(section); });
    row->addWidget(copy, 0, Qt::AlignTop);
    layout->addLayout(row);
    m_boxes.insert(section, text);
    return text;
}

void ConnectPanel::setInfo(const ConnectInfo &info)
{
    m_info = info;
    refresh();
}

void ConnectPanel::setIntro(const QString &html)
{
    m_intro->setText(html);
}

void ConnectPanel::setTestCallResult(bool ok, const QString &message)
{
    QPalette palette = m_result->palette();
    palette.setColor(QPalette::WindowText,
        ok ? QApplication::palette().color(QPalette::WindowText) : QColor(0xc0, 0x1c, 0x28));
    m_result->setPalette(palette);
    m_result->setText(message);
    m_result->setToolTip(message);
}

QString ConnectPanel::sectionText(Section section) const
{
    return m_boxes.value(section)->toPlainText();
}

void ConnectPanel::copySection(Section section)
{
    QApplication::clipboard()->setText(sectionText(section));
    m_result->setText(tr("Copied."));
}

void ConnectPanel::setSecretShown(bool shown)
{
    m_showSecret->setChecked(shown);
}

void ConnectPanel::setStalwartVersion(StalwartVersion version)
{
    m_version->setCurrentIndex(m_version->findData(version));
}

void ConnectPanel::setStalwartStages(const QStringList &stages)
{
    for (auto it = m_stages.cbegin(); it != m_stages.cend(); ++it) {
        const QSignalBlocker blocker(it.value());
        it.value()->setChecked(stages.contains(it.key()));
    }
    refresh();
}

QStringList ConnectPanel::stalwartStages() const
{
    QStringList stages;
    for (const QString &stage : ConnectTexts::stalwartStages()) {
        if (m_stages.value(stage)->isChecked())
            stages.append(stage);
    }
    return stages;
}

void ConnectPanel::refresh()
{
    const bool reveal = m_showSecret->isChecked();
    m_showSecret->setVisible(m_info.auth.scheme != Mock::HttpAuth::Scheme::None);
    const QString url = ConnectTexts::hookUrl(m_info);
    if (m_info.listening)
        m_status->setText(
            tr("● Listening at %1 (%2, credentials: %3).")
                .arg(m_info.baseUrls.value(0), m_info.tls ? tr("HTTPS") : tr("plain HTTP"),
                    m_info.auth.description()));
    else
        m_status->setText(
            tr("○ The endpoint is stopped%1: start it with ○ Stopped in the "
               "toolbar.")
                .arg(m_info.problem.isEmpty() ? QString() : u" ("_s + m_info.problem + u')'));
    m_testCall->setEnabled(m_info.listening);
    QStringList urls;
    for (const QString &base : m_info.baseUrls)
        urls << base + ConnectTexts::hookPath();
    if (urls.isEmpty())
        urls << url;
    QPlainTextEdit *urlBox = m_boxes.value(Urls);
    urlBox->setPlainText(urls.join(u'\n'));
    // As tall as its lines (up to four), with room for a scroll bar.
    urlBox->setFixedHeight(urlBox->fontMetrics().lineSpacing() * int(qMin(urls.size(), 4))
        + urlBox->horizontalScrollBar()->sizeHint().height() + 12);
    const QStringList stages = stalwartStages();
    m_boxes.value(Stalwart)->setPlainText(m_version->currentData().toInt() == ConfigToml
            ? ConnectTexts::stalwartToml(m_info, stages, reveal)
            : ConnectTexts::stalwartMtaHook(m_info, stages, reveal));
    m_boxes.value(Draft)->setPlainText(ConnectTexts::draftSetup(m_info, reveal));
    m_boxes.value(Curl)->setPlainText(ConnectTexts::curlCommand(m_info, reveal));
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/conformancedialog.h"

#include "mock/conform/conformtarget.h"
#include "ui/models/conformresultsmodel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

constexpr int MaxDurationSeconds = 24 * 3600;
const QString AuthPlaceholder = u"none | bearer:TOKEN | basic:USER:PASS"_s;

} // namespace

ConformanceDialog::ConformanceDialog(QWidget *parent)
    : QDialog(parent)
    , m_model(new ConformResultsModel(this))
    , m_scannerMode(new QRadioButton(tr("Check a &scanner"), this))
    , m_mtaMode(new QRadioButton(tr("Check an &MTA"), this))
    , m_pages(new QStackedWidget(this))
    , m_run(new QPushButton(tr("&Run"), this))
    , m_stop(new QPushButton(tr("S&top"), this))
    , m_summary(new QLabel(this))
    , m_saveJunit(new QPushButton(tr("Save &JUnit…"), this))
    , m_saveJson(new QPushButton(tr("Save JS&ON…"), this))
    , m_view(new QTreeView(this))
    , m_exchanges(new QListWidget(this))
    , m_evidence(new QPlainTextEdit(this))
    , m_showInTimeline(new QPushButton(tr("Show in &timeline"), this))
{
    setWindowTitle(tr("Conformance"));
    setModal(false);
    setSizeGripEnabled(true);

    auto *modes = new QButtonGroup(this);
    modes->addButton(m_scannerMode);
    modes->addButton(m_mtaMode);
    m_scannerMode->setChecked(true);
    m_scannerMode->setToolTip(tr("hookscope conform --scanner: send a scanner the protocol's "
                                 "checks and judge its answers"));
    m_mtaMode->setToolTip(tr("hookscope conform --mta: act as the MTA's scanner, answer some "
                             "calls with faults and judge what the MTA does next"));
    m_pages->addWidget(buildScannerPage());
    m_pages->addWidget(buildMtaPage());
    // The stack is as tall as the page shown, not as its tallest page: no gap under the
    // scanner's three rows.
    const auto showPage = [this](bool scanner) {
        m_pages->setCurrentIndex(scanner ? 0 : 1);
        for (int i = 0; i < m_pages->count(); ++i)
            m_pages->widget(i)->setSizePolicy(QSizePolicy::Preferred,
                i == m_pages->currentIndex() ? QSizePolicy::Maximum : QSizePolicy::Ignored);
        m_pages->adjustSize();
    };
    connect(m_scannerMode, &QRadioButton::toggled, this, showPage);
    showPage(true);

    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setText(tr("Choose what to check, then Run."));
    m_saveJunit->setToolTip(tr("The results as JUnit XML, as conform --junit writes them"));
    m_saveJson->setToolTip(tr("The results as JSON, as conform --json prints them"));
    connect(m_run, &QPushButton::clicked, this, &ConformanceDialog::requestRun);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_stopping = true;
        updateSummary();
        updateButtons();
        Q_EMIT stopRequested();
    });
    connect(m_saveJunit, &QPushButton::clicked, this, [this] { save(false); });
    connect(m_saveJson, &QPushButton::clicked, this, [this] { save(true); });

    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(ConformResultsModel::StatusColumn, 80);
    m_view->setColumnWidth(ConformResultsModel::LevelColumn, 70);
    m_view->setColumnWidth(ConformResultsModel::TitleColumn, 380);
    m_view->setColumnWidth(ConformResultsModel::ClauseColumn, 260);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &ConformanceDialog::showSelection);
    connect(m_view, &QTreeView::doubleClicked, this, &ConformanceDialog::showInTimeline);

    m_evidence->setReadOnly(true);
    m_evidence->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_evidence->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_evidence->setPlaceholderText(tr("Select a check to see its evidence: each request sent "
                                      "and the answer seen."));
    m_exchanges->setToolTip(tr("The exchanges that are this check's evidence; the one picked "
                               "here is the one Show in timeline selects"));
    m_exchanges->setUniformItemSizes(true);
    // A hook URL carries a long registration id: the status at the end must stay in view.
    m_exchanges->setTextElideMode(Qt::ElideMiddle);
    m_exchanges->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(
        m_exchanges, &QListWidget::currentRowChanged, this, &ConformanceDialog::showEvidenceItem);
    connect(m_exchanges, &QListWidget::itemActivated, this, &ConformanceDialog::showInTimeline);
    m_showInTimeline->setToolTip(tr("Select the exchange picked in the evidence list in the main "
                                    "window's timeline (every call of a run is captured)"));
    connect(m_showInTimeline, &QPushButton::clicked, this, &ConformanceDialog::showInTimeline);
    connect(
        m_model, &QAbstractItemModel::dataChanged, this, &ConformanceDialog::refreshCapturedIds);

    auto *modeRow = new QHBoxLayout;
    modeRow->addWidget(m_scannerMode);
    modeRow->addWidget(m_mtaMode);
    modeRow->addStretch(1);
    auto *runRow = new QHBoxLayout;
    runRow->addWidget(m_run);
    runRow->addWidget(m_stop);
    runRow->addWidget(m_summary, 1);
    runRow->addWidget(m_saveJunit);
    runRow->addWidget(m_saveJson);

    auto *evidencePane = new QWidget(this);
    auto *evidenceLayout = new QVBoxLayout(evidencePane);
    evidenceLayout->setContentsMargins(0, 0, 0, 0);
    auto *evidenceHeader = new QHBoxLayout;
    evidenceHeader->addWidget(new QLabel(tr("<b>Evidence</b>"), evidencePane), 1);
    evidenceHeader->addWidget(m_showInTimeline);
    evidenceLayout->addLayout(evidenceHeader);
    auto *evidenceSplit = new QSplitter(Qt::Horizontal, evidencePane);
    evidenceSplit->addWidget(m_exchanges);
    evidenceSplit->addWidget(m_evidence);
    evidenceSplit->setStretchFactor(1, 1);
    evidenceSplit->setChildrenCollapsible(false);
    evidenceSplit->setSizes({320, 780});
    evidenceLayout->addWidget(evidenceSplit, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(evidencePane);
    // The table gets the larger part: a scanner run has two dozen rows.
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(modeRow);
    layout->addWidget(m_pages);
    layout->addLayout(runRow);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);
    resize(1100, 720);
    updateButtons();
}

ConformanceDialog::~ConformanceDialog() = default;

QWidget *ConformanceDialog::buildScannerPage()
{
    auto *page = new QWidget(this);
    m_url = new QLineEdit(page);
    m_url->setPlaceholderText(u"http://127.0.0.1:8025"_s);
    m_url->setToolTip(tr("draft-01 and draft-02: the scanner's origin (discovery is at "
                         "/.well-known/mta-hooks). Stalwart: its hook URL."));
    m_dialect = new QComboBox(page);
    for (const QString &name : {u"draft-01"_s, u"draft-02"_s, u"stalwart"_s})
        m_dialect->addItem(name, name);
    m_auth = new QLineEdit(page);
    m_auth->setPlaceholderText(AuthPlaceholder);
    m_auth->setToolTip(tr("What Hookscope presents to the scanner"));
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Scanner URL"), m_url);
    auto *dialectRow = new QHBoxLayout;
    dialectRow->addWidget(m_dialect);
    dialectRow->addStretch(1);
    form->addRow(tr("Dialect"), dialectRow);
    form->addRow(tr("Authentication"), m_auth);
    return page;
}

QWidget *ConformanceDialog::buildMtaPage()
{
    auto *page = new QWidget(this);
    m_listen = new QLineEdit(u"127.0.0.1:0"_s, page);
    m_listen->setToolTip(tr("ADDR:PORT; port 0 takes any free port (the URL is shown once "
                            "listening)"));
    m_duration = new QSpinBox(page);
    m_duration->setRange(1, MaxDurationSeconds);
    m_duration->setValue(60);
    m_duration->setSuffix(tr(" s"));
    m_duration->setToolTip(tr("How long to wait for the MTA to finish (it is done when it "
                              "deregisters or stays quiet after being told its registration is "
                              "gone)"));
    m_mtaAuth = new QLineEdit(page);
    m_mtaAuth->setPlaceholderText(AuthPlaceholder);
    m_mtaAuth->setToolTip(tr("What the MTA must present"));
    m_listening
        = new QLabel(tr("Not listening: Run, then point the MTA at the URL shown here."), page);
    m_listening->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_listening->setWordWrap(true);
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Listen on"), m_listen);
    auto *durationRow = new QHBoxLayout;
    durationRow->addWidget(m_duration);
    durationRow->addStretch(1);
    form->addRow(tr("Wait up to"), durationRow);
    form->addRow(tr("MTA must present"), m_mtaAuth);
    form->addRow(tr("MTA's scanner"), m_listening);
    return page;
}

ConformanceDialog::Mode ConformanceDialog::mode() const
{
    return m_mtaMode->isChecked() ? Mode::Mta : Mode::Scanner;
}

void ConformanceDialog::setMode(Mode mode)
{
    (mode == Mode::Mta ? m_mtaMode : m_scannerMode)->setChecked(true);
}

void ConformanceDialog::requestRun()
{
    if (m_running)
        return;
    if (mode() == Mode::Scanner) {
        Conform::TargetError error;
        const auto target = Conform::makeTarget(
            {m_url->text(), m_dialect->currentData().toString(), m_auth->text()}, &error);
        if (!target) {
            const QString field = error.field == Conform::TargetError::Field::Url
                ? tr("Scanner URL: ")
                : error.field == Conform::TargetError::Field::Auth ? tr("Authentication: ")
                                                                   : QString();
            runRefused(field + error.message);
            return;
        }
        m_runMode = Mode::Scanner;
        runStarted();
        Q_EMIT scannerRunRequested(*target);
        return;
    }
    Mock::EndpointSettings settings;
    QString error;
    if (!Mock::EndpointSettings::parseListen(
            m_listen->text().trimmed(), &settings.address, &settings.port, &error)) {
        runRefused(tr("Listen on: ") + error);
        return;
    }
    const QString auth = m_mtaAuth->text().trimmed();
    const auto withAuth
        = Mock::EndpointSettings::withAuth(settings, auth.isEmpty() ? u"none"_s : auth, &error);
    if (!withAuth) {
        runRefused(tr("MTA must present: ") + error);
        return;
    }
    m_runMode = Mode::Mta;
    runStarted();
    Q_EMIT mtaRunRequested(*withAuth, m_duration->value());
}

void ConformanceDialog::runStarted()
{
    m_model->clear();
    m_exchanges->clear();
    m_evidence->clear();
    m_report = {};
    m_running = true;
    m_stopping = false;
    m_finished = false;
    if (m_runMode == Mode::Mta)
        m_listening->setText(tr("Starting…"));
    m_listeningUrl.clear();
    updateSummary();
    updateButtons();
}

void ConformanceDialog::setListening(const QString &url)
{
    m_listeningUrl = url;
    m_listening->setText(tr("Listening on <b>%1</b>: point the MTA there (discovery at "
                            "%1/.well-known/mta-hooks). The checks are scored when it is done.")
                             .arg(url.toHtmlEscaped()));
}

void ConformanceDialog::runRefused(const QString &message)
{
    m_running = false;
    m_finished = false;
    if (m_runMode == Mode::Mta)
        m_listening->setText(tr("Not listening."));
    m_summary->setText(u"<span style=\"color:#cf222e\">%1</span>"_s.arg(message.toHtmlEscaped()));
    updateButtons();
}

void ConformanceDialog::addResult(const Conform::Result &result)
{
    m_model->addResult(result);
    if (!m_view->currentIndex().isValid() && result.status == Conform::Status::Fail)
        m_view->setCurrentIndex(m_model->index(m_model->rowCount() - 1, 0));
    updateSummary();
}

void ConformanceDialog::runFinished(const Conform::Report &report)
{
    m_report = report;
    m_running = false;
    m_finished = true;
    if (m_runMode == Mode::Mta)
        m_listening->setText(
            tr("Stopped listening on %1; Run to listen again.").arg(m_listeningUrl));
    updateSummary();
    updateButtons();
}

void ConformanceDialog::updateSummary()
{
    const int musts = m_model->mustFailures();
    QString text = tr("%1 pass, %2 fail, %3 skip")
                       .arg(m_model->count(Conform::Status::Pass))
                       .arg(m_model->count(Conform::Status::Fail))
                       .arg(m_model->count(Conform::Status::Skip));
    if (m_running && m_stopping) {
        m_summary->setText(tr("Stopping after the check in progress… %1").arg(text));
        return;
    }
    if (m_running) {
        m_summary->setText(m_runMode == Mode::Mta && m_model->rowCount() == 0
                ? tr("Waiting for the MTA…")
                : tr("Running… %1").arg(text));
        return;
    }
    if (m_finished && m_report.unreachable) {
        m_summary->setText(u"<b>%1</b>"_s.arg(m_runMode == Mode::Mta
                ? tr("No MTA called: nothing was scored.")
                : tr("The scanner did not answer: %1").arg(m_report.scanner.toHtmlEscaped())));
        return;
    }
    const QString verdict = musts == 0
        ? u"<span style=\"color:#1a7f37\">%1</span>"_s.arg(tr("every MUST passes"))
        : u"<span style=\"color:#cf222e\">%1</span>"_s.arg(tr("%n MUST failure(s)", "", musts));
    m_summary->setText(u"%1: <b>%2</b>"_s.arg(text, verdict));
}

void ConformanceDialog::updateButtons()
{
    m_run->setEnabled(!m_running);
    m_stop->setEnabled(m_running && !m_stopping);
    m_scannerMode->setEnabled(!m_running);
    m_mtaMode->setEnabled(!m_running);
    m_pages->setEnabled(!m_running);
    const bool saved = m_finished && m_model->rowCount() > 0;
    m_saveJunit->setEnabled(saved);
    m_saveJson->setEnabled(saved);
    m_showInTimeline->setEnabled(pickedExchangeId() > 0);
}

void ConformanceDialog::save(bool asJson)
{
    const QString path = QFileDialog::getSaveFileName(this,
        asJson ? tr("Save JSON report") : tr("Save JUnit report"),
        asJson ? u"conform.json"_s : u"conform-junit.xml"_s,
        asJson ? tr("JSON (*.json)") : tr("JUnit XML (*.xml)"));
    if (path.isEmpty())
        return;
    QByteArray bytes;
    if (asJson) {
        QJsonObject document = Conform::jsonReport(m_report);
        if (m_runMode == Mode::Mta)
            document.insert(u"mode"_s, u"mta"_s); // as conform --mta --json says it
        bytes = QJsonDocument(document).toJson(QJsonDocument::Indented);
    } else {
        bytes = Conform::junitXml(m_report);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) < 0 || !file.commit())
        QMessageBox::warning(
            this, tr("Save report"), tr("Cannot write %1: %2").arg(path, file.errorString()));
}

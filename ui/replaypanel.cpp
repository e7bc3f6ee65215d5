// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/replaypanel.h"

#include "mock/mta/recordings.h"
#include "ui/replayresults.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDataStream>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

ReplayPanel::ReplayPanel(QWidget *parent)
    : QWidget(parent)
    , m_list(new QListWidget(this))
    , m_url(new QLineEdit(this))
    , m_dialect(new QComboBox(this))
    , m_encoding(new QComboBox(this))
    , m_auth(new QLineEdit(this))
    , m_registration(new QLineEdit(this))
    , m_onError(new QComboBox(this))
    , m_concurrency(new QSpinBox(this))
    , m_timeout(new QSpinBox(this))
    , m_insecure(new QCheckBox(tr("Accept invalid certificates"), this))
    , m_tls(new QPushButton(tr("TLS files…"), this))
    , m_run(new QPushButton(tr("Replay"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_compare(new QPushButton(tr("Compare runs…"), this))
    , m_progress(new QProgressBar(this))
    , m_summary(new QLabel(this))
    , m_results(new ReplayResults(this))
    , m_split(new QSplitter(Qt::Horizontal, this))
{
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setToolTip(tr("Sessions to replay; the selected ones run (all when none is selected)"));
    m_url->setPlaceholderText(u"http://127.0.0.1:8025/hook"_s);
    m_url->setToolTip(tr("The scanner's hook URL. For the drafts, discovery and registration "
                         "start at its origin."));
    m_dialect->addItem(tr("as recorded"), QVariant::fromValue(Mock::ReplayTarget::AsRecorded));
    m_dialect->addItem(u"Stalwart"_s, QVariant::fromValue(Dialect::Stalwart));
    m_dialect->addItem(u"draft-01"_s, QVariant::fromValue(Dialect::Draft01));
    m_dialect->addItem(u"draft-02"_s, QVariant::fromValue(Dialect::Draft02));
    m_encoding->addItem(u"JSON"_s, QVariant::fromValue(Encoding::Json));
    m_encoding->addItem(tr("CBOR (drafts)"), QVariant::fromValue(Encoding::Cbor));
    m_auth->setPlaceholderText(u"none | bearer:TOKEN | basic:USER:PASS"_s);
    m_registration->setPlaceholderText(tr("from discovery"));
    m_registration->setToolTip(tr("draft-01: register at this URL instead of the one discovery "
                                  "names (a scanner without a discovery document)"));
    for (const FailurePolicy policy :
        {FailurePolicy::TempFail, FailurePolicy::Accept, FailurePolicy::Reject})
        m_onError->addItem(failurePolicyName(policy), QVariant::fromValue(int(policy)));
    m_onError->setToolTip(tr("What the MTA does when a hook call fails (no answer, or not 2xx) "
                             "after its retries: tempfail answers 451 4.3.5"));
    m_concurrency->setRange(1, 256);
    m_timeout->setRange(100, 600000);
    m_timeout->setValue(30000);
    m_timeout->setSuffix(tr(" ms"));
    m_cancel->setEnabled(false);
    m_compare->setEnabled(false);
    m_progress->setVisible(false);
    m_summary->setWordWrap(true);
    m_summary->setText(tr("Add sessions (files, Help ▸ Samples, captured sessions or an .eml), "
                          "then Replay."));
    auto *add = new QPushButton(tr("Add files…"), this);
    auto *fromEml = new QPushButton(tr("New from .eml…"), this);
    auto *fromCapture = new QPushButton(tr("Add captured"), this);
    fromCapture->setToolTip(tr("Add the sessions selected in the timeline"));
    auto *remove = new QPushButton(tr("Remove"), this);
    connect(add, &QPushButton::clicked, this, &ReplayPanel::addFiles);
    connect(fromEml, &QPushButton::clicked, this, &ReplayPanel::newSessionFromMessage);
    connect(fromCapture, &QPushButton::clicked, this, &ReplayPanel::addCapturedRequested);
    connect(remove, &QPushButton::clicked, this, [this] {
        const QList<QListWidgetItem *> items = m_list->selectedItems();
        QList<int> rows;
        for (QListWidgetItem *item : items)
            rows.append(m_list->row(item));
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows) {
            m_sessions.removeAt(row);
            delete m_list->takeItem(row);
        }
    });
    connect(m_run, &QPushButton::clicked, this, &ReplayPanel::runSelected);
    connect(m_cancel, &QPushButton::clicked, this, &ReplayPanel::cancelRequested);
    connect(m_compare, &QPushButton::clicked, m_results, &ReplayResults::compareRuns);

    auto *listButtons = new QHBoxLayout;
    for (QPushButton *b : {add, fromEml, fromCapture, remove})
        listButtons->addWidget(b);
    auto *form = new QFormLayout;
    form->addRow(tr("Scanner URL"), m_url);
    auto *dialectRow = new QHBoxLayout;
    dialectRow->addWidget(m_dialect);
    dialectRow->addWidget(m_encoding);
    form->addRow(tr("Dialect"), dialectRow);
    form->addRow(tr("Authentication"), m_auth);
    form->addRow(tr("Registration URL"), m_registration);
    form->addRow(tr("On a failed call"), m_onError);
    // One field a row: the column of controls stays narrow enough for a 1280-pixel window.
    form->addRow(tr("Sessions at a time"), m_concurrency);
    form->addRow(tr("Timeout"), m_timeout);
    auto *tlsRow = new QHBoxLayout;
    tlsRow->addWidget(m_insecure);
    tlsRow->addWidget(m_tls);
    tlsRow->addStretch(1);
    form->addRow(QString(), tlsRow);
    m_tls->setToolTip(tr("https: the CAs to trust and a client certificate (mTLS)"));
    connect(m_tls, &QPushButton::clicked, this, &ReplayPanel::editTls);
    auto *runRow = new QHBoxLayout;
    runRow->addWidget(m_run);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_compare);
    runRow->addStretch(1);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    // What to replay against and the Replay button first: the panel is often short, and what
    // scrolls out of view should be the list, not the controls.
    leftLayout->addLayout(runRow);
    leftLayout->addWidget(m_progress);
    leftLayout->addLayout(form);
    leftLayout->addWidget(m_summary);
    leftLayout->addWidget(new QLabel(tr("<b>Sessions</b>"), this));
    leftLayout->addLayout(listButtons);
    leftLayout->addWidget(m_list, 1);

    // Scrolls rather than forcing its height on the dock area it shares with the answers.
    auto *leftScroll = new QScrollArea(this);
    leftScroll->setWidget(left);
    leftScroll->setWidgetResizable(true);
    leftScroll->setFrameShape(QFrame::NoFrame);
    m_split->setObjectName(u"replaySplitter"_s);
    m_split->addWidget(leftScroll);
    m_split->addWidget(m_results);
    m_split->setCollapsible(1, false);
    // The results take what the controls leave: the controls only what they need.
    m_split->setStretchFactor(0, 0);
    m_split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_split);
}

QByteArray ReplayPanel::layoutState() const
{
    QByteArray state;
    QDataStream stream(&state, QIODevice::WriteOnly);
    stream << m_split->saveState() << m_results->saveState();
    return state;
}

bool ReplayPanel::restoreLayoutState(const QByteArray &state)
{
    QByteArray split;
    QByteArray results;
    QDataStream stream(state);
    stream >> split >> results;
    m_shared = stream.status() == QDataStream::Ok && m_split->restoreState(split)
        && m_results->restoreState(results);
    return m_shared;
}

void ReplayPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_shared || width() <= 0)
        return;
    // A first run: the controls what they need up to 35 % of the width, the stages 40 % of the
    // rest and the answer and its effect the remainder (splitters only share out real widths).
    m_shared = true;
    // The splitters' own widths are not laid out yet: the panel's is.
    const QMargins margins = layout()->contentsMargins();
    const int total = width() - margins.left() - margins.right() - m_split->handleWidth();
    // The controls' own width plus a vertical scroll bar (the panel is often shorter than they
    // are): without it the scroll bar takes its width from the fields and a horizontal one comes.
    const auto *scroll = static_cast<const QScrollArea *>(m_split->widget(0));
    const int needed = scroll->widget()->minimumSizeHint().width()
        + style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this) + 2;
    const int controls = qMin(needed, total * 35 / 100);
    m_split->setSizes({controls, total - controls});
    const int results = total - controls - m_results->handleWidth();
    m_results->setSizes({results * 2 / 5, results - results * 2 / 5});
}

ReplayPanel::~ReplayPanel() = default;

void ReplayPanel::addSessions(const QList<Mock::SessionRecording> &sessions)
{
    for (const Mock::SessionRecording &session : sessions) {
        m_sessions.append(session);
        auto *item = new QListWidgetItem(
            session.title.isEmpty() ? session.id : session.title + u"  ("_s + session.id + u')',
            m_list);
        item->setToolTip(session.description.isEmpty()
                ? tr("%1 stage(s)").arg(session.stages.size())
                : session.description);
    }
}

void ReplayPanel::editTls()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("TLS for replays"));
    auto *form = new QFormLayout(&dialog);
    const QString pem = tr("PEM (*.pem *.crt *.cer *.key);;All files (*)");
    auto row = [&dialog, form, &pem](
                   const QString &label, const QString &value, const QString &placeholder) {
        auto *edit = new QLineEdit(value, &dialog);
        edit->setPlaceholderText(placeholder);
        edit->setClearButtonEnabled(true);
        auto *browse = new QPushButton(tr("Browse…"), &dialog);
        connect(browse, &QPushButton::clicked, edit, [&dialog, edit, label, pem] {
            const QString path = QFileDialog::getOpenFileName(&dialog, label, edit->text(), pem);
            if (!path.isEmpty())
                edit->setText(path);
        });
        auto *line = new QHBoxLayout;
        line->addWidget(edit, 1);
        line->addWidget(browse);
        form->addRow(label, line);
        return edit;
    };
    QLineEdit *ca = row(tr("Trusted CAs"), m_caCertificatesFile, tr("the system's"));
    QLineEdit *certificate
        = row(tr("Client certificate"), m_clientCertificateFile, tr("none (no mTLS)"));
    QLineEdit *key = row(tr("Client key"), m_clientKeyFile, tr("none (no mTLS)"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_caCertificatesFile = ca->text().trimmed();
    m_clientCertificateFile = certificate->text().trimmed();
    m_clientKeyFile = key->text().trimmed();
    QStringList chosen;
    for (const QString &file : {m_caCertificatesFile, m_clientCertificateFile, m_clientKeyFile}) {
        if (!file.isEmpty())
            chosen.append(file);
    }
    m_tls->setText(chosen.isEmpty() ? tr("TLS files…") : tr("TLS files (%1)…").arg(chosen.size()));
    m_tls->setToolTip(chosen.isEmpty()
            ? tr("https: the CAs to trust and a client certificate (mTLS)")
            : chosen.join(u'\n'));
}

void ReplayPanel::setDefaultTarget(const QString &url)
{
    if (m_url->text().isEmpty() || m_url->text() == m_defaultUrl)
        m_url->setText(url);
    m_defaultUrl = url;
}

Mock::ReplayTarget ReplayPanel::target() const
{
    Mock::ReplayTarget target;
    target.url = QUrl(m_url->text().trimmed());
    target.dialect = m_dialect->currentData().value<Dialect>();
    target.encoding = m_encoding->currentData().value<Encoding>();
    target.auth = m_auth->text().trimmed().isEmpty() ? u"none"_s : m_auth->text().trimmed();
    target.timeoutMs = m_timeout->value();
    target.registrationUrl = QUrl(m_registration->text().trimmed());
    target.onError = FailurePolicy(m_onError->currentData().toInt());
    target.allowInvalidCertificates = m_insecure->isChecked();
    target.caCertificatesFile = m_caCertificatesFile;
    target.clientCertificateFile = m_clientCertificateFile;
    target.clientKeyFile = m_clientKeyFile;
    return target;
}

int ReplayPanel::concurrency() const
{
    return m_concurrency->value();
}

void ReplayPanel::addFiles()
{
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Add sessions"), QString(),
        tr("Session files, HAR and messages (*.json *.har *.eml);;All files (*)"));
    // A message added here is addressed as its headers say ("New from .eml…" asks instead).
    Mock::RecordingOptions options;
    options.envelopeFromHeaders = true;
    const Mock::Recordings read = Mock::readRecordings(paths, options);
    addSessions(read.sessions);
    for (const Mock::RecordingError &error : read.errors)
        QMessageBox::warning(this, tr("Add sessions"), error.text());
}

void ReplayPanel::newSessionFromMessage()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Message"), QString(), tr("Messages (*.eml);;All files (*)"));
    if (path.isEmpty())
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Envelope for %1").arg(path.section(u'/', -1)));
    auto *from = new QLineEdit(&dialog);
    from->setPlaceholderText(u"sender@example.org"_s);
    auto *to = new QPlainTextEdit(&dialog);
    to->setPlaceholderText(tr("one recipient per line"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("MAIL FROM"), from);
    form->addRow(tr("RCPT TO"), to);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    Mock::RecordingOptions options;
    options.format = Mock::RecordingFormat::Message; // whatever its name says
    options.mailFrom = from->text().trimmed();
    options.recipients = to->toPlainText().split(u'\n', Qt::SkipEmptyParts);
    if (options.recipients.isEmpty()) {
        QMessageBox::warning(this, tr("New session"), tr("At least one recipient is needed."));
        return;
    }
    const Mock::Recordings read = Mock::readRecordings({path}, options);
    if (!read.errors.isEmpty()) {
        QMessageBox::warning(this, tr("New session"), read.errors.constFirst().text());
        return;
    }
    addSessions(read.sessions);
}

void ReplayPanel::runSelected()
{
    QList<Mock::SessionRecording> chosen;
    const QList<QListWidgetItem *> items = m_list->selectedItems();
    if (items.isEmpty()) {
        chosen = m_sessions;
    } else {
        for (QListWidgetItem *item : items)
            chosen.append(m_sessions.at(m_list->row(item)));
    }
    const Mock::ReplayTarget replayTarget = target();
    if (chosen.isEmpty() || !replayTarget.url.isValid() || replayTarget.url.host().isEmpty()) {
        m_summary->setText(tr("Nothing to replay: add sessions and give the scanner's URL."));
        return;
    }
    m_running = chosen;
    Q_EMIT runRequested(chosen, replayTarget, concurrency());
}

void ReplayPanel::onStarted(int sessionCount)
{
    m_results->startRun(sessionCount, m_running,
        u"%1, %2, %3"_s.arg(
            m_url->text(), m_dialect->currentText(), QTime::currentTime().toString(u"HH:mm:ss"_s)));
    m_progress->setRange(0, sessionCount);
    m_progress->setValue(0);
    m_progress->setVisible(true);
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_summary->setText(tr("Replaying %1 session(s)…").arg(sessionCount));
}

void ReplayPanel::onStageFinished(int sessionIndex, const Mock::StageResult &result)
{
    m_results->addStage(sessionIndex, result);
}

void ReplayPanel::onSessionFinished(int sessionIndex, const Mock::ReplayResult &result)
{
    m_results->finishSession(sessionIndex, result);
    m_progress->setValue(m_progress->value() + 1);
}

void ReplayPanel::onFinished(const Mock::ReplaySummary &summary)
{
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    m_progress->setVisible(false);
    m_compare->setEnabled(m_results->hasEarlierRun());
    auto ms = [](qint64 us) { return QString::number(double(us) / 1000.0, 'f', 1); };
    m_summary->setText(
        tr("%1 session(s), %2 stage(s) in %3 ms · %4 expectation(s) failed · %5 malformed "
           "answer(s) · %6 transport error(s) · latency min/median/p99/max %7/%8/%9/%10 ms")
            .arg(summary.sessions)
            .arg(summary.stages)
            .arg(summary.elapsedMs)
            .arg(summary.failedExpectations)
            .arg(summary.malformedAnswers)
            .arg(summary.transportErrors)
            .arg(ms(summary.latencyMinUs), ms(summary.latencyMedianUs), ms(summary.latencyP99Us),
                ms(summary.latencyMaxUs)));
}

QTreeWidget *ReplayPanel::resultsView() const
{
    return m_results->tree();
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/replayresults.h"

#include "ui/models/verdictstyle.h"
#include "ui/widgets/answerpage.h"
#include "ui/widgets/exchangeanalysis.h"
#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/linediff.h"
#include "ui/widgets/responseeditor.h"

#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

enum ResultColumn { StageCol, RecipientCol, VerdictCol, ReplyCol, LatencyCol, ExpectCol, ColCount };
enum ItemRole { SessionIndexRole = Qt::UserRole + 1, StageIndexRole };

QStringList messageLines(const QByteArray &raw)
{
    QString text = QString::fromUtf8(raw);
    text.replace(u"\r\n"_s, u"\n"_s);
    return text.split(u'\n');
}

// A replayed stage shown through the capture's detail view: the same tabs explain it.
Mock::Exchange asExchange(const Mock::StageResult &stage)
{
    Mock::Exchange exchange;
    exchange.received = QDateTime::currentDateTimeUtc();
    exchange.method = "POST";
    exchange.path = stage.url.path().toUtf8();
    exchange.peerAddress = stage.url.host();
    exchange.requestHeaders = stage.requestHeaders;
    exchange.requestBody = stage.requestBody;
    exchange.kind = Mock::ExchangeKind::Hook;
    exchange.stage = stage.stage;
    exchange.stageName = stage.stageName;
    exchange.httpStatus = stage.httpStatus;
    exchange.responseHeaders = stage.responseHeaders;
    exchange.responseBody = stage.responseBody;
    exchange.latencyUs = stage.latencyUs;
    exchange.action = stage.outcome.action;
    exchange.verdict = stage.outcome.verdict;
    exchange.replyCode = stage.outcome.reply.code;
    exchange.problems = stage.outcome.problems;
    exchange.ruleName = u"replay"_s;
    exchange.ruleReason = stage.transportError.isEmpty()
        ? u"answered by %1 in %2 attempt(s)"_s.arg(stage.url.toString()).arg(stage.attempts)
        : stage.transportError;
    exchange.note = stage.expectationFailures.join(u"; "_s);
    return exchange;
}

QString verdictText(const Mock::StageResult &stage)
{
    if (!stage.skipped.isEmpty())
        return u"not negotiated"_s;
    // A failed call's verdict is the on-error policy's.
    if (!stage.transportError.isEmpty())
        return u"error → "_s + verdictName(stage.outcome.verdict);
    return verdictName(stage.outcome.verdict);
}

} // namespace

ReplayResults::ReplayResults(QWidget *parent)
    : QSplitter(Qt::Horizontal, parent)
    , m_tree(new QTreeWidget(this))
    , m_detail(new ExchangeDetail(this))
    , m_messageDiff(new ResponseEditor(this))
    , m_stack(new QStackedWidget(this))
{
    m_tree->setObjectName(u"replayResults"_s);
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({tr("Session / stage"), tr("Recipient"), tr("Verdict"), tr("Reply"),
        tr("Latency"), tr("Expected")});
    m_tree->header()->setStretchLastSection(true);
    // The stage and its verdict first, in a pane a third of a small screen wide.
    m_tree->setColumnWidth(StageCol, 150);
    m_tree->setColumnWidth(RecipientCol, 110);
    m_tree->setColumnWidth(VerdictCol, 80);
    m_messageDiff->setObjectName(u"replayMessageDiff"_s);
    m_messageDiff->setLanguage(ResponseEditor::Language::Diff);
    m_messageDiff->setReadOnly(true);
    // Under the timeline the panel is wide and short: the stages, the answer and what it did
    // side by side each get its whole height (issue 15).
    m_detail->answerTab()->setSideBySide(true);
    m_detail->setCurrentTab(ExchangeDetail::AnswerTab);
    m_stack->addWidget(m_detail);
    m_stack->addWidget(m_messageDiff);
    // Not the widest tab's minimum (the message view's): the stages keep their share.
    m_stack->setMinimumWidth(360);
    m_tree->setMinimumWidth(200);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, &ReplayResults::showSelection);
    setObjectName(u"replayResultsSplitter"_s);
    addWidget(m_tree);
    addWidget(m_stack);
    setChildrenCollapsible(false);
    setStretchFactor(0, 2);
    setStretchFactor(1, 3);
}

ReplayResults::~ReplayResults() = default;

void ReplayResults::startRun(
    int sessionCount, const QList<Mock::SessionRecording> &sessions, const QString &label)
{
    if (!m_current.results.isEmpty())
        m_runs.append(m_current);
    m_sessions = sessions;
    m_current = Run();
    m_current.label = tr("Run %1 — %2").arg(m_runs.size() + 1).arg(label);
    m_current.results = QList<Mock::ReplayResult>(sessionCount);
    m_tree->clear();
}

QTreeWidgetItem *ReplayResults::sessionItem(int sessionIndex)
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_tree->topLevelItem(i);
        if (item->data(StageCol, SessionIndexRole).toInt() == sessionIndex)
            return item;
    }
    auto *item = new QTreeWidgetItem(m_tree);
    item->setData(StageCol, SessionIndexRole, sessionIndex);
    item->setData(StageCol, StageIndexRole, -1);
    const Mock::SessionRecording session = m_sessions.value(sessionIndex);
    item->setText(StageCol, session.title.isEmpty() ? session.id : session.title);
    item->setToolTip(StageCol, session.description);
    item->setExpanded(true);
    return item;
}

void ReplayResults::addStage(int sessionIndex, const Mock::StageResult &result)
{
    QTreeWidgetItem *parent = sessionItem(sessionIndex);
    auto *item = new QTreeWidgetItem(parent);
    item->setData(StageCol, SessionIndexRole, sessionIndex);
    item->setData(StageCol, StageIndexRole, parent->childCount() - 1);
    item->setText(StageCol, result.stageName);
    item->setText(RecipientCol, result.recipient);
    item->setText(VerdictCol, verdictText(result));
    item->setText(ReplyCol,
        result.transportError.isEmpty() ? result.outcome.reply.toString() : result.transportError);
    item->setText(LatencyCol, u"%1 ms"_s.arg(double(result.latencyUs) / 1000.0, 0, 'f', 1));
    if (result.expected) {
        const bool pass = result.expectationFailures.isEmpty();
        item->setText(ExpectCol,
            pass ? tr("pass") : tr("FAIL: %1").arg(result.expectationFailures.join(u"; "_s)));
        item->setForeground(
            ExpectCol, verdictColor(pass ? Verdict::Accept : Verdict::Reject, palette()));
    }
    const bool failing = result.outcome.verdict == Verdict::Reject
        || result.outcome.verdict == Verdict::Tempfail || !result.transportError.isEmpty();
    if (failing)
        item->setForeground(VerdictCol, verdictColor(Verdict::Reject, palette()));
    // Keep the results of the current run for the detail view and comparisons.
    if (sessionIndex < m_current.results.size())
        m_current.results[sessionIndex].stages.append(result);
}

void ReplayResults::finishSession(int sessionIndex, const Mock::ReplayResult &result)
{
    if (sessionIndex < m_current.results.size())
        m_current.results[sessionIndex] = result;
    QTreeWidgetItem *item = sessionItem(sessionIndex);
    QString text = result.stopped ? tr("stopped: %1").arg(result.stopReason)
                                  : (result.messageQueued ? tr("message queued") : tr("completed"));
    if (!result.error.isEmpty())
        text += u" — "_s + result.error;
    item->setText(ReplyCol, text);
    // What the run did besides what was asked (no discovery document, a new registration after
    // a 404): visible on the row, in full in its tooltip.
    if (!result.notes.isEmpty()) {
        item->setText(
            ReplyCol, text + u" — "_s + tr("%n note(s)", nullptr, int(result.notes.size())));
        item->setToolTip(ReplyCol, result.notes.join(u'\n'));
    }
    const int failures = result.expectationFailures();
    if (failures > 0) {
        item->setText(ExpectCol, tr("%1 failed").arg(failures));
        item->setForeground(ExpectCol, verdictColor(Verdict::Reject, palette()));
    }
}

void ReplayResults::showSelection()
{
    QTreeWidgetItem *item = m_tree->currentItem();
    if (!item)
        return;
    const int sessionIndex = item->data(StageCol, SessionIndexRole).toInt();
    const int stageIndex = item->data(StageCol, StageIndexRole).toInt();
    if (sessionIndex < 0 || sessionIndex >= m_current.results.size())
        return;
    const Mock::ReplayResult &result = m_current.results.at(sessionIndex);
    if (stageIndex >= 0 && stageIndex < result.stages.size()) {
        m_detail->showExchange(asExchange(result.stages.at(stageIndex)));
        m_stack->setCurrentWidget(m_detail);
        return;
    }
    // The session: what the message and the envelope became.
    QStringList before = envelopeLines(result.envelopeBefore);
    QStringList after = envelopeLines(result.envelopeAfter);
    if (result.hasMessage) {
        before << QString() << messageLines(result.messageBefore);
        after << QString()
              << (result.messageQueued
                         ? messageLines(result.messageAfter)
                         : QStringList {
                             tr("(the message was not queued: %1)").arg(result.stopReason)});
    }
    const QString notes = result.notes.isEmpty()
        ? QString()
        : tr("Notes:") + u"\n"_s + u"  "_s + result.notes.join(u"\n  "_s) + u"\n\n"_s;
    const QString diff = unifiedDiff(before, after,
        {tr("sent"),
            tr("as the MTA has it after the "
               "answers")});
    m_messageDiff->setText(notes
        + (diff.isEmpty() ? tr("The answers changed neither the envelope nor the message.")
                          : diff));
    m_stack->setCurrentWidget(m_messageDiff);
}

void ReplayResults::compareRuns()
{
    if (m_runs.isEmpty())
        return;
    const Run &older = m_runs.constLast();
    const Run &newer = m_current;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Compare runs"));
    auto *tree = new QTreeWidget(&dialog);
    tree->setHeaderLabels({tr("Session / stage"), older.label, newer.label});
    tree->setRootIsDecorated(true);
    int differences = 0;
    for (int s = 0; s < qMax(older.results.size(), newer.results.size()); ++s) {
        const Mock::ReplayResult a = older.results.value(s);
        const Mock::ReplayResult b = newer.results.value(s);
        auto *session
            = new QTreeWidgetItem(tree, {a.sessionId.isEmpty() ? b.sessionId : a.sessionId});
        for (int i = 0; i < qMax(a.stages.size(), b.stages.size()); ++i) {
            const Mock::StageResult x = a.stages.value(i);
            const Mock::StageResult y = b.stages.value(i);
            auto describe = [](const Mock::StageResult &r) {
                return r.stageName.isEmpty()
                    ? QString()
                    : verdictText(r) + u"  "_s + r.outcome.reply.toString();
            };
            auto *row = new QTreeWidgetItem(session,
                {x.stageName.isEmpty() ? y.stageName : x.stageName, describe(x), describe(y)});
            if (describe(x) != describe(y)) {
                ++differences;
                for (int c = 0; c < 3; ++c)
                    row->setBackground(c, changedBackground(palette()));
            }
        }
        session->setExpanded(true);
    }
    auto *label = new QLabel(differences == 0 ? tr("Both runs got the same answers.")
                                              : tr("%1 stage(s) answered differently "
                                                   "(highlighted).")
                                                    .arg(differences),
        &dialog);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(label);
    layout->addWidget(tree, 1);
    layout->addWidget(buttons);
    tree->setColumnWidth(0, 220);
    tree->setColumnWidth(1, 320);
    dialog.resize(900, 560);
    dialog.exec();
}

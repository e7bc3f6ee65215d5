// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/scripttrypane.h"

#include "mock/scanner/rulebook.h"
#include "ui/widgets/exchangeanalysis.h"
#include "ui/widgets/responseeditor.h"

#include <QCoreApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ScriptTryPane", text);
}

QString callTitle(const Mock::Exchange &exchange)
{
    QString title = tr("%1 call #%2 (%3)")
                        .arg(exchange.stageName.isEmpty() ? tr("Hook") : exchange.stageName)
                        .arg(exchange.id)
                        .arg(dialectName(exchange.dialect));
    if (!exchange.mailFrom.isEmpty())
        title += tr(" from %1").arg(exchange.mailFrom);
    return title;
}

} // namespace

RuleTry tryRule(
    const Mock::Rule &edited, const Mock::Exchange &exchange, const Mock::Rulebook &live)
{
    RuleTry result;
    if (exchange.kind != Mock::ExchangeKind::Hook) {
        result.unavailable = tr("The selected call is not a hook call.");
        return result;
    }
    const ExchangeAnalysis before = ExchangeAnalysis::analyse(exchange);
    if (!before.request.isDecoded()) {
        result.unavailable = tr("The selected call's request could not be decoded.");
        return result;
    }
    const HookRequest &request = before.request;
    // A rulebook of its own: the live one's counters and script state stay as they are, and its
    // watcher is not pointed at the rule's script file.
    Mock::Rule rule = edited;
    rule.hits = 0;
    rule.answer.scriptFile.clear();
    Mock::Rulebook scratch;
    scratch.setDraftAnswerDialect(live.draftAnswerDialect());
    scratch.setMtaTimeoutMs(live.mtaTimeoutMs());
    scratch.setDefaultAnswer(request.stage, live.defaultAnswer(request.stage));
    scratch.setRules({rule});
    const Mock::Decision decision = scratch.decide(request, exchange.sessionKey);
    result.ruleName = decision.ruleIndex >= 0 ? decision.ruleName : tr("the stage default");
    result.reason = decision.reason;
    result.trace = decision.trace;
    result.notes = decision.notes;
    result.problems = decision.problems;
    if (!decision.problems.isEmpty())
        result.scriptError = decision.problems.constFirst().message;

    Mock::Answer shown = decision.answer;
    QStringList notes;
    if (shown.kind == Mock::Answer::Kind::Hold) {
        notes << tr("The answer holds the call for you to answer; shown is what would be "
                    "answered otherwise.");
        shown = decision.suggested;
    }
    if (shown.fault != Mock::Fault::None)
        notes << tr("A real call gets the fault “%1” instead of this answer.")
                     .arg(Mock::faultName(shown.fault));
    result.answerNote = notes.join(u' ');
    const Mock::RenderedAnswer rendered = scratch.render(shown, request);
    Mock::Exchange after = exchange;
    after.held = false;
    after.httpStatus = rendered.httpStatus;
    after.responseHeaders = {{"Content-Type", rendered.contentType}};
    after.responseHeaders += rendered.headers;
    after.responseBody = rendered.body;
    const ExchangeAnalysis analysis = ExchangeAnalysis::analyse(after);
    result.answerText = answerBodyView(analysis).text;
    if (analysis.hasOutcome) {
        const Outcome &outcome = analysis.outcome;
        result.outcome = actionName(outcome.action);
        if (!outcome.reply.isEmpty())
            result.outcome += u"  "_s + outcome.reply.toString();
        if (outcome.disconnect)
            result.outcome += tr(", then the connection is closed");
        result.problems += withOrigin(outcome.problems, ProblemOrigin::Answer);
        result.diff = outcomeDiff(analysis);
        const bool kept = outcome.hasMessage || outcome.envelope.present;
        if (result.diff.isEmpty())
            result.noDiff = kept || !(request.hasMessage || request.envelope.present)
                ? tr("The answer changes neither the envelope nor the message.")
                : tr("The MTA does not go on with this message: nothing to compare.");
    }
    return result;
}

ScriptTryPane::ScriptTryPane(QWidget *parent)
    : QWidget(parent)
    , m_try(new QPushButton(tr("Try on the selected call"), this))
    , m_call(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_answer(new ResponseEditor(this))
    , m_trace(new QPlainTextEdit(this))
    , m_diff(new ResponseEditor(this))
{
    m_call->setWordWrap(true);
    m_call->setTextFormat(Qt::PlainText);
    auto *scope = new QLabel(tr("The rule runs alone (the rules above it are not tried) with "
                                "empty script state, as for a new session. The live rules, "
                                "their counts and the scripts' state are left as they are."),
        this);
    scope->setWordWrap(true);
    scope->setEnabled(false);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setText(tr("Nothing tried yet."));
    m_answer->setLanguage(ResponseEditor::Language::Json);
    m_answer->setReadOnly(true);
    m_trace->setReadOnly(true);
    m_trace->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_diff->setLanguage(ResponseEditor::Language::Diff);
    m_diff->setReadOnly(true);
    m_tabs->addTab(m_answer, tr("Answer"));
    m_tabs->addTab(m_trace, tr("Trace and log"));
    m_tabs->addTab(m_diff, tr("What the message becomes"));

    auto *buttonRow = new QHBoxLayout;
    buttonRow->addWidget(m_try);
    buttonRow->addWidget(m_call, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttonRow);
    layout->addWidget(scope);
    layout->addWidget(m_summary);
    layout->addWidget(m_tabs, 1);
    connect(m_try, &QPushButton::clicked, this, &ScriptTryPane::tryNow);
    updateButton();
}

void ScriptTryPane::setContext(
    const Mock::Rulebook *rulebook, SelectedCall selectedCall, std::function<Mock::Rule()> rule)
{
    m_rulebook = rulebook;
    m_selectedCall = std::move(selectedCall);
    m_rule = std::move(rule);
    updateButton();
}

std::optional<Mock::Exchange> ScriptTryPane::callToTry(QString *why) const
{
    if (!m_rulebook || !m_selectedCall || !m_rule) {
        *why = tr("Open the rule from the window's Answers panel to try it on a call.");
        return std::nullopt;
    }
    std::optional<Mock::Exchange> exchange = m_selectedCall();
    if (!exchange) {
        *why = tr("Select a hook call in the window's timeline to try the rule on it.");
        return std::nullopt;
    }
    if (exchange->kind != Mock::ExchangeKind::Hook) {
        *why = tr("The selected call is a %1, not a hook call: select a hook call to try the "
                  "rule on it.")
                   .arg(Mock::exchangeKindName(exchange->kind));
        return std::nullopt;
    }
    return exchange;
}

void ScriptTryPane::updateButton()
{
    QString why;
    const std::optional<Mock::Exchange> exchange = callToTry(&why);
    m_try->setEnabled(exchange.has_value());
    m_try->setToolTip(
        exchange ? tr("Run the rule as edited on %1").arg(callTitle(*exchange)) : why);
    m_call->setText(exchange ? callTitle(*exchange) : why);
}

void ScriptTryPane::tryNow()
{
    QString why;
    const std::optional<Mock::Exchange> exchange = callToTry(&why);
    updateButton();
    if (!exchange)
        return;
    showTry(tryRule(m_rule(), *exchange, *m_rulebook));
}

void ScriptTryPane::showTry(const RuleTry &result)
{
    Q_EMIT scriptErrorChanged(result.scriptError);
    QPalette palette = m_summary->palette();
    const bool failed = !result.unavailable.isEmpty() || !result.scriptError.isEmpty();
    palette.setColor(QPalette::WindowText,
        failed ? QColor(0xc0, 0x1c, 0x28) : this->palette().color(QPalette::WindowText));
    m_summary->setPalette(palette);
    if (!result.unavailable.isEmpty()) {
        m_summary->setText(result.unavailable);
        m_answer->setText(QString());
        m_trace->clear();
        m_diff->setText(QString());
        return;
    }
    QStringList summary;
    if (!result.scriptError.isEmpty())
        summary << tr("The script failed: %1").arg(result.scriptError);
    summary << tr("Answered by %1: %2").arg(result.ruleName, result.reason);
    if (!result.outcome.isEmpty())
        summary << tr("The MTA: %1").arg(result.outcome);
    m_summary->setText(summary.join(u'\n'));

    m_answer->setText(result.answerText);
    m_answer->setNote(result.answerNote);

    QStringList lines;
    lines << tr("Answered by: %1").arg(result.ruleName) << tr("Because: %1").arg(result.reason);
    if (!result.trace.isEmpty()) {
        lines << QString() << tr("Match trace:");
        for (const QString &line : result.trace)
            lines << u"  • "_s + line;
    }
    if (!result.notes.isEmpty()) {
        lines << QString() << tr("log():");
        for (const QString &line : result.notes)
            lines << u"  "_s + line;
    }
    if (!result.problems.isEmpty()) {
        lines << QString() << tr("Problems:");
        for (const Problem &problem : result.problems)
            lines << u"  %1  %2  %3"_s.arg(
                severityName(problem.severity), problemPlace(problem), problem.message);
    }
    m_trace->setPlainText(lines.join(u'\n'));

    m_diff->setText(result.diff.isEmpty() ? result.noDiff : result.diff);
    // The tab that says most: the failure's trace, else what the message becomes.
    QWidget *tab = m_diff;
    if (!result.scriptError.isEmpty())
        tab = m_trace;
    else if (result.diff.isEmpty())
        tab = m_answer;
    m_tabs->setCurrentWidget(tab);
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/scanner/rule.h"

#include <QStringList>
#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class ResponseEditor;

namespace Mock {
class Rulebook;
}

// What a rule makes of a captured call, worked out without widgets (the tests check it directly).
struct RuleTry
{
    QString unavailable; // why it could not be tried (not a hook call, …); empty when it ran
    QString ruleName; // the rule's name, or "default" when it did not answer
    QString reason;
    QStringList trace; // why the rule did not answer, when it did not
    QStringList notes; // what the script wrote with log(...)
    MtaHooks::Problems problems; // the script's failure, then the answer's problems for the MTA
    QString scriptError; // the script's failure, naming its line when known; empty when none
    QString answerText; // the answer as rendered in the call's dialect, as JSON
    QString answerNote; // a hold or a fault: what a real call gets instead
    QString outcome; // what the MTA does: "reject  550 5.7.1 …"
    QString diff; // the envelope and message before and after; empty when unchanged
    QString noDiff; // why there is no diff
};

// Tries the `edited` rule alone on the call, in a rulebook of its own with the live one's settings
// and the call's stage default: the live rulebook's counters and the scripts' state are left
// alone, and the script starts with empty state, as for a new session.
RuleTry tryRule(
    const Mock::Rule &edited, const Mock::Exchange &exchange, const Mock::Rulebook &live);

// The call selected in the window, read when it is needed; nullopt when none is.
using SelectedCall = std::function<std::optional<Mock::Exchange>()>;

// The rule editor's "Try on the selected call": the answer the rule gives that call, the match
// trace, the script's log and problems, and what the message becomes.
class ScriptTryPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScriptTryPane)

public:
    explicit ScriptTryPane(QWidget *parent = nullptr);

    // `rule` gives the rule as edited at the moment of the try.
    void setContext(const Mock::Rulebook *rulebook, SelectedCall selectedCall,
        std::function<Mock::Rule()> rule);
    void tryNow();
    void showTry(const RuleTry &result);

    QPushButton *tryButton() const { return m_try; }
    QLabel *summaryLabel() const { return m_summary; }
    ResponseEditor *answerView() const { return m_answer; }
    QPlainTextEdit *traceView() const { return m_trace; }
    ResponseEditor *diffView() const { return m_diff; }

Q_SIGNALS:
    // After every try: the script's error (naming its line), or empty when it ran cleanly.
    void scriptErrorChanged(const QString &error);

private:
    std::optional<Mock::Exchange> callToTry(QString *why) const;
    void updateButton();

    QPushButton *m_try;
    QLabel *m_call;
    QLabel *m_summary;
    QTabWidget *m_tabs;
    ResponseEditor *m_answer;
    QPlainTextEdit *m_trace;
    ResponseEditor *m_diff;
    const Mock::Rulebook *m_rulebook = nullptr;
    SelectedCall m_selectedCall;
    std::function<Mock::Rule()> m_rule;
};

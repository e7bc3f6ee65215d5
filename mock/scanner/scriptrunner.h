// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/hookrequest.h"
#include "mock/scanner/rule.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace Mock {

// What a rule's script made of a call.
struct ScriptOutcome
{
    enum class Kind {
        Answered, // `answer` holds a Plan or Hold answer
        Declined, // answer(call) returned null or undefined: the next rule is tried
        Failed // an exception, the time or memory budget, or a bad return value: `problem`
    };
    Kind kind = Kind::Declined;
    Answer answer;
    QStringList log; // what log(...) wrote
    MtaHooks::Problem problem; // Failed: the reason, with the script's line when known
    qint64 elapsedUs = 0;
};

// Runs the scripts of rules (docs/rules-format.md, "Scripts") in Qt's JavaScript engine
// (QJSEngine), which has no file, network or process access. Each script defines
// `function answer(call)` and answers with the helpers accept(), reject(…), tempfail(…),
// discard(), quarantine(), disconnect() and their edits. A call may take `timeBudgetMs` of the
// engine (then it is interrupted) and grow the process by `memoryBudgetBytes` (sampled while it
// runs); either way it fails, and the rule's caller answers with the stage's default.
//
// State: `call.state` is an object kept for the stages of one SMTP session (the most recent
// 10,000 sessions), `globalState` one kept until resetState(). One engine per runner, used on the
// thread that made it.
class ScriptRunner
{
public:
    ScriptRunner();
    ~ScriptRunner();
    ScriptRunner(const ScriptRunner &) = delete;
    ScriptRunner &operator=(const ScriptRunner &) = delete;

    // nullopt when the source compiles and defines answer(); else "line N: the reason".
    std::optional<QString> check(const QString &source);
    ScriptOutcome run(
        const QString &source, const MtaHooks::HookRequest &request, const QString &sessionKey);
    void resetState();
    void setBudget(int timeBudgetMs, qint64 memoryBudgetBytes);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Mock

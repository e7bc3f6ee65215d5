// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/protocol/hookrequest.h"
#include "mock/scanner/rule.h"
#include "mock/scanner/scriptrunner.h"

#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>

namespace Mock {

// Which answer a call gets, and why.
struct Decision
{
    QString ruleName; // a rule's name, "default" or "hold"
    QString reason; // why it answered
    QStringList trace; // why each rule above it did not match
    Answer answer; // what to answer (Kind::Hold parks the call)
    Answer suggested; // for a hold: what would have been answered, to prefill the editor
    int ruleIndex = -1; // -1 for the stage default or the stage hold switch
    MtaHooks::Problems problems; // a script that failed (the stage default answered)
    QStringList notes; // what scripts wrote with log(...)
};

// A rendered answer: the bytes to send.
struct RenderedAnswer
{
    int httpStatus = 200;
    QByteArray contentType;
    QByteArray body;
    HttpHeaders headers; // extra headers (Retry-After …)
};

// The mock scanner's answers: a default per stage, rules (first match wins), per-stage hold
// switches. Deciding is a function of the request and the rules, plus the "times" counters.
class Rulebook final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Rulebook)

public:
    explicit Rulebook(QObject *parent = nullptr);

    QList<Rule> rules() const { return m_rules; }
    void setRules(const QList<Rule> &rules);
    void insertRule(int index, const Rule &rule);
    void replaceRule(int index, const Rule &rule);
    void removeRule(int index);
    void moveRule(int from, int to);
    void resetHits();

    Answer defaultAnswer(MtaHooks::Stage stage) const;
    void setDefaultAnswer(MtaHooks::Stage stage, const Answer &answer);
    bool isHeld(MtaHooks::Stage stage) const { return m_heldStages.contains(stage); }
    void setHeld(MtaHooks::Stage stage, bool held);
    QSet<MtaHooks::Stage> heldStages() const { return m_heldStages; }

    // Draft requests are answered in draft-01's {set, add, delete} or draft-02's JSON Patch.
    MtaHooks::Dialect draftAnswerDialect() const { return m_draftAnswerDialect; }
    void setDraftAnswerDialect(MtaHooks::Dialect dialect);
    int holdTimeoutMs() const { return m_holdTimeoutMs; }
    void setHoldTimeoutMs(int ms);
    // The MTA's hook timeout, for "just past the MTA's timeout" delays (Stalwart: 30 s).
    int mtaTimeoutMs() const { return m_mtaTimeoutMs; }
    void setMtaTimeoutMs(int ms);
    // How long a "hang" fault keeps its call before the connection is reset.
    int hangLimitMs() const;

    // `sessionKey` names the call's SMTP session, for the state scripts keep per session.
    Decision decide(const MtaHooks::HookRequest &request, const QString &sessionKey = {});
    RenderedAnswer render(const Answer &answer, const MtaHooks::HookRequest &request) const;
    qint64 delayMs(const Answer &answer) const;

    // The rules file (docs/rules-format.md).
    QJsonObject toJson() const;
    bool fromJson(const QJsonObject &json, QString *error);
    // Script files named in a rules file are read relative to it (load), or to `baseDir`.
    bool load(const QString &path, QString *error);
    void setBaseDir(const QString &baseDir) { m_baseDir = baseDir; }
    // The engine running the rules' scripts (made on first use): its budgets, a check of a script
    // being edited.
    ScriptRunner &scripts();
    bool save(const QString &path, QString *error) const;

Q_SIGNALS:
    void changed();
    // A rule answered a call (its hit count went up), or the counts were reset. Not a change of
    // the rules: nothing to save.
    void hitsChanged();
    // A rule's script file changed on disk and was read again (or could not be: the rule keeps
    // the script it had, and `error` says why).
    void scriptReloaded(const QString &path);
    void scriptReloadFailed(const QString &path, const QString &error);

private:
    QString mismatch(const Rule &rule, const MtaHooks::HookRequest &request) const;
    // Reads the scripts' files and compiles every script; false with the place on error.
    bool prepareScripts(QList<Rule> &rules, QString *error);
    // Watches the rules' script files, so that editing one outside Hookscope takes effect.
    void watchScripts();
    void reloadScript(const QString &path);
    QString scriptPath(const Answer &answer) const;
    // Runs a matching rule's script: true when it answered (or failed: the default answers).
    bool runScript(const Rule &rule, const QString &label, const MtaHooks::HookRequest &request,
        const QString &sessionKey, Decision &decision);

    QList<Rule> m_rules;
    QHash<MtaHooks::Stage, Answer> m_defaults;
    QSet<MtaHooks::Stage> m_heldStages;
    MtaHooks::Dialect m_draftAnswerDialect = MtaHooks::Dialect::Draft01;
    int m_holdTimeoutMs = 30000;
    int m_mtaTimeoutMs = 30000;
    QString m_baseDir;
    std::unique_ptr<ScriptRunner> m_scripts;
    QFileSystemWatcher *m_watcher = nullptr;
};

// Replaces "{{/json/pointer}}" with the request's value there: inside a JSON string the text is
// escaped for that string, outside it is the JSON value itself. Missing values become "" / null.
QByteArray renderTemplate(const QByteArray &text, const MtaHooks::Document &request);

} // namespace Mock

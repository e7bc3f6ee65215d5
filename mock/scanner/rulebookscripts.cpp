// SPDX-License-Identifier: GPL-3.0-or-later
// The rules whose answer is a script: reading and compiling them with the rules file (all or
// nothing), and running one when its rule's conditions hold.
#include "mock/scanner/rulebook.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

// A script file is source code, not data: a megabyte is far more than any prototype needs.
constexpr qint64 MaxScriptBytes = 1024 * 1024;

} // namespace

ScriptRunner &Rulebook::scripts()
{
    if (!m_scripts)
        m_scripts = std::make_unique<ScriptRunner>();
    return *m_scripts;
}

QString Rulebook::scriptPath(const Answer &answer) const
{
    return QDir::cleanPath(
        QDir(m_baseDir.isEmpty() ? QDir::currentPath() : m_baseDir).filePath(answer.scriptFile));
}

void Rulebook::watchScripts()
{
    QStringList paths;
    for (const Rule &rule : std::as_const(m_rules)) {
        // A script compiled into the binary (the demo's) never changes, and cannot be watched.
        if (rule.answer.kind == Answer::Kind::Script && !rule.answer.scriptFile.isEmpty()
            && !scriptPath(rule.answer).startsWith(u':'))
            paths << scriptPath(rule.answer);
    }
    if (m_watcher) {
        m_watcher->removePaths(m_watcher->files());
        m_watcher->removePaths(m_watcher->directories());
    }
    if (paths.isEmpty())
        return;
    if (!m_watcher) {
        m_watcher = new QFileSystemWatcher(this);
        connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &Rulebook::reloadScript);
        // A file saved by renaming a new one over it is gone for a moment: its folder says when
        // it is back.
        connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] {
            for (const Rule &rule : std::as_const(m_rules)) {
                if (rule.answer.kind != Answer::Kind::Script || rule.answer.scriptFile.isEmpty())
                    continue;
                const QString path = scriptPath(rule.answer);
                if (!m_watcher->files().contains(path) && QFileInfo::exists(path))
                    reloadScript(path);
            }
        });
    }
    m_watcher->addPaths(paths);
    for (const QString &path : std::as_const(paths))
        m_watcher->addPath(QFileInfo(path).absolutePath());
}

void Rulebook::reloadScript(const QString &path)
{
    // Editors that save by renaming a new file over the old one end the watch: watch again, and
    // wait for the file while it is gone (the folder's watch brings it back here).
    if (!QFileInfo::exists(path))
        return;
    if (!m_watcher->files().contains(path))
        m_watcher->addPath(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > MaxScriptBytes) {
        Q_EMIT scriptReloadFailed(
            path, file.isOpen() ? u"over %1 bytes"_s.arg(MaxScriptBytes) : file.errorString());
        return;
    }
    const QString source = QString::fromUtf8(file.readAll());
    if (const auto problem = scripts().check(source)) {
        Q_EMIT scriptReloadFailed(path, *problem);
        return;
    }
    bool used = false;
    for (Rule &rule : m_rules) {
        if (rule.answer.kind == Answer::Kind::Script && !rule.answer.scriptFile.isEmpty()
            && scriptPath(rule.answer) == path && rule.answer.script != source) {
            rule.answer.script = source;
            used = true;
        }
    }
    if (!used)
        return;
    Q_EMIT scriptReloaded(path);
    Q_EMIT changed();
}

bool Rulebook::prepareScripts(QList<Rule> &rules, QString *error)
{
    for (qsizetype i = 0; i < rules.size(); ++i) {
        Answer &answer = rules[i].answer;
        if (answer.kind != Answer::Kind::Script)
            continue;
        const QString place = u"rules/%1"_s.arg(i);
        if (!answer.scriptFile.isEmpty()) {
            QFile file(scriptPath(answer));
            if (!file.open(QIODevice::ReadOnly)) {
                *error = u"%1: cannot read script %2: %3"_s.arg(
                    place, file.fileName(), file.errorString());
                return false;
            }
            if (file.size() > MaxScriptBytes) {
                *error = u"%1: script %2 is over %3 bytes"_s.arg(place, file.fileName())
                             .arg(MaxScriptBytes);
                return false;
            }
            answer.script = QString::fromUtf8(file.readAll());
        }
        if (const auto problem = scripts().check(answer.script)) {
            *error = u"%1: script%2 %3"_s.arg(place,
                answer.scriptFile.isEmpty() ? QString() : u' ' + answer.scriptFile, *problem);
            return false;
        }
    }
    return true;
}

bool Rulebook::runScript(const Rule &rule, const QString &label, const HookRequest &request,
    const QString &sessionKey, Decision &decision)
{
    const ScriptOutcome outcome = scripts().run(rule.answer.script, request, sessionKey);
    for (const QString &line : outcome.log)
        decision.notes << u"%1: %2"_s.arg(label, line);
    switch (outcome.kind) {
    case ScriptOutcome::Kind::Declined:
        decision.trace << u"%1: the script answered null (not me): next rule"_s.arg(label);
        return false;
    case ScriptOutcome::Kind::Failed: {
        Problem problem = outcome.problem;
        problem.message = u"rule \"%1\": %2"_s.arg(label, problem.message);
        decision.problems << problem;
        decision.reason = u"the script failed (%1): the default answer for %2"_s.arg(
            outcome.problem.message, request.stageName);
        decision.answer = defaultAnswer(request.stage);
        return true;
    }
    case ScriptOutcome::Kind::Answered:
        decision.reason = u"%1; the script answered in %2 µs"_s.arg(rule.describeConditions())
                              .arg(outcome.elapsedUs);
        decision.answer = outcome.answer;
        return true;
    }
    return false;
}

} // namespace Mock

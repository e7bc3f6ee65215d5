// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformrunner.h"
#include "tests/support/testsupport.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace ConformTest {

using namespace Qt::StringLiterals;

constexpr int Patience = 60000;

// A child process (a test scanner, hookscope serve, hookscope conform) with its output kept.
class Child
{
public:
    Child(const QString &program, const QStringList &arguments)
    {
        process.setProgram(program);
        process.setArguments(arguments);
        QObject::connect(&process, &QProcess::readyReadStandardOutput, &process,
            [this] { out += process.readAllStandardOutput(); });
        QObject::connect(&process, &QProcess::readyReadStandardError, &process,
            [this] { err += process.readAllStandardError(); });
        process.start();
    }
    ~Child()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(Patience);
        }
    }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    // The first match of `pattern`'s first group in stdout or stderr; 0 when the process ended
    // first.
    quint16 waitPort(const QRegularExpression &pattern, bool inStdout)
    {
        const bool seen = QTest::qWaitFor(
            [&] {
                return pattern.match(QString::fromUtf8(inStdout ? out : err)).hasMatch()
                    || process.state() == QProcess::NotRunning;
            },
            Patience);
        if (!seen)
            qWarning("%s did not start: %s", qPrintable(process.program()), err.constData());
        return quint16(pattern.match(QString::fromUtf8(inStdout ? out : err)).captured(1).toUInt());
    }
    // The exit code, or -1 when the process did not end in time or crashed.
    int waitExit()
    {
        if (process.state() != QProcess::NotRunning) {
            QSignalSpy finished(&process, &QProcess::finished);
            if (!finished.wait(Patience) && process.state() != QProcess::NotRunning)
                return -1;
        }
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    QProcess process;
    QByteArray out;
    QByteArray err;
};

// Runs the checks (default: those of the target's dialect) in this process against a scanner and
// waits for them.
inline QList<Conform::Result> runChecks(const Conform::Target &target, bool *unreachable = nullptr,
    const QList<Conform::Check> &checks = {})
{
    Conform::Runner runner;
    if (!checks.isEmpty())
        runner.setChecks(checks);
    QSignalSpy finished(&runner, &Conform::Runner::finished);
    runner.start(target);
    if (!finished.wait(Patience))
        qWarning("the checks did not finish in time");
    if (unreachable)
        *unreachable = runner.unreachable();
    return runner.results();
}

inline QStringList idsWith(const QList<Conform::Result> &results, Conform::Status status)
{
    QStringList ids;
    for (const Conform::Result &result : results) {
        if (result.status == status)
            ids << result.id;
    }
    return ids;
}

// What failed, with the details, for failure messages.
inline QByteArray describe(const QList<Conform::Result> &results)
{
    QString text;
    for (const Conform::Result &result : results) {
        if (result.status != Conform::Status::Pass)
            text += u"\n  %1 %2: %3"_s.arg(statusName(result.status), result.id, result.detail);
    }
    return text.toUtf8();
}

} // namespace ConformTest

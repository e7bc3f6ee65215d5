// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/conform/conformcheck.h"

#include <QObject>

#include <memory>

namespace Conform {

// Runs the checks for the target's dialect one after the other and reports each result. When the
// first request of the run gets no HTTP answer at all the scanner is unreachable: the remaining
// checks are skipped and unreachable() is true (the command's exit code 2).
//
// Every call recorded as evidence is numbered in the run (Evidence::exchange, from 0) and, when
// something listens to exchangeRecorded, also given as a Mock::Exchange of the run's own session
// (sessionKey "conform-…", sequence = number + 1), before the check that made it ends: the window
// captures them so that the timeline shows what Hookscope sent.
class Runner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Runner)

public:
    explicit Runner(QObject *parent = nullptr);
    ~Runner() override;

    // A subset of the table, for tests; default: checksFor(target.dialect).
    void setChecks(const QList<Check> &checks);
    void start(const Target &target);
    // Skips the checks not yet started. The running one ends first (its request may be in flight
    // and its callbacks hold on to it), then finished() comes as usual.
    void stop();
    bool isRunning() const;
    bool unreachable() const;
    QList<Result> results() const;
    // True when no MUST-level check failed.
    bool mustsPass() const;
    QString sessionKey() const; // of the exchanges of the current or last run

Q_SIGNALS:
    void checkFinished(const Conform::Result &result);
    void exchangeRecorded(const Mock::Exchange &exchange, qint64 index);
    void finished();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Conform

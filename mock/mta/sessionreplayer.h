// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/replayresult.h"

#include <QObject>

#include <memory>

namespace Mock {

// The mock MTA: replays recorded sessions to a scanner, stage by stage, and acts on the answers as
// an MTA would — a reject stops the session at that stage, a refused recipient is dropped, edits
// accumulate and are applied at data (by the protocol engine's apply), a malformed answer follows
// the dialect's error rule (Stalwart: tempfail 451 4.3.5; the drafts: the default action). For the
// drafts it does the flow right: discovery, registration at the scanner, hook calls to the
// returned hookEndpoint with the X-MTA-Hooks-* headers, retries with backoff and a stable request
// id, a new registration when the scanner answers 404 REGISTRATION_NOT_FOUND (the call is sent
// again), no more calls after 410 REGISTRATION_DEREGISTERED, deregistration at the end. Sessions
// run N at a time. With ReplayTarget::AsRecorded each session plays in the dialect it was recorded
// in: one pass per dialect, one after the other (planReplay), and one run to the caller — the
// signals number the sessions as given and finished comes once, after the last pass.
class SessionReplayer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionReplayer)

public:
    explicit SessionReplayer(QObject *parent = nullptr);
    ~SessionReplayer() override;

    void start(
        const QList<SessionRecording> &sessions, const ReplayTarget &target, int concurrency = 1);
    void cancel();
    bool isRunning() const;
    QList<ReplayResult> results() const; // in session order, complete once finished
    // The figures of the results so far (all of them once finished; up to cancel() after one).
    ReplaySummary summary() const;
    // A pause between stages (demo mode's watchable pace); 0 by default.
    void setStageDelayMs(int ms);
    // Threads the lanes run on; 0 (the default) decides: this thread for fewer than 8 lanes,
    // else one per 8 lanes up to the number of cores. The signals always come in this thread.
    void setWorkerThreads(int threads);

Q_SIGNALS:
    // Only for receivers connected before start(): without one, stages are not reported at all
    // (they cost a cross-thread call each when lanes run on worker threads).
    void stageFinished(int sessionIndex, const Mock::StageResult &result);
    void sessionFinished(int sessionIndex, const Mock::ReplayResult &result);
    void progress(int sessionsDone, int sessionsTotal);
    void finished(const Mock::ReplaySummary &summary);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/hookclient.h"
#include "mock/mta/negotiation_p.h"
#include "mock/mta/replayresult.h"

#include <QHash>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>

namespace Mock::Detail {

bool isDraft(MtaHooks::Dialect dialect);

// Runs sessions on a set of lanes (one HookClient, so one connection, each), in the thread it
// lives in: the replayer's own for a few lanes, worker threads for many. Sessions are taken from
// a counter shared by all workers; results go back through the callbacks, which the replayer
// wires to its own thread.
class LaneWorker final : public QObject
{
public:
    // Each manager runs its HTTP in a thread of its own and opens at most six connections to a
    // host: lanes share one up to that, so 32 lanes cost 6 such threads, not 32. Measured with 32
    // lanes against `hookscope serve`: 4.3k → 4.6–5.0k calls/s, 240 → 190 µs of CPU per call.
    static constexpr int LanesPerManager = 6;

    struct Setup
    {
        QList<SessionRecording> sessions;
        ReplayTarget target;
        QUrl hookUrl;
        QByteArray registrationId;
        QString setupError;
        QStringList setupNotes;
        Negotiation negotiation; // drafts: only its stages are called, its properties sent
        int stageDelayMs = 0;
        int lanes = 1;
        bool reportStages = true;
        std::shared_ptr<std::atomic<int>> nextSession;
        std::function<void(int, const StageResult &)> stageDone;
        std::function<void(int, const ReplayResult &)> sessionDone;
        std::function<void()> idle; // every lane is done: no session left
        // A draft hook call was answered 404 REGISTRATION_NOT_FOUND while registered as
        // staleId: the replayer registers again (once for all lanes) and resume gets the new
        // hook URL and id in this worker's thread, or an empty id when that failed.
        std::function<void(const QByteArray &staleId, LaneWorker *worker,
            std::function<void(const QUrl &, const QByteArray &)> resume)>
            reregister;
        // Set once a hook call was answered 410 REGISTRATION_DEREGISTERED: no lane calls again.
        std::shared_ptr<std::atomic<bool>> deregistered;
    };

    explicit LaneWorker(Setup setup)
        : m_sessions(std::move(setup.sessions))
        , m_target(std::move(setup.target))
        , m_hookUrl(std::move(setup.hookUrl))
        , m_registrationId(std::move(setup.registrationId))
        , m_setupError(std::move(setup.setupError))
        , m_setupNotes(std::move(setup.setupNotes))
        , m_negotiation(std::move(setup.negotiation))
        , m_stageDelayMs(setup.stageDelayMs)
        , m_laneCount(setup.lanes)
        , m_reportStages(setup.reportStages)
        , m_nextSession(std::move(setup.nextSession))
        , m_stageDone(std::move(setup.stageDone))
        , m_sessionDone(std::move(setup.sessionDone))
        , m_idle(std::move(setup.idle))
        , m_reregister(std::move(setup.reregister))
        , m_deregistered(std::move(setup.deregistered))
    { }
    ~LaneWorker() override { qDeleteAll(m_lanes); }

    // In the worker's thread.
    void start();

    // In the worker's thread: abandons the calls in flight; no callback follows. `now` deletes
    // the clients at once (not from inside one of their callbacks).
    void stop(bool now);

private:
    struct Run
    {
        int index = -1;
        int stage = 0;
        MtaHooks::EnvelopeAddress from;
        QList<MtaHooks::EnvelopeAddress>
            accepted; // as the MTA has them: refused ones gone, edits in
        ReplayResult result;
    };
    struct Lane
    {
        HookClient *client = nullptr;
        Run run;
        bool busy = false;
    };
    // What each message replayed (by content) looks like in a data request: --repeat replays
    // the same message many times, and decoding MIME is the dearest part of building a request.
    struct MessageForms
    {
        QByteArray jmap; // drafts' "message"
        QByteArray stalwartJson; // Stalwart's "message"
        QByteArray stalwartRaw; // the message a scanner rebuilds from it (U+FFFD for non-UTF-8)
    };

    void next(Lane *lane);
    void runStage(Lane *lane);
    // A stage the registration did not negotiate: not called; the MTA goes on as without a hook.
    void skipStage(Lane *lane, const SessionStage &stage);
    void send(Lane *lane, HttpCall call, MtaHooks::HookRequest request, StageResult result,
        bool mayRegisterAgain);
    bool registerAgain(Lane *lane, const HttpCall &call, const MtaHooks::HookRequest &request,
        const StageResult &result, const HttpResult &http);
    MtaHooks::HookRequest requestFacts(const SessionRecording &session, const SessionStage &stage,
        const MtaHooks::Envelope &envelope, const QByteArray &body, MtaHooks::Encoding encoding);
    void stageAnswered(Lane *lane, const HttpCall &call, const MtaHooks::HookRequest &request,
        StageResult stage, const HttpResult &http, bool mayRegisterAgain);
    // firstUnreached: the first stage not sent (its expectations, and later ones, fail).
    void finishSession(Lane *lane, const QString &stopReason, int firstUnreached);
    const MessageForms &messageForms(const QByteArray &raw);
    void reportIdleIfDone();

    const QList<SessionRecording> m_sessions;
    const ReplayTarget m_target;
    QUrl m_hookUrl; // both change when the scanner forgot the registration (404)
    QByteArray m_registrationId;
    const QString m_setupError;
    const QStringList m_setupNotes;
    const Negotiation m_negotiation;
    const int m_stageDelayMs;
    const int m_laneCount;
    const bool m_reportStages;
    const std::shared_ptr<std::atomic<int>> m_nextSession;
    const std::function<void(int, const StageResult &)> m_stageDone;
    const std::function<void(int, const ReplayResult &)> m_sessionDone;
    const std::function<void()> m_idle;
    const std::function<void(
        const QByteArray &, LaneWorker *, std::function<void(const QUrl &, const QByteArray &)>)>
        m_reregister;
    const std::shared_ptr<std::atomic<bool>> m_deregistered;
    QList<Lane *> m_lanes;
    QHash<QByteArray, MessageForms> m_messageCache;
    bool m_stopped = false;
    bool m_starting = false;
    bool m_idleReported = false;
};

} // namespace Mock::Detail

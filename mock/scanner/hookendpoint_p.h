// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// HookEndpoint's state and the steps of a call, shared by the files that implement them:
// hookendpoint.cpp (lifecycle, intake and routing of requests), heldanswers.cpp (what a held call
// is answered with), answerrendering.cpp (what goes on the wire) and answerdelivery.cpp (stored
// first, then written in request order). The parts it owns and wires have files of their own:
// WaitingCalls (held, delayed and hanging calls: deadlines, clients leaving), CommitQueue (the
// capture store's writes before the answers) and ResponseOrder (answers in request order on each
// connection).

#include "mock/capture/exchange.h"
#include "mock/capture/sessiontracker.h"
#include "mock/protocol/hookrequest.h"
#include "mock/scanner/commitqueue_p.h"
#include "mock/scanner/connectionguard.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/endpointcall_p.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/responseorder_p.h"
#include "mock/scanner/rulebook.h"
#include "mock/scanner/waitingcalls_p.h"

#include <QHash>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>

class QHttpServerRequest;
class QThreadPool;

namespace Mock {

namespace Detail {
class HttpEngine;
// Where large calls are decoded and judged: one low-priority thread, so that on a small machine
// a core stays free for the event loop answering everyone else.
QThreadPool *heavyWorkPool();
} // namespace Detail

struct HookEndpoint::Private
{
    using Call = EndpointCall;

    HookEndpoint *q;
    Rulebook *rulebook;
    EndpointSettings settings;
    Detail::HttpEngine *engine = nullptr;
    QPointer<ConnectionGuard> guard;
    ControlPlane controlPlane;
    SessionTracker sessions;
    QString error;
    qint64 nextCallId = 1;
    RequestIdLedger requestIds; // draft request ids seen: retries, conflicts, answers given
    WaitingCalls waiting {[this](Exchange &exchange) { record(exchange); }};
    CommitQueue commits;
    ResponseOrder order;
    quint64 listenGeneration = 0; // counts close(): a decode finishing later is dropped
    // Bodies from this size on are decoded, and the answers to them judged, on a pool thread: a
    // 50 MB data stage takes tens of milliseconds for each, which other calls must not wait for.
    static constexpr qsizetype OffloadBodyBytes = 256 * 1024;

    Private(HookEndpoint *owner, Rulebook *book)
        : q(owner)
        , rulebook(book)
    { }

    void handle(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleHook(const std::shared_ptr<Call> &call);
    void continueHook(const std::shared_ptr<Call> &call);
    // The refusal a strict endpoint (EndpointSettings::strict) gives a hook call that breaks a
    // draft MUST, written and recorded; false when the call may go on. strictchecks.cpp.
    bool refuseStrictly(const std::shared_ptr<Call> &call);
    // The control plane's refusal of a draft call for its registration (404 expired, or unknown
    // when `refuseUnknown`; 403 another caller's; 410 deregistered), written; false when none.
    bool refuseForRegistration(const std::shared_ptr<Call> &call, bool refuseUnknown);
    // A strict endpoint answers a retry (same request id, same body) as it answered the first.
    bool answerRetry(const std::shared_ptr<Call> &call);
    void noteRequestId(const std::shared_ptr<Call> &call);
    void answerWith(const std::shared_ptr<Call> &call, const Answer &answer, const QString &note);
    void park(const std::shared_ptr<Call> &call, const Decision &decision);
    void finish(const std::shared_ptr<Call> &call, int status, const QByteArray &contentType,
        const QByteArray &body, const HttpHeaders &headers = {});
    // Runs work on copies of the call's exchange and request on the heavy-call thread, then puts
    // them back and goes on with `then` on this thread (unless the endpoint closed meanwhile).
    void offload(const std::shared_ptr<Call> &call,
        std::function<void(Exchange &, MtaHooks::HookRequest &)> work,
        void (Private::*then)(const std::shared_ptr<Call> &));
    void judgeElsewhere(const std::shared_ptr<Call> &call);
    void settleJudged(const std::shared_ptr<Call> &call);
    void resetInstead(const std::shared_ptr<Call> &call);
    void settle(const std::shared_ptr<Call> &call);
    void deliver(const std::shared_ptr<Call> &call);
    void send(const std::shared_ptr<Call> &call);
    void record(Exchange &exchange);
    void onRefused(const ConnectionGuard::Refusal &refusal);
};

} // namespace Mock

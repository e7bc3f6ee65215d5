// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// HookEndpoint's state and the steps of a call, shared by the files that implement them:
// hookendpoint.cpp (lifecycle, intake and routing of requests), pendingcalls.cpp (held, delayed
// and hanging calls), answerrendering.cpp (what goes on the wire) and answerdelivery.cpp (stored
// first, then written in request order).

#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"
#include "mock/capture/sessiontracker.h"
#include "mock/protocol/hookrequest.h"
#include "mock/scanner/connectionguard.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>

class QHttpServerRequest;
class QThreadPool;
class QTimer;

namespace Mock {

namespace Detail {
class HttpEngine;
// Where large calls are decoded and judged: one low-priority thread, so that on a small machine
// a core stays free for the event loop answering everyone else.
QThreadPool *heavyWorkPool();
} // namespace Detail

struct HookEndpoint::Private
{
    struct Call
    {
        qint64 id = 0;
        Exchange exchange;
        MtaHooks::HookRequest request;
        QPointer<QTcpSocket> socket;
        quint64 ticket = 0; // position of the request on its connection
        QElapsedTimer clock;
        QString registrationId;
        QTimer *timer = nullptr; // hold deadline or answer delay
        QMetaObject::Connection disconnectWatch; // while the answer is pending
        bool held = false;
        QByteArray suggestedBody;
        QByteArray suggestedContentType;
        QDateTime deadline;
        // Filled by finish(): what goes out once the exchange is on disk.
        QByteArray wire;
        bool reset = false; // a connection reset instead of an answer
        bool closeAfter = false;
        bool wasHeld = false;
        bool refused = false; // the endpoint refused the call itself: no MTA reading of the answer
    };

    // Answers of one connection, written in the order of their requests (HTTP/1.1 pipelining).
    struct Outbox
    {
        quint64 nextTicket = 0;
        quint64 nextToSend = 0;
        QMap<quint64, std::shared_ptr<Call>> ready;
    };

    HookEndpoint *q;
    Rulebook *rulebook;
    QPointer<CaptureStore> store;
    EndpointSettings settings;
    Detail::HttpEngine *engine = nullptr;
    QPointer<ConnectionGuard> guard;
    ControlPlane controlPlane;
    SessionTracker sessions;
    QString error;
    qint64 nextCallId = 1;
    QHash<qint64, std::shared_ptr<Call>> pending; // delayed, held or hanging calls
    QHash<QByteArray, int> requestIds; // draft request ids seen, for retries
    QHash<QTcpSocket *, Outbox> outboxes;
    QList<std::shared_ptr<Call>> toCommit; // group commit: answered, not yet on disk
    bool flushQueued = false;
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
    void answerWith(const std::shared_ptr<Call> &call, const Answer &answer, const QString &note);
    void park(const std::shared_ptr<Call> &call, const Decision &decision);
    void hang(const std::shared_ptr<Call> &call);
    void watchDisconnect(const std::shared_ptr<Call> &call);
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
    void detach(const std::shared_ptr<Call> &call);
    void settle(const std::shared_ptr<Call> &call);
    void recordInParts(const std::shared_ptr<Call> &call);
    void flushCommits();
    void deliver(const std::shared_ptr<Call> &call);
    void send(const std::shared_ptr<Call> &call);
    void dropTimer(Call &call);
    void record(Exchange &exchange);
    void onRefused(const ConnectionGuard::Refusal &refusal);
};

} // namespace Mock

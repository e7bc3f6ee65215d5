// SPDX-License-Identifier: GPL-3.0-or-later
// A decided call's way out: stored (alone or in a group commit), then written after the answers
// to earlier requests on its connection.
#include "mock/scanner/hookendpoint.h"

#include "mock/scanner/hookendpoint_p.h"
#include "mock/scanner/httpwire_p.h"
#include "mock/scanner/logging.h"

#include <QElapsedTimer>
#include <QTcpSocket>

#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Answers written but not yet taken by the client, past which it is taken to be not reading.
constexpr qint64 MaxUnreadAnswerBytes = 8 * 1024 * 1024;

} // namespace

// The answer is decided: the call leaves the pending list and is stored, then its answer goes out.
// With group commit the store write waits for the end of this event-loop pass, so every answer
// decided in the pass shares one transaction; no answer is written before its commit.
void HookEndpoint::Private::settle(const std::shared_ptr<Call> &call)
{
    detach(call);
    Exchange &exchange = call->exchange;
    exchange.held = false;
    exchange.latencyUs = call->clock.nsecsElapsed() / 1000;
    // Here as well as in record(): a group commit stores the exchange without record(), and the
    // exchangeCaptured listeners see it too.
    if (!settings.keepCredentials)
        redactCredentials(exchange.requestHeaders);
    if (!call->registrationId.isEmpty())
        controlPlane.noteInvocation(
            call->registrationId, exchange.latencyUs, call->reset || exchange.httpStatus >= 400);
    if (store && exchange.requestBody.size() >= 2 * CaptureStore::PartBytes) {
        // A large body is stored in parts over several event-loop passes (its answer waits for
        // the last): other calls are answered in between, not after one long write.
        recordInParts(call);
        return;
    }
    if (!store || !settings.groupCommit) {
        // On disk before the MTA sees the answer: a crash after this loses nothing it saw.
        record(exchange);
        deliver(call);
        return;
    }
    toCommit.append(call);
    if (!flushQueued) {
        flushQueued = true;
        QMetaObject::invokeMethod(
            q, [this] { flushCommits(); }, Qt::QueuedConnection);
    }
}

// Off the pending list, its timer and its disconnect watch: nothing can answer it again.
void HookEndpoint::Private::detach(const std::shared_ptr<Call> &call)
{
    call->wasHeld = call->wasHeld || call->held;
    call->held = false;
    pending.remove(call->id);
    QObject::disconnect(call->disconnectWatch);
    dropTimer(*call);
}

void HookEndpoint::Private::recordInParts(const std::shared_ptr<Call> &call)
{
    store->saveInParts(call->exchange, q, [this, call](const Exchange &saved, bool stored) {
        call->exchange.id = saved.id;
        if (!stored && store && store->isStoring())
            Q_EMIT q->errorOccurred(u"capture not saved: "_s + store->lastError());
        deliver(call);
    });
}

void HookEndpoint::Private::flushCommits()
{
    flushQueued = false;
    if (toCommit.isEmpty())
        return;
    const QList<std::shared_ptr<Call>> batch = std::exchange(toCommit, {});
    if (store) {
        QElapsedTimer clock;
        clock.start();
        QList<Exchange> exchanges;
        exchanges.reserve(batch.size());
        for (const auto &call : batch)
            exchanges.append(call->exchange);
        if (store->saveAll(exchanges)) {
            for (qsizetype i = 0; i < batch.size(); ++i)
                batch.at(i)->exchange.id = exchanges.at(i).id;
        } else {
            // All or nothing failed: store them one by one, so one bad row loses only itself.
            for (const auto &call : batch)
                record(call->exchange);
        }
        qCDebug(lcEndpoint) << "committed" << batch.size() << "exchange(s) in"
                            << clock.nsecsElapsed() / 1000 << "us";
    }
    for (const auto &call : batch)
        deliver(call);
}

// The exchange is stored: the answer may go out, after those of earlier requests on the same
// connection.
void HookEndpoint::Private::deliver(const std::shared_ptr<Call> &call)
{
    QTcpSocket *socket = call->socket;
    const auto outbox = socket ? outboxes.find(socket) : outboxes.end();
    if (outbox != outboxes.end()) {
        outbox->ready.insert(call->ticket, call);
        while (!outbox->ready.isEmpty() && outbox->ready.firstKey() == outbox->nextToSend) {
            const std::shared_ptr<Call> next = outbox->ready.take(outbox->nextToSend);
            ++outbox->nextToSend;
            send(next);
            if (!outboxes.contains(socket))
                break; // reset: the outbox went with the connection
        }
    }
    Q_EMIT q->exchangeCaptured(call->exchange);
    if (call->wasHeld)
        Q_EMIT q->heldCallEnded(call->id, call->exchange);
}

void HookEndpoint::Private::send(const std::shared_ptr<Call> &call)
{
    QTcpSocket *socket = call->socket;
    if (!socket)
        return;
    if (guard)
        guard->endAnswer(socket);
    if (call->reset) {
        outboxes.remove(socket);
        Detail::resetConnection(socket);
        return;
    }
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    // A client that sends requests and never reads the answers would have them pile up here
    // without end. Past the bound (one huge answer, such as the oversize fault, still fits: only
    // what is already waiting counts) the connection goes.
    if (socket->bytesToWrite() > MaxUnreadAnswerBytes) {
        qCWarning(lcEndpoint).noquote()
            << u"closing the connection from %1:%2: %3 bytes of answers unread"_s
                   .arg(socket->peerAddress().toString())
                   .arg(socket->peerPort())
                   .arg(socket->bytesToWrite());
        outboxes.remove(socket);
        Detail::resetConnection(socket);
        return;
    }
    socket->write(call->wire);
    call->wire.clear();
    if (call->closeAfter)
        socket->disconnectFromHost();
}

void HookEndpoint::Private::record(Exchange &exchange)
{
    // Every way an exchange leaves the endpoint (stored, announced, held) passes here or through
    // settle(), after the credentials were checked: the secret is gone before anyone sees it.
    if (!settings.keepCredentials)
        redactCredentials(exchange.requestHeaders);
    if (!store)
        return;
    // A storage fault (disk full, locked, read-only) is the store's to announce, once, with the
    // count of captures lost: not one error per call.
    if (!store->save(exchange) && store->isStoring())
        Q_EMIT q->errorOccurred(u"capture not saved: "_s + store->lastError());
}

} // namespace Mock

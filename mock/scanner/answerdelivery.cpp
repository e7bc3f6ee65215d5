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

// The answer is decided: the call leaves the pending list and is stored, then its answer goes out.
// With group commit the store write waits for the end of this event-loop pass, so every answer
// decided in the pass shares one transaction; no answer is written before its commit.
void HookEndpoint::Private::settle(const std::shared_ptr<Call> &call)
{
    call->wasHeld = call->held;
    call->held = false;
    pending.remove(call->id);
    QObject::disconnect(call->disconnectWatch);
    dropTimer(*call);
    Exchange &exchange = call->exchange;
    exchange.held = false;
    exchange.latencyUs = call->clock.nsecsElapsed() / 1000;
    if (!call->registrationId.isEmpty())
        controlPlane.noteInvocation(
            call->registrationId, exchange.latencyUs, call->reset || exchange.httpStatus >= 400);
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
    socket->write(call->wire);
    call->wire.clear();
    if (call->closeAfter)
        socket->disconnectFromHost();
}

void HookEndpoint::Private::record(Exchange &exchange)
{
    if (!store)
        return;
    // A storage fault (disk full, locked, read-only) is the store's to announce, once, with the
    // count of captures lost: not one error per call.
    if (!store->save(exchange) && store->isStoring())
        Q_EMIT q->errorOccurred(u"capture not saved: "_s + store->lastError());
}

} // namespace Mock

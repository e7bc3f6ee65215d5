// SPDX-License-Identifier: GPL-3.0-or-later
// A decided call's way out: stored (through the CommitQueue), then written after the answers to
// earlier requests on its connection (through the ResponseOrder).
#include "mock/scanner/hookendpoint.h"

#include "mock/scanner/hookendpoint_p.h"
#include "mock/scanner/httpwire_p.h"
#include "mock/scanner/logging.h"

#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Answers written but not yet taken by the client, past which it is taken to be not reading.
constexpr qint64 MaxUnreadAnswerBytes = 8 * 1024 * 1024;

} // namespace

// The answer is decided: the call stops waiting and is stored, then its answer goes out.
void HookEndpoint::Private::settle(const std::shared_ptr<Call> &call)
{
    waiting.detach(call);
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
    commits.commit(
        std::shared_ptr<Exchange>(call, &call->exchange), [this, call] { deliver(call); });
}

// The exchange is stored: the answer may go out, after those of earlier requests on the same
// connection.
void HookEndpoint::Private::deliver(const std::shared_ptr<Call> &call)
{
    if (QTcpSocket *socket = call->socket)
        order.ready(socket, call->ticket, [this, call] { send(call); });
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
        order.forget(socket);
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
        order.forget(socket);
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
    commits.saveNow(exchange);
}

} // namespace Mock

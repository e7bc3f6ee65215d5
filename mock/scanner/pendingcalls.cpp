// SPDX-License-Identifier: GPL-3.0-or-later
// Calls whose answer waits: held for the user (until answered, released or timed out), delayed or
// hanging, and what happens when their client goes away first.
#include "mock/scanner/hookendpoint.h"

#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint_p.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

QList<HeldCall> HookEndpoint::heldCalls() const
{
    QList<HeldCall> result;
    for (const auto &call : std::as_const(d->pending)) {
        if (call->held)
            result.append({call->id, call->exchange, call->deadline, call->suggestedBody,
                call->suggestedContentType});
    }
    std::sort(result.begin(), result.end(),
        [](const HeldCall &a, const HeldCall &b) { return a.callId < b.callId; });
    return result;
}

bool HookEndpoint::answerHeld(
    qint64 callId, const QByteArray &body, int httpStatus, const QByteArray &contentType)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    call->exchange.note = u"answered by hand"_s;
    call->exchange.ruleName = u"hold"_s;
    d->finish(call, httpStatus,
        contentType.isEmpty() ? contentTypeFor(
            call->request.encoding == Encoding::Cbor ? Encoding::Cbor : Encoding::Json)
                              : contentType,
        body);
    return true;
}

bool HookEndpoint::answerHeldWith(qint64 callId, const Answer &answer)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    d->answerWith(call, answer, u"answered by hand"_s);
    return true;
}

bool HookEndpoint::releaseHeld(qint64 callId)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    d->answerWith(call, d->rulebook->defaultAnswer(call->request.stage),
        u"released: the stage's default answer"_s);
    return true;
}

void HookEndpoint::Private::park(const std::shared_ptr<Call> &call, const Decision &decision)
{
    const RenderedAnswer suggestion = rulebook->render(decision.suggested, call->request);
    call->held = true;
    call->suggestedBody = suggestion.body;
    call->suggestedContentType = suggestion.contentType;
    const int timeout = rulebook->holdTimeoutMs();
    call->deadline = QDateTime::currentDateTimeUtc().addMSecs(timeout);
    Exchange &exchange = call->exchange;
    exchange.held = true;
    exchange.verdict = Verdict::Held;
    record(exchange); // on disk before anyone answers it
    pending.insert(call->id, call);

    call->timer = new QTimer(q);
    call->timer->setSingleShot(true);
    call->timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(call->timer, &QTimer::timeout, q, [this, call] {
        if (!pending.contains(call->id))
            return;
        answerWith(call, rulebook->defaultAnswer(call->request.stage),
            u"hold timed out: the stage's default answer went out"_s);
    });
    call->timer->start(timeout);
    watchDisconnect(call);
    Q_EMIT q->callHeld(
        {call->id, exchange, call->deadline, call->suggestedBody, call->suggestedContentType});
}

// A hanging call never gets an answer. Normally the MTA gives up and closes the connection
// (watchDisconnect records that); a client that never does would otherwise keep the call, its
// socket and its memory for good. So once the MTA has surely given up, the connection is reset,
// which is all a hung scanner's host shows at last, and the call is recorded as such.
void HookEndpoint::Private::hang(const std::shared_ptr<Call> &call)
{
    const int limit = rulebook->hangLimitMs();
    call->timer = new QTimer(q);
    call->timer->setSingleShot(true);
    QObject::connect(call->timer, &QTimer::timeout, q, [this, call, limit] {
        if (!pending.contains(call->id))
            return;
        call->exchange.note
            = u"hung for %1 ms (the MTA's timeout plus a margin): connection reset"_s.arg(limit);
        resetInstead(call);
    });
    call->timer->start(limit);
}

// A delayed, hanging or held call whose client goes away is recorded as such, and nothing is
// written to the (freed) socket later (docs/QT-PITFALLS.md §1a).
void HookEndpoint::Private::watchDisconnect(const std::shared_ptr<Call> &call)
{
    if (!call->socket)
        return;
    call->disconnectWatch
        = QObject::connect(call->socket, &QTcpSocket::disconnected, q, [this, call] {
              if (!pending.contains(call->id))
                  return;
              pending.remove(call->id);
              QObject::disconnect(call->disconnectWatch);
              dropTimer(*call);
              Exchange &exchange = call->exchange;
              const bool wasHeld = call->held;
              call->held = false;
              exchange.held = false;
              exchange.httpStatus = 0;
              exchange.verdict = Verdict::Error;
              exchange.latencyUs = call->clock.nsecsElapsed() / 1000;
              if (wasHeld)
                  exchange.note = u"the client disconnected while the call was held"_s;
              exchange.problems.append({QString(), Severity::Warning,
                  wasHeld ? u"the client closed the connection while the call was held"_s
                          : u"the client closed the connection before the answer"_s,
                  ProblemOrigin::Transport});
              record(exchange);
              if (wasHeld)
                  Q_EMIT q->heldCallEnded(call->id, exchange);
              Q_EMIT q->exchangeCaptured(exchange);
          });
}

void HookEndpoint::Private::dropTimer(Call &call)
{
    if (!call.timer)
        return;
    call.timer->stop();
    call.timer->deleteLater(); // its lambda holds the call: deleting it frees the call
    call.timer = nullptr;
}

} // namespace Mock

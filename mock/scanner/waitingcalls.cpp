// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/waitingcalls_p.h"

#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

WaitingCalls::WaitingCalls(Record record, QObject *parent)
    : QObject(parent)
    , m_record(std::move(record))
{ }

WaitingCalls::~WaitingCalls()
{
    clear();
}

void WaitingCalls::hold(const Call &call, int timeoutMs, Expiry onDeadline)
{
    call->held = true;
    call->deadline = QDateTime::currentDateTimeUtc().addMSecs(timeoutMs);
    Exchange &exchange = call->exchange;
    exchange.held = true;
    exchange.verdict = Verdict::Held;
    m_record(exchange); // on disk before anyone answers it
    wait(call, timeoutMs, Qt::PreciseTimer, std::move(onDeadline));
    Q_EMIT callHeld(
        {call->id, exchange, call->deadline, call->suggestedBody, call->suggestedContentType});
}

void WaitingCalls::delay(const Call &call, qint64 ms, Expiry answer)
{
    // A coarse timer may fire up to 5% early: "just past the MTA's timeout" would not be.
    wait(call, qMin<qint64>(ms, 24 * 3600 * 1000), Qt::PreciseTimer, std::move(answer));
}

void WaitingCalls::hang(const Call &call, int limitMs, Expiry giveUp)
{
    wait(call, limitMs, Qt::CoarseTimer, std::move(giveUp));
}

void WaitingCalls::wait(const Call &call, qint64 ms, Qt::TimerType type, Expiry expiry)
{
    Wait &entry = m_waits[call->id];
    entry.call = call;
    entry.expiry = std::move(expiry);
    entry.timer = new QTimer(this);
    entry.timer->setSingleShot(true);
    entry.timer->setTimerType(type);
    const qint64 id = call->id;
    connect(entry.timer, &QTimer::timeout, this, [this, id] { expire(id); });
    entry.timer->start(int(ms));
    if (call->socket)
        entry.watch = connect(call->socket.data(), &QAbstractSocket::disconnected, this,
            [this, id] { clientLeft(id); });
}

void WaitingCalls::expire(qint64 callId)
{
    const auto found = m_waits.constFind(callId);
    if (found == m_waits.cend())
        return;
    // Copies: answering the call detaches it, which ends its wait and the expiry with it.
    const Call call = found->call;
    const Expiry expiry = found->expiry;
    expiry(call);
}

WaitingCalls::Call WaitingCalls::held(qint64 callId) const
{
    const auto found = m_waits.constFind(callId);
    return found != m_waits.cend() && found->call->held ? found->call : nullptr;
}

QList<HeldCall> WaitingCalls::heldCalls() const
{
    QList<HeldCall> result;
    for (const Wait &entry : m_waits) {
        const EndpointCall &call = *entry.call;
        if (call.held)
            result.append({call.id, call.exchange, call.deadline, call.suggestedBody,
                call.suggestedContentType});
    }
    std::sort(result.begin(), result.end(),
        [](const HeldCall &a, const HeldCall &b) { return a.callId < b.callId; });
    return result;
}

void WaitingCalls::detach(const Call &call)
{
    call->wasHeld = call->wasHeld || call->held;
    call->held = false;
    const auto found = m_waits.find(call->id);
    if (found == m_waits.end())
        return;
    Wait entry = std::move(*found);
    m_waits.erase(found);
    end(entry);
}

void WaitingCalls::clear()
{
    for (Wait &entry : m_waits)
        end(entry);
    m_waits.clear();
}

void WaitingCalls::end(Wait &wait)
{
    QObject::disconnect(wait.watch);
    if (wait.timer) {
        wait.timer->stop();
        wait.timer->deleteLater(); // perhaps in its own timeout
        wait.timer = nullptr;
    }
}

// A delayed, hanging or held call whose client goes away is recorded as such, and nothing is
// written to the (freed) socket later (docs/QT-PITFALLS.md §1a).
void WaitingCalls::clientLeft(qint64 callId)
{
    const auto found = m_waits.find(callId);
    if (found == m_waits.end())
        return;
    Wait entry = std::move(*found);
    m_waits.erase(found);
    end(entry);
    const Call call = entry.call;
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
    m_record(exchange);
    if (wasHeld)
        Q_EMIT heldCallEnded(call->id, exchange);
    Q_EMIT abandoned(exchange);
}

} // namespace Mock

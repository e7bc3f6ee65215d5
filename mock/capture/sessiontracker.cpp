// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/sessiontracker.h"

#include "mock/capture/logging.h"

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Outbound sessions span retries hours apart, so they are forgotten much later than inbound ones
// (only to bound memory; a forgotten queue id just restarts its sequence numbers).
constexpr qint64 queueRetentionMs = 48LL * 3600 * 1000;
// Forgotten entries are swept every so many calls, not on every call.
constexpr qint64 pruneInterval = 4096;

QString endpoint(const QString &address, int port)
{
    // An IPv6 address needs brackets before ":port" to stay readable and unambiguous.
    if (address.contains(u':'))
        return u"[%1]:%2"_s.arg(address).arg(port);
    return u"%1:%2"_s.arg(address).arg(port);
}

bool isOutbound(const Exchange &exchange)
{
    return exchange.stage != MtaHooks::Stage::Unknown
        && MtaHooks::stageDirection(exchange.stage) == MtaHooks::Direction::Outbound;
}

} // namespace

SessionTracker::SessionTracker(std::chrono::milliseconds idleGap)
    : m_idleGap(idleGap)
{ }

void SessionTracker::assign(Exchange &exchange)
{
    const qint64 nowMs = exchange.received.isValid() ? exchange.received.toMSecsSinceEpoch()
                                                     : QDateTime::currentMSecsSinceEpoch();
    if (++m_assignedSincePrune >= pruneInterval)
        prune(nowMs);

    if (isOutbound(exchange) && !exchange.queueId.isEmpty()) {
        OpenSession &session = m_open[u"queue:"_s + exchange.queueId];
        if (session.key.isEmpty()) {
            session.key = u"queue:"_s + exchange.queueId;
            session.startMs = nowMs;
        }
        session.lastMs = std::max(session.lastMs, nowMs);
        exchange.sessionKey = session.key;
        exchange.sequence = ++session.sequence;
        return;
    }

    const bool hasClient = !exchange.clientIp.isEmpty() && !isOutbound(exchange);
    const QString where = hasClient
        ? endpoint(exchange.clientIp, exchange.clientPort)
        : u"peer:"_s + endpoint(exchange.peerAddress, exchange.peerPort);
    OpenSession &session = m_open[where];
    const bool isNew = session.key.isEmpty() || exchange.stage == MtaHooks::Stage::Connect
        || nowMs - session.lastMs > m_idleGap.count();
    if (isNew) {
        // Two sessions of one endpoint starting in the same millisecond still get distinct keys.
        const qint64 startMs = session.key.isEmpty() ? nowMs : std::max(nowMs, session.startMs + 1);
        session = OpenSession {where + u'@' + QString::number(startMs), startMs, nowMs, 0};
        qCDebug(lcCapture) << "new session" << session.key;
    }
    session.lastMs = std::max(session.lastMs, nowMs);
    exchange.sessionKey = session.key;
    exchange.sequence = ++session.sequence;
}

void SessionTracker::reset()
{
    m_open.clear();
    m_assignedSincePrune = 0;
}

void SessionTracker::prune(qint64 nowMs)
{
    m_assignedSincePrune = 0;
    for (auto it = m_open.begin(); it != m_open.end();) {
        const bool isQueue = it.key().startsWith(u"queue:"_s);
        const qint64 retention = isQueue ? queueRetentionMs : m_idleGap.count();
        if (nowMs - it->lastMs > retention)
            it = m_open.erase(it);
        else
            ++it;
    }
}

} // namespace Mock

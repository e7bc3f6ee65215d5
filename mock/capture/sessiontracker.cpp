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
    // Concatenated, not QString::arg: this runs for every call.
    if (address.contains(u':'))
        return u'[' + address + u"]:"_s + QString::number(port);
    return address + u':' + QString::number(port);
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
    if (!hasClient) {
        if (OpenSession *joined = sessionOfConnection(exchange, nowMs)) {
            joined->lastMs = std::max(joined->lastMs, nowMs);
            exchange.sessionKey = joined->key;
            exchange.sequence = ++joined->sequence;
            return;
        }
    }
    const QString where = hasClient
        ? endpoint(exchange.clientIp, exchange.clientPort)
        : u"peer:"_s + endpoint(exchange.peerAddress, exchange.peerPort);
    if (hasClient)
        remember(exchange, where);
    OpenSession &session = m_open[where];
    const qint64 gap = exchange.kind == ExchangeKind::Hook
        ? m_idleGap.count()
        : std::min(m_idleGap, std::chrono::milliseconds(controlGap())).count();
    const bool isNew = session.key.isEmpty() || exchange.stage == MtaHooks::Stage::Connect
        || nowMs - session.lastMs > gap;
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

SessionTracker::OpenSession *SessionTracker::sessionOfConnection(
    const Exchange &exchange, qint64 nowMs)
{
    if (exchange.kind != ExchangeKind::Hook)
        return nullptr;
    QString where;
    if (!exchange.queueId.isEmpty() && !isOutbound(exchange))
        where = m_byInboundQueue.value(exchange.queueId);
    if (where.isEmpty() && !exchange.peerAddress.isEmpty())
        where = m_byConnection.value(endpoint(exchange.peerAddress, exchange.peerPort));
    const auto session = m_open.find(where);
    if (where.isEmpty() || session == m_open.end() || nowMs - session->lastMs > m_idleGap.count())
        return nullptr;
    return &*session;
}

void SessionTracker::remember(const Exchange &exchange, const QString &where)
{
    if (!exchange.peerAddress.isEmpty())
        m_byConnection.insert(endpoint(exchange.peerAddress, exchange.peerPort), where);
    if (!exchange.queueId.isEmpty())
        m_byInboundQueue.insert(exchange.queueId, where);
}

void SessionTracker::reset()
{
    m_byConnection.clear();
    m_byInboundQueue.clear();
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
    // What points at a forgotten session points nowhere.
    const auto forgotten = [this](const QString &where) { return !m_open.contains(where); };
    using Pointers = QHash<QString, QString>;
    m_byConnection.removeIf([&forgotten](Pointers::iterator it) { return forgotten(it.value()); });
    m_byInboundQueue.removeIf(
        [&forgotten](Pointers::iterator it) { return forgotten(it.value()); });
}

} // namespace Mock

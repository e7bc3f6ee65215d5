// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QHash>
#include <QString>

#include <chrono>

namespace Mock {

// Groups hook calls into SMTP sessions as they arrive, from the facts decoded out of each call
// (no SQL, no clock of its own: Exchange::received is the time).
//
// - Inbound stages (connect … data) are keyed by the SMTP client's ip:port. A connect call, or a
//   call more than idleGap() after the previous one from that ip:port, starts a new session.
//   Keys carry the first arrival in ms ("203.0.113.7:50412@1759396500123", "[2001:db8::7]:25@…"),
//   so they stay unique across restarts and port reuse.
// - Outbound stages (route, delivery, defer, dsn) are keyed by queue id ("queue:q-01JB8Z2K7Y"):
//   a message's delivery attempts are one session however far apart.
// - A hook call without those facts (an undecodable body) joins the SMTP session whose calls its
//   HTTP connection (peer ip:port) carried last, or the inbound session that announced its queue
//   id, while that session is open: an MTA sends a session's calls over one connection.
// - Other calls without those facts (discovery, registration) are keyed by the HTTP peer, with
//   the same idle rule but a gap of at most controlGap() ("peer:127.0.0.1:40112@…"): they come
//   in bursts, and a burst a minute later is another one.
class SessionTracker
{
public:
    explicit SessionTracker(std::chrono::milliseconds idleGap = std::chrono::minutes(10));

    // Sets exchange.sessionKey and exchange.sequence (1-based within the session).
    void assign(Exchange &exchange);
    // Forgets every open session; the next call of each starts a new one.
    void reset();

    std::chrono::milliseconds idleGap() const { return m_idleGap; }
    static constexpr std::chrono::milliseconds controlGap() { return std::chrono::seconds(30); }
    qsizetype openSessionCount() const { return m_open.size(); }

private:
    struct OpenSession
    {
        QString key;
        qint64 startMs = 0;
        qint64 lastMs = 0;
        int sequence = 0;
    };
    void prune(qint64 nowMs);
    // The open SMTP session a call without facts of its own belongs to, or nullptr.
    OpenSession *sessionOfConnection(const Exchange &exchange, qint64 nowMs);
    void remember(const Exchange &exchange, const QString &where);

    std::chrono::milliseconds m_idleGap;
    QHash<QString, OpenSession> m_open; // by "ip:port", "peer:ip:port" or "queue:id"
    QHash<QString, QString> m_byConnection; // HTTP "ip:port" → where its last hook call went
    QHash<QString, QString> m_byInboundQueue; // queue id → the inbound session that announced it
    qint64 m_assignedSincePrune = 0;
};

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QMap>
#include <QObject>

#include <functional>

namespace Mock {

// The answers of each connection leave in the order of its requests (HTTP/1.1 pipelining, RFC 9112
// §9.3.2), whatever order they are ready in. A request is numbered when it arrives (take); its
// answer is sent (ready) only once the answers to every earlier request on the same connection
// have gone, so a held or delayed call holds up the answers behind it, never the other way round.
// Qt 6.4's engine parses the next request while earlier answers are pending
// (docs/QT-PITFALLS.md §1e). Connections are any QObject (the endpoint's are its sockets); one is
// forgotten when it is destroyed.
class ResponseOrder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseOrder)

public:
    using Send = std::function<void()>;

    explicit ResponseOrder(QObject *parent = nullptr);
    ~ResponseOrder() override;

    // Numbers the next request on `connection`: 0, 1, 2 …
    quint64 take(QObject *connection);
    // The answer to request `ticket` on `connection` is ready: `send` runs now when every earlier
    // answer there has been sent, else as soon as they have, each answer waiting behind it in turn.
    // Nothing runs for a connection that is not known (never numbered, forgotten or destroyed).
    void ready(QObject *connection, quint64 ticket, const Send &send);
    // The connection is gone (reset by the endpoint): the answers waiting on it are dropped, and so
    // are those made ready later. A `send` may forget its own connection: the answers behind it
    // then go with it.
    void forget(QObject *connection);
    // Everything is forgotten (the endpoint closes).
    void clear();

    bool knows(QObject *connection) const { return m_lines.contains(connection); }
    // Answers ready on `connection` but held up by an earlier one.
    int waiting(QObject *connection) const;

private:
    struct Line
    {
        quint64 nextTicket = 0;
        quint64 nextToSend = 0;
        QMap<quint64, Send> ready;
    };
    QHash<QObject *, Line> m_lines;
};

} // namespace Mock

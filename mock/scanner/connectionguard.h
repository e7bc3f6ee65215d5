// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QHash>
#include <QPointer>
#include <QTcpServer>

class QTcpSocket;
class QTimer;

namespace Mock {

// The listening socket behind the HTTP engine. Qt 6.4's HTTP server has no limits, no timeouts and
// never answers "Expect: 100-continue" (QT-STACK.md §2c, §2d), so this server looks at every
// request's head before the engine reads it: it answers 100 Continue at once, refuses bodies over
// the limit with 413 (and oversized heads with 431) before they are buffered, closes idle
// connections and caps their number.
class ConnectionGuard final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionGuard)

public:
    struct Limits
    {
        qint64 bodyLimit = 64 * 1024 * 1024;
        qint64 headerLimit = 64 * 1024;
        int idleTimeoutMs = 30000;
        int maxConnections = 512;
    };

    // A request the guard answered itself (413/431/503), for the capture.
    struct Refusal
    {
        QString peerAddress;
        quint16 peerPort = 0;
        QByteArray method;
        QByteArray path;
        HttpHeaders headers;
        qint64 declaredLength = -1;
        int status = 0;
        QString reason;
        HttpHeaders responseHeaders; // the answer the guard writes after requestRefused returns
        QByteArray responseBody;
    };

    explicit ConnectionGuard(QObject *parent = nullptr);
    ~ConnectionGuard() override;

    void setLimits(const Limits &limits);
    Limits limits() const { return m_limits; }
    int connectionCount() const { return int(m_states.size()); }

    // The endpoint owes an answer on this socket: it is not idle.
    void beginAnswer(QTcpSocket *socket);
    void endAnswer(QTcpSocket *socket);
    bool wasRefused(QTcpSocket *socket) const;

Q_SIGNALS:
    // Emitted before the refusal is written, so a direct connection can store it first.
    void requestRefused(const Mock::ConnectionGuard::Refusal &refusal);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct State;
    void inspect(QTcpSocket *socket);
    void consume(QTcpSocket *socket, State &state, QByteArrayView data);
    bool parseHead(QTcpSocket *socket, State &state);
    void consumeChunked(QTcpSocket *socket, State &state, QByteArrayView data, qsizetype &pos);
    void refuse(QTcpSocket *socket, State &state, int status, const QString &reason);
    void restartIdle(QTcpSocket *socket, State &state);
    void lingerAndClose(QTcpSocket *socket);

    Limits m_limits;
    int m_lingerMs = 3000; // how long a refused connection drains before it is dropped
    QHash<QTcpSocket *, State *> m_states;
};

} // namespace Mock

Q_DECLARE_METATYPE(Mock::ConnectionGuard::Refusal)

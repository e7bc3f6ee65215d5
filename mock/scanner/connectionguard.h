// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QHash>
#include <QSslConfiguration>
#include <QSslServer>
#include <QStringList>

class QTcpSocket;

namespace Mock {

// The listening socket behind the HTTP engine. Qt 6.4's HTTP server has no limits, no timeouts,
// never answers "Expect: 100-continue" and reads some malformed heads differently from the RFC
// (docs/QT-PITFALLS.md §1c–§1e), so every request's head passes through this server first: it reads
// the framing once (RequestFraming, strict where the engine would disagree), refuses what a careful
// server refuses before the body is buffered (400/403/408/413/431/501/505), answers 100 Continue,
// keeps browsers out (Origin, and Host while bound to loopback), and bounds connections per peer
// and in all, head and body time, and idle time. With a certificate it speaks TLS (a QSslServer
// whose sockets get the same guard from their first byte, the handshake included).
class ConnectionGuard final : public QSslServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionGuard)

public:
    struct Limits
    {
        qint64 bodyLimit = 64 * 1024 * 1024;
        qint64 headerLimit = 64 * 1024;
        int idleTimeoutMs = 30000;
        int headTimeoutMs = 10000;
        int bodyTimeoutMs = 10000;
        int maxConnections = 512;
        int maxConnectionsPerPeer = 64;
    };

    struct Policy
    {
        QStringList allowedOrigins;
        bool loopbackHostsOnly = true; // refuse a Host that is not a loopback name (rebinding)
    };

    // A request the guard answered itself, for the capture.
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
    void setPolicy(const Policy &policy) { m_policy = policy; }
    // TLS for every new connection; a null configuration means plain HTTP.
    void setTls(const QSslConfiguration &configuration);
    bool isTls() const { return m_tls; }
    int connectionCount() const { return int(m_states.size()); }

    // The endpoint owes an answer on this socket: it is not idle.
    void beginAnswer(QTcpSocket *socket);
    void endAnswer(QTcpSocket *socket);
    bool wasRefused(QTcpSocket *socket) const;
    // The subject of the client's certificate on a TLS connection ("" when none).
    QString clientSubject(QTcpSocket *socket) const;

Q_SIGNALS:
    // Emitted before the refusal is written, so a direct connection can store it first.
    void requestRefused(const Mock::ConnectionGuard::Refusal &refusal);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct State;
    void adopt(QTcpSocket *socket, const QString &peer);
    void inspect(QTcpSocket *socket);
    bool admitHead(QTcpSocket *socket, State &state);
    void refuse(QTcpSocket *socket, State &state, int status, const QString &reason);
    void sendRefusal(QTcpSocket *socket, State &state, int status, const QString &reason);
    void rearm(State &state);
    void onDeadline(QTcpSocket *socket);
    void lingerAndClose(QTcpSocket *socket);
    bool hostAllowed(const QByteArray &host) const;

    Limits m_limits;
    Policy m_policy;
    bool m_tls = false;
    int m_lingerMs = 3000; // how long a refused connection drains before it is dropped
    QHash<QTcpSocket *, State *> m_states;
    QHash<QString, int> m_perPeer;
};

} // namespace Mock

Q_DECLARE_METATYPE(Mock::ConnectionGuard::Refusal)

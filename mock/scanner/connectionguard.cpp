// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/connectionguard.h"

#include "mock/scanner/controlplane.h"
#include "mock/scanner/httpwire_p.h"
#include "mock/scanner/logging.h"
#include "mock/scanner/requestframing.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace Mock {

struct ConnectionGuard::State
{
    explicit State(const RequestFraming::Limits &limits)
        : framing(limits)
    { }

    RequestFraming framing;
    QString peer;
    QTimer *timer = nullptr;
    QDeadlineTimer headDeadline; // running while a head (or the TLS handshake) is incomplete
    bool servedOne = false; // a request went through: between requests is idle, not slow
    bool refused = false; // nothing more reaches the engine
    bool refusalSent = false;
    RequestFraming::Error deferredRefusal; // status 0: none waiting
    int answersOwed = 0;
    int forwarded = 0; // complete requests the engine has been given
    int answered = 0; // answers the endpoint has sent
    QString clientSubject;
    // The Host value last admitted on this connection: a kept-alive client sends the same one
    // with every request, and reading it as an address each time was a tenth of this guard's cost.
    QByteArray admittedHost;
};

namespace {

// The peer of an accepted descriptor, before a socket object exists: the per-peer budget is
// checked first, so a refused connection costs no TLS handshake.
QString peerOf(qintptr descriptor)
{
    sockaddr_storage address {};
    socklen_t length = sizeof address;
    if (::getpeername(int(descriptor), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    QHostAddress host(reinterpret_cast<const sockaddr *>(&address));
    // An IPv4 client of a dual-stack socket is the same peer as over IPv4.
    bool isV4 = false;
    const quint32 v4 = host.toIPv4Address(&isV4);
    if (isV4)
        host = QHostAddress(v4);
    return host.toString();
}

bool isLoopbackName(QByteArrayView host)
{
    if (host.compare("localhost", Qt::CaseInsensitive) == 0)
        return true;
    // RFC 6761 §6.3: names under .localhost are loopback, whatever a resolver says.
    if (host.size() > 10
        && QByteArrayView(host).last(10).compare(".localhost", Qt::CaseInsensitive) == 0)
        return true;
    QHostAddress address;
    return address.setAddress(QString::fromLatin1(host)) && address.isLoopback();
}

} // namespace

ConnectionGuard::ConnectionGuard(QObject *parent)
    : QSslServer(parent)
{
    qRegisterMetaType<Mock::ConnectionGuard::Refusal>();
    // QTcpServer stops accepting for good after an accept() error it does not count as
    // temporary, such as a connection reset by its client before it was accepted: one client
    // could lock every MTA out that way. The error is about that one connection; accepting goes on.
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError error) {
        qCInfo(lcEndpoint) << "accept failed:" << error << errorString() << "- accepting on";
        resumeAccepting();
    });
}

ConnectionGuard::~ConnectionGuard()
{
    qDeleteAll(m_states);
}

void ConnectionGuard::setLimits(const Limits &limits)
{
    m_limits = limits;
}

void ConnectionGuard::setTls(const QSslConfiguration &configuration)
{
    m_tls = !configuration.isNull();
    if (m_tls)
        setSslConfiguration(configuration);
}

void ConnectionGuard::incomingConnection(qintptr descriptor)
{
    const QString peer = peerOf(descriptor);
    const bool overTotal = m_states.size() >= m_limits.maxConnections;
    const bool overPeer = m_perPeer.value(peer) >= m_limits.maxConnectionsPerPeer;
    if (overTotal || overPeer) {
        qCWarning(lcEndpoint).noquote() << (overTotal
                ? u"connection limit (%1) reached"_s.arg(m_limits.maxConnections)
                : u"connection limit per peer (%1) reached by %2"_s
                      .arg(m_limits.maxConnectionsPerPeer)
                      .arg(peer)) << "refusing a connection";
        if (m_tls) {
            ::close(int(descriptor)); // a plain-text 503 means nothing to a TLS client
            return;
        }
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->write(Detail::responseBytes(503,
            {{"Connection", "close"}, {"Retry-After", "1"}, {"Content-Length", "0"}}, {}, false));
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(m_lingerMs, socket, [socket] { socket->abort(); });
        return;
    }

    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    adopt(socket, peer);
    if (!m_tls) {
        addPendingConnection(socket);
        return;
    }
    // The engine gets the socket once it is encrypted; until then the head deadline also bounds
    // the handshake, so a client that stalls in it is closed like one that trickles its head.
    auto *tls = static_cast<QSslSocket *>(socket);
    tls->setSslConfiguration(sslConfiguration());
    connect(tls, &QSslSocket::encrypted, this, [this, tls] {
        if (State *state = m_states.value(tls)) {
            const QSslCertificate certificate = tls->peerCertificate();
            if (!certificate.isNull()) {
                // The whole subject, as a distinguished name: "CN=mta1, O=Example".
                QStringList parts;
                for (const QByteArray &attribute : certificate.subjectInfoAttributes()) {
                    for (const QString &value : certificate.subjectInfo(attribute))
                        parts.append(QString::fromLatin1(attribute) + u'=' + value);
                }
                state->clientSubject = parts.join(u", "_s);
            }
        }
        addPendingConnection(tls);
    });
    connect(tls, &QSslSocket::sslErrors, this, [tls](const QList<QSslError> &errors) {
        qCInfo(lcEndpoint) << "TLS handshake refused" << tls->peerAddress() << errors;
        tls->abort();
    });
    connect(tls, &QAbstractSocket::errorOccurred, this, [tls](QAbstractSocket::SocketError) {
        if (!tls->isEncrypted()) {
            qCInfo(lcEndpoint) << "TLS handshake failed" << tls->peerAddress()
                               << tls->errorString();
            tls->abort();
        }
    });
    tls->startServerEncryption();
}

void ConnectionGuard::adopt(QTcpSocket *socket, const QString &peer)
{
    auto *state = new State({m_limits.bodyLimit, m_limits.headerLimit});
    state->peer = peer;
    state->timer = new QTimer(socket);
    state->timer->setSingleShot(true);
    state->headDeadline = QDeadlineTimer(m_limits.headTimeoutMs);
    m_states.insert(socket, state);
    ++m_perPeer[peer];
    // Connected before the HTTP engine connects its own slot, so this one sees the bytes first.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(state->timer, &QTimer::timeout, this, [this, socket] { onDeadline(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QObject::destroyed, this, [this, socket] {
        State *gone = m_states.take(socket);
        if (!gone)
            return;
        if (--m_perPeer[gone->peer] <= 0)
            m_perPeer.remove(gone->peer);
        delete gone;
    });
    rearm(*state);
}

void ConnectionGuard::beginAnswer(QTcpSocket *socket)
{
    if (State *state = m_states.value(socket)) {
        ++state->answersOwed;
        rearm(*state);
    }
}

void ConnectionGuard::endAnswer(QTcpSocket *socket)
{
    State *state = m_states.value(socket);
    if (!state)
        return;
    state->answersOwed = qMax(0, state->answersOwed - 1);
    ++state->answered;
    if (state->deferredRefusal.status != 0 && state->answered >= state->forwarded) {
        // The endpoint writes this answer after telling us: the refusal goes out after it.
        QMetaObject::invokeMethod(
            socket,
            [this, socket] {
                if (State *waiting = m_states.value(socket)) {
                    const RequestFraming::Error refusal = waiting->deferredRefusal;
                    waiting->deferredRefusal = {};
                    sendRefusal(socket, *waiting, refusal.status, refusal.reason);
                }
            },
            Qt::QueuedConnection);
        return;
    }
    rearm(*state);
}

bool ConnectionGuard::wasRefused(QTcpSocket *socket) const
{
    const State *state = m_states.value(socket);
    return state && state->refusalSent;
}

QString ConnectionGuard::clientSubject(QTcpSocket *socket) const
{
    const State *state = m_states.value(socket);
    return state ? state->clientSubject : QString();
}

// One timer a connection, armed for whichever deadline applies now: the head (from its first
// byte, or from the connection's start: a trickle cannot extend it), the body's progress, or
// idleness between requests. None while the endpoint owes an answer: a held call is ours.
void ConnectionGuard::rearm(State &state)
{
    if (state.refused)
        return;
    int timeout = -1;
    if (state.framing.inBody()) {
        timeout = m_limits.bodyTimeoutMs;
    } else if (!state.framing.betweenRequests() || !state.servedOne) {
        timeout = int(qMax<qint64>(0, state.headDeadline.remainingTime()));
    } else if (state.answersOwed == 0) {
        timeout = m_limits.idleTimeoutMs;
    }
    if (timeout < 0)
        state.timer->stop();
    else
        state.timer->start(timeout);
}

void ConnectionGuard::onDeadline(QTcpSocket *socket)
{
    State *state = m_states.value(socket);
    if (!state || state->refused)
        return;
    if (state->framing.inBody()) {
        refuse(socket, *state, 408,
            u"no body bytes for %1 ms (the body timeout)"_s.arg(m_limits.bodyTimeoutMs));
        return;
    }
    const bool encrypted = !m_tls || static_cast<QSslSocket *>(socket)->isEncrypted();
    if (!state->framing.betweenRequests() && encrypted) {
        refuse(socket, *state, 408,
            u"the request head took longer than %1 ms (the head timeout)"_s.arg(
                m_limits.headTimeoutMs));
        return;
    }
    if (state->answersOwed > 0)
        return;
    qCDebug(lcEndpoint) << "closing an idle connection" << socket->peerAddress()
                        << socket->peerPort() << (encrypted ? "" : "(TLS handshake unfinished)");
    if (encrypted)
        socket->disconnectFromHost();
    else
        socket->abort();
}

void ConnectionGuard::inspect(QTcpSocket *socket)
{
    State *state = m_states.value(socket);
    if (!state)
        return;
    if (state->refused) {
        socket->readAll(); // nothing of a refused request reaches the engine
        return;
    }
    const qint64 available = socket->bytesAvailable();
    if (available <= 0)
        return;
    // On a kept-alive connection the next head's time starts with its first byte.
    if (state->servedOne && state->framing.betweenRequests())
        state->headDeadline = QDeadlineTimer(m_limits.headTimeoutMs);
    // Inside a Content-Length body only the count matters: no copy of a large upload. The engine
    // reads everything after this slot returns, so what is available now is new.
    if (state->framing.contentBodyRemaining() > available) {
        state->framing.skipBody(available);
        rearm(*state);
        return;
    }
    const QByteArray data = socket->peek(available);
    QByteArrayView rest(data);
    qsizetype completeEnd = 0; // where the last complete request of this read ends
    while (true) {
        const RequestFraming::Step step = state->framing.feed(rest);
        rest = rest.sliced(step.consumed);
        if (step.event == RequestFraming::Event::Failed) {
            const RequestFraming::Error error = state->framing.error();
            if (state->answered < state->forwarded) {
                // Requests before this one are the engine's to answer first (RFC 9112 §9.3.2:
                // answers in request order). It gets exactly their bytes: everything is read
                // and theirs put back; the refusal follows their answers.
                socket->read(available);
                for (qsizetype i = completeEnd - 1; i >= 0; --i)
                    socket->ungetChar(data.at(i));
                state->refused = true;
                state->deferredRefusal = error;
                state->timer->stop();
                socket->setReadBufferSize(64 * 1024);
                return;
            }
            refuse(socket, *state, error.status, error.reason);
            break;
        }
        if (step.event == RequestFraming::Event::HeadComplete) {
            if (!admitHead(socket, *state))
                break;
            continue;
        }
        if (step.event == RequestFraming::Event::MessageComplete) {
            completeEnd = data.size() - rest.size();
            ++state->forwarded;
            state->servedOne = true;
            state->headDeadline = QDeadlineTimer(m_limits.headTimeoutMs);
            continue;
        }
        break;
    }
    if (state->refused) {
        socket->readAll();
        return;
    }
    rearm(*state);
}

bool ConnectionGuard::admitHead(QTcpSocket *socket, State &state)
{
    const RequestHead &head = state.framing.head();
    const QByteArray origin = head.value("Origin");
    if (head.has("Origin")
        && !m_policy.allowedOrigins.contains(QString::fromLatin1(origin), Qt::CaseInsensitive)) {
        refuse(socket, state, 403,
            u"requests from web pages are refused (Origin: %1); allow an origin with "
            "--allow-origin"_s.arg(QString::fromLatin1(origin.left(200))));
        return false;
    }
    if (m_policy.loopbackHostsOnly && head.has("Host")) {
        const QByteArray host = head.value("Host");
        if (host != state.admittedHost || state.admittedHost.isNull()) {
            if (!hostAllowed(host)) {
                refuse(socket, state, 403,
                    u"Host \"%1\" is not a loopback name while the endpoint listens on loopback "
                    "(DNS rebinding protection)"_s.arg(QString::fromLatin1(host.left(200))));
                return false;
            }
            state.admittedHost = host;
        }
    }
    if (head.expectContinue)
        socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    return true;
}

bool ConnectionGuard::hostAllowed(const QByteArray &host) const
{
    QByteArrayView name(host);
    if (name.startsWith('[')) {
        const qsizetype close = name.indexOf(']');
        if (close < 0)
            return false;
        name = name.sliced(1, close - 1);
    } else if (const qsizetype colon = name.lastIndexOf(':'); colon >= 0) {
        name = name.first(colon);
    }
    return isLoopbackName(name);
}

void ConnectionGuard::refuse(QTcpSocket *socket, State &state, int status, const QString &reason)
{
    state.refused = true;
    sendRefusal(socket, state, status, reason);
}

void ConnectionGuard::sendRefusal(
    QTcpSocket *socket, State &state, int status, const QString &reason)
{
    state.refusalSent = true;
    state.timer->stop();
    // What still arrives is read in small pieces and dropped: the kernel's flow control then
    // paces the client, and memory stays flat whatever it sends.
    socket->setReadBufferSize(64 * 1024);
    const RequestHead &head = state.framing.head();
    QString code = u"INVALID_REQUEST"_s;
    if (status == 413)
        code = u"REQUEST_TOO_LARGE"_s;
    else if (status == 403)
        code = u"FORBIDDEN"_s;
    else if (status == 408)
        code = u"REQUEST_TIMEOUT"_s;
    const QByteArray body = errorBody(code, reason);
    const HttpHeaders headers {{"Content-Type", "application/json"}, {"Connection", "close"},
        {"Content-Length", QByteArray::number(body.size())}};
    qCInfo(lcEndpoint).noquote() << "refused" << status << reason << "from"
                                 << socket->peerAddress().toString();
    // Announced first: the endpoint stores the refusal before the client can see it.
    Q_EMIT requestRefused(
        {socket->peerAddress().toString(), socket->peerPort(), head.method, head.target,
            head.headers, head.chunked ? -1 : head.contentLength, status, reason, headers, body});
    socket->write(Detail::responseBytes(status, headers, body, false));
    lingerAndClose(socket);
}

// Closing at once would let the kernel answer the body still in flight with a reset, which can
// destroy the refusal before the client reads it. So: the refusal, then a half-close (FIN), the
// rest of the request read and dropped (inspect), and the connection ends when the client closes
// it, or after a grace period.
void ConnectionGuard::lingerAndClose(QTcpSocket *socket)
{
    const bool tls = m_tls;
    const auto shutdownWrite = [socket, tls] {
        if (socket->bytesToWrite() > 0 || socket->socketDescriptor() < 0)
            return;
        // Over TLS there is no half-close: QSslSocket's close_notify closes the whole socket,
        // and the body still arriving then draws the reset that destroys the refusal. The
        // refusal says "Connection: close"; the client closes, or the grace period ends.
        if (!tls)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    socket->flush();
    shutdownWrite();
    connect(socket, &QTcpSocket::bytesWritten, socket, shutdownWrite);
    QTimer::singleShot(m_lingerMs, socket, [socket] { socket->abort(); });
}

} // namespace Mock

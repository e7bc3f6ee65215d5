// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/connectionguard.h"

#include "mock/scanner/controlplane.h"
#include "mock/scanner/logging.h"

#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace Mock {

struct ConnectionGuard::State
{
    enum class Phase { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Refused };
    Phase phase = Phase::Head;
    QByteArray head; // the request head being collected
    QByteArray line; // a chunk-size or trailer line being collected
    qint64 remaining = 0; // body bytes (or chunk bytes) still to come
    qint64 chunkedTotal = 0; // decoded chunked body so far
    QByteArray method;
    QByteArray path;
    HttpHeaders headers;
    int answersOwed = 0;
    QTimer *idle = nullptr;
};

ConnectionGuard::ConnectionGuard(QObject *parent)
    : QTcpServer(parent)
{
    qRegisterMetaType<Mock::ConnectionGuard::Refusal>();
}

ConnectionGuard::~ConnectionGuard()
{
    qDeleteAll(m_states);
}

void ConnectionGuard::setLimits(const Limits &limits)
{
    m_limits = limits;
}

void ConnectionGuard::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    if (m_states.size() >= m_limits.maxConnections) {
        qCWarning(lcEndpoint) << "connection limit reached, refusing" << socket->peerAddress();
        socket->write("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
                      "Content-Length: 0\r\n\r\n");
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return;
    }
    auto *state = new State;
    state->idle = new QTimer(socket);
    state->idle->setSingleShot(true);
    m_states.insert(socket, state);
    // Connected before the HTTP engine connects its own slot, so this one sees the bytes first.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(state->idle, &QTimer::timeout, this, [this, socket] {
        const auto it = m_states.constFind(socket);
        if (it == m_states.cend() || (*it)->answersOwed > 0)
            return;
        qCDebug(lcEndpoint) << "closing idle connection" << socket->peerAddress()
                            << socket->peerPort();
        socket->disconnectFromHost();
    });
    connect(socket, &QObject::destroyed, this, [this, socket] { delete m_states.take(socket); });
    restartIdle(socket, *state);
    addPendingConnection(socket);
}

void ConnectionGuard::beginAnswer(QTcpSocket *socket)
{
    if (State *state = m_states.value(socket))
        ++state->answersOwed;
}

void ConnectionGuard::endAnswer(QTcpSocket *socket)
{
    if (State *state = m_states.value(socket)) {
        state->answersOwed = qMax(0, state->answersOwed - 1);
        restartIdle(socket, *state);
    }
}

bool ConnectionGuard::wasRefused(QTcpSocket *socket) const
{
    const State *state = m_states.value(socket);
    return state && state->phase == State::Phase::Refused;
}

void ConnectionGuard::restartIdle(QTcpSocket *, State &state)
{
    if (m_limits.idleTimeoutMs > 0)
        state.idle->start(m_limits.idleTimeoutMs);
}

void ConnectionGuard::inspect(QTcpSocket *socket)
{
    State *state = m_states.value(socket);
    if (!state)
        return;
    restartIdle(socket, *state);
    if (state->phase == State::Phase::Refused) {
        socket->readAll(); // nothing of a refused request reaches the engine
        return;
    }
    // The engine reads everything after this slot returns, so what is available now is new.
    const qint64 available = socket->bytesAvailable();
    if (state->phase == State::Phase::Body && available <= state->remaining) {
        // Inside a body only the count matters: no copy of a large upload.
        state->remaining -= available;
        if (state->remaining == 0)
            state->phase = State::Phase::Head;
        return;
    }
    const QByteArray data = socket->peek(available);
    consume(socket, *state, data);
    if (state->phase == State::Phase::Refused)
        socket->readAll();
}

void ConnectionGuard::consume(QTcpSocket *socket, State &state, QByteArrayView data)
{
    qsizetype pos = 0;
    while (pos < data.size() && state.phase != State::Phase::Refused) {
        switch (state.phase) {
        case State::Phase::Head: {
            // Leading CRLFs between requests are allowed (RFC 9112 §2.2).
            if (state.head.isEmpty()) {
                while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n'))
                    ++pos;
                if (pos >= data.size())
                    return;
            }
            const qsizetype before = state.head.size();
            // Never copy more than a head can be: the rest of a large body stays where it is.
            state.head.append(data.sliced(
                pos, qMin<qsizetype>(data.size() - pos, m_limits.headerLimit + 4 - before)));
            const qsizetype end = state.head.indexOf("\r\n\r\n");
            if (end < 0) {
                if (state.head.size() > m_limits.headerLimit)
                    refuse(socket, state, 431,
                        u"request head larger than %1 bytes"_s.arg(m_limits.headerLimit));
                return;
            }
            pos += end + 4 - before;
            state.head.truncate(end + 4);
            if (state.head.size() > m_limits.headerLimit) {
                refuse(socket, state, 431,
                    u"request head larger than %1 bytes"_s.arg(m_limits.headerLimit));
                return;
            }
            if (!parseHead(socket, state))
                return;
            break;
        }
        case State::Phase::Body: {
            const qint64 take = qMin<qint64>(state.remaining, data.size() - pos);
            state.remaining -= take;
            pos += take;
            if (state.remaining == 0)
                state.phase = State::Phase::Head;
            break;
        }
        default:
            consumeChunked(socket, state, data, pos);
            break;
        }
    }
}

bool ConnectionGuard::parseHead(QTcpSocket *socket, State &state)
{
    const QList<QByteArray> lines = state.head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    state.method = requestLine.value(0);
    state.path = requestLine.value(1);
    state.headers.clear();
    qint64 contentLength = 0;
    bool chunked = false;
    bool expectContinue = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        state.headers.append({name, value});
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            bool ok = false;
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0) {
                refuse(socket, state, 400, u"invalid Content-Length"_s);
                return false;
            }
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            chunked = value.toLower().contains("chunked");
        } else if (name.compare("Expect", Qt::CaseInsensitive) == 0) {
            expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    state.head.clear();
    if (!chunked && contentLength > m_limits.bodyLimit) {
        refuse(socket, state, 413,
            u"body of %1 bytes is over the limit of %2"_s.arg(contentLength)
                .arg(m_limits.bodyLimit));
        return false;
    }
    if (expectContinue)
        socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    state.chunkedTotal = 0;
    if (chunked) {
        state.phase = State::Phase::ChunkSize;
        state.line.clear();
    } else if (contentLength > 0) {
        state.phase = State::Phase::Body;
        state.remaining = contentLength;
    } else {
        state.phase = State::Phase::Head;
    }
    return true;
}

void ConnectionGuard::consumeChunked(
    QTcpSocket *socket, State &state, QByteArrayView data, qsizetype &pos)
{
    auto takeLine = [&state, &data, &pos]() -> bool {
        const qsizetype newline = data.indexOf('\n', pos);
        if (newline < 0) {
            state.line.append(data.sliced(pos));
            pos = data.size();
            return false;
        }
        state.line.append(data.sliced(pos, newline - pos + 1));
        pos = newline + 1;
        return true;
    };
    switch (state.phase) {
    case State::Phase::ChunkSize: {
        if (!takeLine())
            return;
        const QByteArray sizeText = state.line.trimmed().split(';').value(0);
        state.line.clear();
        bool ok = false;
        const qint64 size = sizeText.toLongLong(&ok, 16);
        if (!ok || size < 0) {
            refuse(socket, state, 400, u"invalid chunk size"_s);
            return;
        }
        state.chunkedTotal += size;
        if (state.chunkedTotal > m_limits.bodyLimit) {
            refuse(socket, state, 413,
                u"chunked body over the limit of %1 bytes"_s.arg(m_limits.bodyLimit));
            return;
        }
        state.remaining = size;
        state.phase = size == 0 ? State::Phase::Trailer : State::Phase::ChunkData;
        return;
    }
    case State::Phase::ChunkData: {
        const qint64 take = qMin<qint64>(state.remaining, data.size() - pos);
        state.remaining -= take;
        pos += take;
        if (state.remaining == 0)
            state.phase = State::Phase::ChunkDataEnd;
        return;
    }
    case State::Phase::ChunkDataEnd:
        if (takeLine()) {
            state.line.clear();
            state.phase = State::Phase::ChunkSize;
        }
        return;
    case State::Phase::Trailer:
        if (takeLine()) {
            const bool blank = state.line.trimmed().isEmpty();
            state.line.clear();
            if (blank)
                state.phase = State::Phase::Head;
        }
        return;
    default:
        return;
    }
}

void ConnectionGuard::refuse(QTcpSocket *socket, State &state, int status, const QString &reason)
{
    state.phase = State::Phase::Refused;
    const QString code = status == 413 ? u"REQUEST_TOO_LARGE"_s : u"INVALID_REQUEST"_s;
    const QByteArray text = status == 413 ? QByteArrayLiteral("Content Too Large")
        : status == 431                   ? QByteArrayLiteral("Request Header Fields Too Large")
                                          : QByteArrayLiteral("Bad Request");
    const QByteArray body = errorBody(code, reason);
    const HttpHeaders headers {{"Content-Type", "application/json"}, {"Connection", "close"},
        {"Content-Length", QByteArray::number(body.size())}};
    qCInfo(lcEndpoint) << "refused" << status << reason;
    qint64 declared = -1;
    for (const auto &[name, value] : std::as_const(state.headers)) {
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            declared = value.toLongLong();
    }
    // Announced first: the endpoint stores the refusal before the client can see it.
    Q_EMIT requestRefused({socket->peerAddress().toString(), socket->peerPort(), state.method,
        state.path, state.headers, declared, status, reason, headers, body});
    QByteArray wire = "HTTP/1.1 " + QByteArray::number(status) + ' ' + text + "\r\n";
    for (const auto &[name, value] : headers)
        wire += name + ": " + value + "\r\n";
    wire += "\r\n" + body;
    socket->write(wire);
    lingerAndClose(socket);
}

// Closing at once would let the kernel answer the body still in flight with a reset, which can
// destroy the refusal before the client reads it. So: the refusal, then a half-close (FIN), the
// rest of the request read and dropped (inspect), and the connection ends when the client closes
// it, or after a grace period.
void ConnectionGuard::lingerAndClose(QTcpSocket *socket)
{
    const auto shutdownWrite = [socket] {
        if (socket->bytesToWrite() > 0 || socket->socketDescriptor() < 0)
            return;
        ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    socket->flush();
    shutdownWrite();
    connect(socket, &QTcpSocket::bytesWritten, socket, shutdownWrite);
    QTimer::singleShot(m_lingerMs, socket, [socket] { socket->abort(); });
}

} // namespace Mock

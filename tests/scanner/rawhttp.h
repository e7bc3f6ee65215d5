// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// HTTP/1.1 on a plain TCP socket, for what QNetworkAccessManager hides (exact bytes, 100 Continue,
// disconnects, pipelining). Header-only, shared by the scanner suites.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QSignalSpy>
#include <QTcpSocket>

namespace RawHttp {

constexpr int Patience = 60000; // ms: generous bound for anything on a loaded machine

using Headers = QList<QPair<QByteArray, QByteArray>>;

// One response read off a raw connection.
struct RawResponse
{
    int status = 0;
    Headers headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

// Splits complete responses off the front of `bytes` (Content-Length framing, as the endpoint
// writes; 1xx and 204 have no body).
inline QList<RawResponse> takeResponses(QByteArray &bytes)
{
    QList<RawResponse> responses;
    for (;;) {
        const qsizetype end = bytes.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        const QList<QByteArray> lines = bytes.left(end).split('\n');
        RawResponse response;
        response.status = lines.first().split(' ').value(1).toInt();
        qint64 length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
            if (line.left(colon).trimmed().compare("Content-Length", Qt::CaseInsensitive) == 0)
                length = line.mid(colon + 1).trimmed().toLongLong();
        }
        if (response.status < 200 || response.status == 204)
            length = 0;
        if (bytes.size() < end + 4 + length)
            break;
        response.body = bytes.mid(end + 4, length);
        bytes.remove(0, end + 4 + length);
        responses.append(response);
    }
    return responses;
}

inline bool hasResponse(QByteArray bytes)
{
    return !takeResponses(bytes).isEmpty();
}

inline QByteArray rawRequest(const QByteArray &method, const QByteArray &path,
    const Headers &headers, const QByteArray &body, bool withLength = true)
{
    QByteArray out = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &[name, value] : headers)
        out += name + ": " + value + "\r\n";
    if (withLength)
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return out + "\r\n" + body;
}

// A client on a plain TCP socket, for what QNetworkAccessManager hides: exact bytes, timing of
// 100 Continue, disconnects, pipelining. Everything is waited for with the event loop running
// (the endpoint lives in this thread).
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        QObject::connect(
            &socket, &QTcpSocket::readyRead, &socket, [this] { received += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }
    bool waitConnected()
    {
        if (socket.state() == QAbstractSocket::ConnectedState)
            return true;
        QSignalSpy connected(&socket, &QTcpSocket::connected);
        return connected.wait(Patience) || socket.state() == QAbstractSocket::ConnectedState;
    }
    bool waitClosed()
    {
        if (socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        QSignalSpy closed(&socket, &QTcpSocket::disconnected);
        return closed.wait(Patience) || socket.state() == QAbstractSocket::UnconnectedState;
    }
    void send(const QByteArray &bytes) { socket.write(bytes); }

    QTcpSocket socket;
    QByteArray received;
};

} // namespace RawHttp

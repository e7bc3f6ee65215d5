// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// HookEndpoint's HTTP/1.1 plumbing: the server it binds to its ConnectionGuard, and the bytes of
// an answer on the wire.

#include "mock/capture/exchange.h"

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QHttpServerRequest>

#include <functional>
#include <utility>

class QTcpSocket;

namespace Mock::Detail {

// QHttpServer's router is not needed: every request goes through one handler. Subclassing the
// abstract server keeps the 6.4 API (handleRequest with a socket) in this file. Answers are written
// to the socket directly, not through QHttpServerResponder: one write per answer instead of one
// per token, any status code with our own reason phrase, and answers held back until the ones
// before them on the same connection are out (the engine parses pipelined requests while earlier
// answers are pending, docs/QT-PITFALLS.md §1e).
class HttpEngine final : public QAbstractHttpServer
{
public:
    using Handler = std::function<void(const QHttpServerRequest &, QTcpSocket *)>;
    explicit HttpEngine(Handler handler, QObject *parent)
        : QAbstractHttpServer(parent)
        , m_handler(std::move(handler))
    { }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_handler(request, socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }

private:
    Handler m_handler;
};

// The request method as its token ("GET", "POST" …).
QByteArray methodName(QHttpServerRequest::Method method);

// The answer's bytes on the wire. No body (and no Content-Length) for 204 and 304 (RFC 9110
// §8.6); HEAD gets the headers only.
QByteArray responseBytes(
    int status, const HttpHeaders &headers, const QByteArray &body, bool headOnly);

// A TCP reset instead of an orderly close: SO_LINGER with a zero timeout makes close() send RST.
void resetConnection(QTcpSocket *socket);

} // namespace Mock::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/httpwire_p.h"

#include <QTcpSocket>

#include <sys/socket.h>

namespace Mock::Detail {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN"; // Qt 6.4 loses the token of methods it does not know (docs/QT-PITFALLS.md
                          // §1f)
    }
}

QByteArray responseBytes(
    int status, const HttpHeaders &headers, const QByteArray &body, bool headOnly)
{
    QByteArray out;
    const bool sendBody = !headOnly && status != 204 && status != 304;
    out.reserve(128 + (sendBody ? body.size() : 0));
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    for (const auto &[name, value] : headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    if (sendBody)
        out += body;
    return out;
}

void resetConnection(QTcpSocket *socket)
{
    const qintptr descriptor = socket->socketDescriptor();
    if (descriptor >= 0) {
        const struct linger option
        {
            1, 0
        };
        ::setsockopt(int(descriptor), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
    socket->abort();
}

} // namespace Mock::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/harexport.h"
#include "mock/capture/sessionfile.h"
#include "mock/capture/sessionrecording.h"
#include "mock/capture/sessiontracker.h"
#include "mock/protocol/document.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

HttpHeaders headersOf(const QJsonArray &array)
{
    HttpHeaders headers;
    for (const QJsonValue &value : array) {
        const QJsonObject header = value.toObject();
        headers.append({header.value(u"name"_s).toString().toLatin1(),
            header.value(u"value"_s).toString().toLatin1()});
    }
    return headers;
}

QByteArray bodyOf(const QJsonObject &content)
{
    const QString text = content.value(u"text"_s).toString();
    if (content.value(u"encoding"_s).toString() == u"base64"_s)
        return QByteArray::fromBase64(text.toLatin1());
    return text.toUtf8();
}

} // namespace

std::optional<QList<Exchange>> exchangesFromHar(const QByteArray &har, QString *error)
{
    // Qt's parser allows 1024 levels; what reads the entries after it recurses.
    QString jsonError;
    using MtaHooks::Document;
    const Document::JsonCheck check
        = Document::checkJson(har, &jsonError, MtaHooks::DecodeLimits::forFiles());
    if (check != Document::JsonCheck::Passed) {
        if (error) {
            *error = (check == Document::JsonCheck::NotJson ? u"not JSON: %1"_s
                                                            : u"not a HAR file: %1"_s)
                         .arg(jsonError);
        }
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(har, &parseError);
    const QJsonObject log = document.object().value(u"log"_s).toObject();
    if (!document.isObject() || !log.value(u"entries"_s).isArray()) {
        if (error)
            *error = parseError.error != QJsonParseError::NoError
                ? u"not JSON: %1 at byte %2"_s.arg(parseError.errorString()).arg(parseError.offset)
                : u"not a HAR file: there is no log.entries array"_s;
        return std::nullopt;
    }
    // The summary facts come from decoding each request, as for a session file's exchanges.
    SessionRecording holder;
    const QJsonArray entries = log.value(u"entries"_s).toArray();
    for (const QJsonValue &value : entries) {
        const QJsonObject entry = value.toObject();
        const QJsonObject request = entry.value(u"request"_s).toObject();
        const QJsonObject response = entry.value(u"response"_s).toObject();
        Exchange exchange;
        exchange.received = QDateTime::fromString(
            entry.value(u"startedDateTime"_s).toString(), Qt::ISODateWithMs);
        exchange.latencyUs = qint64(entry.value(u"time"_s).toDouble() * 1000.0);
        exchange.method = request.value(u"method"_s).toString().toLatin1();
        const QUrl url(request.value(u"url"_s).toString());
        exchange.path = url.path(QUrl::FullyEncoded).toLatin1();
        if (url.hasQuery())
            exchange.path += '?' + url.query(QUrl::FullyEncoded).toLatin1();
        exchange.peerAddress = entry.value(u"_hookscope"_s)
                                   .toObject()
                                   .value(u"peer"_s)
                                   .toObject()
                                   .value(u"address"_s)
                                   .toString(url.host());
        exchange.requestHeaders = headersOf(request.value(u"headers"_s).toArray());
        exchange.requestBody = bodyOf(request.value(u"postData"_s).toObject());
        exchange.httpStatus = response.value(u"status"_s).toInt();
        exchange.responseHeaders = headersOf(response.value(u"headers"_s).toArray());
        exchange.responseBody = bodyOf(response.value(u"content"_s).toObject());
        exchange.kind = exchange.method == "POST" ? ExchangeKind::Hook : ExchangeKind::Other;
        exchange.ruleName = u"har"_s;
        holder.exchanges.append(exchange);
    }
    QList<Exchange> exchanges = exchangesFromSession(holder, u"har"_s);
    SessionTracker tracker;
    for (Exchange &exchange : exchanges)
        tracker.assign(exchange);
    return exchanges;
}

} // namespace Mock

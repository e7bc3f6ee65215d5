// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/harexport.h"

#include "mock/capture/capturerows_p.h"
#include "mock/capture/orderedjson_p.h"

#include <QCborArray>
#include <QCborMap>
#include <QStringDecoder>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

QCborArray headersValue(const HttpHeaders &headers)
{
    QCborArray array;
    for (const auto &[name, value] : headers)
        array.append(QCborMap {
            {u"name"_s, QString::fromLatin1(name)}, {u"value"_s, QString::fromLatin1(value)}});
    return array;
}

// The body as text when it is UTF-8 and not declared binary, else base64.
void putBody(QCborMap &map, const QByteArray &body, const QString &mimeType)
{
    const bool declaredBinary = mimeType.startsWith(u"application/cbor"_s, Qt::CaseInsensitive)
        || mimeType.startsWith(u"application/msgpack"_s, Qt::CaseInsensitive)
        || mimeType.startsWith(u"application/octet-stream"_s, Qt::CaseInsensitive);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    const QString text = decoder.decode(body);
    if (!declaredBinary && !decoder.hasError() && text.toUtf8() == body) {
        map.insert(u"text"_s, text);
    } else {
        map.insert(u"text"_s, QString::fromLatin1(body.toBase64()));
        map.insert(u"encoding"_s, u"base64"_s);
    }
}

QCborMap requestValue(const Exchange &e)
{
    QString host = QString::fromLatin1(headerValue(e.requestHeaders, "host"));
    if (host.isEmpty())
        host = u"127.0.0.1"_s;
    QString path = QString::fromLatin1(e.path);
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    QCborArray query;
    const qsizetype mark = path.indexOf(u'?');
    if (mark >= 0) {
        const QUrlQuery items(path.mid(mark + 1));
        const auto pairs = items.queryItems(QUrl::FullyDecoded);
        for (const auto &[name, value] : pairs)
            query.append(QCborMap {{u"name"_s, name}, {u"value"_s, value}});
    }
    QCborMap request {
        {u"method"_s, e.method.isEmpty() ? u"POST"_s : QString::fromLatin1(e.method)},
        {u"url"_s, QString(u"http://"_s + host + path)},
        {u"httpVersion"_s, u"HTTP/1.1"_s},
        {u"cookies"_s, QCborArray()},
        {u"headers"_s, headersValue(e.requestHeaders)},
        {u"queryString"_s, query},
    };
    if (!e.requestBody.isEmpty()) {
        const QString mimeType = QString::fromLatin1(headerValue(e.requestHeaders, "content-type"));
        QCborMap postData {{u"mimeType"_s, mimeType}};
        putBody(postData, e.requestBody, mimeType);
        request.insert(u"postData"_s, postData);
    }
    request.insert(u"headersSize"_s, -1);
    request.insert(u"bodySize"_s, e.requestBody.size());
    return request;
}

QCborMap responseValue(const Exchange &e)
{
    QString mimeType = QString::fromLatin1(headerValue(e.responseHeaders, "content-type"));
    if (mimeType.isEmpty())
        mimeType = u"x-unknown"_s; // what browsers write when the server named none
    QCborMap content {{u"size"_s, e.responseBody.size()}, {u"mimeType"_s, mimeType}};
    if (!e.responseBody.isEmpty())
        putBody(content, e.responseBody, mimeType);
    return QCborMap {
        // 0 when held or dropped: what browsers record for a request without a response.
        {u"status"_s, e.httpStatus},
        {u"statusText"_s, QString::fromLatin1(reasonPhrase(e.httpStatus))},
        {u"httpVersion"_s, u"HTTP/1.1"_s},
        {u"cookies"_s, QCborArray()},
        {u"headers"_s, headersValue(e.responseHeaders)},
        {u"content"_s, content},
        {u"redirectURL"_s, u""_s},
        {u"headersSize"_s, -1},
        {u"bodySize"_s, e.httpStatus == 0 ? -1 : e.responseBody.size()},
    };
}

QCborMap hookscopeValue(const Exchange &e)
{
    const MtaHooks::Verdict verdict = e.held ? MtaHooks::Verdict::Held : e.verdict;
    return QCborMap {
        {u"session"_s, e.sessionKey},
        // The MTA's end of the HTTP connection (HAR's serverIPAddress would be ours).
        {u"peer"_s, QCborMap {{u"address"_s, e.peerAddress}, {u"port"_s, int(e.peerPort)}}},
        {u"sequence"_s, e.sequence},
        {u"kind"_s, exchangeKindName(e.kind)},
        {u"stage"_s, e.stageName.isEmpty() ? MtaHooks::stageName(e.stage) : e.stageName},
        {u"dialect"_s, MtaHooks::dialectName(e.dialect)},
        {u"rule"_s, e.ruleName},
        {u"action"_s, MtaHooks::actionName(e.action)},
        {u"verdict"_s, MtaHooks::verdictName(verdict)},
        {u"replyCode"_s, e.replyCode},
        {u"fault"_s, e.fault},
        {u"problems"_s, Detail::problemsToCbor(e.problems)},
    };
}

QCborMap entryValue(const Exchange &e)
{
    const QDateTime started
        = e.received.isValid() ? e.received.toUTC() : QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    const double waitMs = double(e.latencyUs) / 1000.0;
    QCborMap entry {
        {u"startedDateTime"_s, started.toString(Qt::ISODateWithMs)},
        {u"time"_s, waitMs},
        {u"request"_s, requestValue(e)},
        {u"response"_s, responseValue(e)},
        {u"cache"_s, QCborMap()},
        {u"timings"_s, QCborMap {{u"send"_s, 0}, {u"wait"_s, waitMs}, {u"receive"_s, 0}}},
    };
    entry.insert(u"_hookscope"_s, hookscopeValue(e));
    return entry;
}

} // namespace

QByteArray harFromExchanges(const QList<Exchange> &exchanges)
{
    QCborArray entries;
    for (const Exchange &exchange : exchanges)
        entries.append(entryValue(exchange));
    const QCborMap log {
        {u"version"_s, u"1.2"_s},
        {u"creator"_s,
            QCborMap {{u"name"_s, u"Hookscope"_s},
                {u"version"_s, QString(QLatin1StringView(HOOKSCOPE_VERSION))}}},
        {u"entries"_s, entries},
    };
    return Detail::orderedJson(QCborMap {{u"log"_s, log}});
}

} // namespace Mock

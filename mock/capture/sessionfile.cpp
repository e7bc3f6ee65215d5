// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/sessionfile.h"

#include "mock/capture/capturerows_p.h"
#include "mock/capture/logging.h"
#include "mock/capture/orderedjson_p.h"
#include "mock/protocol/document.h"

#include <QCborArray>
#include <QCborMap>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// ---- writing ----

// Header names and values, methods and paths are bytes: ISO-8859-1 maps each byte to one
// character, so any byte sequence survives the round trip (and ASCII reads as itself).
QString latin1(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes);
}

QCborValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QCborValue(nullptr) : QCborValue(text);
}

QCborValue timeValue(const QDateTime &time)
{
    return time.isValid() ? QCborValue(time.toUTC().toString(Qt::ISODateWithMs))
                          : QCborValue(nullptr);
}

// UTF-8 text when the bytes are exactly that (so JSON bodies stay readable), base64 otherwise
// (CBOR, binary, broken encodings).
QCborMap bodyValue(const QByteArray &body)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    const QString text = decoder.decode(body);
    if (!decoder.hasError() && text.toUtf8() == body)
        return QCborMap {{u"encoding"_s, u"utf8"_s}, {u"data"_s, text}};
    return QCborMap {
        {u"encoding"_s, u"base64"_s}, {u"data"_s, QString::fromLatin1(body.toBase64())}};
}

QCborArray headersValue(const HttpHeaders &headers)
{
    QCborArray array;
    for (const auto &[name, value] : headers)
        array.append(QCborArray {latin1(name), latin1(value)});
    return array;
}

QCborMap parametersValue(const MtaHooks::Parameters &parameters)
{
    QCborMap map;
    for (const auto &[name, value] : parameters)
        map.insert(name, value);
    return map;
}

QCborMap exchangeValue(const Exchange &e)
{
    const QString stage = e.stageName.isEmpty() ? MtaHooks::stageName(e.stage) : e.stageName;
    return QCborMap {
        {u"received"_s, timeValue(e.received)},
        {u"peer"_s, QCborMap {{u"address"_s, e.peerAddress}, {u"port"_s, int(e.peerPort)}}},
        {u"method"_s, latin1(e.method)},
        {u"path"_s, latin1(e.path)},
        {u"requestHeaders"_s, headersValue(e.requestHeaders)},
        {u"requestBody"_s, bodyValue(e.requestBody)},
        {u"kind"_s, exchangeKindName(e.kind)},
        {u"stage"_s, textOrNull(stage)},
        {u"dialect"_s, textOrNull(MtaHooks::dialectName(e.dialect))},
        {u"rule"_s, e.ruleName},
        {u"action"_s, textOrNull(MtaHooks::actionName(e.action))},
        {u"verdict"_s,
            textOrNull(MtaHooks::verdictName(e.held ? MtaHooks::Verdict::Held : e.verdict))},
        {u"replyCode"_s, e.replyCode},
        {u"status"_s, e.httpStatus},
        {u"responseHeaders"_s, headersValue(e.responseHeaders)},
        {u"responseBody"_s, bodyValue(e.responseBody)},
        {u"fault"_s, e.fault},
        {u"latencyUs"_s, e.latencyUs},
        {u"problems"_s, Detail::problemsToCbor(e.problems)},
        {u"note"_s, e.note},
    };
}

QCborMap stageValue(const SessionStage &stage)
{
    QCborMap map {{u"stage"_s,
        stage.stageName.isEmpty() ? MtaHooks::stageName(stage.stage) : stage.stageName}};
    if (!stage.recipient.isEmpty())
        map.insert(u"recipient"_s, stage.recipient);
    if (!stage.expect.isEmpty()) {
        QCborMap expect;
        if (stage.expect.action)
            expect.insert(u"action"_s, MtaHooks::actionName(*stage.expect.action));
        if (stage.expect.verdict)
            expect.insert(u"verdict"_s, MtaHooks::verdictName(*stage.expect.verdict));
        if (stage.expect.replyCode)
            expect.insert(u"replyCode"_s, *stage.expect.replyCode);
        map.insert(u"expect"_s, expect);
    }
    if (stage.hasRequestOverride) {
        map.insert(u"request"_s,
            QCborMap {{u"contentType"_s, latin1(stage.requestContentType)},
                {u"body"_s, bodyValue(stage.requestBody)}});
    }
    return map;
}

QCborValue envelopeValue(const MtaHooks::Envelope &envelope)
{
    if (!envelope.present)
        return QCborValue(nullptr);
    QCborArray to;
    for (const MtaHooks::EnvelopeAddress &address : envelope.to) {
        to.append(QCborMap {{u"address"_s, address.address},
            {u"parameters"_s, parametersValue(address.parameters)}});
    }
    return QCborMap {
        {u"from"_s,
            envelope.from.isNullSender ? QCborValue(nullptr) : QCborValue(envelope.from.address)},
        {u"fromParameters"_s, parametersValue(envelope.from.parameters)},
        {u"to"_s, to},
    };
}

QCborMap sessionValue(const SessionRecording &s)
{
    QCborMap map {{u"id"_s, s.id}};
    if (!s.title.isEmpty())
        map.insert(u"title"_s, s.title);
    if (!s.description.isEmpty())
        map.insert(u"description"_s, s.description);
    if (s.dialect != MtaHooks::Dialect::Unknown)
        map.insert(u"dialect"_s, MtaHooks::dialectName(s.dialect));
    const QCborValue tls = s.tls.present
        ? QCborValue(QCborMap {{u"version"_s, s.tls.version}, {u"cipher"_s, s.tls.cipher}})
        : QCborValue(nullptr);
    const QCborValue auth = s.auth.present
        ? QCborValue(QCborMap {{u"login"_s, s.auth.login}, {u"method"_s, s.auth.method}})
        : QCborValue(nullptr);
    map.insert(u"connection"_s,
        QCborMap {
            {u"client"_s,
                QCborMap {{u"ip"_s, s.client.ip}, {u"port"_s, s.client.port},
                    {u"ptr"_s, textOrNull(s.client.ptr)}, {u"ehlo"_s, textOrNull(s.client.ehlo)}}},
            {u"tls"_s, tls},
            {u"auth"_s, auth},
            {u"server"_s,
                QCborMap {{u"name"_s, s.server.name}, {u"ip"_s, s.server.ip},
                    {u"port"_s, s.server.port}}},
        });
    map.insert(u"envelope"_s, envelopeValue(s.envelope));
    map.insert(u"message"_s,
        s.hasMessage
            ? QCborValue(QCborMap {{u"raw"_s, QString::fromLatin1(s.rawMessage.toBase64())}})
            : QCborValue(nullptr));
    QCborArray stages;
    for (const SessionStage &stage : s.stages)
        stages.append(stageValue(stage));
    map.insert(u"stages"_s, stages);
    QCborArray exchanges;
    for (const Exchange &exchange : s.exchanges)
        exchanges.append(exchangeValue(exchange));
    map.insert(u"exchanges"_s, exchanges);
    return map;
}

// ---- reading ----

// Reads with a path for error messages ("sessions[0].exchanges[3].requestBody"); the first
// error wins, later reads become no-ops returning defaults.
class Reader
{
public:
    QString error;

    bool failed() const { return !error.isEmpty(); }
    void fail(const QString &where, const QString &message)
    {
        if (error.isEmpty())
            error = where.isEmpty() ? message : where + u": "_s + message;
    }

    QJsonObject object(const QJsonObject &parent, const QString &key, const QString &where)
    {
        const QJsonValue value = parent.value(key);
        if (!value.isUndefined() && !value.isNull() && !value.isObject())
            fail(where + u'.' + key, u"expected an object"_s);
        return value.toObject();
    }

    QJsonArray array(const QJsonObject &parent, const QString &key, const QString &where)
    {
        const QJsonValue value = parent.value(key);
        if (!value.isUndefined() && !value.isNull() && !value.isArray())
            fail(where + u'.' + key, u"expected an array"_s);
        return value.toArray();
    }

    QByteArray base64(const QString &text, const QString &where)
    {
        auto decoded = QByteArray::fromBase64Encoding(
            text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            fail(where, u"invalid base64"_s);
        return decoded.decoded;
    }

    QByteArray body(const QJsonValue &value, const QString &where)
    {
        if (value.isUndefined() || value.isNull())
            return {};
        const QJsonObject object = value.toObject();
        const QString encoding = object.value(u"encoding"_s).toString(u"utf8"_s);
        const QString data = object.value(u"data"_s).toString();
        if (encoding == u"utf8"_s)
            return data.toUtf8();
        if (encoding == u"base64"_s)
            return base64(data, where + u".data"_s);
        fail(where + u".encoding"_s, u"unknown body encoding \"%1\""_s.arg(encoding));
        return {};
    }

    template<typename T>
    std::optional<T> named(const QJsonObject &object, const QString &key, const QString &where,
        std::optional<T> (*fromName)(QStringView))
    {
        const QString name = object.value(key).toString();
        if (name.isEmpty())
            return std::nullopt;
        const std::optional<T> value = fromName(name);
        if (!value)
            fail(where + u'.' + key, u"unknown name \"%1\""_s.arg(name));
        return value;
    }
};

HttpHeaders headersFrom(const QJsonArray &array)
{
    HttpHeaders headers;
    for (const QJsonValue &pair : array) {
        const QJsonArray entry = pair.toArray();
        headers.append({entry.at(0).toString().toLatin1(), entry.at(1).toString().toLatin1()});
    }
    return headers;
}

MtaHooks::Parameters parametersFrom(const QJsonObject &object)
{
    MtaHooks::Parameters parameters;
    for (auto it = object.begin(); it != object.end(); ++it)
        parameters.append({it.key(), it.value().toString()});
    return parameters;
}

Exchange exchangeFrom(Reader &reader, const QJsonObject &o, const QString &where)
{
    Exchange e;
    const QString received = o.value(u"received"_s).toString();
    if (!received.isEmpty()) {
        e.received = QDateTime::fromString(received, Qt::ISODateWithMs).toUTC();
        if (!e.received.isValid())
            reader.fail(where + u".received"_s, u"not an ISO 8601 time"_s);
    }
    const QJsonObject peer = reader.object(o, u"peer"_s, where);
    e.peerAddress = peer.value(u"address"_s).toString();
    e.peerPort = quint16(peer.value(u"port"_s).toInt());
    e.method = o.value(u"method"_s).toString().toLatin1();
    e.path = o.value(u"path"_s).toString().toLatin1();
    e.requestHeaders = headersFrom(reader.array(o, u"requestHeaders"_s, where));
    e.requestBody = reader.body(o.value(u"requestBody"_s), where + u".requestBody"_s);
    e.kind = exchangeKindFromName(o.value(u"kind"_s).toString(u"hook"_s));
    e.stageName = o.value(u"stage"_s).toString();
    e.stage = MtaHooks::stageFromName(e.stageName);
    e.dialect = reader.named(o, u"dialect"_s, where, &MtaHooks::dialectFromName)
                    .value_or(MtaHooks::Dialect::Unknown);
    e.ruleName = o.value(u"rule"_s).toString();
    e.action = reader.named(o, u"action"_s, where, &MtaHooks::actionFromName)
                   .value_or(MtaHooks::Action::None);
    e.verdict = reader.named(o, u"verdict"_s, where, &MtaHooks::verdictFromName)
                    .value_or(MtaHooks::Verdict::None);
    e.replyCode = o.value(u"replyCode"_s).toInt();
    e.httpStatus = o.value(u"status"_s).toInt();
    e.responseHeaders = headersFrom(reader.array(o, u"responseHeaders"_s, where));
    e.responseBody = reader.body(o.value(u"responseBody"_s), where + u".responseBody"_s);
    e.fault = o.value(u"fault"_s).toString();
    e.latencyUs = o.value(u"latencyUs"_s).toInteger();
    e.problems = Detail::problemsFromJson(reader.array(o, u"problems"_s, where));
    e.note = o.value(u"note"_s).toString();
    return e;
}

SessionStage stageFrom(Reader &reader, const QJsonObject &o, const QString &where)
{
    SessionStage stage;
    stage.stageName = o.value(u"stage"_s).toString();
    stage.stage = MtaHooks::stageFromName(stage.stageName);
    if (stage.stageName.isEmpty())
        reader.fail(where + u".stage"_s, u"missing"_s);
    stage.recipient = o.value(u"recipient"_s).toString();
    const QJsonObject expect = reader.object(o, u"expect"_s, where);
    const QString at = where + u".expect"_s;
    stage.expect.action = reader.named(expect, u"action"_s, at, &MtaHooks::actionFromName);
    stage.expect.verdict = reader.named(expect, u"verdict"_s, at, &MtaHooks::verdictFromName);
    if (expect.contains(u"replyCode"_s))
        stage.expect.replyCode = expect.value(u"replyCode"_s).toInt();
    if (o.contains(u"request"_s)) {
        const QJsonObject request = reader.object(o, u"request"_s, where);
        stage.hasRequestOverride = true;
        stage.requestContentType
            = request.value(u"contentType"_s).toString(u"application/json"_s).toLatin1();
        stage.requestBody = reader.body(request.value(u"body"_s), where + u".request.body"_s);
    }
    return stage;
}

MtaHooks::Envelope envelopeFrom(Reader &reader, const QJsonObject &session, const QString &where)
{
    MtaHooks::Envelope envelope;
    const QJsonValue value = session.value(u"envelope"_s);
    if (value.isUndefined() || value.isNull())
        return envelope;
    const QJsonObject o = reader.object(session, u"envelope"_s, where);
    envelope.present = true;
    envelope.from.isNullSender = o.value(u"from"_s).isNull();
    envelope.from.address = o.value(u"from"_s).toString();
    envelope.from.parameters = parametersFrom(o.value(u"fromParameters"_s).toObject());
    const QJsonArray to = reader.array(o, u"to"_s, where + u".envelope"_s);
    for (const QJsonValue &entry : to) {
        MtaHooks::EnvelopeAddress address;
        address.address = entry.toObject().value(u"address"_s).toString();
        address.parameters = parametersFrom(entry.toObject().value(u"parameters"_s).toObject());
        envelope.to.append(address);
    }
    return envelope;
}

SessionRecording sessionFrom(Reader &reader, const QJsonObject &o, const QString &where)
{
    SessionRecording s;
    s.id = o.value(u"id"_s).toString();
    s.title = o.value(u"title"_s).toString();
    s.description = o.value(u"description"_s).toString();
    s.dialect = reader.named(o, u"dialect"_s, where, &MtaHooks::dialectFromName)
                    .value_or(MtaHooks::Dialect::Unknown);
    const QJsonObject connection = reader.object(o, u"connection"_s, where);
    const QString at = where + u".connection"_s;
    const QJsonObject client = reader.object(connection, u"client"_s, at);
    s.client.ip = client.value(u"ip"_s).toString();
    s.client.port = client.value(u"port"_s).toInt();
    s.client.ptr = client.value(u"ptr"_s).toString();
    s.client.ehlo = client.value(u"ehlo"_s).toString();
    const QJsonObject tls = reader.object(connection, u"tls"_s, at);
    s.tls.present = connection.value(u"tls"_s).isObject();
    s.tls.version = tls.value(u"version"_s).toString();
    s.tls.cipher = tls.value(u"cipher"_s).toString();
    const QJsonObject auth = reader.object(connection, u"auth"_s, at);
    s.auth.present = connection.value(u"auth"_s).isObject();
    s.auth.login = auth.value(u"login"_s).toString();
    s.auth.method = auth.value(u"method"_s).toString();
    const QJsonObject server = reader.object(connection, u"server"_s, at);
    s.server.name = server.value(u"name"_s).toString();
    s.server.ip = server.value(u"ip"_s).toString();
    s.server.port = server.value(u"port"_s).toInt();
    s.envelope = envelopeFrom(reader, o, where);
    const QJsonObject message = reader.object(o, u"message"_s, where);
    s.hasMessage = o.value(u"message"_s).isObject();
    s.rawMessage = reader.base64(message.value(u"raw"_s).toString(), where + u".message.raw"_s);
    const QJsonArray stages = reader.array(o, u"stages"_s, where);
    for (qsizetype i = 0; i < stages.size(); ++i)
        s.stages.append(
            stageFrom(reader, stages.at(i).toObject(), u"%1.stages[%2]"_s.arg(where).arg(i)));
    const QJsonArray exchanges = reader.array(o, u"exchanges"_s, where);
    for (qsizetype i = 0; i < exchanges.size(); ++i) {
        s.exchanges.append(exchangeFrom(
            reader, exchanges.at(i).toObject(), u"%1.exchanges[%2]"_s.arg(where).arg(i)));
    }
    return s;
}

} // namespace

QString SessionFile::formatName()
{
    return u"hookscope-session"_s;
}

QByteArray SessionFile::write(const QList<SessionRecording> &sessions)
{
    QCborArray list;
    for (const SessionRecording &session : sessions)
        list.append(sessionValue(session));
    const QCborMap document {
        {u"format"_s, formatName()},
        {u"version"_s, Version},
        {u"created"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {u"generator"_s, QString(u"hookscope "_s + QLatin1StringView(HOOKSCOPE_VERSION))},
        {u"sessions"_s, list},
    };
    return Detail::orderedJson(document);
}

std::optional<QList<SessionRecording>> SessionFile::read(const QByteArray &data, QString *error)
{
    const auto failWith = [error](const QString &message) {
        qCDebug(lcCapture).noquote() << "session file rejected:" << message;
        if (error)
            *error = message;
        return std::nullopt;
    };
    // Qt's parser allows 1024 levels; what reads the file after it recurses, so the protocol's
    // nesting limit is checked first.
    QString jsonError;
    using MtaHooks::Document;
    switch (Document::checkJson(data, &jsonError, MtaHooks::DecodeLimits::forFiles())) {
    case Document::JsonCheck::Passed:
        break;
    case Document::JsonCheck::NotJson:
        return failWith(u"not JSON: %1"_s.arg(jsonError));
    case Document::JsonCheck::PastLimit:
        return failWith(u"not a session file: %1"_s.arg(jsonError));
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return failWith(
            u"not JSON: %1 at byte %2"_s.arg(parseError.errorString()).arg(parseError.offset));
    }
    const QJsonObject root = document.object();
    const QString format = root.value(u"format"_s).toString();
    if (!document.isObject() || format != formatName()) {
        return failWith(format.isEmpty()
                ? u"not a Hookscope session file (no \"format\": \"hookscope-session\")"_s
                : u"not a Hookscope session file (format \"%1\")"_s.arg(format));
    }
    const QJsonValue version = root.value(u"version"_s);
    if (!version.isDouble() || version.toDouble() != double(version.toInteger())) {
        return failWith(u"session file without an integer \"version\""_s);
    }
    if (version.toInteger() != Version) {
        return failWith(
            u"session file version %1 is not supported (this Hookscope reads version %2)"_s
                .arg(version.toInteger())
                .arg(Version));
    }
    Reader reader;
    const QJsonArray array = reader.array(root, u"sessions"_s, QString());
    if (!root.value(u"sessions"_s).isArray())
        reader.fail(u"sessions"_s, u"missing or not an array"_s);
    QList<SessionRecording> sessions;
    for (qsizetype i = 0; i < array.size() && !reader.failed(); ++i) {
        const QString where = u"sessions[%1]"_s.arg(i);
        if (!array.at(i).isObject()) {
            reader.fail(where, u"expected an object"_s);
            break;
        }
        sessions.append(sessionFrom(reader, array.at(i).toObject(), where));
    }
    if (reader.failed())
        return failWith(reader.error);
    return sessions;
}

} // namespace Mock

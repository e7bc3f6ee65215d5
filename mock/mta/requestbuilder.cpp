// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/requestbuilder.h"

#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

// Requests are assembled as a QCborValue tree: its maps keep their members in insertion order
// (a QJsonObject would sort them), it has byte strings for the drafts' binary values, and it
// encodes straight to CBOR. JSON text comes from the small writer below. Members that are JSON
// text already (Stalwart's message, the JMAP Email) ride along under this tag and are copied
// verbatim into JSON.
constexpr auto RawJsonTag = QCborTag(0x6873); // private use: "hs"

QCborValue rawJson(const QByteArray &json)
{
    return QCborValue(RawJsonTag, QCborValue(json));
}

void appendJsonString(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    out += '"';
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(c >> 4) & 0xf];
                out += hex[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendJson(QByteArray &out, const QCborValue &value)
{
    switch (value.type()) {
    case QCborValue::Map: {
        out += '{';
        bool first = true;
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (!first)
                out += ',';
            first = false;
            appendJsonString(out, it.key().toString());
            out += ':';
            appendJson(out, it.value());
        }
        out += '}';
        break;
    }
    case QCborValue::Array: {
        out += '[';
        bool first = true;
        const QCborArray array = value.toArray();
        for (const QCborValue &item : array) {
            if (!first)
                out += ',';
            first = false;
            appendJson(out, item);
        }
        out += ']';
        break;
    }
    case QCborValue::Integer:
        out += QByteArray::number(value.toInteger());
        break;
    case QCborValue::Double:
        out += QByteArray::number(value.toDouble(), 'g', 17);
        break;
    case QCborValue::String:
        appendJsonString(out, value.toString());
        break;
    case QCborValue::ByteArray: // the drafts' JSON form of binary: base64
        out += '"';
        out += value.toByteArray().toBase64();
        out += '"';
        break;
    case QCborValue::True:
        out += "true";
        break;
    case QCborValue::False:
        out += "false";
        break;
    case QCborValue::Tag:
        if (value.tag() == RawJsonTag) {
            out += value.taggedValue().toByteArray();
            break;
        }
        appendJson(out, value.taggedValue());
        break;
    default:
        out += "null";
        break;
    }
}

// The drafts carry a body part's "blob" as a byte string in CBOR (base64 text in JSON).
QCborValue blobsAsBytes(const QCborValue &value)
{
    if (value.isMap()) {
        QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (it.key().toString() == u"blob"_s && it.value().isString())
                it.value() = QByteArray::fromBase64(it.value().toString().toLatin1());
            else if (it.value().isMap() || it.value().isArray())
                it.value() = blobsAsBytes(it.value());
        }
        return map;
    }
    if (value.isArray()) {
        QCborArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            array[i] = blobsAsBytes(array.at(i));
        return array;
    }
    return value;
}

// CBOR has no raw JSON: tagged JSON text becomes the CBOR of the same (ordered) document.
QCborValue withoutRawJson(const QCborValue &value)
{
    if (value.isTag() && value.tag() == RawJsonTag)
        return QCborValue::fromCbor(Document::fromJson(value.taggedValue().toByteArray()).toCbor());
    if (value.isMap()) {
        QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it)
            it.value() = withoutRawJson(it.value());
        return map;
    }
    if (value.isArray()) {
        QCborArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            array[i] = withoutRawJson(array.at(i));
        return array;
    }
    return value;
}

QByteArray encodeTree(const QCborValue &tree, Encoding encoding)
{
    if (encoding == Encoding::Cbor)
        return withoutRawJson(tree).toCbor();
    QByteArray out;
    out.reserve(1024);
    appendJson(out, tree);
    return out;
}

QCborValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QCborValue(nullptr) : QCborValue(text);
}

int stagePosition(Stage stage)
{
    switch (stage) {
    case Stage::Connect:
        return 0;
    case Stage::Ehlo:
        return 1;
    case Stage::Auth:
        return 2;
    case Stage::Mail:
        return 3;
    case Stage::Rcpt:
        return 4;
    case Stage::Data:
        return 5;
    default:
        return 6;
    }
}

// Whether the MTA knows the TLS facts at this point of the conversation: on an implicit-TLS
// port (465, RFC 8314) from the start; otherwise STARTTLS follows the first EHLO, whose hook has
// run by then (Stalwart does not call it again for the same EHLO domain after STARTTLS).
bool tlsKnown(const SessionRecording &session, int position)
{
    if (!session.tls.present)
        return false;
    return session.server.port == 465 || position >= 2;
}

QString defaultQueueId(const SessionRecording &session, bool hex)
{
    const QByteArray hash = QCryptographicHash::hash(
        (session.id + u'|' + session.envelope.from.address).toUtf8(), QCryptographicHash::Sha256);
    if (hex) { // Stalwart: the 64-bit queue id in lower-case hex, no padding
        QByteArray text = hash.left(8).toHex();
        while (text.size() > 1 && text.startsWith('0'))
            text.remove(0, 1);
        return QString::fromLatin1(text);
    }
    return u"q-"_s + QString::fromLatin1(hash.left(6).toHex()).toUpper();
}

QString wireStageName(const SessionStage &stage)
{
    return stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName;
}

QCborMap parametersMap(const Parameters &parameters)
{
    QCborMap map;
    for (const auto &[key, value] : parameters)
        map.insert(key, value);
    return map;
}

QCborValue stalwartRequest(const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const RequestOptions &options)
{
    const int position = stagePosition(stage.stage);
    QCborMap client;
    client.insert(u"ip"_s, session.client.ip);
    client.insert(u"port"_s, session.client.port);
    // Stalwart has not looked up the PTR name yet when the connect hook runs.
    client.insert(u"ptr"_s, position == 0 ? QCborValue(nullptr) : stringOrNull(session.client.ptr));
    client.insert(
        u"helo"_s, position == 0 ? QCborValue(nullptr) : stringOrNull(session.client.ehlo));
    client.insert(u"activeConnections"_s, 1);

    QCborMap context;
    context.insert(u"stage"_s, wireStageName(stage));
    context.insert(u"client"_s, client);
    if (session.auth.present && position >= 3)
        context.insert(u"sasl"_s, QCborMap {{u"login"_s, session.auth.login}});
    if (tlsKnown(session, position))
        context.insert(u"tls"_s,
            QCborMap {{u"version"_s, session.tls.version}, {u"cipher"_s, session.tls.cipher}});
    QCborMap server;
    server.insert(u"name"_s, stringOrNull(session.server.name));
    server.insert(u"port"_s, session.server.port);
    server.insert(u"ip"_s, stringOrNull(session.server.ip));
    context.insert(u"server"_s, server);
    if (stage.stage == Stage::Data)
        context.insert(u"queue"_s,
            QCborMap {{u"id"_s,
                options.queueId.isEmpty() ? defaultQueueId(session, true) : options.queueId}});
    context.insert(u"protocol"_s, QCborMap {{u"version"_s, 1}});

    QCborMap request;
    request.insert(u"context"_s, context);
    if (position >= 3 && envelope.present) {
        QCborArray to;
        for (const EnvelopeAddress &rcpt : envelope.to)
            to.append(QCborMap {{u"address"_s, rcpt.address.toLower()}});
        QCborMap env;
        env.insert(u"from"_s, QCborMap {{u"address"_s, envelope.from.address.toLower()}});
        env.insert(u"to"_s, to);
        request.insert(u"envelope"_s, env);
    }
    if (stage.stage == Stage::Data && session.hasMessage)
        request.insert(u"message"_s, rawJson(stalwartMessage(session.rawMessage).toJson()));
    return request;
}

QCborMap draftEnvelope(const Envelope &envelope, bool outbound)
{
    QCborArray to;
    for (const EnvelopeAddress &rcpt : envelope.to) {
        QCborMap entry;
        entry.insert(u"address"_s, rcpt.address);
        entry.insert(u"parameters"_s, parametersMap(rcpt.parameters));
        if (outbound) {
            entry.insert(u"status"_s, rcpt.status.isEmpty() ? u"pending"_s : rcpt.status);
            entry.insert(u"attempt"_s, rcpt.attempt);
            entry.insert(u"lastResponse"_s, QCborValue(nullptr));
            entry.insert(u"nextAttemptAt"_s, QCborValue(nullptr));
            entry.insert(u"nextDsnAt"_s, QCborValue(nullptr));
            entry.insert(u"queueName"_s, u"remote"_s);
        }
        to.append(entry);
    }
    QCborMap from;
    from.insert(u"address"_s,
        envelope.from.isNullSender ? QCborValue(nullptr) : QCborValue(envelope.from.address));
    from.insert(u"parameters"_s, parametersMap(envelope.from.parameters));
    QCborMap result;
    result.insert(u"from"_s, from);
    result.insert(u"to"_s, to);
    return result;
}

QCborValue draftRequest(const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const RequestOptions &options)
{
    const int position = stagePosition(stage.stage);
    const bool outbound = stageDirection(stage.stage) == Direction::Outbound;
    const QDateTime timestamp
        = options.timestamp.isValid() ? options.timestamp : QDateTime::currentDateTimeUtc();
    const bool carriesMessage = session.hasMessage
        && (stage.stage == Stage::Data || stage.stage == Stage::Dsn
            || stage.stage == Stage::Delivery || stage.stage == Stage::Defer
            || stage.stage == Stage::Route);
    const QString queueId
        = options.queueId.isEmpty() ? defaultQueueId(session, false) : options.queueId;

    QCborMap request;
    request.insert(u"stage"_s, wireStageName(stage));
    request.insert(u"action"_s, outbound ? u"continue"_s : u"accept"_s);
    request.insert(u"timestamp"_s, timestamp.toUTC().toString(Qt::ISODate));
    if (!outbound) {
        const SmtpReply reply = defaultReply(Dialect::Draft01, stage.stage, Action::Accept);
        QCborMap response;
        response.insert(u"code"_s, reply.code);
        response.insert(u"enhancedCode"_s, stringOrNull(reply.enhancedCode));
        response.insert(u"message"_s, reply.message);
        request.insert(u"response"_s, response);
    }
    request.insert(u"protocol"_s, QCborMap {{u"version"_s, u"1.0"_s}});
    if (position >= 5) {
        QCborMap queue;
        queue.insert(u"id"_s, queueId);
        if (outbound) {
            queue.insert(u"expiresAt"_s, QCborValue(nullptr));
            queue.insert(u"attempts"_s, 1);
        }
        request.insert(u"queue"_s, queue);
    }
    QCborMap server;
    server.insert(u"name"_s, session.server.name);
    server.insert(u"ip"_s, session.server.ip);
    server.insert(u"port"_s, session.server.port);
    request.insert(u"server"_s, server);
    if (!outbound) {
        QCborMap client;
        client.insert(u"ip"_s, session.client.ip);
        client.insert(u"port"_s, session.client.port);
        client.insert(u"ptr"_s, stringOrNull(session.client.ptr));
        // A String in the draft, so "" before EHLO (reference §f).
        client.insert(u"ehlo"_s, position == 0 ? QString() : session.client.ehlo);
        client.insert(u"asn"_s, QCborValue(nullptr));
        client.insert(u"country"_s, QCborValue(nullptr));
        client.insert(u"activeConnections"_s, 1);
        request.insert(u"client"_s, client);
        if (tlsKnown(session, position)) {
            QCborMap tls;
            tls.insert(u"version"_s, session.tls.version);
            tls.insert(u"cipher"_s, session.tls.cipher);
            tls.insert(u"cipherBits"_s, session.tls.cipherBits > 0 ? session.tls.cipherBits : 256);
            tls.insert(u"certIssuer"_s, QCborValue(nullptr));
            tls.insert(u"certSubject"_s, QCborValue(nullptr));
            request.insert(u"tls"_s, tls);
        } else {
            request.insert(u"tls"_s, QCborValue(nullptr));
        }
        if (session.auth.present && position >= 3) {
            QCborMap auth;
            auth.insert(u"login"_s, session.auth.login);
            auth.insert(
                u"method"_s, session.auth.method.isEmpty() ? u"PLAIN"_s : session.auth.method);
            request.insert(u"auth"_s, auth);
        } else {
            request.insert(u"auth"_s, QCborValue(nullptr));
        }
        if (position >= 1) {
            // Each check reports once it has run: SPF of the EHLO name after EHLO, of the
            // MAIL FROM domain after MAIL, DKIM, ARC and DMARC once the message is in.
            const QCborValue result = stringOrNull(options.senderAuthResult);
            QCborMap senderAuth;
            senderAuth.insert(u"spf-ehlo"_s, result);
            senderAuth.insert(u"spf-mail"_s, position >= 3 ? result : QCborValue(nullptr));
            senderAuth.insert(u"dkim"_s, position >= 5 ? result : QCborValue(nullptr));
            senderAuth.insert(u"arc"_s, position >= 5 ? result : QCborValue(nullptr));
            senderAuth.insert(u"dmarc"_s, position >= 5 ? result : QCborValue(nullptr));
            request.insert(u"senderAuth"_s, senderAuth);
        } else {
            request.insert(u"senderAuth"_s, QCborValue(nullptr));
        }
    }
    if (position >= 3 && envelope.present)
        request.insert(u"envelope"_s, draftEnvelope(envelope, outbound));
    if (carriesMessage && options.includeJmapMessage) {
        const QByteArray jmap = options.jmapMessageJson.isEmpty()
            ? jmapMessageJson(session.rawMessage)
            : options.jmapMessageJson;
        if (options.encoding == Encoding::Cbor)
            request.insert(u"message"_s,
                blobsAsBytes(QCborValue::fromCbor(Document::fromJson(jmap).toCbor())));
        else
            request.insert(u"message"_s, rawJson(jmap));
    }
    if (carriesMessage && options.includeRawMessage)
        request.insert(u"rawMessage"_s, QCborValue(session.rawMessage)); // base64 in JSON
    return request;
}

QCborValue requestTree(const SessionRecording &session, int stageIndex, const Envelope &envelope,
    const RequestOptions &options)
{
    const SessionStage &stage = session.stages.at(stageIndex);
    if (options.dialect == Dialect::Stalwart)
        return stalwartRequest(session, stage, envelope, options);
    return draftRequest(session, stage, envelope, options);
}

} // namespace

QByteArray jmapMessageJson(const QByteArray &raw)
{
    return Mime::jmapEmailJson(Mime::MimeDecoder::decode(raw), Mime::JmapOptions());
}

Envelope envelopeAtStage(const SessionRecording &session, int stageIndex)
{
    Envelope envelope;
    if (!session.envelope.present || stageIndex < 0 || stageIndex >= session.stages.size())
        return envelope;
    const SessionStage &stage = session.stages.at(stageIndex);
    const int position = stagePosition(stage.stage);
    if (position < 3)
        return envelope;
    envelope.present = true;
    envelope.from = session.envelope.from;
    if (stage.stage == Stage::Mail)
        return envelope;
    if (stage.stage == Stage::Rcpt) {
        // Recipients of the rcpt stages so far, this one last.
        for (int i = 0; i <= stageIndex; ++i) {
            const SessionStage &earlier = session.stages.at(i);
            if (earlier.stage != Stage::Rcpt)
                continue;
            for (const EnvelopeAddress &rcpt : session.envelope.to) {
                if (rcpt.address == earlier.recipient) {
                    envelope.to.append(rcpt);
                    break;
                }
            }
        }
        return envelope;
    }
    envelope.to = session.envelope.to;
    return envelope;
}

QByteArray buildRequestBody(const SessionRecording &session, int stageIndex,
    const Envelope &envelope, const RequestOptions &options)
{
    if (stageIndex < 0 || stageIndex >= session.stages.size())
        return {};
    // Stalwart's format is JSON only.
    const Encoding encoding
        = options.dialect == Dialect::Stalwart ? Encoding::Json : options.encoding;
    return encodeTree(requestTree(session, stageIndex, envelope, options), encoding);
}

Document buildRequest(const SessionRecording &session, int stageIndex, const Envelope &envelope,
    const RequestOptions &options)
{
    const QByteArray body = buildRequestBody(session, stageIndex, envelope, options);
    if (body.isEmpty())
        return Document::invalid();
    if (options.dialect != Dialect::Stalwart && options.encoding == Encoding::Cbor)
        return Document::fromCbor(body);
    return Document::fromJson(body);
}

QByteArray encodeRequest(const Document &request, Encoding encoding)
{
    return encoding == Encoding::Cbor ? request.toCbor() : request.toJson();
}

SessionRecording sessionFromMessage(
    const QByteArray &raw, const QString &mailFrom, const QStringList &recipients)
{
    SessionRecording session;
    QByteArray crlf = raw;
    crlf.replace("\r\n", "\n");
    crlf.replace("\n", "\r\n");
    session.rawMessage = crlf;
    session.hasMessage = true;
    session.id = u"eml-"_s
        + QString::fromLatin1(
            QCryptographicHash::hash(crlf, QCryptographicHash::Sha256).toHex().left(12));
    session.client.ip = u"192.0.2.10"_s;
    session.client.port = 40000 + int(qHash(session.id) % 20000);
    session.client.ptr = u"client.example.net"_s;
    session.client.ehlo = u"client.example.net"_s;
    session.server.name = u"Hookscope"_s;
    session.server.ip = u"127.0.0.1"_s;
    session.server.port = 25;
    session.envelope.present = true;
    session.envelope.from.address = mailFrom;
    session.envelope.from.isNullSender = mailFrom.isEmpty();
    for (const QString &recipient : recipients) {
        EnvelopeAddress rcpt;
        rcpt.address = recipient;
        session.envelope.to.append(rcpt);
    }
    auto add = [&session](Stage stage, const QString &recipient = {}) {
        SessionStage entry;
        entry.stage = stage;
        entry.stageName = stageName(stage);
        entry.recipient = recipient;
        session.stages.append(entry);
    };
    add(Stage::Connect);
    add(Stage::Ehlo);
    add(Stage::Mail);
    for (const QString &recipient : recipients)
        add(Stage::Rcpt, recipient);
    add(Stage::Data);
    return session;
}

} // namespace Mock

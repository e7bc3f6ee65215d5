// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/requestbuilder.h"

#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"
#include "mock/mta/requestsink_p.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>
#include <QVarLengthArray>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

using Detail::CborSink;
using Detail::JsonSink;
using Detail::Sink;

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

void writeParameters(Sink &sink, const Parameters &parameters)
{
    sink.beginObject();
    for (const auto &[name, value] : parameters) {
        sink.key(QStringView(name));
        sink.string(value);
    }
    sink.endObject();
}

void stalwartRequest(Sink &sink, const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const RequestOptions &options)
{
    const int position = stagePosition(stage.stage);
    sink.beginObject();
    sink.key("context");
    sink.beginObject();
    sink.member("stage", wireStageName(stage));
    sink.key("client");
    sink.beginObject();
    sink.member("ip", session.client.ip);
    sink.member("port", session.client.port);
    // Stalwart has not looked up the PTR name yet when the connect hook runs.
    sink.memberOrNull("ptr", position == 0 ? QString() : session.client.ptr);
    sink.memberOrNull("helo", position == 0 ? QString() : session.client.ehlo);
    sink.member("activeConnections", 1);
    sink.endObject();
    if (session.auth.present && position >= 3) {
        sink.key("sasl");
        sink.beginObject();
        sink.member("login", session.auth.login);
        sink.endObject();
    }
    if (tlsKnown(session, position)) {
        sink.key("tls");
        sink.beginObject();
        sink.member("version", session.tls.version);
        sink.member("cipher", session.tls.cipher);
        sink.endObject();
    }
    sink.key("server");
    sink.beginObject();
    sink.memberOrNull("name", session.server.name);
    sink.member("port", session.server.port);
    sink.memberOrNull("ip", session.server.ip);
    sink.endObject();
    if (stage.stage == Stage::Data) {
        sink.key("queue");
        sink.beginObject();
        sink.member(
            "id", options.queueId.isEmpty() ? defaultQueueId(session, true) : options.queueId);
        sink.endObject();
    }
    sink.key("protocol");
    sink.beginObject();
    sink.member("version", 1);
    sink.endObject();
    sink.endObject(); // context

    if (position >= 3 && envelope.present) {
        sink.key("envelope");
        sink.beginObject();
        sink.key("from");
        sink.beginObject();
        sink.member("address", envelope.from.address.toLower());
        sink.endObject();
        sink.key("to");
        sink.beginArray();
        for (const EnvelopeAddress &rcpt : envelope.to) {
            sink.beginObject();
            sink.member("address", rcpt.address.toLower());
            sink.endObject();
        }
        sink.endArray();
        sink.endObject();
    }
    if (stage.stage == Stage::Data && session.hasMessage) {
        sink.key("message");
        sink.json(options.stalwartMessageJson.isEmpty() ? stalwartMessageJson(session.rawMessage)
                                                        : options.stalwartMessageJson,
            false);
    }
    sink.endObject();
}

void draftEnvelope(Sink &sink, const Envelope &envelope, bool outbound)
{
    sink.beginObject();
    sink.key("from");
    sink.beginObject();
    if (envelope.from.isNullSender)
        sink.nullMember("address");
    else
        sink.member("address", envelope.from.address);
    sink.key("parameters");
    writeParameters(sink, envelope.from.parameters);
    sink.endObject();
    sink.key("to");
    sink.beginArray();
    for (const EnvelopeAddress &rcpt : envelope.to) {
        sink.beginObject();
        sink.member("address", rcpt.address);
        sink.key("parameters");
        writeParameters(sink, rcpt.parameters);
        if (outbound) {
            sink.member("status", rcpt.status.isEmpty() ? u"pending"_s : rcpt.status);
            sink.member("attempt", rcpt.attempt);
            sink.nullMember("lastResponse");
            sink.nullMember("nextAttemptAt");
            sink.nullMember("nextDsnAt");
            sink.member("queueName", u"remote"_s);
        }
        sink.endObject();
    }
    sink.endArray();
    sink.endObject();
}

void draftRequest(Sink &sink, const SessionRecording &session, const SessionStage &stage,
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

    sink.beginObject();
    sink.member("stage", wireStageName(stage));
    sink.member("action", outbound ? u"continue"_s : u"accept"_s);
    sink.member("timestamp", timestamp.toUTC().toString(Qt::ISODate));
    if (!outbound) {
        const SmtpReply reply = defaultReply(Dialect::Draft01, stage.stage, Action::Accept);
        sink.key("response");
        sink.beginObject();
        sink.member("code", reply.code);
        sink.memberOrNull("enhancedCode", reply.enhancedCode);
        sink.member("message", reply.message);
        sink.endObject();
    }
    sink.key("protocol");
    sink.beginObject();
    sink.member("version", u"1.0"_s);
    sink.endObject();
    if (position >= 5) {
        sink.key("queue");
        sink.beginObject();
        sink.member(
            "id", options.queueId.isEmpty() ? defaultQueueId(session, false) : options.queueId);
        if (outbound) {
            sink.nullMember("expiresAt");
            sink.member("attempts", 1);
        }
        sink.endObject();
    }
    sink.key("server");
    sink.beginObject();
    sink.member("name", session.server.name);
    sink.member("ip", session.server.ip);
    sink.member("port", session.server.port);
    sink.endObject();
    if (!outbound) {
        sink.key("client");
        sink.beginObject();
        sink.member("ip", session.client.ip);
        sink.member("port", session.client.port);
        sink.memberOrNull("ptr", session.client.ptr);
        // A String in the draft, so "" before EHLO (reference §f).
        sink.member("ehlo", position == 0 ? QString() : session.client.ehlo);
        sink.nullMember("asn");
        sink.nullMember("country");
        sink.member("activeConnections", 1);
        sink.endObject();
        sink.key("tls");
        if (tlsKnown(session, position)) {
            sink.beginObject();
            sink.member("version", session.tls.version);
            sink.member("cipher", session.tls.cipher);
            sink.member("cipherBits", session.tls.cipherBits > 0 ? session.tls.cipherBits : 256);
            sink.nullMember("certIssuer");
            sink.nullMember("certSubject");
            sink.endObject();
        } else {
            sink.null();
        }
        sink.key("auth");
        if (session.auth.present && position >= 3) {
            sink.beginObject();
            sink.member("login", session.auth.login);
            sink.member("method", session.auth.method.isEmpty() ? u"PLAIN"_s : session.auth.method);
            sink.endObject();
        } else {
            sink.null();
        }
        sink.key("senderAuth");
        if (position >= 1) {
            // Each check reports once it has run: SPF of the EHLO name after EHLO, of the
            // MAIL FROM domain after MAIL, DKIM, ARC and DMARC once the message is in.
            const QString &result = options.senderAuthResult;
            sink.beginObject();
            sink.memberOrNull("spf-ehlo", result);
            sink.memberOrNull("spf-mail", position >= 3 ? result : QString());
            sink.memberOrNull("dkim", position >= 5 ? result : QString());
            sink.memberOrNull("arc", position >= 5 ? result : QString());
            sink.memberOrNull("dmarc", position >= 5 ? result : QString());
            sink.endObject();
        } else {
            sink.null();
        }
    }
    if (position >= 3 && envelope.present) {
        sink.key("envelope");
        draftEnvelope(sink, envelope, outbound);
    }
    if (carriesMessage && options.includeJmapMessage) {
        sink.key("message");
        sink.json(options.jmapMessageJson.isEmpty() ? jmapMessageJson(session.rawMessage)
                                                    : options.jmapMessageJson,
            true);
    }
    if (carriesMessage && options.includeRawMessage) {
        sink.key("rawMessage");
        sink.bytes(session.rawMessage); // base64 in JSON, a byte string in CBOR
    }
    sink.endObject();
}

void writeRequest(Sink &sink, const SessionRecording &session, int stageIndex,
    const Envelope &envelope, const RequestOptions &options)
{
    const SessionStage &stage = session.stages.at(stageIndex);
    if (options.dialect == Dialect::Stalwart)
        stalwartRequest(sink, session, stage, envelope, options);
    else
        draftRequest(sink, session, stage, envelope, options);
}

} // namespace

QString wireStageName(const SessionStage &stage)
{
    return stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName;
}

QByteArray jmapMessageJson(const QByteArray &raw)
{
    return Mime::jmapEmailJson(Mime::MimeDecoder::decode(raw), Mime::JmapOptions());
}

QByteArray stalwartMessageJson(const QByteArray &raw)
{
    return stalwartMessage(raw).toJson();
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
    if (options.dialect != Dialect::Stalwart && options.encoding == Encoding::Cbor) {
        CborSink sink;
        writeRequest(sink, session, stageIndex, envelope, options);
        return sink.take();
    }
    JsonSink sink;
    writeRequest(sink, session, stageIndex, envelope, options);
    return sink.take();
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

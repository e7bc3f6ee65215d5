// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/requestbuilder.h"

#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QVariantList>
#include <QVariantMap>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

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

QString defaultQueueId(const SessionRecording &session, bool hex)
{
    const QByteArray hash = QCryptographicHash::hash(
        (session.id + u'|' + session.envelope.from.address).toUtf8(), QCryptographicHash::Sha256);
    if (hex) // Stalwart: the 64-bit queue id in lower-case hex, no padding
        return QString::fromLatin1(hash.left(8).toHex()).remove(QRegularExpression(u"^0+"_s));
    return u"q-"_s + QString::fromLatin1(hash.left(6).toHex()).toUpper();
}

QVariantMap parametersMap(const Parameters &parameters)
{
    QVariantMap map;
    for (const auto &[key, value] : parameters)
        map.insert(key, value);
    return map;
}

// A QVariantMap sorts its keys; the drafts' documents read better in the order of the draft, so
// documents are assembled as ordered JSON text.
Document ordered(std::initializer_list<std::pair<const char *, Document>> members)
{
    QByteArray json = "{";
    bool first = true;
    for (const auto &[key, value] : members) {
        if (!value.isValid())
            continue;
        if (!first)
            json += ',';
        first = false;
        json += Document::fromString(QString::fromLatin1(key)).toJson() + ':' + value.toJson();
    }
    json += '}';
    return Document::fromJson(json);
}

Document fromMap(const QVariantMap &map)
{
    return Document::fromVariant(map);
}

Document stalwartRequest(const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const RequestOptions &options)
{
    const int position = stagePosition(stage.stage);
    const Document client = ordered({
        {"ip", Document::fromString(session.client.ip)},
        {"port", Document::fromInteger(session.client.port)},
        {"ptr",
            session.client.ptr.isEmpty() ? Document() : Document::fromString(session.client.ptr)},
        {"helo",
            position == 0 || session.client.ehlo.isEmpty()
                ? Document()
                : Document::fromString(session.client.ehlo)},
        {"activeConnections", Document::fromInteger(1)},
    });
    const bool authenticated = session.auth.present && position >= 3;
    const bool tls = session.tls.present && position >= 1;
    const Document context = ordered({
        {"stage",
            Document::fromString(
                stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName)},
        {"client", client},
        {"sasl",
            authenticated ? ordered({{"login", Document::fromString(session.auth.login)}})
                          : Document::invalid()},
        {"tls",
            tls ? ordered({{"version", Document::fromString(session.tls.version)},
                {"cipher", Document::fromString(session.tls.cipher)}})
                : Document::invalid()},
        {"server",
            ordered({{"name",
                         session.server.name.isEmpty() ? Document()
                                                       : Document::fromString(session.server.name)},
                {"port", Document::fromInteger(session.server.port)},
                {"ip",
                    session.server.ip.isEmpty() ? Document()
                                                : Document::fromString(session.server.ip)}})},
        {"queue",
            stage.stage == Stage::Data ? ordered({{"id",
                Document::fromString(
                    options.queueId.isEmpty() ? defaultQueueId(session, true) : options.queueId)}})
                                       : Document::invalid()},
        {"protocol", ordered({{"version", Document::fromInteger(1)}})},
    });
    Document envelopeDocument = Document::invalid();
    if (position >= 3 && envelope.present) {
        QVariantList to;
        for (const EnvelopeAddress &rcpt : envelope.to)
            to.append(QVariantMap {{u"address"_s, rcpt.address.toLower()}});
        envelopeDocument = ordered(
            {{"from",
                 ordered({{"address", Document::fromString(envelope.from.address.toLower())}})},
                {"to", Document::fromVariant(to)}});
    }
    return ordered({
        {"context", context},
        {"envelope", envelopeDocument},
        {"message",
            stage.stage == Stage::Data && session.hasMessage ? stalwartMessage(session.rawMessage)
                                                             : Document::invalid()},
    });
}

Document draftEnvelope(const Envelope &envelope, bool outbound)
{
    QVariantList to;
    for (const EnvelopeAddress &rcpt : envelope.to) {
        QVariantMap entry {
            {u"address"_s, rcpt.address}, {u"parameters"_s, parametersMap(rcpt.parameters)}};
        if (outbound) {
            entry.insert(u"status"_s, rcpt.status.isEmpty() ? u"pending"_s : rcpt.status);
            entry.insert(u"attempt"_s, rcpt.attempt);
            entry.insert(u"lastResponse"_s, QVariant::fromValue(nullptr));
            entry.insert(u"nextAttemptAt"_s, QVariant::fromValue(nullptr));
            entry.insert(u"nextDsnAt"_s, QVariant::fromValue(nullptr));
            entry.insert(u"queueName"_s, u"remote"_s);
        }
        to.append(entry);
    }
    return ordered({
        {"from",
            ordered({{"address",
                         envelope.from.isNullSender ? Document()
                                                    : Document::fromString(envelope.from.address)},
                {"parameters", fromMap(parametersMap(envelope.from.parameters))}})},
        {"to", Document::fromVariant(to)},
    });
}

Document draftRequest(const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const RequestOptions &options)
{
    const int position = stagePosition(stage.stage);
    const bool outbound = stageDirection(stage.stage) == Direction::Outbound;
    const QDateTime timestamp
        = options.timestamp.isValid() ? options.timestamp : QDateTime::currentDateTimeUtc();
    const SmtpReply reply = defaultReply(Dialect::Draft01, stage.stage, Action::Accept);
    const bool carriesMessage = session.hasMessage
        && (stage.stage == Stage::Data || stage.stage == Stage::Dsn
            || stage.stage == Stage::Delivery || stage.stage == Stage::Defer
            || stage.stage == Stage::Route);
    Document message = Document::invalid();
    if (carriesMessage && options.includeJmapMessage) {
        const Mime::MimeMessage decoded = Mime::MimeDecoder::decode(session.rawMessage);
        Mime::JmapOptions jmap;
        message = Document::fromJson(Mime::jmapEmailJson(decoded, jmap));
    }
    Document raw = Document::invalid();
    if (carriesMessage && options.includeRawMessage)
        raw = options.encoding == Encoding::Cbor
            ? Document::fromBytes(session.rawMessage)
            : Document::fromString(QString::fromLatin1(session.rawMessage.toBase64()));
    const QString queueId
        = options.queueId.isEmpty() ? defaultQueueId(session, false) : options.queueId;
    return ordered({
        {"stage",
            Document::fromString(
                stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName)},
        {"action", Document::fromString(outbound ? u"continue"_s : u"accept"_s)},
        {"timestamp", Document::fromString(timestamp.toUTC().toString(Qt::ISODate))},
        {"response",
            outbound
                ? Document::invalid()
                : ordered({{"code", Document::fromInteger(reply.code)},
                    {"enhancedCode",
                        reply.enhancedCode.isEmpty() ? Document()
                                                     : Document::fromString(reply.enhancedCode)},
                    {"message", Document::fromString(reply.message)}})},
        {"protocol", ordered({{"version", Document::fromString(u"1.0"_s)}})},
        {"queue",
            position >= 5 ? (outbound ? ordered({{"id", Document::fromString(queueId)},
                                 {"expiresAt", Document()}, {"attempts", Document::fromInteger(1)}})
                                      : ordered({{"id", Document::fromString(queueId)}}))
                          : Document::invalid()},
        {"server",
            ordered({{"name", Document::fromString(session.server.name)},
                {"ip", Document::fromString(session.server.ip)},
                {"port", Document::fromInteger(session.server.port)}})},
        {"client",
            outbound
                ? Document::invalid()
                : ordered({{"ip", Document::fromString(session.client.ip)},
                    {"port", Document::fromInteger(session.client.port)},
                    {"ptr",
                        session.client.ptr.isEmpty() ? Document()
                                                     : Document::fromString(session.client.ptr)},
                    {"ehlo", Document::fromString(position == 0 ? QString() : session.client.ehlo)},
                    {"asn", Document()}, {"country", Document()},
                    {"activeConnections", Document::fromInteger(1)}})},
        {"tls",
            outbound ? Document::invalid()
                     : (session.tls.present && position >= 1 ? ordered(
                            {{"version", Document::fromString(session.tls.version)},
                                {"cipher", Document::fromString(session.tls.cipher)},
                                {"cipherBits",
                                    Document::fromInteger(
                                        session.tls.cipherBits > 0 ? session.tls.cipherBits : 256)},
                                {"certIssuer", Document()}, {"certSubject", Document()}})
                                                             : Document())},
        {"auth",
            outbound ? Document::invalid()
                     : (session.auth.present && position >= 3
                             ? ordered({{"login", Document::fromString(session.auth.login)},
                                 {"method",
                                     Document::fromString(session.auth.method.isEmpty()
                                             ? u"PLAIN"_s
                                             : session.auth.method)}})
                             : Document())},
        {"envelope",
            position >= 3 && envelope.present ? draftEnvelope(envelope, outbound)
                                              : Document::invalid()},
        {"message", message},
        {"rawMessage", raw},
    });
}

} // namespace

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

Document buildRequest(const SessionRecording &session, int stageIndex, const Envelope &envelope,
    const RequestOptions &options)
{
    if (stageIndex < 0 || stageIndex >= session.stages.size())
        return Document::invalid();
    const SessionStage &stage = session.stages.at(stageIndex);
    if (options.dialect == Dialect::Stalwart)
        return stalwartRequest(session, stage, envelope, options);
    return draftRequest(session, stage, envelope, options);
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

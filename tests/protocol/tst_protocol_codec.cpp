// SPDX-License-Identifier: GPL-3.0-or-later
// Every stage of every dialect decoded to the right facts, raw messages rebuilt byte-exactly, and
// JSON/CBOR round trips.
#include "tests/protocol/protocoltest.h"

#include <QDirIterator>
#include <QTest>
#include <QVariantMap>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

namespace {

QStringList jsonFixtures()
{
    QStringList result;
    QDirIterator it(TestSupport::dataPath(u"protocol"_s), {u"*.json"_s}, QDir::Files,
        QDirIterator::Subdirectories);
    const QString root = TestSupport::dataPath(u"protocol/"_s);
    while (it.hasNext())
        result << it.next().mid(root.size());
    result.sort();
    return result;
}

// The same document with rawMessage as a CBOR byte string instead of base64 text.
QByteArray withBinaryRawMessage(const QByteArray &json)
{
    const Document document = Document::fromJson(json);
    QVariantMap map = document.toVariant().toMap();
    map.insert(u"rawMessage"_s, document.value(u"/rawMessage").toBytes());
    return Document::fromVariant(map).toCbor();
}

using Recipients = QList<std::pair<QString, QString>>; // address, status

Recipients recipientsOf(const Envelope &envelope)
{
    Recipients result;
    for (const EnvelopeAddress &address : envelope.to)
        result.append({address.address, address.status});
    return result;
}

} // namespace

class TestProtocolCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesStage_data();
    void decodesStage();
    void decodesClient_data();
    void decodesClient();
    void decodesTlsAndAuth_data();
    void decodesTlsAndAuth();
    void decodesEnvelope_data();
    void decodesEnvelope();
    void decodesParameters();
    void decodesDraftState_data();
    void decodesDraftState();
    void rebuildsRawMessage_data();
    void rebuildsRawMessage();
    void stalwartRebuildIsNotColonSpace();
    void jmapWithoutHeadersIsReported();
    void toleratesByteOrderMark_data();
    void toleratesByteOrderMark();
    void reportsScalarBodies();
    void base64Flavours_data();
    void base64Flavours();
    void rejectsUndecodableRequests_data();
    void rejectsUndecodableRequests();
    void roundTripsJsonCbor_data();
    void roundTripsJsonCbor();
    void cborRequestGivesSameFacts_data();
    void cborRequestGivesSameFacts();
    void cborByteStringRawMessage_data();
    void cborByteStringRawMessage();
    void stalwartIsJsonOnly();
    void decodesStalwartResponse();
    void decodesStalwartModifications();
    void decodesDraft01Operations();
    void decodesDraft02Operations();
    void httpStatusAndEmptyBodies_data();
    void httpStatusAndEmptyBodies();
    void cborResponse_data();
    void cborResponse();
};

void TestProtocolCodec::decodesStage_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<Direction>("direction");
    QTest::addColumn<bool>("hasMessage");
    const std::pair<const char *, Stage> stalwart[]
        = {{"connect", Stage::Connect}, {"ehlo", Stage::Ehlo}, {"mail", Stage::Mail},
            {"rcpt", Stage::Rcpt}, {"data", Stage::Data}, {"data-submission", Stage::Data}};
    for (const auto &[name, stage] : stalwart) {
        const QString fixture = u"stalwart/req-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << fixture << Dialect::Stalwart << stage
                                                 << Direction::Inbound << (stage == Stage::Data);
    }
    const std::tuple<const char *, Stage, Direction, bool> drafts[] = {
        {"connect", Stage::Connect, Direction::Inbound, false},
        {"ehlo", Stage::Ehlo, Direction::Inbound, false},
        {"mail", Stage::Mail, Direction::Inbound, false},
        {"rcpt", Stage::Rcpt, Direction::Inbound, false},
        {"data", Stage::Data, Direction::Inbound, true},
        {"data-jmap-only", Stage::Data, Direction::Inbound, true},
        {"data-submission", Stage::Data, Direction::Inbound, true},
        {"delivery", Stage::Delivery, Direction::Outbound, true},
        {"defer", Stage::Defer, Direction::Outbound, true},
        {"dsn", Stage::Dsn, Direction::Outbound, true},
        {"route", Stage::Route, Direction::Outbound, false},
    };
    for (const auto &[name, stage, direction, message] : drafts) {
        const QString fixture = u"draft01/req-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture))
            << fixture << Dialect::Draft01 << stage << direction << message;
    }
}

void TestProtocolCodec::decodesStage()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(Direction, direction);
    QFETCH(bool, hasMessage);
    const HookRequest decoded = request(fixture);
    QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.encoding, Encoding::Json);
    QCOMPARE(decoded.dialect, dialect);
    QCOMPARE(decoded.stage, stage);
    QCOMPARE(decoded.stageName, stageName(stage));
    QCOMPARE(decoded.direction(), direction);
    QCOMPARE(decoded.hasMessage, hasMessage);
}

void TestProtocolCodec::decodesClient_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("ip");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("ptr");
    QTest::addColumn<QString>("ehlo");
    QTest::addColumn<qint64>("asn");
    QTest::addColumn<QString>("country");
    QTest::addColumn<QString>("serverName");
    QTest::addColumn<int>("serverPort");
    const QString ip = u"192.0.2.44"_s;
    const QString host = u"mail.example.net"_s;
    const QString stalwart = u"Stalwart v0.16.19"_s;
    // Stalwart: ptr and helo are null before they are known; the EHLO key is "helo".
    QTest::addRow("stalwart/req-connect.json")
        << u"stalwart/req-connect.json"_s << ip << 53310 << QString() << QString() << qint64(0)
        << QString() << stalwart << 25;
    QTest::addRow("stalwart/req-ehlo.json") << u"stalwart/req-ehlo.json"_s << ip << 53310 << host
                                            << host << qint64(0) << QString() << stalwart << 25;
    QTest::addRow("stalwart/req-data-submission.json")
        << u"stalwart/req-data-submission.json"_s << ip << 61544 << QString() << u"[192.0.2.44]"_s
        << qint64(0) << QString() << stalwart << 587;
    const QString mx = u"mx.example.com"_s;
    QTest::addRow("draft01/req-connect.json")
        << u"draft01/req-connect.json"_s << ip << 53310 << host << QString() << qint64(0)
        << QString() << mx << 25;
    QTest::addRow("draft01/req-ehlo.json") << u"draft01/req-ehlo.json"_s << ip << 53310 << host
                                           << host << qint64(64496) << u"DE"_s << mx << 25;
    QTest::addRow("draft01/req-data-submission.json")
        << u"draft01/req-data-submission.json"_s << ip << 53310 << QString() << u"[192.0.2.44]"_s
        << qint64(0) << QString() << mx << 587;
    QTest::addRow("draft01/req-delivery.json")
        << u"draft01/req-delivery.json"_s << QString() << 0 << QString() << QString() << qint64(0)
        << QString() << u"out.example.com"_s << 25;
}

void TestProtocolCodec::decodesClient()
{
    QFETCH(QString, fixture);
    QFETCH(QString, ip);
    QFETCH(int, port);
    QFETCH(QString, ptr);
    QFETCH(QString, ehlo);
    QFETCH(qint64, asn);
    QFETCH(QString, country);
    QFETCH(QString, serverName);
    QFETCH(int, serverPort);
    const HookRequest decoded = request(fixture);
    QCOMPARE(decoded.client.ip, ip);
    QCOMPARE(decoded.client.port, port);
    QCOMPARE(decoded.client.ptr, ptr);
    QCOMPARE(decoded.client.ehlo, ehlo);
    QCOMPARE(decoded.client.asn, asn);
    QCOMPARE(decoded.client.country, country);
    QCOMPARE(decoded.server.name, serverName);
    QCOMPARE(decoded.server.port, serverPort);
    QVERIFY(decoded.server.ip.startsWith(u"198.51.100."_s));
}

void TestProtocolCodec::decodesTlsAndAuth_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("cipherBits");
    QTest::addColumn<bool>("auth");
    QTest::addColumn<QString>("login");
    QTest::addColumn<QString>("method");
    QTest::addRow("stalwart/req-ehlo.json") << u"stalwart/req-ehlo.json"_s << false << QString()
                                            << 0 << false << QString() << QString();
    QTest::addRow("stalwart/req-mail.json")
        << u"stalwart/req-mail.json"_s << true << u"TLS13_AES_128_GCM_SHA256"_s << 0 << false
        << QString() << QString();
    // Stalwart sends {login} only, never the method.
    QTest::addRow("stalwart/req-data-submission.json")
        << u"stalwart/req-data-submission.json"_s << true << u"TLS13_CHACHA20_POLY1305_SHA256"_s
        << 0 << true << u"carol"_s << QString();
    QTest::addRow("draft01/req-ehlo.json")
        << u"draft01/req-ehlo.json"_s << false << QString() << 0 << false << QString() << QString();
    // "auth": null is no authentication.
    QTest::addRow("draft01/req-data.json")
        << u"draft01/req-data.json"_s << true << u"TLS_AES_128_GCM_SHA256"_s << 128 << false
        << QString() << QString();
    QTest::addRow("draft01/req-data-submission.json")
        << u"draft01/req-data-submission.json"_s << true << u"TLS_AES_128_GCM_SHA256"_s << 128
        << true << u"carol"_s << u"PLAIN"_s;
}

void TestProtocolCodec::decodesTlsAndAuth()
{
    QFETCH(QString, fixture);
    QFETCH(bool, tls);
    QFETCH(QString, cipher);
    QFETCH(int, cipherBits);
    QFETCH(bool, auth);
    QFETCH(QString, login);
    QFETCH(QString, method);
    const HookRequest decoded = request(fixture);
    QCOMPARE(decoded.tls.present, tls);
    QCOMPARE(decoded.tls.version, tls ? u"TLSv1.3"_s : QString());
    QCOMPARE(decoded.tls.cipher, cipher);
    QCOMPARE(decoded.tls.cipherBits, cipherBits);
    QCOMPARE(decoded.tls.certIssuer, QString());
    QCOMPARE(decoded.auth.present, auth);
    QCOMPARE(decoded.auth.login, login);
    QCOMPARE(decoded.auth.method, method);
}

void TestProtocolCodec::decodesEnvelope_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<bool>("present");
    QTest::addColumn<QString>("from");
    QTest::addColumn<bool>("nullSender");
    QTest::addColumn<Recipients>("recipients");
    QTest::addColumn<QString>("queueId");
    const QString carol = u"carol@example.net"_s;
    const std::pair<QString, QString> dave {u"dave@example.com"_s, QString()};
    const std::pair<QString, QString> erin {u"erin@example.com"_s, QString()};
    QTest::addRow("stalwart/req-ehlo.json")
        << u"stalwart/req-ehlo.json"_s << false << QString() << false << Recipients() << QString();
    QTest::addRow("stalwart/req-mail.json")
        << u"stalwart/req-mail.json"_s << true << carol << false << Recipients() << QString();
    // At rcpt the recipient being checked is the last one.
    QTest::addRow("stalwart/req-rcpt.json") << u"stalwart/req-rcpt.json"_s << true << carol << false
                                            << Recipients {dave, erin} << QString();
    QTest::addRow("stalwart/req-data.json") << u"stalwart/req-data.json"_s << true << carol << false
                                            << Recipients {dave, erin} << u"1a2b3c4d5e6f708"_s;
    // Stalwart's null sender is the empty string, the drafts' is null.
    QTest::addRow("stalwart/req-data-submission.json")
        << u"stalwart/req-data-submission.json"_s << true << QString() << false
        << Recipients {{u"frank@example.org"_s, QString()}} << u"1a2b3c4d5e6f709"_s;
    QTest::addRow("draft01/req-connect.json") << u"draft01/req-connect.json"_s << false << QString()
                                              << false << Recipients() << QString();
    QTest::addRow("draft01/req-mail.json")
        << u"draft01/req-mail.json"_s << true << carol << false << Recipients() << QString();
    QTest::addRow("draft01/req-rcpt.json") << u"draft01/req-rcpt.json"_s << true << carol << false
                                           << Recipients {dave, erin} << QString();
    QTest::addRow("draft01/req-data.json") << u"draft01/req-data.json"_s << true << carol << false
                                           << Recipients {dave, erin} << u"q3-8812"_s;
    QTest::addRow("draft01/req-data-submission.json")
        << u"draft01/req-data-submission.json"_s << true << QString() << true
        << Recipients {{u"frank@example.org"_s, QString()}} << u"q3-8812"_s;
    QTest::addRow("draft01/req-delivery.json")
        << u"draft01/req-delivery.json"_s << true << carol << false
        << Recipients {{u"dave@example.com"_s, u"delivered"_s},
               {u"erin@example.com"_s, u"deferred"_s}, {u"grace@example.org"_s, u"failed"_s}}
        << u"q3-8812"_s;
    QTest::addRow("draft01/req-defer.json")
        << u"draft01/req-defer.json"_s << true << carol << false
        << Recipients {{u"erin@example.com"_s, u"deferred"_s}} << u"q3-8812"_s;
    QTest::addRow("draft01/req-dsn.json")
        << u"draft01/req-dsn.json"_s << true << carol << false
        << Recipients {{u"grace@example.org"_s, u"failed"_s}} << u"q3-8812"_s;
    QTest::addRow("draft01/req-route.json")
        << u"draft01/req-route.json"_s << true << carol << false
        << Recipients {{u"dave@example.com"_s, u"pending"_s}, {u"erin@example.com"_s, u"pending"_s}}
        << u"q3-8812"_s;
}

void TestProtocolCodec::decodesEnvelope()
{
    QFETCH(QString, fixture);
    QFETCH(bool, present);
    QFETCH(QString, from);
    QFETCH(bool, nullSender);
    QFETCH(Recipients, recipients);
    QFETCH(QString, queueId);
    const HookRequest decoded = request(fixture);
    QCOMPARE(decoded.envelope.present, present);
    QCOMPARE(decoded.envelope.from.address, from);
    QCOMPARE(decoded.envelope.from.isNullSender, nullSender);
    QCOMPARE(recipientsOf(decoded.envelope), recipients);
    QCOMPARE(decoded.queueId, queueId);
}

void TestProtocolCodec::decodesParameters()
{
    const HookRequest rcpt = request(u"draft01/req-rcpt.json"_s);
    QCOMPARE(rcpt.envelope.from.parameters,
        (Parameters {{u"SIZE"_s, u"512"_s}, {u"BODY"_s, u"8BITMIME"_s}}));
    QCOMPARE(rcpt.envelope.to.size(), 2);
    QVERIFY(rcpt.envelope.to[0].parameters.isEmpty());
    QCOMPARE(rcpt.envelope.to[1].parameters,
        (Parameters {
            {u"NOTIFY"_s, u"SUCCESS,FAILURE"_s}, {u"ORCPT"_s, u"rfc822;erin@example.com"_s}}));
    const HookRequest defer = request(u"draft01/req-defer.json"_s);
    QCOMPARE(defer.envelope.to.value(0).attempt, 2);
    QCOMPARE(defer.envelope.from.parameters, (Parameters {{u"ENVID"_s, u"q3-77"_s}}));
    // Stalwart never sends parameters.
    const HookRequest stalwart = request(u"stalwart/req-rcpt.json"_s);
    QVERIFY(stalwart.envelope.from.parameters.isEmpty());
}

void TestProtocolCodec::decodesDraftState_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Action>("action");
    QTest::addColumn<SmtpReply>("reply");
    QTest::addColumn<QString>("timestamp");
    QTest::addRow("draft01/req-connect.json")
        << u"draft01/req-connect.json"_s << Action::Accept
        << SmtpReply {220, QString(), u"mx.example.com ESMTP"_s} << u"2026-10-01T16:20:01Z"_s;
    QTest::addRow("draft01/req-rcpt.json")
        << u"draft01/req-rcpt.json"_s << Action::Accept << SmtpReply {250, u"2.1.5"_s, u"OK"_s}
        << u"2026-10-01T16:20:04Z"_s;
    QTest::addRow("draft01/req-data-quarantined.json")
        << u"draft01/req-data-quarantined.json"_s << Action::Quarantine
        << SmtpReply {250, u"2.0.0"_s, u"Queued as q3-8812"_s} << u"2026-10-01T16:20:06Z"_s;
    QTest::addRow("draft01/req-delivery.json") << u"draft01/req-delivery.json"_s << Action::Continue
                                               << SmtpReply() << u"2026-10-01T16:21:00Z"_s;
    // Stalwart sends neither a default action nor a reply.
    QTest::addRow("stalwart/req-data.json")
        << u"stalwart/req-data.json"_s << Action::None << SmtpReply() << QString();
}

void TestProtocolCodec::decodesDraftState()
{
    QFETCH(QString, fixture);
    QFETCH(Action, action);
    QFETCH(SmtpReply, reply);
    QFETCH(QString, timestamp);
    const HookRequest decoded = request(fixture);
    QCOMPARE(decoded.action, action);
    QCOMPARE(decoded.reply, reply);
    QCOMPARE(decoded.timestamp, timestamp);
}

void TestProtocolCodec::rebuildsRawMessage_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<qint64>("declaredSize");
    // Stalwart: name ":" value per header (values keep the space and CRLF), CRLF, contents.
    QTest::addRow("stalwart/req-data.json")
        << u"stalwart/req-data.json"_s << u"stalwart/req-data.eml"_s << qint64(402);
    // The U+FFFD substitution makes the rebuilt message (126 bytes) longer than the declared
    // size: two one-byte Latin-1 characters became three-byte U+FFFD.
    QTest::addRow("stalwart/req-data-submission.json")
        << u"stalwart/req-data-submission.json"_s << u"stalwart/req-data-submission.eml"_s
        << qint64(126 - 2 * 2);
    QTest::addRow("draft01/req-data.json")
        << u"draft01/req-data.json"_s << u"draft01/req-data.eml"_s << qint64(335);
    // Without rawMessage, a single-part JMAP message is rebuilt from its raw header values.
    QTest::addRow("draft01/req-data-jmap-only.json")
        << u"draft01/req-data-jmap-only.json"_s << u"draft01/req-data.eml"_s << qint64(335);
    QTest::addRow("draft01/req-dsn.json")
        << u"draft01/req-dsn.json"_s << u"draft01/req-dsn.eml"_s << qint64(-1);
}

void TestProtocolCodec::rebuildsRawMessage()
{
    QFETCH(QString, fixture);
    QFETCH(QString, expected);
    QFETCH(qint64, declaredSize);
    const QByteArray eml = ProtocolTest::fixture(expected);
    const HookRequest decoded = request(fixture);
    QVERIFY(decoded.hasMessage);
    QCOMPARE(decoded.rawMessage, eml);
    QCOMPARE(decoded.declaredSize, declaredSize);
    if (decoded.dialect == Dialect::Stalwart)
        QCOMPARE(stalwartRawMessage(decoded.document), eml);
    if (fixture.endsWith(u"req-data.json"_s))
        QCOMPARE(qint64(eml.size()), declaredSize);
}

void TestProtocolCodec::stalwartRebuildIsNotColonSpace()
{
    // The trap several scanners fall into: inserting ": " and another CRLF.
    const QByteArray raw = request(u"stalwart/req-data.json"_s).rawMessage;
    QVERIFY(raw.startsWith("From: Carol <carol@example.net>\r\nTo: dave@example.com,\r\n erin"));
    QVERIFY(raw.contains("\r\nX-Tag:no-space-after-colon\r\n"));
    QVERIFY(!raw.contains("From:  Carol"));
    QVERIFY(!raw.contains("\r\n\r\nTo:"));
}

void TestProtocolCodec::jmapWithoutHeadersIsReported()
{
    // The delivery stage carries JMAP metadata only: there is a message, but no raw form of it.
    const HookRequest decoded = request(u"draft01/req-delivery.json"_s);
    QVERIFY(decoded.hasMessage);
    QVERIFY(decoded.rawMessage.isEmpty());
    QCOMPARE(decoded.declaredSize, qint64(335));
    QVERIFY2(hasProblem(decoded.problems, u"/message"_s, Severity::Info),
        qPrintable(describe(decoded.problems)));
}

void TestProtocolCodec::toleratesByteOrderMark_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addRow("labelled") << "application/json"_ba;
    QTest::addRow("sniffed") << QByteArray();
}

void TestProtocolCodec::toleratesByteOrderMark()
{
    // RFC 8259 §8.1: senders must not add a BOM, parsers may ignore it.
    QFETCH(QByteArray, contentType);
    const QByteArray body = "\xEF\xBB\xBF"_ba + fixture(u"draft01/req-rcpt.json"_s);
    QCOMPARE(sniffEncoding(body), Encoding::Json);
    const HookRequest decoded = decodeRequest(body, contentType);
    QVERIFY2(decoded.isDecoded(), qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.stage, Stage::Rcpt);
    QVERIFY2(hasProblem(decoded.problems, QString(), Severity::Warning),
        qPrintable(describe(decoded.problems)));
    QVERIFY(!hasErrors(decoded.problems));
    const HookResponse answer
        = decodeResponse("\xEF\xBB\xBF{\"action\":\"accept\"}"_ba, contentType);
    QCOMPARE(answer.dialect, Dialect::Stalwart);
    QVERIFY(!answer.malformed);
}

void TestProtocolCodec::reportsScalarBodies()
{
    // Valid JSON, but no document: the complaint says so instead of "not valid JSON".
    for (const QByteArray &contentType : {QByteArray(), "application/json"_ba}) {
        const HookRequest decoded = decodeRequest("42", contentType);
        QCOMPARE(decoded.encoding, Encoding::Json);
        QVERIFY(decoded.document.isValid());
        QCOMPARE(decoded.problems.size(), 1);
        QVERIFY2(decoded.problems.first().message.contains(u"object"_s),
            qPrintable(describe(decoded.problems)));
        const HookResponse answer = decodeResponse("\"accept\"", contentType);
        QVERIFY(answer.malformed);
        QVERIFY2(!answer.problems.first().message.contains(u"not valid"_s),
            qPrintable(describe(answer.problems)));
    }
}

void TestProtocolCodec::base64Flavours_data()
{
    QTest::addColumn<QByteArray>("encoded");
    QTest::addColumn<Severity>("severity"); // of the /rawMessage problem; Info = none
    QTest::addColumn<bool>("decodes");
    const QByteArray eml = fixture(u"draft01/req-dsn.eml"_s);
    const QByteArray canonical = eml.toBase64();
    QByteArray wrapped;
    for (qsizetype i = 0; i < canonical.size(); i += 76)
        wrapped += canonical.mid(i, 76) + "\\r\\n"; // a JSON escape inside the string
    QTest::addRow("canonical") << canonical << Severity::Info << true;
    // Open question §f.14: MIME-style line breaks decode, with a warning (rspamd refuses them).
    QTest::addRow("line-breaks") << wrapped << Severity::Warning << true;
    QTest::addRow("url-alphabet") << QByteArray("Zm9v-_8=") << Severity::Error << false;
    QTest::addRow("garbage") << QByteArray("R*nJvb") << Severity::Error << false;
}

void TestProtocolCodec::base64Flavours()
{
    QFETCH(QByteArray, encoded);
    QFETCH(Severity, severity);
    QFETCH(bool, decodes);
    QByteArray body = Document::fromJson(fixture(u"draft01/req-dsn.json"_s)).toJson();
    const QByteArray canonical = fixture(u"draft01/req-dsn.eml"_s).toBase64();
    QVERIFY(body.contains(canonical));
    body.replace(canonical, encoded);
    const HookRequest decoded = decodeRequest(body, "application/json");
    if (severity == Severity::Info)
        QVERIFY2(decoded.problems.isEmpty(), qPrintable(describe(decoded.problems)));
    else
        QVERIFY2(hasProblem(decoded.problems, u"/rawMessage"_s, severity),
            qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.rawMessage == fixture(u"draft01/req-dsn.eml"_s), decodes);
    // The answer's /rawMessage follows the same rule.
    const HookResponse answer
        = response(R"({"set":[{"path":"/rawMessage","value":")" + encoded + R"("}]})", decoded);
    QCOMPARE(answer.malformed, !decodes);
    if (decodes)
        QCOMPARE(apply(decoded, answer).message, fixture(u"draft01/req-dsn.eml"_s));
}

void TestProtocolCodec::rejectsUndecodableRequests_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("documentValid");
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("blank") << "\r\n  "_ba << false;
    QTest::addRow("truncated") << R"({"stage":"data",)"_ba << false;
    QTest::addRow("array") << R"([{"stage":"data"}])"_ba << true;
    QTest::addRow("no-dialect") << R"({"hello":"world"})"_ba << true;
}

void TestProtocolCodec::rejectsUndecodableRequests()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, documentValid);
    const HookRequest decoded = decodeRequest(body, "application/json");
    QVERIFY(!decoded.isDecoded());
    QCOMPARE(decoded.document.isValid(), documentValid);
    QCOMPARE(decoded.dialect, Dialect::Unknown);
    QVERIFY2(hasProblem(decoded.problems, QString(), Severity::Error),
        qPrintable(describe(decoded.problems)));
    // Nothing to apply to.
    const Outcome outcome = apply(decoded, HookResponse());
    QVERIFY(outcome.malformed);
}

void TestProtocolCodec::roundTripsJsonCbor_data()
{
    QTest::addColumn<QString>("fixture");
    for (const QString &fixture : jsonFixtures())
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
}

void TestProtocolCodec::roundTripsJsonCbor()
{
    QFETCH(QString, fixture);
    const Document json = Document::fromJson(ProtocolTest::fixture(fixture));
    QVERIFY(json.isValid());
    const QByteArray compact = json.toJson();
    // JSON -> JSON keeps member order and values.
    QCOMPARE(Document::fromJson(compact).toJson(), compact);
    // JSON -> CBOR -> JSON is identical text, member order included.
    const QByteArray cbor = json.toCbor();
    QVERIFY(!cbor.isEmpty());
    const Document back = Document::fromCbor(cbor);
    QVERIFY(back.isValid());
    QCOMPARE(back, json);
    QCOMPARE(back.toJson(), compact);
    QCOMPARE(back.keys(), json.keys());
    // And CBOR -> CBOR is stable.
    QCOMPARE(back.toCbor(), cbor);
}

void TestProtocolCodec::cborRequestGivesSameFacts_data()
{
    QTest::addColumn<QString>("fixture");
    for (const char *stage : {"connect", "ehlo", "mail", "rcpt", "data", "data-submission",
             "delivery", "defer", "dsn", "route"}) {
        const QString fixture = u"draft01/req-%1.json"_s.arg(QLatin1String(stage));
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
    }
}

void TestProtocolCodec::cborRequestGivesSameFacts()
{
    QFETCH(QString, fixture);
    const HookRequest json = request(fixture);
    const QByteArray cbor = json.document.toCbor();
    const HookRequest fromCbor = decodeRequest(cbor, "application/cbor");
    QCOMPARE(fromCbor.encoding, Encoding::Cbor);
    QCOMPARE(fromCbor.dialect, json.dialect);
    QCOMPARE(fromCbor.document, json.document);
    QCOMPARE(fromCbor.stage, json.stage);
    QCOMPARE(fromCbor.action, json.action);
    QCOMPARE(fromCbor.reply, json.reply);
    QCOMPARE(fromCbor.envelope, json.envelope);
    QCOMPARE(fromCbor.client.ehlo, json.client.ehlo);
    QCOMPARE(fromCbor.queueId, json.queueId);
    QCOMPARE(fromCbor.hasMessage, json.hasMessage);
    QCOMPARE(fromCbor.rawMessage, json.rawMessage);
    QCOMPARE(fromCbor.problems, json.problems);
    // Sniffed without a content type as well.
    QCOMPARE(decodeRequest(cbor).encoding, Encoding::Cbor);
}

void TestProtocolCodec::cborByteStringRawMessage_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("eml");
    QTest::addRow("draft01/req-data.json")
        << u"draft01/req-data.json"_s << u"draft01/req-data.eml"_s;
    QTest::addRow("draft01/req-dsn.json") << u"draft01/req-dsn.json"_s << u"draft01/req-dsn.eml"_s;
}

void TestProtocolCodec::cborByteStringRawMessage()
{
    QFETCH(QString, fixture);
    QFETCH(QString, eml);
    const QByteArray cbor = withBinaryRawMessage(ProtocolTest::fixture(fixture));
    // The CBOR really carries a byte string, not base64 text.
    const Document document = Document::fromCbor(cbor);
    QVERIFY(document.value(u"/rawMessage").isBinary());
    QVERIFY(!cbor.contains(ProtocolTest::fixture(eml).toBase64().left(40)));

    const HookRequest fromCbor = decodeRequest(cbor, "application/cbor");
    const HookRequest fromJson = request(fixture);
    QVERIFY2(!hasErrors(fromCbor.problems), qPrintable(describe(fromCbor.problems)));
    QCOMPARE(fromCbor.rawMessage, ProtocolTest::fixture(eml));
    QCOMPARE(fromCbor.rawMessage, fromJson.rawMessage);
    // In JSON the byte string is base64 text again, and decodes to the same bytes.
    const QByteArray json = document.toJson();
    QVERIFY(json.contains(ProtocolTest::fixture(eml).toBase64()));
    QCOMPARE(decodeRequest(json, "application/json").rawMessage, fromJson.rawMessage);
}

void TestProtocolCodec::stalwartIsJsonOnly()
{
    const QByteArray cbor = request(u"stalwart/req-data.json"_s).document.toCbor();
    const HookRequest decoded = decodeRequest(cbor, "application/cbor");
    QCOMPARE(decoded.dialect, Dialect::Stalwart);
    QCOMPARE(decoded.stage, Stage::Data);
    QVERIFY2(hasProblem(decoded.problems, QString(), Severity::Error),
        qPrintable(describe(decoded.problems)));
}

void TestProtocolCodec::decodesStalwartResponse()
{
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    const HookResponse custom = response(u"stalwart/resp-reject-custom.json"_s, data);
    QCOMPARE(custom.dialect, Dialect::Stalwart);
    QVERIFY(!custom.malformed);
    QCOMPARE(custom.action, Action::Reject);
    QCOMPARE(custom.status, std::optional<int>(550));
    QCOMPARE(custom.enhancedStatus, std::optional<QString>(u"5.7.1"_s));
    QCOMPARE(custom.replyMessage, std::optional<QString>(u"Quarterly reports must be encrypted"_s));
    QCOMPARE(custom.disconnect, false);

    // "enhancedStatus" is not Stalwart's key: the enhanced code is lost.
    const HookResponse camel = response(u"stalwart/resp-enhancedStatus.json"_s, data);
    QVERIFY(!camel.malformed);
    QCOMPARE(camel.enhancedStatus, std::nullopt);
    QCOMPARE(camel.status, std::optional<int>(550));

    const HookResponse disconnect = response(u"stalwart/resp-disconnect-true.json"_s, data);
    QCOMPARE(disconnect.disconnect, true);
    const HookResponse nullReply = response(u"stalwart/resp-response-null.json"_s, data);
    QVERIFY(!nullReply.malformed);
    QCOMPARE(nullReply.status, std::nullopt);
}

void TestProtocolCodec::decodesStalwartModifications()
{
    using Type = StalwartModification::Type;
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    const HookResponse decoded = response(u"stalwart/resp-modifications.json"_s, data);
    QVERIFY2(!decoded.malformed, qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.action, Action::Accept);
    QCOMPARE(decoded.modifications.size(), 8);
    const QList<Type> types {Type::AddHeader, Type::InsertHeader, Type::ChangeHeader,
        Type::DeleteHeader, Type::ChangeFrom, Type::AddRecipient, Type::DeleteRecipient,
        Type::ReplaceContents};
    for (qsizetype i = 0; i < types.size(); ++i) {
        QCOMPARE(decoded.modifications[i].type, types[i]);
        QCOMPARE(decoded.modifications[i].pointer, u"/modifications/%1"_s.arg(i));
        QCOMPARE(modificationTypeFromName(modificationTypeName(types[i])), types[i]);
    }
    QCOMPARE(decoded.modifications[1].index, 2);
    QCOMPARE(decoded.modifications[1].name, u"References"_s);
    QCOMPARE(decoded.modifications[3].index, 1);
    QCOMPARE(decoded.modifications[3].value, QString());
    QCOMPARE(decoded.modifications[4].value, u"<Bounces@Example.NET>"_s);
    using Parameter = std::pair<QString, std::optional<QString>>;
    QCOMPARE(decoded.modifications[4].parameters,
        (QList<Parameter> {{u"RET"_s, u"HDRS"_s}, {u"ENVID"_s, u"q3-77"_s}}));
    // A null parameter value is allowed (a keyword without value).
    QCOMPARE(decoded.modifications[5].parameters,
        (QList<Parameter> {{u"NOTIFY"_s, u"NEVER"_s}, {u"ORCPT"_s, std::nullopt}}));
    QCOMPARE(decoded.modifications[7].value, u"Numbers withheld.\r\n"_s);
    QCOMPARE(modificationTypeFromName(u"addRcpt"), std::nullopt);
}

void TestProtocolCodec::decodesDraft01Operations()
{
    using Op = PatchOperation::Op;
    const HookRequest data = request(u"draft01/req-data.json"_s);
    // The document lists delete, add, set; the operations come out set, add, delete.
    const HookResponse ordering = response(u"draft01/resp-ordering.json"_s, data);
    QVERIFY2(!ordering.malformed, qPrintable(describe(ordering.problems)));
    QCOMPARE(ordering.dialect, Dialect::Draft01);
    QCOMPARE(ordering.operations.size(), 3);
    QCOMPARE(ordering.operations[0].op, Op::Set);
    QCOMPARE(ordering.operations[0].pointer, u"/set/0"_s);
    QCOMPARE(ordering.operations[0].path, u"/message/headers/0/value"_s);
    QCOMPARE(ordering.operations[1].op, Op::Add);
    QCOMPARE(ordering.operations[1].pointer, u"/add/0"_s);
    QCOMPARE(ordering.operations[1].index, std::optional<qint64>(0));
    QCOMPARE(ordering.operations[1].value.value(u"/name").toString(), u"X-Scan"_s);
    QCOMPARE(ordering.operations[2].op, Op::Delete);
    QCOMPARE(ordering.operations[2].pointer, u"/delete/0"_s);
    QVERIFY(!ordering.operations[2].value.isValid());

    const HookResponse indexed = response(u"draft01/resp-add-index.json"_s, data);
    QList<std::optional<qint64>> indexes;
    for (const PatchOperation &operation : indexed.operations)
        indexes << operation.index;
    QCOMPARE(indexes, (QList<std::optional<qint64>> {0, std::nullopt, std::nullopt, 2}));

    for (const char *noop : {"empty", "null-arrays", "empty-arrays"}) {
        const HookResponse decoded
            = response(u"draft01/resp-%1.json"_s.arg(QLatin1String(noop)), data);
        QVERIFY(!decoded.malformed);
        QVERIFY(decoded.operations.isEmpty());
    }
}

void TestProtocolCodec::decodesDraft02Operations()
{
    using Op = PatchOperation::Op;
    const HookRequest data = request(u"draft01/req-data.json"_s);
    const HookResponse copy = response(u"draft02/resp-copy-recipient.json"_s, data);
    QVERIFY2(!copy.malformed, qPrintable(describe(copy.problems)));
    QCOMPARE(copy.dialect, Dialect::Draft02);
    QCOMPARE(copy.operations.size(), 2);
    QCOMPARE(copy.operations[0].op, Op::Copy);
    QCOMPARE(copy.operations[0].from, u"/envelope/to/0"_s);
    QCOMPARE(copy.operations[0].path, u"/envelope/to/-"_s);
    QCOMPARE(copy.operations[0].pointer, u"/0"_s);
    QCOMPARE(copy.operations[1].op, Op::Replace);
    QCOMPARE(copy.operations[1].pointer, u"/1"_s);

    const HookResponse test = response(u"draft02/resp-test-failing.json"_s, data);
    QList<Op> ops;
    for (const PatchOperation &operation : test.operations)
        ops << operation.op;
    QCOMPARE(ops, (QList<Op> {Op::Replace, Op::Test, Op::Replace}));
    QCOMPARE(test.operations[1].value.toString(), u"Monthly report"_s);
    // The failing test is found when applying, not when decoding.
    QVERIFY(!test.malformed);
    for (Op op :
        {Op::Set, Op::Add, Op::Delete, Op::Remove, Op::Replace, Op::Move, Op::Copy, Op::Test})
        QVERIFY(!patchOpName(op).isEmpty());
}

void TestProtocolCodec::httpStatusAndEmptyBodies_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("malformed");
    QTest::addColumn<bool>("emptyBody");
    QTest::addRow("draft/204") << u"draft01/req-data.json"_s << QByteArray() << 204 << false
                               << true;
    // The drafts want a body with 200 (or 204 without): an empty 200 is unparseable.
    QTest::addRow("draft/200-empty")
        << u"draft01/req-data.json"_s << QByteArray() << 200 << true << true;
    QTest::addRow("draft/500") << u"draft01/req-data.json"_s << R"({"set":[]})"_ba << 500 << true
                               << false;
    // Stalwart: any empty answer is a hook error.
    QTest::addRow("stalwart/204") << u"stalwart/req-data.json"_s << QByteArray() << 204 << true
                                  << true;
    QTest::addRow("stalwart/299") << u"stalwart/req-data.json"_s << R"({"action":"accept"})"_ba
                                  << 299 << false << false;
    QTest::addRow("stalwart/404") << u"stalwart/req-data.json"_s << R"({"action":"accept"})"_ba
                                  << 404 << true << false;
}

void TestProtocolCodec::httpStatusAndEmptyBodies()
{
    QFETCH(QString, requestFixture);
    QFETCH(QByteArray, body);
    QFETCH(int, httpStatus);
    QFETCH(bool, malformed);
    QFETCH(bool, emptyBody);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(body, decoded, httpStatus);
    QCOMPARE(answer.httpStatus, httpStatus);
    QCOMPARE(answer.emptyBody, emptyBody);
    QVERIFY2(answer.malformed == malformed, qPrintable(describe(answer.problems)));
    QCOMPARE(hasErrors(answer.problems), malformed);
}

void TestProtocolCodec::cborResponse_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<bool>("malformed");
    // Stalwart parses answers with serde_json: a CBOR body is a hook error.
    QTest::addRow("stalwart/resp-accept.json")
        << u"stalwart/req-data.json"_s << u"stalwart/resp-accept.json"_s << true;
    // The drafts answer in the registered serialization, CBOR included.
    QTest::addRow("draft01/resp-ordering.json")
        << u"draft01/req-data.json"_s << u"draft01/resp-ordering.json"_s << false;
    QTest::addRow("draft02/resp-copy-recipient.json")
        << u"draft01/req-data.json"_s << u"draft02/resp-copy-recipient.json"_s << false;
}

void TestProtocolCodec::cborResponse()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    QFETCH(bool, malformed);
    const HookRequest decoded = request(requestFixture);
    const HookResponse json = response(responseFixture, decoded);
    const QByteArray cbor = json.document.toCbor();
    const HookResponse fromCbor = response(cbor, decoded, 200, "application/cbor");
    QCOMPARE(fromCbor.encoding, Encoding::Cbor);
    QCOMPARE(fromCbor.document, json.document);
    QCOMPARE(fromCbor.dialect, json.dialect);
    QVERIFY2(fromCbor.malformed == malformed, qPrintable(describe(fromCbor.problems)));
    if (!malformed) {
        QCOMPARE(fromCbor.operations.size(), json.operations.size());
        QCOMPARE(apply(decoded, fromCbor).message, apply(decoded, json).message);
    }
}

QTEST_GUILESS_MAIN(TestProtocolCodec)
#include "tst_protocol_codec.moc"

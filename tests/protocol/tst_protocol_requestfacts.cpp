// SPDX-License-Identifier: GPL-3.0-or-later
// Every stage of every dialect decoded to the right facts: stage and direction, client and server,
// TLS and authentication, the envelope and its parameters, and the drafts' default action, reply
// and timestamp.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

namespace {

using Recipients = QList<std::pair<QString, QString>>; // address, status

Recipients recipientsOf(const Envelope &envelope)
{
    Recipients result;
    for (const EnvelopeAddress &address : envelope.to)
        result.append({address.address, address.status});
    return result;
}

} // namespace

class TestProtocolRequestFacts : public QObject
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
};

void TestProtocolRequestFacts::decodesStage_data()
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

void TestProtocolRequestFacts::decodesStage()
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

void TestProtocolRequestFacts::decodesClient_data()
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

void TestProtocolRequestFacts::decodesClient()
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

void TestProtocolRequestFacts::decodesTlsAndAuth_data()
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

void TestProtocolRequestFacts::decodesTlsAndAuth()
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

void TestProtocolRequestFacts::decodesEnvelope_data()
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

void TestProtocolRequestFacts::decodesEnvelope()
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

void TestProtocolRequestFacts::decodesParameters()
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

void TestProtocolRequestFacts::decodesDraftState_data()
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

void TestProtocolRequestFacts::decodesDraftState()
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

QTEST_GUILESS_MAIN(TestProtocolRequestFacts)
#include "tst_protocol_requestfacts.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA's Stalwart requests, stage by stage: the context members Stalwart fills at each
// point of the conversation and the order its serde structs write them (protocol reference §b),
// implicit TLS, the recipient being checked last, a message that rebuilds byte for byte, and JSON
// whatever encoding is asked for.
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/requestbuildertest.h"

#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RequestBuilderTest;
using Mock::SessionRecording;

class TestMtaStalwartRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void stalwartConnect();
    void stalwartContextPerStage_data();
    void stalwartContextPerStage();
    void stalwartImplicitTls();
    void stalwartRecipientCheckedLast();
    void stalwartMessageRebuildsByteExact_data();
    void stalwartMessageRebuildsByteExact();
    void stalwartIsJsonOnly();
};

void TestMtaStalwartRequests::initTestCase()
{
    QCOMPARE(submission().stages.size(), 7);
    QCOMPARE(inbound().stages.size(), 6);
}

void TestMtaStalwartRequests::stalwartConnect()
{
    const SessionRecording session = inbound();
    const Document request = build(session, 0, options(Dialect::Stalwart));
    QCOMPARE(request.keys(), QStringList({u"context"_s}));
    const Document context = request.member(u"context");
    QCOMPARE(context.keys(), QStringList({u"stage"_s, u"client"_s, u"server"_s, u"protocol"_s}));
    QCOMPARE(context.value(u"/stage").toString(), u"connect"_s);
    // Before EHLO there is no HELO name, and the PTR lookup has not been done yet.
    QVERIFY(context.value(u"/client/helo").isNull());
    QVERIFY(context.value(u"/client/ptr").isNull());
    QCOMPARE(context.value(u"/client/ip").toString(), u"203.0.113.80"_s);
    QCOMPARE(context.value(u"/client/port").toInteger(), 40125);
    QCOMPARE(context.value(u"/client/activeConnections").toInteger(), 1);
    QCOMPARE(context.value(u"/client").keys(),
        QStringList({u"ip"_s, u"port"_s, u"ptr"_s, u"helo"_s, u"activeConnections"_s}));
    QCOMPARE(context.value(u"/server").keys(), QStringList({u"name"_s, u"port"_s, u"ip"_s}));
    // protocol.version is the integer 1 in Stalwart's format.
    QCOMPARE(context.value(u"/protocol/version").type(), Document::Type::Unsigned);
    QCOMPARE(context.value(u"/protocol/version").toInteger(), 1);
}

void TestMtaStalwartRequests::stalwartContextPerStage_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<bool>("sasl");
    QTest::addColumn<bool>("queue");
    QTest::addColumn<bool>("envelope");
    QTest::addColumn<bool>("message");
    // submission.json: STARTTLS after the first EHLO, AUTH after that, on port 587.
    QTest::addRow("connect") << 0 << false << false << false << false << false;
    QTest::addRow("ehlo") << 1 << false << false << false << false << false;
    QTest::addRow("mail") << 2 << true << true << false << true << false;
    QTest::addRow("rcpt") << 3 << true << true << false << true << false;
    QTest::addRow("data") << 6 << true << true << true << true << true;
}

void TestMtaStalwartRequests::stalwartContextPerStage()
{
    QFETCH(int, index);
    QFETCH(bool, tls);
    QFETCH(bool, sasl);
    QFETCH(bool, queue);
    QFETCH(bool, envelope);
    QFETCH(bool, message);
    const SessionRecording session = submission();
    const Document request = build(session, index, options(Dialect::Stalwart));
    QCOMPARE(request.contains(u"/context/tls"), tls);
    QCOMPARE(request.contains(u"/context/sasl"), sasl);
    QCOMPARE(request.contains(u"/context/queue"), queue);
    QCOMPARE(request.contains(u"/envelope"), envelope);
    QCOMPARE(request.contains(u"/message"), message);
    if (tls) {
        // Stalwart sends version and cipher only.
        QCOMPARE(request.value(u"/context/tls").keys(), QStringList({u"version"_s, u"cipher"_s}));
        QCOMPARE(request.value(u"/context/tls/version").toString(), u"TLSv1.3"_s);
    }
    if (sasl) // and never the method
        QCOMPARE(request.value(u"/context/sasl").keys(), QStringList({u"login"_s}));
    if (queue) { // lower-case hex of a 64-bit id, no padding
        const QString id = request.value(u"/context/queue/id").toString();
        QVERIFY2(
            QRegularExpression(u"^[1-9a-f][0-9a-f]{0,15}$"_s).match(id).hasMatch(), qPrintable(id));
    }
    if (index > 0)
        QCOMPARE(request.value(u"/context/client/helo").toString(), u"laptop.example.org"_s);
    // The order Stalwart's serde structs write.
    QStringList order {
        u"stage"_s, u"client"_s, u"sasl"_s, u"tls"_s, u"server"_s, u"queue"_s, u"protocol"_s};
    order.removeIf([&request](const QString &key) {
        return !request.member(u"context").keys().contains(key);
    });
    QCOMPARE(request.member(u"context").keys(), order);
}

void TestMtaStalwartRequests::stalwartImplicitTls()
{
    SessionRecording session = submission();
    session.server.port = 465;
    QVERIFY(build(session, 0, options(Dialect::Stalwart)).contains(u"/context/tls"));
    QVERIFY(build(session, 1, options(Dialect::Stalwart)).contains(u"/context/tls"));
    session.tls.present = false;
    QVERIFY(!build(session, 2, options(Dialect::Stalwart)).contains(u"/context/tls"));
}

void TestMtaStalwartRequests::stalwartRecipientCheckedLast()
{
    const SessionRecording session = inbound();
    const int first = indexOfStage(session, Stage::Rcpt, 0);
    const int second = indexOfStage(session, Stage::Rcpt, 1);
    const Document one = build(session, first, options(Dialect::Stalwart));
    QCOMPARE(one.value(u"/envelope/to").size(), 1);
    // Stalwart lower-cases the addresses it sends and never sends parameters.
    QCOMPARE(one.value(u"/envelope/to/0/address").toString(), u"walter@example.com"_s);
    QCOMPARE(one.value(u"/envelope/to/0").keys(), QStringList({u"address"_s}));
    QCOMPARE(one.value(u"/envelope/from/address").toString(), u"oscar@example.org"_s);
    const Document two = build(session, second, options(Dialect::Stalwart));
    QCOMPARE(two.value(u"/envelope/to").size(), 2);
    QCOMPARE(two.value(u"/envelope/to/1/address").toString(), u"wendy@example.com"_s);
    // At mail the recipient list is empty, not absent.
    const Document mail
        = build(session, indexOfStage(session, Stage::Mail), options(Dialect::Stalwart));
    QVERIFY(mail.value(u"/envelope/to").isArray());
    QCOMPARE(mail.value(u"/envelope/to").size(), 0);
    // The envelope given is the one used: a recipient refused earlier is not there.
    MtaHooks::Envelope envelope = Mock::envelopeAtStage(session, second);
    envelope.to.removeFirst();
    const Document without
        = Mock::buildRequest(session, second, envelope, options(Dialect::Stalwart));
    QCOMPARE(without.value(u"/envelope/to").size(), 1);
    QCOMPARE(without.value(u"/envelope/to/0/address").toString(), u"wendy@example.com"_s);
    // A null reverse-path is "".
    SessionRecording bounce = session;
    bounce.envelope.from.address.clear();
    bounce.envelope.from.isNullSender = true;
    QCOMPARE(build(bounce, second, options(Dialect::Stalwart))
                 .value(u"/envelope/from/address")
                 .toString(u"(not a string)"_s),
        QString());
}

void TestMtaStalwartRequests::stalwartMessageRebuildsByteExact_data()
{
    QTest::addColumn<QString>("eml");
    QTest::addRow("plain") << u"plain.eml"_s;
    QTest::addRow("multipart") << u"multipart.eml"_s;
}

void TestMtaStalwartRequests::stalwartMessageRebuildsByteExact()
{
    QFETCH(QString, eml);
    const QByteArray raw = MtaTest::fixture(eml);
    const SessionRecording session
        = Mock::sessionFromMessage(raw, u"a@example.org"_s, {u"b@example.com"_s});
    QCOMPARE(session.rawMessage, raw); // already CRLF
    const int data = indexOfStage(session, Stage::Data);
    const Document request = build(session, data, options(Dialect::Stalwart));
    const Document headers = request.value(u"/message/headers");
    QVERIFY(headers.isArray());
    QVERIFY(headers.size() >= 4);
    for (qsizetype i = 0; i < headers.size(); ++i) {
        // [name, value]: the value keeps its leading space, folding and CRLF.
        const Document header = headers.at(i);
        QCOMPARE(header.size(), 2);
        QVERIFY(!header.at(0).toString().contains(u':'));
        QVERIFY2(header.at(1).toString().endsWith(u"\r\n"_s), qPrintable(header.at(1).toString()));
        QVERIFY(header.at(1).toString().startsWith(u' '));
    }
    QCOMPARE(headers.at(0).at(0).toString(), u"From"_s);
    if (eml == u"plain.eml"_s)
        QCOMPARE(headers.at(3).at(1).toString(),
            u" Quarterly figures\r\n =?utf-8?q?=E2=80=94_draft?=\r\n"_s);
    QCOMPARE(request.value(u"/message/size").toInteger(), raw.size());
    QVERIFY(request.value(u"/message/contents").toString().endsWith(u"\r\n"_s));
    QVERIFY(!request.contains(u"/message/serverHeaders"));
    // name ":" value for each header, CRLF, contents: the message byte for byte.
    QCOMPARE(stalwartRawMessage(request), raw);
}

void TestMtaStalwartRequests::stalwartIsJsonOnly()
{
    const SessionRecording session = submission();
    const QByteArray body
        = Mock::buildRequestBody(session, 0, {}, options(Dialect::Stalwart, Encoding::Cbor));
    QVERIFY(body.startsWith('{'));
    QVERIFY(Document::fromJson(body).isObject());
}

QTEST_GUILESS_MAIN(TestMtaStalwartRequests)
#include "tst_mta_stalwartrequests.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA's draft-01/-02 requests, stage by stage (protocol reference §b): the members common
// to every stage, the order of the draft's examples, the connection facts known at each point,
// envelope parameters and the null sender, and the message at data only (the JMAP Email beside
// rawMessage, base64 in JSON, byte strings in CBOR) with the options that shape it.
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/requestbuildertest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RequestBuilderTest;
using Mock::RequestOptions;
using Mock::SessionRecording;

class TestMtaDraftRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void draftCommonMembers_data();
    void draftCommonMembers();
    void draftMemberOrder();
    void draftConnectionFacts_data();
    void draftConnectionFacts();
    void draftEnvelopeParameters();
    void draftNullSender();
    void draftMessageOnlyAtData_data();
    void draftMessageOnlyAtData();
    void draftJsonCarriesBase64();
    void draftCborCarriesByteStrings();
    void draftMessageOptions();
};

void TestMtaDraftRequests::initTestCase()
{
    QCOMPARE(submission().stages.size(), 7);
    QCOMPARE(inbound().stages.size(), 6);
}

void TestMtaDraftRequests::draftCommonMembers_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<int>("replyCode");
    QTest::addColumn<QString>("enhancedCode");
    QTest::addColumn<bool>("queue");
    QTest::addColumn<bool>("envelope");
    QTest::addRow("connect") << 0 << 220 << QString() << false << false;
    QTest::addRow("ehlo") << 1 << 250 << QString() << false << false;
    QTest::addRow("mail") << 2 << 250 << u"2.1.0"_s << false << true;
    QTest::addRow("rcpt") << 3 << 250 << u"2.1.5"_s << false << true;
    QTest::addRow("data") << 6 << 250 << u"2.0.0"_s << true << true;
}

void TestMtaDraftRequests::draftCommonMembers()
{
    QFETCH(int, index);
    QFETCH(int, replyCode);
    QFETCH(QString, enhancedCode);
    QFETCH(bool, queue);
    QFETCH(bool, envelope);
    const SessionRecording session = submission();
    for (const Dialect dialect : {Dialect::Draft01, Dialect::Draft02}) {
        const Document request = build(session, index, options(dialect));
        QCOMPARE(request.value(u"/stage").toString(), stageName(session.stages.at(index).stage));
        QCOMPARE(request.value(u"/action").toString(), u"accept"_s);
        QCOMPARE(request.value(u"/timestamp").toString(), u"2026-11-03T10:00:05Z"_s);
        QCOMPARE(request.value(u"/protocol/version").toString(), u"1.0"_s);
        QCOMPARE(request.value(u"/response/code").toInteger(), replyCode);
        if (enhancedCode.isEmpty())
            QVERIFY(request.value(u"/response/enhancedCode").isNull());
        else
            QCOMPARE(request.value(u"/response/enhancedCode").toString(), enhancedCode);
        QVERIFY(!request.value(u"/response/message").toString().isEmpty());
        QCOMPARE(request.contains(u"/queue"), queue);
        QCOMPARE(request.contains(u"/envelope"), envelope);
        QVERIFY(!request.contains(u"/context"));
        QCOMPARE(request.value(u"/server/name").toString(), u"submit.example.org"_s);
        QCOMPARE(request.value(u"/server/port").toInteger(), 587);
    }
    // Without a timestamp given, it is now, in UTC with Z.
    RequestOptions now = options(Dialect::Draft01);
    now.timestamp = QDateTime();
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    const QString stamp = build(session, index, now).value(u"/timestamp").toString();
    QVERIFY2(stamp.endsWith(u'Z'), qPrintable(stamp));
    const QDateTime parsed = QDateTime::fromString(stamp, Qt::ISODate);
    QVERIFY(parsed.isValid());
    QVERIFY(parsed >= before.addSecs(-1) && parsed <= QDateTime::currentDateTimeUtc().addSecs(1));
}

void TestMtaDraftRequests::draftMemberOrder()
{
    // The order of the draft's examples (reference §b.2, req-data).
    const Document request = build(submission(), 6, options(Dialect::Draft01));
    QCOMPARE(request.keys(),
        QStringList({u"stage"_s, u"action"_s, u"timestamp"_s, u"response"_s, u"protocol"_s,
            u"queue"_s, u"server"_s, u"client"_s, u"tls"_s, u"auth"_s, u"senderAuth"_s,
            u"envelope"_s, u"message"_s, u"rawMessage"_s}));
    QCOMPARE(request.value(u"/client").keys(),
        QStringList({u"ip"_s, u"port"_s, u"ptr"_s, u"ehlo"_s, u"asn"_s, u"country"_s,
            u"activeConnections"_s}));
}

void TestMtaDraftRequests::draftConnectionFacts_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("ehlo");
    QTest::addColumn<bool>("tls");
    QTest::addColumn<bool>("auth");
    QTest::addColumn<QStringList>("senderAuthDone"); // checks that have run, "none" each
    QTest::addRow("connect") << 0 << QString() << false << false << QStringList();
    QTest::addRow("ehlo") << 1 << u"laptop.example.org"_s << false << false
                          << QStringList({u"spf-ehlo"_s});
    QTest::addRow("mail") << 2 << u"laptop.example.org"_s << true << true
                          << QStringList({u"spf-ehlo"_s, u"spf-mail"_s});
    QTest::addRow("rcpt") << 4 << u"laptop.example.org"_s << true << true
                          << QStringList({u"spf-ehlo"_s, u"spf-mail"_s});
    QTest::addRow("data") << 6 << u"laptop.example.org"_s << true << true
                          << QStringList(
                                 {u"spf-ehlo"_s, u"spf-mail"_s, u"dkim"_s, u"arc"_s, u"dmarc"_s});
}

void TestMtaDraftRequests::draftConnectionFacts()
{
    QFETCH(int, index);
    QFETCH(QString, ehlo);
    QFETCH(bool, tls);
    QFETCH(bool, auth);
    QFETCH(QStringList, senderAuthDone);
    const Document request = build(submission(), index, options(Dialect::Draft01));
    // client.ehlo is a String in the draft: "" before EHLO.
    QCOMPARE(request.value(u"/client/ehlo").toString(u"(not a string)"_s), ehlo);
    QCOMPARE(request.value(u"/client/ptr").toString(), u"laptop.example.org"_s);
    QVERIFY(request.value(u"/client/asn").isNull());
    QVERIFY(request.value(u"/client/country").isNull());
    QCOMPARE(request.value(u"/tls").isObject(), tls);
    QCOMPARE(request.value(u"/tls").isNull(), !tls);
    if (tls) {
        QCOMPARE(request.value(u"/tls/version").toString(), u"TLSv1.3"_s);
        QCOMPARE(request.value(u"/tls/cipher").toString(), u"TLS_AES_128_GCM_SHA256"_s);
        QVERIFY(request.value(u"/tls/cipherBits").toInteger() > 0);
    }
    QCOMPARE(request.value(u"/auth").isObject(), auth);
    if (auth) {
        QCOMPARE(request.value(u"/auth/login").toString(), u"mallory"_s);
        QCOMPARE(request.value(u"/auth/method").toString(), u"PLAIN"_s);
    }
    const Document senderAuth = request.value(u"/senderAuth");
    if (senderAuthDone.isEmpty()) {
        QVERIFY(senderAuth.isNull());
        return;
    }
    QCOMPARE(senderAuth.keys(),
        QStringList({u"spf-ehlo"_s, u"spf-mail"_s, u"dkim"_s, u"arc"_s, u"dmarc"_s}));
    for (const QString &key : senderAuth.keys()) {
        if (senderAuthDone.contains(key))
            QCOMPARE(senderAuth.member(key).toString(), u"none"_s);
        else
            QVERIFY2(senderAuth.member(key).isNull(), qPrintable(key));
    }
    // The result reported is a setting; empty means no check reports anything.
    RequestOptions unchecked = options(Dialect::Draft01);
    unchecked.senderAuthResult.clear();
    QVERIFY(build(submission(), index, unchecked).value(u"/senderAuth/spf-ehlo").isNull());
    unchecked.senderAuthResult = u"pass"_s;
    QCOMPARE(
        build(submission(), index, unchecked).value(u"/senderAuth/spf-ehlo").toString(), u"pass"_s);
}

void TestMtaDraftRequests::draftEnvelopeParameters()
{
    const SessionRecording session = submission();
    const Document mail = build(session, 2, options(Dialect::Draft01));
    QCOMPARE(mail.value(u"/envelope/from/address").toString(), u"mallory@example.org"_s);
    QCOMPARE(mail.value(u"/envelope/from/parameters/SIZE").toString(), u"426"_s);
    QCOMPARE(mail.value(u"/envelope/from/parameters/BODY").toString(), u"8BITMIME"_s);
    QVERIFY(mail.value(u"/envelope/to").isArray());
    QCOMPARE(mail.value(u"/envelope/to").size(), 0);
    // rcpt: the recipients so far, this one last, each with its parameters (maybe none).
    const Document rcpt = build(session, 4, options(Dialect::Draft01));
    QCOMPARE(rcpt.value(u"/envelope/to").size(), 2);
    QCOMPARE(rcpt.value(u"/envelope/to/0/address").toString(), u"trent@example.com"_s);
    QCOMPARE(rcpt.value(u"/envelope/to/0/parameters/NOTIFY").toString(), u"FAILURE,DELAY"_s);
    QCOMPARE(
        rcpt.value(u"/envelope/to/0/parameters/ORCPT").toString(), u"rfc822;trent@example.com"_s);
    QCOMPARE(rcpt.value(u"/envelope/to/1/address").toString(), u"peggy@example.com"_s);
    QVERIFY(rcpt.value(u"/envelope/to/1/parameters").isObject());
    QCOMPARE(rcpt.value(u"/envelope/to/1/parameters").size(), 0);
    QCOMPARE(rcpt.value(u"/envelope/to/0").keys(), QStringList({u"address"_s, u"parameters"_s}));
    const Document data = build(session, 6, options(Dialect::Draft01));
    QCOMPARE(data.value(u"/envelope/to").size(), 3);
}

void TestMtaDraftRequests::draftNullSender()
{
    SessionRecording session = submission();
    session.envelope.from.address.clear();
    session.envelope.from.isNullSender = true;
    const Document mail = build(session, 2, options(Dialect::Draft01));
    QVERIFY(mail.value(u"/envelope/from/address").isNull());
    const HookRequest request = decoded(session, 2, options(Dialect::Draft01));
    QVERIFY2(MtaTest::errorCount(request.problems) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    QVERIFY(request.envelope.from.isNullSender);
}

void TestMtaDraftRequests::draftMessageOnlyAtData_data()
{
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("json") << Encoding::Json;
    QTest::addRow("cbor") << Encoding::Cbor;
}

void TestMtaDraftRequests::draftMessageOnlyAtData()
{
    QFETCH(Encoding, encoding);
    const SessionRecording session = submission();
    for (int i = 0; i < session.stages.size(); ++i) {
        const Document request = build(session, i, options(Dialect::Draft01, encoding));
        const bool data = session.stages.at(i).stage == Stage::Data;
        QCOMPARE(request.contains(u"/message"), data);
        QCOMPARE(request.contains(u"/rawMessage"), data);
    }
    const Document data = build(session, 6, options(Dialect::Draft01, encoding));
    // The JMAP Email: raw header values with the leading space and no CRLF, the decoded
    // subject, the text in bodyValues.
    QCOMPARE(data.value(u"/message/subject").toString(), u"Quarterly figures \u2014 draft"_s);
    QCOMPARE(data.value(u"/message/headers/0/name").toString(), u"From"_s);
    QCOMPARE(data.value(u"/message/headers/0/value").toString(),
        u" Mallory Example <mallory@example.org>"_s);
    QCOMPARE(data.value(u"/message/from/0/email").toString(), u"mallory@example.org"_s);
    QCOMPARE(data.value(u"/message/size").toInteger(), session.rawMessage.size());
    QCOMPARE(data.value(u"/message/messageId/0").toString(), u"figures-7@example.org"_s);
    const QString partId = data.value(u"/message/bodyStructure/partId").toString();
    QVERIFY(!partId.isEmpty());
    QVERIFY(data.value(u"/message/bodyValues")
                .member(partId)
                .member(u"value")
                .toString()
                .contains(u"the figures are attached in spirit only."_s));
    for (const char *metadata : {"id", "blobId", "threadId", "mailboxIds", "keywords"})
        QVERIFY2(!data.member(QString::fromLatin1(metadata)).isValid(), metadata);
}

void TestMtaDraftRequests::draftJsonCarriesBase64()
{
    const SessionRecording session = submission();
    const QByteArray body = Mock::buildRequestBody(
        session, 6, Mock::envelopeAtStage(session, 6), options(Dialect::Draft01));
    const Document request = Document::fromJson(body);
    const Document raw = request.member(u"rawMessage");
    QCOMPARE(raw.type(), Document::Type::String);
    // Canonical padded standard base64 without line breaks (what rspamd demands).
    QCOMPARE(raw.toString().toLatin1(), session.rawMessage.toBase64());
    QCOMPARE(QByteArray::fromBase64(raw.toString().toLatin1()), session.rawMessage);
}

void TestMtaDraftRequests::draftCborCarriesByteStrings()
{
    const SessionRecording session = multipartFromEml();
    const int data = indexOfStage(session, Stage::Data);
    const QByteArray body = Mock::buildRequestBody(session, data,
        Mock::envelopeAtStage(session, data), options(Dialect::Draft01, Encoding::Cbor));
    const Document request = Document::fromCbor(body);
    QVERIFY(request.isObject());
    QCOMPARE(request.member(u"rawMessage").type(), Document::Type::Binary);
    QCOMPARE(request.member(u"rawMessage").toBytes(), session.rawMessage);
    // Body parts carry "blob" (not blobId), and in CBOR it is a byte string too.
    const Document parts = request.value(u"/message/bodyStructure/subParts");
    QCOMPARE(parts.size(), 2);
    const Document attachment = parts.at(1);
    QVERIFY(!attachment.member(u"blobId").isValid());
    QCOMPARE(attachment.member(u"blob").type(), Document::Type::Binary);
    QCOMPARE(attachment.member(u"blob").toBytes(), QByteArray::fromHex("00010203040506070809"));
    // The same part in JSON: base64 text of the same bytes.
    const Document json = build(session, data, options(Dialect::Draft01));
    const Document jsonBlob = json.value(u"/message/bodyStructure/subParts/1/blob");
    QCOMPARE(jsonBlob.type(), Document::Type::String);
    QCOMPARE(jsonBlob.toBytes(), QByteArray::fromHex("00010203040506070809"));
    // And the CBOR document is the JSON one with binary where JSON has base64.
    QCOMPARE(request.keys(), json.keys());
}

void TestMtaDraftRequests::draftMessageOptions()
{
    const SessionRecording session = submission();
    RequestOptions o = options(Dialect::Draft01);
    o.includeJmapMessage = false;
    Document request = build(session, 6, o);
    QVERIFY(!request.contains(u"/message"));
    QVERIFY(request.contains(u"/rawMessage"));
    o.includeJmapMessage = true;
    o.includeRawMessage = false;
    request = build(session, 6, o);
    QVERIFY(request.contains(u"/message"));
    QVERIFY(!request.contains(u"/rawMessage"));
    // A JMAP projection given by the caller is used as is (the replayer caches it).
    o.jmapMessageJson = R"({"subject":"cached"})";
    QCOMPARE(build(session, 6, o).value(u"/message/subject").toString(), u"cached"_s);
    QCOMPARE(Mock::jmapMessageJson(session.rawMessage),
        Mock::jmapMessageJson(session.rawMessage)); // deterministic
    o.queueId = u"q-FIXED"_s;
    QCOMPARE(build(session, 6, o).value(u"/queue/id").toString(), u"q-FIXED"_s);
}

QTEST_GUILESS_MAIN(TestMtaDraftRequests)
#include "tst_mta_draftrequests.moc"

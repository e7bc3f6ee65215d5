// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA's requests, stage by stage and dialect by dialect: the fields an MTA fills at each
// point of the conversation (protocol reference §b), and that Hookscope's own decoder reads every
// one of them without an Error.
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"

#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::RequestOptions;
using Mock::SessionRecording;
using Mock::SessionStage;

namespace {

const QDateTime fixedTime(QDate(2026, 11, 3), QTime(10, 0, 5), QTimeZone::utc());

RequestOptions options(Dialect dialect, Encoding encoding = Encoding::Json)
{
    RequestOptions result;
    result.dialect = dialect;
    result.encoding = encoding;
    result.timestamp = fixedTime;
    return result;
}

int indexOfStage(const SessionRecording &session, Stage stage, int nth = 0)
{
    for (int i = 0; i < session.stages.size(); ++i) {
        if (session.stages.at(i).stage == stage && nth-- == 0)
            return i;
    }
    return -1;
}

// The request at a stage, with the envelope the recording implies there.
Document build(const SessionRecording &session, int index, const RequestOptions &options)
{
    return Mock::buildRequest(session, index, Mock::envelopeAtStage(session, index), options);
}

HookRequest decoded(const SessionRecording &session, int index, const RequestOptions &options)
{
    const QByteArray body
        = Mock::buildRequestBody(session, index, Mock::envelopeAtStage(session, index), options);
    DecodeOptions decode;
    decode.dialect = options.dialect;
    const Encoding encoding
        = options.dialect == Dialect::Stalwart ? Encoding::Json : options.encoding;
    return decodeRequest(body, contentTypeFor(encoding), decode);
}

SessionRecording submission()
{
    return MtaTest::session(u"submission.json"_s);
}

SessionRecording inbound()
{
    return MtaTest::session(u"inbound-mx.json"_s);
}

SessionRecording multipartFromEml()
{
    return Mock::sessionFromMessage(MtaTest::fixture(u"multipart.eml"_s), u"oscar@example.org"_s,
        {u"walter@example.com"_s, u"wendy@example.com"_s});
}

} // namespace

class TestRequestBuilder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyRequestDecodes_data();
    void everyRequestDecodes();
    void bodyAndDocumentAgree_data();
    void bodyAndDocumentAgree();

    void stalwartConnect();
    void stalwartContextPerStage_data();
    void stalwartContextPerStage();
    void stalwartImplicitTls();
    void stalwartRecipientCheckedLast();
    void stalwartMessageRebuildsByteExact_data();
    void stalwartMessageRebuildsByteExact();
    void stalwartIsJsonOnly();

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

    void envelopeAtStage();
    void sessionFromMessage();
};

void TestRequestBuilder::initTestCase()
{
    QCOMPARE(submission().stages.size(), 7);
    QCOMPARE(inbound().stages.size(), 6);
}

void TestRequestBuilder::everyRequestDecodes_data()
{
    QTest::addColumn<SessionRecording>("session");
    QTest::addColumn<int>("index");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    const QList<std::pair<QString, SessionRecording>> sessions {{u"submission"_s, submission()},
        {u"inbound-mx"_s, inbound()}, {u"multipart-eml"_s, multipartFromEml()}};
    const QList<std::tuple<QString, Dialect, Encoding>> dialects {
        {u"stalwart"_s, Dialect::Stalwart, Encoding::Json},
        {u"draft-01-json"_s, Dialect::Draft01, Encoding::Json},
        {u"draft-01-cbor"_s, Dialect::Draft01, Encoding::Cbor},
        {u"draft-02-json"_s, Dialect::Draft02, Encoding::Json},
        {u"draft-02-cbor"_s, Dialect::Draft02, Encoding::Cbor},
    };
    for (const auto &[sessionName, session] : sessions) {
        for (const auto &[dialectName, dialect, encoding] : dialects) {
            for (int i = 0; i < session.stages.size(); ++i) {
                const SessionStage &stage = session.stages.at(i);
                QTest::addRow("%s-%s-%d-%s", qPrintable(sessionName), qPrintable(dialectName), i,
                    qPrintable(stageName(stage.stage)))
                    << session << i << dialect << encoding;
            }
        }
    }
}

void TestRequestBuilder::everyRequestDecodes()
{
    QFETCH(SessionRecording, session);
    QFETCH(int, index);
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    const HookRequest request = decoded(session, index, options(dialect, encoding));
    QVERIFY2(request.isDecoded(), qPrintable(MtaTest::describe(request.problems)));
    QVERIFY2(MtaTest::errorCount(request.problems) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    // Nothing the validator objects to at all, not even a warning, for these recordings.
    QVERIFY2(countOf(request.problems, Severity::Warning) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    QCOMPARE(request.dialect, dialect);
    QCOMPARE(request.stage, session.stages.at(index).stage);
    QCOMPARE(request.encoding, dialect == Dialect::Stalwart ? Encoding::Json : encoding);
    QCOMPARE(request.hasMessage, request.stage == Stage::Data);
    if (request.hasMessage)
        QCOMPARE(request.rawMessage, session.rawMessage);
}

void TestRequestBuilder::bodyAndDocumentAgree_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("stalwart") << Dialect::Stalwart << Encoding::Json;
    QTest::addRow("draft-01-json") << Dialect::Draft01 << Encoding::Json;
    QTest::addRow("draft-01-cbor") << Dialect::Draft01 << Encoding::Cbor;
}

void TestRequestBuilder::bodyAndDocumentAgree()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    const SessionRecording session = submission();
    for (int i = 0; i < session.stages.size(); ++i) {
        const RequestOptions o = options(dialect, encoding);
        const QByteArray body
            = Mock::buildRequestBody(session, i, Mock::envelopeAtStage(session, i), o);
        const Document document = build(session, i, o);
        QVERIFY(document.isObject());
        QCOMPARE(Mock::encodeRequest(document, encoding), body);
    }
    QVERIFY(!build(session, -1, options(dialect, encoding)).isValid());
    QVERIFY(Mock::buildRequestBody(session, 99, {}, options(dialect, encoding)).isEmpty());
}

void TestRequestBuilder::stalwartConnect()
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

void TestRequestBuilder::stalwartContextPerStage_data()
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

void TestRequestBuilder::stalwartContextPerStage()
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

void TestRequestBuilder::stalwartImplicitTls()
{
    SessionRecording session = submission();
    session.server.port = 465;
    QVERIFY(build(session, 0, options(Dialect::Stalwart)).contains(u"/context/tls"));
    QVERIFY(build(session, 1, options(Dialect::Stalwart)).contains(u"/context/tls"));
    session.tls.present = false;
    QVERIFY(!build(session, 2, options(Dialect::Stalwart)).contains(u"/context/tls"));
}

void TestRequestBuilder::stalwartRecipientCheckedLast()
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

void TestRequestBuilder::stalwartMessageRebuildsByteExact_data()
{
    QTest::addColumn<QString>("eml");
    QTest::addRow("plain") << u"plain.eml"_s;
    QTest::addRow("multipart") << u"multipart.eml"_s;
}

void TestRequestBuilder::stalwartMessageRebuildsByteExact()
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

void TestRequestBuilder::stalwartIsJsonOnly()
{
    const SessionRecording session = submission();
    const QByteArray body
        = Mock::buildRequestBody(session, 0, {}, options(Dialect::Stalwart, Encoding::Cbor));
    QVERIFY(body.startsWith('{'));
    QVERIFY(Document::fromJson(body).isObject());
}

void TestRequestBuilder::draftCommonMembers_data()
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

void TestRequestBuilder::draftCommonMembers()
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

void TestRequestBuilder::draftMemberOrder()
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

void TestRequestBuilder::draftConnectionFacts_data()
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

void TestRequestBuilder::draftConnectionFacts()
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

void TestRequestBuilder::draftEnvelopeParameters()
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

void TestRequestBuilder::draftNullSender()
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

void TestRequestBuilder::draftMessageOnlyAtData_data()
{
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("json") << Encoding::Json;
    QTest::addRow("cbor") << Encoding::Cbor;
}

void TestRequestBuilder::draftMessageOnlyAtData()
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

void TestRequestBuilder::draftJsonCarriesBase64()
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

void TestRequestBuilder::draftCborCarriesByteStrings()
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

void TestRequestBuilder::draftMessageOptions()
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

void TestRequestBuilder::envelopeAtStage()
{
    const SessionRecording session = submission();
    QVERIFY(!Mock::envelopeAtStage(session, 0).present);
    QVERIFY(!Mock::envelopeAtStage(session, 1).present);
    const MtaHooks::Envelope mail = Mock::envelopeAtStage(session, 2);
    QVERIFY(mail.present);
    QVERIFY(mail.to.isEmpty());
    QCOMPARE(Mock::envelopeAtStage(session, 3).recipients(), QStringList({u"trent@example.com"_s}));
    QCOMPARE(Mock::envelopeAtStage(session, 5).recipients(),
        QStringList({u"trent@example.com"_s, u"peggy@example.com"_s, u"victor@example.com"_s}));
    QCOMPARE(Mock::envelopeAtStage(session, 6).to.size(), 3);
    QVERIFY(!Mock::envelopeAtStage(session, 7).present);
}

void TestRequestBuilder::sessionFromMessage()
{
    const QByteArray lf = MtaTest::fixture(u"plain-lf.eml"_s);
    QVERIFY(!lf.contains('\r'));
    const SessionRecording session = Mock::sessionFromMessage(
        lf, u"mallory@example.org"_s, {u"trent@example.com"_s, u"peggy@example.com"_s});
    // Bare LF become CRLF, as SMTP carries them: the same bytes as the CRLF fixture.
    QCOMPARE(session.rawMessage, MtaTest::fixture(u"plain.eml"_s));
    QStringList stages;
    for (const SessionStage &stage : session.stages)
        stages << stageName(stage.stage)
                + (stage.recipient.isEmpty() ? QString() : u':' + stage.recipient);
    QCOMPARE(stages,
        QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
            u"rcpt:peggy@example.com"_s, u"data"_s}));
    QVERIFY(session.envelope.present);
    QCOMPARE(session.envelope.from.address, u"mallory@example.org"_s);
    QVERIFY(!session.envelope.from.isNullSender);
    QCOMPARE(session.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"peggy@example.com"_s}));
    QVERIFY(session.hasMessage);
    QVERIFY(!session.id.isEmpty());
    // An empty sender is the null reverse-path.
    QVERIFY(
        Mock::sessionFromMessage(lf, QString(), {u"x@example.com"_s}).envelope.from.isNullSender);
}

QTEST_GUILESS_MAIN(TestRequestBuilder)
#include "tst_mta_requestbuilder.moc"

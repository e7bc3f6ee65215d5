// SPDX-License-Identifier: GPL-3.0-or-later
// Which encoding a body is in, which dialect a document speaks, and how forcing either behaves.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

class TestProtocolDialect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodingFromContentType_data();
    void encodingFromContentType();
    void sniffsEncoding_data();
    void sniffsEncoding();
    void sniffRejectsNonDocuments_data();
    void sniffRejectsNonDocuments();
    void decodesMessagePackRequest_data();
    void decodesMessagePackRequest();
    void detectsRequestDialect_data();
    void detectsRequestDialect();
    void detectsResponseDialect_data();
    void detectsResponseDialect();
    void responseDialectFollowsRequest_data();
    void responseDialectFollowsRequest();
    void forcedRequestDialect_data();
    void forcedRequestDialect();
    void forcedEncodingWins();
    void keepsUnknownStages_data();
    void keepsUnknownStages();
    void stageNamesAreExactLowerCase();
    void namesRoundTrip();
};

void TestProtocolDialect::encodingFromContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("json") << "application/json"_ba << Encoding::Json;
    QTest::addRow("json-charset") << "application/json; charset=utf-8"_ba << Encoding::Json;
    QTest::addRow("json-patch") << "application/json-patch+json"_ba << Encoding::Json;
    QTest::addRow("cbor-upper") << "APPLICATION/CBOR"_ba << Encoding::Cbor;
    QTest::addRow("msgpack") << "application/msgpack"_ba << Encoding::MsgPack;
    QTest::addRow("x-msgpack") << "application/x-msgpack"_ba << Encoding::MsgPack;
    QTest::addRow("rfc822") << "message/rfc822"_ba << Encoding::Rfc5322;
    QTest::addRow("text-plain") << "text/plain"_ba << Encoding::Unknown;
    QTest::addRow("empty") << QByteArray() << Encoding::Unknown;
}

void TestProtocolDialect::encodingFromContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(Encoding, encoding);
    QCOMPARE(MtaHooks::encodingFromContentType(contentType), encoding);
}

void TestProtocolDialect::sniffsEncoding_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Encoding>("encoding");
    const QStringList fixtures {u"stalwart/req-connect.json"_s, u"stalwart/req-data.json"_s,
        u"stalwart/resp-modifications.json"_s, u"draft01/req-data.json"_s,
        u"draft01/req-delivery.json"_s, u"draft01/resp-ordering.json"_s,
        u"draft02/resp-test-failing.json"_s, u"draft02/resp-copy-recipient.json"_s};
    for (const QString &fixture : fixtures) {
        for (Encoding encoding : {Encoding::Json, Encoding::Cbor, Encoding::MsgPack}) {
            QTest::addRow("%s/%s", qPrintable(fixture), qPrintable(encodingName(encoding)))
                << fixture << encoding;
        }
    }
}

void TestProtocolDialect::sniffsEncoding()
{
    QFETCH(QString, fixture);
    QFETCH(Encoding, encoding);
    const Document document = Document::fromJson(ProtocolTest::fixture(fixture));
    QVERIFY(document.isValid());
    const QByteArray body
        = encoding == Encoding::Json ? ProtocolTest::fixture(fixture) : document.encode(encoding);
    QVERIFY(!body.isEmpty());
    QCOMPARE(sniffEncoding(body), encoding);
    // And the sniffed body decodes back to the same document.
    QCOMPARE(Document::decode(body, encoding), document);
}

void TestProtocolDialect::sniffRejectsNonDocuments_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("empty") << QByteArray();
    QTest::addRow("whitespace") << "  \r\n"_ba;
    QTest::addRow("truncated-json") << R"({"stage":"data")"_ba;
    QTest::addRow("json-scalar") << "42"_ba;
    QTest::addRow("rfc5322") << "From: carol@example.net\r\n\r\nhi\r\n"_ba;
}

void TestProtocolDialect::sniffRejectsNonDocuments()
{
    QFETCH(QByteArray, body);
    QCOMPARE(sniffEncoding(body), Encoding::Unknown);
}

void TestProtocolDialect::decodesMessagePackRequest_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Severity>("severity");
    // MessagePack is no MTA Hooks serialization: Stalwart reads JSON only (an error), the drafts
    // define JSON and CBOR (a warning: Hookscope still shows what it decoded).
    QTest::addRow("stalwart/req-data.json")
        << u"stalwart/req-data.json"_s << Dialect::Stalwart << Severity::Error;
    QTest::addRow("draft01/req-data.json")
        << u"draft01/req-data.json"_s << Dialect::Draft01 << Severity::Warning;
}

void TestProtocolDialect::decodesMessagePackRequest()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    QFETCH(Severity, severity);
    const QByteArray msgpack
        = Document::fromJson(ProtocolTest::fixture(fixture)).encode(Encoding::MsgPack);
    QVERIFY(!msgpack.isEmpty());
    const HookRequest fromMsgPack = decodeRequest(msgpack);
    const HookRequest fromJson = request(fixture);
    QCOMPARE(fromMsgPack.encoding, Encoding::MsgPack);
    QCOMPARE(fromMsgPack.dialect, dialect);
    QCOMPARE(fromMsgPack.stage, Stage::Data);
    QCOMPARE(fromMsgPack.document, fromJson.document);
    QCOMPARE(fromMsgPack.rawMessage, fromJson.rawMessage);
    QVERIFY2(hasProblem(fromMsgPack.problems, QString(), severity),
        qPrintable(describe(fromMsgPack.problems)));
    QVERIFY2(!hasProblem(fromJson.problems, QString(), severity),
        qPrintable(describe(fromJson.problems)));
}

void TestProtocolDialect::detectsRequestDialect_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    for (const char *stage : {"connect", "ehlo", "mail", "rcpt", "data", "data-submission"}) {
        const QString name = u"stalwart/req-%1.json"_s.arg(QLatin1String(stage));
        QTest::addRow("%s", qPrintable(name)) << name << Dialect::Stalwart;
    }
    // A draft request does not say -01 or -02; requests are read with the -01 rules.
    for (const char *stage :
        {"connect", "ehlo", "mail", "rcpt", "data", "delivery", "defer", "dsn", "route"}) {
        const QString name = u"draft01/req-%1.json"_s.arg(QLatin1String(stage));
        QTest::addRow("%s", qPrintable(name)) << name << Dialect::Draft01;
    }
    // Responses are not requests.
    QTest::addRow("stalwart/resp-accept.json")
        << u"stalwart/resp-accept.json"_s << Dialect::Unknown;
    QTest::addRow("draft02/resp-add-header.json")
        << u"draft02/resp-add-header.json"_s << Dialect::Unknown;
}

void TestProtocolDialect::detectsRequestDialect()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    const Document document = Document::fromJson(ProtocolTest::fixture(fixture));
    QVERIFY(document.isValid());
    QCOMPARE(detectRequestDialect(document), dialect);
    const HookRequest decoded = request(fixture);
    QCOMPARE(decoded.dialect, dialect);
    QCOMPARE(decoded.isDecoded(), dialect != Dialect::Unknown);
    if (dialect == Dialect::Unknown)
        QVERIFY(hasProblem(decoded.problems, QString(), Severity::Error));
}

void TestProtocolDialect::detectsResponseDialect_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    QTest::addRow("stalwart/resp-accept.json")
        << u"stalwart/resp-accept.json"_s << Dialect::Stalwart;
    QTest::addRow("stalwart/resp-modifications.json")
        << u"stalwart/resp-modifications.json"_s << Dialect::Stalwart;
    QTest::addRow("stalwart/resp-INVALID-missing-action.json")
        << u"stalwart/resp-INVALID-missing-action.json"_s << Dialect::Unknown;
    QTest::addRow("stalwart/resp-INVALID-modifications-null.json")
        << u"stalwart/resp-INVALID-modifications-null.json"_s << Dialect::Stalwart;
    QTest::addRow("draft01/resp-empty.json") << u"draft01/resp-empty.json"_s << Dialect::Draft01;
    QTest::addRow("draft01/resp-null-arrays.json")
        << u"draft01/resp-null-arrays.json"_s << Dialect::Draft01;
    QTest::addRow("draft01/resp-ordering.json")
        << u"draft01/resp-ordering.json"_s << Dialect::Draft01;
    QTest::addRow("draft02/resp-empty.json") << u"draft02/resp-empty.json"_s << Dialect::Draft02;
    QTest::addRow("draft02/resp-move-header.json")
        << u"draft02/resp-move-header.json"_s << Dialect::Draft02;
}

void TestProtocolDialect::detectsResponseDialect()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    const Document document = Document::fromJson(ProtocolTest::fixture(fixture));
    QVERIFY(document.isValid());
    QCOMPARE(detectResponseDialect(document), dialect);
    // Without a request to go by, decodeResponse detects the same.
    const HookResponse decoded = decodeResponse(ProtocolTest::fixture(fixture));
    QCOMPARE(decoded.dialect, dialect);
}

void TestProtocolDialect::responseDialectFollowsRequest_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Dialect>("requestDialect");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<bool>("malformed");
    // "{}" is a no-op for draft-01 and an error for Stalwart.
    QTest::addRow("empty-object/stalwart")
        << "{}"_ba << Dialect::Stalwart << Dialect::Stalwart << true;
    QTest::addRow("empty-object/draft01")
        << "{}"_ba << Dialect::Draft01 << Dialect::Draft01 << false;
    // A Stalwart MTA reads every answer as its own, so a draft patch fails there.
    QTest::addRow("draft01-set/stalwart") << R"({"set":[{"path":"/action","value":"reject"}]})"_ba
                                          << Dialect::Stalwart << Dialect::Stalwart << true;
    QTest::addRow("json-patch/stalwart") << R"([{"op":"remove","path":"/message"}])"_ba
                                         << Dialect::Stalwart << Dialect::Stalwart << true;
    // A draft MTA takes -01 objects and -02 arrays by their shape, whatever the request said.
    QTest::addRow("json-patch/draft01") << R"([{"op":"remove","path":"/message"}])"_ba
                                        << Dialect::Draft01 << Dialect::Draft02 << false;
    QTest::addRow("draft01-set/draft02") << R"({"set":[{"path":"/action","value":"reject"}]})"_ba
                                         << Dialect::Draft02 << Dialect::Draft01 << false;
    // A Stalwart-shaped answer to a draft request is read as a (broken) draft answer.
    QTest::addRow("stalwart-action/draft01")
        << R"({"action":"reject"})"_ba << Dialect::Draft01 << Dialect::Draft01 << true;
}

void TestProtocolDialect::responseDialectFollowsRequest()
{
    QFETCH(QByteArray, body);
    QFETCH(Dialect, requestDialect);
    QFETCH(Dialect, dialect);
    QFETCH(bool, malformed);
    DecodeOptions options;
    options.requestDialect = requestDialect;
    options.requestStage = Stage::Data;
    const HookResponse decoded = decodeResponse(body, "application/json", 200, options);
    QCOMPARE(decoded.dialect, dialect);
    QVERIFY2(decoded.malformed == malformed, qPrintable(describe(decoded.problems)));
}

void TestProtocolDialect::forcedRequestDialect_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("forced");
    QTest::addColumn<bool>("mismatchWarning");
    QTest::addRow("draft01/req-data.json as stalwart")
        << u"draft01/req-data.json"_s << Dialect::Stalwart << true;
    QTest::addRow("stalwart/req-data.json as draft-01")
        << u"stalwart/req-data.json"_s << Dialect::Draft01 << true;
    // -01 and -02 share the request document: forcing -02 is no contradiction.
    QTest::addRow("draft01/req-data.json as draft-02")
        << u"draft01/req-data.json"_s << Dialect::Draft02 << false;
}

void TestProtocolDialect::forcedRequestDialect()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, forced);
    QFETCH(bool, mismatchWarning);
    DecodeOptions options;
    options.dialect = forced;
    const HookRequest decoded = decodeRequest(ProtocolTest::fixture(fixture), {}, options);
    QCOMPARE(decoded.dialect, forced);
    QCOMPARE(decoded.encoding, Encoding::Json);
    QCOMPARE(hasProblem(decoded.problems, QString(), Severity::Warning), mismatchWarning);
    if (forced == Dialect::Draft02) {
        QCOMPARE(decoded.stage, Stage::Data);
        QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
    } else {
        // Read with the wrong rules, the document is full of errors and the facts are empty.
        QVERIFY(hasErrors(decoded.problems));
        QCOMPARE(decoded.stage, Stage::Unknown);
    }
}

void TestProtocolDialect::forcedEncodingWins()
{
    const QByteArray json = fixture(u"draft01/req-ehlo.json"_s);
    DecodeOptions options;
    options.encoding = Encoding::Cbor;
    // The caller's encoding beats both the content type and sniffing.
    const HookRequest decoded = decodeRequest(json, "application/json", options);
    QCOMPARE(decoded.encoding, Encoding::Cbor);
    QVERIFY(!decoded.document.isValid());
    QVERIFY(hasProblem(decoded.problems, QString(), Severity::Error));
    // The content type beats sniffing.
    const HookRequest labelled = decodeRequest(json, "application/cbor");
    QCOMPARE(labelled.encoding, Encoding::Cbor);
    QVERIFY(!labelled.document.isValid());
    // Unlabelled, it is sniffed.
    const HookRequest sniffed = decodeRequest(json);
    QCOMPARE(sniffed.encoding, Encoding::Json);
    QCOMPARE(sniffed.stage, Stage::Ehlo);
}

void TestProtocolDialect::keepsUnknownStages_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<QString>("stageName");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<Severity>("severity");
    QTest::addRow("draft01/req-unknown-stage.json")
        << fixture(u"draft01/req-unknown-stage.json"_s) << Dialect::Draft01 << Stage::Unknown
        << u"precheck"_s << u"/stage"_s << Severity::Warning;
    QTest::addRow("draft01/req-route.json")
        << fixture(u"draft01/req-route.json"_s) << Dialect::Draft01 << Stage::Route << u"route"_s
        << u"/stage"_s << Severity::Info;
    QByteArray stalwart = fixture(u"stalwart/req-connect.json"_s);
    stalwart.replace("\"connect\"", "\"vrfy\"");
    QTest::addRow("stalwart-vrfy") << stalwart << Dialect::Stalwart << Stage::Unknown << u"vrfy"_s
                                   << u"/context/stage"_s << Severity::Warning;
    QByteArray auth = fixture(u"stalwart/req-ehlo.json"_s);
    auth.replace("\"ehlo\"", "\"auth\"");
    QTest::addRow("stalwart-auth") << auth << Dialect::Stalwart << Stage::Auth << u"auth"_s
                                   << u"/context/stage"_s << Severity::Info;
}

void TestProtocolDialect::keepsUnknownStages()
{
    QFETCH(QByteArray, body);
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(QString, stageName);
    QFETCH(QString, pointer);
    QFETCH(Severity, severity);
    const HookRequest decoded = decodeRequest(body);
    QCOMPARE(decoded.dialect, dialect);
    QVERIFY(decoded.isDecoded());
    QCOMPARE(decoded.stage, stage);
    QCOMPARE(decoded.stageName, stageName);
    QVERIFY2(
        hasProblem(decoded.problems, pointer, severity), qPrintable(describe(decoded.problems)));
    QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
}

void TestProtocolDialect::stageNamesAreExactLowerCase()
{
    for (Stage stage : inboundStages() + outboundStages()) {
        const QString name = stageName(stage);
        QVERIFY(!name.isEmpty());
        QCOMPARE(stageFromName(name), stage);
        QCOMPARE(stageFromName(name.toUpper()), Stage::Unknown);
    }
    QCOMPARE(stageDirection(Stage::Data), Direction::Inbound);
    QCOMPARE(stageDirection(Stage::Route), Direction::Outbound);
    QCOMPARE(stageDirection(Stage::Dsn), Direction::Outbound);
    QCOMPARE(actionFromName(u"ACCEPT"), std::nullopt);
    QCOMPARE(actionFromName(u"failed-silent"), std::nullopt);
}

void TestProtocolDialect::namesRoundTrip()
{
    for (Dialect dialect : {Dialect::Stalwart, Dialect::Draft01, Dialect::Draft02})
        QCOMPARE(dialectFromName(dialectName(dialect)), dialect);
    QCOMPARE(dialectFromName(u"legacy"), Dialect::Stalwart);
    QCOMPARE(dialectFromName(u"draft02"), Dialect::Draft02);
    QCOMPARE(dialectFromName(u"draft-03"), std::nullopt);
    for (Encoding encoding : {Encoding::Json, Encoding::Cbor, Encoding::MsgPack})
        QCOMPARE(encodingFromName(encodingName(encoding)), encoding);
    QCOMPARE(contentTypeFor(Encoding::Cbor), "application/cbor"_ba);
    QCOMPARE(contentTypeFor(Encoding::Json), "application/json"_ba);
}

QTEST_GUILESS_MAIN(TestProtocolDialect)
#include "tst_protocol_dialect.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// JSON and CBOR: every fixture round-trips with its member order, a CBOR request or answer gives
// the same facts as its JSON form, rawMessage travels as a CBOR byte string, and Stalwart is JSON
// only.
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

} // namespace

class TestProtocolCbor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripsJsonCbor_data();
    void roundTripsJsonCbor();
    void cborRequestGivesSameFacts_data();
    void cborRequestGivesSameFacts();
    void cborByteStringRawMessage_data();
    void cborByteStringRawMessage();
    void stalwartIsJsonOnly();
    void cborResponse_data();
    void cborResponse();
};

void TestProtocolCbor::roundTripsJsonCbor_data()
{
    QTest::addColumn<QString>("fixture");
    for (const QString &fixture : jsonFixtures())
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
}

void TestProtocolCbor::roundTripsJsonCbor()
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

void TestProtocolCbor::cborRequestGivesSameFacts_data()
{
    QTest::addColumn<QString>("fixture");
    for (const char *stage : {"connect", "ehlo", "mail", "rcpt", "data", "data-submission",
             "delivery", "defer", "dsn", "route"}) {
        const QString fixture = u"draft01/req-%1.json"_s.arg(QLatin1String(stage));
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
    }
}

void TestProtocolCbor::cborRequestGivesSameFacts()
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

void TestProtocolCbor::cborByteStringRawMessage_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("eml");
    QTest::addRow("draft01/req-data.json")
        << u"draft01/req-data.json"_s << u"draft01/req-data.eml"_s;
    QTest::addRow("draft01/req-dsn.json") << u"draft01/req-dsn.json"_s << u"draft01/req-dsn.eml"_s;
}

void TestProtocolCbor::cborByteStringRawMessage()
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

void TestProtocolCbor::stalwartIsJsonOnly()
{
    const QByteArray cbor = request(u"stalwart/req-data.json"_s).document.toCbor();
    const HookRequest decoded = decodeRequest(cbor, "application/cbor");
    QCOMPARE(decoded.dialect, Dialect::Stalwart);
    QCOMPARE(decoded.stage, Stage::Data);
    QVERIFY2(hasProblem(decoded.problems, QString(), Severity::Error),
        qPrintable(describe(decoded.problems)));
}

void TestProtocolCbor::cborResponse_data()
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

void TestProtocolCbor::cborResponse()
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

QTEST_GUILESS_MAIN(TestProtocolCbor)
#include "tst_protocol_cbor.moc"

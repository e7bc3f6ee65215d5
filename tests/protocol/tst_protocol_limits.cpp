// SPDX-License-Identifier: GPL-3.0-or-later
// The decoders' limits: a body past them is refused with a reason that names the limit, before
// any recursive code sees it (the deep cases below overflowed the stack before the limits).
#include "mock/protocol/codec.h"
#include "mock/protocol/document.h"

#include <QTest>

using namespace MtaHooks;

namespace {

// n bytes c, then one byte last.
QByteArray run(int n, char c, char last)
{
    return QByteArray(QByteArray(n, c) + QByteArray(1, last));
}

QByteArray nestedJsonArrays(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

} // namespace

class TstProtocolLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refusesDeepNesting_data();
    void refusesDeepNesting();
    void depthIsExact();
    void boundsValuesMembersAndStrings();
    void sniffedBodyNamesTheLimit();
    void requestCarriesTheLimit();
    void checksFilesWithoutBuilding();
    void buildsMembersInOrder();
};

void TstProtocolLimits::refusesDeepNesting_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Encoding>("encoding");
    QTest::newRow("CBOR arrays") << QByteArray(200000, '\x81') << Encoding::Cbor;
    QTest::newRow("CBOR maps") << [] {
        QByteArray out;
        for (int i = 0; i < 100000; ++i)
            out += "\xa1\x61k";
        return out;
    }() << Encoding::Cbor;
    QTest::newRow("CBOR indefinite arrays") << QByteArray(200000, '\x9f') << Encoding::Cbor;
    QTest::newRow("CBOR tags") << run(200000, '\xc6', '\0') << Encoding::Cbor;
    QTest::newRow("CBOR tags and arrays")
        << QByteArray(QByteArray(100000, '\xc6') + QByteArray(100000, '\x81')) << Encoding::Cbor;
    QTest::newRow("MessagePack arrays") << QByteArray(200000, '\x91') << Encoding::MsgPack;
    QTest::newRow("JSON arrays") << QByteArray(100000, '[') << Encoding::Json;
    QTest::newRow("JSON objects") << [] {
        QByteArray out;
        for (int i = 0; i < 100000; ++i)
            out += "{\"a\":";
        return out;
    }() << Encoding::Json;
}

void TstProtocolLimits::refusesDeepNesting()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Encoding, encoding);
    QString error;
    const Document document = Document::decode(bytes, encoding, &error);
    QVERIFY(!document.isValid());
    QVERIFY2(error.contains(QLatin1String("nesting depth limit")), qPrintable(error));
}

void TstProtocolLimits::depthIsExact()
{
    DecodeLimits limits;
    limits.maxDepth = 5;
    QVERIFY(Document::fromJson(nestedJsonArrays(5), nullptr, limits).isValid());
    QVERIFY(!Document::fromJson(nestedJsonArrays(6), nullptr, limits).isValid());
    QVERIFY(Document::fromCbor(run(4, '\x81', '\x80'), nullptr, limits).isValid());
    QVERIFY(!Document::fromCbor(run(5, '\x81', '\x80'), nullptr, limits).isValid());
    // Tags count as levels for CBOR (nlohmann's reader recurses on them).
    QVERIFY(Document::fromCbor(run(4, '\xc6', '\x80'), nullptr, limits).isValid());
    QVERIFY(!Document::fromCbor(run(5, '\xc6', '\x80'), nullptr, limits).isValid());
    // Levels given back when a container ends: siblings do not add up.
    QByteArray siblings = "\x83";
    for (int i = 0; i < 3; ++i)
        siblings += run(3, '\x81', '\x80');
    QVERIFY(Document::fromCbor(siblings, nullptr, limits).isValid());
    QVERIFY(Document::fromMsgPack(run(4, '\x91', '\x90'), nullptr, limits).isValid());
    QVERIFY(!Document::fromMsgPack(run(5, '\x91', '\x90'), nullptr, limits).isValid());
}

void TstProtocolLimits::boundsValuesMembersAndStrings()
{
    DecodeLimits limits;
    limits.maxElements = 10;
    limits.maxObjectMembers = 3;
    limits.maxStringBytes = 8;
    QString error;
    QVERIFY(Document::fromJson("[1,2,3,4,5,6,7,8,9]", &error, limits).isValid());
    QVERIFY(!Document::fromJson("[1,2,3,4,5,6,7,8,9,10]", &error, limits).isValid());
    QVERIFY2(error.contains(QLatin1String("element limit")), qPrintable(error));
    QVERIFY(Document::fromJson(R"({"a":1,"b":2,"c":3})", &error, limits).isValid());
    QVERIFY(!Document::fromJson(R"({"a":1,"b":2,"c":3,"d":4})", &error, limits).isValid());
    QVERIFY2(error.contains(QLatin1String("member limit")), qPrintable(error));
    QVERIFY(!Document::fromJson(R"(["123456789"])", &error, limits).isValid());
    QVERIFY2(error.contains(QLatin1String("over the limit")), qPrintable(error));
    // A CBOR array declaring four billion elements is refused without reading them.
    QVERIFY(!Document::fromCbor(QByteArray("\x9a\xff\xff\xff\xff", 5), &error, limits).isValid());
    // A byte string declaring more than it holds fails as a parse error, with no allocation of
    // the declared size.
    QVERIFY(!Document::fromCbor(QByteArray("\x5b\x00\x00\x00\xff\xff\xff\xff\xff", 9), &error)
                 .isValid());
}

void TstProtocolLimits::sniffedBodyNamesTheLimit()
{
    // What a web page can send: text/plain, so the body is sniffed.
    const HookRequest request = decodeRequest(QByteArray(200000, '\x81'), "text/plain");
    QVERIFY(!request.isDecoded());
    QVERIFY(!request.problems.isEmpty());
    QVERIFY2(request.problems.constFirst().message.contains(QLatin1String("nesting depth limit")),
        qPrintable(request.problems.constFirst().message));
}

void TstProtocolLimits::requestCarriesTheLimit()
{
    DecodeOptions options;
    options.limits.maxDepth = 3;
    const QByteArray body = R"({"context":{"stage":"connect","a":{"b":{}}}})";
    QVERIFY(!decodeRequest(body, "application/json", options).isDecoded());
    options.limits.maxDepth = 4;
    QVERIFY(decodeRequest(body, "application/json", options).document.isValid());
}

void TstProtocolLimits::checksFilesWithoutBuilding()
{
    using Check = Document::JsonCheck;
    QString error;
    QCOMPARE(Document::checkJson(
                 R"({"format":"x","a":[1,2,{"b":null}]})", &error, DecodeLimits::forFiles()),
        Check::Passed);
    QCOMPARE(Document::checkJson(nestedJsonArrays(129), &error, DecodeLimits::forFiles()),
        Check::PastLimit);
    QVERIFY(error.contains(QLatin1String("nesting depth limit")));
    QCOMPARE(Document::checkJson("{\"a\":", &error), Check::NotJson);
    QVERIFY2(error.startsWith(QLatin1String("parse error at line 1")), qPrintable(error));
    // What Qt's parser would let through and not write back as it read it: a raw control
    // character, an unknown escape, ill-formed UTF-8.
    QCOMPARE(Document::checkJson(QByteArray("{\"n\0me\":1}", 10), &error), Check::NotJson);
    QVERIFY2(error.contains(QLatin1String("control character")), qPrintable(error));
    QCOMPARE(Document::checkJson(R"({"a":"\."})", &error), Check::NotJson);
    QCOMPARE(Document::checkJson("{\"a\":\"\xa3\"}", &error), Check::NotJson);
    QVERIFY2(error.contains(QLatin1String("UTF-8")), qPrintable(error));
}

// The bounded builder keeps nlohmann's reading: members in document order, a repeated key in its
// first place with its last value, nested containers and scalars of every kind intact.
void TstProtocolLimits::buildsMembersInOrder()
{
    const Document doc = Document::fromJson(
        R"({"z":{"x":[1,{"y":-2},[]],"e":{}},"a":1,"b":true,"a":[3],"n":null,"f":1.5,"s":"t"})");
    QVERIFY(doc.isValid());
    QCOMPARE(doc.toJson(),
        QByteArray(
            R"({"z":{"x":[1,{"y":-2},[]],"e":{}},"a":[3],"b":true,"n":null,"f":1.5,"s":"t"})"));
    QCOMPARE(Document::fromJson("[[],{}]").toJson(), QByteArray("[[],{}]"));
    QCOMPARE(Document::fromJson("\"top\"").toJson(), QByteArray("\"top\""));
    QVERIFY(!Document::fromJson(R"({"a":[1,2})").isValid());
}

QTEST_GUILESS_MAIN(TstProtocolLimits)
#include "tst_protocol_limits.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON fast path (jsonscan_p.h) against nlohmann's reader: whenever the scanner says it
// parsed a text, nlohmann must have parsed it too, with the same SAX events and values.
#include "mock/protocol/jsonscan_p.h"
#include "tests/protocol/saxrecorder.h"

#include <QTest>

using MtaHooks::Detail::JsonScan;
using MtaHooks::Detail::scanJson;
using SaxTest::Json;
using SaxTest::Outcome;
using SaxTest::Recorder;

namespace {

Outcome compare(const QByteArray &text)
{
    Outcome outcome;
    Recorder fast;
    outcome.scanned = scanJson(QByteArrayView(text), fast) == JsonScan::Parsed;
    outcome.scannerEvents = fast.events;
    Recorder reference;
    outcome.parsed = Json::sax_parse(text.begin(), text.end(), &reference);
    outcome.nlohmannEvents = reference.events;
    return outcome;
}

QByteArray sample()
{
    return "{\"context\":{\"stage\":\"rcpt\",\"client\":{\"ip\":\"192.0.2.17\",\"port\":40125,"
           "\"helo\":\"mx.example.net\"},\"tls\":null,\"protocol\":{\"version\":1}},\"envelope\":"
           "{\"from\":{\"address\":\"a\\\"b\\\\c\\/"
           "d\\n@example.net\"},\"to\":[{\"address\":\"r@x\"},"
           "{\"address\":\"s@x\",\"n\":-9223372036854775808,\"m\":18446744073709551615}],"
           "\"flags\":[true,false,null,[],{},[[0]],-0]}}";
}

} // namespace

class TstProtocolJsonScan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void agreesWithNlohmann_data();
    void agreesWithNlohmann();
    void agreesOnMutations();
};

void TstProtocolJsonScan::agreesWithNlohmann_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("inSubset"); // the scanner is expected to parse it itself
    QTest::newRow("request") << sample() << true;
    QTest::newRow("spaces") << QByteArray(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n") << true;
    QTest::newRow("scalar") << QByteArray("\"top\"") << true;
    QTest::newRow("zero") << QByteArray("0") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("float") << QByteArray("[1.5]") << false;
    QTest::newRow("exponent") << QByteArray("[1e3]") << false;
    QTest::newRow("past 64 bits") << QByteArray("[18446744073709551616]") << false;
    QTest::newRow("past int64") << QByteArray("[-9223372036854775809]") << false;
    QTest::newRow("leading zero") << QByteArray("[01]") << false;
    QTest::newRow("lone minus") << QByteArray("[-]") << false;
    QTest::newRow("unicode escape") << QByteArray("[\"\\u00e9\"]") << false;
    QTest::newRow("bad escape") << QByteArray("[\"\\.\"]") << false;
    QTest::newRow("utf-8") << QByteArray("[\"\xc3\xa9\"]") << false;
    QTest::newRow("bad utf-8") << QByteArray("[\"\xa3\"]") << false;
    QTest::newRow("control") << QByteArray("[\"a\tb\"]") << false;
    QTest::newRow("bom") << QByteArray("\xef\xbb\xbf{}") << false;
    QTest::newRow("trailing comma") << QByteArray("{\"a\":1,}") << false;
    QTest::newRow("missing colon") << QByteArray("{\"a\" 1}") << false;
    QTest::newRow("unclosed") << QByteArray("{\"a\":[1,2}") << false;
    QTest::newRow("two values") << QByteArray("1 2") << false;
    QTest::newRow("literal") << QByteArray("[tru]") << false;
    QTest::newRow("glued") << QByteArray("[truex]") << false;
    QTest::newRow("nul byte") << QByteArray("[1]\0", 4) << false;
}

void TstProtocolJsonScan::agreesWithNlohmann()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, inSubset);
    const Outcome outcome = compare(text);
    QCOMPARE(outcome.scanned, inSubset);
    if (outcome.scanned) {
        QVERIFY(outcome.parsed);
        QCOMPARE(outcome.scannerEvents, outcome.nlohmannEvents);
    }
}

// Random byte changes of a request: never a parse nlohmann refuses or reads otherwise.
void TstProtocolJsonScan::agreesOnMutations()
{
    QRandomGenerator random(12);
    const QByteArray base = sample();
    const QByteArray alphabet = "{}[]\",:0123456789-+.eE \\/tfnulrsa\x01\x80";
    int scanned = 0;
    for (int round = 0; round < 20000; ++round) {
        const QByteArray text = SaxTest::mutated(
            random, base, [&] { return alphabet.at(random.bounded(int(alphabet.size()))); });
        const Outcome outcome = compare(text);
        if (!outcome.scanned)
            continue;
        ++scanned;
        QVERIFY2(outcome.parsed, text.constData());
        QVERIFY2(outcome.scannerEvents == outcome.nlohmannEvents, text.constData());
    }
    QVERIFY2(scanned > 1000, qPrintable(QString::number(scanned))); // the check saw parses
}

QTEST_GUILESS_MAIN(TstProtocolJsonScan)
#include "tst_protocol_jsonscan.moc"

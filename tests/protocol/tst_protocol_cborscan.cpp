// SPDX-License-Identifier: GPL-3.0-or-later
// The CBOR fast path (cborscan_p.h) against nlohmann's reader, read as Document::fromCbor reads
// (strict, tags ignored): whenever the scanner says it parsed an input, nlohmann must have parsed
// it too, with the same SAX events and values.
#include "mock/protocol/cborscan_p.h"
#include "tests/protocol/saxrecorder.h"

#include <QTest>

using MtaHooks::Detail::CborScan;
using MtaHooks::Detail::scanCbor;
using SaxTest::Json;
using SaxTest::Outcome;
using SaxTest::Recorder;

namespace {

Outcome compare(const QByteArray &bytes)
{
    Outcome outcome;
    Recorder fast;
    outcome.scanned = scanCbor(QByteArrayView(bytes), fast) == CborScan::Parsed;
    outcome.scannerEvents = fast.events;
    Recorder reference;
    using Input = decltype(nlohmann::detail::input_adapter(bytes.cbegin(), bytes.cend()));
    nlohmann::detail::binary_reader<Json, Input, Recorder> reader(
        nlohmann::detail::input_adapter(bytes.cbegin(), bytes.cend()),
        nlohmann::detail::input_format_t::cbor);
    try {
        outcome.parsed = reader.sax_parse(nlohmann::detail::input_format_t::cbor, &reference, true,
            Json::cbor_tag_handler_t::ignore);
    } catch (const Json::exception &) {
        outcome.parsed = false;
    }
    outcome.nlohmannEvents = reference.events;
    return outcome;
}

QByteArray bytes(std::initializer_list<int> values)
{
    QByteArray out;
    for (const int value : values)
        out.append(char(value));
    return out;
}

// A request with every kind the scanner reads, written by nlohmann itself.
QByteArray sample()
{
    const Json request
        = {{"context",
               {{"stage", "data"}, {"client", {{"ip", "192.0.2.17"}, {"port", 40125}}},
                   {"tls", nullptr}, {"protocol", {{"version", 1}}}}},
            {"envelope",
                {{"from", {{"address", "a@example.net"}}},
                    {"to", Json::array({{{"address", "r@x"}}, {{"address", "s@x"}}})}}},
            {"numbers",
                Json::array({0, 23, 24, 255, 256, 65536, 4294967296ULL, 18446744073709551615ULL, -1,
                    -24, -25, -9223372036854775807LL - 1, 1.5, -0.25, 1e300})},
            {"flags", Json::array({true, false, nullptr, Json::array(), Json::object()})},
            {"blob", Json::binary({0x00, 0xff, 0x41})},
            {"message", {{"contents", std::string(300, 'x') + "\xc3\xa9"}}}};
    const std::vector<std::uint8_t> cbor = Json::to_cbor(request);
    return QByteArray(reinterpret_cast<const char *>(cbor.data()), qsizetype(cbor.size()));
}

} // namespace

class TstProtocolCborScan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void agreesWithNlohmann_data();
    void agreesWithNlohmann();
    void agreesOnMutations();
    void largeStringIsOneAllocation();
};

void TstProtocolCborScan::agreesWithNlohmann_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("inSubset"); // the scanner is expected to parse it itself
    QTest::newRow("request") << sample() << true;
    QTest::newRow("scalar") << bytes({0x05}) << true;
    QTest::newRow("empty string") << bytes({0x60}) << true;
    QTest::newRow("empty bytes") << bytes({0x40}) << true;
    QTest::newRow("single float") << bytes({0xfa, 0x3f, 0xc0, 0x00, 0x00}) << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("half float") << bytes({0xf9, 0x3c, 0x00}) << false;
    QTest::newRow("undefined") << bytes({0xf7}) << false;
    QTest::newRow("simple value") << bytes({0xf0}) << false;
    QTest::newRow("tag") << bytes({0xc1, 0x01}) << false;
    QTest::newRow("past int64") << bytes({0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0}) << false;
    QTest::newRow("indefinite array") << bytes({0x9f, 0x01, 0xff}) << false;
    QTest::newRow("indefinite string") << bytes({0x7f, 0x61, 0x61, 0xff}) << false;
    QTest::newRow("integer key") << bytes({0xa1, 0x01, 0x02}) << false;
    QTest::newRow("two items") << bytes({0x01, 0x02}) << false;
    QTest::newRow("truncated map") << bytes({0xa2, 0x61, 0x61, 0x01}) << false;
    QTest::newRow("truncated string") << bytes({0x65, 0x61, 0x62}) << false;
    // A head that promises 2^62 bytes: given up on before anything is allocated.
    QTest::newRow("lying length") << bytes({0x5b, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x41}) << false;
    QTest::newRow("reserved") << bytes({0x1c}) << false;
    QTest::newRow("break alone") << bytes({0xff}) << false;
}

void TstProtocolCborScan::agreesWithNlohmann()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, inSubset);
    const Outcome outcome = compare(input);
    QCOMPARE(outcome.scanned, inSubset);
    if (outcome.scanned) {
        QVERIFY(outcome.parsed);
        QCOMPARE(outcome.scannerEvents, outcome.nlohmannEvents);
    }
}

// Random byte changes of a request: never a parse nlohmann refuses or reads otherwise.
void TstProtocolCborScan::agreesOnMutations()
{
    QRandomGenerator random(12);
    const QByteArray base = sample();
    int scanned = 0;
    for (int round = 0; round < 20000; ++round) {
        const QByteArray input
            = SaxTest::mutated(random, base, [&] { return char(random.bounded(256)); });
        const Outcome outcome = compare(input);
        if (!outcome.scanned)
            continue;
        ++scanned;
        QVERIFY2(outcome.parsed, input.toHex().constData());
        QVERIFY2(outcome.scannerEvents == outcome.nlohmannEvents, input.toHex().constData());
    }
    QVERIFY2(scanned > 1000, qPrintable(QString::number(scanned))); // the check saw parses
}

// What the fast path is for: a large string reaches the consumer with exactly its own size
// allocated, not a buffer grown past it.
void TstProtocolCborScan::largeStringIsOneAllocation()
{
    const std::string contents(5 * 1000 * 1000, 'm');
    const std::vector<std::uint8_t> cbor = Json::to_cbor(Json {{"contents", contents}});
    const QByteArray input(reinterpret_cast<const char *>(cbor.data()), qsizetype(cbor.size()));
    struct Capacity : Recorder
    {
        std::size_t capacity = 0;
        bool string(std::string &v)
        {
            capacity = v.capacity();
            return v == std::string(5 * 1000 * 1000, 'm');
        }
    } sax;
    QCOMPARE(scanCbor(QByteArrayView(input), sax), CborScan::Parsed);
    QCOMPARE(sax.capacity, contents.size());
}

QTEST_GUILESS_MAIN(TstProtocolCborScan)
#include "tst_protocol_cborscan.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// A request's body beyond its facts: the raw message rebuilt byte-exactly from each dialect's form
// (and reported when it cannot be), the base64 flavours of rawMessage, a byte order mark, and
// bodies that are no request at all.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

class TestProtocolRequestBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
};

void TestProtocolRequestBody::rebuildsRawMessage_data()
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

void TestProtocolRequestBody::rebuildsRawMessage()
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

void TestProtocolRequestBody::stalwartRebuildIsNotColonSpace()
{
    // The trap several scanners fall into: inserting ": " and another CRLF.
    const QByteArray raw = request(u"stalwart/req-data.json"_s).rawMessage;
    QVERIFY(raw.startsWith("From: Carol <carol@example.net>\r\nTo: dave@example.com,\r\n erin"));
    QVERIFY(raw.contains("\r\nX-Tag:no-space-after-colon\r\n"));
    QVERIFY(!raw.contains("From:  Carol"));
    QVERIFY(!raw.contains("\r\n\r\nTo:"));
}

void TestProtocolRequestBody::jmapWithoutHeadersIsReported()
{
    // The delivery stage carries JMAP metadata only: there is a message, but no raw form of it.
    const HookRequest decoded = request(u"draft01/req-delivery.json"_s);
    QVERIFY(decoded.hasMessage);
    QVERIFY(decoded.rawMessage.isEmpty());
    QCOMPARE(decoded.declaredSize, qint64(335));
    QVERIFY2(hasProblem(decoded.problems, u"/message"_s, Severity::Info),
        qPrintable(describe(decoded.problems)));
}

void TestProtocolRequestBody::toleratesByteOrderMark_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addRow("labelled") << "application/json"_ba;
    QTest::addRow("sniffed") << QByteArray();
}

void TestProtocolRequestBody::toleratesByteOrderMark()
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

void TestProtocolRequestBody::reportsScalarBodies()
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

void TestProtocolRequestBody::base64Flavours_data()
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

void TestProtocolRequestBody::base64Flavours()
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

void TestProtocolRequestBody::rejectsUndecodableRequests_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("documentValid");
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("blank") << "\r\n  "_ba << false;
    QTest::addRow("truncated") << R"({"stage":"data",)"_ba << false;
    QTest::addRow("array") << R"([{"stage":"data"}])"_ba << true;
    QTest::addRow("no-dialect") << R"({"hello":"world"})"_ba << true;
}

void TestProtocolRequestBody::rejectsUndecodableRequests()
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

QTEST_GUILESS_MAIN(TestProtocolRequestBody)
#include "tst_protocol_requestbody.moc"

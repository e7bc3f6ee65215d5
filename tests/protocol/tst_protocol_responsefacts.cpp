// SPDX-License-Identifier: GPL-3.0-or-later
// Answers decoded before anything is applied: Stalwart's fields and modifications, draft-01's
// operations in set -> add -> delete order, draft-02's JSON Patch, and what the HTTP status and an
// empty body mean in each dialect.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

class TestProtocolResponseFacts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesStalwartResponse();
    void decodesStalwartModifications();
    void decodesDraft01Operations();
    void decodesDraft02Operations();
    void httpStatusAndEmptyBodies_data();
    void httpStatusAndEmptyBodies();
};

void TestProtocolResponseFacts::decodesStalwartResponse()
{
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    const HookResponse custom = response(u"stalwart/resp-reject-custom.json"_s, data);
    QCOMPARE(custom.dialect, Dialect::Stalwart);
    QVERIFY(!custom.malformed);
    QCOMPARE(custom.action, Action::Reject);
    QCOMPARE(custom.status, std::optional<int>(550));
    QCOMPARE(custom.enhancedStatus, std::optional<QString>(u"5.7.1"_s));
    QCOMPARE(custom.replyMessage, std::optional<QString>(u"Quarterly reports must be encrypted"_s));
    QCOMPARE(custom.disconnect, false);

    // "enhancedStatus" is not Stalwart's key: the enhanced code is lost.
    const HookResponse camel = response(u"stalwart/resp-enhancedStatus.json"_s, data);
    QVERIFY(!camel.malformed);
    QCOMPARE(camel.enhancedStatus, std::nullopt);
    QCOMPARE(camel.status, std::optional<int>(550));

    const HookResponse disconnect = response(u"stalwart/resp-disconnect-true.json"_s, data);
    QCOMPARE(disconnect.disconnect, true);
    const HookResponse nullReply = response(u"stalwart/resp-response-null.json"_s, data);
    QVERIFY(!nullReply.malformed);
    QCOMPARE(nullReply.status, std::nullopt);
}

void TestProtocolResponseFacts::decodesStalwartModifications()
{
    using Type = StalwartModification::Type;
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    const HookResponse decoded = response(u"stalwart/resp-modifications.json"_s, data);
    QVERIFY2(!decoded.malformed, qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.action, Action::Accept);
    QCOMPARE(decoded.modifications.size(), 8);
    const QList<Type> types {Type::AddHeader, Type::InsertHeader, Type::ChangeHeader,
        Type::DeleteHeader, Type::ChangeFrom, Type::AddRecipient, Type::DeleteRecipient,
        Type::ReplaceContents};
    for (qsizetype i = 0; i < types.size(); ++i) {
        QCOMPARE(decoded.modifications[i].type, types[i]);
        QCOMPARE(decoded.modifications[i].pointer, u"/modifications/%1"_s.arg(i));
        QCOMPARE(modificationTypeFromName(modificationTypeName(types[i])), types[i]);
    }
    QCOMPARE(decoded.modifications[1].index, 2);
    QCOMPARE(decoded.modifications[1].name, u"References"_s);
    QCOMPARE(decoded.modifications[3].index, 1);
    QCOMPARE(decoded.modifications[3].value, QString());
    QCOMPARE(decoded.modifications[4].value, u"<Bounces@Example.NET>"_s);
    using Parameter = std::pair<QString, std::optional<QString>>;
    QCOMPARE(decoded.modifications[4].parameters,
        (QList<Parameter> {{u"RET"_s, u"HDRS"_s}, {u"ENVID"_s, u"q3-77"_s}}));
    // A null parameter value is allowed (a keyword without value).
    QCOMPARE(decoded.modifications[5].parameters,
        (QList<Parameter> {{u"NOTIFY"_s, u"NEVER"_s}, {u"ORCPT"_s, std::nullopt}}));
    QCOMPARE(decoded.modifications[7].value, u"Numbers withheld.\r\n"_s);
    QCOMPARE(modificationTypeFromName(u"addRcpt"), std::nullopt);
}

void TestProtocolResponseFacts::decodesDraft01Operations()
{
    using Op = PatchOperation::Op;
    const HookRequest data = request(u"draft01/req-data.json"_s);
    // The document lists delete, add, set; the operations come out set, add, delete.
    const HookResponse ordering = response(u"draft01/resp-ordering.json"_s, data);
    QVERIFY2(!ordering.malformed, qPrintable(describe(ordering.problems)));
    QCOMPARE(ordering.dialect, Dialect::Draft01);
    QCOMPARE(ordering.operations.size(), 3);
    QCOMPARE(ordering.operations[0].op, Op::Set);
    QCOMPARE(ordering.operations[0].pointer, u"/set/0"_s);
    QCOMPARE(ordering.operations[0].path, u"/message/headers/0/value"_s);
    QCOMPARE(ordering.operations[1].op, Op::Add);
    QCOMPARE(ordering.operations[1].pointer, u"/add/0"_s);
    QCOMPARE(ordering.operations[1].index, std::optional<qint64>(0));
    QCOMPARE(ordering.operations[1].value.value(u"/name").toString(), u"X-Scan"_s);
    QCOMPARE(ordering.operations[2].op, Op::Delete);
    QCOMPARE(ordering.operations[2].pointer, u"/delete/0"_s);
    QVERIFY(!ordering.operations[2].value.isValid());

    const HookResponse indexed = response(u"draft01/resp-add-index.json"_s, data);
    QList<std::optional<qint64>> indexes;
    for (const PatchOperation &operation : indexed.operations)
        indexes << operation.index;
    QCOMPARE(indexes, (QList<std::optional<qint64>> {0, std::nullopt, std::nullopt, 2}));

    for (const char *noop : {"empty", "null-arrays", "empty-arrays"}) {
        const HookResponse decoded
            = response(u"draft01/resp-%1.json"_s.arg(QLatin1String(noop)), data);
        QVERIFY(!decoded.malformed);
        QVERIFY(decoded.operations.isEmpty());
    }
}

void TestProtocolResponseFacts::decodesDraft02Operations()
{
    using Op = PatchOperation::Op;
    const HookRequest data = request(u"draft01/req-data.json"_s);
    const HookResponse copy = response(u"draft02/resp-copy-recipient.json"_s, data);
    QVERIFY2(!copy.malformed, qPrintable(describe(copy.problems)));
    QCOMPARE(copy.dialect, Dialect::Draft02);
    QCOMPARE(copy.operations.size(), 2);
    QCOMPARE(copy.operations[0].op, Op::Copy);
    QCOMPARE(copy.operations[0].from, u"/envelope/to/0"_s);
    QCOMPARE(copy.operations[0].path, u"/envelope/to/-"_s);
    QCOMPARE(copy.operations[0].pointer, u"/0"_s);
    QCOMPARE(copy.operations[1].op, Op::Replace);
    QCOMPARE(copy.operations[1].pointer, u"/1"_s);

    const HookResponse test = response(u"draft02/resp-test-failing.json"_s, data);
    QList<Op> ops;
    for (const PatchOperation &operation : test.operations)
        ops << operation.op;
    QCOMPARE(ops, (QList<Op> {Op::Replace, Op::Test, Op::Replace}));
    QCOMPARE(test.operations[1].value.toString(), u"Monthly report"_s);
    // The failing test is found when applying, not when decoding.
    QVERIFY(!test.malformed);
    for (Op op :
        {Op::Set, Op::Add, Op::Delete, Op::Remove, Op::Replace, Op::Move, Op::Copy, Op::Test})
        QVERIFY(!patchOpName(op).isEmpty());
}

void TestProtocolResponseFacts::httpStatusAndEmptyBodies_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("malformed");
    QTest::addColumn<bool>("emptyBody");
    QTest::addRow("draft/204") << u"draft01/req-data.json"_s << QByteArray() << 204 << false
                               << true;
    // The drafts want a body with 200 (or 204 without): an empty 200 is unparseable.
    QTest::addRow("draft/200-empty")
        << u"draft01/req-data.json"_s << QByteArray() << 200 << true << true;
    QTest::addRow("draft/500") << u"draft01/req-data.json"_s << R"({"set":[]})"_ba << 500 << true
                               << false;
    // Stalwart: any empty answer is a hook error.
    QTest::addRow("stalwart/204") << u"stalwart/req-data.json"_s << QByteArray() << 204 << true
                                  << true;
    QTest::addRow("stalwart/299") << u"stalwart/req-data.json"_s << R"({"action":"accept"})"_ba
                                  << 299 << false << false;
    QTest::addRow("stalwart/404") << u"stalwart/req-data.json"_s << R"({"action":"accept"})"_ba
                                  << 404 << true << false;
}

void TestProtocolResponseFacts::httpStatusAndEmptyBodies()
{
    QFETCH(QString, requestFixture);
    QFETCH(QByteArray, body);
    QFETCH(int, httpStatus);
    QFETCH(bool, malformed);
    QFETCH(bool, emptyBody);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(body, decoded, httpStatus);
    QCOMPARE(answer.httpStatus, httpStatus);
    QCOMPARE(answer.emptyBody, emptyBody);
    QVERIFY2(answer.malformed == malformed, qPrintable(describe(answer.problems)));
    QCOMPARE(hasErrors(answer.problems), malformed);
}

QTEST_GUILESS_MAIN(TestProtocolResponseFacts)
#include "tst_protocol_responsefacts.moc"

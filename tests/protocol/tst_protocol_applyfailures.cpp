// SPDX-License-Identifier: GPL-3.0-or-later
// What an MTA does with an answer that does not apply, in whole or in part: a downgrade of an
// earlier scanner's verdict is refused, draft-01 skips a failed operation while draft-02 voids the
// whole patch, a malformed answer changes nothing, answers are checked again against the request
// they answer (stage, direction, resulting action), and an answer in another dialect is an error.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

class TestProtocolApplyFailures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void draftDowngradeRefused_data();
    void draftDowngradeRefused();
    void draftSkipsFailedOperation();
    void draftMalformedAppliesNothing_data();
    void draftMalformedAppliesNothing();
    void draftRecheckedAgainstRequest_data();
    void draftRecheckedAgainstRequest();
    void crossDialectAnswers_data();
    void crossDialectAnswers();
    void draftResultingActionMustBeValid_data();
    void draftResultingActionMustBeValid();
    void draft02IsAtomic_data();
    void draft02IsAtomic();
};

void TestProtocolApplyFailures::draftDowngradeRefused_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<Action>("action");
    QTest::addColumn<bool>("refused");
    // The request already says quarantine (an earlier scanner): accept would weaken it.
    QTest::addRow("draft01/resp-downgrade.json")
        << u"draft01/resp-downgrade.json"_s << Action::Quarantine << true;
    QTest::addRow("draft01/resp-accept.json")
        << u"draft01/resp-accept.json"_s << Action::Quarantine << true;
    QTest::addRow("draft01/resp-quarantine.json")
        << u"draft01/resp-quarantine.json"_s << Action::Quarantine << false;
    QTest::addRow("draft01/resp-reject-default.json")
        << u"draft01/resp-reject-default.json"_s << Action::Reject << false;
    QTest::addRow("draft01/resp-discard.json")
        << u"draft01/resp-discard.json"_s << Action::Discard << false;
}

void TestProtocolApplyFailures::draftDowngradeRefused()
{
    QFETCH(QString, responseFixture);
    QFETCH(Action, action);
    QFETCH(bool, refused);
    const HookRequest decoded = request(u"draft01/req-data-quarantined.json"_s);
    QCOMPARE(decoded.action, Action::Quarantine);
    const Outcome outcome = apply(decoded, response(responseFixture, decoded));
    QCOMPARE(outcome.action, action);
    QCOMPARE(hasProblem(outcome.problems, u"/action"_s, Severity::Warning), refused);
    if (refused) {
        // The whole answer is refused, not only its /action (reference §f.8: our choice).
        QCOMPARE(outcome.document, decoded.document);
        QCOMPARE(outcome.message, decoded.rawMessage);
        QVERIFY(!outcome.messageChanged);
    }
}

void TestProtocolApplyFailures::draftSkipsFailedOperation()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome
        = apply(decoded, response(u"draft01/resp-skip-failed-op.json"_s, decoded));
    QVERIFY(!outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, u"/delete/0"_s, Severity::Warning),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Quarantine);
    QVERIFY(!outcome.message.contains("X-Mailer"));
    QVERIFY(outcome.message.contains("X-Report-Tags: finance,\r\n\tquarterly\r\n"));
}

void TestProtocolApplyFailures::draftMalformedAppliesNothing_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    const QString data = u"draft01/req-data.json"_s;
    for (const char *name : {"path-outside", "inbound-continue", "unknown-action",
             "header-injection", "header-value-injection", "set-without-value", "stalwart-shape",
             "response-status", "negative-index"}) {
        const QString fixture = u"draft01/resp-INVALID-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << data << fixture;
    }
    QTest::addRow("draft01/resp-INVALID-outbound-reject.json")
        << u"draft01/req-delivery.json"_s << u"draft01/resp-INVALID-outbound-reject.json"_s;
    for (const char *name : {"set-op", "replace-without-value", "index-member", "path-outside",
             "move-from-protected", "header-injection"}) {
        const QString fixture = u"draft02/resp-INVALID-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << data << fixture;
    }
}

void TestProtocolApplyFailures::draftMalformedAppliesNothing()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(responseFixture, decoded);
    QVERIFY2(answer.malformed, qPrintable(describe(answer.problems)));
    const Outcome outcome = apply(decoded, answer);
    QVERIFY(outcome.malformed);
    QCOMPARE(outcome.action, decoded.action);
    QCOMPARE(outcome.document, decoded.document);
    QCOMPARE(outcome.message, decoded.rawMessage);
    QCOMPARE(outcome.envelope, decoded.envelope);
    if (decoded.direction() == Direction::Inbound)
        QCOMPARE(outcome.reply, decoded.reply);
}

void TestProtocolApplyFailures::draftRecheckedAgainstRequest_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<QString>("pointer");
    // Decoded without the stage, these look fine; applied to the request they are not.
    QTest::addRow("continue@data")
        << u"draft01/req-data.json"_s << R"({"set":[{"path":"/action","value":"continue"}]})"_ba
        << u"/set/0/value"_s;
    QTest::addRow("reject@delivery")
        << u"draft01/req-delivery.json"_s
        << R"([{"op":"replace","path":"/action","value":"reject"}])"_ba << u"/0/value"_s;
    // Outbound, only /envelope/to is writable in the envelope.
    QTest::addRow("envelope-from@delivery")
        << u"draft01/req-delivery.json"_s
        << R"({"set":[{"path":"/envelope/from/address","value":"x@example.org"}]})"_ba
        << u"/set/0/path"_s;
}

void TestProtocolApplyFailures::draftRecheckedAgainstRequest()
{
    QFETCH(QString, requestFixture);
    QFETCH(QByteArray, answer);
    QFETCH(QString, pointer);
    const HookRequest decoded = request(requestFixture);
    const HookResponse blind = decodeResponse(answer, "application/json");
    QVERIFY2(!blind.malformed, qPrintable(describe(blind.problems)));
    const Outcome outcome = apply(decoded, blind);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, pointer, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, decoded.action);
    QCOMPARE(outcome.document, decoded.document);
    // Decoded knowing the request, the same problem is found up front.
    const HookResponse informed = response(answer, decoded);
    QVERIFY(informed.malformed);
    QVERIFY(hasProblem(informed.problems, pointer, Severity::Error));
}

void TestProtocolApplyFailures::crossDialectAnswers_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addRow("stalwart<-draft01")
        << u"stalwart/req-data.json"_s << u"draft01/resp-reject-custom.json"_s;
    QTest::addRow("stalwart<-draft02")
        << u"stalwart/req-data.json"_s << u"draft02/resp-add-header.json"_s;
    QTest::addRow("draft01<-stalwart")
        << u"draft01/req-data.json"_s << u"stalwart/resp-reject-custom.json"_s;
}

void TestProtocolApplyFailures::crossDialectAnswers()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    // Decoded without knowing the request, each answer is well-formed in its own dialect.
    const HookRequest decoded = request(requestFixture);
    const HookResponse blind = decodeResponse(fixture(responseFixture), "application/json");
    QVERIFY(!blind.malformed);
    QVERIFY(blind.dialect != decoded.dialect);
    const Outcome outcome = apply(decoded, blind);
    QVERIFY(outcome.malformed);
    QVERIFY(hasErrors(outcome.problems));
    if (decoded.dialect == Dialect::Stalwart) {
        QCOMPARE(outcome.reply.toString(), u"451 4.3.5 Unable to accept message at this time."_s);
    } else {
        QCOMPARE(outcome.action, decoded.action);
        QCOMPARE(outcome.reply, decoded.reply);
    }
}

void TestProtocolApplyFailures::draftResultingActionMustBeValid_data()
{
    QTest::addColumn<QByteArray>("answer");
    // The value reaching /action comes from the document, not from the answer: only the result
    // shows it is no action.
    QTest::addRow("copy-ehlo") << R"([{"op":"copy","from":"/client/ehlo","path":"/action"}])"_ba;
    QTest::addRow("move-response-message")
        << R"([{"op":"move","from":"/response/message","path":"/action"}])"_ba;
    QTest::addRow("copy-continue-from-elsewhere")
        << R"([{"op":"add","path":"/message/keywords","value":"continue"},
              {"op":"move","from":"/message/keywords","path":"/action"}])"_ba;
}

void TestProtocolApplyFailures::draftResultingActionMustBeValid()
{
    QFETCH(QByteArray, answer);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse parsed = response(answer, decoded);
    QVERIFY2(!parsed.malformed, qPrintable(describe(parsed.problems)));
    const Outcome outcome = apply(decoded, parsed);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, u"/action"_s, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Accept);
    QCOMPARE(outcome.document, decoded.document);
}

void TestProtocolApplyFailures::draft02IsAtomic_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<QString>("pointer");
    // The replace of /action comes first and would succeed alone: RFC 6902 voids it with the
    // failing test.
    QTest::addRow("draft02/resp-test-failing.json")
        << u"draft02/resp-test-failing.json"_s << u"/1"_s;
    QTest::addRow("draft02/resp-remove-missing.json")
        << u"draft02/resp-remove-missing.json"_s << u"/1"_s;
}

void TestProtocolApplyFailures::draft02IsAtomic()
{
    QFETCH(QString, responseFixture);
    QFETCH(QString, pointer);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse answer = response(responseFixture, decoded);
    QVERIFY(!answer.malformed); // well-formed; it fails when applied
    const Outcome outcome = apply(decoded, answer);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, pointer, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Accept);
    QCOMPARE(outcome.reply, decoded.reply);
    QCOMPARE(outcome.document, decoded.document);
    QCOMPARE(outcome.message, decoded.rawMessage);
    QVERIFY(!outcome.messageChanged);
}

QTEST_GUILESS_MAIN(TestProtocolApplyFailures)
#include "tst_protocol_applyfailures.moc"

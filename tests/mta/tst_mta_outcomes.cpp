// SPDX-License-Identifier: GPL-3.0-or-later
// What the mock MTA does with each answer as a session goes on, against the mock scanner on
// 127.0.0.1: a recipient refused at rcpt is left out of later calls, a reject or disconnect ends
// the session, envelope and message edits carry forward exactly as the protocol engine applies
// them, and a recording's expectations are checked against what happened.
#include "mock/mta/sessionreplayer.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/replayertest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ReplayerTest;
using Mock::Answer;
using Mock::Exchange;
using Mock::ReplayResult;
using Mock::Rule;
using Mock::SessionRecording;
using Mock::StageResult;

class TestMtaOutcomes : public ReplayerTest::Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void rejectAtRcptDropsOnlyThatRecipient_data();
    void rejectAtRcptDropsOnlyThatRecipient();
    void rejectOrDisconnectStops_data();
    void rejectOrDisconnectStops();
    void stalwartStopsOnAnyNonAccept();
    void draftEnvelopeEditsAccumulate();
    void dataEditsMatchTheEngine_data();
    void dataEditsMatchTheEngine();
    void expectations();
};

void TestMtaOutcomes::init()
{
    setUp();
}

void TestMtaOutcomes::cleanup()
{
    tearDown();
}

void TestMtaOutcomes::rejectAtRcptDropsOnlyThatRecipient_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addColumn<Preset>("answer");
    QTest::addRow("stalwart-reject") << Dialect::Stalwart << Encoding::Json << Preset::Reject;
    QTest::addRow("stalwart-tempfail") << Dialect::Stalwart << Encoding::Json << Preset::Tempfail;
    QTest::addRow("draft-01-reject") << Dialect::Draft01 << Encoding::Json << Preset::Reject;
    QTest::addRow("draft-01-cbor-tempfail")
        << Dialect::Draft01 << Encoding::Cbor << Preset::Tempfail;
    QTest::addRow("draft-02-reject") << Dialect::Draft02 << Encoding::Json << Preset::Reject;
}

void TestMtaOutcomes::rejectAtRcptDropsOnlyThatRecipient()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    QFETCH(Preset, answer);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    Rule refuse = rule(u"no peggy"_s, {Stage::Rcpt}, preset(answer));
    refuse.when.toGlob = u"peggy@*"_s;
    m_rulebook->setRules({refuse});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect, encoding)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(!result.stopped, qPrintable(describeStages(result)));
    const StageResult *peggy = findStage(result, Stage::Rcpt, u"peggy@example.com"_s);
    QVERIFY(peggy);
    QCOMPARE(peggy->outcome.action, Action::Reject);
    QCOMPARE(peggy->outcome.reply.code, answer == Preset::Reject ? 550 : 451);
    QCOMPARE(
        peggy->outcome.verdict, answer == Preset::Reject ? Verdict::Reject : Verdict::Tempfail);
    // Victor's rcpt call no longer lists peggy; data goes to the two others.
    const StageResult *victor = findStage(result, Stage::Rcpt, u"victor@example.com"_s);
    QVERIFY(victor);
    DecodeOptions options;
    options.dialect = dialect;
    const HookRequest victorRequest = decodeRequest(victor->requestBody, {}, options);
    QCOMPARE(victorRequest.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    QCOMPARE(data->outcome.action, Action::Accept);
    const HookRequest dataRequest = decodeRequest(data->requestBody, {}, options);
    QCOMPARE(dataRequest.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    QCOMPARE(result.envelopeAfter.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    QVERIFY(result.messageQueued);
    // The endpoint saw the same.
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), 7);
    QCOMPARE(hooks.constLast().stage, Stage::Data);
    QCOMPARE(hooks.constLast().recipients,
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
}

void TestMtaOutcomes::rejectOrDisconnectStops_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<Preset>("answer");
    QTest::addColumn<int>("callsMade");
    QTest::addRow("stalwart-mail-reject")
        << Dialect::Stalwart << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-01-mail-reject") << Dialect::Draft01 << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-02-mail-reject") << Dialect::Draft02 << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-01-ehlo-disconnect")
        << Dialect::Draft01 << Stage::Ehlo << Preset::Disconnect << 2;
    QTest::addRow("draft-01-connect-reject")
        << Dialect::Draft01 << Stage::Connect << Preset::Reject << 1;
    QTest::addRow("draft-01-rcpt-disconnect")
        << Dialect::Draft01 << Stage::Rcpt << Preset::Disconnect << 4;
    QTest::addRow("draft-01-data-reject") << Dialect::Draft01 << Stage::Data << Preset::Reject << 7;
    QTest::addRow("stalwart-data-discard")
        << Dialect::Stalwart << Stage::Data << Preset::Discard << 7;
}

void TestMtaOutcomes::rejectOrDisconnectStops()
{
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(Preset, answer);
    QFETCH(int, callsMade);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"stop"_s, {stage}, preset(answer))});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.stopped, qPrintable(describeStages(result)));
    QVERIFY2(result.stopReason.contains(stageName(stage)), qPrintable(result.stopReason));
    QCOMPARE(result.stages.size(), callsMade);
    QCOMPARE(result.stages.constLast().stage, stage);
    QCOMPARE(hookExchanges().size(), callsMade);
    QVERIFY(!result.messageQueued);
    if (answer == Preset::Disconnect)
        QCOMPARE(result.stages.constLast().outcome.action, Action::Disconnect);
}

void TestMtaOutcomes::stalwartStopsOnAnyNonAccept()
{
    // Stalwart takes discard's path for quarantine: at rcpt the recipient goes (reference §c.1).
    Rule hold = rule(u"quarantine peggy"_s, {Stage::Rcpt}, preset(Preset::Quarantine));
    hold.when.toGlob = u"peggy@*"_s;
    m_rulebook->setRules({hold});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Stalwart)));
    QCOMPARE(m_results.constFirst().envelopeAfter.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    // The drafts' quarantine is not terminal: the recipient stays.
    init();
    m_rulebook->setRules({hold});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Draft01)));
    QCOMPARE(m_results.constFirst().envelopeAfter.to.size(), 3);
}

void TestMtaOutcomes::draftEnvelopeEditsAccumulate()
{
    // mail: the scanner rewrites the sender; rcpt: it adds a recipient. Both are in the data
    // request and in the resulting envelope.
    Rule archive = rule(u"archive"_s, {Stage::Rcpt},
        body(R"({"add":[{"path":"/envelope/to","value":)"
             R"({"address":"archive@example.com","parameters":{}}}]})"));
    archive.when.times = 1; // at the first rcpt only
    m_rulebook->setRules({
        rule(u"sender"_s, {Stage::Mail},
            body(R"({"set":[{"path":"/envelope/from/address","value":"bounces@example.org"}]})")),
        archive,
    });
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Draft01)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    const HookRequest request = decodeRequest(data->requestBody);
    QCOMPARE(request.envelope.from.address, u"bounces@example.org"_s);
    QCOMPARE(request.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"archive@example.com"_s, u"peggy@example.com"_s,
            u"victor@example.com"_s}));
    QCOMPARE(result.envelopeAfter.from.address, u"bounces@example.org"_s);
    QCOMPARE(result.envelopeAfter.to.size(), 4);
}

void TestMtaOutcomes::dataEditsMatchTheEngine_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addColumn<Answer>("answer");
    QTest::addColumn<QByteArray>("marker"); // in the edited message
    QTest::addRow("stalwart-add-header")
        << Dialect::Stalwart << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("stalwart-replace-body")
        << Dialect::Stalwart << Encoding::Json << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("stalwart-tag-subject") << Dialect::Stalwart << Encoding::Json
                                          << preset(Preset::TagSubject) << QByteArray("[SPAM] ");
    QTest::addRow("stalwart-hand-written")
        << Dialect::Stalwart << Encoding::Json
        << body(R"({"action":"accept","modifications":[)"
                R"({"type":"changeHeader","index":1,"name":"Subject","value":" [EXT] figures"},)"
                R"({"type":"deleteHeader","index":1,"name":"Cc"},)"
                R"({"type":"addHeader","name":"X-Scan","value":"clean"}]})")
        << QByteArray("Subject: [EXT] figures\r\n");
    QTest::addRow("draft-01-add-header")
        << Dialect::Draft01 << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-01-cbor-add-header")
        << Dialect::Draft01 << Encoding::Cbor << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-01-replace-body")
        << Dialect::Draft01 << Encoding::Json << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("draft-01-cbor-replace-body")
        << Dialect::Draft01 << Encoding::Cbor << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("draft-01-hand-written")
        << Dialect::Draft01 << Encoding::Json
        << body(
               R"({"set":[{"path":"/message/subject","value":"[EXT] Quarterly figures"}],)"
               R"("add":[{"path":"/message/headers","value":{"name":"X-Scan","value":" clean"},"index":0}],)"
               R"("delete":[{"path":"/message/headers/2"}]})")
        << QByteArray("X-Scan: clean\r\n");
    QTest::addRow("draft-02-add-header")
        << Dialect::Draft02 << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-02-cbor-replace-body")
        << Dialect::Draft02 << Encoding::Cbor << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
}

void TestMtaOutcomes::dataEditsMatchTheEngine()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    QFETCH(Answer, answer);
    QFETCH(QByteArray, marker);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"edit"_s, {Stage::Data}, answer)});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect, encoding)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    QVERIFY2(result.messageAfter.contains(marker), result.messageAfter.constData());
    QVERIFY(result.messageAfter != result.messageBefore);
    QVERIFY(result.messageQueued);

    // The engine, from the bytes that went over the wire: the full decoder on the request, the
    // answer as received. The replayer's message is exactly the engine's.
    DecodeOptions requestOptions;
    requestOptions.dialect = dialect;
    const HookRequest request = decodeRequest(
        data->requestBody, headerOf(data->requestHeaders, "Content-Type"), requestOptions);
    QVERIFY2(MtaTest::errorCount(request.problems) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    DecodeOptions responseOptions;
    responseOptions.requestDialect = request.dialect;
    responseOptions.requestStage = request.stage;
    if (dialect == Dialect::Draft02)
        responseOptions.dialect = Dialect::Draft02; // as `hookscope apply` reads a -02 answer
    const HookResponse response = decodeResponse(data->responseBody,
        headerOf(data->responseHeaders, "Content-Type"), data->httpStatus, responseOptions);
    const Outcome outcome = apply(request, response);
    QVERIFY2(!outcome.malformed, qPrintable(MtaTest::describe(outcome.problems)));
    QVERIFY(outcome.messageChanged);
    QCOMPARE(result.messageAfter, outcome.message);
    QCOMPARE(result.envelopeAfter.recipients(), outcome.envelope.recipients());
}

void TestMtaOutcomes::expectations()
{
    const SessionRecording accept = MtaTest::session(u"expect-accept.json"_s);
    const SessionRecording reject = MtaTest::session(u"expect-reject.json"_s);
    QVERIFY(replay({accept, reject}, target(Dialect::Stalwart)));
    QCOMPARE(m_results.at(0).expectationFailures(), 0);
    const StageResult *passed = findStage(m_results.at(0), Stage::Rcpt);
    QVERIFY(passed && passed->expected && passed->expectationFailures.isEmpty());
    QCOMPARE(m_results.at(1).expectationFailures(), 1);
    const StageResult *failed = findStage(m_results.at(1), Stage::Rcpt);
    QVERIFY(failed && failed->expected);
    QCOMPARE(failed->expectationFailures,
        QStringList({u"expected action reject, got accept"_s,
            u"expected verdict reject, got accept"_s, u"expected reply 550, got 250"_s}));
    QCOMPARE(m_summary.failedExpectations, 1);

    // Now the scanner rejects at rcpt: the second session's expectation holds; the first one's
    // fails, and its data expectation was never reached (no recipient left).
    init();
    m_rulebook->setRules({rule(u"reject"_s, {Stage::Rcpt}, preset(Preset::Reject))});
    QVERIFY(replay({accept, reject}, target(Dialect::Draft01)));
    QCOMPARE(m_results.at(1).expectationFailures(), 0);
    QCOMPARE(m_results.at(0).expectationFailures(), 2);
    const StageResult *unreached = findStage(m_results.at(0), Stage::Data);
    QVERIFY(unreached);
    QCOMPARE(unreached->attempts, 0);
    QVERIFY2(unreached->expectationFailures.constFirst().startsWith(u"not reached"_s),
        qPrintable(unreached->expectationFailures.join(u'|')));
    QVERIFY(m_results.at(0).stopped);
    QCOMPARE(m_summary.failedExpectations, 2);
}

QTEST_GUILESS_MAIN(TestMtaOutcomes)
#include "tst_mta_outcomes.moc"

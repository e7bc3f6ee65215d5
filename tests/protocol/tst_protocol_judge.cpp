// SPDX-License-Identifier: GPL-3.0-or-later
// judgeAnswer: the one reading of an answer that the endpoint, the mock MTA, the window and
// `hookscope apply` share. What it must get right beyond decode + apply: failed calls follow the
// dialect's error rule without applying the body, every finding says where it came from, and a
// draft MTA takes an answer by its shape.

#include "mock/protocol/judge.h"
#include "protocoltest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using ProtocolTest::fixture;
using ProtocolTest::request;

class TestJudge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void successfulAnswersAreDecodedAndApplied_data();
    void successfulAnswersAreDecodedAndApplied();
    void failedCallsFollowTheErrorRule_data();
    void failedCallsFollowTheErrorRule();
    void errorBodiesAreReportedNotApplied();
    void findingsCarryTheirOrigin();
    void draftAnswersAreTakenByShape();
    void repeatedAnswersAreJudgedPerRequest();
};

void TestJudge::successfulAnswersAreDecodedAndApplied_data()
{
    QTest::addColumn<QString>("requestFile");
    QTest::addColumn<QString>("answerFile");
    QTest::newRow("stalwart reject")
        << u"stalwart/req-rcpt.json"_s << u"stalwart/resp-tempfail.json"_s;
    QTest::newRow("stalwart modifications")
        << u"stalwart/req-data.json"_s << u"stalwart/resp-modifications.json"_s;
    QTest::newRow("draft-01 reject")
        << u"draft01/req-rcpt.json"_s << u"draft01/resp-reject-default.json"_s;
    QTest::newRow("draft-01 subject edit")
        << u"draft01/req-data.json"_s << u"draft01/resp-subject-edit.json"_s;
    QTest::newRow("draft-02 tempfail")
        << u"draft01/req-rcpt.json"_s << u"draft02/resp-tempfail.json"_s;
    QTest::newRow("draft-01 unknown action")
        << u"draft01/req-rcpt.json"_s << u"draft01/resp-INVALID-unknown-action.json"_s;
}

// A 2xx answer: exactly what decoding it for the request and applying it gives.
void TestJudge::successfulAnswersAreDecodedAndApplied()
{
    QFETCH(QString, requestFile);
    QFETCH(QString, answerFile);
    const HookRequest decoded = request(requestFile);
    QVERIFY(decoded.isDecoded());
    const QByteArray body = fixture(answerFile);
    const Judgement judgement = judgeAnswer(decoded, {200, "application/json", body, QString()});
    const HookResponse expectedAnswer = ProtocolTest::response(body, decoded);
    const Outcome expected = apply(decoded, expectedAnswer);
    QVERIFY(!judgement.callFailed);
    QCOMPARE(judgement.answer.dialect, expectedAnswer.dialect);
    QCOMPARE(judgement.answer.malformed, expectedAnswer.malformed);
    QCOMPARE(judgement.outcome.action, expected.action);
    QCOMPARE(judgement.outcome.verdict, expected.verdict);
    QCOMPARE(judgement.outcome.reply.toString(), expected.reply.toString());
    QCOMPARE(judgement.outcome.message, expected.message);
    QCOMPARE(judgement.outcome.malformed, expected.malformed);
    QCOMPARE(judgement.problems.size(), expectedAnswer.problems.size() + expected.problems.size());
}

void TestJudge::failedCallsFollowTheErrorRule_data()
{
    QTest::addColumn<QString>("requestFile");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("tempFailOnError");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("replyCode");
    QTest::addColumn<ProblemOrigin>("origin");
    QTest::newRow("stalwart, refused") << u"stalwart/req-rcpt.json"_s << 0 << true
                                       << Verdict::Tempfail << 451 << ProblemOrigin::Transport;
    QTest::newRow("stalwart, 503") << u"stalwart/req-rcpt.json"_s << 503 << true
                                   << Verdict::Tempfail << 451 << ProblemOrigin::Answer;
    QTest::newRow("stalwart, 503, tempFailOnError off")
        << u"stalwart/req-rcpt.json"_s << 503 << false << Verdict::Accept << 250
        << ProblemOrigin::Answer;
    // A draft MTA goes on with the request's own action and reply (250 at rcpt).
    QTest::newRow("draft-01, 500") << u"draft01/req-rcpt.json"_s << 500 << true << Verdict::Accept
                                   << 250 << ProblemOrigin::Answer;
    QTest::newRow("draft-01, 302") << u"draft01/req-rcpt.json"_s << 302 << true << Verdict::Accept
                                   << 250 << ProblemOrigin::Answer;
    QTest::newRow("draft-01, timed out") << u"draft01/req-rcpt.json"_s << 0 << true
                                         << Verdict::Accept << 250 << ProblemOrigin::Transport;
}

// No HTTP answer, or a non-2xx one: nothing in the body is applied, whatever it says (here a
// valid reject in the request's own dialect), and the dialect's error rule decides.
void TestJudge::failedCallsFollowTheErrorRule()
{
    QFETCH(QString, requestFile);
    QFETCH(int, status);
    QFETCH(bool, tempFailOnError);
    QFETCH(Verdict, verdict);
    QFETCH(int, replyCode);
    QFETCH(ProblemOrigin, origin);
    const HookRequest decoded = request(requestFile);
    const QByteArray rejecting = decoded.dialect == Dialect::Stalwart
        ? fixture(u"stalwart/resp-tempfail.json"_s)
        : fixture(u"draft01/resp-reject-default.json"_s);
    ApplyOptions options;
    options.tempFailOnError = tempFailOnError;
    const Judgement judgement = judgeAnswer(decoded,
        {status, "application/json", status == 0 ? QByteArray() : rejecting,
            status == 0 ? u"connection refused"_s : QString()},
        options);
    QVERIFY(judgement.callFailed);
    QVERIFY(judgement.outcome.malformed);
    QCOMPARE(judgement.outcome.verdict, verdict);
    QCOMPARE(judgement.outcome.reply.code, replyCode);
    QVERIFY(!judgement.problems.isEmpty());
    const Problem &why = judgement.problems.constFirst();
    QCOMPARE(why.severity, Severity::Error);
    QCOMPARE(why.origin, origin);
    QVERIFY2(why.message.contains(status == 0 ? u"connection refused"_s : QString::number(status)),
        qPrintable(why.message));
    for (const Problem &problem : judgement.problems)
        QVERIFY(problem.origin != ProblemOrigin::Unstated);
}

void TestJudge::errorBodiesAreReportedNotApplied()
{
    const HookRequest decoded = request(u"draft01/req-rcpt.json"_s);
    const Judgement judgement = judgeAnswer(decoded,
        {404, "application/json",
            R"({"error":{"code":"REGISTRATION_NOT_FOUND","message":"no such registration"}})",
            QString()});
    QVERIFY(judgement.callFailed);
    QCOMPARE(judgement.outcome.action, Action::Accept);
    const QString why = judgement.problems.constFirst().message;
    QVERIFY2(why.contains(u"REGISTRATION_NOT_FOUND: no such registration"_s), qPrintable(why));
    // The body is an error report, not a patch: nothing about its shape is held against it.
    for (const Problem &problem : judgement.problems)
        QVERIFY2(!problem.message.contains(u"dialect"_s), qPrintable(problem.message));

    // A CBOR scanner reports its errors in CBOR.
    const QByteArray cbor
        = Document::fromJson(R"({"error":{"code":"REQUEST_TOO_LARGE","message":"over 1 MB"}})")
              .toCbor();
    const Judgement tooLarge = judgeAnswer(decoded, {413, "application/cbor", cbor, QString()});
    QVERIFY2(tooLarge.problems.constFirst().message.contains(u"REQUEST_TOO_LARGE: over 1 MB"_s),
        qPrintable(tooLarge.problems.constFirst().message));
}

// The answer's findings point into the answer and say so; the request's stay out.
void TestJudge::findingsCarryTheirOrigin()
{
    const HookRequest broken = request(u"draft01/req-INVALID-version-integer.json"_s);
    QVERIFY(!broken.problems.isEmpty());
    const Judgement judgement = judgeAnswer(broken,
        {200, "application/json", fixture(u"draft01/resp-INVALID-unknown-action.json"_s),
            QString()});
    QVERIFY(judgement.answer.malformed);
    QVERIFY(!judgement.problems.isEmpty());
    bool pointed = false;
    for (const Problem &problem : judgement.problems) {
        QCOMPARE(problem.origin, ProblemOrigin::Answer);
        QVERIFY2(!broken.problems.contains(problem), qPrintable(problem.message));
        pointed = pointed || problem.pointer.startsWith(u"/set"_s);
    }
    QVERIFY(pointed);
    QCOMPARE(problemPlace(judgement.problems.constFirst()).section(u' ', 0, 0), u"answer"_s);
}

// Protocol reference §a.5: a draft MTA selects the patch syntax by the answer's top-level type.
// `hookscope apply --dialect draft-02` once forced the -02 reading (rejecting a -01 object) while
// the endpoint, the replayer and the window took it by shape; now all take it by shape and a -01
// object answering a -02 request is flagged.
void TestJudge::draftAnswersAreTakenByShape()
{
    DecodeOptions asDraft02;
    asDraft02.dialect = Dialect::Draft02;
    const HookRequest draft02
        = decodeRequest(fixture(u"draft01/req-rcpt.json"_s), "application/json", asDraft02);
    QCOMPARE(draft02.dialect, Dialect::Draft02);

    const Judgement object = judgeAnswer(
        draft02, {200, "application/json", fixture(u"draft01/resp-reject-default.json"_s), {}});
    QCOMPARE(object.answer.dialect, Dialect::Draft01);
    QCOMPARE(object.outcome.action, Action::Reject);
    const auto flagged = std::count_if(
        object.problems.cbegin(), object.problems.cend(), [](const Problem &problem) {
            return problem.severity == Severity::Warning && problem.message.contains(u"6902"_s);
        });
    QCOMPARE(flagged, 1);

    const Judgement array = judgeAnswer(
        draft02, {200, "application/json", fixture(u"draft02/resp-tempfail.json"_s), {}});
    QCOMPARE(array.answer.dialect, Dialect::Draft02);
    QCOMPARE(array.outcome.verdict, Verdict::Tempfail);
    QVERIFY(array.problems.isEmpty());

    // The same object answering a draft-01 request is simply right.
    const Judgement draft01 = judgeAnswer(request(u"draft01/req-rcpt.json"_s),
        {200, "application/json", fixture(u"draft01/resp-reject-default.json"_s), {}});
    QCOMPARE(draft01.outcome.action, Action::Reject);
    for (const Problem &problem : draft01.problems)
        QVERIFY2(problem.severity == Severity::Info, qPrintable(problem.message));
}

// The same answer bytes again (a rule's fixed answer) to another stage or dialect: read for that
// request, not as the previous call's (judgeAnswer keeps the last decoding).
void TestJudge::repeatedAnswersAreJudgedPerRequest()
{
    const QByteArray body = fixture(u"stalwart/resp-modifications.json"_s);
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    const HookRequest rcpt = request(u"stalwart/req-rcpt.json"_s);
    const HookRequest draft = request(u"draft01/req-data.json"_s);
    QList<qsizetype> problemCounts;
    for (const HookRequest *each : {&data, &rcpt, &data, &draft, &data}) {
        const Judgement judgement = judgeAnswer(*each, {200, "application/json", body, QString()});
        const HookResponse expectedAnswer = ProtocolTest::response(body, *each);
        const Outcome expected = apply(*each, expectedAnswer);
        QCOMPARE(judgement.answer.dialect, expectedAnswer.dialect);
        QCOMPARE(judgement.answer.problems.size(), expectedAnswer.problems.size());
        QCOMPARE(judgement.outcome.action, expected.action);
        QCOMPARE(judgement.outcome.verdict, expected.verdict);
        QCOMPARE(
            judgement.problems.size(), expectedAnswer.problems.size() + expected.problems.size());
        problemCounts.append(judgement.problems.size());
    }
    // The stages and dialects read the answer differently: a shared reading would not show this.
    QVERIFY(
        problemCounts.at(0) != problemCounts.at(1) || problemCounts.at(0) != problemCounts.at(3));
    QCOMPARE(problemCounts.at(0), problemCounts.at(2));
}

QTEST_GUILESS_MAIN(TestJudge)
#include "tst_protocol_judge.moc"

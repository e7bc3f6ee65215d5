// SPDX-License-Identifier: GPL-3.0-or-later
// What the mock MTA does when a hook call fails is a policy, as in real MTAs (protocol reference
// §d.2 leaves fail-open or fail-closed to the implementation): tempfail, accept or reject, shown
// in the stage's verdict. Retries follow §d.2: at most maxRetries, 5xx and 429 only, backing off,
// honouring Retry-After. The scanner is draft01_scanner.py; delays are measured on its clock.
#include "mock/mta/sessionreplayer.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/scannerdouble.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using ScannerDouble::answer;

namespace {

QJsonObject config(const QJsonArray &dataAnswers)
{
    const QJsonObject inbound {
        {u"stages"_s, QJsonArray {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s}},
        {u"actions"_s, QJsonArray {u"accept"_s, u"reject"_s}}};
    return QJsonObject {
        {u"offer"_s, QJsonObject {{u"inbound"_s, inbound}, {u"outbound"_s, QJsonValue::Null}}},
        {u"answers"_s, QJsonObject {{u"data"_s, dataAnswers}}}};
}

QJsonObject error(const QString &code)
{
    return QJsonObject {{u"error"_s, QJsonObject {{u"code"_s, code}, {u"message"_s, u"test"_s}}}};
}

} // namespace

class TestMtaErrorPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void policyDecidesTheVerdict_data();
    void policyDecidesTheVerdict();
    void retryAfterIsHonoured();
    void retriesAreBounded();

private:
    bool replay(const ReplayTarget &target);
    ReplayTarget draftTarget() const;
    QList<QJsonObject> dataCalls() const;

    std::unique_ptr<ScannerDouble::Scanner> m_scanner;
    QList<ReplayResult> m_results;
};

void TestMtaErrorPolicy::init()
{
    m_scanner = std::make_unique<ScannerDouble::Scanner>();
    m_results.clear();
}

void TestMtaErrorPolicy::cleanup()
{
    m_scanner.reset();
}

bool TestMtaErrorPolicy::replay(const ReplayTarget &target)
{
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    replayer.start({MtaTest::session(u"expect-accept.json"_s)}, target, 1);
    if (finished.isEmpty() && !finished.wait(MtaTest::LongWaitMs))
        return false;
    m_results = replayer.results();
    return m_results.size() == 1;
}

ReplayTarget TestMtaErrorPolicy::draftTarget() const
{
    ReplayTarget target;
    target.url = QUrl(m_scanner->url(u"/hook"_s));
    target.dialect = Dialect::Draft01;
    target.timeoutMs = 20000;
    return target;
}

QList<QJsonObject> TestMtaErrorPolicy::dataCalls() const
{
    QList<QJsonObject> calls;
    for (const QJsonObject &call : m_scanner->hookCalls()) {
        if (call.value(u"stage"_s) == u"data"_s)
            calls.append(call);
    }
    return calls;
}

void TestMtaErrorPolicy::policyDecidesTheVerdict_data()
{
    QTest::addColumn<FailurePolicy>("policy");
    QTest::addColumn<int>("status");
    QTest::addColumn<Action>("action");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("replyCode");
    QTest::addColumn<int>("attempts");
    QTest::addRow("tempfail, 500")
        << FailurePolicy::TempFail << 500 << Action::Reject << Verdict::Tempfail << 451 << 2;
    QTest::addRow("accept, 500") << FailurePolicy::Accept << 500 << Action::Accept
                                 << Verdict::Accept << 250 << 2;
    QTest::addRow("reject, 500") << FailurePolicy::Reject << 500 << Action::Reject
                                 << Verdict::Reject << 550 << 2;
    // A 4xx is not retried (§d.2), and the policy decides all the same.
    QTest::addRow("tempfail, 422")
        << FailurePolicy::TempFail << 422 << Action::Reject << Verdict::Tempfail << 451 << 1;
    QTest::addRow("reject, 422") << FailurePolicy::Reject << 422 << Action::Reject
                                 << Verdict::Reject << 550 << 1;
}

void TestMtaErrorPolicy::policyDecidesTheVerdict()
{
    QFETCH(FailurePolicy, policy);
    QFETCH(int, status);
    QFETCH(Action, action);
    QFETCH(Verdict, verdict);
    QFETCH(int, replyCode);
    QFETCH(int, attempts);
    if (!m_scanner->start(config({answer(status, error(u"INTERNAL_ERROR"_s))})))
        QSKIP(qPrintable(u"the python3 scanner double cannot run here: "_s + m_scanner->why()));
    ReplayTarget target = draftTarget();
    target.onError = policy;
    target.maxRetries = 1;
    QVERIFY(replay(target));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    const Mock::StageResult &data = result.stages.constLast();
    QCOMPARE(data.stage, Stage::Data);
    QCOMPARE(data.httpStatus, status);
    QCOMPARE(data.attempts, attempts);
    QCOMPARE(dataCalls().size(), attempts);
    QCOMPARE(data.outcome.action, action);
    QCOMPARE(data.outcome.verdict, verdict);
    QCOMPARE(data.outcome.reply.code, replyCode);
    QCOMPARE(result.messageQueued, action == Action::Accept);
    QVERIFY2(MtaTest::describe(data.outcome.problems).contains(failurePolicyName(policy)),
        qPrintable(MtaTest::describe(data.outcome.problems)));
    // The stages before data were answered 204 and are untouched by the policy.
    QCOMPARE(result.stages.constFirst().outcome.action, Action::Accept);
}

void TestMtaErrorPolicy::retryAfterIsHonoured()
{
    // 503 and 429 each say "Retry-After: 1"; the third attempt is answered. The back-off alone
    // would wait 100 and 200 ms.
    const QJsonObject later {{u"Retry-After"_s, u"1"_s}};
    if (!m_scanner->start(config({answer(503, error(u"SCANNER_UNAVAILABLE"_s), later),
            answer(429, error(u"RATE_LIMITED"_s), later), answer(204)})))
        QSKIP(qPrintable(u"the python3 scanner double cannot run here: "_s + m_scanner->why()));
    QVERIFY(replay(draftTarget()));
    const Mock::StageResult &data = m_results.constFirst().stages.constLast();
    QCOMPARE(data.httpStatus, 204);
    QCOMPARE(data.attempts, 3);
    QCOMPARE(data.outcome.verdict, Verdict::Accept);
    const QList<QJsonObject> calls = dataCalls();
    QCOMPARE(calls.size(), 3);
    for (int i = 1; i < calls.size(); ++i) {
        const double waited
            = calls.at(i).value(u"t"_s).toDouble() - calls.at(i - 1).value(u"t"_s).toDouble();
        // At least the second asked for (less a little for clock granularity), and not
        // unbounded: the reference caps a delay at 5 s.
        QVERIFY2(waited >= 0.95 && waited < 5.5, qPrintable(QString::number(waited)));
    }
    // One logical call: the same request id on every attempt.
    const QJsonValue id
        = calls.constFirst().value(u"headers"_s).toObject().value(u"X-MTA-Hooks-Request-Id"_s);
    QVERIFY(!id.toString().isEmpty());
    for (const QJsonObject &call : calls)
        QCOMPARE(call.value(u"headers"_s).toObject().value(u"X-MTA-Hooks-Request-Id"_s), id);
}

void TestMtaErrorPolicy::retriesAreBounded()
{
    if (!m_scanner->start(config({answer(500, error(u"INTERNAL_ERROR"_s))})))
        QSKIP(qPrintable(u"the python3 scanner double cannot run here: "_s + m_scanner->why()));
    ReplayTarget target = draftTarget();
    target.maxRetries = 3;
    QVERIFY(replay(target));
    const Mock::StageResult &data = m_results.constFirst().stages.constLast();
    QCOMPARE(data.attempts, 4);
    const QList<QJsonObject> calls = dataCalls();
    QCOMPARE(calls.size(), 4); // the first try and three retries, no more
    // Backing off: 100, 200, 400 ms (plus up to 100 ms of jitter each).
    double previous = 0;
    for (int i = 1; i < calls.size(); ++i) {
        const double waited
            = calls.at(i).value(u"t"_s).toDouble() - calls.at(i - 1).value(u"t"_s).toDouble();
        const double planned = 0.1 * (1 << (i - 1));
        QVERIFY2(waited >= planned * 0.9 && waited < planned + 2.0,
            qPrintable(u"retry %1 after %2 s"_s.arg(i).arg(waited)));
        QVERIFY(waited > previous * 0.5);
        previous = waited;
    }
    QCOMPARE(data.outcome.verdict, Verdict::Tempfail); // the default policy
}

QTEST_GUILESS_MAIN(TestMtaErrorPolicy)
#include "tst_mta_errorpolicy.moc"

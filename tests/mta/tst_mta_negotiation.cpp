// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA negotiates as a draft-01 MTA does (protocol reference §b.3), against a scanner it
// did not write: draft01_scanner.py, whose discovery offers only some stages and properties and
// which refuses a registration asking for more (400 CAPABILITY_MISMATCH). Only the negotiated
// stages are called and only the negotiated properties sent; an answer modifying anything
// outside the negotiated update properties is malformed; --register and a provisioned
// registration work without discovery; a failed discovery or registration fails the run.
#include "mock/mta/sessionreplayer.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/scannerdouble.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using Mock::SessionRecording;
using ScannerDouble::answer;

namespace {

const QStringList allInbound {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s};
const QStringList fetched {u"/stage"_s, u"/action"_s, u"/envelope"_s, u"/rawMessage"_s};

QJsonObject offer(const QStringList &stages, const QStringList &fetch = fetched,
    const QStringList &update = {u"/action"_s, u"/response"_s})
{
    return QJsonObject {{u"inbound"_s,
                            QJsonObject {{u"stages"_s, QJsonArray::fromStringList(stages)},
                                {u"actions"_s, QJsonArray {u"accept"_s, u"reject"_s}},
                                {u"fetchProperties"_s, QJsonArray::fromStringList(fetch)},
                                {u"updateProperties"_s, QJsonArray::fromStringList(update)}}},
        {u"outbound"_s, QJsonValue::Null}};
}

QStringList stagesOf(const QList<QJsonObject> &calls)
{
    QStringList stages;
    for (const QJsonObject &call : calls)
        stages << call.value(u"body"_s).toObject().value(u"stage"_s).toString();
    return stages;
}

} // namespace

class TestMtaNegotiation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void registersForOfferedStagesOnly();
    void answerOutsideUpdatePropertiesIsMalformed();
    void registersAtAGivenUrl();
    void provisionedRegistration();
    void failedDiscoveryFailsThePass();
    void failedRegistrationFailsThePass_data();
    void failedRegistrationFailsThePass();

private:
    bool startScanner(const QJsonObject &config);
    bool replay(const QList<SessionRecording> &sessions, const ReplayTarget &target);
    ReplayTarget draftTarget() const;

    std::unique_ptr<ScannerDouble::Scanner> m_scanner;
    QList<ReplayResult> m_results;
    Mock::ReplaySummary m_summary;
};

void TestMtaNegotiation::init()
{
    m_scanner = std::make_unique<ScannerDouble::Scanner>();
    m_results.clear();
    m_summary = {};
}

void TestMtaNegotiation::cleanup()
{
    m_scanner.reset();
}

bool TestMtaNegotiation::startScanner(const QJsonObject &config)
{
    if (m_scanner->start(config))
        return true;
    qWarning("%s", qPrintable(m_scanner->why()));
    return false;
}

bool TestMtaNegotiation::replay(const QList<SessionRecording> &sessions, const ReplayTarget &target)
{
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    replayer.start(sessions, target, 1);
    if (finished.isEmpty() && !finished.wait(MtaTest::LongWaitMs))
        return false;
    m_results = replayer.results();
    m_summary = finished.constFirst().constFirst().value<Mock::ReplaySummary>();
    return m_results.size() == sessions.size();
}

ReplayTarget TestMtaNegotiation::draftTarget() const
{
    ReplayTarget target;
    target.url = QUrl(m_scanner->url(u"/hook"_s));
    target.dialect = Dialect::Draft01;
    target.timeoutMs = 20000;
    return target;
}

void TestMtaNegotiation::registersForOfferedStagesOnly()
{
    if (!startScanner({{u"offer"_s, offer({u"rcpt"_s, u"data"_s})}}))
        QSKIP("the python3 scanner double cannot run here");
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, draftTarget()));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));

    // The registration asked for what the session needs of what was offered, nothing else.
    const QList<QJsonObject> registrations = m_scanner->requestsTo(u"/v1/register"_s, u"POST"_s);
    QCOMPARE(registrations.size(), 1);
    QCOMPARE(registrations.constFirst().value(u"status"_s).toInt(), 201);
    const QJsonObject asked = registrations.constFirst().value(u"body"_s).toObject();
    QCOMPARE(asked.value(u"inbound"_s).toObject().value(u"stages"_s).toArray(),
        QJsonArray({u"rcpt"_s, u"data"_s}));
    QCOMPARE(asked.value(u"inbound"_s).toObject().value(u"properties"_s).toArray(),
        QJsonArray::fromStringList(fetched));
    QVERIFY(asked.value(u"outbound"_s).isNull());

    // Only the negotiated stages were called, each with only the negotiated properties.
    const QList<QJsonObject> calls = m_scanner->hookCalls();
    QCOMPARE(stagesOf(calls), QStringList({u"rcpt"_s, u"rcpt"_s, u"rcpt"_s, u"data"_s}));
    QStringList negotiatedKeys = fetched;
    for (QString &pointer : negotiatedKeys)
        pointer.remove(0, 1);
    negotiatedKeys.sort();
    for (const QJsonObject &call : calls) {
        QCOMPARE(call.value(u"status"_s).toInt(), 204); // the double found it negotiated
        QStringList keys = call.value(u"body"_s).toObject().keys();
        keys.sort();
        for (const QString &key : std::as_const(keys))
            QVERIFY2(negotiatedKeys.contains(key), qPrintable(key));
        // data carries all four (rcpt has no message yet).
        if (call.value(u"body"_s).toObject().value(u"stage"_s) == u"data"_s)
            QCOMPARE(keys, negotiatedKeys);
    }
    // The others are in the result as not negotiated, without a call, and the MTA went on.
    QCOMPARE(result.stages.size(), 7);
    for (const Mock::StageResult &stage : result.stages) {
        const bool negotiated = stage.stage == Stage::Rcpt || stage.stage == Stage::Data;
        QCOMPARE(stage.skipped.isEmpty(), negotiated);
        QCOMPARE(stage.attempts, negotiated ? 1 : 0);
        if (!negotiated)
            QVERIFY2(stage.skipped.contains(u"not negotiated"_s), qPrintable(stage.skipped));
    }
    QVERIFY(result.allWellFormed());
    QVERIFY(result.messageQueued);
    QCOMPARE(m_summary.skippedStages, 3);
    QCOMPARE(m_summary.httpCalls, 4);
    QVERIFY2(result.notes.join(u'\n').contains(u"connect, ehlo, mail"_s),
        qPrintable(result.notes.join(u'\n')));
    QCOMPARE(m_scanner->requestsTo(u"/v1/register/"_s, u"DELETE"_s).size(), 1);
}

void TestMtaNegotiation::answerOutsideUpdatePropertiesIsMalformed()
{
    // /envelope is writable in the draft's example, but this scanner negotiated only /action and
    // /response: the first answer touches /envelope and is malformed as a whole (its reject is
    // not applied either); the second keeps within and is applied.
    const QJsonObject outside {{u"set"_s,
        QJsonArray {QJsonObject {{u"path"_s, u"/action"_s}, {u"value"_s, u"reject"_s}},
            QJsonObject {{u"path"_s, u"/envelope/from/address"_s},
                {u"value"_s, u"mallory@example.net"_s}}}}};
    const QJsonObject within {{u"set"_s,
        QJsonArray {QJsonObject {{u"path"_s, u"/action"_s}, {u"value"_s, u"reject"_s}}}}};
    const QJsonObject config {{u"offer"_s, offer(allInbound)},
        {u"answers"_s,
            QJsonObject {{u"data"_s, QJsonArray {answer(200, outside), answer(200, within)}}}}};
    if (!startScanner(config))
        QSKIP("the python3 scanner double cannot run here");
    const SessionRecording session = MtaTest::session(u"expect-accept.json"_s);
    QVERIFY(replay({session, session}, draftTarget()));

    const Mock::StageResult *first = nullptr;
    for (const Mock::StageResult &stage : m_results.at(0).stages) {
        if (stage.stage == Stage::Data)
            first = &stage;
    }
    QVERIFY(first);
    QCOMPARE(first->httpStatus, 200);
    QVERIFY(first->outcome.malformed);
    QCOMPARE(first->outcome.action, Action::Accept); // the request's default action
    QVERIFY(!first->outcome.envelopeChanged);
    QCOMPARE(first->outcome.envelope.from.address, session.envelope.from.address);
    bool named = false;
    for (const Problem &problem : first->outcome.problems) {
        if (problem.origin == ProblemOrigin::Answer && problem.severity == Severity::Error
            && problem.message.contains(u"negotiated update properties"_s)
            && problem.pointer == u"/envelope/from/address"_s)
            named = true;
    }
    QVERIFY2(named, qPrintable(MtaTest::describe(first->outcome.problems)));
    QVERIFY(m_results.at(0).messageQueued);

    const Mock::StageResult &second = m_results.at(1).stages.constLast();
    QCOMPARE(second.stage, Stage::Data);
    QVERIFY(!second.outcome.malformed);
    QCOMPARE(second.outcome.action, Action::Reject);
    QVERIFY(!m_results.at(1).messageQueued);
}

void TestMtaNegotiation::registersAtAGivenUrl()
{
    const QJsonObject config {{u"discovery"_s, false},
        {u"registrationPath"_s, u"/custom/registration"_s}, {u"offer"_s, offer(allInbound)}};
    if (!startScanner(config))
        QSKIP("the python3 scanner double cannot run here");
    ReplayTarget target = draftTarget();
    target.registrationUrl = QUrl(m_scanner->url(u"/custom/registration"_s));
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QVERIFY(result.allWellFormed());
    QVERIFY(m_scanner->requestsTo(u"/.well-known/"_s).isEmpty());
    const QList<QJsonObject> registrations
        = m_scanner->requestsTo(u"/custom/registration"_s, u"POST"_s);
    QCOMPARE(registrations.size(), 1);
    QCOMPARE(registrations.constFirst().value(u"status"_s).toInt(), 201);
    // Without discovery nothing restricts the properties: null asks for everything available.
    QVERIFY(registrations.constFirst()
                .value(u"body"_s)
                .toObject()
                .value(u"inbound"_s)
                .toObject()
                .value(u"properties"_s)
                .isNull());
    QCOMPARE(m_scanner->hookCalls().size(), 7);
    QCOMPARE(m_scanner->requestsTo(u"/custom/registration/"_s, u"DELETE"_s).size(), 1);
}

void TestMtaNegotiation::provisionedRegistration()
{
    const QJsonObject config {{u"discovery"_s, false}, {u"offer"_s, offer(allInbound)},
        {u"provisioned"_s,
            QJsonObject {{u"prov-7"_s,
                QJsonObject {{u"inbound"_s,
                    QJsonObject {{u"stages"_s, QJsonArray::fromStringList(allInbound)}}}}}}}};
    if (!startScanner(config))
        QSKIP("the python3 scanner double cannot run here");
    ReplayTarget target = draftTarget();
    target.url = QUrl(m_scanner->url(u"/provisioned"_s));
    target.registrationId = "prov-7";
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target));
    QVERIFY2(m_results.constFirst().allWellFormed(), qPrintable(m_results.constFirst().error));
    const QList<QJsonObject> all = m_scanner->requests();
    QCOMPARE(all.size(), 4); // the four hook calls: no discovery, registration, deregistration
    for (const QJsonObject &request : all) {
        QCOMPARE(request.value(u"path"_s).toString(), u"/provisioned"_s);
        QCOMPARE(request.value(u"status"_s).toInt(), 204);
        QCOMPARE(request.value(u"headers"_s).toObject().value(u"X-MTA-Hooks-Registration"_s),
            u"prov-7"_s);
    }
}

void TestMtaNegotiation::failedDiscoveryFailsThePass()
{
    if (!startScanner({{u"discovery"_s, false}, {u"offer"_s, offer(allInbound)}}))
        QSKIP("the python3 scanner double cannot run here");
    const SessionRecording session = MtaTest::session(u"expect-accept.json"_s);
    QVERIFY(replay({session, session}, draftTarget()));
    for (const ReplayResult &result : std::as_const(m_results)) {
        QVERIFY2(result.error.contains(u"discovery"_s) && result.error.contains(u"HTTP 404"_s),
            qPrintable(result.error));
        QVERIFY(result.stages.isEmpty());
        QVERIFY(result.stopped);
        QVERIFY(!result.allWellFormed());
    }
    QVERIFY(m_summary.setupError.contains(u"--register"_s));
    QVERIFY(m_scanner->hookCalls().isEmpty());
    QCOMPARE(m_scanner->requests().size(), 1); // the discovery, answered 404, not retried
}

void TestMtaNegotiation::failedRegistrationFailsThePass_data()
{
    QTest::addColumn<QJsonObject>("config");
    QTest::addColumn<bool>("direct"); // --register URL: asks for every stage needed
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("posts");
    QTest::addRow("500, retried") << QJsonObject {{u"offer"_s, offer(allInbound)},
        {u"registrationStatus"_s, 500}}
                                  << false << u"HTTP 500"_s << 2;
    // Without discovery the MTA cannot know what is offered; the double refuses the stages it
    // does not offer, and a 400 is not retried.
    QTest::addRow("capability mismatch")
        << QJsonObject {{u"discovery"_s, false}, {u"offer"_s, offer({u"data"_s})}} << true
        << u"CAPABILITY_MISMATCH"_s << 1;
}

void TestMtaNegotiation::failedRegistrationFailsThePass()
{
    QFETCH(QJsonObject, config);
    QFETCH(bool, direct);
    QFETCH(QString, reason);
    QFETCH(int, posts);
    if (!startScanner(config))
        QSKIP("the python3 scanner double cannot run here");
    ReplayTarget target = draftTarget();
    target.maxRetries = 1;
    if (direct)
        target.registrationUrl = QUrl(m_scanner->url(u"/v1/register"_s));
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.error.contains(u"registration"_s) && result.error.contains(reason),
        qPrintable(result.error));
    QVERIFY(result.stages.isEmpty());
    QCOMPARE(m_summary.setupError, result.error);
    QVERIFY(m_scanner->hookCalls().isEmpty());
    QCOMPARE(m_scanner->requestsTo(u"/v1/register"_s, u"POST"_s).size(), posts);
}

QTEST_GUILESS_MAIN(TestMtaNegotiation)
#include "tst_mta_negotiation.moc"

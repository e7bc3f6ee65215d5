// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA replaying many sessions at once to the mock scanner on 127.0.0.1: results in
// recording order whatever order the sessions finish in, a connection per lane, worker threads
// whose signals arrive in order in the caller's thread, cancelling with calls in flight, and the
// run's summary figures.
#include "mock/mta/sessionreplayer.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/replayertest.h"

#include <QHash>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ReplayerTest;
using Mock::Answer;
using Mock::Exchange;
using Mock::ReplayResult;
using Mock::SessionRecording;
using Mock::StageResult;

class TestMtaConcurrency : public ReplayerTest::Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void concurrencyKeepsOrder();
    void workerThreads_data();
    void workerThreads();
    void cancelWithWorkerThreads();
    void summaryFigures();
    void cancelStopsQuietly();
};

void TestMtaConcurrency::init()
{
    setUp();
}

void TestMtaConcurrency::cleanup()
{
    tearDown();
}

void TestMtaConcurrency::concurrencyKeepsOrder()
{
    // Answers come back after random delays, so sessions finish out of order.
    Answer slow = preset(Preset::Accept);
    slow.delay = {Mock::Delay::Kind::Random, 0, 0, 40};
    m_rulebook->setRules({rule(u"slow"_s, {}, slow)});
    const SessionRecording base = MtaTest::session(u"inbound-mx.json"_s);
    QList<SessionRecording> sessions;
    for (int i = 0; i < 12; ++i) {
        SessionRecording copy = base;
        copy.id = u"s-%1"_s.arg(i);
        sessions.append(copy);
    }
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    QSignalSpy sessionFinished(&replayer, &Mock::SessionReplayer::sessionFinished);
    QSignalSpy progress(&replayer, &Mock::SessionReplayer::progress);
    replayer.start(sessions, target(Dialect::Stalwart), 4);
    QVERIFY(replayer.isRunning());
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    const QList<ReplayResult> results = replayer.results();
    QCOMPARE(results.size(), 12);
    for (int i = 0; i < 12; ++i) {
        QCOMPARE(results.at(i).sessionId, u"s-%1"_s.arg(i));
        QVERIFY2(results.at(i).allWellFormed(), qPrintable(describeStages(results.at(i))));
        QCOMPARE(results.at(i).stages.size(), 6);
    }
    QCOMPARE(sessionFinished.size(), 12);
    QCOMPARE(progress.constLast().at(0).toInt(), 12);
    QCOMPARE(progress.constLast().at(1).toInt(), 12);
    // Four lanes: (at least) four connections; a lane reopens one only after a long stall.
    QSet<quint16> ports;
    for (const Exchange &exchange : std::as_const(m_exchanges))
        ports.insert(exchange.peerPort);
    QVERIFY2(ports.size() >= 4, qPrintable(QString::number(ports.size())));
    const Mock::ReplaySummary summary
        = finished.constFirst().constFirst().value<Mock::ReplaySummary>();
    QCOMPARE(summary.sessions, 12);
    QCOMPARE(summary.stages, 72);
}

void TestMtaConcurrency::workerThreads_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("concurrency");
    QTest::addRow("automatic") << 0 << 16;
    QTest::addRow("three") << 3 << 12;
    QTest::addRow("more-than-lanes") << 8 << 3;
}

void TestMtaConcurrency::workerThreads()
{
    QFETCH(int, threads);
    QFETCH(int, concurrency);
    Answer slow = preset(Preset::Accept);
    slow.delay = {Mock::Delay::Kind::Random, 0, 0, 20};
    m_rulebook->setRules({rule(u"slow"_s, {Stage::Rcpt}, slow),
        rule(u"tag"_s, {Stage::Data}, preset(Preset::AddHeader))});
    const SessionRecording base = MtaTest::session(u"submission.json"_s);
    QList<SessionRecording> sessions;
    for (int i = 0; i < 30; ++i) {
        SessionRecording copy = base;
        copy.id = u"t-%1"_s.arg(i);
        sessions.append(copy);
    }
    Mock::SessionReplayer replayer;
    replayer.setWorkerThreads(threads);
    // The signals come in this thread, a session's stages in order and before the session.
    QHash<int, QList<int>> stagesSeen;
    QSet<int> sessionsSeen;
    bool inOrder = true;
    const QThread *mine = QThread::currentThread();
    connect(&replayer, &Mock::SessionReplayer::stageFinished, this,
        [&](int index, const StageResult &stage) {
            inOrder = inOrder && QThread::currentThread() == mine && !sessionsSeen.contains(index);
            stagesSeen[index].append(stage.stageIndex);
        });
    connect(&replayer, &Mock::SessionReplayer::sessionFinished, this,
        [&](int index, const ReplayResult &) {
            inOrder = inOrder && QThread::currentThread() == mine;
            sessionsSeen.insert(index);
        });
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    replayer.start(sessions, target(Dialect::Draft01, Encoding::Cbor), concurrency);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    QVERIFY(!replayer.isRunning());
    QVERIFY(inOrder);
    QCOMPARE(sessionsSeen.size(), 30);
    const QList<ReplayResult> results = replayer.results();
    QCOMPARE(results.size(), 30);
    for (int i = 0; i < 30; ++i) {
        QCOMPARE(results.at(i).sessionId, u"t-%1"_s.arg(i));
        QVERIFY2(results.at(i).allWellFormed(), qPrintable(describeStages(results.at(i))));
        QCOMPARE(results.at(i).stages.size(), 7);
        QVERIFY(results.at(i).messageAfter.startsWith("X-Hookscope: scanned\r\n"));
        QCOMPARE(stagesSeen.value(i), QList<int>({0, 1, 2, 3, 4, 5, 6}));
    }
    const Mock::ReplaySummary summary
        = finished.constFirst().constFirst().value<Mock::ReplaySummary>();
    QCOMPARE(summary.sessions, 30);
    QCOMPARE(summary.stages, 210);
    QCOMPARE(hookExchanges().size(), 210);
    QSet<quint16> ports;
    for (const Exchange &exchange : std::as_const(m_exchanges))
        ports.insert(exchange.peerPort);
    QVERIFY2(ports.size() >= concurrency, qPrintable(QString::number(ports.size())));
    // The replayer can run again afterwards.
    replayer.start({base}, target(Dialect::Stalwart), concurrency);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    QCOMPARE(replayer.results().size(), 1);
    QVERIFY(replayer.results().constFirst().allWellFormed());
}

void TestMtaConcurrency::cancelWithWorkerThreads()
{
    Answer hold;
    hold.kind = Answer::Kind::Hold;
    m_rulebook->setRules({rule(u"hold"_s, {Stage::Ehlo}, hold)});
    QSignalSpy held(m_endpoint.get(), &Mock::HookEndpoint::callHeld);
    QSignalSpy heldEnded(m_endpoint.get(), &Mock::HookEndpoint::heldCallEnded);
    QList<SessionRecording> sessions;
    for (int i = 0; i < 8; ++i)
        sessions.append(MtaTest::session(u"inbound-mx.json"_s));
    {
        Mock::SessionReplayer replayer;
        replayer.setWorkerThreads(2);
        QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
        QSignalSpy sessionFinished(&replayer, &Mock::SessionReplayer::sessionFinished);
        replayer.start(sessions, target(Dialect::Stalwart), 8);
        QTRY_COMPARE_WITH_TIMEOUT(held.size(), 8, MtaTest::LongWaitMs);
        replayer.cancel();
        QVERIFY(!replayer.isRunning());
        // Every parked call sees its connection go; the replayer says nothing more.
        QTRY_COMPARE_WITH_TIMEOUT(heldEnded.size(), 8, MtaTest::LongWaitMs);
        QCOMPARE(finished.size(), 0);
        QCOMPARE(sessionFinished.size(), 0);
        // Destroyed while idle: nothing left to stop.
    }
    QCOMPARE(m_endpoint->heldCalls().size(), 0);
}

void TestMtaConcurrency::summaryFigures()
{
    QVERIFY(replay({MtaTest::session(u"submission.json"_s), MtaTest::session(u"inbound-mx.json"_s)},
        target(Dialect::Draft01), 2));
    QCOMPARE(m_summary.sessions, 2);
    QCOMPARE(m_summary.stages, 13);
    QCOMPARE(m_summary.httpCalls, 13);
    QCOMPARE(m_summary.transportErrors, 0);
    QCOMPARE(m_summary.malformedAnswers, 0);
    QVERIFY(m_summary.latencyMinUs > 0);
    QVERIFY(m_summary.latencyMinUs <= m_summary.latencyMedianUs);
    QVERIFY(m_summary.latencyMedianUs <= m_summary.latencyP99Us);
    QVERIFY(m_summary.latencyP99Us <= m_summary.latencyMaxUs);
    QStringList names;
    int count = 0;
    for (const auto &[name, figures] : std::as_const(m_summary.latencyByStage)) {
        names << name;
        count += figures.count;
        QVERIFY(figures.minUs <= figures.medianUs && figures.medianUs <= figures.p99Us
            && figures.p99Us <= figures.maxUs);
    }
    QCOMPARE(names, QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s}));
    QCOMPARE(count, 13);
    // Nearest-rank percentiles of known values.
    QList<qint64> values;
    for (int i = 1; i <= 200; ++i)
        values << i;
    const Mock::LatencyFigures figures = Mock::latencyFigures(values);
    QCOMPARE(figures.count, 200);
    QCOMPARE(figures.minUs, 1);
    QCOMPARE(figures.medianUs, 101);
    QCOMPARE(figures.p99Us, 198);
    QCOMPARE(figures.maxUs, 200);
}

void TestMtaConcurrency::cancelStopsQuietly()
{
    // The endpoint parks the ehlo call (a hold), so it is known to be in flight.
    Answer hold;
    hold.kind = Answer::Kind::Hold;
    m_rulebook->setRules({rule(u"hold"_s, {Stage::Ehlo}, hold)});
    QSignalSpy held(m_endpoint.get(), &Mock::HookEndpoint::callHeld);
    QSignalSpy heldEnded(m_endpoint.get(), &Mock::HookEndpoint::heldCallEnded);
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    QSignalSpy stageFinished(&replayer, &Mock::SessionReplayer::stageFinished);
    replayer.start({MtaTest::session(u"inbound-mx.json"_s)}, target(Dialect::Stalwart));
    QVERIFY(held.wait(MtaTest::LongWaitMs));
    QCOMPARE(stageFinished.size(), 1); // connect
    replayer.cancel();
    QVERIFY(!replayer.isRunning());
    // The connection goes: the endpoint records the abandoned call; the replayer stays silent.
    QVERIFY(heldEnded.wait(MtaTest::LongWaitMs));
    QCOMPARE(m_endpoint->heldCalls().size(), 0);
    QCOMPARE(stageFinished.size(), 1);
    QCOMPARE(finished.size(), 0);
}

QTEST_GUILESS_MAIN(TestMtaConcurrency)
#include "tst_mta_concurrency.moc"

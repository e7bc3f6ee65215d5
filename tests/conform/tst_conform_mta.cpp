// SPDX-License-Identifier: GPL-3.0-or-later
// `hookscope conform --mta`: Hookscope's own mock MTA (the replayer, with discovery and
// registration) passes every check; mta_double.py, an MTA written from the protocol reference,
// passes them clean and fails exactly the matching check with one rule broken; the command's exit
// codes, JSON and JUnit. HTTP on 127.0.0.1 only.
#include "mock/conform/mtaobserver.h"
#include "mock/mta/sessionreplayer.h"
#include "tests/conform/conformtest.h"
#include "tests/mta/mtatest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;
using namespace ConformTest;

namespace {

// Scores an MTA: listens on a free port, lets `drive` start the MTA, waits for the observer.
QList<Conform::Result> observe(const std::function<void(const QString &url)> &drive,
    const Mock::EndpointSettings &settings = {})
{
    Conform::MtaObserver observer;
    if (!observer.listen(settings)) {
        qWarning("cannot listen: %s", qPrintable(observer.errorString()));
        return {};
    }
    QSignalSpy finished(&observer, &Conform::MtaObserver::finished);
    drive(observer.url());
    if (finished.isEmpty() && !finished.wait(Patience))
        qWarning("the MTA did not finish in time");
    return observer.results();
}

QStringList answerCheckIds()
{
    return {u"mta-applies-new-sender"_s, u"mta-applies-added-recipient"_s,
        u"mta-drops-rejected-recipient"_s, u"mta-stops-after-reject"_s};
}

const Conform::Result *find(const QList<Conform::Result> &results, const QString &id)
{
    for (const Conform::Result &result : results) {
        if (result.id == id)
            return &result;
    }
    return nullptr;
}

} // namespace

class TestConformMta : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void checksAreDistinct();
    void replayerPassesEveryCheck_data();
    void replayerPassesEveryCheck();
    void doubleFailsOnlyTheBrokenRule_data();
    void doubleFailsOnlyTheBrokenRule();
    void probesOfStagesNotCalledAreSkipped();
    void commandExitCodes();
    void commandWithoutCallers();
    void floodIsWatchedUpToALimit();
    void callsInFlightAtThe410AreNotCounted();
};

void TestConformMta::checksAreDistinct()
{
    QSet<QString> ids;
    for (const Conform::MtaCheck &check : Conform::mtaChecks()) {
        QVERIFY2(!ids.contains(check.id), qPrintable(check.id));
        ids.insert(check.id);
        QVERIFY(check.clause.startsWith(u"draft-01 §"_s));
        QVERIFY(check.score);
    }
    // Nothing seen: every check is skipped, none passes on no evidence.
    for (const Conform::Result &result : Conform::scoreMta({}))
        QCOMPARE(Conform::statusName(result.status), u"SKIP"_s);
}

void TestConformMta::replayerPassesEveryCheck_data()
{
    QTest::addColumn<QString>("auth");
    QTest::addColumn<MtaHooks::Encoding>("encoding");
    QTest::newRow("no credentials") << u"none"_s << MtaHooks::Encoding::Json;
    // The plan deregisters as the registration's owner: with credentials checked, only it may.
    QTest::newRow("bearer") << u"bearer:conform-mta-0123456789abcdef"_s << MtaHooks::Encoding::Json;
    // The answer probes reach a CBOR MTA in CBOR.
    QTest::newRow("cbor") << u"none"_s << MtaHooks::Encoding::Cbor;
}

void TestConformMta::replayerPassesEveryCheck()
{
    QFETCH(QString, auth);
    QFETCH(MtaHooks::Encoding, encoding);
    QString error;
    const auto settings = Mock::EndpointSettings::withAuth({}, auth, &error);
    QVERIFY2(settings, qPrintable(error));
    const Mock::SessionRecording session = MtaTest::session(u"inbound-mx.json"_s);
    QVERIFY(!session.stages.isEmpty());
    // One session for the faults and the first answer probes, one each for the later probes
    // (a rejected recipient, a rejected mail), one that meets the end of the registration.
    const QList<Mock::SessionRecording> sessions(5, session);
    Mock::SessionReplayer replayer;
    QSignalSpy replayed(&replayer, &Mock::SessionReplayer::finished);
    const QList<Conform::Result> results = observe(
        [&](const QString &url) {
            Mock::ReplayTarget target;
            target.url = QUrl(url);
            target.dialect = MtaHooks::Dialect::Draft01;
            target.auth = auth;
            target.encoding = encoding;
            target.timeoutMs = 20000;
            replayer.start(sessions, target);
        },
        *settings);
    QVERIFY(!results.isEmpty());
    QVERIFY2(idsWith(results, Conform::Status::Fail).isEmpty(), describe(results).constData());
    // The fault plan provoked every behaviour: a skip here would hide a broken plan.
    QCOMPARE(idsWith(results, Conform::Status::Skip), QStringList());
    QVERIFY(replayed.size() == 1 || replayed.wait(Patience));
    const Conform::Result *sender = find(results, u"mta-applies-new-sender"_s);
    QVERIFY(sender->detail.contains(Conform::changedSenderAddress()));
    const QString probe = sender->evidence.first().sent + sender->evidence.first().seen;
    QVERIFY2(probe.contains(encoding == MtaHooks::Encoding::Cbor ? u"application/cbor"_s
                                                                 : u"application/json"_s),
        qPrintable(probe));
}

void TestConformMta::doubleFailsOnlyTheBrokenRule_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QStringList>("failing");
    QTest::newRow("clean") << QString() << QStringList();
    QTest::newRow("no request id") << u"--no-request-id"_s << QStringList {u"mta-request-id"_s};
    QTest::newRow("new id on retry")
        << u"--new-id-on-retry"_s << QStringList {u"mta-retry-same-id"_s};
    QTest::newRow("no Retry-After")
        << u"--no-retry-after"_s << QStringList {u"mta-honours-retry-after"_s};
    QTest::newRow("ignores 404") << u"--ignore-404"_s << QStringList {u"mta-registers-after-404"_s};
    QTest::newRow("ignores 410") << u"--ignore-410"_s << QStringList {u"mta-stops-after-410"_s};
    QTest::newRow("bad shape") << u"--bad-shape"_s << QStringList {u"mta-request-shape"_s};
    QTest::newRow("text/plain") << u"--text-plain"_s << QStringList {u"mta-content-type"_s};
    QTest::newRow("ignores a new sender")
        << u"--ignore-sender-change"_s << QStringList {u"mta-applies-new-sender"_s};
    QTest::newRow("ignores added recipients")
        << u"--ignore-added-recipients"_s << QStringList {u"mta-applies-added-recipient"_s};
    QTest::newRow("keeps rejected recipients")
        << u"--keep-rejected-recipients"_s << QStringList {u"mta-drops-rejected-recipient"_s};
    QTest::newRow("goes on after a reject")
        << u"--continue-after-reject"_s << QStringList {u"mta-stops-after-reject"_s};
}

void TestConformMta::doubleFailsOnlyTheBrokenRule()
{
    QFETCH(QString, option);
    QFETCH(QStringList, failing);
    std::unique_ptr<Child> mta;
    const QList<Conform::Result> results = observe([&](const QString &url) {
        QStringList arguments {u"" HOOKSCOPE_MTA_DOUBLE ""_s, u"--url"_s, url};
        if (!option.isEmpty())
            arguments << option;
        mta = std::make_unique<Child>(u"" HOOKSCOPE_PYTHON ""_s, arguments);
    });
    QCOMPARE(mta->waitExit(), 0);
    QCOMPARE(idsWith(results, Conform::Status::Fail), failing);
    const Conform::Result *retry = find(results, u"mta-retry-same-id"_s);
    const Conform::Result *gone = find(results, u"mta-stops-after-410"_s);
    QVERIFY(retry && gone);
    if (failing.isEmpty()) {
        QCOMPARE(idsWith(results, Conform::Status::Skip), QStringList());
        QVERIFY2(mta->out.contains("ehlo attempt 1: HTTP 404"), mta->out.constData());
        // The answer probes took three sessions; the fourth met the end of the registration.
        QVERIFY2(
            mta->out.contains("mail refused (reject): transaction ends"), mta->out.constData());
        QVERIFY2(mta->out.contains("ehlo attempt 1: HTTP 410"), mta->out.constData());
        for (const QString &id : answerCheckIds()) {
            const Conform::Result *applied = find(results, id);
            QVERIFY2(applied && applied->status == Conform::Status::Pass, qPrintable(id));
            QVERIFY2(applied->evidence.size() >= 2, qPrintable(id)); // the answer and what followed
        }
    }
    // A failure shows what was sent.
    for (const Conform::Result &result : results) {
        if (result.status == Conform::Status::Fail)
            QVERIFY2(!result.evidence.isEmpty() && result.evidence.first().sent.contains(u"POST"_s),
                qPrintable(result.id));
    }
}

// An MTA that did not register for mail and rcpt gets no answer probe there: the checks on them
// are skipped with the reason, none fails, and the registration is still ended.
void TestConformMta::probesOfStagesNotCalledAreSkipped()
{
    std::unique_ptr<Child> mta;
    const QList<Conform::Result> results = observe([&](const QString &url) {
        mta = std::make_unique<Child>(u"" HOOKSCOPE_PYTHON ""_s,
            QStringList {u"" HOOKSCOPE_MTA_DOUBLE ""_s, u"--url"_s, url, u"--stages"_s,
                u"connect,ehlo,data"_s});
    });
    QCOMPARE(mta->waitExit(), 0);
    QCOMPARE(idsWith(results, Conform::Status::Fail), QStringList());
    QCOMPARE(idsWith(results, Conform::Status::Skip), answerCheckIds());
    QCOMPARE(find(results, u"mta-applies-new-sender"_s)->detail, u"the MTA made no mail call"_s);
    QCOMPARE(
        find(results, u"mta-drops-rejected-recipient"_s)->detail, u"the MTA made no rcpt call"_s);
    QCOMPARE(Conform::statusName(find(results, u"mta-stops-after-410"_s)->status), u"PASS"_s);
}

void TestConformMta::commandExitCodes()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QRegularExpression listening(
        u"conform --mta: listening on http://127\\.0\\.0\\.1:(\\d+)"_s);
    const QString junit = dir.filePath(u"mta.xml"_s);
    for (const QString &option : {QString(), u"--ignore-410"_s}) {
        Child command(TestSupport::hookscopeBinary(),
            {u"conform"_s, u"--mta"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--duration"_s, u"60"_s,
                u"--json"_s, u"--junit"_s, junit});
        const quint16 port = command.waitPort(listening, false);
        QVERIFY2(port != 0, command.err.constData());
        QStringList arguments {
            u"" HOOKSCOPE_MTA_DOUBLE ""_s, u"--url"_s, u"http://127.0.0.1:%1"_s.arg(port)};
        if (!option.isEmpty())
            arguments << option;
        Child mta(u"" HOOKSCOPE_PYTHON ""_s, arguments);
        QCOMPARE(mta.waitExit(), 0);
        QCOMPARE(command.waitExit(), option.isEmpty() ? 0 : 1);
        const QJsonObject report = QJsonDocument::fromJson(command.out).object();
        QCOMPARE(report.value(u"mode"_s).toString(), u"mta"_s);
        QCOMPARE(report.value(u"summary"_s)[u"mustFailures"_s].toInt(), option.isEmpty() ? 0 : 1);
        QCOMPARE(report.value(u"results"_s).toArray().size(), Conform::mtaChecks().size());
        QFile xml(junit);
        QVERIFY(xml.open(QIODevice::ReadOnly));
        QCOMPARE(xml.readAll().contains("<failure"), !option.isEmpty());
    }
}

void TestConformMta::commandWithoutCallers()
{
    Child command(TestSupport::hookscopeBinary(),
        {u"conform"_s, u"--mta"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--duration"_s, u"1"_s});
    QCOMPARE(command.waitExit(), 2);
    QVERIFY2(command.err.contains("no MTA called"), command.err.constData());
    Child usage(TestSupport::hookscopeBinary(),
        {u"conform"_s, u"--mta"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--duration"_s, u"0"_s});
    QCOMPARE(usage.waitExit(), 2);
    QVERIFY(usage.err.contains("--duration"));
}

// An MTA (or a flood posing as one) that never stops: the observation ends at the plan's limit,
// keeping no more calls than that, and is scored on what it saw.
void TestConformMta::floodIsWatchedUpToALimit()
{
    Conform::MtaObserver observer;
    Conform::MtaFaultPlan plan;
    plan.maxCalls = 5;
    observer.setPlan(plan);
    QVERIFY(observer.listen({}));
    QSignalSpy finished(&observer, &Conform::MtaObserver::finished);
    QNetworkAccessManager network;
    QList<QNetworkReply *> replies;
    for (int i = 0; i < 8; ++i) {
        QNetworkRequest request(QUrl(observer.url() + u"/hook"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
        replies.append(network.post(request, QByteArray(R"({"context":{"stage":"connect"}})")));
    }
    QVERIFY(finished.wait(Patience));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(observer.observation().exchanges.size(), 5);
    QVERIFY(observer.observation().callLimitReached);
    QVERIFY(!observer.results().isEmpty());
    for (QNetworkReply *reply : replies)
        reply->abort();
}

// The 410 check blames calls sent after the MTA could know of the 410, not those that were on
// their way while it was answered (an MTA with several calls in flight).
void TestConformMta::callsInFlightAtThe410AreNotCounted()
{
    const QDateTime t0 = QDateTime::fromMSecsSinceEpoch(1'780'000'000'000, Qt::UTC);
    const auto hookCall = [&t0](qint64 atMs, int status) {
        Mock::Exchange e;
        e.kind = Mock::ExchangeKind::Hook;
        e.stage = MtaHooks::Stage::Rcpt;
        e.received = t0.addMSecs(atMs);
        e.latencyUs = 2000;
        e.httpStatus = status;
        e.requestHeaders = {{"X-MTA-Hooks-Registration", "reg-1"}};
        return e;
    };
    const auto verdict = [](const Conform::MtaObservation &seen) {
        const QList<Conform::Result> results = Conform::scoreMta(seen);
        const Conform::Result *result = find(results, u"mta-stops-after-410"_s);
        return result ? result->status : Conform::Status::Skip;
    };
    Conform::MtaObservation seen;
    // The 410 went out 2 ms after its call arrived, at 12 ms.
    seen.exchanges = {hookCall(0, 200), hookCall(10, 410), hookCall(10, 200), hookCall(11, 200)};
    seen.goneExchange = 1;
    QCOMPARE(verdict(seen), Conform::Status::Pass); // both reached us before the 410 was out
    seen.exchanges.append(hookCall(12, 200)); // sent on reading the 410: the MTA knew
    QCOMPARE(verdict(seen), Conform::Status::Fail);
    const QList<Conform::Result> results = Conform::scoreMta(seen);
    const QString detail = find(results, u"mta-stops-after-410"_s)->detail;
    QVERIFY2(detail.startsWith(u"1 more hook call(s)"_s), qPrintable(detail));
    QVERIFY2(detail.contains(u"2 call(s) in flight"_s), qPrintable(detail));

    // An MTA with three calls at once before the 410 (each on a connection of its own): two calls
    // (one per other lane) soon after the answer are excused, a third is not, nor one long after.
    Conform::MtaObservation lanes;
    lanes.exchanges = {hookCall(0, 200), hookCall(0, 200), hookCall(1, 200), hookCall(10, 410),
        hookCall(13, 200), hookCall(14, 200)};
    lanes.goneExchange = 3;
    QCOMPARE(verdict(lanes), Conform::Status::Pass);
    lanes.exchanges.append(hookCall(15, 200));
    QCOMPARE(verdict(lanes), Conform::Status::Fail);
    lanes.exchanges.removeLast();
    lanes.exchanges.append(hookCall(400, 200));
    QCOMPARE(verdict(lanes), Conform::Status::Fail);

    // Lanes that never overlap but each keep their connection count as lanes too; a new
    // connection per call (a one-lane MTA) does not.
    const auto onConnection = [&hookCall](qint64 atMs, int status, quint16 port) {
        Mock::Exchange e = hookCall(atMs, status);
        e.peerAddress = u"127.0.0.1"_s;
        e.peerPort = port;
        return e;
    };
    Conform::MtaObservation keptAlive;
    keptAlive.exchanges
        = {onConnection(0, 200, 5001), onConnection(5, 200, 5002), onConnection(10, 200, 5001),
            onConnection(15, 200, 5002), onConnection(20, 410, 5001), onConnection(23, 200, 5002)};
    keptAlive.goneExchange = 4;
    QCOMPARE(verdict(keptAlive), Conform::Status::Pass);
    Conform::MtaObservation oneLane = keptAlive;
    for (quint16 i = 0; i < oneLane.exchanges.size(); ++i)
        oneLane.exchanges[i].peerPort = 6000 + i;
    QCOMPARE(verdict(oneLane), Conform::Status::Fail);
}

QTEST_GUILESS_MAIN(TestConformMta)
#include "tst_conform_mta.moc"

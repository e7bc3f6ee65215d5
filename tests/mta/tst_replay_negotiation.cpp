// SPDX-License-Identifier: GPL-3.0-or-later
// `hookscope replay` as a new user runs it against an independent draft-01 scanner
// (draft01_scanner.py): it negotiates, registers at a URL given with --register, calls a
// provisioned hook with --hook and --registration-id, fails with exit 2 and the reason when
// discovery or registration fails, and applies --on-error to failed calls.
#include "tests/mta/mtatest.h"
#include "tests/mta/scannerdouble.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using ScannerDouble::answer;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QList<QJsonObject> lines(const QString &type) const
    {
        QList<QJsonObject> objects;
        for (const QByteArray &line : out.split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(u"type"_s) == type)
                objects.append(object);
        }
        return objects;
    }
    QString describe() const
    {
        return u"exit %1\nstdout:\n%2\nstderr:\n%3"_s.arg(exitCode).arg(
            QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

QJsonObject offer(const QStringList &stages)
{
    return QJsonObject {
        {u"inbound"_s, QJsonObject {{u"stages"_s, QJsonArray::fromStringList(stages)}}},
        {u"outbound"_s, QJsonValue::Null}};
}

const QStringList allInbound {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s};

} // namespace

class TestReplayNegotiation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void negotiatesWhatDiscoveryOffers();
    void failedDiscoveryExitsTwo();
    void failedRegistrationExitsTwo();
    void registerAtAGivenUrl();
    void provisionedHook();
    void onErrorPolicy_data();
    void onErrorPolicy();
    void usageErrors_data();
    void usageErrors();

private:
    bool startScanner(const QJsonObject &config);
    Run replay(const QStringList &arguments);

    std::unique_ptr<ScannerDouble::Scanner> m_scanner;
    QString m_session;
};

void TestReplayNegotiation::initTestCase()
{
    QVERIFY2(
        QFile::exists(TestSupport::hookscopeBinary()), qPrintable(TestSupport::hookscopeBinary()));
    m_session = MtaTest::fixturePath(u"sessions/expect-accept.json"_s);
}

void TestReplayNegotiation::init()
{
    m_scanner = std::make_unique<ScannerDouble::Scanner>();
}

void TestReplayNegotiation::cleanup()
{
    m_scanner.reset();
}

bool TestReplayNegotiation::startScanner(const QJsonObject &config)
{
    if (m_scanner->start(config))
        return true;
    qWarning("%s", qPrintable(m_scanner->why()));
    return false;
}

Run TestReplayNegotiation::replay(const QStringList &arguments)
{
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(TestSupport::hookscopeBinary(), QStringList {u"replay"_s} + arguments);
    if (!finished.wait(MtaTest::LongWaitMs)) {
        process.kill();
        process.waitForFinished(5000);
        return {};
    }
    if (process.exitStatus() != QProcess::NormalExit)
        return {-2, process.readAllStandardOutput(), process.readAllStandardError()};
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

void TestReplayNegotiation::negotiatesWhatDiscoveryOffers()
{
    if (!startScanner({{u"offer"_s, offer({u"data"_s})}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay({m_session, u"--to"_s, m_scanner->url(u"/hook"_s), u"--dialect"_s,
        u"draft-01"_s, u"--json"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QList<QJsonObject> stages = run.lines(u"stage"_s);
    QCOMPARE(stages.size(), 4);
    for (const QJsonObject &stage : stages) {
        const bool data = stage.value(u"stage"_s) == u"data"_s;
        QCOMPARE(stage.value(u"skipped"_s).isNull(), data);
        QCOMPARE(stage.value(u"attempts"_s).toInt(), data ? 1 : 0);
    }
    QCOMPARE(m_scanner->hookCalls().size(), 1);
    QCOMPARE(run.lines(u"summary"_s).constFirst().value(u"skippedStages"_s).toInt(), 3);
    QVERIFY2(run.err.contains("does not offer connect, mail, rcpt"), qPrintable(run.describe()));
    // The expectations of the stages not called fail when asked for.
    const Run expecting = replay({m_session, u"--to"_s, m_scanner->url(u"/hook"_s), u"--dialect"_s,
        u"draft-01"_s, u"--json"_s, u"--expect"_s});
    QVERIFY2(expecting.exitCode == 1, qPrintable(expecting.describe()));
}

void TestReplayNegotiation::failedDiscoveryExitsTwo()
{
    if (!startScanner({{u"discovery"_s, false}, {u"offer"_s, offer(allInbound)},
            {u"acceptUnregistered"_s, true}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay({m_session, u"--to"_s, m_scanner->url(u"/hook"_s), u"--dialect"_s,
        u"draft-01"_s, u"--json"_s});
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(run.err.contains("discovery at") && run.err.contains("HTTP 404")
            && run.err.contains("--register"),
        qPrintable(run.describe()));
    QVERIFY(run.lines(u"stage"_s).isEmpty());
    QVERIFY(run.lines(u"summary"_s).constFirst().value(u"setupError"_s).isString());
    QVERIFY(m_scanner->hookCalls().isEmpty());
    // Unregistered, the MTA calls the URL as given (manual configuration): not a failure.
    const Run unregistered = replay({m_session, u"--to"_s, m_scanner->url(u"/provisioned"_s),
        u"--dialect"_s, u"draft-01"_s, u"--json"_s, u"--no-register"_s});
    QVERIFY2(unregistered.exitCode == 0, qPrintable(unregistered.describe()));
    QVERIFY2(
        unregistered.err.contains("no discovery document"), qPrintable(unregistered.describe()));
    QCOMPARE(unregistered.lines(u"stage"_s).size(), 4);
    QCOMPARE(m_scanner->hookCalls().size(), 4);
    QVERIFY(unregistered.lines(u"summary"_s).constFirst().value(u"setupError"_s).isNull());
}

void TestReplayNegotiation::failedRegistrationExitsTwo()
{
    if (!startScanner({{u"offer"_s, offer(allInbound)}, {u"registrationStatus"_s, 500}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay({m_session, u"--to"_s, m_scanner->url(u"/hook"_s), u"--dialect"_s,
        u"draft-01"_s, u"--retries"_s, u"1"_s});
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(run.err.contains("registration at") && run.err.contains("HTTP 500"),
        qPrintable(run.describe()));
    QVERIFY(m_scanner->hookCalls().isEmpty());
    QCOMPARE(m_scanner->requestsTo(u"/v1/register"_s, u"POST"_s).size(), 2); // --retries 1
}

void TestReplayNegotiation::registerAtAGivenUrl()
{
    if (!startScanner({{u"discovery"_s, false}, {u"registrationPath"_s, u"/api/mta"_s},
            {u"offer"_s, offer(allInbound)}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay({m_session, u"--register"_s, m_scanner->url(u"/api/mta"_s),
        u"--dialect"_s, u"draft-01"_s, u"--json"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY(m_scanner->requestsTo(u"/.well-known/"_s).isEmpty());
    QCOMPARE(m_scanner->requestsTo(u"/api/mta"_s, u"POST"_s).size(), 1);
    QCOMPARE(m_scanner->hookCalls().size(), 4);
    QCOMPARE(m_scanner->requestsTo(u"/api/mta/"_s, u"DELETE"_s).size(), 1);
}

void TestReplayNegotiation::provisionedHook()
{
    const QJsonObject provisioned {
        {u"ops-1"_s, QJsonObject {{u"inbound"_s, offer(allInbound).value(u"inbound"_s)}}}};
    if (!startScanner({{u"discovery"_s, false}, {u"offer"_s, offer(allInbound)},
            {u"provisioned"_s, provisioned}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay({m_session, u"--hook"_s, m_scanner->url(u"/provisioned"_s),
        u"--registration-id"_s, u"ops-1"_s, u"--dialect"_s, u"draft-01"_s, u"--json"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QList<QJsonObject> all = m_scanner->requests();
    QCOMPARE(all.size(), 4);
    for (const QJsonObject &request : all) {
        QCOMPARE(request.value(u"status"_s).toInt(), 204);
        QCOMPARE(request.value(u"headers"_s).toObject().value(u"X-MTA-Hooks-Registration"_s),
            u"ops-1"_s);
    }
}

void TestReplayNegotiation::onErrorPolicy_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<int>("replyCode");
    QTest::addRow("default") << QStringList {} << u"tempfail"_s << 451;
    QTest::addRow("accept") << QStringList {u"--on-error"_s, u"accept"_s} << u"accept"_s << 250;
    QTest::addRow("reject") << QStringList {u"--on-error"_s, u"reject"_s} << u"reject"_s << 550;
}

void TestReplayNegotiation::onErrorPolicy()
{
    QFETCH(QStringList, extra);
    QFETCH(QString, verdict);
    QFETCH(int, replyCode);
    const QJsonObject answers {{u"data"_s, QJsonArray {answer(503)}}};
    if (!startScanner({{u"offer"_s, offer(allInbound)}, {u"answers"_s, answers}}))
        QSKIP("the python3 scanner double cannot run here");
    const Run run = replay(QStringList {m_session, u"--to"_s, m_scanner->url(u"/hook"_s),
                               u"--dialect"_s, u"draft-01"_s, u"--json"_s, u"--retries"_s, u"0"_s}
        + extra);
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe())); // a failed call is a problem
    const QJsonObject data = run.lines(u"stage"_s).constLast();
    QCOMPARE(data.value(u"stage"_s).toString(), u"data"_s);
    QCOMPARE(data.value(u"status"_s).toInt(), 503);
    QCOMPARE(data.value(u"verdict"_s).toString(), verdict);
    QCOMPARE(data.value(u"reply"_s).toObject().value(u"code"_s).toInt(), replyCode);
}

void TestReplayNegotiation::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString url = u"http://127.0.0.1:9/x"_s;
    QTest::addRow("hook without id") << QStringList {u"--hook"_s, url} << u"--registration-id"_s;
    QTest::addRow("id without hook")
        << QStringList {u"--to"_s, url, u"--registration-id"_s, u"a"_s} << u"--hook"_s;
    QTest::addRow("unknown policy")
        << QStringList {u"--to"_s, url, u"--on-error"_s, u"ignore"_s} << u"--on-error"_s;
    QTest::addRow("register not http")
        << QStringList {u"--register"_s, u"ftp://127.0.0.1/"_s} << u"--register"_s;
}

void TestReplayNegotiation::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run run = replay(QStringList {m_session} + arguments);
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(QString::fromUtf8(run.err).contains(message), qPrintable(run.describe()));
}

QTEST_GUILESS_MAIN(TestReplayNegotiation)
#include "tst_replay_negotiation.moc"

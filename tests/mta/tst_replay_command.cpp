// SPDX-License-Identifier: GPL-3.0-or-later
// hookscope replay as a user runs it: the real binary in a QProcess against an in-process
// HookEndpoint on 127.0.0.1; its per-stage lines, the summary object of --json, and the exit codes
// (0 every expectation holds / every answer well-formed, 1 one does not, 2 usage or connection).
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::Rule;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QList<QJsonObject> lines() const
    {
        QList<QJsonObject> objects;
        for (const QByteArray &line : out.split('\n')) {
            if (!line.trimmed().isEmpty())
                objects.append(QJsonDocument::fromJson(line).object());
        }
        return objects;
    }
    QList<QJsonObject> stages() const
    {
        QList<QJsonObject> result;
        for (const QJsonObject &object : lines()) {
            if (object.value(u"type"_s) == u"stage"_s)
                result.append(object);
        }
        return result;
    }
    QJsonObject summary() const
    {
        const QList<QJsonObject> all = lines();
        return all.isEmpty() ? QJsonObject() : all.constLast();
    }
    QString describe() const
    {
        return u"exit %1\nstdout:\n%2\nstderr:\n%3"_s.arg(exitCode).arg(
            QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

Rule rule(const QString &name, QList<Stage> stages, const Answer &answer)
{
    Rule r;
    r.name = name;
    r.when.stages = std::move(stages);
    r.answer = answer;
    return r;
}

} // namespace

class TestReplayCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void emlWithEnvelope();
    void emlWithBareLineFeeds();
    void sessionFilesInEveryDialect_data();
    void sessionFilesInEveryDialect();
    void cborIsForTheDraftSessionsOfAMix();
    void registersAndDeregisters();
    void textOutput();
    void expectations_data();
    void expectations();
    void malformedAnswersFail();
    void dataEditsMatchApply_data();
    void dataEditsMatchApply();
    void concurrencyAndRepeat();
    void authentication();
    void connectionRefused();
    void usageErrors_data();
    void usageErrors();
    void notASessionFile();
    void everyUnreadableFileIsNamed();

private:
    Run replay(const QStringList &arguments);
    Run runBinary(const QStringList &arguments);
    QString url() const { return m_endpoint->url() + u"/hook"_s; }
    QList<Exchange> hooks() const;

    QTemporaryDir m_dir;
    std::unique_ptr<Mock::Rulebook> m_rulebook;
    std::unique_ptr<Mock::HookEndpoint> m_endpoint;
    QList<Exchange> m_exchanges;
};

void TestReplayCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(
        QFile::exists(TestSupport::hookscopeBinary()), qPrintable(TestSupport::hookscopeBinary()));
}

void TestReplayCommand::init()
{
    m_rulebook = std::make_unique<Mock::Rulebook>();
    m_endpoint = std::make_unique<Mock::HookEndpoint>(m_rulebook.get());
    m_exchanges.clear();
    connect(m_endpoint.get(), &Mock::HookEndpoint::exchangeCaptured, this,
        [this](const Exchange &exchange) { m_exchanges.append(exchange); });
    QVERIFY2(m_endpoint->listen(), qPrintable(m_endpoint->errorString()));
}

void TestReplayCommand::cleanup()
{
    m_endpoint.reset();
    m_rulebook.reset();
}

// Runs the binary while this event loop serves the endpoint.
Run TestReplayCommand::runBinary(const QStringList &arguments)
{
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(TestSupport::hookscopeBinary(), arguments);
    if (!finished.wait(MtaTest::LongWaitMs)) {
        process.kill();
        process.waitForFinished(5000);
        return {};
    }
    if (process.exitStatus() != QProcess::NormalExit)
        return {-2, process.readAllStandardOutput(), process.readAllStandardError()};
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

Run TestReplayCommand::replay(const QStringList &arguments)
{
    return runBinary(QStringList {u"replay"_s} + arguments);
}

QList<Exchange> TestReplayCommand::hooks() const
{
    QList<Exchange> result;
    for (const Exchange &exchange : m_exchanges) {
        if (exchange.kind == Mock::ExchangeKind::Hook)
            result.append(exchange);
    }
    return result;
}

void TestReplayCommand::emlWithEnvelope()
{
    const Run run = replay({MtaTest::fixturePath(u"plain.eml"_s), u"--mail-from"_s,
        u"mallory@example.org"_s, u"--rcpt"_s, u"trent@example.com"_s, u"--rcpt"_s,
        u"peggy@example.com"_s, u"--to"_s, url(), u"--json"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QList<QJsonObject> stages = run.stages();
    QStringList names;
    for (const QJsonObject &stage : stages) {
        names << stage.value(u"stage"_s).toString()
                + (stage.value(u"recipient"_s).isString()
                        ? u':' + stage.value(u"recipient"_s).toString()
                        : QString());
        QCOMPARE(stage.value(u"action"_s).toString(), u"accept"_s);
        QCOMPARE(stage.value(u"status"_s).toInt(), 200);
        QVERIFY(stage.value(u"latencyMs"_s).toDouble() > 0);
        QCOMPARE(stage.value(u"attempts"_s).toInt(), 1);
        QVERIFY(stage.value(u"reply"_s).toObject().value(u"code"_s).toInt() >= 200);
    }
    QCOMPARE(names,
        QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
            u"rcpt:peggy@example.com"_s, u"data"_s}));
    const QJsonObject summary = run.summary();
    QCOMPARE(summary.value(u"type"_s).toString(), u"summary"_s);
    QCOMPARE(summary.value(u"sessions"_s).toInt(), 1);
    QCOMPARE(summary.value(u"stages"_s).toInt(), 6);
    QCOMPARE(summary.value(u"calls"_s).toInt(), 6);
    QCOMPARE(summary.value(u"transportErrors"_s).toInt(), 0);
    QCOMPARE(summary.value(u"malformedAnswers"_s).toInt(), 0);
    QVERIFY(summary.value(u"sessionsPerSecond"_s).toDouble() > 0);
    const QJsonObject latency = summary.value(u"latencyMs"_s).toObject();
    QVERIFY(latency.value(u"min"_s).toDouble() > 0);
    QVERIFY(latency.value(u"min"_s).toDouble() <= latency.value(u"median"_s).toDouble());
    QVERIFY(latency.value(u"median"_s).toDouble() <= latency.value(u"p99"_s).toDouble());
    QVERIFY(latency.value(u"p99"_s).toDouble() <= latency.value(u"max"_s).toDouble());
    const QJsonObject byStage = summary.value(u"latencyByStage"_s).toObject();
    QCOMPARE(byStage.keys(),
        QStringList({u"connect"_s, u"data"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s})); // sorted
    QCOMPARE(byStage.value(u"rcpt"_s).toObject().value(u"count"_s).toInt(), 2);
    // Stalwart by default: what the endpoint saw.
    const QList<Exchange> calls = hooks();
    QCOMPARE(calls.size(), 6);
    QCOMPARE(calls.constLast().dialect, Dialect::Stalwart);
    QCOMPARE(calls.constLast().mailFrom, u"mallory@example.org"_s);
    QCOMPARE(calls.constLast().recipients,
        QStringList({u"trent@example.com"_s, u"peggy@example.com"_s}));
    QCOMPARE(calls.constLast().messageSize, MtaTest::fixture(u"plain.eml"_s).size());
    QCOMPARE(calls.constLast().subject, u"Quarterly figures \u2014 draft"_s);
}

void TestReplayCommand::emlWithBareLineFeeds()
{
    const Run run = replay({MtaTest::fixturePath(u"plain-lf.eml"_s), u"--mail-from"_s,
        u"mallory@example.org"_s, u"--rcpt"_s, u"trent@example.com"_s, u"--to"_s, url(),
        u"--json"_s, u"--dialect"_s, u"draft-01"_s, u"--no-discovery"_s, u"--no-register"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    // Sent as SMTP carries it: CRLF line ends, the same bytes as plain.eml.
    const QList<Exchange> calls = hooks();
    QCOMPARE(calls.constLast().stage, Stage::Data);
    const HookRequest data = decodeRequest(calls.constLast().requestBody);
    QCOMPARE(data.rawMessage, MtaTest::fixture(u"plain.eml"_s));
    const QJsonObject line = run.stages().constLast();
    QCOMPARE(line.value(u"messageChanged"_s).toBool(true), false);
    QCOMPARE(line.value(u"messageSha256"_s).toString(),
        QString::fromLatin1(
            QCryptographicHash::hash(MtaTest::fixture(u"plain.eml"_s), QCryptographicHash::Sha256)
                .toHex()));
}

void TestReplayCommand::sessionFilesInEveryDialect_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    // submission.json records draft-01; inbound-mx.json records stalwart. Each plays in its own
    // dialect (Unknown below) unless --dialect says otherwise.
    const QStringList quiet {u"--no-discovery"_s, u"--no-register"_s};
    QTest::addRow("recorded") << quiet << Dialect::Unknown << Encoding::Json;
    QTest::addRow("stalwart") << (quiet + QStringList {u"--dialect"_s, u"stalwart"_s})
                              << Dialect::Stalwart << Encoding::Json;
    QTest::addRow("draft-01-cbor")
        << (quiet + QStringList {u"--dialect"_s, u"draft-01"_s, u"--cbor"_s}) << Dialect::Draft01
        << Encoding::Cbor;
    // The request format is -01's; the endpoint's RFC 6902 answers tell the capture draft-02.
    QTest::addRow("draft-02") << (quiet + QStringList {u"--dialect"_s, u"draft-02"_s})
                              << Dialect::Draft02 << Encoding::Json;
    QTest::addRow("draft-02-cbor")
        << (quiet + QStringList {u"--dialect"_s, u"draft-02"_s, u"--cbor"_s}) << Dialect::Draft02
        << Encoding::Cbor;
}

void TestReplayCommand::sessionFilesInEveryDialect()
{
    QFETCH(QStringList, options);
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    if (options.contains(u"draft-02"_s))
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"tag"_s, {Stage::Data}, Answer::fromPreset(Preset::AddHeader))});
    const Run run = replay(
        QStringList {MtaTest::fixturePath(u"sessions/submission.json"_s),
            MtaTest::fixturePath(u"sessions/inbound-mx.json"_s), u"--to"_s, url(), u"--json"_s}
        + options);
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QCOMPARE(run.summary().value(u"sessions"_s).toInt(), 2);
    QCOMPARE(run.summary().value(u"stages"_s).toInt(), 13);
    const QList<Exchange> calls = hooks();
    QCOMPARE(calls.size(), 13);
    int stalwart = 0;
    for (const Exchange &exchange : calls) {
        if (dialect == Dialect::Unknown) // as recorded: both dialects, each session its own
            QVERIFY(exchange.dialect == Dialect::Draft01 || exchange.dialect == Dialect::Stalwart);
        else
            QCOMPARE(exchange.dialect, dialect);
        stalwart += exchange.dialect == Dialect::Stalwart ? 1 : 0;
        QCOMPARE(exchange.encoding, encoding);
        QVERIFY2(exchange.errorCount() == 0, qPrintable(MtaTest::describe(exchange.problems)));
    }
    if (dialect == Dialect::Unknown)
        QVERIFY(stalwart > 0 && stalwart < calls.size());
    int changed = 0;
    for (const QJsonObject &stage : run.stages())
        changed += stage.value(u"messageChanged"_s).toBool() ? 1 : 0;
    QCOMPARE(changed, 2);
}

// The command refused --cbor when any session played as Stalwart; the window's replay sent those
// in JSON (Stalwart's only format) and the drafts' in CBOR. --cbor says "Send CBOR (drafts)": in
// a mix it is for the draft sessions now, and refused only when no session is a draft's.
void TestReplayCommand::cborIsForTheDraftSessionsOfAMix()
{
    const Run run = replay({MtaTest::fixturePath(u"sessions/submission.json"_s),
        MtaTest::fixturePath(u"sessions/inbound-mx.json"_s), u"--to"_s, url(), u"--json"_s,
        u"--cbor"_s, u"--no-discovery"_s, u"--no-register"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QList<Exchange> calls = hooks();
    QCOMPARE(calls.size(), 13);
    int cbor = 0;
    for (const Exchange &exchange : calls) {
        QCOMPARE(exchange.encoding,
            exchange.dialect == Dialect::Stalwart ? Encoding::Json : Encoding::Cbor);
        cbor += exchange.encoding == Encoding::Cbor ? 1 : 0;
    }
    QCOMPARE(cbor, 7);
}

void TestReplayCommand::registersAndDeregisters()
{
    const Run run = replay({MtaTest::fixturePath(u"sessions/submission.json"_s), u"--to"_s,
        m_endpoint->url(), u"--json"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.err.isEmpty(), run.err.constData());
    QList<Mock::ExchangeKind> kinds;
    for (const Exchange &exchange : std::as_const(m_exchanges))
        kinds << exchange.kind;
    QCOMPARE(kinds.constFirst(), Mock::ExchangeKind::Discovery);
    QCOMPARE(kinds.at(1), Mock::ExchangeKind::Registration);
    QCOMPARE(kinds.constLast(), Mock::ExchangeKind::Deregistration);
    QCOMPARE(kinds.count(Mock::ExchangeKind::Hook), 7);
    const auto registrations = m_endpoint->controlPlane().registrations();
    QCOMPARE(registrations.size(), 1);
    QCOMPARE(registrations.constFirst().status, u"deregistered"_s);
    QCOMPARE(registrations.constFirst().invocations, 7);
}

void TestReplayCommand::textOutput()
{
    Rule reject = rule(u"no peggy"_s, {Stage::Rcpt}, Answer::fromPreset(Preset::Reject));
    reject.when.toGlob = u"peggy@*"_s;
    m_rulebook->setRules({reject});
    const Run run = replay({MtaTest::fixturePath(u"sessions/submission.json"_s), u"--to"_s, url(),
        u"--dialect"_s, u"stalwart"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QString text = QString::fromUtf8(run.out);
    const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);
    // One line per stage with the action and the latency, then the summary and a latency table.
    QVERIFY(lines.size() >= 7 + 2 + 5);
    QVERIFY2(lines.at(4).contains(u"rcpt peggy@example.com"_s), qPrintable(lines.at(4)));
    QVERIFY2(lines.at(4).contains(u"reject"_s), qPrintable(lines.at(4)));
    QVERIFY2(lines.at(4).contains(u"550 5.7.1"_s), qPrintable(lines.at(4)));
    QVERIFY2(lines.at(4).contains(u" ms"_s), qPrintable(lines.at(4)));
    QVERIFY(lines.at(6).contains(u"data"_s));
    QVERIFY(lines.at(6).contains(u"accept"_s));
    QVERIFY2(text.contains(u"1 session(s), 7 stage(s), 7 call(s)"_s), qPrintable(text));
    QVERIFY(text.contains(u"sessions/s"_s));
    QVERIFY(text.contains(u"min   median      p99      max"_s));
}

void TestReplayCommand::expectations_data()
{
    QTest::addColumn<QString>("session");
    QTest::addColumn<bool>("scannerRejects");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<int>("failed");
    QTest::addRow("accept-holds") << u"expect-accept.json"_s << false << 0 << 0;
    QTest::addRow("reject-fails") << u"expect-reject.json"_s << false << 1 << 1;
    QTest::addRow("reject-holds") << u"expect-reject.json"_s << true << 0 << 0;
    // rcpt fails, and data (expected, never sent without a recipient) fails too.
    QTest::addRow("accept-fails") << u"expect-accept.json"_s << true << 1 << 2;
}

void TestReplayCommand::expectations()
{
    QFETCH(QString, session);
    QFETCH(bool, scannerRejects);
    QFETCH(int, exitCode);
    QFETCH(int, failed);
    if (scannerRejects)
        m_rulebook->setRules(
            {rule(u"reject"_s, {Stage::Rcpt}, Answer::fromPreset(Preset::Reject))});
    const Run run = replay({MtaTest::fixturePath(u"sessions/"_s + session), u"--to"_s, url(),
        u"--expect"_s, u"--json"_s});
    QVERIFY2(run.exitCode == exitCode, qPrintable(run.describe()));
    QCOMPARE(run.summary().value(u"failedExpectations"_s).toInt(), failed);
    int failures = 0;
    for (const QJsonObject &stage : run.stages()) {
        if (stage.value(u"expectation"_s) == u"fail"_s) {
            ++failures;
            QVERIFY(!stage.value(u"failures"_s).toArray().isEmpty());
        }
    }
    QCOMPARE(failures, failed);
}

void TestReplayCommand::malformedAnswersFail()
{
    // Without --expect: 0 only when every stage got a well-formed answer.
    Answer broken = Answer::fromPreset(Preset::Accept);
    broken.fault = Mock::Fault::TruncatedJson;
    m_rulebook->setRules({rule(u"broken"_s, {Stage::Data}, broken)});
    const Run run = replay(
        {MtaTest::fixturePath(u"sessions/expect-accept.json"_s), u"--to"_s, url(), u"--json"_s});
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe()));
    QCOMPARE(run.summary().value(u"malformedAnswers"_s).toInt(), 1);
    const QJsonObject data = run.stages().constLast();
    QCOMPARE(data.value(u"stage"_s).toString(), u"data"_s);
    QCOMPARE(data.value(u"malformed"_s).toBool(), true);
    QCOMPARE(data.value(u"verdict"_s).toString(), u"tempfail"_s);
    QCOMPARE(data.value(u"reply"_s).toObject().value(u"code"_s).toInt(), 451);
    // The same answer with --expect and expectations that only look at rcpt... data expects
    // accept: 1.
    const Run expecting = replay({MtaTest::fixturePath(u"sessions/expect-accept.json"_s), u"--to"_s,
        url(), u"--json"_s, u"--expect"_s});
    QCOMPARE(expecting.exitCode, 1);
}

void TestReplayCommand::dataEditsMatchApply_data()
{
    QTest::addColumn<QString>("dialect");
    QTest::addColumn<Preset>("preset");
    QTest::addRow("stalwart-add-header") << u"stalwart"_s << Preset::AddHeader;
    QTest::addRow("stalwart-replace-body") << u"stalwart"_s << Preset::ReplaceBody;
    QTest::addRow("draft-01-add-header") << u"draft-01"_s << Preset::AddHeader;
    QTest::addRow("draft-01-tag-subject") << u"draft-01"_s << Preset::TagSubject;
    QTest::addRow("draft-02-replace-body") << u"draft-02"_s << Preset::ReplaceBody;
}

void TestReplayCommand::dataEditsMatchApply()
{
    QFETCH(QString, dialect);
    QFETCH(Preset, preset);
    if (dialect == u"draft-02"_s)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"edit"_s, {Stage::Data}, Answer::fromPreset(preset))});
    const Run run = replay({MtaTest::fixturePath(u"sessions/submission.json"_s), u"--to"_s, url(),
        u"--json"_s, u"--dialect"_s, dialect, u"--no-discovery"_s, u"--no-register"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QJsonObject data = run.stages().constLast();
    QCOMPARE(data.value(u"stage"_s).toString(), u"data"_s);
    QVERIFY(data.value(u"messageChanged"_s).toBool());

    // hookscope apply on the request and answer that went over the wire.
    const Exchange call = hooks().constLast();
    QCOMPARE(call.stage, Stage::Data);
    const QString request = m_dir.filePath(u"request-"_s + dialect + u".json"_s);
    const QString answer = m_dir.filePath(u"answer-"_s + dialect + u".json"_s);
    for (const auto &[path, bytes] :
        {std::pair {request, call.requestBody}, std::pair {answer, call.responseBody}}) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
    }
    const Run applied
        = runBinary({u"apply"_s, request, answer, u"--json"_s, u"--dialect"_s, dialect});
    QVERIFY2(applied.exitCode == 0, qPrintable(applied.describe()));
    const QJsonObject outcome = QJsonDocument::fromJson(applied.out).object();
    QVERIFY(outcome.value(u"messageChanged"_s).toBool());
    const QByteArray message = outcome.value(u"message"_s).toString().toUtf8();
    QCOMPARE(data.value(u"messageSize"_s).toInt(), message.size());
    QCOMPARE(data.value(u"messageSha256"_s).toString(),
        QString::fromLatin1(QCryptographicHash::hash(message, QCryptographicHash::Sha256).toHex()));
}

void TestReplayCommand::concurrencyAndRepeat()
{
    const Run run = replay({MtaTest::fixturePath(u"sessions/inbound-mx.json"_s), u"--to"_s, url(),
        u"--json"_s, u"--repeat"_s, u"6"_s, u"--concurrency"_s, u"3"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QCOMPARE(run.summary().value(u"sessions"_s).toInt(), 6);
    QCOMPARE(run.summary().value(u"stages"_s).toInt(), 36);
    QSet<QString> ids;
    for (const QJsonObject &stage : run.stages())
        ids.insert(stage.value(u"session"_s).toString());
    QCOMPARE(ids,
        QSet<QString>({u"inbound-mx"_s, u"inbound-mx#1"_s, u"inbound-mx#2"_s, u"inbound-mx#3"_s,
            u"inbound-mx#4"_s, u"inbound-mx#5"_s}));
    // Three lanes: three connections.
    QSet<quint16> ports;
    for (const Exchange &exchange : hooks())
        ports.insert(exchange.peerPort);
    QVERIFY2(ports.size() >= 3, qPrintable(QString::number(ports.size())));
    // --quiet: the summary only.
    const Run quiet = replay({MtaTest::fixturePath(u"sessions/inbound-mx.json"_s), u"--to"_s, url(),
        u"--json"_s, u"--quiet"_s});
    QCOMPARE(quiet.exitCode, 0);
    QCOMPARE(quiet.lines().size(), 1);
    QCOMPARE(quiet.summary().value(u"type"_s).toString(), u"summary"_s);
}

void TestReplayCommand::authentication()
{
    QString error;
    auto settings
        = Mock::EndpointSettings::withAuth(m_endpoint->settings(), u"bearer:tok-3"_s, &error);
    QVERIFY(settings);
    settings->keepCredentials = true; // to see what the replayer sent
    m_endpoint->setSettings(*settings);
    const QStringList base {
        MtaTest::fixturePath(u"sessions/expect-accept.json"_s), u"--to"_s, url(), u"--json"_s};
    const Run ok = replay(base + QStringList {u"--auth"_s, u"bearer:tok-3"_s});
    QVERIFY2(ok.exitCode == 0, qPrintable(ok.describe()));
    for (const Exchange &exchange : hooks())
        QCOMPARE(exchange.requestHeader("Authorization"), QByteArray("Bearer tok-3"));
    // A 401 is an answer, not a connection error: the hook failed (Stalwart tempfails).
    const Run refused = replay(base);
    QVERIFY2(refused.exitCode == 1, qPrintable(refused.describe()));
    QCOMPARE(refused.stages().constFirst().value(u"status"_s).toInt(), 401);
    const Run basic = replay(base + QStringList {u"--auth"_s, u"basic:u:p"_s});
    QCOMPARE(basic.exitCode, 1);
}

void TestReplayCommand::connectionRefused()
{
    // A port that was free a moment ago and has no listener now.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    const QString target = u"http://127.0.0.1:%1/hook"_s.arg(port);
    for (const QStringList &extra : {QStringList {},
             QStringList {
                 u"--dialect"_s, u"draft-01"_s, u"--retries"_s, u"0"_s, u"--no-register"_s}}) {
        const Run run = replay(QStringList {MtaTest::fixturePath(u"sessions/expect-accept.json"_s),
                                   u"--to"_s, target, u"--json"_s}
            + extra);
        QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
        QVERIFY(run.summary().value(u"transportErrors"_s).toInt() > 0);
        QCOMPARE(run.summary().value(u"transportErrors"_s).toInt(),
            run.summary().value(u"stages"_s).toInt());
        QVERIFY(!run.stages().constFirst().value(u"error"_s).toString().isEmpty());
    }
}

void TestReplayCommand::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message"); // in stderr
    const QString session = MtaTest::fixturePath(u"sessions/expect-accept.json"_s);
    const QString eml = MtaTest::fixturePath(u"plain.eml"_s);
    const QString to = u"http://127.0.0.1:9/hook"_s;
    QTest::addRow("no-target") << QStringList {session} << u"usage"_s;
    QTest::addRow("no-session") << QStringList {u"--to"_s, to} << u"usage"_s;
    QTest::addRow("not-http") << QStringList {session, u"--to"_s, u"ftp://127.0.0.1/"_s}
                              << u"http://"_s;
    QTest::addRow("unknown-dialect") << QStringList {session, u"--to"_s, to, u"--dialect"_s,
        u"draft-99"_s} << u"unknown dialect"_s;
    QTest::addRow("stalwart-cbor")
        << QStringList {session, u"--to"_s, to, u"--cbor"_s} << u"JSON only"_s;
    QTest::addRow("bad-concurrency") << QStringList {session, u"--to"_s, to, u"--concurrency"_s,
        u"many"_s} << u"--concurrency"_s;
    QTest::addRow("zero-repeat") << QStringList {session, u"--to"_s, to, u"--repeat"_s, u"0"_s}
                                 << u"--repeat"_s;
    QTest::addRow("bad-auth") << QStringList {session, u"--to"_s, to, u"--auth"_s, u"token"_s}
                              << u"--auth"_s;
    QTest::addRow("eml-without-envelope") << QStringList {eml, u"--to"_s, to} << u"--mail-from"_s;
    QTest::addRow("eml-without-rcpt")
        << QStringList {eml, u"--to"_s, to, u"--mail-from"_s, u"a@example.org"_s} << u"--rcpt"_s;
    QTest::addRow("missing-file") << QStringList {MtaTest::fixturePath(u"sessions/none.json"_s),
        u"--to"_s, to} << u"none.json"_s;
    QTest::addRow("unknown-option")
        << QStringList {session, u"--to"_s, to, u"--bogus"_s} << u"bogus"_s;
}

void TestReplayCommand::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run run = replay(arguments);
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(QString::fromUtf8(run.err).contains(message), qPrintable(run.describe()));
    QVERIFY(run.out.isEmpty());
}

void TestReplayCommand::notASessionFile()
{
    // JSON, but not a session file: 2 with the reader's reason.
    const QString path = m_dir.filePath(u"not-a-session.json"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format":"something-else","version":1})");
    file.close();
    const Run run = replay({path, u"--to"_s, u"http://127.0.0.1:9/"_s});
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(run.err.contains("session file"), run.err.constData());
}

void TestReplayCommand::everyUnreadableFileIsNamed()
{
    // Each file that cannot be read is named, not only the first; nothing is sent.
    const QString garbage = m_dir.filePath(u"garbage.eml"_s);
    QFile file(garbage);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x00\x01 no header", 12));
    file.close();
    const QString missing = m_dir.filePath(u"missing.har"_s);
    const Run run = replay(
        {garbage, MtaTest::fixturePath(u"sessions/expect-accept.json"_s), missing, u"--to"_s, url(),
            u"--mail-from"_s, u"a@example.org"_s, u"--rcpt"_s, u"b@example.com"_s});
    QVERIFY2(run.exitCode == 2, qPrintable(run.describe()));
    QVERIFY2(run.err.contains("garbage.eml: not a message"), run.err.constData());
    QVERIFY2(run.err.contains("missing.har"), run.err.constData());
    QVERIFY(run.out.isEmpty());
    QVERIFY(m_exchanges.isEmpty());
}

QTEST_GUILESS_MAIN(TestReplayCommand)
#include "tst_replay_command.moc"

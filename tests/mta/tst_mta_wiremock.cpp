// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA against an independent scanner stand-in: WireMock 3.13.2 from npm (a bundled jar
// run with Java 17, docs PEERS.md §5.2), answering draft-01 patches from stubs that match the
// request by JSONPath. Integration test: it installs the package with npm into a temporary
// folder (HOOKSCOPE_WIREMOCK_DIR may name a folder that has it already) and skips cleanly when
// npm, Java or the registry is not available. Bounded: the install, start-up and replay each
// have a deadline, and WireMock is stopped (by its process id) whatever happens.
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

constexpr int InstallTimeoutMs = 100000;
constexpr int StartTimeoutMs = 60000;

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QList<QJsonObject> stages() const
    {
        QList<QJsonObject> result;
        for (const QByteArray &line : out.split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(u"type"_s) == u"stage"_s)
                result.append(object);
        }
        return result;
    }
    QJsonObject summary() const
    {
        const QList<QByteArray> lines = out.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.constLast()).object();
    }
    QString describe() const
    {
        return u"exit %1\nstdout:\n%2\nstderr:\n%3"_s.arg(exitCode).arg(
            QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

const QStringList &stageNames()
{
    static const QStringList names {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
        u"rcpt:peggy@example.com"_s, u"rcpt:victor@example.com"_s, u"data"_s};
    return names;
}

} // namespace

class TestWireMock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void draft01AgainstWireMock();
    void stalwartAgainstWireMock();

private:
    QString install(QString *why);
    bool start(const QString &jar, QString *why);
    int post(const QString &path, const QJsonObject &body);
    QJsonArray journal();
    Run replay(const QStringList &arguments);

    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_wiremock;
    QByteArray m_wiremockOutput;
    QNetworkAccessManager m_network;
    quint16 m_port = 0;
};

QString TestWireMock::install(QString *why)
{
    const QString preset = qEnvironmentVariable("HOOKSCOPE_WIREMOCK_DIR");
    QString prefix = preset;
    if (prefix.isEmpty()) {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            *why = u"no temporary folder"_s;
            return {};
        }
        prefix = m_dir->path();
    }
    const QString build = prefix + u"/node_modules/wiremock/build"_s;
    if (QDir(build).isEmpty(QDir::Files)) {
        const QString npm = QStandardPaths::findExecutable(u"npm"_s);
        if (npm.isEmpty()) {
            *why = u"npm is not installed"_s;
            return {};
        }
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        QSignalSpy finished(&process, &QProcess::finished);
        process.start(npm,
            {u"install"_s, u"--no-audit"_s, u"--no-fund"_s, u"--no-save"_s,
                // An unreachable registry fails in seconds, not after npm's default retries.
                u"--fetch-retries=1"_s, u"--fetch-retry-mintimeout=2000"_s,
                u"--fetch-retry-maxtimeout=5000"_s, u"--prefix"_s, prefix, u"wiremock@3.13.2"_s});
        if (!process.waitForStarted(10000)) {
            *why = u"npm does not start: "_s + process.errorString();
            return {};
        }
        if (!finished.wait(InstallTimeoutMs)) {
            process.kill();
            process.waitForFinished(5000);
            *why = u"npm install wiremock@3.13.2 took longer than %1 s"_s.arg(
                InstallTimeoutMs / 1000);
            return {};
        }
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            *why = u"npm install wiremock@3.13.2 failed (registry unreachable?): "_s
                + QString::fromUtf8(process.readAll().right(400));
            return {};
        }
    }
    const QStringList jars = QDir(build).entryList({u"wiremock-standalone-*.jar"_s}, QDir::Files);
    if (jars.isEmpty()) {
        *why = u"no WireMock jar in "_s + build;
        return {};
    }
    return build + u'/' + jars.constFirst();
}

bool TestWireMock::start(const QString &jar, QString *why)
{
    const QString java = QStandardPaths::findExecutable(u"java"_s);
    if (java.isEmpty()) {
        *why = u"java is not installed"_s;
        return false;
    }
    QTcpServer freePort; // a port that is free now
    if (!freePort.listen(QHostAddress::LocalHost, 0)) {
        *why = u"no free port"_s;
        return false;
    }
    m_port = freePort.serverPort();
    freePort.close();
    m_wiremock.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_wiremock, &QProcess::readyRead, this,
        [this] { m_wiremockOutput += m_wiremock.readAll(); });
    m_wiremock.start(java,
        {u"-jar"_s, jar, u"--bind-address"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(m_port),
            u"--disable-banner"_s});
    if (!m_wiremock.waitForStarted(10000)) {
        *why = u"java does not start: "_s + m_wiremock.errorString();
        return false;
    }
    // Up when the admin API answers; a failed start ends the process.
    struct Probe
    {
        bool healthy = false;
        bool probing = false;
    };
    const auto probe = std::make_shared<Probe>(); // outlives a reply still in flight
    auto ready = [this, probe] {
        if (probe->healthy || m_wiremock.state() != QProcess::Running)
            return true;
        if (!probe->probing) {
            probe->probing = true;
            QNetworkReply *reply = m_network.get(
                QNetworkRequest(QUrl(u"http://127.0.0.1:%1/__admin/health"_s.arg(m_port))));
            connect(reply, &QNetworkReply::finished, this, [probe, reply] {
                probe->healthy
                    = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200;
                probe->probing = false;
                reply->deleteLater();
            });
        }
        return false;
    };
    if (!QTest::qWaitFor(ready, StartTimeoutMs) || !probe->healthy) {
        *why = u"WireMock did not come up: "_s + QString::fromUtf8(m_wiremockOutput.right(400));
        return false;
    }
    return true;
}

void TestWireMock::initTestCase()
{
    QVERIFY2(
        QFile::exists(TestSupport::hookscopeBinary()), qPrintable(TestSupport::hookscopeBinary()));
    if (QStandardPaths::findExecutable(u"java"_s).isEmpty())
        QSKIP("java is not installed: WireMock integration test skipped");
    QString why;
    const QString jar = install(&why);
    if (jar.isEmpty())
        QSKIP(qPrintable(why + u": WireMock integration test skipped"_s));
    if (!start(jar, &why))
        QSKIP(qPrintable(why + u": WireMock integration test skipped"_s));
}

void TestWireMock::cleanupTestCase()
{
    if (m_wiremock.state() != QProcess::NotRunning) {
        m_wiremock.terminate(); // our own child, by its id
        if (!m_wiremock.waitForFinished(10000)) {
            m_wiremock.kill();
            m_wiremock.waitForFinished(5000);
        }
    }
}

int TestWireMock::post(const QString &path, const QJsonObject &body)
{
    QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    QNetworkReply *reply
        = m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(MtaTest::LongWaitMs))
        return 0;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

// The requests WireMock received, oldest first.
QJsonArray TestWireMock::journal()
{
    QNetworkReply *reply = m_network.get(
        QNetworkRequest(QUrl(u"http://127.0.0.1:%1/__admin/requests"_s.arg(m_port))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(MtaTest::LongWaitMs))
        return {};
    const QJsonArray newestFirst
        = QJsonDocument::fromJson(reply->readAll()).object().value(u"requests"_s).toArray();
    reply->deleteLater();
    QJsonArray requests;
    for (qsizetype i = newestFirst.size() - 1; i >= 0; --i)
        requests.append(newestFirst.at(i));
    return requests;
}

Run TestWireMock::replay(const QStringList &arguments)
{
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(TestSupport::hookscopeBinary(), QStringList {u"replay"_s} + arguments);
    if (!finished.wait(MtaTest::LongWaitMs)) {
        process.kill();
        process.waitForFinished(5000);
        return {};
    }
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

void TestWireMock::draft01AgainstWireMock()
{
    QCOMPARE(post(u"/__admin/reset"_s, {}), 200);
    const auto matches = [](const QString &jsonPath) {
        return QJsonObject {{u"matchesJsonPath"_s, jsonPath}};
    };
    const QJsonObject json {{u"Content-Type"_s, u"application/json"_s}};
    // rcpt for peggy: a draft-01 reject with a reply.
    QCOMPARE(post(u"/__admin/mappings"_s,
                 QJsonObject {{u"priority"_s, 1},
                     {u"request"_s,
                         QJsonObject {{u"method"_s, u"POST"_s}, {u"urlPath"_s, u"/hook"_s},
                             {u"bodyPatterns"_s,
                                 QJsonArray {matches(u"$[?(@.stage == 'rcpt')]"_s),
                                     matches(u"$.envelope.to[?(@.address == "
                                             "'peggy@example.com')]"_s)}}}},
                     {u"response"_s,
                         QJsonObject {{u"status"_s, 200}, {u"headers"_s, json},
                             {u"jsonBody"_s,
                                 QJsonObject {{u"set"_s,
                                     QJsonArray {QJsonObject {{u"path"_s, u"/action"_s},
                                                     {u"value"_s, u"reject"_s}},
                                         QJsonObject {{u"path"_s, u"/response"_s},
                                             {u"value"_s,
                                                 QJsonObject {{u"code"_s, 550},
                                                     {u"enhancedCode"_s, u"5.1.1"_s},
                                                     {u"message"_s, u"No such user"_s}}}}}}}}}}}),
        201);
    // data: add a header at the top.
    QCOMPARE(
        post(u"/__admin/mappings"_s,
            QJsonObject {{u"priority"_s, 2},
                {u"request"_s,
                    QJsonObject {{u"method"_s, u"POST"_s}, {u"urlPath"_s, u"/hook"_s},
                        {u"bodyPatterns"_s, QJsonArray {matches(u"$[?(@.stage == 'data')]"_s)}}}},
                {u"response"_s,
                    QJsonObject {{u"status"_s, 200}, {u"headers"_s, json},
                        {u"jsonBody"_s,
                            QJsonObject {{u"add"_s,
                                QJsonArray {QJsonObject {{u"path"_s, u"/message/headers"_s},
                                    {u"value"_s,
                                        QJsonObject {{u"name"_s, u"X-WireMock"_s},
                                            {u"value"_s, u" stub"_s}}},
                                    {u"index"_s, 0}}}}}}}}}),
        201);
    // Everything else: 204, draft-01's "no change".
    QCOMPARE(
        post(u"/__admin/mappings"_s,
            QJsonObject {{u"priority"_s, 10},
                {u"request"_s, QJsonObject {{u"method"_s, u"POST"_s}, {u"urlPath"_s, u"/hook"_s}}},
                {u"response"_s, QJsonObject {{u"status"_s, 204}}}}),
        201);

    const Run run = replay({MtaTest::fixturePath(u"sessions/submission.json"_s), u"--to"_s,
        u"http://127.0.0.1:%1/hook"_s.arg(m_port), u"--dialect"_s, u"draft-01"_s,
        u"--no-discovery"_s, u"--no-register"_s, u"--json"_s, u"--timeout"_s, u"20000"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    const QList<QJsonObject> stages = run.stages();
    QStringList names;
    for (const QJsonObject &stage : stages)
        names << stage.value(u"stage"_s).toString()
                + (stage.value(u"recipient"_s).isString()
                        ? u':' + stage.value(u"recipient"_s).toString()
                        : QString());
    QCOMPARE(names, stageNames());
    for (const QJsonObject &stage : stages) {
        const bool peggy = stage.value(u"recipient"_s) == u"peggy@example.com"_s;
        QCOMPARE(stage.value(u"action"_s).toString(), peggy ? u"reject"_s : u"accept"_s);
        QCOMPARE(stage.value(u"malformed"_s).toBool(), false);
        if (peggy) {
            const QJsonObject reply = stage.value(u"reply"_s).toObject();
            QCOMPARE(reply.value(u"code"_s).toInt(), 550);
            QCOMPARE(reply.value(u"enhancedCode"_s).toString(), u"5.1.1"_s);
            QCOMPARE(stage.value(u"status"_s).toInt(), 200);
        }
    }
    // data: the header WireMock added, applied by the engine.
    const QJsonObject data = stages.constLast();
    QVERIFY(data.value(u"messageChanged"_s).toBool());
    const QByteArray expected = "X-WireMock: stub\r\n" + MtaTest::fixture(u"plain.eml"_s);
    QCOMPARE(data.value(u"messageSize"_s).toInt(), expected.size());
    QCOMPARE(data.value(u"messageSha256"_s).toString(),
        QString::fromLatin1(
            QCryptographicHash::hash(expected, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(run.summary().value(u"malformedAnswers"_s).toInt(), 0);

    // What WireMock received: seven draft-01 requests, each with the transport headers, a fresh
    // request id, and a data call for the two recipients that are left.
    const QJsonArray requests = journal();
    QCOMPARE(requests.size(), 7);
    QSet<QString> ids;
    for (const QJsonValue &entry : requests) {
        const QJsonObject request = entry.toObject().value(u"request"_s).toObject();
        const QJsonObject headers = request.value(u"headers"_s).toObject();
        QCOMPARE(headers.value(u"Content-Type"_s).toString(), u"application/json"_s);
        QCOMPARE(headers.value(u"X-MTA-Hooks-Registration"_s).toString(), u"unregistered"_s);
        ids.insert(headers.value(u"X-MTA-Hooks-Request-Id"_s).toString());
        const HookRequest decoded = decodeRequest(request.value(u"body"_s).toString().toUtf8());
        QVERIFY2(MtaTest::errorCount(decoded.problems) == 0,
            qPrintable(MtaTest::describe(decoded.problems)));
    }
    QCOMPARE(ids.size(), 7);
    const HookRequest last = decodeRequest(requests.last()
                                               .toObject()
                                               .value(u"request"_s)
                                               .toObject()
                                               .value(u"body"_s)
                                               .toString()
                                               .toUtf8());
    QCOMPARE(last.stage, Stage::Data);
    QCOMPARE(
        last.envelope.recipients(), QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
}

void TestWireMock::stalwartAgainstWireMock()
{
    // Stalwart's format: a static {"action":"accept"}, and a malformed answer at mail that
    // Stalwart turns into 451 4.3.5 and a stop.
    QCOMPARE(post(u"/__admin/reset"_s, {}), 200);
    QCOMPARE(
        post(u"/__admin/mappings"_s,
            QJsonObject {{u"priority"_s, 1},
                {u"request"_s,
                    QJsonObject {{u"method"_s, u"POST"_s}, {u"urlPath"_s, u"/hook"_s},
                        {u"bodyPatterns"_s,
                            QJsonArray {QJsonObject {
                                {u"matchesJsonPath"_s, u"$[?(@.context.stage == 'mail')]"_s}}}}}},
                {u"response"_s, QJsonObject {{u"status"_s, 200}, {u"body"_s, u"{\"action\":"_s}}}}),
        201);
    QCOMPARE(
        post(u"/__admin/mappings"_s,
            QJsonObject {{u"priority"_s, 10},
                {u"request"_s, QJsonObject {{u"method"_s, u"POST"_s}, {u"urlPath"_s, u"/hook"_s}}},
                {u"response"_s,
                    QJsonObject {{u"status"_s, 200},
                        {u"headers"_s, QJsonObject {{u"Content-Type"_s, u"application/json"_s}}},
                        {u"body"_s, u"{\"action\":\"accept\"}"_s}}}}),
        201);
    const Run run = replay({MtaTest::fixturePath(u"sessions/inbound-mx.json"_s), u"--to"_s,
        u"http://127.0.0.1:%1/hook"_s.arg(m_port), u"--json"_s});
    QVERIFY2(run.exitCode == 1, qPrintable(run.describe()));
    const QList<QJsonObject> stages = run.stages();
    QCOMPARE(stages.size(), 3);
    QCOMPARE(stages.at(1).value(u"action"_s).toString(), u"accept"_s);
    const QJsonObject mail = stages.at(2);
    QCOMPARE(mail.value(u"stage"_s).toString(), u"mail"_s);
    QCOMPARE(mail.value(u"malformed"_s).toBool(), true);
    QCOMPARE(mail.value(u"reply"_s).toObject().value(u"code"_s).toInt(), 451);
    QCOMPARE(mail.value(u"reply"_s).toObject().value(u"enhancedCode"_s).toString(), u"4.3.5"_s);
    QCOMPARE(journal().size(), 3);
}

QTEST_GUILESS_MAIN(TestWireMock)
#include "tst_mta_wiremock.moc"

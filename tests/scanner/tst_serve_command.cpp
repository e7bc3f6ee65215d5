// SPDX-License-Identifier: GPL-3.0-or-later
// hookscope serve as a user runs it: the real binary in a QProcess, on 127.0.0.1.
#include "mock/capture/capturestore.h"
#include "mock/protocol/document.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RawHttp;
using ScannerTest::fixture;

namespace {

// A running `hookscope serve`.
class Serve
{
public:
    explicit Serve(
        const QStringList &arguments, const QList<QPair<QString, QString>> &environment = {})
    {
        QProcessEnvironment variables = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : environment)
            variables.insert(name, value);
        process.setProcessEnvironment(variables);
        process.setProgram(TestSupport::hookscopeBinary());
        process.setArguments(QStringList {u"serve"_s} + arguments);
        QObject::connect(&process, &QProcess::readyReadStandardOutput, &process,
            [this] { out += process.readAllStandardOutput(); });
        QObject::connect(&process, &QProcess::readyReadStandardError, &process,
            [this] { err += process.readAllStandardError(); });
        process.start();
    }
    ~Serve()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(Patience);
        }
    }
    // The port from "hookscope serve: listening on http://127.0.0.1:PORT (…)"; 0 when it ended.
    quint16 waitListening()
    {
        static const QRegularExpression line(
            u"hookscope serve: listening on http://[^ ]*:(\\d+) "_s);
        const bool ended = QTest::qWaitFor(
            [this] {
                return line.match(QString::fromUtf8(err)).hasMatch()
                    || process.state() == QProcess::NotRunning;
            },
            Patience);
        if (!ended)
            qWarning("hookscope serve did not start: %s", err.constData());
        return quint16(line.match(QString::fromUtf8(err)).captured(1).toUInt());
    }
    bool waitFinished()
    {
        if (process.state() == QProcess::NotRunning)
            return true;
        QSignalSpy finished(&process, &QProcess::finished);
        return finished.wait(Patience) || process.state() == QProcess::NotRunning;
    }
    QList<QByteArray> lines() const
    {
        QList<QByteArray> result = out.split('\n');
        result.removeAll(QByteArray());
        return result;
    }

    QProcess process;
    QByteArray out;
    QByteArray err;
};

// Sends one request on a fresh connection and waits for its answer.
RawResponse exchange(quint16 port, const QByteArray &request)
{
    RawClient client(port);
    if (!client.waitConnected())
        return {};
    client.send(request);
    QList<RawResponse> responses;
    const bool ended = QTest::qWaitFor(
        [&] {
            responses += takeResponses(client.received);
            return !responses.isEmpty() || client.socket.state() != QAbstractSocket::ConnectedState;
        },
        Patience);
    if (!ended)
        qWarning("no answer within %d ms", Patience);
    return responses.value(0);
}

QByteArray writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(bytes);
    return dir.filePath(name).toUtf8();
}

} // namespace

class TestServeCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void jsonLines();
    void textLines();
    void rulesAndAuth();
    void strictRefusesWhatLenientAnswers();
    void authFromFile();
    void keepCredentialsAndEnvironment();
    void exitsTwo_data();
    void exitsTwo();
    void stopsCleanly_data();
    void stopsCleanly();
    void survivesKill9();

private:
    QTemporaryDir m_dir;
};

void TestServeCommand::initTestCase()
{
    QVERIFY2(
        QFile::exists(TestSupport::hookscopeBinary()), qPrintable(TestSupport::hookscopeBinary()));
    QVERIFY(m_dir.isValid());
}

void TestServeCommand::jsonLines()
{
    const QString db = m_dir.filePath(u"json.sqlite"_s);
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db, u"--json"_s});
    const quint16 port = serve.waitListening();
    QVERIFY2(port != 0, serve.err.constData());
    QVERIFY2(serve.err.contains(QByteArray("(captures: " + db.toUtf8() + ", auth: none)")),
        serve.err.constData());

    const Headers json {{"Content-Type", "application/json"}};
    QCOMPARE(
        exchange(port, rawRequest("POST", "/hook", json, fixture(u"stalwart/rcpt.json"_s))).status,
        200);
    QCOMPARE(
        exchange(port,
            rawRequest("POST", "/hook",
                json + Headers {{"X-MTA-Hooks-Registration", "r"}, {"X-MTA-Hooks-Request-Id", "1"}},
                fixture(u"draft01/data.json"_s)))
            .status,
        200);
    QCOMPARE(exchange(port, rawRequest("POST", "/hook", json, "{oops")).status, 400);
    QCOMPARE(exchange(port, rawRequest("GET", "/.well-known/mta-hooks", {}, {})).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(serve.lines().size(), 4, Patience);

    QList<QJsonObject> objects;
    for (const QByteArray &line : serve.lines()) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        QVERIFY2(document.isObject(), line.constData());
        objects.append(document.object());
    }
    const QStringList keys {u"action"_s, u"dialect"_s, u"id"_s, u"kind"_s, u"latencyMs"_s,
        u"problems"_s, u"rule"_s, u"session"_s, u"stage"_s, u"status"_s, u"time"_s};
    for (const QJsonObject &object : objects)
        QCOMPARE(object.keys(), keys);
    QCOMPARE(objects[0].value(u"stage"_s).toString(), u"rcpt"_s);
    QCOMPARE(objects[0].value(u"dialect"_s).toString(), u"stalwart"_s);
    QCOMPARE(objects[0].value(u"action"_s).toString(), u"accept"_s);
    QCOMPARE(objects[0].value(u"rule"_s).toString(), u"default"_s);
    QCOMPARE(objects[0].value(u"kind"_s).toString(), u"hook"_s);
    QCOMPARE(objects[0].value(u"status"_s).toInt(), 200);
    QVERIFY(objects[0].value(u"latencyMs"_s).toDouble() > 0);
    QVERIFY(objects[0].value(u"session"_s).toString().startsWith(u"203.0.113.50:51234@"_s));
    QCOMPARE(objects[1].value(u"stage"_s).toString(), u"data"_s);
    QCOMPARE(objects[1].value(u"dialect"_s).toString(), u"draft-01"_s);
    QCOMPARE(objects[2].value(u"status"_s).toInt(), 400);
    QCOMPARE(objects[2].value(u"action"_s).toString(), u"error"_s);
    QVERIFY(objects[2].value(u"problems"_s).toInt() > 0);
    QVERIFY(objects[2].value(u"stage"_s).isNull());
    QCOMPARE(objects[3].value(u"kind"_s).toString(), u"discovery"_s);
    QVERIFY(
        QDateTime::fromString(objects[3].value(u"time"_s).toString(), Qt::ISODateWithMs).isValid());

    serve.process.terminate();
    QVERIFY(serve.waitFinished());
    QCOMPARE(serve.process.exitCode(), 0);
    // Each printed id is the exchange in the database.
    Mock::CaptureStore store;
    QVERIFY2(store.open(db), qPrintable(store.lastError()));
    QCOMPARE(store.count(), qint64(4));
    for (const QJsonObject &object : objects) {
        const auto stored = store.load(qint64(object.value(u"id"_s).toDouble()));
        QVERIFY(stored);
        QCOMPARE(stored->httpStatus, object.value(u"status"_s).toInt());
    }
}

void TestServeCommand::textLines()
{
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_dir.filePath(u"text.sqlite"_s)});
    const quint16 port = serve.waitListening();
    QVERIFY(port != 0);
    QCOMPARE(exchange(port,
                 rawRequest("POST", "/", {{"Content-Type", "application/json"}},
                     fixture(u"stalwart/mail.json"_s)))
                 .status,
        200);
    QTRY_COMPARE_WITH_TIMEOUT(serve.lines().size(), 1, Patience);
    const QString line = QString::fromUtf8(serve.lines().first());
    static const QRegularExpression shape(
        u"^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  mail +stalwart +200 accept +[0-9.]+ ms  default  203\\.0\\.113\\.50:51234@\\d+$"_s);
    QVERIFY2(shape.match(line).hasMatch(), qPrintable(line));
}

void TestServeCommand::rulesAndAuth()
{
    const QByteArray rules
        = writeFile(m_dir, u"rules.json"_s, R"({"format":"hookscope-rules","version":1,
        "rules":[{"name":"no spam","when":{"from":"olivia@*"},"answer":{"preset":"reject"}}]})");
    QVERIFY(!rules.isEmpty());
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, m_dir.filePath(u"auth.sqlite"_s),
        u"--rules"_s, QString::fromUtf8(rules), u"--auth"_s, u"bearer:s3cret"_s, u"--json"_s});
    const quint16 port = serve.waitListening();
    QVERIFY(port != 0);
    QVERIFY(serve.err.contains("auth: bearer token"));
    const QByteArray body = fixture(u"stalwart/mail.json"_s);
    const RawResponse refused
        = exchange(port, rawRequest("POST", "/", {{"Content-Type", "application/json"}}, body));
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.header("WWW-Authenticate"), QByteArray("Bearer realm=\"hookscope\""));
    const RawResponse answered = exchange(port,
        rawRequest("POST", "/",
            {{"Content-Type", "application/json"}, {"Authorization", "Bearer s3cret"}}, body));
    QCOMPARE(answered.status, 200);
    QCOMPARE(Document::fromJson(answered.body).value(u"/action").toString(), u"reject"_s);
    QTRY_COMPARE_WITH_TIMEOUT(serve.lines().size(), 2, Patience);
    QCOMPARE(QJsonDocument::fromJson(serve.lines().at(0)).object().value(u"rule"_s).toString(),
        u"auth"_s);
    QCOMPARE(QJsonDocument::fromJson(serve.lines().at(1)).object().value(u"rule"_s).toString(),
        u"no spam"_s);
}

// --strict answers a hook call for a registration the endpoint never issued 404
// REGISTRATION_NOT_FOUND, as the draft has an MTA register again; without it, the call is answered.
void TestServeCommand::strictRefusesWhatLenientAnswers()
{
    const QByteArray body = fixture(u"draft01/rcpt.json"_s);
    const QByteArray request = rawRequest("POST", "/v1/hooks/invoke/reg_unknown",
        {{"Content-Type", "application/json"}, {"X-MTA-Hooks-Registration", "reg_unknown"},
            {"X-MTA-Hooks-Request-Id", "req-1"}},
        body);
    for (const bool strict : {true, false}) {
        QStringList arguments {u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, u":memory:"_s};
        if (strict)
            arguments << u"--strict"_s;
        Serve serve(arguments);
        const quint16 port = serve.waitListening();
        QVERIFY(port != 0);
        const RawResponse answer = exchange(port, request);
        QCOMPARE(answer.status, strict ? 404 : 200);
        if (strict)
            QCOMPARE(Document::fromJson(answer.body).value(u"/error/code").toString(),
                u"REGISTRATION_NOT_FOUND"_s);
    }
}

void TestServeCommand::authFromFile()
{
    const QString authFile = m_dir.filePath(u"serve-auth"_s);
    QFile file(authFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("bearer:from-file\n");
    file.close();
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    const QString db = m_dir.filePath(u"auth-file.sqlite"_s);
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db, u"--auth-file"_s, authFile,
        u"--max-registrations"_s, u"1"_s});
    const quint16 port = serve.waitListening();
    QVERIFY2(port != 0, serve.err.constData());
    QVERIFY(serve.err.contains("auth: bearer token"));
    QVERIFY2(!serve.err.contains("warning:"), serve.err.constData()); // loopback, owner-only file
    const Headers json {{"Content-Type", "application/json"}};
    const Headers authorized = json + Headers {{"Authorization", "Bearer from-file"}};
    const QByteArray body = fixture(u"stalwart/mail.json"_s);
    QCOMPARE(exchange(port, rawRequest("POST", "/", authorized, body)).status, 200);
    QCOMPARE(exchange(port,
                 rawRequest("POST", "/", json + Headers {{"Authorization", "Bearer x"}}, body))
                 .status,
        401);
    const QByteArray registration = R"({"name":"mx","inbound":{"stages":["rcpt"]}})";
    QCOMPARE(
        exchange(port, rawRequest("POST", "/v1/hooks/register", authorized, registration)).status,
        201);
    QCOMPARE(
        exchange(port, rawRequest("POST", "/v1/hooks/register", authorized, registration)).status,
        409);
    serve.process.terminate();
    QVERIFY(serve.waitFinished());
    QCOMPARE(serve.process.exitCode(), 0);
    // Nothing of the token reached the database.
    Mock::CaptureStore store;
    QVERIFY2(store.open(db), qPrintable(store.lastError()));
    QCOMPARE(store.count(), qint64(4));
    for (const QString &path : QStringList {db, db + u"-wal"_s}) {
        QFile raw(path);
        if (raw.open(QIODevice::ReadOnly))
            QVERIFY2(!raw.readAll().contains("from-file"), qPrintable(path));
    }
    for (qint64 id = 1; id <= 4; ++id) {
        const auto stored = store.load(id);
        QVERIFY(stored);
        QCOMPARE(stored->requestHeader("Authorization"), QByteArray("Bearer ***"));
    }
}

void TestServeCommand::keepCredentialsAndEnvironment()
{
    const QString db = m_dir.filePath(u"keep.sqlite"_s);
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db, u"--auth-env"_s,
                    u"HOOKSCOPE_TEST_AUTH"_s, u"--keep-credentials"_s},
        {{u"HOOKSCOPE_TEST_AUTH"_s, u"bearer:from-env"_s}});
    const quint16 port = serve.waitListening();
    QVERIFY2(port != 0, serve.err.constData());
    QCOMPARE(exchange(port,
                 rawRequest("POST", "/",
                     {{"Content-Type", "application/json"}, {"Authorization", "Bearer from-env"}},
                     fixture(u"stalwart/mail.json"_s)))
                 .status,
        200);
    serve.process.terminate();
    QVERIFY(serve.waitFinished());
    Mock::CaptureStore store;
    QVERIFY2(store.open(db), qPrintable(store.lastError()));
    QCOMPARE(store.count(), qint64(1));
    QCOMPARE(store.load(1)->requestHeader("Authorization"), QByteArray("Bearer from-env"));
}

void TestServeCommand::exitsTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::addColumn<bool>("takePort");

    const QString missing = m_dir.filePath(u"nowhere/x"_s);
    const QByteArray broken = writeFile(m_dir, u"broken-rules.json"_s, "{\"format\":");
    const QByteArray foreign = writeFile(m_dir, u"foreign-rules.json"_s, "{\"rules\":[]}");
    const QByteArray notDb = writeFile(m_dir, u"not-a-db.sqlite"_s,
        QByteArray("this is a text file, not a database\n").repeated(200));
    const QString db = m_dir.filePath(u"exit.sqlite"_s);

    QTest::addRow("port taken") << QStringList {u"--db"_s, db} << u"cannot listen on 127.0.0.1:"_s
                                << true;
    QTest::addRow("rules missing") << QStringList {u"--db"_s, db, u"--rules"_s, missing}
                                   << u"cannot read "_s + missing << false;
    QTest::addRow("rules not json")
        << QStringList {u"--db"_s, db, u"--rules"_s, QString::fromUtf8(broken)}
        << u"parse error at line"_s << false;
    QTest::addRow("rules not ours")
        << QStringList {u"--db"_s, db, u"--rules"_s, QString::fromUtf8(foreign)}
        << u"not a Hookscope rules file"_s << false;
    QTest::addRow("db in a missing folder")
        << QStringList {u"--db"_s, missing} << u"cannot open the capture database "_s + missing
        << false;
    QTest::addRow("db not a database") << QStringList {u"--db"_s, QString::fromUtf8(notDb)}
                                       << u"cannot open the capture database"_s << false;
    QTest::addRow("bad listen") << QStringList {u"--db"_s, db, u"--listen"_s, u"127.0.0.1:99999"_s}
                                << u"invalid port"_s << false;
    QTest::addRow("bad auth") << QStringList {u"--db"_s, db, u"--auth"_s, u"token:x"_s}
                              << u"auth must be none, bearer:TOKEN or basic:USER:PASS"_s << false;
    QTest::addRow("auth file missing") << QStringList {u"--db"_s, db, u"--auth-file"_s, missing}
                                       << u"cannot read the auth file "_s + missing << false;
    QTest::addRow("auth env unset")
        << QStringList {u"--db"_s, db, u"--auth-env"_s, u"HOOKSCOPE_TEST_UNSET_VARIABLE"_s}
        << u"HOOKSCOPE_TEST_UNSET_VARIABLE is not set"_s << false;
    QTest::addRow("two auth sources")
        << QStringList {u"--db"_s, db, u"--auth"_s, u"none"_s, u"--auth-env"_s, u"X"_s}
        << u"only one of --auth, --auth-file and --auth-env"_s << false;
    QTest::addRow("bad max registrations")
        << QStringList {u"--db"_s, db, u"--max-registrations"_s, u"0"_s}
        << u"invalid --max-registrations"_s << false;
    QTest::addRow("negative hold timeout")
        << QStringList {u"--db"_s, db, u"--hold-timeout"_s, u"-1"_s} << u"invalid --hold-timeout"_s
        << false;
    QTest::addRow("hold timeout past an hour")
        << QStringList {u"--db"_s, db, u"--hold-timeout"_s, u"3600001"_s}
        << u"invalid --hold-timeout"_s << false;
    // 192.0.2.1 (TEST-NET-1) is nobody's address: the warning comes, then listening fails.
    QTest::addRow("open without auth")
        << QStringList {u"--db"_s, db, u"--listen"_s, u"192.0.2.1:0"_s}
        << u"warning: listening on 192.0.2.1 without authentication"_s << false;
}

void TestServeCommand::exitsTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QFETCH(bool, takePort);

    QTcpServer squatter;
    if (takePort) {
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        arguments << u"--listen"_s << u"127.0.0.1:%1"_s.arg(squatter.serverPort());
    } else if (!arguments.contains(u"--listen"_s)) {
        arguments << u"--listen"_s << u"127.0.0.1:0"_s;
    }
    Serve serve(arguments);
    QVERIFY(serve.waitFinished());
    QCOMPARE(serve.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(serve.process.exitCode(), 2);
    QVERIFY2(serve.err.contains(message.toUtf8()), serve.err.constData());
    QVERIFY(serve.out.isEmpty());
}

void TestServeCommand::stopsCleanly_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::addRow("SIGTERM") << int(SIGTERM);
    QTest::addRow("SIGINT") << int(SIGINT);
}

void TestServeCommand::stopsCleanly()
{
    QFETCH(int, signalNumber);
    const QString db = m_dir.filePath(u"stop-%1.sqlite"_s.arg(signalNumber));
    Serve serve({u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db});
    const quint16 port = serve.waitListening();
    QVERIFY(port != 0);
    // An idle keep-alive connection stays open across the stop.
    RawClient idle(port);
    QVERIFY(idle.waitConnected());
    QCOMPARE(exchange(port,
                 rawRequest("POST", "/", {{"Content-Type", "application/json"}},
                     fixture(u"stalwart/ehlo.json"_s)))
                 .status,
        200);
    QVERIFY(::kill(pid_t(serve.process.processId()), signalNumber) == 0);
    QVERIFY(serve.waitFinished());
    QCOMPARE(serve.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(serve.process.exitCode(), 0);
    QVERIFY2(serve.err.endsWith("hookscope serve: stopped\n"), serve.err.constData());
    QVERIFY(idle.waitClosed());
    Mock::CaptureStore store;
    QVERIFY2(store.open(db), qPrintable(store.lastError()));
    QCOMPARE(store.count(), qint64(1));
}

void TestServeCommand::survivesKill9()
{
    // Clients post one call after another; hookscope is killed while calls are in flight. Every
    // call whose answer reached its client must be in the database, with that answer.
    const QString db = m_dir.filePath(u"crash.sqlite"_s);
    const QByteArray rules
        = writeFile(m_dir, u"echo-rules.json"_s, R"({"format":"hookscope-rules","version":1,
        "rules":[{"name":"echo","answer":{"body":"{\"action\":\"accept\",\"seen\":\"{{/envelope/from/address}}\"}"}}]})");
    Serve serve(
        {u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, db, u"--rules"_s, QString::fromUtf8(rules)});
    const quint16 port = serve.waitListening();
    QVERIFY2(port != 0, serve.err.constData());

    constexpr int Clients = 4;
    constexpr int KillAfter = 120; // answers received before the kill
    const QByteArray request = fixture(u"stalwart/rcpt.json"_s);
    QHash<QByteArray, QByteArray> answered; // path -> answer body received
    int sent = 0;
    bool killed = false;
    int sentAtKill = 0;
    qsizetype answeredAtKill = 0;
    QList<std::shared_ptr<RawClient>> clients;
    const auto sendNext = [&](RawClient *client) {
        const QByteArray n = QByteArray::number(++sent);
        const QByteArray body = QByteArray(request).replace(
            QByteArray("olivia@example.net"), QByteArray("sender-" + n + "@example.net"));
        client->send(rawRequest("POST", "/crash/" + n + "/x",
            {{"Content-Type", "application/json"}, {"X-Call", n}}, body));
        return n;
    };
    for (int i = 0; i < Clients; ++i) {
        auto client = std::make_shared<RawClient>(port);
        QVERIFY(client->waitConnected());
        auto current = std::make_shared<QByteArray>();
        RawClient *raw = client.get();
        QObject::connect(
            &client->socket, &QTcpSocket::readyRead, &client->socket, [&, raw, current] {
                for (const RawResponse &response : takeResponses(raw->received)) {
                    if (response.status != 200)
                        continue;
                    answered.insert("/crash/" + *current + "/x", response.body);
                    if (answered.size() >= KillAfter && !killed) {
                        killed = true;
                        sentAtKill = sent;
                        answeredAtKill = answered.size();
                        serve.process.kill(); // SIGKILL: no chance to flush anything
                    }
                    if (!killed)
                        *current = sendNext(raw);
                }
            });
        *current = sendNext(raw);
        clients.append(client);
    }
    QTRY_VERIFY_WITH_TIMEOUT(killed, Patience);
    QVERIFY(serve.waitFinished());
    QCOMPARE(serve.process.exitStatus(), QProcess::CrashExit);
    QVERIFY(answered.size() >= KillAfter);
    // Killed mid-stream: the other clients' calls were on their way.
    QCOMPARE(sentAtKill, int(answeredAtKill) + Clients - 1);

    Mock::CaptureStore store;
    QVERIFY2(store.open(db), qPrintable(store.lastError()));
    QHash<QByteArray, qint64> stored;
    for (const Mock::Exchange &row : store.list({}, 0, 100000))
        stored.insert(row.path, row.id);
    for (auto it = answered.cbegin(); it != answered.cend(); ++it) {
        QVERIFY2(stored.contains(it.key()), it.key().constData());
        const auto exchange = store.load(stored.value(it.key()));
        QVERIFY(exchange);
        QCOMPARE(exchange->httpStatus, 200);
        QCOMPARE(exchange->responseBody, it.value());
        QVERIFY(it.value().contains("sender-")); // the echo: each answer is its own
    }
    // Nothing is stored that was not sent.
    QVERIFY(stored.size() <= sent);
    QVERIFY(stored.size() >= answered.size());
    qInfo("%d calls sent, %d answers received, %d stored", sent, int(answered.size()),
        int(stored.size()));
}

QTEST_GUILESS_MAIN(TestServeCommand)
#include "tst_serve_command.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::HeldCall;
using Mock::Rule;
using ScannerTest::fixture;
using namespace RawHttp;

namespace {

struct HttpResult
{
    int status = -1; // -1: no answer within Patience
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    Headers headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        for (const auto &header : headers) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

Headers draftHeaders(const QByteArray &contentType = "application/json")
{
    static int counter = 0;
    return {{"Content-Type", contentType}, {"X-MTA-Hooks-Registration", "reg-test"},
        {"X-MTA-Hooks-Request-Id", "req-" + QByteArray::number(++counter)}};
}

Rule ruleFor(
    const QString &name, const QString &pointer, const QString &equals, const Answer &answer)
{
    Rule rule;
    rule.name = name;
    rule.when.pointer = pointer;
    rule.when.equals = equals;
    rule.answer = answer;
    return rule;
}

Rule alwaysRule(const Answer &answer)
{
    Rule rule;
    rule.name = u"always"_s;
    rule.answer = answer;
    return rule;
}

Answer faultAnswer(Mock::Fault fault)
{
    Answer answer;
    answer.fault = fault;
    return answer;
}

Answer delayed(int ms, Answer answer = {})
{
    answer.delay = {Mock::Delay::Kind::Fixed, ms, 0, 0};
    return answer;
}

Answer holdAnswer()
{
    Answer answer;
    answer.kind = Answer::Kind::Hold;
    return answer;
}

Answer bodyAnswer(const QByteArray &body)
{
    Answer answer;
    answer.kind = Answer::Kind::Body;
    answer.body = body;
    return answer;
}

Document parseAnswer(const QByteArray &body, const QByteArray &contentType)
{
    return contentType == "application/cbor" ? Document::fromCbor(body) : Document::fromJson(body);
}

bool hasProblem(const Exchange &exchange, const QString &text)
{
    for (const Problem &problem : exchange.problems) {
        if (problem.message.contains(text))
            return true;
    }
    return false;
}

// A blocking exchange on a plain POSIX socket in a worker thread (the endpoint needs this thread's
// event loop): the only way to see whether the connection ended with RST (ECONNRESET) or FIN.
struct PosixOutcome
{
    bool connected = false;
    QByteArray received;
    int endErrno = 0; // errno of the failing recv, 0 for an orderly end (FIN)
};

PosixOutcome posixExchange(quint16 port, const QByteArray &request)
{
    PosixOutcome outcome;
    std::unique_ptr<QThread> worker(QThread::create([&outcome, port, request] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return;
        timeval timeout {Patience / 1000, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0) {
            outcome.connected = true;
            if (::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL)
                == request.size()) {
                char buffer[4096];
                for (;;) {
                    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                    if (n > 0) {
                        outcome.received.append(buffer, n);
                        continue;
                    }
                    outcome.endErrno = n < 0 ? errno : 0;
                    break;
                }
            }
        }
        ::close(fd);
    }));
    QSignalSpy finished(worker.get(), &QThread::finished);
    worker->start();
    if (!worker->isFinished())
        finished.wait(2 * Patience);
    worker->wait();
    return outcome;
}

} // namespace

class TestEndpoint : public QObject
{
    Q_OBJECT

public:
    TestEndpoint()
        : m_endpoint(&m_rules)
    { }

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void answersEveryStageAndDialect_data();
    void answersEveryStageAndDialect();
    void dialectOverride();
    void postOnAnyPath();
    void largeCallsAreStoredInParts_data();
    void largeCallsAreStoredInParts();
    void recordsEverything();
    void capturedBeforeAnswered_data();
    void capturedBeforeAnswered();
    void rulesAnswer_data();
    void rulesAnswer();
    void templateEchoesTheRequest();
    void faults_data();
    void faults();
    void faultReset();
    void faultHang();
    void delays_data();
    void delays();
    void disconnectDuringDelay();
    void holdThenAnswer_data();
    void holdThenAnswer();
    void holdThenTimeout();
    void heldStageSwitch();
    void disconnectDuringHold();
    void expectContinueAnsweredAtOnce();
    void bodyOverLimit_data();
    void bodyOverLimit();
    void bodyOverLimitWithQnam();
    void defaultLimits();
    void idleConnectionsClose();
    void idleTimeoutSparesPendingAnswers();
    void pipelinedRequestsAnsweredInOrder();
    void malformedBodies_data();
    void malformedBodies();
    void draftHeaderProblems_data();
    void draftHeaderProblems();
    void authentication_data();
    void authentication();
    void sessionsAreReconstructed();
    void connectionCloseIsHonoured();
    void otherMethods();
    void manyClientsGoingAway();

private:
    HttpResult send(const QByteArray &method, const QString &path, const QByteArray &body,
        const Headers &headers);
    HttpResult post(const QString &path, const QByteArray &body, const Headers &headers)
    {
        return send("POST", path, body, headers);
    }
    // The newest exchange the endpoint reported (and checks it is stored as reported).
    Exchange lastCaptured(QSignalSpy &spy) const;

    Mock::Rulebook m_rules;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    QNetworkAccessManager m_nam;
    quint16 m_port = 0;
};

void TestEndpoint::initTestCase()
{
    QVERIFY2(m_store.open(u":memory:"_s), qPrintable(m_store.lastError()));
    Mock::EndpointSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    m_endpoint.setSettings(settings);
    m_endpoint.setCaptureStore(&m_store);
    QVERIFY2(m_endpoint.listen(), qPrintable(m_endpoint.errorString()));
    QVERIFY(m_endpoint.isListening());
    m_port = m_endpoint.serverPort();
    QVERIFY(m_port != 0);
    QCOMPARE(m_endpoint.url(), u"http://127.0.0.1:%1"_s.arg(m_port));
    m_nam.setProxy(QNetworkProxy::NoProxy);
}

void TestEndpoint::init()
{
    Mock::EndpointSettings settings;
    settings.port = m_port;
    m_endpoint.setSettings(settings);
    m_rules.setRules({});
    for (Stage stage : inboundStages() + outboundStages()) {
        m_rules.setHeld(stage, false);
        m_rules.setDefaultAnswer(stage, Answer::fromPreset(Preset::Accept));
    }
    m_rules.setHoldTimeoutMs(Patience);
    m_rules.setMtaTimeoutMs(30000);
    m_rules.setDraftAnswerDialect(Dialect::Draft01);
    m_nam.clearConnectionCache();
}

void TestEndpoint::cleanupTestCase()
{
    m_endpoint.close();
    QVERIFY(!m_endpoint.isListening());
}

HttpResult TestEndpoint::send(
    const QByteArray &method, const QString &path, const QByteArray &body, const Headers &headers)
{
    QNetworkRequest request(QUrl(m_endpoint.url() + path));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    request.setTransferTimeout(Patience);
    std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, method, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    HttpResult result;
    if (!reply->isFinished() && !finished.wait(Patience + 5000))
        return result;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    result.status = status.isValid() ? status.toInt() : 0;
    result.error = reply->error();
    result.headers = reply->rawHeaderPairs();
    result.body = reply->readAll();
    return result;
}

Exchange TestEndpoint::lastCaptured(QSignalSpy &spy) const
{
    if (spy.isEmpty())
        return {};
    return spy.last().first().value<Exchange>();
}

void TestEndpoint::answersEveryStageAndDialect_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("cbor");
    QTest::addColumn<Dialect>("draftAnswers");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<Dialect>("answerDialect");

    const QList<std::pair<const char *, Stage>> stalwart {{"connect", Stage::Connect},
        {"ehlo", Stage::Ehlo}, {"mail", Stage::Mail}, {"rcpt", Stage::Rcpt}, {"data", Stage::Data}};
    for (const auto &[name, stage] : stalwart)
        QTest::addRow("stalwart %s", name)
            << u"stalwart/%1.json"_s.arg(QLatin1String(name)) << false << Dialect::Draft01
            << Dialect::Stalwart << stage << Verdict::Accept << Dialect::Stalwart;
    const QList<std::pair<const char *, Stage>> draft {{"connect", Stage::Connect},
        {"ehlo", Stage::Ehlo}, {"mail", Stage::Mail}, {"rcpt", Stage::Rcpt}, {"data", Stage::Data},
        {"delivery", Stage::Delivery}, {"defer", Stage::Defer}, {"dsn", Stage::Dsn}};
    for (const Dialect answers : {Dialect::Draft01, Dialect::Draft02}) {
        for (const bool cbor : {false, true}) {
            for (const auto &[name, stage] : draft) {
                const bool outbound = stageDirection(stage) == Direction::Outbound;
                QTest::addRow("%s answers, %s %s", qPrintable(dialectName(answers)),
                    cbor ? "cbor" : "json", name)
                    << u"draft01/%1.json"_s.arg(QLatin1String(name)) << cbor << answers
                    << Dialect::Draft01 << stage << (outbound ? Verdict::Continue : Verdict::Accept)
                    << answers;
            }
        }
    }
}

void TestEndpoint::answersEveryStageAndDialect()
{
    QFETCH(QString, file);
    QFETCH(bool, cbor);
    QFETCH(Dialect, draftAnswers);
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(Verdict, verdict);
    QFETCH(Dialect, answerDialect);

    m_rules.setDraftAnswerDialect(draftAnswers);
    const QByteArray body = cbor ? ScannerTest::asCbor(fixture(file)) : fixture(file);
    const QByteArray type = cbor ? "application/cbor" : "application/json";
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = post(u"/hook"_s, body,
        dialect == Dialect::Stalwart ? Headers {{"Content-Type", type}} : draftHeaders(type));
    QCOMPARE(result.status, 200);
    QCOMPARE(result.header("Content-Type"), type);
    const Document answer = parseAnswer(result.body, type);
    QVERIFY2(answer.isValid(), result.body.toHex().constData());
    QCOMPARE(detectResponseDialect(answer), answerDialect);

    QCOMPARE(captured.count(), 1);
    const Exchange exchange = lastCaptured(captured);
    QVERIFY(exchange.id > 0);
    QCOMPARE(exchange.kind, Mock::ExchangeKind::Hook);
    QCOMPARE(exchange.dialect, dialect);
    QCOMPARE(exchange.encoding, cbor ? Encoding::Cbor : Encoding::Json);
    QCOMPARE(exchange.stage, stage);
    QCOMPARE(exchange.stageName, stageName(stage));
    QCOMPARE(exchange.requestBody, body);
    QCOMPARE(exchange.responseBody, result.body);
    QCOMPARE(exchange.httpStatus, 200);
    QCOMPARE(exchange.ruleName, u"default"_s);
    QCOMPARE(exchange.verdict, verdict);
    QVERIFY2(exchange.errorCount() == 0, qPrintable(ScannerTest::describe(exchange.problems)));

    const auto stored = m_store.load(exchange.id);
    QVERIFY(stored);
    QCOMPARE(stored->requestBody, body);
    QCOMPARE(stored->responseBody, result.body);
    QCOMPARE(stored->stage, stage);
    QCOMPARE(stored->verdict, verdict);
}

void TestEndpoint::dialectOverride()
{
    // A draft body decoded as draft-02 as asked: answered with a JSON Patch array.
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.forcedDialect = Dialect::Draft02;
    m_endpoint.setSettings(settings);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    Rule reject = alwaysRule(Answer::fromPreset(Preset::Reject));
    m_rules.setRules({reject});
    const HttpResult result = post(u"/hook"_s, fixture(u"draft01/rcpt.json"_s), draftHeaders());
    QCOMPARE(result.status, 200);
    const Document answer = Document::fromJson(result.body);
    QVERIFY(answer.isArray());
    QCOMPARE(answer.value(u"/0/op").toString(), u"replace"_s);
    QCOMPARE(answer.value(u"/0/value").toString(), u"reject"_s);
    QCOMPARE(lastCaptured(captured).dialect, Dialect::Draft02);
    QCOMPARE(lastCaptured(captured).verdict, Verdict::Reject);

    // Forcing Stalwart onto a draft body: decoded as asked, with a warning saying so.
    settings.forcedDialect = Dialect::Stalwart;
    m_endpoint.setSettings(settings);
    const HttpResult stalwart = post(u"/hook"_s, fixture(u"draft01/rcpt.json"_s), draftHeaders());
    QCOMPARE(stalwart.status, 200);
    QCOMPARE(Document::fromJson(stalwart.body).value(u"/action").toString(), u"reject"_s);
    QCOMPARE(lastCaptured(captured).dialect, Dialect::Stalwart);
    QVERIFY(hasProblem(lastCaptured(captured), u"decoded as stalwart as asked"_s));
}

void TestEndpoint::postOnAnyPath()
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    for (const QString &path :
        {u"/"_s, u"/hook"_s, u"/a/b/c?x=1&y=%20z"_s, u"/v1/hooks/invoke/r1"_s}) {
        const HttpResult result
            = post(path, fixture(u"stalwart/mail.json"_s), {{"Content-Type", "application/json"}});
        QCOMPARE(result.status, 200);
        QCOMPARE(lastCaptured(captured).path, path.toUtf8());
        QCOMPARE(lastCaptured(captured).kind, Mock::ExchangeKind::Hook);
        QCOMPARE(lastCaptured(captured).stage, Stage::Mail);
    }
}

void TestEndpoint::largeCallsAreStoredInParts_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::addRow("one by one") << false;
    QTest::addRow("group commit") << true;
}

void TestEndpoint::largeCallsAreStoredInParts()
{
    QFETCH(bool, groupCommit);
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.groupCommit = groupCommit;
    m_endpoint.setSettings(settings);
    m_rules.setDefaultAnswer(Stage::Rcpt, Answer::fromPreset(Preset::Reject));
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    // A request of three parts and more, and a small one on another connection meanwhile.
    QByteArray large = fixture(u"stalwart/rcpt.json"_s);
    large.insert(large.indexOf('{') + 1,
        "\"padding\":\"" + QByteArray(3 * Mock::CaptureStore::PartBytes, 'p') + "\",");
    QNetworkRequest request(QUrl(m_endpoint.url() + u"/hook"_s));
    request.setRawHeader("Content-Type", "application/json");
    request.setTransferTimeout(Patience);
    std::unique_ptr<QNetworkReply> largeReply(m_nam.post(request, large));
    const HttpResult small = post(
        u"/hook"_s, fixture(u"stalwart/mail.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(small.status, 200);
    QSignalSpy finished(largeReply.get(), &QNetworkReply::finished);
    QVERIFY(largeReply->isFinished() || finished.wait(Patience));
    QCOMPARE(largeReply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);

    QTRY_COMPARE(captured.size(), 2);
    const auto isLarge = [](const QList<QVariant> &args) {
        return args.first().value<Exchange>().stage == Stage::Rcpt;
    };
    const auto found = std::find_if(captured.cbegin(), captured.cend(), isLarge);
    QVERIFY(found != captured.cend());
    const Exchange reported = found->first().value<Exchange>();
    QVERIFY(reported.id > 0);
    QCOMPARE(reported.verdict, Verdict::Reject); // judged as any call
    const auto stored = m_store.load(reported.id);
    QVERIFY(stored);
    QVERIFY(stored->requestBody == large);
    QCOMPARE(stored->verdict, Verdict::Reject);
    QCOMPARE(stored->responseBody, largeReply->readAll());
}

void TestEndpoint::recordsEverything()
{
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    const QByteArray body = fixture(u"stalwart/rcpt.json"_s);
    const Headers headers {
        {"content-type", "application/json"}, {"X-Dup", "a"}, {"X-Trace", "t1"}, {"X-Dup", "b"}};
    Rule named = alwaysRule(Answer::fromPreset(Preset::Tempfail));
    named.name = u"sales"_s;
    named.when.toGlob = u"*@sales.example.com"_s;
    Rule first;
    first.name = u"data only"_s;
    first.when.stages = {Stage::Data};
    m_rules.setRules({first, named});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
    QElapsedTimer clock;
    clock.start();
    client.send(rawRequest("POST", "/hooks/x?y=1", headers, body));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    const qint64 elapsedUs = clock.nsecsElapsed() / 1000;
    const QDateTime after = QDateTime::currentDateTimeUtc().addMSecs(1);
    QByteArray wire = client.received;
    const QList<RawResponse> responses = takeResponses(wire);
    QCOMPARE(responses.size(), 1);
    const RawResponse &response = responses.first();
    QCOMPARE(response.status, 200);

    QCOMPARE(captured.count(), 1);
    const Exchange e = lastCaptured(captured);
    QVERIFY(e.received >= before && e.received <= after);
    QCOMPARE(e.peerAddress, u"127.0.0.1"_s);
    QCOMPARE(e.peerPort, client.socket.localPort());
    QCOMPARE(e.method, QByteArray("POST"));
    QCOMPARE(e.path, QByteArray("/hooks/x?y=1"));
    // Wire order, original case, duplicates kept.
    const Headers expected {{"Host", "127.0.0.1"}, {"content-type", "application/json"},
        {"X-Dup", "a"}, {"X-Trace", "t1"}, {"X-Dup", "b"},
        {"Content-Length", QByteArray::number(body.size())}};
    QCOMPARE(e.requestHeaders, expected);
    QCOMPARE(e.requestBody, body);
    QCOMPARE(e.kind, Mock::ExchangeKind::Hook);
    QCOMPARE(e.dialect, Dialect::Stalwart);
    QCOMPARE(e.encoding, Encoding::Json);
    QCOMPARE(e.stage, Stage::Rcpt);
    QCOMPARE(e.clientIp, u"203.0.113.50"_s);
    QCOMPARE(e.mailFrom, u"olivia@example.net"_s);
    QCOMPARE(e.recipients, (QStringList {u"peggy@example.com"_s, u"quentin@sales.example.com"_s}));
    QCOMPARE(e.ruleName, u"sales"_s);
    QCOMPARE(e.ruleReason, u"to *@sales.example.com"_s);
    QCOMPARE(e.matchTrace, QStringList {u"data only: stage rcpt is not data"_s});
    QCOMPARE(e.action, Action::Reject);
    QCOMPARE(e.verdict, Verdict::Tempfail);
    QCOMPARE(e.replyCode, 451);
    QCOMPARE(e.httpStatus, 200);
    QCOMPARE(e.responseBody, response.body);
    QCOMPARE(e.responseHeaders, response.headers);
    QCOMPARE(response.header("Content-Length"), QByteArray::number(response.body.size()));
    QVERIFY(e.latencyUs > 0);
    QVERIFY2(e.latencyUs <= elapsedUs, qPrintable(u"%1 > %2"_s.arg(e.latencyUs).arg(elapsedUs)));
    QVERIFY(!e.sessionKey.isEmpty());
    QVERIFY(e.id > 0);
    const auto stored = m_store.load(e.id);
    QVERIFY(stored);
    QCOMPARE(stored->requestHeaders, expected);
    QCOMPARE(stored->responseHeaders, e.responseHeaders);
    QCOMPARE(stored->matchTrace, e.matchTrace);
    QCOMPARE(stored->ruleReason, e.ruleReason);
    QCOMPARE(stored->latencyUs, e.latencyUs);
    QCOMPARE(stored->peerPort, e.peerPort);
}

void TestEndpoint::capturedBeforeAnswered_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::addRow("commit per call") << false;
    QTest::addRow("group commit") << true;
}

void TestEndpoint::capturedBeforeAnswered()
{
    QFETCH(bool, groupCommit);
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.groupCommit = groupCommit;
    m_endpoint.setSettings(settings);
    QSignalSpy batches(&m_store, &Mock::CaptureStore::batchSaved);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);

    // Raw clients all write before the event loop runs, so the endpoint reads several requests in
    // one pass; each client checks the store the moment its answer arrives.
    constexpr int Clients = 12;
    QList<std::shared_ptr<RawClient>> clients;
    QSet<QByteArray> answered;
    int storedWhenAnswered = 0;
    for (int i = 0; i < Clients; ++i) {
        auto client = std::make_shared<RawClient>(m_port);
        QVERIFY(client->waitConnected());
        clients.append(client);
    }
    const QByteArray body = fixture(u"stalwart/mail.json"_s);
    for (int i = 0; i < Clients; ++i) {
        const QByteArray path = "/order/" + QByteArray(groupCommit ? "g" : "c")
            + QByteArray::number(1000 + i) + "/end";
        RawClient *client = clients.at(i).get();
        QObject::connect(&client->socket, &QTcpSocket::readyRead, &client->socket,
            [this, client, path, &answered, &storedWhenAnswered] {
                if (!client->received.startsWith("HTTP/1.1 200") || answered.contains(path))
                    return;
                answered.insert(path);
                // Summaries of everything stored so far (this suite's store stays small).
                for (const Exchange &row : m_store.list({}, 0, 100000)) {
                    if (row.path == path && row.httpStatus == 200 && row.verdict == Verdict::Accept)
                        ++storedWhenAnswered;
                }
            });
        client->send(rawRequest("POST", path, {{"Content-Type", "application/json"}}, body));
    }
    QTRY_COMPARE_WITH_TIMEOUT(answered.size(), Clients, Patience);
    QCOMPARE(storedWhenAnswered, Clients);
    QCOMPARE(captured.count(), Clients);
    if (groupCommit) {
        QVERIFY(!batches.isEmpty());
        int total = 0;
        for (const auto &batch : std::as_const(batches))
            total += batch.first().toInt();
        QCOMPARE(total, Clients);
    } else {
        QCOMPARE(batches.count(), 0);
    }
}

void TestEndpoint::rulesAnswer_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("preset");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("replyCode");

    QTest::addRow("stalwart reject")
        << u"stalwart/rcpt.json"_s << u"reject"_s << Verdict::Reject << 550;
    QTest::addRow("stalwart tempfail")
        << u"stalwart/mail.json"_s << u"tempfail"_s << Verdict::Tempfail << 451;
    QTest::addRow("stalwart discard")
        << u"stalwart/data.json"_s << u"discard"_s << Verdict::Discard << 250;
    QTest::addRow("draft reject") << u"draft01/rcpt.json"_s << u"reject"_s << Verdict::Reject
                                  << 550;
    QTest::addRow("draft quarantine")
        << u"draft01/data.json"_s << u"quarantine"_s << Verdict::Quarantine << 250;
    QTest::addRow("draft disconnect")
        << u"draft01/ehlo.json"_s << u"disconnect"_s << Verdict::Disconnect << 0;
    QTest::addRow("outbound reject")
        << u"draft01/delivery.json"_s << u"reject"_s << Verdict::Cancel << 0;
}

void TestEndpoint::rulesAnswer()
{
    QFETCH(QString, file);
    QFETCH(QString, preset);
    QFETCH(Verdict, verdict);
    QFETCH(int, replyCode);

    Rule rule = alwaysRule(Answer::fromPreset(presetFromName(preset).value()));
    rule.name = preset;
    m_rules.setRules({rule});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = post(u"/hook"_s, fixture(file), draftHeaders());
    QCOMPARE(result.status, 200);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.ruleName, preset);
    QCOMPARE(e.verdict, verdict);
    if (replyCode)
        QCOMPARE(e.replyCode, replyCode);
}

void TestEndpoint::templateEchoesTheRequest()
{
    m_rules.setRules({alwaysRule(bodyAnswer(
        R"({"action":"reject","response":{"status":550,"message":"no {{/envelope/from/address}} at {{/context/stage}}"}})"))});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result
        = post(u"/"_s, fixture(u"stalwart/mail.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 200);
    QCOMPARE(Document::fromJson(result.body).value(u"/response/message").toString(),
        u"no olivia@example.net at mail"_s);
    QCOMPARE(lastCaptured(captured).replyCode, 550);
    QCOMPARE(lastCaptured(captured).verdict, Verdict::Reject);
}

void TestEndpoint::faults_data()
{
    QTest::addColumn<Mock::Fault>("fault");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("errorCode"); // error body code, "" when none

    QTest::addRow("http-500") << Mock::Fault::Http500 << 500 << QByteArray("application/json")
                              << u"INTERNAL_ERROR"_s;
    QTest::addRow("http-503") << Mock::Fault::Http503 << 503 << QByteArray("application/json")
                              << u"SCANNER_UNAVAILABLE"_s;
    QTest::addRow("truncated-json")
        << Mock::Fault::TruncatedJson << 200 << QByteArray("application/json") << QString();
    QTest::addRow("wrong-content-type")
        << Mock::Fault::WrongContentType << 200 << QByteArray("text/plain") << QString();
    QTest::addRow("empty-204") << Mock::Fault::Empty204 << 204 << QByteArray() << QString();
    QTest::addRow("oversize") << Mock::Fault::Oversize << 200 << QByteArray("application/json")
                              << QString();
}

void TestEndpoint::faults()
{
    QFETCH(Mock::Fault, fault);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, errorCode);

    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.oversizeBytes = 300001; // the default (Stalwart's limit + 1) is 50 MB
    m_endpoint.setSettings(settings);
    Answer answer = faultAnswer(fault);
    answer.preset = Preset::Reject;
    answer.retryAfterSeconds = 7;
    m_rules.setRules({alwaysRule(answer)});
    // What the answer would have been without the fault.
    const QByteArray proper
        = m_rules
              .render(Answer::fromPreset(Preset::Reject),
                  decodeRequest(fixture(u"draft01/rcpt.json"_s), "application/json"))
              .body;

    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = post(u"/hook"_s, fixture(u"draft01/rcpt.json"_s), draftHeaders());
    QCOMPARE(result.status, status);
    QCOMPARE(result.header("Content-Type"), contentType);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.fault, Mock::faultName(fault));
    QCOMPARE(e.httpStatus, status);
    QCOMPARE(e.responseBody, result.body);
    if (!errorCode.isEmpty())
        QCOMPARE(Document::fromJson(result.body).value(u"/error/code").toString(), errorCode);
    switch (fault) {
    case Mock::Fault::Http503:
        QCOMPARE(result.header("Retry-After"), QByteArray("7"));
        QCOMPARE(e.verdict, Verdict::Error);
        break;
    case Mock::Fault::Http500:
    case Mock::Fault::TruncatedJson:
        QCOMPARE(e.verdict, Verdict::Error);
        break;
    default:
        break;
    }
    if (fault == Mock::Fault::TruncatedJson) {
        QCOMPARE(result.body, proper.left(proper.size() / 2));
        QCOMPARE(result.header("Content-Length"), QByteArray::number(proper.size() / 2));
        QVERIFY(!Document::fromJson(result.body).isValid());
    }
    if (fault == Mock::Fault::WrongContentType)
        QCOMPARE(result.body, proper);
    if (fault == Mock::Fault::Empty204) {
        QVERIFY(result.body.isEmpty());
        QVERIFY(!result.hasHeader("Content-Length"));
        QCOMPARE(e.verdict, Verdict::Accept); // -01: 204 is "no change"
    }
    if (fault == Mock::Fault::Oversize) {
        QCOMPARE(result.body.size(), 300001);
        QVERIFY(result.body.startsWith(proper));
    }
}

void TestEndpoint::faultReset()
{
    m_rules.setRules({alwaysRule(faultAnswer(Mock::Fault::Reset))});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const PosixOutcome outcome = posixExchange(m_port,
        rawRequest("POST", "/hook", {{"Content-Type", "application/json"}},
            fixture(u"stalwart/rcpt.json"_s)));
    QVERIFY(outcome.connected);
    QCOMPARE(outcome.received, QByteArray());
    QCOMPARE(outcome.endErrno, ECONNRESET); // RST, not an orderly FIN
    QTRY_COMPARE_WITH_TIMEOUT(captured.count(), 1, Patience);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.fault, u"reset"_s);
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QVERIFY(m_store.load(e.id));

    // The endpoint carries on.
    m_rules.setRules({});
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
}

void TestEndpoint::faultHang()
{
    Rule hang = ruleFor(u"hang"_s, u"/context/stage"_s, u"mail"_s, faultAnswer(Mock::Fault::Hang));
    m_rules.setRules({hang});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/mail.json"_s)));
    // A later call on another connection is answered while the hanging one still has nothing.
    const HttpResult other
        = post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(other.status, 200);
    QCOMPARE(captured.count(), 1);
    QCOMPARE(lastCaptured(captured).stage, Stage::Rcpt);
    QVERIFY(client.received.isEmpty());
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    // The MTA gives up: the call is recorded as hung and unanswered.
    client.socket.disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(captured.count(), 2, Patience);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.fault, u"hang"_s);
    QCOMPARE(e.stage, Stage::Mail);
    QCOMPARE(e.httpStatus, 0);
    QVERIFY(hasProblem(e, u"closed the connection before the answer"_s));
    QCOMPARE(m_store.load(e.id)->fault, u"hang"_s);
}

void TestEndpoint::delays_data()
{
    QTest::addColumn<Mock::Delay>("delay");
    QTest::addColumn<int>("mtaTimeout");
    QTest::addColumn<int>("atLeastMs");

    QTest::addRow("fixed") << Mock::Delay {Mock::Delay::Kind::Fixed, 400, 0, 0} << 30000 << 400;
    QTest::addRow("random") << Mock::Delay {Mock::Delay::Kind::Random, 0, 200, 300} << 30000 << 200;
    QTest::addRow("past the timeout")
        << Mock::Delay {Mock::Delay::Kind::PastTimeout, 0, 0, 0} << 300 << 1300;
}

void TestEndpoint::delays()
{
    QFETCH(Mock::Delay, delay);
    QFETCH(int, mtaTimeout);
    QFETCH(int, atLeastMs);

    m_rules.setMtaTimeoutMs(mtaTimeout);
    Answer answer = Answer::fromPreset(Preset::Discard);
    answer.delay = delay;
    m_rules.setRules({alwaysRule(answer)});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    QElapsedTimer clock;
    clock.start();
    const HttpResult result
        = post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 200);
    // Lower bounds only: a loaded machine may be late, never early.
    QVERIFY2(clock.elapsed() >= atLeastMs, qPrintable(QString::number(clock.elapsed())));
    const Exchange e = lastCaptured(captured);
    QVERIFY2(e.latencyUs >= atLeastMs * 1000LL, qPrintable(QString::number(e.latencyUs)));
    QCOMPARE(e.verdict, Verdict::Discard);
}

void TestEndpoint::disconnectDuringDelay()
{
    Rule slow = ruleFor(u"slow"_s, u"/context/stage"_s, u"mail"_s,
        delayed(300, Answer::fromPreset(Preset::Reject)));
    Rule slower = ruleFor(u"slower"_s, u"/context/stage"_s, u"rcpt"_s, delayed(900));
    m_rules.setRules({slow, slower});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    {
        RawClient client(m_port);
        QVERIFY(client.waitConnected());
        client.send(rawRequest("POST", "/hook", {{"Content-Type", "application/json"}},
            fixture(u"stalwart/mail.json"_s)));
        client.socket.disconnectFromHost(); // the request goes out, then FIN
        QVERIFY(client.waitClosed());
    }
    QTRY_COMPARE_WITH_TIMEOUT(captured.count(), 1, Patience);
    const Exchange gone = lastCaptured(captured);
    QCOMPARE(gone.httpStatus, 0);
    QCOMPARE(gone.verdict, Verdict::Error);
    QCOMPARE(gone.ruleName, u"slow"_s);
    QVERIFY(hasProblem(gone, u"the client closed the connection before the answer"_s));
    QVERIFY(m_store.load(gone.id));

    // The dropped call's timer must not fire into the freed socket: a call delayed longer than it,
    // started after it, is answered normally and nothing else is reported.
    const HttpResult later
        = post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(later.status, 200);
    QCOMPARE(captured.count(), 2);
    QCOMPARE(lastCaptured(captured).ruleName, u"slower"_s);
}

void TestEndpoint::holdThenAnswer_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<int>("status");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<QString>("note");
    QTest::addColumn<bool>("large"); // decoded and judged on a pool thread

    for (const bool large : {false, true}) {
        const char *size = large ? ", large" : "";
        QTest::addRow("by hand%s", size)
            << u"bytes"_s << 200 << Verdict::Reject << u"answered by hand"_s << large;
        QTest::addRow("with a preset%s", size)
            << u"preset"_s << 200 << Verdict::Tempfail << u"answered by hand"_s << large;
        QTest::addRow("with a fault%s", size)
            << u"fault"_s << 503 << Verdict::Error << u"answered by hand"_s << large;
        QTest::addRow("released%s", size) << u"release"_s << 200 << Verdict::Discard
                                          << u"released: the stage's default answer"_s << large;
    }
}

void TestEndpoint::holdThenAnswer()
{
    QFETCH(QString, how);
    QFETCH(int, status);
    QFETCH(Verdict, verdict);
    QFETCH(QString, note);
    QFETCH(bool, large);

    m_rules.setRules({alwaysRule(holdAnswer())});
    m_rules.setDefaultAnswer(Stage::Rcpt, Answer::fromPreset(Preset::Discard));
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const qint64 countBefore = m_store.count();

    QNetworkRequest request(QUrl(m_endpoint.url() + u"/hook"_s));
    request.setRawHeader("Content-Type", "application/json");
    request.setTransferTimeout(Patience);
    QByteArray requestBody = fixture(u"stalwart/rcpt.json"_s);
    if (large) // past the size from which the endpoint works on a pool thread
        requestBody.insert(
            requestBody.indexOf('{') + 1, "\"padding\":\"" + QByteArray(512 * 1024, 'p') + "\",");
    std::unique_ptr<QNetworkReply> reply(m_nam.post(request, requestBody));
    QVERIFY(held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    QVERIFY(call.callId > 0);
    QVERIFY(call.exchange.held);
    QCOMPARE(call.exchange.verdict, Verdict::Held);
    QCOMPARE(call.exchange.ruleName, u"always"_s);
    QCOMPARE(Document::fromJson(call.suggestedBody).value(u"/action").toString(), u"discard"_s);
    QCOMPARE(call.contentType, QByteArray("application/json"));
    QVERIFY(call.deadline > QDateTime::currentDateTimeUtc());
    QCOMPARE(m_endpoint.heldCalls().size(), 1);
    QCOMPARE(m_endpoint.heldCalls().first().callId, call.callId);
    // On disk while held, before anyone answered.
    QVERIFY(call.exchange.id > 0);
    const auto stored = m_store.load(call.exchange.id);
    QVERIFY(stored);
    QVERIFY(stored->held);
    QCOMPARE(stored->verdict, Verdict::Held);
    QVERIFY(!reply->isFinished());
    QCOMPARE(captured.count(), 0);

    bool accepted = false;
    if (how == u"bytes"_s) {
        accepted = m_endpoint.answerHeld(
            call.callId, R"({"action":"reject","response":{"status":554,"message":"by hand"}})");
    } else if (how == u"preset"_s) {
        accepted = m_endpoint.answerHeldWith(call.callId, Answer::fromPreset(Preset::Tempfail));
    } else if (how == u"fault"_s) {
        accepted = m_endpoint.answerHeldWith(call.callId, faultAnswer(Mock::Fault::Http503));
    } else {
        accepted = m_endpoint.releaseHeld(call.callId);
    }
    QVERIFY(accepted);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
    QVERIFY(!m_endpoint.answerHeld(call.callId, "{}")); // answered once only
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(Patience));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
    const QByteArray body = reply->readAll();

    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.first().first().toLongLong(), call.callId);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.id, call.exchange.id); // the held row, updated
    QVERIFY(!e.held);
    QCOMPARE(e.verdict, verdict);
    QCOMPARE(e.note, note);
    QCOMPARE(e.responseBody, body);
    QCOMPARE(m_store.count(), countBefore + 1);
    const auto after = m_store.load(e.id);
    QVERIFY(!after->held);
    QCOMPARE(after->verdict, verdict);
    QCOMPARE(after->responseBody, body);
    if (how == u"bytes"_s)
        QCOMPARE(e.replyCode, 554);
}

void TestEndpoint::holdThenTimeout()
{
    m_rules.setRules({alwaysRule(holdAnswer())});
    m_rules.setHoldTimeoutMs(300);
    m_rules.setDefaultAnswer(Stage::Mail, Answer::fromPreset(Preset::Reject));
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    const HttpResult result
        = post(u"/"_s, fixture(u"stalwart/mail.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 200);
    QCOMPARE(held.count(), 1);
    QCOMPARE(ended.count(), 1);
    QCOMPARE(Document::fromJson(result.body).value(u"/action").toString(), u"reject"_s);
    const Exchange e = ended.first().at(1).value<Exchange>();
    QCOMPARE(e.note, u"hold timed out: the stage's default answer went out"_s);
    QCOMPARE(e.verdict, Verdict::Reject);
    QVERIFY(e.latencyUs >= 300000);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
}

void TestEndpoint::heldStageSwitch()
{
    m_rules.setHeld(Stage::Data, true);
    m_rules.setRules({alwaysRule(Answer::fromPreset(Preset::Quarantine))});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QNetworkRequest request(QUrl(m_endpoint.url() + u"/"_s));
    request.setRawHeader("Content-Type", "application/json");
    std::unique_ptr<QNetworkReply> reply(m_nam.post(request, fixture(u"stalwart/data.json"_s)));
    // Other stages are not held.
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
    QVERIFY(!held.isEmpty() || held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    QCOMPARE(call.exchange.ruleName, u"hold"_s);
    QCOMPARE(call.exchange.ruleReason, u"data is held (breakpoint); always would answer"_s);
    QCOMPARE(Document::fromJson(call.suggestedBody).value(u"/action").toString(), u"quarantine"_s);
    QVERIFY(m_endpoint.answerHeld(call.callId, call.suggestedBody));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(Patience));
    QCOMPARE(reply->readAll(), call.suggestedBody);
}

void TestEndpoint::disconnectDuringHold()
{
    m_rules.setRules({alwaysRule(holdAnswer())});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    auto client = std::make_unique<RawClient>(m_port);
    QVERIFY(client->waitConnected());
    client->send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/rcpt.json"_s)));
    QVERIFY(held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    client.reset(); // the MTA gives up
    QVERIFY(ended.wait(Patience));
    QCOMPARE(ended.first().first().toLongLong(), call.callId);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.id, call.exchange.id);
    QVERIFY(!e.held);
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QCOMPARE(e.note, u"the client disconnected while the call was held"_s);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
    QVERIFY(!m_endpoint.answerHeld(call.callId, "{}"));
    QVERIFY(!m_endpoint.releaseHeld(call.callId));
    const auto stored = m_store.load(e.id);
    QVERIFY(!stored->held);
    QCOMPARE(stored->verdict, Verdict::Error);
    // Still serving.
    m_rules.setRules({});
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
}

void TestEndpoint::expectContinueAnsweredAtOnce()
{
    const QByteArray body = fixture(u"draft01/data.json"_s);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    QByteArray head
        = rawRequest("POST", "/hook", draftHeaders() + Headers {{"Expect", "100-continue"}}, body);
    head.chop(body.size()); // the head only: the body waits for 100 Continue
    client.send(head);
    // The interim answer arrives although no body byte was sent.
    QTRY_VERIFY_WITH_TIMEOUT(client.received.contains("\r\n\r\n"), Patience);
    QCOMPARE(client.received, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    client.received.clear();
    client.send(body);
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    QCOMPARE(takeResponses(client.received).first().status, 200);

    // Again on the same connection: the flag is per request.
    client.received.clear();
    client.send(head);
    QTRY_VERIFY_WITH_TIMEOUT(client.received.contains("\r\n\r\n"), Patience);
    QCOMPARE(client.received, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    client.received.clear();
    client.send(body);
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
}

void TestEndpoint::bodyOverLimit_data()
{
    QTest::addColumn<QString>("how");
    QTest::addRow("expect, no body sent") << u"expect"_s;
    QTest::addRow("body on its way") << u"body"_s;
    QTest::addRow("chunked") << u"chunked"_s;
}

void TestEndpoint::bodyOverLimit()
{
    QFETCH(QString, how);
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.bodyLimit = 10000;
    m_endpoint.setSettings(settings);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    const QByteArray big(20000, 'x');
    if (how == u"expect"_s) {
        QByteArray head = rawRequest("POST", "/hook",
            {{"Content-Type", "application/json"}, {"Expect", "100-continue"}}, big);
        head.chop(big.size());
        client.send(head);
    } else if (how == u"body"_s) {
        client.send(rawRequest("POST", "/hook", {{"Content-Type", "application/json"}}, big)
                        .left(15000)); // head and part of the body: the refusal comes anyway
    } else {
        client.send(rawRequest("POST", "/hook",
            {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}}, {}, false));
        client.send("1000\r\n" + QByteArray(0x1000, 'y') + "\r\n");
        client.send("1000\r\n" + QByteArray(0x1000, 'y') + "\r\n");
        client.send("1000\r\n" + QByteArray(0x1000, 'y') + "\r\n");
    }
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    QByteArray wire = client.received;
    const RawResponse response = takeResponses(wire).first();
    QVERIFY2(!client.received.contains("100 Continue"), client.received.constData());
    QCOMPARE(response.status, 413);
    QCOMPARE(response.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(response.header("Connection"), QByteArray("close"));
    QCOMPARE(
        Document::fromJson(response.body).value(u"/error/code").toString(), u"REQUEST_TOO_LARGE"_s);
    QVERIFY(client.waitClosed());
    QCOMPARE(captured.count(), 1);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.httpStatus, 413);
    QCOMPARE(e.ruleName, u"limits"_s);
    QCOMPARE(e.responseBody, response.body);
    QVERIFY(e.requestBody.isEmpty());
    QCOMPARE(e.messageSize, how == u"chunked"_s ? qint64(-1) : qint64(20000));
    QVERIFY(m_store.load(e.id));
}

void TestEndpoint::bodyOverLimitWithQnam()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.bodyLimit = 64 * 1024;
    m_endpoint.setSettings(settings);
    const HttpResult refused
        = post(u"/hook"_s, QByteArray(256 * 1024, ' '), {{"Content-Type", "application/json"}});
    QCOMPARE(refused.status, 413);
    QCOMPARE(
        Document::fromJson(refused.body).value(u"/error/code").toString(), u"REQUEST_TOO_LARGE"_s);
    // Exactly at the limit is fine (a body of spaces is not a hook request: 400, not 413).
    const HttpResult atLimit
        = post(u"/hook"_s, QByteArray(64 * 1024, ' '), {{"Content-Type", "application/json"}});
    QCOMPARE(atLimit.status, 400);
}

void TestEndpoint::defaultLimits()
{
    const Mock::EndpointSettings defaults;
    QCOMPARE(defaults.bodyLimit, qint64(64) * 1024 * 1024);
    QCOMPARE(defaults.oversizeBytes, qint64(52428801));
    QCOMPARE(defaults.address, QHostAddress(QHostAddress::LocalHost));
    QVERIFY(defaults.idleTimeoutMs > 0);
    QVERIFY(!defaults.groupCommit);
    const HttpResult discovery = send("GET", u"/.well-known/mta-hooks"_s, {}, {});
    QCOMPARE(Document::fromJson(discovery.body).value(u"/limits/maxMessageSize").toInteger(),
        qint64(64) * 1024 * 1024);
}

void TestEndpoint::idleConnectionsClose()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.idleTimeoutMs = 300;
    settings.headTimeoutMs = 300;
    m_endpoint.setSettings(settings);
    // Silent from the start.
    RawClient silent(m_port);
    QVERIFY(silent.waitConnected());
    // Idle after an answer.
    RawClient served(m_port);
    QVERIFY(served.waitConnected());
    served.send(rawRequest(
        "POST", "/", {{"Content-Type", "application/json"}}, fixture(u"stalwart/ehlo.json"_s)));
    // Half a request head, then nothing.
    RawClient partial(m_port);
    QVERIFY(partial.waitConnected());
    partial.send("POST /hook HTTP/1.1\r\nContent-Le");
    QVERIFY(silent.waitClosed());
    QVERIFY(served.waitClosed());
    QVERIFY(partial.waitClosed());
    QCOMPARE(takeResponses(served.received).size(), 1);
    // A head that does not finish in time is told so (RFC 9110 §15.5.9), then closed.
    const QList<RawResponse> timedOut = takeResponses(partial.received);
    QCOMPARE(timedOut.size(), 1);
    QCOMPARE(timedOut.first().status, 408);
}

void TestEndpoint::idleTimeoutSparesPendingAnswers()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.idleTimeoutMs = 200;
    m_endpoint.setSettings(settings);
    Rule hold = ruleFor(u"hold"_s, u"/context/stage"_s, u"mail"_s, holdAnswer());
    Rule slow = ruleFor(u"slow"_s, u"/context/stage"_s, u"rcpt"_s, delayed(1000));
    m_rules.setRules({hold, slow});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/mail.json"_s)));
    QVERIFY(held.wait(Patience));
    // Another call that takes five idle timeouts; meanwhile the held connection must stay open.
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(m_endpoint.releaseHeld(held.first().first().value<HeldCall>().callId));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    // Answered: now it is idle and goes.
    QVERIFY(client.waitClosed());
}

void TestEndpoint::pipelinedRequestsAnsweredInOrder()
{
    Answer echo = bodyAnswer(R"({"action":"accept","seen":"{{/context/stage}}"})");
    Rule slow = ruleFor(u"slow"_s, u"/context/stage"_s, u"mail"_s, delayed(300, echo));
    m_rules.setRules({slow, alwaysRule(echo)});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    const Headers json {{"Content-Type", "application/json"}};
    // Three requests in one write; the first is answered last by the rules, but goes out first.
    client.send(rawRequest("POST", "/1", json, fixture(u"stalwart/mail.json"_s))
        + rawRequest("POST", "/2", json, fixture(u"stalwart/rcpt.json"_s))
        + rawRequest("POST", "/3", json, fixture(u"stalwart/ehlo.json"_s)));
    QList<RawResponse> responses;
    QTRY_VERIFY_WITH_TIMEOUT((responses += takeResponses(client.received)).size() >= 3, Patience);
    QCOMPARE(responses.size(), 3);
    QStringList order;
    for (const RawResponse &response : responses)
        order << Document::fromJson(response.body).value(u"/seen").toString();
    QCOMPARE(order, (QStringList {u"mail"_s, u"rcpt"_s, u"ehlo"_s}));
    QCOMPARE(captured.count(), 3);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState); // keep-alive
}

void TestEndpoint::malformedBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("reason");

    QTest::addRow("empty") << QByteArray() << QByteArray("application/json")
                           << u"empty request body"_s;
    QTest::addRow("not json") << QByteArray("hello") << QByteArray("application/json")
                              << u"not valid JSON"_s;
    QTest::addRow("truncated") << QByteArray(R"({"context":{"stage":)")
                               << QByteArray("application/json") << u"not valid JSON"_s;
    QTest::addRow("array") << QByteArray("[1,2]") << QByteArray("application/json")
                           << u"a hook request is an object"_s;
    QTest::addRow("no dialect") << QByteArray(R"({"hello":"world"})")
                                << QByteArray("application/json") << u"unknown dialect"_s;
    QTest::addRow("bad cbor") << QByteArray("\xa2\x61") << QByteArray("application/cbor")
                              << u"not valid CBOR"_s;
    QTest::addRow("binary, no type")
        << QByteArray("\x00\x01\x02\xff", 4) << QByteArray() << u"not valid JSON"_s;
    QTest::addRow("json without a type")
        << QByteArray(R"({"context":)") << QByteArray() << u"not valid JSON"_s;
}

void TestEndpoint::malformedBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, reason);

    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    Headers headers;
    if (!contentType.isEmpty())
        headers.append({"Content-Type", contentType});
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send(rawRequest("POST", "/hook", headers, body));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    const RawResponse response = takeResponses(client.received).first();
    QCOMPARE(response.status, 400);
    QCOMPARE(response.header("Content-Type"), QByteArray("application/json"));
    const Document error = Document::fromJson(response.body);
    QCOMPARE(error.value(u"/error/code").toString(), u"INVALID_REQUEST"_s);
    const QString message = error.value(u"/error/message").toString();
    QVERIFY2(message.contains(reason), qPrintable(message));

    QCOMPARE(captured.count(), 1);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.httpStatus, 400);
    QCOMPARE(e.kind, Mock::ExchangeKind::Hook);
    QCOMPARE(e.verdict, Verdict::Error);
    QCOMPARE(e.ruleName, u"decoder"_s);
    QCOMPARE(e.ruleReason, message);
    QVERIFY(e.errorCount() > 0);
    const auto stored = m_store.load(e.id);
    QVERIFY(stored);
    QCOMPARE(stored->requestBody, body);
    QCOMPARE(stored->responseBody, response.body);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState); // still usable
}

void TestEndpoint::draftHeaderProblems_data()
{
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<QStringList>("problems");

    QTest::addRow("both present") << Headers {{"X-MTA-Hooks-Registration", "reg-1"},
        {"X-MTA-Hooks-Request-Id", "a.b_c~d-1"}}
                                  << QStringList();
    QTest::addRow("no registration") << Headers {{"X-MTA-Hooks-Request-Id", "id-2"}}
                                     << QStringList {u"X-MTA-Hooks-Registration is missing"_s};
    QTest::addRow("no request id") << Headers {{"X-MTA-Hooks-Registration", "reg-1"}}
                                   << QStringList {u"X-MTA-Hooks-Request-Id is missing"_s};
    QTest::addRow("neither") << Headers {}
                             << QStringList {u"X-MTA-Hooks-Registration is missing"_s,
                                    u"X-MTA-Hooks-Request-Id is missing"_s};
    QTest::addRow("bad request id")
        << Headers {{"X-MTA-Hooks-Registration", "reg-1"}, {"X-MTA-Hooks-Request-Id", "has space"}}
        << QStringList {u"must be 1-128 characters"_s};
}

void TestEndpoint::draftHeaderProblems()
{
    QFETCH(Headers, headers);
    QFETCH(QStringList, problems);

    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = post(u"/hook"_s, fixture(u"draft01/mail.json"_s),
        headers + Headers {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 200); // a problem on the exchange, not a refusal
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.errorCount(), int(problems.size()));
    for (const QString &text : problems)
        QVERIFY2(hasProblem(e, text), qPrintable(ScannerTest::describe(e.problems)));

    // The same request id again is a retry (deduplication is the scanner's job).
    if (problems.isEmpty()) {
        QCOMPARE(post(u"/hook"_s, fixture(u"draft01/mail.json"_s),
                     headers + Headers {{"Content-Type", "application/json"}})
                     .status,
            200);
        QVERIFY(
            hasProblem(lastCaptured(captured), u"retry: request id a.b_c~d-1 seen 1 time(s)"_s));
    }
}

void TestEndpoint::authentication_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QByteArray>("authorization"); // "" for none
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray basic = "Basic " + QByteArray("mta:s3cr:et").toBase64();
    QTest::addRow("none") << u"none"_s << QByteArray() << 200 << QString();
    QTest::addRow("none ignores credentials")
        << u"none"_s << QByteArray("Bearer x") << 200 << QString();
    QTest::addRow("bearer ok") << u"bearer:tok-123"_s << QByteArray("Bearer tok-123") << 200
                               << QString();
    QTest::addRow("bearer missing")
        << u"bearer:tok-123"_s << QByteArray() << 401 << u"AUTHENTICATION_REQUIRED"_s;
    QTest::addRow("bearer wrong") << u"bearer:tok-123"_s << QByteArray("Bearer tok-124") << 401
                                  << u"INVALID_CREDENTIALS"_s;
    QTest::addRow("bearer as basic")
        << u"bearer:tok-123"_s << basic << 401 << u"INVALID_CREDENTIALS"_s;
    QTest::addRow("basic ok") << u"basic:mta:s3cr:et"_s << basic << 200 << QString();
    QTest::addRow("basic wrong") << u"basic:mta:s3cr:et"_s
                                 << "Basic " + QByteArray("mta:secret").toBase64() << 401
                                 << u"INVALID_CREDENTIALS"_s;
    QTest::addRow("basic missing")
        << u"basic:mta:s3cr:et"_s << QByteArray() << 401 << u"AUTHENTICATION_REQUIRED"_s;
}

void TestEndpoint::authentication()
{
    QFETCH(QString, spec);
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    QFETCH(QString, code);

    QString error;
    const auto settings = Mock::EndpointSettings::withAuth(m_endpoint.settings(), spec, &error);
    QVERIFY2(settings, qPrintable(error));
    m_endpoint.setSettings(*settings);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    Headers headers = draftHeaders();
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    const HttpResult result = post(u"/hook"_s, fixture(u"draft01/rcpt.json"_s), headers);
    QCOMPARE(result.status, status);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.httpStatus, status);
    QVERIFY(m_store.load(e.id));
    if (status == 401) {
        QCOMPARE(Document::fromJson(result.body).value(u"/error/code").toString(), code);
        QVERIFY(result.header("WWW-Authenticate")
                    .startsWith(spec.startsWith(u"bearer"_s) ? "Bearer " : "Basic "));
        QCOMPARE(e.ruleName, u"auth"_s);
        QCOMPARE(e.verdict, Verdict::Error);
        QVERIFY(e.errorCount() > 0);
        QCOMPARE(e.kind, Mock::ExchangeKind::Hook);
        QCOMPARE(e.requestBody, fixture(u"draft01/rcpt.json"_s)); // kept though refused
        // Discovery needs no credentials (draft-01: unauthenticated by design).
        QCOMPARE(send("GET", u"/.well-known/mta-hooks"_s, {}, {}).status, 200);
        // Registration does.
        QCOMPARE(post(u"/v1/hooks/register"_s, R"({"name":"x","inbound":{"stages":["rcpt"]}})",
                     {{"Content-Type", "application/json"}})
                     .status,
            401);
    }

    QVERIFY(!Mock::EndpointSettings::withAuth({}, u"token:x"_s, &error));
    QCOMPARE(error, u"auth must be none, bearer:TOKEN or basic:USER:PASS"_s);
    QVERIFY(!Mock::EndpointSettings::withAuth({}, u"basic:nopassword"_s, &error));
}

void TestEndpoint::sessionsAreReconstructed()
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    for (const char *stage : {"connect", "ehlo", "mail", "rcpt", "data"})
        QCOMPARE(post(u"/"_s, fixture(u"stalwart/%1.json"_s.arg(QLatin1String(stage))),
                     {{"Content-Type", "application/json"}})
                     .status,
            200);
    for (const char *stage : {"delivery", "defer", "dsn"})
        QCOMPARE(
            post(u"/"_s, fixture(u"draft01/%1.json"_s.arg(QLatin1String(stage))), draftHeaders())
                .status,
            200);
    QCOMPARE(captured.count(), 8);
    const QString inbound = captured.at(0).first().value<Exchange>().sessionKey;
    QVERIFY2(inbound.startsWith(u"203.0.113.50:51234@"_s), qPrintable(inbound));
    for (int i = 0; i < 5; ++i) {
        const Exchange e = captured.at(i).first().value<Exchange>();
        QCOMPARE(e.sessionKey, inbound);
        QCOMPARE(e.sequence, i + 1);
    }
    for (int i = 5; i < 8; ++i) {
        const Exchange e = captured.at(i).first().value<Exchange>();
        QCOMPARE(e.sessionKey, u"queue:q-77A1"_s);
    }
    // A new connect starts a new session.
    QCOMPARE(
        post(u"/"_s, fixture(u"stalwart/connect.json"_s), {{"Content-Type", "application/json"}})
            .status,
        200);
    QVERIFY(lastCaptured(captured).sessionKey != inbound);
    QCOMPARE(lastCaptured(captured).sequence, 1);
    const QList<Exchange> session = m_store.loadSession(inbound);
    QCOMPARE(session.size(), 5);
}

void TestEndpoint::connectionCloseIsHonoured()
{
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send(
        rawRequest("POST", "/", {{"Content-Type", "application/json"}, {"Connection", "close"}},
            fixture(u"stalwart/ehlo.json"_s)));
    QVERIFY(client.waitClosed());
    const QList<RawResponse> responses = takeResponses(client.received);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses.first().status, 200);
    QCOMPARE(responses.first().header("Connection"), QByteArray("close"));
}

void TestEndpoint::otherMethods()
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult get = send("GET", u"/hook"_s, {}, {});
    QCOMPARE(get.status, 404);
    QCOMPARE(Document::fromJson(get.body).value(u"/error/code").toString(), u"INVALID_REQUEST"_s);
    QCOMPARE(lastCaptured(captured).kind, Mock::ExchangeKind::Other);
    QCOMPARE(lastCaptured(captured).method, QByteArray("GET"));

    const HttpResult put = send("PUT", u"/x"_s, "{}", {{"Content-Type", "application/json"}});
    QCOMPARE(put.status, 404);
    QCOMPARE(lastCaptured(captured).method, QByteArray("PUT"));

    // HEAD gets the headers of the GET, without a body.
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send("HEAD /.well-known/mta-hooks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.received.contains("\r\n\r\n"), Patience);
    QVERIFY(client.received.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(client.received.endsWith("\r\n\r\n"));
    QVERIFY(client.received.contains("Content-Length: "));
    QVERIFY(!lastCaptured(captured).responseBody.isEmpty());
}

void TestEndpoint::manyClientsGoingAway()
{
    m_rules.setRules({alwaysRule(delayed(200))});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    constexpr int Clients = 25;
    {
        QList<std::shared_ptr<RawClient>> clients;
        for (int i = 0; i < Clients; ++i) {
            auto client = std::make_shared<RawClient>(m_port);
            QVERIFY(client->waitConnected());
            client->send(rawRequest("POST", "/", {{"Content-Type", "application/json"}},
                fixture(u"stalwart/rcpt.json"_s)));
            clients.append(client);
        }
        // Each goes away in its own way: orderly close or abort.
        for (int i = 0; i < Clients; ++i) {
            if (i % 2)
                clients[i]->socket.abort();
            else
                clients[i]->socket.disconnectFromHost();
        }
    }
    // Aborted clients may be gone before their request was read (then nothing is recorded);
    // the others are recorded as abandoned. Either way the endpoint answers the next one.
    const HttpResult after
        = post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(after.status, 200);
    for (const auto &args : std::as_const(captured)) {
        const Exchange e = args.first().value<Exchange>();
        QVERIFY(e.httpStatus == 0 || e.httpStatus == 200);
    }
}

QTEST_GUILESS_MAIN(TestEndpoint)
#include "tst_scanner_endpoint.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Answers that break or come late: injected faults, resets, hangs, delays, and clients that go
// away before the answer.
#include "mock/capture/capturestore.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QElapsedTimer>
#include <QSignalSpy>
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
using Mock::Rule;
using ScannerTest::fixture;
using namespace RawHttp;
using namespace EndpointTest;

namespace {

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

class TestEndpointFaults : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init() { resetEndpoint(); }
    void cleanupTestCase() { stopEndpoint(); }

    void faults_data();
    void faults();
    void faultReset();
    void faultHang();
    void delays_data();
    void delays();
    void disconnectDuringDelay();
    void manyClientsGoingAway();
};

void TestEndpointFaults::faults_data()
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

void TestEndpointFaults::faults()
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

void TestEndpointFaults::faultReset()
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

void TestEndpointFaults::faultHang()
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

void TestEndpointFaults::delays_data()
{
    QTest::addColumn<Mock::Delay>("delay");
    QTest::addColumn<int>("mtaTimeout");
    QTest::addColumn<int>("atLeastMs");

    QTest::addRow("fixed") << Mock::Delay {Mock::Delay::Kind::Fixed, 400, 0, 0} << 30000 << 400;
    QTest::addRow("random") << Mock::Delay {Mock::Delay::Kind::Random, 0, 200, 300} << 30000 << 200;
    QTest::addRow("past the timeout")
        << Mock::Delay {Mock::Delay::Kind::PastTimeout, 0, 0, 0} << 300 << 1300;
}

void TestEndpointFaults::delays()
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

void TestEndpointFaults::disconnectDuringDelay()
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

void TestEndpointFaults::manyClientsGoingAway()
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

QTEST_GUILESS_MAIN(TestEndpointFaults)
#include "tst_scanner_endpoint_faults.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA when a hook call fails, against the mock scanner on 127.0.0.1: retries that keep
// the request id (Retry-After, backoff, resets), when retrying stops (a retry limit, a 4xx other
// than 429, Stalwart which never retries), timeouts, malformed answers (Stalwart tempfails and
// stops, the drafts go on with the default action), and a TLS certificate that must be refused.
#include "mock/mta/sessionreplayer.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/replayertest.h"

#include <QElapsedTimer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ReplayerTest;
using Mock::Answer;
using Mock::Exchange;
using Mock::Fault;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using Mock::Rule;
using Mock::StageResult;

namespace {

// A minimal HTTPS server with a self-signed certificate that answers every request with
// Stalwart's {"action":"accept"} (the endpoint itself speaks plain HTTP only).
class TlsAcceptServer final : public QObject
{
public:
    explicit TlsAcceptServer(QObject *parent = nullptr)
        : QObject(parent)
    {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificate(
            QSslCertificate(MtaTest::fixture(u"selfsigned-cert.pem"_s), QSsl::Pem));
        ssl.setPrivateKey(QSslKey(MtaTest::fixture(u"selfsigned-key.pem"_s), QSsl::Rsa));
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server.setSslConfiguration(ssl);
        QObject::connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int requests() const { return m_requests; }

private:
    void serve(QTcpSocket *socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            for (;;) {
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                qsizetype length = 0;
                for (const QByteArray &line : buffer->left(end).split('\n')) {
                    if (line.toLower().startsWith("content-length:"))
                        length = line.mid(15).trimmed().toLongLong();
                }
                if (buffer->size() < end + 4 + length)
                    return;
                buffer->remove(0, end + 4 + length);
                ++m_requests;
                const QByteArray answer = R"({"action":"accept"})";
                socket->write(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
            }
        });
    }

    QSslServer m_server;
    int m_requests = 0;
};

} // namespace

class TestMtaFailures : public ReplayerTest::Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void retriesKeepTheRequestId_data();
    void retriesKeepTheRequestId();
    void retriesGiveUp();
    void rateLimitedIsRetried();
    void clientErrorsAreNotRetried_data();
    void clientErrorsAreNotRetried();
    void stalwartDoesNotRetry();
    void timeouts_data();
    void timeouts();
    void malformedAnswers_data();
    void malformedAnswers();
    void tlsWithInvalidCertificates();
};

void TestMtaFailures::init()
{
    setUp();
}

void TestMtaFailures::cleanup()
{
    tearDown();
}

void TestMtaFailures::retriesKeepTheRequestId_data()
{
    QTest::addColumn<Fault>("failure");
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("minimumGapMs"); // between the first attempt and the retry
    // 503 with Retry-After: 1 waits the second it asks for; 500 backs off 100 ms (+ jitter).
    QTest::addRow("503-retry-after") << Fault::Http503 << 1 << 900;
    QTest::addRow("500-backoff") << Fault::Http500 << 2 << 250; // 100 + 200 ms at least
    QTest::addRow("reset") << Fault::Reset << 1 << 0;
}

void TestMtaFailures::retriesKeepTheRequestId()
{
    QFETCH(Fault, failure);
    QFETCH(int, failures);
    QFETCH(int, minimumGapMs);
    Rule flaky = rule(u"flaky"_s, {Stage::Rcpt}, fault(failure));
    flaky.when.times = failures;
    m_rulebook->setRules({flaky});
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target(Dialect::Draft01)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    const StageResult *rcpt = findStage(result, Stage::Rcpt);
    QVERIFY(rcpt);
    // QNetworkAccessManager resends a request at once, on a new connection, when a reused
    // keep-alive connection is reset before the answer (HookClient documents this): the scanner
    // sees two attempts, the replayer counts one.
    if (failure == Fault::Reset)
        QVERIFY(rcpt->attempts == 1 || rcpt->attempts == failures + 1);
    else
        QCOMPARE(rcpt->attempts, failures + 1);
    QCOMPARE(rcpt->outcome.action, Action::Accept);
    QVERIFY(rcpt->transportError.isEmpty());

    QList<Exchange> attempts;
    for (const Exchange &exchange : hookExchanges()) {
        if (exchange.stage == Stage::Rcpt)
            attempts.append(exchange);
    }
    QCOMPARE(attempts.size(), failures + 1);
    const QByteArray id = attempts.constFirst().requestHeader("X-MTA-Hooks-Request-Id");
    QVERIFY(!id.isEmpty());
    for (const Exchange &exchange : attempts)
        QCOMPARE(exchange.requestHeader("X-MTA-Hooks-Request-Id"), id);
    QCOMPARE(attempts.constLast().requestBody, attempts.constFirst().requestBody);
    // The endpoint recognised the retry by its id.
    bool sawRetry = false;
    for (const Problem &problem : attempts.constLast().problems)
        sawRetry = sawRetry || problem.message.startsWith(u"retry: request id"_s);
    QVERIFY2(sawRetry, qPrintable(MtaTest::describe(attempts.constLast().problems)));
    const qint64 gap = attempts.constFirst().received.msecsTo(attempts.constLast().received);
    QVERIFY2(gap >= minimumGapMs, qPrintable(QString::number(gap)));
    // Other stages were not retried, and their ids differ.
    for (const Exchange &exchange : hookExchanges()) {
        if (exchange.stage != Stage::Rcpt)
            QVERIFY(exchange.requestHeader("X-MTA-Hooks-Request-Id") != id);
    }
}

void TestMtaFailures::retriesGiveUp()
{
    m_rulebook->setRules({rule(u"down"_s, {Stage::Mail}, fault(Fault::Http500))});
    ReplayTarget t = target(Dialect::Draft01);
    t.maxRetries = 3;
    t.onError = FailurePolicy::Accept; // the drafts' default action (tst_mta_errorpolicy: others)
    QElapsedTimer clock;
    clock.start();
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    const StageResult *mail = findStage(m_results.constFirst(), Stage::Mail);
    QVERIFY(mail);
    QCOMPARE(mail->attempts, 4); // at most 3 retries
    QCOMPARE(mail->httpStatus, 500);
    // The drafts' error rule: apply nothing, keep the default action; the session goes on.
    QVERIFY(mail->outcome.malformed);
    QCOMPARE(mail->outcome.action, Action::Accept);
    QVERIFY(!m_results.constFirst().stopped);
    QVERIFY(!m_results.constFirst().allWellFormed());
    // 100 + 200 + 400 ms of backoff at least.
    QVERIFY(clock.elapsed() >= 700);
    int calls = 0;
    for (const Exchange &exchange : hookExchanges())
        calls += exchange.stage == Stage::Mail ? 1 : 0;
    QCOMPARE(calls, 4);
}

void TestMtaFailures::rateLimitedIsRetried()
{
    // 429 is the one 4xx the drafts retry (honouring Retry-After, reference §d.2).
    Rule limited = rule(u"limited"_s, {Stage::Rcpt},
        body(R"({"error":{"code":"RATE_LIMITED","message":"slow down"}})", 429));
    limited.when.times = 1;
    m_rulebook->setRules({limited});
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target(Dialect::Draft01)));
    const StageResult *rcpt = findStage(m_results.constFirst(), Stage::Rcpt);
    QVERIFY(rcpt);
    QCOMPARE(rcpt->attempts, 2);
    QCOMPARE(rcpt->outcome.action, Action::Accept);
    QVERIFY(!rcpt->outcome.malformed);
}

void TestMtaFailures::clientErrorsAreNotRetried_data()
{
    QTest::addColumn<int>("status");
    QTest::addRow("400") << 400;
    QTest::addRow("404") << 404;
    QTest::addRow("413") << 413;
    QTest::addRow("422") << 422;
}

void TestMtaFailures::clientErrorsAreNotRetried()
{
    QFETCH(int, status);
    m_rulebook->setRules({rule(u"refuse"_s, {Stage::Rcpt},
        body(R"({"error":{"code":"INVALID_REQUEST","message":"no"}})", status))});
    ReplayTarget t = target(Dialect::Draft01);
    t.maxRetries = 3;
    t.onError = FailurePolicy::Accept; // the drafts' default action (tst_mta_errorpolicy: others)
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    const StageResult *rcpt = findStage(m_results.constFirst(), Stage::Rcpt);
    QVERIFY(rcpt);
    QCOMPARE(rcpt->httpStatus, status);
    QCOMPARE(rcpt->attempts, 1);
    QVERIFY(rcpt->outcome.malformed);
    QCOMPARE(rcpt->outcome.action, Action::Accept); // default action, recipient kept
    QCOMPARE(m_results.constFirst().envelopeAfter.to.size(), 1);
    int calls = 0;
    for (const Exchange &exchange : hookExchanges())
        calls += exchange.stage == Stage::Rcpt ? 1 : 0;
    QCOMPARE(calls, 1);
}

void TestMtaFailures::stalwartDoesNotRetry()
{
    Rule flaky = rule(u"flaky"_s, {Stage::Mail}, fault(Fault::Http503));
    flaky.when.times = 1;
    m_rulebook->setRules({flaky});
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target(Dialect::Stalwart)));
    const ReplayResult &result = m_results.constFirst();
    const StageResult *mail = findStage(result, Stage::Mail);
    QVERIFY(mail);
    QCOMPARE(mail->attempts, 1);
    QCOMPARE(mail->outcome.reply.code, 451);
    QCOMPARE(mail->outcome.reply.enhancedCode, u"4.3.5"_s);
    QVERIFY(result.stopped);
}

void TestMtaFailures::timeouts_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<int>("retries");
    QTest::addColumn<bool>("stops");
    // Stalwart: a hook error tempfails and stops; the drafts proceed with the default action.
    QTest::addRow("stalwart") << Dialect::Stalwart << 0 << true;
    QTest::addRow("draft-01") << Dialect::Draft01 << 0 << false;
    QTest::addRow("draft-01-retried") << Dialect::Draft01 << 1 << false;
}

void TestMtaFailures::timeouts()
{
    QFETCH(Dialect, dialect);
    QFETCH(int, retries);
    QFETCH(bool, stops);
    m_rulebook->setRules({rule(u"hang"_s, {Stage::Mail}, fault(Fault::Hang))});
    ReplayTarget t = target(dialect);
    t.timeoutMs = 400;
    t.maxRetries = retries;
    if (dialect != Dialect::Stalwart)
        t.onError = FailurePolicy::Accept; // the drafts' default action on a timeout
    QElapsedTimer clock;
    clock.start();
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    const ReplayResult &result = m_results.constFirst();
    const StageResult *mail = findStage(result, Stage::Mail);
    QVERIFY(mail);
    QCOMPARE(mail->httpStatus, 0);
    QVERIFY2(mail->transportError.contains(u"timed out"_s), qPrintable(mail->transportError));
    QCOMPARE(mail->attempts, retries + 1);
    QVERIFY2(clock.elapsed() >= 390 * (retries + 1), qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(result.stopped, stops);
    if (stops) {
        QCOMPARE(mail->outcome.reply.code, 451);
        QCOMPARE(mail->outcome.reply.enhancedCode, u"4.3.5"_s);
    } else {
        QCOMPARE(mail->outcome.action, Action::Accept);
        QVERIFY(result.messageQueued);
    }
    // The endpoint saw the call(s) hang up, with the same request id.
    QTRY_COMPARE_WITH_TIMEOUT(std::count_if(m_exchanges.cbegin(), m_exchanges.cend(),
                                  [](const Exchange &e) { return e.stage == Stage::Mail; }),
        qsizetype(retries + 1), MtaTest::LongWaitMs);
    QSet<QByteArray> ids;
    for (const Exchange &exchange : std::as_const(m_exchanges)) {
        if (exchange.stage == Stage::Mail)
            ids.insert(exchange.requestHeader("X-MTA-Hooks-Request-Id"));
    }
    QCOMPARE(ids.size(), 1);
}

void TestMtaFailures::malformedAnswers_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Fault>("failure");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<bool>("stops");
    // Stalwart: any hook error tempfails 451 4.3.5 and stops the stage.
    QTest::addRow("stalwart-truncated-mail")
        << Dialect::Stalwart << Fault::TruncatedJson << Stage::Mail << true;
    QTest::addRow("stalwart-truncated-data")
        << Dialect::Stalwart << Fault::TruncatedJson << Stage::Data << true;
    QTest::addRow("stalwart-empty-204")
        << Dialect::Stalwart << Fault::Empty204 << Stage::Mail << true;
    QTest::addRow("stalwart-reset") << Dialect::Stalwart << Fault::Reset << Stage::Mail << true;
    QTest::addRow("stalwart-500") << Dialect::Stalwart << Fault::Http500 << Stage::Connect << true;
    // The drafts: apply nothing, keep the default action.
    QTest::addRow("draft-01-truncated-mail")
        << Dialect::Draft01 << Fault::TruncatedJson << Stage::Mail << false;
    QTest::addRow("draft-02-truncated-data")
        << Dialect::Draft02 << Fault::TruncatedJson << Stage::Data << false;
}

void TestMtaFailures::malformedAnswers()
{
    QFETCH(Dialect, dialect);
    QFETCH(Fault, failure);
    QFETCH(Stage, stage);
    QFETCH(bool, stops);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    // A preset that changes something, so a half-applied answer would show.
    Answer broken = preset(stage == Stage::Data ? Preset::AddHeader : Preset::Reject);
    broken.fault = failure;
    m_rulebook->setRules({rule(u"broken"_s, {stage}, broken)});
    ReplayTarget t = target(dialect);
    t.maxRetries = 0;
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    const ReplayResult &result = m_results.constFirst();
    const StageResult *hit = findStage(result, stage);
    QVERIFY(hit);
    QVERIFY(hit->outcome.malformed);
    QCOMPARE(result.stopped, stops);
    QVERIFY(!result.allWellFormed());
    if (stops) {
        QCOMPARE(hit->outcome.action, Action::Reject);
        QCOMPARE(hit->outcome.reply,
            (SmtpReply {451, u"4.3.5"_s, u"Unable to accept message at this time."_s}));
        QCOMPARE(hit->outcome.verdict, Verdict::Tempfail);
        QVERIFY(!result.messageQueued);
    } else {
        QCOMPARE(hit->outcome.action, Action::Accept);
        QVERIFY(result.messageQueued);
        QCOMPARE(result.messageAfter, result.messageBefore);
    }
}

void TestMtaFailures::tlsWithInvalidCertificates()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    TlsAcceptServer server;
    QVERIFY(server.listen());
    ReplayTarget t = target(Dialect::Stalwart);
    t.url = QUrl(u"https://127.0.0.1:%1/hook"_s.arg(server.port()));
    // A self-signed certificate is refused unless allowed.
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    const StageResult &refused = m_results.constFirst().stages.constFirst();
    QCOMPARE(refused.httpStatus, 0);
    QVERIFY2(!refused.transportError.isEmpty(), "no TLS error");
    QCOMPARE(server.requests(), 0);
    t.allowInvalidCertificates = true;
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    QVERIFY2(
        m_results.constFirst().allWellFormed(), qPrintable(describeStages(m_results.constFirst())));
    QCOMPARE(server.requests(), 4);
}

QTEST_GUILESS_MAIN(TestMtaFailures)
#include "tst_mta_failures.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA against the mock scanner: SessionReplayer replays recorded sessions to an
// in-process HookEndpoint + Rulebook on 127.0.0.1, so each half checks the other (the endpoint
// validates every request the replayer sends; the replayer applies every answer the endpoint
// renders). Every dialect and encoding, the draft-01 control plane, retries with a stable request
// id, timeouts, what an MTA does with rejects and edits, expectations, concurrency, auth and TLS.
#include "mock/mta/hookclient.h"
#include "mock/mta/requestbuilder.h"
#include "mock/mta/sessionreplayer.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTest>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::ExchangeKind;
using Mock::Fault;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using Mock::Rule;
using Mock::SessionRecording;
using Mock::SessionStage;
using Mock::StageResult;

namespace {

Rule rule(const QString &name, QList<Stage> stages, const Answer &answer)
{
    Rule r;
    r.name = name;
    r.when.stages = std::move(stages);
    r.answer = answer;
    return r;
}

Answer preset(Preset p)
{
    return Answer::fromPreset(p);
}

Answer fault(Fault f)
{
    Answer answer;
    answer.fault = f;
    return answer;
}

Answer body(const QByteArray &text, int status = 200)
{
    Answer answer;
    answer.kind = Answer::Kind::Body;
    answer.body = text;
    answer.httpStatus = status;
    return answer;
}

QString describeStages(const ReplayResult &result)
{
    QStringList lines;
    for (const StageResult &stage : result.stages)
        lines << u"%1 %2: HTTP %3, %4 (%5)%6 %7"_s.arg(stage.stageName, stage.recipient)
                     .arg(stage.httpStatus)
                     .arg(actionName(stage.outcome.action), stage.outcome.reply.toString(),
                         stage.transportError.isEmpty() ? QString() : u" "_s + stage.transportError,
                         MtaTest::describe(stage.outcome.problems));
    if (result.stopped)
        lines << u"stopped: "_s + result.stopReason;
    if (!result.error.isEmpty())
        lines << u"error: "_s + result.error;
    return lines.join(u'\n');
}

QStringList stageNames(const ReplayResult &result)
{
    QStringList names;
    for (const StageResult &stage : result.stages)
        names << stage.stageName + (stage.recipient.isEmpty() ? QString() : u':' + stage.recipient);
    return names;
}

const StageResult *findStage(const ReplayResult &result, Stage stage, const QString &recipient = {})
{
    for (const StageResult &candidate : result.stages) {
        if (candidate.stage == stage && (recipient.isEmpty() || candidate.recipient == recipient))
            return &candidate;
    }
    return nullptr;
}

QByteArray headerOf(const Mock::HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

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

class TestReplayer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void everyDialectAndEncoding_data();
    void everyDialectAndEncoding();
    void draftRegistrationFlow();
    void registrationWithoutDiscovery();
    void unregisteredWhenAsked();
    void registersAgainWhenForgotten();
    void stopsWhenDeregistered();
    void retriesKeepTheRequestId_data();
    void retriesKeepTheRequestId();
    void retriesGiveUp();
    void rateLimitedIsRetried();
    void clientErrorsAreNotRetried_data();
    void clientErrorsAreNotRetried();
    void stalwartDoesNotRetry();
    void timeouts_data();
    void timeouts();
    void rejectAtRcptDropsOnlyThatRecipient_data();
    void rejectAtRcptDropsOnlyThatRecipient();
    void rejectOrDisconnectStops_data();
    void rejectOrDisconnectStops();
    void stalwartStopsOnAnyNonAccept();
    void draftEnvelopeEditsAccumulate();
    void malformedAnswers_data();
    void malformedAnswers();
    void dataEditsMatchTheEngine_data();
    void dataEditsMatchTheEngine();
    void expectations();
    void concurrencyKeepsOrder();
    void workerThreads_data();
    void workerThreads();
    void cancelWithWorkerThreads();
    void authentication_data();
    void authentication();
    void tlsWithInvalidCertificates();
    void summaryFigures();
    void cancelStopsQuietly();

private:
    bool replay(
        const QList<SessionRecording> &sessions, const ReplayTarget &target, int concurrency = 1);
    ReplayTarget target(Dialect dialect, Encoding encoding = Encoding::Json) const;
    QList<Exchange> hookExchanges() const;

    std::unique_ptr<Mock::Rulebook> m_rulebook;
    std::unique_ptr<Mock::HookEndpoint> m_endpoint;
    QList<Exchange> m_exchanges; // what the endpoint captured, in answer order
    QList<ReplayResult> m_results;
    Mock::ReplaySummary m_summary;
};

void TestReplayer::init()
{
    m_rulebook = std::make_unique<Mock::Rulebook>();
    m_endpoint = std::make_unique<Mock::HookEndpoint>(m_rulebook.get());
    m_exchanges.clear();
    m_results.clear();
    m_summary = {};
    connect(m_endpoint.get(), &Mock::HookEndpoint::exchangeCaptured, this,
        [this](const Exchange &exchange) { m_exchanges.append(exchange); });
    QVERIFY2(m_endpoint->listen(), qPrintable(m_endpoint->errorString()));
}

void TestReplayer::cleanup()
{
    m_endpoint.reset();
    m_rulebook.reset();
}

bool TestReplayer::replay(
    const QList<SessionRecording> &sessions, const ReplayTarget &target, int concurrency)
{
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    QSignalSpy sessionFinished(&replayer, &Mock::SessionReplayer::sessionFinished);
    replayer.start(sessions, target, concurrency);
    if (finished.isEmpty() && !finished.wait(MtaTest::LongWaitMs))
        return false;
    if (replayer.isRunning())
        return false;
    m_results = replayer.results();
    m_summary = finished.constFirst().constFirst().value<Mock::ReplaySummary>();
    return sessionFinished.size() == sessions.size() && m_results.size() == sessions.size();
}

ReplayTarget TestReplayer::target(Dialect dialect, Encoding encoding) const
{
    ReplayTarget t;
    t.url = QUrl(m_endpoint->url() + u"/hook"_s);
    t.dialect = dialect;
    t.encoding = encoding;
    t.timeoutMs = 20000;
    t.discover = false;
    t.registerMta = false;
    return t;
}

QList<Exchange> TestReplayer::hookExchanges() const
{
    QList<Exchange> hooks;
    for (const Exchange &exchange : m_exchanges) {
        if (exchange.kind == ExchangeKind::Hook)
            hooks.append(exchange);
    }
    return hooks;
}

void TestReplayer::everyDialectAndEncoding_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("stalwart") << Dialect::Stalwart << Encoding::Json;
    QTest::addRow("draft-01-json") << Dialect::Draft01 << Encoding::Json;
    QTest::addRow("draft-01-cbor") << Dialect::Draft01 << Encoding::Cbor;
    QTest::addRow("draft-02-json") << Dialect::Draft02 << Encoding::Json;
    QTest::addRow("draft-02-cbor") << Dialect::Draft02 << Encoding::Cbor;
}

void TestReplayer::everyDialectAndEncoding()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    // A stage edit the endpoint answers in the dialect, so the answer path is exercised too.
    m_rulebook->setRules({rule(u"tag"_s, {Stage::Data}, preset(Preset::AddHeader))});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(dialect, encoding);
    const bool draft = dialect != Dialect::Stalwart;
    t.discover = draft;
    t.registerMta = draft;
    QVERIFY(replay({session}, t));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    QVERIFY2(!result.stopped, qPrintable(result.stopReason));
    QCOMPARE(stageNames(result),
        QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
            u"rcpt:peggy@example.com"_s, u"rcpt:victor@example.com"_s, u"data"_s}));
    for (const StageResult &stage : result.stages) {
        QCOMPARE(stage.outcome.action, Action::Accept);
        QCOMPARE(stage.attempts, 1);
        QVERIFY(stage.latencyUs > 0);
        QCOMPARE(headerOf(stage.requestHeaders, "Content-Type"), contentTypeFor(encoding));
    }
    QVERIFY(result.messageQueued);
    QVERIFY(result.messageAfter.startsWith("X-Hookscope: scanned\r\n"));
    QVERIFY(result.messageAfter.endsWith(
        result.messageBefore.mid(result.messageBefore.indexOf("\r\n\r\n"))));
    QCOMPARE(result.envelopeAfter.to.size(), 3);

    // What the endpoint made of the replayer's requests: every one decoded in the dialect and
    // encoding, with no Error (transport headers, fields, types) and, for the drafts, the
    // registration's id on every call.
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), 7);
    for (const Exchange &exchange : hooks) {
        QVERIFY2(exchange.errorCount() == 0, qPrintable(MtaTest::describe(exchange.problems)));
        QCOMPARE(exchange.dialect, dialect == Dialect::Draft02 ? Dialect::Draft01 : dialect);
        QCOMPARE(exchange.encoding, encoding);
        QCOMPARE(exchange.method, QByteArray("POST"));
        if (draft) {
            QVERIFY(exchange.path.startsWith("/v1/hooks/invoke/reg_"));
            QCOMPARE(exchange.requestHeader("X-MTA-Hooks-Registration"),
                exchange.path.mid(qstrlen("/v1/hooks/invoke/")));
            QVERIFY(!exchange.requestHeader("X-MTA-Hooks-Request-Id").isEmpty());
        } else {
            QCOMPARE(exchange.path, QByteArray("/hook"));
            QVERIFY(exchange.requestHeader("X-MTA-Hooks-Request-Id").isEmpty());
        }
    }
    // One request id per call.
    QSet<QByteArray> ids;
    for (const Exchange &exchange : hooks)
        ids.insert(exchange.requestHeader("X-MTA-Hooks-Request-Id"));
    QCOMPARE(ids.size(), draft ? 7 : 1);
}

void TestReplayer::draftRegistrationFlow()
{
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.discover = true;
    t.registerMta = true;
    QVERIFY(replay({session, session}, t));
    QVERIFY(m_results.at(0).allWellFormed());
    QVERIFY(m_results.at(1).allWellFormed());
    QList<ExchangeKind> kinds;
    for (const Exchange &exchange : m_exchanges)
        kinds << exchange.kind;
    QList<ExchangeKind> expected {ExchangeKind::Discovery, ExchangeKind::Registration};
    for (int i = 0; i < 14; ++i)
        expected << ExchangeKind::Hook;
    expected << ExchangeKind::Deregistration;
    QCOMPARE(kinds, expected);
    QCOMPARE(m_exchanges.at(0).method, QByteArray("GET"));
    QCOMPARE(m_exchanges.at(0).path, QByteArray("/.well-known/mta-hooks"));
    QCOMPARE(m_exchanges.at(1).method, QByteArray("POST"));
    QCOMPARE(m_exchanges.at(1).path, QByteArray("/v1/hooks/register"));
    QCOMPARE(m_exchanges.at(1).httpStatus, 201);
    QVERIFY2(m_exchanges.at(1).errorCount() == 0,
        qPrintable(MtaTest::describe(m_exchanges.at(1).problems)));
    QCOMPARE(m_exchanges.constLast().method, QByteArray("DELETE"));
    QCOMPARE(m_exchanges.constLast().httpStatus, 200);

    const QList<Mock::ControlPlane::Registration> registrations
        = m_endpoint->controlPlane().registrations();
    QCOMPARE(registrations.size(), 1);
    const Mock::ControlPlane::Registration &registration = registrations.constFirst();
    QCOMPARE(registration.name, u"hookscope-replayer"_s);
    QCOMPARE(registration.status, u"deregistered"_s);
    QCOMPARE(registration.invocations, 14);
    QCOMPARE(registration.errors, 0);
    QCOMPARE(registration.serialization, u"json"_s);
    QCOMPARE(registration.negotiated.value(u"inbound"_s).toObject().value(u"stages"_s).toArray(),
        QJsonArray({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s}));
    // The deregistration names the registration; every hook call went to its hookEndpoint.
    QCOMPARE(m_exchanges.constLast().path, "/v1/hooks/register/" + registration.id.toUtf8());
    for (const Exchange &exchange : hookExchanges())
        QCOMPARE(exchange.path, "/v1/hooks/invoke/" + registration.id.toUtf8());
    QCOMPARE(m_results.at(0).stages.at(0).url.path(), u"/v1/hooks/invoke/"_s + registration.id);
}

void TestReplayer::registrationWithoutDiscovery()
{
    ReplayTarget t = target(Dialect::Draft01, Encoding::Cbor);
    t.registerMta = true;
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    QVERIFY(m_results.constFirst().allWellFormed());
    QCOMPARE(m_exchanges.constFirst().kind, ExchangeKind::Registration);
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Deregistration);
    const auto registrations = m_endpoint->controlPlane().registrations();
    QCOMPARE(registrations.size(), 1);
    QCOMPARE(registrations.constFirst().serialization, u"cbor"_s);
    QCOMPARE(registrations.constFirst().invocations, 4);
}

void TestReplayer::unregisteredWhenAsked()
{
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target(Dialect::Draft01)));
    QVERIFY(m_results.constFirst().allWellFormed());
    QVERIFY(m_endpoint->controlPlane().registrations().isEmpty());
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), m_exchanges.size());
    for (const Exchange &exchange : hooks) {
        QCOMPARE(exchange.path, QByteArray("/hook"));
        // The header is REQUIRED; without a registration it says so.
        QCOMPARE(exchange.requestHeader("X-MTA-Hooks-Registration"), QByteArray("unregistered"));
    }
}

void TestReplayer::registersAgainWhenForgotten()
{
    // The scanner answers the first mail call 404 REGISTRATION_NOT_FOUND, as one that lost its
    // registrations would: the MTA registers again and sends that call once more, with the new
    // registration and the same request id.
    Rule forgot = rule(u"forgot"_s, {Stage::Mail},
        body(R"({"error":{"code":"REGISTRATION_NOT_FOUND","message":"unknown"}})", 404));
    forgot.when.times = 1;
    m_rulebook->setRules({forgot});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.registerMta = true;
    QVERIFY(replay({session, session}, t, 1));
    for (const ReplayResult &result : std::as_const(m_results))
        QVERIFY2(!result.stopped, qPrintable(describeStages(result)));

    QList<Exchange> mails;
    for (const Exchange &exchange : hookExchanges()) {
        if (exchange.stage == Stage::Mail)
            mails.append(exchange);
    }
    QCOMPARE(mails.size(), 3); // 404, the call sent again, the second session's
    QCOMPARE(mails.at(0).httpStatus, 404);
    QCOMPARE(mails.at(1).httpStatus, 200);
    const QByteArray first = mails.at(0).requestHeader("X-MTA-Hooks-Registration");
    const QByteArray second = mails.at(1).requestHeader("X-MTA-Hooks-Registration");
    QVERIFY(first != second);
    const Mock::ControlPlane &plane = m_endpoint->controlPlane();
    QCOMPARE(plane.registrations().size(), 2);
    QVERIFY(plane.registration(QString::fromUtf8(first)));
    QVERIFY(plane.registration(QString::fromUtf8(second)));
    // The one in use at the end is deregistered; the forgotten one is the scanner's business.
    QCOMPARE(plane.registration(QString::fromUtf8(second))->status, u"deregistered"_s);
    QCOMPARE(mails.at(1).path, "/v1/hooks/invoke/" + second);
    QCOMPARE(mails.at(1).requestHeader("X-MTA-Hooks-Request-Id"),
        mails.at(0).requestHeader("X-MTA-Hooks-Request-Id"));
    QCOMPARE(mails.at(2).requestHeader("X-MTA-Hooks-Registration"), second);
    // The registration came between the two attempts; the deregistration names the new one.
    const qsizetype again
        = std::find_if(m_exchanges.cbegin() + 1, m_exchanges.cend(),
              [](const Exchange &e) { return e.kind == ExchangeKind::Registration; })
        - m_exchanges.cbegin();
    QVERIFY(again < m_exchanges.size());
    QVERIFY(m_exchanges.at(again - 1).id == mails.at(0).id);
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Deregistration);
    QCOMPARE(m_exchanges.constLast().path, "/v1/hooks/register/" + second);

    const StageResult *mail = findStage(m_results.constFirst(), Stage::Mail);
    QVERIFY(mail);
    QCOMPARE(mail->httpStatus, 200);
    QCOMPARE(mail->url.path(), u"/v1/hooks/invoke/"_s + QString::fromUtf8(second));
    QVERIFY2(m_results.constFirst().notes.join(u'\n').contains(u"registered again"_s),
        qPrintable(m_results.constFirst().notes.join(u'\n')));
    QVERIFY(m_results.at(1).notes.isEmpty());
}

void TestReplayer::stopsWhenDeregistered()
{
    m_rulebook->setRules({rule(u"gone"_s, {Stage::Rcpt},
        body(R"({"error":{"code":"REGISTRATION_DEREGISTERED","message":"bye"}})", 410))});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.registerMta = true;
    QVERIFY(replay({session, session}, t, 1));
    const ReplayResult &first = m_results.at(0);
    QVERIFY(first.stopped);
    QVERIFY2(first.stopReason.contains(u"410"_s), qPrintable(first.stopReason));
    QCOMPARE(first.stages.constLast().stage, Stage::Rcpt);
    QCOMPARE(first.stages.constLast().httpStatus, 410);
    QCOMPARE(first.stages.constLast().attempts, 1); // a 4xx is not retried
    // No hook call after the 410, in this session or the next, and no deregistration.
    const ReplayResult &second = m_results.at(1);
    QVERIFY(second.stopped);
    QVERIFY(second.stages.isEmpty());
    QVERIFY2(
        second.stopReason.contains(u"ended the registration"_s), qPrintable(second.stopReason));
    QCOMPARE(hookExchanges().size(), first.stages.size());
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Hook);
}

void TestReplayer::retriesKeepTheRequestId_data()
{
    QTest::addColumn<Fault>("failure");
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("minimumGapMs"); // between the first attempt and the retry
    // 503 with Retry-After: 1 waits the second it asks for; 500 backs off 100 ms (+ jitter).
    QTest::addRow("503-retry-after") << Fault::Http503 << 1 << 900;
    QTest::addRow("500-backoff") << Fault::Http500 << 2 << 250; // 100 + 200 ms at least
    QTest::addRow("reset") << Fault::Reset << 1 << 0;
}

void TestReplayer::retriesKeepTheRequestId()
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

void TestReplayer::retriesGiveUp()
{
    m_rulebook->setRules({rule(u"down"_s, {Stage::Mail}, fault(Fault::Http500))});
    ReplayTarget t = target(Dialect::Draft01);
    t.maxRetries = 3;
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

void TestReplayer::rateLimitedIsRetried()
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

void TestReplayer::clientErrorsAreNotRetried_data()
{
    QTest::addColumn<int>("status");
    QTest::addRow("400") << 400;
    QTest::addRow("404") << 404;
    QTest::addRow("413") << 413;
    QTest::addRow("422") << 422;
}

void TestReplayer::clientErrorsAreNotRetried()
{
    QFETCH(int, status);
    m_rulebook->setRules({rule(u"refuse"_s, {Stage::Rcpt},
        body(R"({"error":{"code":"INVALID_REQUEST","message":"no"}})", status))});
    ReplayTarget t = target(Dialect::Draft01);
    t.maxRetries = 3;
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

void TestReplayer::stalwartDoesNotRetry()
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

void TestReplayer::timeouts_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<int>("retries");
    QTest::addColumn<bool>("stops");
    // Stalwart: a hook error tempfails and stops; the drafts proceed with the default action.
    QTest::addRow("stalwart") << Dialect::Stalwart << 0 << true;
    QTest::addRow("draft-01") << Dialect::Draft01 << 0 << false;
    QTest::addRow("draft-01-retried") << Dialect::Draft01 << 1 << false;
}

void TestReplayer::timeouts()
{
    QFETCH(Dialect, dialect);
    QFETCH(int, retries);
    QFETCH(bool, stops);
    m_rulebook->setRules({rule(u"hang"_s, {Stage::Mail}, fault(Fault::Hang))});
    ReplayTarget t = target(dialect);
    t.timeoutMs = 400;
    t.maxRetries = retries;
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

void TestReplayer::rejectAtRcptDropsOnlyThatRecipient_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addColumn<Preset>("answer");
    QTest::addRow("stalwart-reject") << Dialect::Stalwart << Encoding::Json << Preset::Reject;
    QTest::addRow("stalwart-tempfail") << Dialect::Stalwart << Encoding::Json << Preset::Tempfail;
    QTest::addRow("draft-01-reject") << Dialect::Draft01 << Encoding::Json << Preset::Reject;
    QTest::addRow("draft-01-cbor-tempfail")
        << Dialect::Draft01 << Encoding::Cbor << Preset::Tempfail;
    QTest::addRow("draft-02-reject") << Dialect::Draft02 << Encoding::Json << Preset::Reject;
}

void TestReplayer::rejectAtRcptDropsOnlyThatRecipient()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    QFETCH(Preset, answer);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    Rule refuse = rule(u"no peggy"_s, {Stage::Rcpt}, preset(answer));
    refuse.when.toGlob = u"peggy@*"_s;
    m_rulebook->setRules({refuse});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect, encoding)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(!result.stopped, qPrintable(describeStages(result)));
    const StageResult *peggy = findStage(result, Stage::Rcpt, u"peggy@example.com"_s);
    QVERIFY(peggy);
    QCOMPARE(peggy->outcome.action, Action::Reject);
    QCOMPARE(peggy->outcome.reply.code, answer == Preset::Reject ? 550 : 451);
    QCOMPARE(
        peggy->outcome.verdict, answer == Preset::Reject ? Verdict::Reject : Verdict::Tempfail);
    // Victor's rcpt call no longer lists peggy; data goes to the two others.
    const StageResult *victor = findStage(result, Stage::Rcpt, u"victor@example.com"_s);
    QVERIFY(victor);
    DecodeOptions options;
    options.dialect = dialect;
    const HookRequest victorRequest = decodeRequest(victor->requestBody, {}, options);
    QCOMPARE(victorRequest.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    QCOMPARE(data->outcome.action, Action::Accept);
    const HookRequest dataRequest = decodeRequest(data->requestBody, {}, options);
    QCOMPARE(dataRequest.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    QCOMPARE(result.envelopeAfter.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    QVERIFY(result.messageQueued);
    // The endpoint saw the same.
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), 7);
    QCOMPARE(hooks.constLast().stage, Stage::Data);
    QCOMPARE(hooks.constLast().recipients,
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
}

void TestReplayer::rejectOrDisconnectStops_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<Preset>("answer");
    QTest::addColumn<int>("callsMade");
    QTest::addRow("stalwart-mail-reject")
        << Dialect::Stalwart << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-01-mail-reject") << Dialect::Draft01 << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-02-mail-reject") << Dialect::Draft02 << Stage::Mail << Preset::Reject << 3;
    QTest::addRow("draft-01-ehlo-disconnect")
        << Dialect::Draft01 << Stage::Ehlo << Preset::Disconnect << 2;
    QTest::addRow("draft-01-connect-reject")
        << Dialect::Draft01 << Stage::Connect << Preset::Reject << 1;
    QTest::addRow("draft-01-rcpt-disconnect")
        << Dialect::Draft01 << Stage::Rcpt << Preset::Disconnect << 4;
    QTest::addRow("draft-01-data-reject") << Dialect::Draft01 << Stage::Data << Preset::Reject << 7;
    QTest::addRow("stalwart-data-discard")
        << Dialect::Stalwart << Stage::Data << Preset::Discard << 7;
}

void TestReplayer::rejectOrDisconnectStops()
{
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(Preset, answer);
    QFETCH(int, callsMade);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"stop"_s, {stage}, preset(answer))});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.stopped, qPrintable(describeStages(result)));
    QVERIFY2(result.stopReason.contains(stageName(stage)), qPrintable(result.stopReason));
    QCOMPARE(result.stages.size(), callsMade);
    QCOMPARE(result.stages.constLast().stage, stage);
    QCOMPARE(hookExchanges().size(), callsMade);
    QVERIFY(!result.messageQueued);
    if (answer == Preset::Disconnect)
        QCOMPARE(result.stages.constLast().outcome.action, Action::Disconnect);
}

void TestReplayer::stalwartStopsOnAnyNonAccept()
{
    // Stalwart takes discard's path for quarantine: at rcpt the recipient goes (reference §c.1).
    Rule hold = rule(u"quarantine peggy"_s, {Stage::Rcpt}, preset(Preset::Quarantine));
    hold.when.toGlob = u"peggy@*"_s;
    m_rulebook->setRules({hold});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Stalwart)));
    QCOMPARE(m_results.constFirst().envelopeAfter.recipients(),
        QStringList({u"trent@example.com"_s, u"victor@example.com"_s}));
    // The drafts' quarantine is not terminal: the recipient stays.
    init();
    m_rulebook->setRules({hold});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Draft01)));
    QCOMPARE(m_results.constFirst().envelopeAfter.to.size(), 3);
}

void TestReplayer::draftEnvelopeEditsAccumulate()
{
    // mail: the scanner rewrites the sender; rcpt: it adds a recipient. Both are in the data
    // request and in the resulting envelope.
    Rule archive = rule(u"archive"_s, {Stage::Rcpt},
        body(R"({"add":[{"path":"/envelope/to","value":)"
             R"({"address":"archive@example.com","parameters":{}}}]})"));
    archive.when.times = 1; // at the first rcpt only
    m_rulebook->setRules({
        rule(u"sender"_s, {Stage::Mail},
            body(R"({"set":[{"path":"/envelope/from/address","value":"bounces@example.org"}]})")),
        archive,
    });
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(Dialect::Draft01)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    const HookRequest request = decodeRequest(data->requestBody);
    QCOMPARE(request.envelope.from.address, u"bounces@example.org"_s);
    QCOMPARE(request.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"archive@example.com"_s, u"peggy@example.com"_s,
            u"victor@example.com"_s}));
    QCOMPARE(result.envelopeAfter.from.address, u"bounces@example.org"_s);
    QCOMPARE(result.envelopeAfter.to.size(), 4);
}

void TestReplayer::malformedAnswers_data()
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

void TestReplayer::malformedAnswers()
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

void TestReplayer::dataEditsMatchTheEngine_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addColumn<Answer>("answer");
    QTest::addColumn<QByteArray>("marker"); // in the edited message
    QTest::addRow("stalwart-add-header")
        << Dialect::Stalwart << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("stalwart-replace-body")
        << Dialect::Stalwart << Encoding::Json << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("stalwart-tag-subject") << Dialect::Stalwart << Encoding::Json
                                          << preset(Preset::TagSubject) << QByteArray("[SPAM] ");
    QTest::addRow("stalwart-hand-written")
        << Dialect::Stalwart << Encoding::Json
        << body(R"({"action":"accept","modifications":[)"
                R"({"type":"changeHeader","index":1,"name":"Subject","value":" [EXT] figures"},)"
                R"({"type":"deleteHeader","index":1,"name":"Cc"},)"
                R"({"type":"addHeader","name":"X-Scan","value":"clean"}]})")
        << QByteArray("Subject: [EXT] figures\r\n");
    QTest::addRow("draft-01-add-header")
        << Dialect::Draft01 << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-01-cbor-add-header")
        << Dialect::Draft01 << Encoding::Cbor << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-01-replace-body")
        << Dialect::Draft01 << Encoding::Json << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("draft-01-cbor-replace-body")
        << Dialect::Draft01 << Encoding::Cbor << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
    QTest::addRow("draft-01-hand-written")
        << Dialect::Draft01 << Encoding::Json
        << body(
               R"({"set":[{"path":"/message/subject","value":"[EXT] Quarterly figures"}],)"
               R"("add":[{"path":"/message/headers","value":{"name":"X-Scan","value":" clean"},"index":0}],)"
               R"("delete":[{"path":"/message/headers/2"}]})")
        << QByteArray("X-Scan: clean\r\n");
    QTest::addRow("draft-02-add-header")
        << Dialect::Draft02 << Encoding::Json << preset(Preset::AddHeader)
        << QByteArray("X-Hookscope: scanned\r\n");
    QTest::addRow("draft-02-cbor-replace-body")
        << Dialect::Draft02 << Encoding::Cbor << preset(Preset::ReplaceBody)
        << QByteArray("\r\n\r\nThis message was replaced by Hookscope.\r\n");
}

void TestReplayer::dataEditsMatchTheEngine()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    QFETCH(Answer, answer);
    QFETCH(QByteArray, marker);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    m_rulebook->setRules({rule(u"edit"_s, {Stage::Data}, answer)});
    QVERIFY(replay({MtaTest::session(u"submission.json"_s)}, target(dialect, encoding)));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    const StageResult *data = findStage(result, Stage::Data);
    QVERIFY(data);
    QVERIFY2(result.messageAfter.contains(marker), result.messageAfter.constData());
    QVERIFY(result.messageAfter != result.messageBefore);
    QVERIFY(result.messageQueued);

    // The engine, from the bytes that went over the wire: the full decoder on the request, the
    // answer as received. The replayer's message is exactly the engine's.
    DecodeOptions requestOptions;
    requestOptions.dialect = dialect;
    const HookRequest request = decodeRequest(
        data->requestBody, headerOf(data->requestHeaders, "Content-Type"), requestOptions);
    QVERIFY2(MtaTest::errorCount(request.problems) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    DecodeOptions responseOptions;
    responseOptions.requestDialect = request.dialect;
    responseOptions.requestStage = request.stage;
    if (dialect == Dialect::Draft02)
        responseOptions.dialect = Dialect::Draft02; // as `hookscope apply` reads a -02 answer
    const HookResponse response = decodeResponse(data->responseBody,
        headerOf(data->responseHeaders, "Content-Type"), data->httpStatus, responseOptions);
    const Outcome outcome = apply(request, response);
    QVERIFY2(!outcome.malformed, qPrintable(MtaTest::describe(outcome.problems)));
    QVERIFY(outcome.messageChanged);
    QCOMPARE(result.messageAfter, outcome.message);
    QCOMPARE(result.envelopeAfter.recipients(), outcome.envelope.recipients());
}

void TestReplayer::expectations()
{
    const SessionRecording accept = MtaTest::session(u"expect-accept.json"_s);
    const SessionRecording reject = MtaTest::session(u"expect-reject.json"_s);
    QVERIFY(replay({accept, reject}, target(Dialect::Stalwart)));
    QCOMPARE(m_results.at(0).expectationFailures(), 0);
    const StageResult *passed = findStage(m_results.at(0), Stage::Rcpt);
    QVERIFY(passed && passed->expected && passed->expectationFailures.isEmpty());
    QCOMPARE(m_results.at(1).expectationFailures(), 1);
    const StageResult *failed = findStage(m_results.at(1), Stage::Rcpt);
    QVERIFY(failed && failed->expected);
    QCOMPARE(failed->expectationFailures,
        QStringList({u"expected action reject, got accept"_s,
            u"expected verdict reject, got accept"_s, u"expected reply 550, got 250"_s}));
    QCOMPARE(m_summary.failedExpectations, 1);

    // Now the scanner rejects at rcpt: the second session's expectation holds; the first one's
    // fails, and its data expectation was never reached (no recipient left).
    init();
    m_rulebook->setRules({rule(u"reject"_s, {Stage::Rcpt}, preset(Preset::Reject))});
    QVERIFY(replay({accept, reject}, target(Dialect::Draft01)));
    QCOMPARE(m_results.at(1).expectationFailures(), 0);
    QCOMPARE(m_results.at(0).expectationFailures(), 2);
    const StageResult *unreached = findStage(m_results.at(0), Stage::Data);
    QVERIFY(unreached);
    QCOMPARE(unreached->attempts, 0);
    QVERIFY2(unreached->expectationFailures.constFirst().startsWith(u"not reached"_s),
        qPrintable(unreached->expectationFailures.join(u'|')));
    QVERIFY(m_results.at(0).stopped);
    QCOMPARE(m_summary.failedExpectations, 2);
}

void TestReplayer::concurrencyKeepsOrder()
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

void TestReplayer::workerThreads_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("concurrency");
    QTest::addRow("automatic") << 0 << 16;
    QTest::addRow("three") << 3 << 12;
    QTest::addRow("more-than-lanes") << 8 << 3;
}

void TestReplayer::workerThreads()
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

void TestReplayer::cancelWithWorkerThreads()
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

void TestReplayer::authentication_data()
{
    QTest::addColumn<QString>("endpointAuth");
    QTest::addColumn<QString>("replayAuth");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("accepted");
    QTest::addRow("bearer") << u"bearer:s3cret-token"_s << u"bearer:s3cret-token"_s
                            << QByteArray("Bearer s3cret-token") << true;
    QTest::addRow("basic") << u"basic:mta:pa:ss"_s << u"basic:mta:pa:ss"_s
                           << QByteArray("Basic ") + QByteArray("mta:pa:ss").toBase64() << true;
    QTest::addRow("wrong-token") << u"bearer:s3cret-token"_s << u"bearer:guess"_s
                                 << QByteArray("Bearer guess") << false;
    QTest::addRow("missing") << u"basic:mta:pass"_s << u"none"_s << QByteArray() << false;
}

void TestReplayer::authentication()
{
    QFETCH(QString, endpointAuth);
    QFETCH(QString, replayAuth);
    QFETCH(QByteArray, header);
    QFETCH(bool, accepted);
    QString error;
    auto settings = Mock::EndpointSettings::withAuth(m_endpoint->settings(), endpointAuth, &error);
    QVERIFY2(settings, qPrintable(error));
    settings->keepCredentials = true; // to see what the replayer sent
    m_endpoint->setSettings(*settings);
    for (const Dialect dialect : {Dialect::Stalwart, Dialect::Draft01}) {
        m_exchanges.clear();
        ReplayTarget t = target(dialect);
        t.auth = replayAuth;
        t.registerMta = dialect == Dialect::Draft01; // registration is authenticated too
        QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
        const ReplayResult &result = m_results.constFirst();
        QVERIFY(!m_exchanges.isEmpty());
        for (const Exchange &exchange : std::as_const(m_exchanges))
            QCOMPARE(exchange.requestHeader("Authorization"), header);
        QCOMPARE(result.allWellFormed(), accepted);
        if (accepted)
            continue;
        // 401 is not retried; the registration failed, so the run says so.
        QCOMPARE(result.stages.constFirst().httpStatus, 401);
        QCOMPARE(result.stages.constFirst().attempts, 1);
        if (dialect == Dialect::Draft01)
            QVERIFY2(result.error.contains(u"registration"_s), qPrintable(result.error));
        else
            QCOMPARE(result.stages.constFirst().outcome.reply.code, 451);
    }
    QCOMPARE(Mock::HookClient::authorizationFor(u"none"_s), QByteArray());
    QCOMPARE(Mock::HookClient::authorizationFor(u"bearer:t"_s), QByteArray("Bearer t"));
}

void TestReplayer::tlsWithInvalidCertificates()
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

void TestReplayer::summaryFigures()
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

void TestReplayer::cancelStopsQuietly()
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

QTEST_GUILESS_MAIN(TestReplayer)
#include "tst_mta_replayer.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The mock scanner's state stays bounded whatever its clients do: registrations (a cap, expiry,
// ownership), parked calls (every hang ends, no wait past an hour) and unread answers.
#include "mock/capture/capturestore.h"
#include "mock/protocol/document.h"
#include "mock/scanner/callanalysis.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <climits>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RawHttp;
using Mock::ControlPlane;
using Mock::Exchange;
using ScannerTest::fixture;

namespace {

const QByteArray plainRegistration = R"({"name":"mx1","inbound":{"stages":["rcpt"]}})";

QByteArray registrationUntil(const QDateTime &expiresAt)
{
    return R"({"name":"mx1","inbound":{"stages":["rcpt"]},"expiresAt":")"
        + expiresAt.toUTC().toString(Qt::ISODate).toUtf8() + R"("})";
}

QString errorCode(const QByteArray &body)
{
    return Document::fromJson(body).value(u"/error/code").toString();
}

ControlPlane::Reply post(ControlPlane &plane, const QByteArray &body, const QByteArray &caller = {})
{
    return *plane.handle(
        "POST", ControlPlane::registrationPath(), "application/json", {}, body, caller);
}

QString registrationId(const ControlPlane::Reply &reply)
{
    return Document::fromJson(reply.body).value(u"/registrationId").toString();
}

ControlPlane::Reply on(
    ControlPlane &plane, const QByteArray &method, const QString &id, const QByteArray &caller = {})
{
    return *plane.handle(method, ControlPlane::registrationPath() + u'/' + id, {}, {}, {}, caller);
}

// Messages of the endpoint's log, for what is only logged.
class LogWatch
{
public:
    LogWatch()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&LogWatch::handle);
    }
    ~LogWatch()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    bool contains(const QString &text) const
    {
        return std::any_of(m_messages.cbegin(), m_messages.cend(),
            [&text](const QString &message) { return message.contains(text); });
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (s_current) {
            s_current->m_messages.append(message);
            if (s_current->m_previous)
                s_current->m_previous(type, context, message);
        }
    }

    static inline LogWatch *s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    QStringList m_messages;
};

} // namespace

class TestBounds : public QObject
{
    Q_OBJECT

public:
    TestBounds()
        : m_endpoint(&m_rules)
    { }

private Q_SLOTS:
    void initTestCase();
    void init();
    void registrationCap();
    void endedRegistrationsAreForgotten();
    void registrationsExpire();
    void expiresAtIsChecked_data();
    void expiresAtIsChecked();
    void registrationsBelongToTheirCaller();
    void oversizedRegistration();
    void capAndExpiryOverHttp();
    void registrationOwnerFromCredentials();
    void waitsAreBounded_data();
    void waitsAreBounded();
    void settersClampWaits();
    void hangEnds();
    void unreadAnswersCloseTheConnection();

private:
    RawResponse request(const QByteArray &method, const QString &path, const QByteArray &body,
        const Headers &headers = {});

    Mock::Rulebook m_rules;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    QDateTime m_now;
};

void TestBounds::initTestCase()
{
    QVERIFY(m_store.open(u":memory:"_s));
    m_endpoint.setCaptureStore(&m_store);
    QVERIFY2(m_endpoint.listen(), qPrintable(m_endpoint.errorString()));
    m_now = QDateTime::currentDateTimeUtc();
    m_endpoint.controlPlane().setClock([this] { return m_now; });
}

void TestBounds::init()
{
    m_rules.setRules({});
    m_rules.setMtaTimeoutMs(30000);
    Mock::EndpointSettings settings;
    settings.port = m_endpoint.serverPort();
    m_endpoint.setSettings(settings);
}

RawResponse TestBounds::request(
    const QByteArray &method, const QString &path, const QByteArray &body, const Headers &headers)
{
    RawClient client(m_endpoint.serverPort());
    if (!client.waitConnected())
        return {};
    client.send(rawRequest(method, path.toUtf8(), headers, body));
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

void TestBounds::registrationCap()
{
    ControlPlane plane;
    plane.setMaxRegistrations(2);
    QCOMPARE(plane.discoveryDocument().value(u"limits"_s).toObject().value(u"maxRegistrations"_s),
        QJsonValue(2));
    const ControlPlane::Reply first = post(plane, plainRegistration);
    QCOMPARE(first.httpStatus, 201);
    QCOMPARE(post(plane, plainRegistration).httpStatus, 201);
    // draft-01's error for a scanner that takes no more registrations.
    const ControlPlane::Reply full = post(plane, plainRegistration);
    QCOMPARE(full.httpStatus, 409);
    QCOMPARE(errorCode(full.body), u"REGISTRATION_LIMIT_REACHED"_s);
    QVERIFY(!full.problems.isEmpty());
    QCOMPARE(plane.registrations().size(), 2);
    // A deregistered one no longer counts.
    QCOMPARE(on(plane, "DELETE", registrationId(first)).httpStatus, 200);
    QCOMPARE(post(plane, plainRegistration).httpStatus, 201);
    QCOMPARE(post(plane, plainRegistration).httpStatus, 409);
    // ...but still answers 410 to hook calls.
    const auto refusal = plane.refuseHook(registrationId(first));
    QVERIFY(refusal);
    QCOMPARE(refusal->httpStatus, 410);
}

void TestBounds::endedRegistrationsAreForgotten()
{
    ControlPlane plane;
    plane.setMaxRegistrations(3);
    QStringList ids;
    for (int i = 0; i < 20; ++i) {
        const ControlPlane::Reply reply = post(plane, plainRegistration);
        QCOMPARE(reply.httpStatus, 201);
        ids.append(registrationId(reply));
        QCOMPARE(on(plane, "DELETE", ids.last()).httpStatus, 200);
    }
    QCOMPARE(plane.registrations().size(), 3); // the last three deregistered
    QCOMPARE(plane.refuseHook(ids.last())->httpStatus, 410);
    QVERIFY(!plane.refuseHook(ids.first())); // forgotten: an unknown id, as for a manual MTA
    QCOMPARE(on(plane, "GET", ids.first()).httpStatus, 404);
}

void TestBounds::registrationsExpire()
{
    QDateTime now = QDateTime::currentDateTimeUtc();
    ControlPlane plane;
    plane.setClock([&now] { return now; });
    plane.setMaxRegistrations(1);
    const ControlPlane::Reply created = post(plane, registrationUntil(now.addSecs(60)));
    QCOMPARE(created.httpStatus, 201);
    const QString id = registrationId(created);
    QCOMPARE(on(plane, "GET", id).httpStatus, 200);
    QVERIFY(!plane.refuseHook(id));
    QVERIFY(plane.registration(id));

    now = now.addSecs(61);
    QVERIFY(!plane.registration(id));
    QVERIFY(plane.registrations().isEmpty());
    const auto refusal = plane.refuseHook(id);
    QVERIFY(refusal);
    QCOMPARE(refusal->httpStatus, 404);
    QCOMPARE(errorCode(refusal->body), u"REGISTRATION_NOT_FOUND"_s);
    const ControlPlane::Reply status = on(plane, "GET", id);
    QCOMPARE(status.httpStatus, 404);
    QCOMPARE(errorCode(status.body), u"REGISTRATION_NOT_FOUND"_s);
    QVERIFY(
        Document::fromJson(status.body).value(u"/error/message").toString().contains(u"expired"_s));
    QCOMPARE(on(plane, "DELETE", id).httpStatus, 404);
    // Its place is free again.
    QCOMPARE(post(plane, plainRegistration).httpStatus, 201);
}

void TestBounds::expiresAtIsChecked_data()
{
    QTest::addColumn<QByteArray>("expiresAt"); // the JSON value
    QTest::addColumn<int>("status");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QTest::addRow("null") << QByteArray("null") << 201;
    QTest::addRow("future") << "\"" + now.addDays(1).toString(Qt::ISODate).toUtf8() + "\"" << 201;
    QTest::addRow("past") << "\"" + now.addSecs(-1).toString(Qt::ISODate).toUtf8() + "\"" << 400;
    QTest::addRow("not a date") << QByteArray("\"tomorrow\"") << 400;
    QTest::addRow("a number") << QByteArray("1893456000") << 400;
}

void TestBounds::expiresAtIsChecked()
{
    QFETCH(QByteArray, expiresAt);
    QFETCH(int, status);
    ControlPlane plane;
    const ControlPlane::Reply reply = post(
        plane, R"({"name":"mx1","inbound":{"stages":["rcpt"]},"expiresAt":)" + expiresAt + "}");
    QCOMPARE(reply.httpStatus, status);
    if (status == 400)
        QCOMPARE(errorCode(reply.body), u"INVALID_REQUEST"_s);
    QCOMPARE(plane.registrations().size(), status == 201 ? 1 : 0);
}

void TestBounds::registrationsBelongToTheirCaller()
{
    ControlPlane plane;
    const QByteArray alice = QByteArray(32, 'a');
    const QByteArray bob = QByteArray(32, 'b');
    const QString id = registrationId(post(plane, plainRegistration, alice));
    QVERIFY(!id.isEmpty());
    for (const QByteArray &method : {QByteArray("GET"), QByteArray("DELETE")}) {
        for (const QByteArray &other : {bob, QByteArray()}) {
            const ControlPlane::Reply refused = on(plane, method, id, other);
            QCOMPARE(refused.httpStatus, 403);
            QCOMPARE(errorCode(refused.body), u"REGISTRATION_MISMATCH"_s);
        }
    }
    QCOMPARE(plane.registration(id)->status, u"active"_s); // the DELETEs changed nothing
    QCOMPARE(plane.refuseHook(id, bob)->httpStatus, 403);
    QVERIFY(!plane.refuseHook(id, alice));
    QCOMPARE(on(plane, "GET", id, alice).httpStatus, 200);
    QCOMPARE(on(plane, "DELETE", id, alice).httpStatus, 200);
    QCOMPARE(plane.refuseHook(id, bob)->httpStatus, 403); // not even whether it ended
    QCOMPARE(plane.refuseHook(id, alice)->httpStatus, 410);

    // Made without credentials (none checked): anyone's.
    const QString open = registrationId(post(plane, plainRegistration));
    QCOMPARE(on(plane, "GET", open, bob).httpStatus, 200);
    QVERIFY(!plane.refuseHook(open, bob));
}

void TestBounds::oversizedRegistration()
{
    ControlPlane plane;
    QByteArray body = plainRegistration;
    body.insert(1, R"("metadata":{"x":")" + QByteArray(70 * 1024, 'x') + "\"},");
    const ControlPlane::Reply reply = post(plane, body);
    QCOMPARE(reply.httpStatus, 413);
    QCOMPARE(errorCode(reply.body), u"REQUEST_TOO_LARGE"_s);
    QVERIFY(plane.registrations().isEmpty());
}

void TestBounds::capAndExpiryOverHttp()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.maxRegistrations = 1;
    m_endpoint.setSettings(settings);
    const Headers json {{"Content-Type", "application/json"}};
    const RawResponse discovery = request("GET", ControlPlane::discoveryPath(), {});
    QCOMPARE(Document::fromJson(discovery.body).value(u"/limits/maxRegistrations").toInteger(),
        qint64(1));

    const RawResponse created = request(
        "POST", ControlPlane::registrationPath(), registrationUntil(m_now.addSecs(60)), json);
    QCOMPARE(created.status, 201);
    const QByteArray id
        = Document::fromJson(created.body).value(u"/registrationId").toString().toUtf8();
    const RawResponse full
        = request("POST", ControlPlane::registrationPath(), plainRegistration, json);
    QCOMPARE(full.status, 409);
    QCOMPARE(errorCode(full.body), u"REGISTRATION_LIMIT_REACHED"_s);

    const Headers hook
        = json + Headers {{"X-MTA-Hooks-Registration", id}, {"X-MTA-Hooks-Request-Id", "b-1"}};
    QCOMPARE(request("POST", u"/hook"_s, fixture(u"draft01/rcpt.json"_s), hook).status, 200);

    m_now = m_now.addSecs(61);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const RawResponse gone = request("POST", u"/hook"_s, fixture(u"draft01/rcpt.json"_s), hook);
    QCOMPARE(gone.status, 404);
    QCOMPARE(errorCode(gone.body), u"REGISTRATION_NOT_FOUND"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!captured.isEmpty(), Patience);
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.httpStatus, 404);
    QCOMPARE(e.verdict, Verdict::Error);
    QCOMPARE(e.stage, Stage::Rcpt); // decoded all the same: the call is data
    QCOMPARE(
        request("GET", ControlPlane::registrationPath() + u'/' + QString::fromUtf8(id), {}).status,
        404);
    QCOMPARE(
        request("POST", ControlPlane::registrationPath(), plainRegistration, json).status, 201);
}

void TestBounds::registrationOwnerFromCredentials()
{
    QString error;
    const auto settings
        = Mock::EndpointSettings::withAuth(m_endpoint.settings(), u"bearer:tok-1"_s, &error);
    QVERIFY2(settings, qPrintable(error));
    m_endpoint.setSettings(*settings);
    const Headers headers {{"Content-Type", "application/json"}, {"Authorization", "Bearer tok-1"}};
    const RawResponse created
        = request("POST", ControlPlane::registrationPath(), plainRegistration, headers);
    QCOMPARE(created.status, 201);
    const QString id = Document::fromJson(created.body).value(u"/registrationId").toString();
    const auto registration = m_endpoint.controlPlane().registration(id);
    QVERIFY(registration);
    QCOMPARE(registration->owner, Mock::callerIdentity(*settings, headers));
    QVERIFY(!registration->owner.isEmpty());
    QVERIFY(!registration->owner.contains("tok-1")); // a digest, not the secret
    QCOMPARE(request("GET", ControlPlane::registrationPath() + u'/' + id, {}, headers).status, 200);
}

void TestBounds::waitsAreBounded_data()
{
    QTest::addColumn<QByteArray>("members"); // added to a valid rules file
    QTest::addColumn<QString>("error"); // "" when valid
    QTest::addRow("hold timeout negative")
        << QByteArray(R"("holdTimeoutMs":-1)") << u"holdTimeoutMs must be"_s;
    QTest::addRow("hold timeout text")
        << QByteArray(R"("holdTimeoutMs":"30000")") << u"holdTimeoutMs must be"_s;
    QTest::addRow("hold timeout fraction")
        << QByteArray(R"("holdTimeoutMs":2.5)") << u"holdTimeoutMs must be"_s;
    QTest::addRow("mta timeout huge")
        << QByteArray(R"("mtaTimeoutMs":1e12)") << u"mtaTimeoutMs must be"_s;
    QTest::addRow("mta timeout past an hour")
        << QByteArray(R"("mtaTimeoutMs":3600001)") << u"mtaTimeoutMs must be"_s;
    QTest::addRow("an hour") << QByteArray(R"("mtaTimeoutMs":3600000,"holdTimeoutMs":0)")
                             << QString();
    QTest::addRow("delay negative")
        << QByteArray(R"("rules":[{"answer":{"preset":"accept","delay":{"ms":-5}}}])")
        << u"rules/0: delay.ms must be"_s;
    QTest::addRow("delay min negative")
        << QByteArray(R"("rules":[{"answer":{"preset":"accept","delay":{"min":-1,"max":5}}}])")
        << u"rules/0: delay.min must be"_s;
    QTest::addRow("default delay max huge")
        << QByteArray(R"("defaults":{"data":{"preset":"accept","delay":{"min":1,"max":7200000}}})")
        << u"defaults/data: delay.max must be"_s;
    QTest::addRow("delay fine") << QByteArray(
        R"("rules":[{"answer":{"preset":"accept","delay":{"ms":3600000}}}])")
                                << QString();
}

void TestBounds::waitsAreBounded()
{
    QFETCH(QByteArray, members);
    QFETCH(QString, error);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile file(dir.filePath(u"rules.json"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format":"hookscope-rules","version":1,)" + members + "}");
    file.close();
    Mock::Rulebook rules;
    rules.setHoldTimeoutMs(1234);
    QString message;
    const bool loaded = rules.load(file.fileName(), &message);
    QCOMPARE(loaded, error.isEmpty());
    if (!error.isEmpty()) {
        QVERIFY2(message.startsWith(error), qPrintable(message));
        QVERIFY(message.contains(u"3600000"_s));
        QCOMPARE(rules.holdTimeoutMs(), 1234); // all or nothing
    }
}

void TestBounds::settersClampWaits()
{
    Mock::Rulebook rules;
    rules.setHoldTimeoutMs(-5);
    QCOMPARE(rules.holdTimeoutMs(), 0);
    rules.setMtaTimeoutMs(INT_MAX);
    QCOMPARE(rules.mtaTimeoutMs(), Mock::MaxWaitMs);
    Mock::Answer answer;
    answer.delay = {Mock::Delay::Kind::Fixed, INT_MAX, 0, 0};
    QCOMPARE(rules.delayMs(answer), qint64(Mock::MaxWaitMs));
    answer.delay = {Mock::Delay::Kind::Random, 0, -10, -5};
    QCOMPARE(rules.delayMs(answer), qint64(0));
    rules.setMtaTimeoutMs(30000);
    QCOMPARE(rules.hangLimitMs(), 35000);
    rules.setMtaTimeoutMs(0);
    QCOMPARE(rules.hangLimitMs(), 1000);
}

void TestBounds::hangEnds()
{
    m_rules.setMtaTimeoutMs(200); // the call ends 1.2 s after it came
    Mock::Rule hang;
    hang.name = u"hang"_s;
    hang.answer.fault = Mock::Fault::Hang;
    m_rules.setRules({hang});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    RawClient client(m_endpoint.serverPort());
    QVERIFY(client.waitConnected());
    QElapsedTimer clock;
    clock.start();
    client.send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/mail.json"_s)));
    // This client never gives up; the scanner ends the call.
    QVERIFY(client.waitClosed());
    QVERIFY2(clock.elapsed() >= 1000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(client.received.isEmpty()); // no answer, not even a partial one
    QTRY_COMPARE_WITH_TIMEOUT(captured.count(), 1, Patience);
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.fault, u"hang"_s);
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QVERIFY2(e.note.contains(u"hung for 1200 ms"_s), qPrintable(e.note));
    QVERIFY(e.latencyUs >= 1000 * 1000);
    const auto stored = m_store.load(e.id);
    QVERIFY(stored);
    QCOMPARE(stored->fault, u"hang"_s);
}

void TestBounds::unreadAnswersCloseTheConnection()
{
    // Big answers, so that a few fill every buffer between the two ends.
    Mock::Rule big;
    big.name = u"big"_s;
    big.answer.kind = Mock::Answer::Kind::Body;
    big.answer.body = R"({"action":"accept","padding":")" + QByteArray(1024 * 1024, 'p') + "\"}";
    m_rules.setRules({big});
    LogWatch log;
    QTcpSocket client;
    // Qt stops taking bytes from the kernel once this much is buffered: the client reads nothing
    // more, so the scanner's kernel buffers and then its own outgoing buffer fill up.
    client.setReadBufferSize(4096);
    client.connectToHost(QHostAddress::LocalHost, m_endpoint.serverPort());
    QVERIFY(client.waitForConnected(Patience));
    constexpr int calls = 60; // 60 MB of answers: far past any buffer
    const QByteArray one = rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/rcpt.json"_s));
    client.write(one.repeated(calls));
    QTRY_VERIFY_WITH_TIMEOUT(log.contains(u"bytes of answers unread"_s), Patience);
    // Reading now, the client finds its connection gone before all the answers came.
    client.setReadBufferSize(0);
    QByteArray received;
    QObject::connect(&client, &QTcpSocket::readyRead, &client,
        [&client, &received] { received += client.readAll(); });
    received += client.readAll();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, Patience);
    received += client.readAll();
    QVERIFY(takeResponses(received).size() < calls);
    // The endpoint is fine for others.
    QCOMPARE(request("POST", u"/hook"_s, fixture(u"stalwart/rcpt.json"_s),
                 {{"Content-Type", "application/json"}})
                 .status,
        200);
}

QTEST_GUILESS_MAIN(TestBounds)
#include "tst_scanner_bounds.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "mock/protocol/document.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/scannertest.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ControlPlane;
using Mock::Exchange;
using Mock::ExchangeKind;

namespace {

constexpr int Patience = 60000;
using Headers = QList<QPair<QByteArray, QByteArray>>;

struct HttpResult
{
    int status = -1;
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
    Document document() const
    {
        return header("Content-Type") == "application/cbor" ? Document::fromCbor(body)
                                                            : Document::fromJson(body);
    }
};

const QByteArray registrationJson = R"({"name":"mx1.example.com","version":"0.16.19",
    "timeoutMs":5000,"expiresAt":"2099-01-01T00:00:00Z","serialization":"json",
    "inbound":{"stages":["mail","rcpt","data"],"properties":["/envelope","/rawMessage"]},
    "outbound":{"stages":["delivery"]},"filter":null,"metadata":{"site":"ams"}})";

bool isUtcDate(const QString &text)
{
    return text.endsWith(u'Z') && QDateTime::fromString(text, Qt::ISODate).isValid();
}

} // namespace

class TestControlPlane : public QObject
{
    Q_OBJECT

public:
    TestControlPlane()
        : m_endpoint(&m_rules)
    { }

private Q_SLOTS:
    void initTestCase();
    void init();
    void discovery_data();
    void discovery();
    void discoveryIsGetOnly();
    void registration_data();
    void registration();
    void statusCountsInvocations();
    void deregistration();
    void unknownRegistrations_data();
    void unknownRegistrations();
    void registrationErrors_data();
    void registrationErrors();
    void missingNameIsAProblem();
    void errorBodyShape();
    void hookPathNamesItsRegistration();

private:
    HttpResult send(const QByteArray &method, const QString &pathOrUrl, const QByteArray &body = {},
        const Headers &headers = {});
    // Registers and returns the registration document.
    Document registerMta(const QByteArray &body = registrationJson, bool cbor = false);

    Mock::Rulebook m_rules;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    QNetworkAccessManager m_nam;
};

void TestControlPlane::initTestCase()
{
    QVERIFY(m_store.open(u":memory:"_s));
    m_endpoint.setCaptureStore(&m_store);
    QVERIFY2(m_endpoint.listen(), qPrintable(m_endpoint.errorString()));
    m_nam.setProxy(QNetworkProxy::NoProxy);
}

void TestControlPlane::init()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.port = m_endpoint.serverPort();
    settings.bodyLimit = 12345678;
    m_rules.setMtaTimeoutMs(7000);
    m_endpoint.setSettings(settings);
}

HttpResult TestControlPlane::send(const QByteArray &method, const QString &pathOrUrl,
    const QByteArray &body, const Headers &headers)
{
    const QUrl url
        = pathOrUrl.startsWith(u"http"_s) ? QUrl(pathOrUrl) : QUrl(m_endpoint.url() + pathOrUrl);
    QNetworkRequest request(url);
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
    result.headers = reply->rawHeaderPairs();
    result.body = reply->readAll();
    return result;
}

Document TestControlPlane::registerMta(const QByteArray &body, bool cbor)
{
    const HttpResult result
        = send("POST", ControlPlane::registrationPath(), cbor ? ScannerTest::asCbor(body) : body,
            {{"Content-Type", cbor ? "application/cbor" : "application/json"}});
    if (result.status != 201)
        qWarning("registration answered %d: %s", result.status, result.body.constData());
    return result.document();
}

void TestControlPlane::discovery_data()
{
    QTest::addColumn<QByteArray>("accept");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addRow("no Accept") << QByteArray() << QByteArray("application/json");
    QTest::addRow("json") << QByteArray("application/json") << QByteArray("application/json");
    QTest::addRow("cbor") << QByteArray("application/cbor") << QByteArray("application/cbor");
    QTest::addRow("cbor preferred")
        << QByteArray("application/cbor, application/json;q=0.5") << QByteArray("application/cbor");
    QTest::addRow("unsupported falls back")
        << QByteArray("text/html") << QByteArray("application/json");
}

void TestControlPlane::discovery()
{
    QFETCH(QByteArray, accept);
    QFETCH(QByteArray, contentType);

    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    Headers headers;
    if (!accept.isEmpty())
        headers.append({"Accept", accept});
    const HttpResult result = send("GET", ControlPlane::discoveryPath(), {}, headers);
    QCOMPARE(result.status, 200);
    QCOMPARE(result.header("Content-Type"), contentType);
    const Document doc = result.document();
    QVERIFY(doc.isObject());
    QCOMPARE(doc.value(u"/version").toString(), u"1.0"_s);
    QCOMPARE(doc.value(u"/endpoints/registration").toString(), u"/v1/hooks/register"_s);
    QCOMPARE(doc.value(u"/endpoints/deregistration").toString(),
        u"/v1/hooks/register/{registration_id}"_s);
    QCOMPARE(doc.value(u"/serialization").toDisplayString(), u"[\"json\",\"cbor\"]"_s);
    QCOMPARE(doc.value(u"/capabilities/inbound/stages").toDisplayString(),
        u"[\"connect\",\"ehlo\",\"mail\",\"rcpt\",\"data\"]"_s);
    QCOMPARE(doc.value(u"/capabilities/inbound/actions").toDisplayString(),
        u"[\"accept\",\"reject\",\"discard\",\"quarantine\",\"disconnect\"]"_s);
    QCOMPARE(doc.value(u"/capabilities/outbound/actions").toDisplayString(),
        u"[\"continue\",\"cancel\"]"_s);
    QVERIFY(doc.value(u"/capabilities/outbound/stages").toDisplayString().contains(u"\"dsn\""_s));
    QVERIFY(doc.value(u"/capabilities/inbound/fetchProperties").isArray());
    QVERIFY(doc.value(u"/capabilities/inbound/updateProperties").isArray());
    QCOMPARE(doc.value(u"/limits/maxMessageSize").toInteger(), qint64(12345678));
    QCOMPARE(doc.value(u"/limits/timeoutMs").toInteger(), qint64(7000));
    QCOMPARE(doc.value(u"/limits/maxRegistrations").toInteger(), qint64(1000));
    QVERIFY(doc.value(u"/extensions").isNull());

    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.kind, ExchangeKind::Discovery);
    QCOMPARE(e.httpStatus, 200);
    QCOMPARE(e.ruleName, u"control plane"_s);
    QCOMPARE(e.responseBody, result.body);
    QVERIFY(m_store.load(e.id));
}

void TestControlPlane::discoveryIsGetOnly()
{
    const HttpResult result
        = send("POST", ControlPlane::discoveryPath(), "{}", {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 405);
    QCOMPARE(result.document().value(u"/error/code").toString(), u"INVALID_REQUEST"_s);
}

void TestControlPlane::registration_data()
{
    QTest::addColumn<bool>("cbor");
    QTest::addRow("json") << false;
    QTest::addRow("cbor") << true;
}

void TestControlPlane::registration()
{
    QFETCH(bool, cbor);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = send("POST", ControlPlane::registrationPath(),
        cbor ? ScannerTest::asCbor(registrationJson) : registrationJson,
        {{"Content-Type", cbor ? "application/cbor" : "application/json"}});
    QCOMPARE(result.status, 201);
    QCOMPARE(result.header("Content-Type"),
        cbor ? QByteArray("application/cbor") : QByteArray("application/json"));
    const Document doc = result.document();
    const QString id = doc.value(u"/registrationId").toString();
    QVERIFY2(QRegularExpression(u"^[A-Za-z0-9_:-]{1,255}$"_s).match(id).hasMatch(), qPrintable(id));
    QCOMPARE(result.header("Location"), (u"/v1/hooks/register/"_s + id).toUtf8());
    QCOMPARE(doc.value(u"/status").toString(), u"active"_s);
    QVERIFY(isUtcDate(doc.value(u"/createdAt").toString()));
    QCOMPARE(doc.value(u"/expiresAt").toString(), u"2099-01-01T00:00:00Z"_s);
    // hookEndpoint is relative: resolved against the registration URL.
    const QString hookEndpoint = doc.value(u"/hookEndpoint").toString();
    QVERIFY(QUrl(hookEndpoint).isRelative());
    const QUrl registrationUrl(m_endpoint.url() + ControlPlane::registrationPath());
    const QUrl resolved = registrationUrl.resolved(QUrl(hookEndpoint));
    QCOMPARE(resolved.path(), u"/v1/hooks/invoke/"_s + id);
    QCOMPARE(resolved.port(), int(m_endpoint.serverPort()));
    QCOMPARE(doc.value(u"/negotiated/serialization").toString(), u"json"_s);
    QCOMPARE(doc.value(u"/negotiated/inbound/stages").toDisplayString(),
        u"[\"mail\",\"rcpt\",\"data\"]"_s);
    QCOMPARE(doc.value(u"/negotiated/inbound/properties").toDisplayString(),
        u"[\"/envelope\",\"/rawMessage\"]"_s);
    QCOMPARE(doc.value(u"/negotiated/outbound/stages").toDisplayString(), u"[\"delivery\"]"_s);
    QCOMPARE(
        doc.value(u"/endpoints/status").toString(), QString::fromUtf8(result.header("Location")));
    QCOMPARE(doc.value(u"/endpoints/deregistration").toString(),
        QString::fromUtf8(result.header("Location")));

    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.kind, ExchangeKind::Registration);
    QCOMPARE(e.httpStatus, 201);
    QCOMPARE(e.errorCount(), 0);
    QVERIFY(m_endpoint.controlPlane().registration(id));
    QCOMPARE(m_endpoint.controlPlane().registration(id)->name, u"mx1.example.com"_s);

    // The resolved hook endpoint takes hook calls for this registration.
    const HttpResult hook
        = send("POST", resolved.toString(), ScannerTest::fixture(u"draft01/rcpt.json"_s),
            {{"Content-Type", "application/json"}, {"X-MTA-Hooks-Registration", id.toUtf8()},
                {"X-MTA-Hooks-Request-Id", "r-" + id.toUtf8()}});
    QCOMPARE(hook.status, 200);
    QCOMPARE(captured.last().first().value<Exchange>().errorCount(), 0);
}

void TestControlPlane::statusCountsInvocations()
{
    const Document doc = registerMta();
    const QString id = doc.value(u"/registrationId").toString();
    const QString statusPath = doc.value(u"/endpoints/status").toString();
    const HttpResult fresh = send("GET", statusPath);
    QCOMPARE(fresh.status, 200);
    Document status = fresh.document();
    QCOMPARE(status.value(u"/registrationId").toString(), id);
    QCOMPARE(status.value(u"/status").toString(), u"active"_s);
    QVERIFY(isUtcDate(status.value(u"/createdAt").toString()));
    QVERIFY(status.value(u"/lastInvocation").isNull());
    for (const QString &counter : {u"invocations"_s, u"errors"_s}) {
        for (const QString &span : {u"total"_s, u"last24h"_s, u"last7d"_s, u"last30d"_s})
            QCOMPARE(status.value(QString(u"/statistics/"_s + counter + u'/' + span)).toInteger(),
                qint64(0));
    }
    QVERIFY(status.value(u"/statistics/averageResponseMs").isNumber());
    QCOMPARE(status.value(u"/health/status").toString(), u"healthy"_s);
    QVERIFY(isUtcDate(status.value(u"/health/lastCheck").toString()));
    QCOMPARE(status.value(u"/health/consecutiveFailures").toInteger(), qint64(0));

    // Two hook calls, one of them failing (a malformed body is answered 400).
    const Headers headers {{"Content-Type", "application/json"},
        {"X-MTA-Hooks-Registration", id.toUtf8()}, {"X-MTA-Hooks-Request-Id", "s1"}};
    QCOMPARE(send("POST", u"/hook"_s, ScannerTest::fixture(u"draft01/mail.json"_s), headers).status,
        200);
    QCOMPARE(
        send("POST", doc.value(u"/hookEndpoint").toString(), "{\"stage\":", headers).status, 400);
    status = send("GET", statusPath).document();
    QCOMPARE(status.value(u"/statistics/invocations/total").toInteger(), qint64(2));
    QCOMPARE(status.value(u"/statistics/errors/total").toInteger(), qint64(1));
    QVERIFY(isUtcDate(status.value(u"/lastInvocation").toString()));
    QVERIFY(status.value(u"/statistics/averageResponseMs").toDouble() > 0);
}

void TestControlPlane::deregistration()
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const Document doc = registerMta(registrationJson, true);
    const QString id = doc.value(u"/registrationId").toString();
    const QString path = doc.value(u"/endpoints/deregistration").toString();
    const HttpResult gone = send("DELETE", path);
    QCOMPARE(gone.status, 200);
    QCOMPARE(gone.document().value(u"/registrationId").toString(), id);
    QCOMPARE(gone.document().value(u"/status").toString(), u"deregistered"_s);
    QVERIFY(isUtcDate(gone.document().value(u"/deregisteredAt").toString()));
    QCOMPARE(captured.last().first().value<Exchange>().kind, ExchangeKind::Deregistration);

    // Twice: 410.
    const HttpResult again = send("DELETE", path);
    QCOMPARE(again.status, 410);
    QCOMPARE(again.document().value(u"/error/code").toString(), u"REGISTRATION_DEREGISTERED"_s);
    // Status still answers, and says so.
    const HttpResult status = send("GET", doc.value(u"/endpoints/status").toString());
    QCOMPARE(status.status, 200);
    QCOMPARE(status.document().value(u"/status").toString(), u"deregistered"_s);
    // No new hook calls for it: 410, recorded.
    const HttpResult hook = send("POST", doc.value(u"/hookEndpoint").toString(),
        ScannerTest::fixture(u"draft01/rcpt.json"_s),
        {{"Content-Type", "application/json"}, {"X-MTA-Hooks-Registration", id.toUtf8()},
            {"X-MTA-Hooks-Request-Id", "after-1"}});
    QCOMPARE(hook.status, 410);
    QCOMPARE(hook.document().value(u"/error/code").toString(), u"REGISTRATION_DEREGISTERED"_s);
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.kind, ExchangeKind::Hook);
    QCOMPARE(e.httpStatus, 410);
    QCOMPARE(e.stage, Stage::Rcpt);
    QCOMPARE(e.verdict, Verdict::Error);
    // The registration named by the path alone is enough.
    QCOMPARE(
        send("POST", doc.value(u"/hookEndpoint").toString(),
            ScannerTest::fixture(u"draft01/rcpt.json"_s), {{"Content-Type", "application/json"}})
            .status,
        410);
}

void TestControlPlane::unknownRegistrations_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addRow("status") << QByteArray("GET") << 404 << u"REGISTRATION_NOT_FOUND"_s;
    QTest::addRow("deregistration") << QByteArray("DELETE") << 404 << u"REGISTRATION_NOT_FOUND"_s;
    QTest::addRow("other method") << QByteArray("PUT") << 405 << u"INVALID_REQUEST"_s;
}

void TestControlPlane::unknownRegistrations()
{
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QString, code);
    const HttpResult result = send(method, u"/v1/hooks/register/reg_nobody"_s);
    QCOMPARE(result.status, status);
    QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(result.document().value(u"/error/code").toString(), code);
    QVERIFY(!result.document().value(u"/error/message").toString().isEmpty());
}

void TestControlPlane::registrationErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("code");

    QTest::addRow("not json") << QByteArray("name=mx") << QByteArray("application/json")
                              << u"INVALID_REQUEST"_s;
    QTest::addRow("not cbor") << QByteArray("{}") << QByteArray("application/cbor")
                              << u"INVALID_REQUEST"_s;
    QTest::addRow("array") << QByteArray("[]") << QByteArray("application/json")
                           << u"INVALID_REQUEST"_s;
    QTest::addRow("serialization")
        << QByteArray(R"({"name":"mx","serialization":"xml","inbound":{"stages":["rcpt"]}})")
        << QByteArray("application/json") << u"CAPABILITY_MISMATCH"_s;
    QTest::addRow("inbound stage") << QByteArray(R"({"name":"mx","inbound":{"stages":["helo"]}})")
                                   << QByteArray("application/json") << u"INVALID_STAGE"_s;
    QTest::addRow("outbound stage") << QByteArray(R"({"name":"mx","outbound":{"stages":["rcpt"]}})")
                                    << QByteArray("application/json") << u"INVALID_STAGE"_s;
    QTest::addRow("no stages") << QByteArray(
        R"({"name":"mx","inbound":{"stages":[]},"outbound":null})")
                               << QByteArray("application/json") << u"NO_STAGES_REQUESTED"_s;
    QTest::addRow("no direction") << QByteArray(R"({"name":"mx"})")
                                  << QByteArray("application/json") << u"NO_STAGES_REQUESTED"_s;
}

void TestControlPlane::registrationErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, code);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const qsizetype before = m_endpoint.controlPlane().registrations().size();
    const HttpResult result
        = send("POST", ControlPlane::registrationPath(), body, {{"Content-Type", contentType}});
    QCOMPARE(result.status, 400);
    QCOMPARE(result.document().value(u"/error/code").toString(), code);
    QCOMPARE(m_endpoint.controlPlane().registrations().size(), before);
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.kind, ExchangeKind::Registration);
    QCOMPARE(e.verdict, Verdict::Error);
    QVERIFY(e.errorCount() > 0);
    QCOMPARE(e.requestBody, body);
}

void TestControlPlane::missingNameIsAProblem()
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = send("POST", ControlPlane::registrationPath(),
        R"({"inbound":{"stages":["data"]}})", {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 201); // lenient, but the exchange says what is wrong
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.errorCount(), 1);
    QCOMPARE(e.problems.first().pointer, u"/name"_s);
    QVERIFY(result.document().value(u"/expiresAt").isNull());
    QVERIFY(result.document().value(u"/negotiated/outbound").isNull());
}

void TestControlPlane::errorBodyShape()
{
    // {"error":{"code","message"}} and nothing else (reference §d.2).
    const Document error
        = Document::fromJson(Mock::errorBody(u"RATE_LIMITED"_s, u"slow \"down\""_s));
    QCOMPARE(error.keys(), QStringList {u"error"_s});
    QCOMPARE(error.value(u"/error").keys(), (QStringList {u"code"_s, u"message"_s}));
    QCOMPARE(error.value(u"/error/message").toString(), u"slow \"down\""_s);

    // The control plane without HTTP: hook paths are not its business.
    ControlPlane plane;
    QVERIFY(!plane.handle("POST", u"/v1/hooks/invoke/x"_s, "application/json", {}, "{}"));
    QVERIFY(!plane.handle("POST", u"/hook"_s, "application/json", {}, "{}"));
    QCOMPARE(plane.handle("GET", ControlPlane::discoveryPath(), {}, {}, {})->httpStatus, 200);
    QCOMPARE(plane.handle("HEAD", ControlPlane::discoveryPath(), {}, {}, {})->httpStatus, 200);
    QCOMPARE(plane.handle("GET", ControlPlane::registrationPath(), {}, {}, {})->httpStatus, 405);
}

void TestControlPlane::hookPathNamesItsRegistration()
{
    QCOMPARE(ControlPlane::registrationFromHookPath(u"/v1/hooks/invoke/reg_1"_s), u"reg_1"_s);
    QCOMPARE(ControlPlane::registrationFromHookPath(u"/v1/hooks/invoke/reg_1?x=y"_s), u"reg_1"_s);
    QCOMPARE(ControlPlane::registrationFromHookPath(u"/hook"_s), QString());

    // A header naming another registration than the path is a problem on the exchange.
    const Document doc = registerMta();
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = send("POST", doc.value(u"/hookEndpoint").toString(),
        ScannerTest::fixture(u"draft01/mail.json"_s),
        {{"Content-Type", "application/json"}, {"X-MTA-Hooks-Registration", "reg_other"},
            {"X-MTA-Hooks-Request-Id", "m-1"}});
    QCOMPARE(result.status, 200);
    const Exchange e = captured.last().first().value<Exchange>();
    QCOMPARE(e.errorCount(), 1);
    QVERIFY2(
        e.problems.first().message.contains(u"does not match the hook endpoint's registration"_s),
        qPrintable(e.problems.first().message));
}

QTEST_GUILESS_MAIN(TestControlPlane)
#include "tst_scanner_controlplane.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The endpoint in both modes (EndpointSettings::strict): strict refuses what breaks a draft MUST
// with the drafts' error answers (protocol reference §d.2) and answers retries alike; the lenient
// default answers and records the problem. Every call is captured either way.
#include "mock/protocol/document.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/hookendpoint.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/scannertest.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ControlPlane;
using Mock::Exchange;
using ScannerTest::fixture;
using namespace EndpointTest;

namespace {

const QByteArray registrationJson = R"({"name":"mx1.example.com","version":"1",
    "timeoutMs":5000,"serialization":"json",
    "inbound":{"stages":["connect","mail","rcpt","data"],"properties":["/envelope","/rawMessage"]}})";

QString errorCode(const HttpResult &result)
{
    return Document::fromJson(result.body).value(u"/error/code").toString();
}

} // namespace

class TestScannerStrict : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init()
    {
        resetEndpoint();
        setStrict(true);
    }
    void cleanupTestCase() { stopEndpoint(); }

    void registeredCallIsAnswered();
    void unknownRegistration_data();
    void unknownRegistration();
    void missingRequestId_data();
    void missingRequestId();
    void missingRegistrationHeader();
    void invalidRequest_data();
    void invalidRequest();
    void requestIdReusedWithAnotherBody_data();
    void requestIdReusedWithAnotherBody();
    void retryGetsTheFirstAnswer_data();
    void retryGetsTheFirstAnswer();
    void refusalIsNotRepeatedToARetry();
    void otherCredentials();
    void deregisteredIsGone();
    void tooLarge();
    void stalwartInvalidRequest();

private:
    void setStrict(bool strict, qint64 bodyLimit = 64 * 1024 * 1024)
    {
        Mock::EndpointSettings settings = m_endpoint.settings();
        settings.strict = strict;
        settings.bodyLimit = bodyLimit;
        m_endpoint.setSettings(settings);
    }
    // Registers and returns the registration id ("" when refused).
    QString registerMta(const Headers &extra = {})
    {
        Headers headers {{"Content-Type", "application/json"}};
        headers += extra;
        const HttpResult result = post(ControlPlane::registrationPath(), registrationJson, headers);
        if (result.status != 201)
            qWarning("registration answered %d: %s", result.status, result.body.constData());
        return Document::fromJson(result.body).value(u"/registrationId").toString();
    }
    static Headers hookHeaders(const QString &registration, const QByteArray &requestId)
    {
        Headers headers {{"Content-Type", "application/json"}};
        if (!registration.isEmpty())
            headers.append({QByteArray("X-MTA-Hooks-Registration"), registration.toUtf8()});
        // Ids are remembered across tests: each data row gets its own.
        if (!requestId.isEmpty())
            headers.append({"X-MTA-Hooks-Request-Id",
                requestId
                    + (QTest::currentDataTag() ? QByteArray("-") + QTest::currentDataTag()
                                               : QByteArray())});
        return headers;
    }
    HttpResult call(const QString &registration, const QByteArray &requestId,
        const QByteArray &body = fixture(u"draft01/rcpt.json"_s))
    {
        return post(ControlPlane::hookPathPrefix() + registration, body,
            hookHeaders(registration, requestId));
    }
};

void TestScannerStrict::registeredCallIsAnswered()
{
    const QString id = registerMta();
    QVERIFY(!id.isEmpty());
    const HttpResult result = call(id, "req-ok-1");
    QVERIFY2(result.status == 200 || result.status == 204, result.body.constData());
}

void TestScannerStrict::unknownRegistration_data()
{
    QTest::addColumn<bool>("strict");
    QTest::addColumn<int>("status");
    QTest::addRow("strict") << true << 404;
    QTest::addRow("lenient") << false << 200;
}

void TestScannerStrict::unknownRegistration()
{
    QFETCH(bool, strict);
    QFETCH(int, status);
    setStrict(strict);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = call(u"reg_never_issued"_s, "req-unknown-1");
    QCOMPARE(result.status, status);
    if (strict)
        QCOMPARE(errorCode(result), u"REGISTRATION_NOT_FOUND"_s);
    QTRY_COMPARE(captured.size(), 1); // kept either way
    QCOMPARE(lastCaptured(captured).httpStatus, status);
}

void TestScannerStrict::missingRequestId_data()
{
    unknownRegistration_data();
}

void TestScannerStrict::missingRequestId()
{
    QFETCH(bool, strict);
    setStrict(strict);
    const QString id = registerMta();
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = call(id, {});
    QTRY_COMPARE(captured.size(), 1);
    QVERIFY(hasProblem(lastCaptured(captured), u"X-MTA-Hooks-Request-Id is missing"_s));
    if (strict) {
        QCOMPARE(result.status, 400);
        QCOMPARE(errorCode(result), u"MISSING_REQUEST_ID"_s);
    } else {
        QCOMPARE(result.status, 200);
    }
}

void TestScannerStrict::missingRegistrationHeader()
{
    const HttpResult result = post(u"/hook"_s, fixture(u"draft01/rcpt.json"_s),
        {{"Content-Type", "application/json"}, {"X-MTA-Hooks-Request-Id", "req-noreg"}});
    QCOMPARE(result.status, 400);
    QCOMPARE(errorCode(result), u"INVALID_REQUEST"_s);
    QVERIFY(result.body.contains("X-MTA-Hooks-Registration"));
}

void TestScannerStrict::invalidRequest_data()
{
    unknownRegistration_data();
}

void TestScannerStrict::invalidRequest()
{
    QFETCH(bool, strict);
    setStrict(strict);
    const QString id = registerMta();
    // A data stage whose rawMessage is not base64: the draft carries bytes as base64 in JSON.
    QByteArray body = fixture(u"draft01/data.json"_s);
    const qsizetype at = body.indexOf("\"rawMessage\":\"");
    QVERIFY(at > 0);
    body.insert(at + 14, "!!not base64!!");
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = call(id, "req-bad-base64", body);
    QTRY_COMPARE(captured.size(), 1);
    QVERIFY(hasProblem(lastCaptured(captured), u"base64"_s));
    if (strict) {
        QCOMPARE(result.status, 400);
        QCOMPARE(errorCode(result), u"INVALID_REQUEST"_s);
        QVERIFY2(result.body.contains("/rawMessage"), result.body.constData());
        QCOMPARE(lastCaptured(captured).ruleName, u"strict"_s);
    } else {
        QCOMPARE(result.status, 200);
    }
}

void TestScannerStrict::requestIdReusedWithAnotherBody_data()
{
    unknownRegistration_data();
}

void TestScannerStrict::requestIdReusedWithAnotherBody()
{
    QFETCH(bool, strict);
    setStrict(strict);
    const QString id = registerMta();
    QCOMPARE(call(id, "req-reused", fixture(u"draft01/rcpt.json"_s)).status, 200);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult result = call(id, "req-reused", fixture(u"draft01/mail.json"_s));
    QTRY_COMPARE(captured.size(), 1);
    QVERIFY(hasProblem(lastCaptured(captured), u"came before with another body"_s));
    if (strict) {
        QCOMPARE(result.status, 409);
        QCOMPARE(errorCode(result), u"REQUEST_ID_CONFLICT"_s);
    } else {
        QCOMPARE(result.status, 200);
    }
}

void TestScannerStrict::retryGetsTheFirstAnswer_data()
{
    unknownRegistration_data();
}

void TestScannerStrict::retryGetsTheFirstAnswer()
{
    QFETCH(bool, strict);
    setStrict(strict);
    const QString id = registerMta();
    const HttpResult first = call(id, "req-retry");
    QCOMPARE(first.status, 200);
    // The rules change between the call and its retry: a strict endpoint answers the retry as it
    // answered the call (deduplication, §d.2); the lenient one decides again.
    m_rules.setRules({alwaysRule(Mock::Answer::fromPreset(Preset::Reject))});
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const HttpResult retry = call(id, "req-retry");
    QTRY_COMPARE(captured.size(), 1);
    QVERIFY(hasProblem(lastCaptured(captured), u"seen 1 time(s) before"_s));
    QCOMPARE(retry.status, 200);
    if (strict) {
        QCOMPARE(retry.body, first.body);
        QCOMPARE(lastCaptured(captured).ruleName, u"retry"_s);
    } else {
        QVERIFY(retry.body != first.body);
    }
    // A new id is decided by the rules in both modes.
    QVERIFY(call(id, "req-after-retry").body.contains("reject"));
}

void TestScannerStrict::refusalIsNotRepeatedToARetry()
{
    // The first call went to a registration that did not exist yet: 404. The MTA registers and
    // retries under the same request id; the retry is answered, not refused again.
    const HttpResult refused = call(u"reg_later"_s, "req-404-then-ok");
    QCOMPARE(refused.status, 404);
    const QString id = registerMta();
    const HttpResult retry = call(id, "req-404-then-ok");
    QCOMPARE(retry.status, 200);
}

void TestScannerStrict::otherCredentials()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    QString error;
    auto withA = Mock::EndpointSettings::withAuth(settings, u"bearer:token-a"_s, &error);
    QVERIFY2(withA, qPrintable(error));
    m_endpoint.setSettings(*withA);
    const QString id = registerMta({{"Authorization", "Bearer token-a"}});
    QVERIFY(!id.isEmpty());
    // The operator rotates the token: the registration stays bound to the old credential.
    auto withB = Mock::EndpointSettings::withAuth(settings, u"bearer:token-b"_s, &error);
    QVERIFY2(withB, qPrintable(error));
    m_endpoint.setSettings(*withB);
    Headers headers = hookHeaders(id, "req-other-credential");
    headers.append({QByteArray("Authorization"), QByteArray("Bearer token-b")});
    const HttpResult result
        = post(ControlPlane::hookPathPrefix() + id, fixture(u"draft01/rcpt.json"_s), headers);
    QCOMPARE(result.status, 403);
    QCOMPARE(errorCode(result), u"REGISTRATION_MISMATCH"_s);
}

void TestScannerStrict::deregisteredIsGone()
{
    const QString id = registerMta();
    QCOMPARE(send("DELETE", ControlPlane::registrationPath() + u'/' + id, {}, {}).status, 200);
    const HttpResult result = call(id, "req-after-delete");
    QCOMPARE(result.status, 410);
    QCOMPARE(errorCode(result), u"REGISTRATION_DEREGISTERED"_s);
}

void TestScannerStrict::tooLarge()
{
    setStrict(true, 4096);
    const QString id = registerMta();
    QByteArray body = fixture(u"draft01/data.json"_s);
    const qsizetype at = body.indexOf("\"rawMessage\":\"");
    QVERIFY(at > 0);
    body.insert(at + 14, QByteArray(8192, 'A'));
    const HttpResult result = call(id, "req-too-large", body);
    QCOMPARE(result.status, 413);
    QCOMPARE(errorCode(result), u"REQUEST_TOO_LARGE"_s);
}

void TestScannerStrict::stalwartInvalidRequest()
{
    // Stalwart sends no registration or request id: only the validator's verdict applies.
    const QByteArray valid = fixture(u"stalwart/rcpt.json"_s);
    QVERIFY(!valid.isEmpty());
    QCOMPARE(post(u"/hook"_s, valid, {{"Content-Type", "application/json"}}).status, 200);
    QByteArray broken = valid;
    broken.replace("\"protocol\":{\"version\":1}", "\"protocol\":{\"version\":\"one\"}");
    QVERIFY(broken != valid);
    const HttpResult result = post(u"/hook"_s, broken, {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 400);
    QCOMPARE(errorCode(result), u"INVALID_REQUEST"_s);
    QVERIFY2(result.body.contains("/context/protocol/version"), result.body.constData());
}

QTEST_GUILESS_MAIN(TestScannerStrict)
#include "tst_scanner_endpoint_strict.moc"

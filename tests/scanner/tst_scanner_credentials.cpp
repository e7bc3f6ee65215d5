// SPDX-License-Identifier: GPL-3.0-or-later
// Credentials at the mock scanner: compared in constant time, read from a file or the
// environment rather than argv, and never stored unless asked for.
#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"
#include "mock/scanner/callanalysis.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace RawHttp;
using Mock::EndpointSettings;
using Mock::Exchange;
using Mock::HttpHeaders;
using ScannerTest::fixture;

namespace {

const Headers draftHeaders {{"Content-Type", "application/json"},
    {"X-MTA-Hooks-Registration", "reg-1"}, {"X-MTA-Hooks-Request-Id", "req-1"}};

QByteArray header(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

class TestCredentials : public QObject
{
    Q_OBJECT

public:
    TestCredentials()
        : m_endpoint(&m_rules)
    { }

private Q_SLOTS:
    void initTestCase();
    void init();
    void constantTimeEquals_data();
    void constantTimeEquals();
    void redaction_data();
    void redaction();
    void schemeIsCaseInsensitive_data();
    void schemeIsCaseInsensitive();
    void authFile_data();
    void authFile();
    void authFileReadableByOthersWarns();
    void authFileMissing();
    void authEnvironment();
    void storedRedacted_data();
    void storedRedacted();
    void refusedCallsStoredRedacted();
    void heldCallsRedacted();
    void keepCredentials();

private:
    // One call on a fresh connection; the exchange the endpoint reported for it.
    Exchange call(const Headers &headers, int expectedStatus);
    void useAuth(const QString &spec, bool keep = false, bool groupCommit = false);

    Mock::Rulebook m_rules;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    QTemporaryDir m_dir;
};

void TestCredentials::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_store.open(u":memory:"_s));
    m_endpoint.setCaptureStore(&m_store);
    QVERIFY2(m_endpoint.listen(), qPrintable(m_endpoint.errorString()));
}

void TestCredentials::init()
{
    m_rules.setRules({});
    for (const auto stage : m_rules.heldStages())
        m_rules.setHeld(stage, false);
    useAuth(u"none"_s);
}

void TestCredentials::useAuth(const QString &spec, bool keep, bool groupCommit)
{
    QString error;
    EndpointSettings base; // the defaults, whatever the test before changed
    base.port = m_endpoint.serverPort();
    base.keepCredentials = keep;
    base.groupCommit = groupCommit;
    const auto settings = EndpointSettings::withAuth(base, spec, &error);
    QVERIFY2(settings, qPrintable(error));
    m_endpoint.setSettings(*settings);
}

Exchange TestCredentials::call(const Headers &headers, int expectedStatus)
{
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    RawClient client(m_endpoint.serverPort());
    if (!client.waitConnected())
        return {};
    client.send(rawRequest("POST", "/hook", headers, fixture(u"draft01/rcpt.json"_s)));
    QList<RawResponse> responses;
    const bool answered = QTest::qWaitFor(
        [&] {
            responses += takeResponses(client.received);
            return !responses.isEmpty() && !captured.isEmpty();
        },
        Patience);
    if (!answered) {
        qWarning("no answer");
        return {};
    }
    if (responses.first().status != expectedStatus)
        qWarning("answered %d, expected %d", responses.first().status, expectedStatus);
    return captured.last().first().value<Exchange>();
}

void TestCredentials::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("equal");
    QTest::addRow("same") << QByteArray("tok-123") << QByteArray("tok-123") << true;
    QTest::addRow("both empty") << QByteArray() << QByteArray() << true;
    QTest::addRow("last byte") << QByteArray("tok-123") << QByteArray("tok-124") << false;
    QTest::addRow("first byte") << QByteArray("tok-123") << QByteArray("Tok-123") << false;
    QTest::addRow("prefix") << QByteArray("tok-12") << QByteArray("tok-123") << false;
    QTest::addRow("longer") << QByteArray("tok-1234") << QByteArray("tok-123") << false;
    QTest::addRow("empty vs secret") << QByteArray() << QByteArray("tok") << false;
    QTest::addRow("secret vs empty") << QByteArray("tok") << QByteArray() << false;
    // Read cyclically, a repetition of the secret must still differ.
    QTest::addRow("repeated") << QByteArray("abab") << QByteArray("ab") << false;
    QTest::addRow("high bytes") << QByteArray("\xff\x80") << QByteArray("\xff\x80") << true;
    QTest::addRow("nul inside") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
}

void TestCredentials::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, equal);
    QCOMPARE(Mock::constantTimeEquals(a, b), equal);
    QCOMPARE(Mock::constantTimeEquals(b, a), equal);
}

void TestCredentials::redaction_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("stored");
    QTest::addRow("bearer") << QByteArray("Authorization") << QByteArray("Bearer tok-123")
                            << QByteArray("Bearer ***");
    QTest::addRow("basic") << QByteArray("authorization") << QByteArray("Basic bXRhOnMzY3I=")
                           << QByteArray("Basic ***");
    QTest::addRow("proxy") << QByteArray("Proxy-Authorization") << QByteArray("Basic eDp5")
                           << QByteArray("Basic ***");
    QTest::addRow("no scheme") << QByteArray("Authorization") << QByteArray("tok-123")
                               << QByteArray("***");
    QTest::addRow("scheme only") << QByteArray("Authorization") << QByteArray("Bearer")
                                 << QByteArray("***");
    QTest::addRow("odd scheme") << QByteArray("Authorization") << QByteArray("tok/123+secret= more")
                                << QByteArray("***");
    QTest::addRow("long scheme") << QByteArray("Authorization") << QByteArray(40, 'a') + " x"
                                 << QByteArray("***");
    QTest::addRow("cookie") << QByteArray("Cookie") << QByteArray("session=abc; theme=dark")
                            << QByteArray("***");
    QTest::addRow("other header kept")
        << QByteArray("X-Api-Note") << QByteArray("Bearer visible") << QByteArray("Bearer visible");
}

void TestCredentials::redaction()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, stored);
    HttpHeaders headers {{"Host", "x"}, {name, value}, {"Content-Type", "application/json"}};
    Mock::redactCredentials(headers);
    QCOMPARE(headers.size(), 3);
    QCOMPARE(headers.at(1).first, name); // name and position kept
    QCOMPARE(headers.at(1).second, stored);
    QCOMPARE(headers.at(0).second, QByteArray("x"));
    Mock::redactCredentials(headers); // twice is once
    QCOMPARE(headers.at(1).second, stored);
}

void TestCredentials::schemeIsCaseInsensitive_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("status");
    QTest::addRow("Bearer") << QByteArray("Bearer tok-123") << 200;
    QTest::addRow("bearer") << QByteArray("bearer tok-123") << 200;
    QTest::addRow("BEARER") << QByteArray("BEARER tok-123") << 200;
    QTest::addRow("token case matters") << QByteArray("Bearer TOK-123") << 401;
    QTest::addRow("prefix of the token") << QByteArray("Bearer tok-12") << 401;
    QTest::addRow("token and more") << QByteArray("Bearer tok-1234") << 401;
    QTest::addRow("token without scheme") << QByteArray("tok-123") << 401;
    QTest::addRow("other scheme") << QByteArray("Token tok-123") << 401;
}

void TestCredentials::schemeIsCaseInsensitive()
{
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    EndpointSettings settings;
    settings.auth.scheme = Mock::HttpAuth::Scheme::Bearer;
    settings.auth.token = u"tok-123"_s;
    const auto failure = Mock::checkAuthorization(settings, {{"Authorization", authorization}});
    QCOMPARE(failure ? 401 : 200, status);
}

void TestCredentials::authFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("spec"); // "" for an error
    QTest::addColumn<QString>("error");
    QTest::addRow("newline") << QByteArray("bearer:tok-123\n") << u"bearer:tok-123"_s << QString();
    QTest::addRow("crlf") << QByteArray("bearer:tok-123\r\n") << u"bearer:tok-123"_s << QString();
    QTest::addRow("no newline") << QByteArray("basic:mta:pa ss") << u"basic:mta:pa ss"_s
                                << QString();
    QTest::addRow("empty") << QByteArray() << QString() << u"is empty"_s;
    QTest::addRow("only newline") << QByteArray("\n") << QString() << u"is empty"_s;
    QTest::addRow("two lines") << QByteArray("bearer:a\nbearer:b\n") << QString()
                               << u"more than one line"_s;
    QTest::addRow("huge") << QByteArray(100 * 1024, 'a') << QString() << u"larger than"_s;
}

void TestCredentials::authFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, spec);
    QFETCH(QString, error);
    const QString path
        = m_dir.filePath(u"auth-%1"_s.arg(QString::fromUtf8(QTest::currentDataTag())));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
    file.close();
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QString message;
    QString warning = u"stale"_s;
    const auto read = EndpointSettings::authSpecFromFile(path, &message, &warning);
    if (spec.isEmpty()) {
        QVERIFY(!read);
        QVERIFY2(message.contains(error), qPrintable(message));
        QVERIFY(message.contains(path));
        return;
    }
    QVERIFY2(read, qPrintable(message));
    QCOMPARE(*read, spec);
    QVERIFY2(warning.isEmpty(), qPrintable(warning)); // owner-only: nothing to say
    QVERIFY(EndpointSettings::withAuth({}, *read, &message));
}

void TestCredentials::authFileReadableByOthersWarns()
{
    const QString path = m_dir.filePath(u"auth-open"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("bearer:tok-123\n");
    file.close();
    QVERIFY(file.setPermissions(
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    QString error;
    QString warning;
    const auto read = EndpointSettings::authSpecFromFile(path, &error, &warning);
    QVERIFY(read); // a warning, not a refusal
    QCOMPARE(*read, u"bearer:tok-123"_s);
    QVERIFY2(warning.contains(u"other users"_s), qPrintable(warning));
}

void TestCredentials::authFileMissing()
{
    QString error;
    QString warning;
    const QString path = m_dir.filePath(u"no-such-file"_s);
    QVERIFY(!EndpointSettings::authSpecFromFile(path, &error, &warning));
    QVERIFY(error.contains(u"cannot read the auth file "_s + path));
}

void TestCredentials::authEnvironment()
{
    const QByteArray name
        = "HOOKSCOPE_TEST_AUTH_" + QByteArray::number(QCoreApplication::applicationPid());
    QString error;
    QVERIFY(!EndpointSettings::authSpecFromEnvironment(QString::fromLatin1(name), &error));
    QVERIFY2(error.contains(u"not set"_s), qPrintable(error));
    QVERIFY(qputenv(name.constData(), "bearer:from-env"));
    const auto read = EndpointSettings::authSpecFromEnvironment(QString::fromLatin1(name), &error);
    QVERIFY(qunsetenv(name.constData()));
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(*read, u"bearer:from-env"_s);
    QVERIFY(!EndpointSettings::authSpecFromEnvironment(u"A=B"_s, &error));
    QVERIFY(!EndpointSettings::authSpecFromEnvironment(QString(), &error));
}

void TestCredentials::storedRedacted_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::addRow("one by one") << false;
    QTest::addRow("group commit") << true;
}

void TestCredentials::storedRedacted()
{
    QFETCH(bool, groupCommit);
    useAuth(u"bearer:tok-123"_s, false, groupCommit);
    const Exchange e = call(draftHeaders
            + Headers {{"Authorization", "Bearer tok-123"}, {"Cookie", "sid=42"},
                {"Proxy-Authorization", "Basic eDp5"}},
        200);
    QCOMPARE(e.httpStatus, 200);
    QCOMPARE(e.requestHeader("Authorization"), QByteArray("Bearer ***"));
    QCOMPARE(e.requestHeader("Cookie"), QByteArray("***"));
    QCOMPARE(e.requestHeader("Proxy-Authorization"), QByteArray("Basic ***"));
    QCOMPARE(e.requestHeader("X-MTA-Hooks-Request-Id"), QByteArray("req-1"));
    const auto stored = m_store.load(e.id);
    QVERIFY(stored);
    QCOMPARE(header(stored->requestHeaders, "Authorization"), QByteArray("Bearer ***"));
    QCOMPARE(header(stored->requestHeaders, "Cookie"), QByteArray("***"));
    QVERIFY(!stored->requestHeaders.contains(
        qMakePair(QByteArray("Authorization"), QByteArray("Bearer tok-123"))));
}

void TestCredentials::refusedCallsStoredRedacted()
{
    useAuth(u"bearer:tok-123"_s);
    // A wrong token is as secret as a right one (a typo of it, or another system's).
    const Exchange wrong = call(draftHeaders + Headers {{"Authorization", "Bearer tok-124"}}, 401);
    QCOMPARE(wrong.httpStatus, 401);
    QCOMPARE(wrong.requestHeader("Authorization"), QByteArray("Bearer ***"));
    QCOMPARE(
        header(m_store.load(wrong.id)->requestHeaders, "Authorization"), QByteArray("Bearer ***"));

    // Refused by the connection guard before the engine saw it (a body over the limit).
    EndpointSettings small = m_endpoint.settings();
    small.bodyLimit = 16;
    m_endpoint.setSettings(small);
    const Exchange tooLarge
        = call(draftHeaders + Headers {{"Authorization", "Bearer tok-123"}}, 413);
    QCOMPARE(tooLarge.httpStatus, 413);
    QCOMPARE(tooLarge.requestHeader("Authorization"), QByteArray("Bearer ***"));
    QCOMPARE(header(m_store.load(tooLarge.id)->requestHeaders, "Authorization"),
        QByteArray("Bearer ***"));
}

void TestCredentials::heldCallsRedacted()
{
    useAuth(u"bearer:tok-123"_s);
    m_rules.setHeld(MtaHooks::Stage::Rcpt, true);
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    RawClient client(m_endpoint.serverPort());
    QVERIFY(client.waitConnected());
    client.send(
        rawRequest("POST", "/hook", draftHeaders + Headers {{"Authorization", "Bearer tok-123"}},
            fixture(u"draft01/rcpt.json"_s)));
    QVERIFY(held.wait(Patience));
    const auto call = held.first().first().value<Mock::HeldCall>();
    QCOMPARE(call.exchange.requestHeader("Authorization"), QByteArray("Bearer ***"));
    QCOMPARE(m_endpoint.heldCalls().value(0).exchange.requestHeader("Authorization"),
        QByteArray("Bearer ***"));
    QVERIFY(m_endpoint.releaseHeld(call.callId));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
}

void TestCredentials::keepCredentials()
{
    useAuth(u"bearer:tok-123"_s, true);
    const Exchange e = call(
        draftHeaders + Headers {{"Authorization", "Bearer tok-123"}, {"Cookie", "sid=42"}}, 200);
    QCOMPARE(e.requestHeader("Authorization"), QByteArray("Bearer tok-123"));
    QCOMPARE(e.requestHeader("Cookie"), QByteArray("sid=42"));
    QCOMPARE(
        header(m_store.load(e.id)->requestHeaders, "Authorization"), QByteArray("Bearer tok-123"));
}

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_scanner_credentials.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// What the endpoint answers a hook call with, and what it records of it: every stage in every
// dialect, rules, templates, bad input, the drafts' transport headers, other methods and
// credentials.
#include "mock/capture/capturestore.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::Rule;
using ScannerTest::fixture;
using namespace RawHttp;
using namespace EndpointTest;

namespace {

Document parseAnswer(const QByteArray &body, const QByteArray &contentType)
{
    return contentType == "application/cbor" ? Document::fromCbor(body) : Document::fromJson(body);
}

} // namespace

class TestEndpointAnswers : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init() { resetEndpoint(); }
    void cleanupTestCase() { stopEndpoint(); }

    void answersEveryStageAndDialect_data();
    void answersEveryStageAndDialect();
    void dialectOverride();
    void postOnAnyPath();
    void rulesAnswer_data();
    void rulesAnswer();
    void templateEchoesTheRequest();
    void malformedBodies_data();
    void malformedBodies();
    void draftHeaderProblems_data();
    void draftHeaderProblems();
    void authentication_data();
    void authentication();
    void otherMethods();
};

void TestEndpointAnswers::answersEveryStageAndDialect_data()
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

void TestEndpointAnswers::answersEveryStageAndDialect()
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
    // A draft request reads as draft-01; an RFC 6902 answer tells the capture it was draft-02.
    QCOMPARE(exchange.dialect,
        dialect == Dialect::Draft01 && answerDialect == Dialect::Draft02 ? Dialect::Draft02
                                                                         : dialect);
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

void TestEndpointAnswers::dialectOverride()
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

void TestEndpointAnswers::postOnAnyPath()
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

void TestEndpointAnswers::rulesAnswer_data()
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

void TestEndpointAnswers::rulesAnswer()
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

void TestEndpointAnswers::templateEchoesTheRequest()
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

void TestEndpointAnswers::malformedBodies_data()
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

void TestEndpointAnswers::malformedBodies()
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

void TestEndpointAnswers::draftHeaderProblems_data()
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

void TestEndpointAnswers::draftHeaderProblems()
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

void TestEndpointAnswers::authentication_data()
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

void TestEndpointAnswers::authentication()
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

void TestEndpointAnswers::otherMethods()
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

QTEST_GUILESS_MAIN(TestEndpointAnswers)
#include "tst_scanner_endpoint_answers.moc"

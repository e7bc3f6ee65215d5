// SPDX-License-Identifier: GPL-3.0-or-later
// The endpoint's HTTP connections: 100 Continue, body limits, idle and head timeouts, pipelining,
// Connection: close.
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

class TestEndpointConnections : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init() { resetEndpoint(); }
    void cleanupTestCase() { stopEndpoint(); }

    void expectContinueAnsweredAtOnce();
    void bodyOverLimit_data();
    void bodyOverLimit();
    void bodyOverLimitWithQnam();
    void defaultLimits();
    void idleConnectionsClose();
    void pipelinedRequestsAnsweredInOrder();
    void connectionCloseIsHonoured();
};

void TestEndpointConnections::expectContinueAnsweredAtOnce()
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

void TestEndpointConnections::bodyOverLimit_data()
{
    QTest::addColumn<QString>("how");
    QTest::addRow("expect, no body sent") << u"expect"_s;
    QTest::addRow("body on its way") << u"body"_s;
    QTest::addRow("chunked") << u"chunked"_s;
}

void TestEndpointConnections::bodyOverLimit()
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

void TestEndpointConnections::bodyOverLimitWithQnam()
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

void TestEndpointConnections::defaultLimits()
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

void TestEndpointConnections::idleConnectionsClose()
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

void TestEndpointConnections::pipelinedRequestsAnsweredInOrder()
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

void TestEndpointConnections::connectionCloseIsHonoured()
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

QTEST_GUILESS_MAIN(TestEndpointConnections)
#include "tst_scanner_endpoint_connections.moc"

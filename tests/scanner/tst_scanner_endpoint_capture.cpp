// SPDX-License-Identifier: GPL-3.0-or-later
// What the endpoint records of a call and when: every part of the exchange, in the store before
// the answer is written (alone, in a group commit, in parts for a large body), in sessions.
#include "mock/capture/capturestore.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::Rule;
using ScannerTest::fixture;
using namespace RawHttp;
using namespace EndpointTest;

class TestEndpointCapture : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init() { resetEndpoint(); }
    void cleanupTestCase() { stopEndpoint(); }

    void largeCallsAreStoredInParts_data();
    void largeCallsAreStoredInParts();
    void recordsEverything();
    void capturedBeforeAnswered_data();
    void capturedBeforeAnswered();
    void sessionsAreReconstructed();
};

void TestEndpointCapture::largeCallsAreStoredInParts_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::addRow("one by one") << false;
    QTest::addRow("group commit") << true;
}

void TestEndpointCapture::largeCallsAreStoredInParts()
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

void TestEndpointCapture::recordsEverything()
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

void TestEndpointCapture::capturedBeforeAnswered_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::addRow("commit per call") << false;
    QTest::addRow("group commit") << true;
}

void TestEndpointCapture::capturedBeforeAnswered()
{
    QFETCH(bool, groupCommit);
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.groupCommit = groupCommit;
    m_endpoint.setSettings(settings);
    QSignalSpy batches(&m_store, &Mock::CaptureStore::batchSaved);
    QSignalSpy saved(&m_store, &Mock::CaptureStore::exchangeSaved);
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
    // Grouped or not, live lists hear of each call, as new.
    QCOMPARE(batches.count(), 0);
    QCOMPARE(saved.count(), Clients);
    for (const auto &arguments : std::as_const(saved))
        QVERIFY(arguments.at(1).toBool());
}

void TestEndpointCapture::sessionsAreReconstructed()
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

QTEST_GUILESS_MAIN(TestEndpointCapture)
#include "tst_scanner_endpoint_capture.moc"

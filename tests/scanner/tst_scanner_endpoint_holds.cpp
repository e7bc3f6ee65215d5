// SPDX-License-Identifier: GPL-3.0-or-later
// Calls held for the user: answered by hand, with a preset or a fault, released, timed out, held
// by stage, abandoned by their client, and their connections kept open meanwhile.
#include "mock/capture/capturestore.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Exchange;
using Mock::HeldCall;
using Mock::Rule;
using ScannerTest::fixture;
using namespace RawHttp;
using namespace EndpointTest;

class TestEndpointHolds : public QObject, public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startEndpoint(); }
    void init() { resetEndpoint(); }
    void cleanupTestCase() { stopEndpoint(); }

    void holdThenAnswer_data();
    void holdThenAnswer();
    void holdThenTimeout();
    void heldStageSwitch();
    void disconnectDuringHold();
    void idleTimeoutSparesPendingAnswers();
};

void TestEndpointHolds::holdThenAnswer_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<int>("status");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<QString>("note");
    QTest::addColumn<bool>("large"); // decoded and judged on a pool thread

    for (const bool large : {false, true}) {
        const char *size = large ? ", large" : "";
        QTest::addRow("by hand%s", size)
            << u"bytes"_s << 200 << Verdict::Reject << u"answered by hand"_s << large;
        QTest::addRow("with a preset%s", size)
            << u"preset"_s << 200 << Verdict::Tempfail << u"answered by hand"_s << large;
        QTest::addRow("with a fault%s", size)
            << u"fault"_s << 503 << Verdict::Error << u"answered by hand"_s << large;
        QTest::addRow("released%s", size) << u"release"_s << 200 << Verdict::Discard
                                          << u"released: the stage's default answer"_s << large;
    }
}

void TestEndpointHolds::holdThenAnswer()
{
    QFETCH(QString, how);
    QFETCH(int, status);
    QFETCH(Verdict, verdict);
    QFETCH(QString, note);
    QFETCH(bool, large);

    m_rules.setRules({alwaysRule(holdAnswer())});
    m_rules.setDefaultAnswer(Stage::Rcpt, Answer::fromPreset(Preset::Discard));
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    const qint64 countBefore = m_store.count();

    QNetworkRequest request(QUrl(m_endpoint.url() + u"/hook"_s));
    request.setRawHeader("Content-Type", "application/json");
    request.setTransferTimeout(Patience);
    QByteArray requestBody = fixture(u"stalwart/rcpt.json"_s);
    if (large) // past the size from which the endpoint works on a pool thread
        requestBody.insert(
            requestBody.indexOf('{') + 1, "\"padding\":\"" + QByteArray(512 * 1024, 'p') + "\",");
    std::unique_ptr<QNetworkReply> reply(m_nam.post(request, requestBody));
    QVERIFY(held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    QVERIFY(call.callId > 0);
    QVERIFY(call.exchange.held);
    QCOMPARE(call.exchange.verdict, Verdict::Held);
    QCOMPARE(call.exchange.ruleName, u"always"_s);
    QCOMPARE(Document::fromJson(call.suggestedBody).value(u"/action").toString(), u"discard"_s);
    QCOMPARE(call.contentType, QByteArray("application/json"));
    QVERIFY(call.deadline > QDateTime::currentDateTimeUtc());
    QCOMPARE(m_endpoint.heldCalls().size(), 1);
    QCOMPARE(m_endpoint.heldCalls().first().callId, call.callId);
    // On disk while held, before anyone answered.
    QVERIFY(call.exchange.id > 0);
    const auto stored = m_store.load(call.exchange.id);
    QVERIFY(stored);
    QVERIFY(stored->held);
    QCOMPARE(stored->verdict, Verdict::Held);
    QVERIFY(!reply->isFinished());
    QCOMPARE(captured.count(), 0);

    bool accepted = false;
    if (how == u"bytes"_s) {
        accepted = m_endpoint.answerHeld(
            call.callId, R"({"action":"reject","response":{"status":554,"message":"by hand"}})");
    } else if (how == u"preset"_s) {
        accepted = m_endpoint.answerHeldWith(call.callId, Answer::fromPreset(Preset::Tempfail));
    } else if (how == u"fault"_s) {
        accepted = m_endpoint.answerHeldWith(call.callId, faultAnswer(Mock::Fault::Http503));
    } else {
        accepted = m_endpoint.releaseHeld(call.callId);
    }
    QVERIFY(accepted);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
    QVERIFY(!m_endpoint.answerHeld(call.callId, "{}")); // answered once only
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(Patience));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
    const QByteArray body = reply->readAll();

    QCOMPARE(ended.count(), 1);
    QCOMPARE(ended.first().first().toLongLong(), call.callId);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.id, call.exchange.id); // the held row, updated
    QVERIFY(!e.held);
    QCOMPARE(e.verdict, verdict);
    QCOMPARE(e.note, note);
    QCOMPARE(e.responseBody, body);
    QCOMPARE(m_store.count(), countBefore + 1);
    const auto after = m_store.load(e.id);
    QVERIFY(!after->held);
    QCOMPARE(after->verdict, verdict);
    QCOMPARE(after->responseBody, body);
    if (how == u"bytes"_s)
        QCOMPARE(e.replyCode, 554);
}

void TestEndpointHolds::holdThenTimeout()
{
    m_rules.setRules({alwaysRule(holdAnswer())});
    m_rules.setHoldTimeoutMs(300);
    m_rules.setDefaultAnswer(Stage::Mail, Answer::fromPreset(Preset::Reject));
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    const HttpResult result
        = post(u"/"_s, fixture(u"stalwart/mail.json"_s), {{"Content-Type", "application/json"}});
    QCOMPARE(result.status, 200);
    QCOMPARE(held.count(), 1);
    QCOMPARE(ended.count(), 1);
    QCOMPARE(Document::fromJson(result.body).value(u"/action").toString(), u"reject"_s);
    const Exchange e = ended.first().at(1).value<Exchange>();
    QCOMPARE(e.note, u"hold timed out: the stage's default answer went out"_s);
    QCOMPARE(e.verdict, Verdict::Reject);
    QVERIFY(e.latencyUs >= 300000);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
}

void TestEndpointHolds::heldStageSwitch()
{
    m_rules.setHeld(Stage::Data, true);
    m_rules.setRules({alwaysRule(Answer::fromPreset(Preset::Quarantine))});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QNetworkRequest request(QUrl(m_endpoint.url() + u"/"_s));
    request.setRawHeader("Content-Type", "application/json");
    std::unique_ptr<QNetworkReply> reply(m_nam.post(request, fixture(u"stalwart/data.json"_s)));
    // Other stages are not held.
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
    QVERIFY(!held.isEmpty() || held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    QCOMPARE(call.exchange.ruleName, u"hold"_s);
    QCOMPARE(call.exchange.ruleReason, u"data is held (breakpoint); always would answer"_s);
    QCOMPARE(Document::fromJson(call.suggestedBody).value(u"/action").toString(), u"quarantine"_s);
    QVERIFY(m_endpoint.answerHeld(call.callId, call.suggestedBody));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(reply->isFinished() || finished.wait(Patience));
    QCOMPARE(reply->readAll(), call.suggestedBody);
}

void TestEndpointHolds::disconnectDuringHold()
{
    m_rules.setRules({alwaysRule(holdAnswer())});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy ended(&m_endpoint, &Mock::HookEndpoint::heldCallEnded);
    QSignalSpy captured(&m_endpoint, &Mock::HookEndpoint::exchangeCaptured);
    auto client = std::make_unique<RawClient>(m_port);
    QVERIFY(client->waitConnected());
    client->send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/rcpt.json"_s)));
    QVERIFY(held.wait(Patience));
    const HeldCall call = held.first().first().value<HeldCall>();
    client.reset(); // the MTA gives up
    QVERIFY(ended.wait(Patience));
    QCOMPARE(ended.first().first().toLongLong(), call.callId);
    const Exchange e = lastCaptured(captured);
    QCOMPARE(e.id, call.exchange.id);
    QVERIFY(!e.held);
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QCOMPARE(e.note, u"the client disconnected while the call was held"_s);
    QVERIFY(m_endpoint.heldCalls().isEmpty());
    QVERIFY(!m_endpoint.answerHeld(call.callId, "{}"));
    QVERIFY(!m_endpoint.releaseHeld(call.callId));
    const auto stored = m_store.load(e.id);
    QVERIFY(!stored->held);
    QCOMPARE(stored->verdict, Verdict::Error);
    // Still serving.
    m_rules.setRules({});
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
}

void TestEndpointHolds::idleTimeoutSparesPendingAnswers()
{
    Mock::EndpointSettings settings = m_endpoint.settings();
    settings.idleTimeoutMs = 200;
    m_endpoint.setSettings(settings);
    Rule hold = ruleFor(u"hold"_s, u"/context/stage"_s, u"mail"_s, holdAnswer());
    Rule slow = ruleFor(u"slow"_s, u"/context/stage"_s, u"rcpt"_s, delayed(1000));
    m_rules.setRules({hold, slow});
    QSignalSpy held(&m_endpoint, &Mock::HookEndpoint::callHeld);
    RawClient client(m_port);
    QVERIFY(client.waitConnected());
    client.send(rawRequest(
        "POST", "/hook", {{"Content-Type", "application/json"}}, fixture(u"stalwart/mail.json"_s)));
    QVERIFY(held.wait(Patience));
    // Another call that takes five idle timeouts; meanwhile the held connection must stay open.
    QCOMPARE(post(u"/"_s, fixture(u"stalwart/rcpt.json"_s), {{"Content-Type", "application/json"}})
                 .status,
        200);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(m_endpoint.releaseHeld(held.first().first().value<HeldCall>().callId));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience);
    // Answered: now it is idle and goes.
    QVERIFY(client.waitClosed());
}

QTEST_GUILESS_MAIN(TestEndpointHolds)
#include "tst_scanner_endpoint_holds.moc"

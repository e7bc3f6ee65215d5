// SPDX-License-Identifier: GPL-3.0-or-later
// ResponseOrder: the answers of a connection leave in the order of its requests, a held one
// holding up those behind it; then the same through the endpoint, with pipelined requests on one
// connection and a held call in the middle.
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/responseorder_p.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/endpointfixture.h"
#include "tests/scanner/rawhttp.h"
#include "tests/scanner/scannertest.h"

#include <QSignalSpy>
#include <QStringList>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RawHttp;
using Mock::ResponseOrder;

class TestResponseOrder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ticketsCountPerConnection();
    void readyInOrderGoesAtOnce();
    void laterAnswerWaitsForEarlier();
    void heldCallInTheMiddle();
    void connectionsDoNotWaitForEachOther();
    void resetInASendDropsTheRest();
    void destroyedConnectionIsForgotten();
    void clearForgetsEverything();
    void heldCallHoldsUpPipelinedAnswers();

private:
    // A send that notes its name in m_sent.
    ResponseOrder::Send note(const QString &name)
    {
        return [this, name] { m_sent.append(name); };
    }

    QStringList m_sent;
};

void TestResponseOrder::ticketsCountPerConnection()
{
    ResponseOrder order;
    QObject a;
    QObject b;
    QCOMPARE(order.take(&a), 0u);
    QCOMPARE(order.take(&a), 1u);
    QCOMPARE(order.take(&b), 0u);
    QCOMPARE(order.take(&a), 2u);
    QCOMPARE(order.take(&b), 1u);
    QVERIFY(order.knows(&a));
    QVERIFY(order.knows(&b));
}

void TestResponseOrder::readyInOrderGoesAtOnce()
{
    m_sent.clear();
    ResponseOrder order;
    QObject connection;
    const quint64 first = order.take(&connection);
    const quint64 second = order.take(&connection);
    order.ready(&connection, first, note(u"first"_s));
    QCOMPARE(m_sent, QStringList {u"first"_s});
    order.ready(&connection, second, note(u"second"_s));
    QCOMPARE(m_sent, (QStringList {u"first"_s, u"second"_s}));
    QCOMPARE(order.waiting(&connection), 0);
}

void TestResponseOrder::laterAnswerWaitsForEarlier()
{
    m_sent.clear();
    ResponseOrder order;
    QObject connection;
    const quint64 first = order.take(&connection);
    const quint64 second = order.take(&connection);
    order.ready(&connection, second, note(u"second"_s));
    QVERIFY(m_sent.isEmpty());
    QCOMPARE(order.waiting(&connection), 1);
    order.ready(&connection, first, note(u"first"_s));
    QCOMPARE(m_sent, (QStringList {u"first"_s, u"second"_s}));
    QCOMPARE(order.waiting(&connection), 0);
}

void TestResponseOrder::heldCallInTheMiddle()
{
    // Four pipelined requests; the second is held for the user while the others are answered.
    m_sent.clear();
    ResponseOrder order;
    QObject connection;
    QList<quint64> tickets;
    for (int i = 0; i < 4; ++i)
        tickets.append(order.take(&connection));
    order.ready(&connection, tickets[0], note(u"0"_s));
    QCOMPARE(m_sent, QStringList {u"0"_s});
    order.ready(&connection, tickets[3], note(u"3"_s));
    order.ready(&connection, tickets[2], note(u"2"_s));
    QCOMPARE(m_sent, QStringList {u"0"_s}); // behind the held one
    QCOMPARE(order.waiting(&connection), 2);
    // The user answers: it goes, and the two behind it in request order.
    order.ready(&connection, tickets[1], note(u"1"_s));
    QCOMPARE(m_sent, (QStringList {u"0"_s, u"1"_s, u"2"_s, u"3"_s}));
    QCOMPARE(order.waiting(&connection), 0);
    // The next request on the connection goes at once.
    order.ready(&connection, order.take(&connection), note(u"4"_s));
    QCOMPARE(m_sent.last(), u"4"_s);
}

void TestResponseOrder::connectionsDoNotWaitForEachOther()
{
    m_sent.clear();
    ResponseOrder order;
    QObject held;
    QObject other;
    const quint64 heldTicket = order.take(&held);
    const quint64 behind = order.take(&held);
    order.ready(&held, behind, note(u"held behind"_s));
    order.ready(&other, order.take(&other), note(u"other 0"_s));
    order.ready(&other, order.take(&other), note(u"other 1"_s));
    QCOMPARE(m_sent, (QStringList {u"other 0"_s, u"other 1"_s}));
    order.ready(&held, heldTicket, note(u"held"_s));
    QCOMPARE(m_sent, (QStringList {u"other 0"_s, u"other 1"_s, u"held"_s, u"held behind"_s}));
}

void TestResponseOrder::resetInASendDropsTheRest()
{
    // The first answer is a connection reset: the answers behind it have nowhere to go.
    m_sent.clear();
    ResponseOrder order;
    QObject connection;
    const quint64 first = order.take(&connection);
    const quint64 second = order.take(&connection);
    const quint64 third = order.take(&connection);
    order.ready(&connection, second, note(u"second"_s));
    order.ready(&connection, first, [this, &order, &connection] {
        m_sent.append(u"reset"_s);
        order.forget(&connection);
    });
    QCOMPARE(m_sent, QStringList {u"reset"_s});
    QVERIFY(!order.knows(&connection));
    order.ready(&connection, third, note(u"third"_s));
    QCOMPARE(m_sent, QStringList {u"reset"_s});
}

void TestResponseOrder::destroyedConnectionIsForgotten()
{
    m_sent.clear();
    ResponseOrder order;
    auto connection = std::make_unique<QObject>();
    const quint64 first = order.take(connection.get());
    order.ready(connection.get(), order.take(connection.get()), note(u"second"_s));
    QCOMPARE(order.waiting(connection.get()), 1);
    QObject *gone = connection.get();
    connection.reset();
    QVERIFY(!order.knows(gone));
    QCOMPARE(order.waiting(gone), 0);
    order.ready(gone, first, note(u"first"_s)); // a late answer for a closed connection
    QVERIFY(m_sent.isEmpty());
}

void TestResponseOrder::clearForgetsEverything()
{
    m_sent.clear();
    ResponseOrder order;
    QObject connection;
    const quint64 first = order.take(&connection);
    order.ready(&connection, order.take(&connection), note(u"second"_s));
    order.clear();
    QVERIFY(!order.knows(&connection));
    order.ready(&connection, first, note(u"first"_s));
    QVERIFY(m_sent.isEmpty());
}

void TestResponseOrder::heldCallHoldsUpPipelinedAnswers()
{
    Mock::Rulebook rules;
    const Mock::Answer echo
        = EndpointTest::bodyAnswer(R"({"action":"accept","seen":"{{/context/stage}}"})");
    const Mock::Answer hold = EndpointTest::holdAnswer();
    rules.setRules({EndpointTest::ruleFor(u"hold"_s, u"/context/stage"_s, u"rcpt"_s, hold),
        EndpointTest::alwaysRule(echo)});
    rules.setDefaultAnswer(Stage::Rcpt, echo);
    rules.setHoldTimeoutMs(Patience);
    Mock::HookEndpoint endpoint(&rules);
    Mock::EndpointSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    endpoint.setSettings(settings);
    QVERIFY2(endpoint.listen(), qPrintable(endpoint.errorString()));
    QSignalSpy held(&endpoint, &Mock::HookEndpoint::callHeld);
    QSignalSpy captured(&endpoint, &Mock::HookEndpoint::exchangeCaptured);

    RawClient client(endpoint.serverPort());
    QVERIFY(client.waitConnected());
    const Headers json {{"Content-Type", "application/json"}};
    const auto fixture = [](const char *name) {
        return ScannerTest::fixture(u"stalwart/%1.json"_s.arg(QLatin1String(name)));
    };
    // Three requests in one write: the middle one is held, the last is answered at once.
    client.send(rawRequest("POST", "/1", json, fixture("mail"))
        + rawRequest("POST", "/2", json, fixture("rcpt"))
        + rawRequest("POST", "/3", json, fixture("ehlo")));
    QVERIFY(held.wait(Patience));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(client.received), Patience); // /1's answer
    QTRY_COMPARE_WITH_TIMEOUT(captured.count(), 2, Patience); // /3 decided too
    QCOMPARE(captured.at(1).first().value<Mock::Exchange>().path, QByteArray("/3"));
    // A whole call on another connection, so that anything written on the first has arrived.
    RawClient other(endpoint.serverPort());
    QVERIFY(other.waitConnected());
    other.send(rawRequest("POST", "/other", json, fixture("connect")));
    QTRY_VERIFY_WITH_TIMEOUT(hasResponse(other.received), Patience);
    QList<RawResponse> responses = takeResponses(client.received);
    QCOMPARE(responses.size(), 1); // /1 only: /3 waits behind the held /2
    QCOMPARE(Document::fromJson(responses.first().body).value(u"/seen").toString(), u"mail"_s);

    QVERIFY(endpoint.releaseHeld(held.first().first().value<Mock::HeldCall>().callId));
    QTRY_VERIFY_WITH_TIMEOUT((responses += takeResponses(client.received)).size() >= 3, Patience);
    QCOMPARE(responses.size(), 3);
    QStringList order;
    for (const RawResponse &response : std::as_const(responses))
        order << Document::fromJson(response.body).value(u"/seen").toString();
    QCOMPARE(order, (QStringList {u"mail"_s, u"rcpt"_s, u"ehlo"_s}));
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    endpoint.close();
}

QTEST_GUILESS_MAIN(TestResponseOrder)
#include "tst_scanner_responseorder.moc"

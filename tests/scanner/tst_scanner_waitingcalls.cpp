// SPDX-License-Identifier: GPL-3.0-or-later
// WaitingCalls: a held call is parked (recorded, then announced), answered once, released at its
// deadline, and recorded as abandoned when its client goes away; delayed and hanging calls the
// same. Driven without HTTP: the connections are plain TCP sockets on 127.0.0.1.
#include "mock/scanner/endpointcall_p.h"
#include "mock/scanner/waitingcalls_p.h"
#include "tests/scanner/rawhttp.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::EndpointCall;
using Mock::Exchange;
using Mock::HeldCall;
using Mock::WaitingCalls;
using RawHttp::Patience;

namespace {

std::shared_ptr<EndpointCall> makeCall(qint64 id, QTcpSocket *socket = nullptr)
{
    auto call = std::make_shared<EndpointCall>();
    call->id = id;
    call->socket = socket;
    call->clock.start();
    call->exchange.method = "POST";
    call->exchange.verdict = Verdict::Accept;
    call->suggestedBody = R"({"action":"accept"})";
    call->suggestedContentType = "application/json";
    return call;
}

bool hasProblem(const Exchange &exchange, const QString &text)
{
    for (const Problem &problem : exchange.problems) {
        if (problem.message.contains(text))
            return true;
    }
    return false;
}

// A TCP connection on 127.0.0.1: the server's end is what a call waits on, the client's end
// closes it.
struct Connection
{
    QTcpServer server;
    QTcpSocket client;
    QTcpSocket *accepted = nullptr;

    bool open()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!server.hasPendingConnections()
            && !QSignalSpy(&server, &QTcpServer::newConnection).wait(Patience))
            return false;
        accepted = server.nextPendingConnection();
        return accepted != nullptr;
    }
    // The client goes away; returns once the server's end has seen it.
    bool close()
    {
        QSignalSpy gone(accepted, &QAbstractSocket::disconnected);
        client.disconnectFromHost();
        return gone.wait(Patience) || !gone.isEmpty();
    }
};

} // namespace

class TestWaitingCalls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void holdRecordsThenAnnounces();
    void heldCallsInIdOrder();
    void answeredOnceOnly();
    void deadlineReleasesOnce();
    void disconnectWhileHeld();
    void disconnectWhileDelayed();
    void disconnectAfterAnswerChangesNothing();
    void delayAnswersNoEarlier();
    void hangGivesUp();
    void clearEndsEveryWait();

private:
    // What the endpoint does with a call whose time is up: answers it, which ends its wait.
    WaitingCalls::Expiry answer(WaitingCalls &waiting)
    {
        return [this, &waiting](const WaitingCalls::Call &call) {
            m_expired.append(call->id);
            waiting.detach(call);
        };
    }
    // Timers still running: an ended wait leaves none behind to fire later.
    static int activeTimers(const WaitingCalls &waiting)
    {
        int active = 0;
        for (const QTimer *timer : waiting.findChildren<QTimer *>()) {
            if (timer->isActive())
                ++active;
        }
        return active;
    }

    WaitingCalls::Record recorder()
    {
        return [this](Exchange &exchange) {
            m_recorded.append(exchange);
            exchange.id = m_recorded.size(); // as a store assigns
        };
    }

    QList<Exchange> m_recorded;
    QList<qint64> m_expired;
};

void TestWaitingCalls::init()
{
    m_recorded.clear();
    m_expired.clear();
}

void TestWaitingCalls::holdRecordsThenAnnounces()
{
    WaitingCalls waiting(recorder());
    QSignalSpy held(&waiting, &WaitingCalls::callHeld);
    const auto call = makeCall(7);
    const QDateTime before = QDateTime::currentDateTimeUtc();
    waiting.hold(call, 60000, answer(waiting));
    QVERIFY(call->held);
    QVERIFY(call->exchange.held);
    QCOMPARE(call->exchange.verdict, Verdict::Held);
    QVERIFY(call->deadline >= before.addMSecs(60000));
    QVERIFY(call->deadline <= QDateTime::currentDateTimeUtc().addMSecs(60000));
    // On disk as held before anyone hears of it: the announced exchange carries its id.
    QCOMPARE(m_recorded.size(), 1);
    QVERIFY(m_recorded.first().held);
    QCOMPARE(m_recorded.first().verdict, Verdict::Held);
    QCOMPARE(held.count(), 1);
    const HeldCall announced = held.first().first().value<HeldCall>();
    QCOMPARE(announced.callId, 7);
    QCOMPARE(announced.exchange.id, 1);
    QCOMPARE(announced.deadline, call->deadline);
    QCOMPARE(announced.suggestedBody, call->suggestedBody);
    QCOMPARE(announced.contentType, QByteArray("application/json"));
    QVERIFY(waiting.isWaiting(7));
    QVERIFY(waiting.held(7) == call);
    QCOMPARE(activeTimers(waiting), 1);
}

void TestWaitingCalls::heldCallsInIdOrder()
{
    WaitingCalls waiting(recorder());
    for (const qint64 id : {12, 3, 8})
        waiting.hold(makeCall(id), 60000, answer(waiting));
    waiting.delay(makeCall(5), 60000, answer(waiting)); // waits, but is not held
    QCOMPARE(waiting.count(), 4);
    QList<qint64> ids;
    for (const HeldCall &call : waiting.heldCalls())
        ids.append(call.callId);
    QCOMPARE(ids, (QList<qint64> {3, 8, 12}));
    QVERIFY(waiting.isWaiting(5));
    QVERIFY(!waiting.held(5)); // not for the user to answer
}

void TestWaitingCalls::answeredOnceOnly()
{
    WaitingCalls waiting(recorder());
    const auto call = makeCall(1);
    waiting.hold(call, 300, answer(waiting));
    // The user answers: the endpoint finds the call and its answer detaches it.
    QVERIFY(waiting.held(1) == call);
    waiting.detach(call);
    QVERIFY(!waiting.held(1)); // a second answer finds nothing
    QVERIFY(!waiting.isWaiting(1));
    QVERIFY(!call->held);
    QVERIFY(call->wasHeld); // for heldCallEnded
    QVERIFY(waiting.heldCalls().isEmpty());
    QCOMPARE(activeTimers(waiting), 0); // the deadline will not answer it again
    QTRY_COMPARE(waiting.findChildren<QTimer *>().size(), 0);
    QVERIFY(m_expired.isEmpty());
}

void TestWaitingCalls::deadlineReleasesOnce()
{
    WaitingCalls waiting(recorder());
    const auto call = makeCall(4);
    QElapsedTimer clock;
    clock.start();
    waiting.hold(call, 100, answer(waiting));
    QTRY_COMPARE_WITH_TIMEOUT(m_expired.size(), 1, Patience);
    QVERIFY2(clock.elapsed() >= 100, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_expired.first(), 4);
    QVERIFY(!waiting.isWaiting(4));
    QVERIFY(call->wasHeld);
    QCOMPARE(activeTimers(waiting), 0);
    QTRY_COMPARE(waiting.findChildren<QTimer *>().size(), 0); // deleted after its own timeout
    QCOMPARE(m_expired.size(), 1);
    QCOMPARE(m_recorded.size(), 1); // the hold only: the answer is the endpoint's to store
}

void TestWaitingCalls::disconnectWhileHeld()
{
    Connection connection;
    QVERIFY(connection.open());
    WaitingCalls waiting(recorder());
    QSignalSpy ended(&waiting, &WaitingCalls::heldCallEnded);
    QSignalSpy abandoned(&waiting, &WaitingCalls::abandoned);
    QList<int> order; // 1: heldCallEnded, 2: abandoned
    connect(&waiting, &WaitingCalls::heldCallEnded, this, [&order] { order.append(1); });
    connect(&waiting, &WaitingCalls::abandoned, this, [&order] { order.append(2); });
    const auto call = makeCall(9, connection.accepted);
    waiting.hold(call, 60000, answer(waiting));
    QVERIFY(connection.close());
    QCOMPARE(order, (QList<int> {1, 2}));
    QCOMPARE(ended.first().first().toLongLong(), 9);
    const Exchange e = ended.first().at(1).value<Exchange>();
    QVERIFY(!e.held);
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QCOMPARE(e.note, u"the client disconnected while the call was held"_s);
    QVERIFY(hasProblem(e, u"the client closed the connection while the call was held"_s));
    QVERIFY(e.latencyUs > 0);
    QCOMPARE(abandoned.first().first().value<Exchange>().note, e.note);
    // Recorded twice: held, then abandoned (the same row).
    QCOMPARE(m_recorded.size(), 2);
    QCOMPARE(m_recorded.last().verdict, Verdict::Error);
    // Nothing can answer it any more, and its deadline is gone.
    QVERIFY(!waiting.held(9));
    QVERIFY(!waiting.isWaiting(9));
    QVERIFY(waiting.heldCalls().isEmpty());
    QCOMPARE(activeTimers(waiting), 0);
    QVERIFY(m_expired.isEmpty());
}

void TestWaitingCalls::disconnectWhileDelayed()
{
    Connection connection;
    QVERIFY(connection.open());
    WaitingCalls waiting(recorder());
    QSignalSpy ended(&waiting, &WaitingCalls::heldCallEnded);
    QSignalSpy abandoned(&waiting, &WaitingCalls::abandoned);
    const auto call = makeCall(2, connection.accepted);
    waiting.delay(call, 60000, answer(waiting));
    QVERIFY(m_recorded.isEmpty()); // a delayed call is stored with its answer
    QVERIFY(connection.close());
    QCOMPARE(ended.count(), 0);
    QCOMPARE(abandoned.count(), 1);
    const Exchange e = abandoned.first().first().value<Exchange>();
    QCOMPARE(e.httpStatus, 0);
    QCOMPARE(e.verdict, Verdict::Error);
    QVERIFY(e.note.isEmpty());
    QVERIFY(hasProblem(e, u"the client closed the connection before the answer"_s));
    QCOMPARE(m_recorded.size(), 1);
    QVERIFY(!waiting.isWaiting(2));
    QCOMPARE(activeTimers(waiting), 0);
}

void TestWaitingCalls::disconnectAfterAnswerChangesNothing()
{
    Connection connection;
    QVERIFY(connection.open());
    WaitingCalls waiting(recorder());
    QSignalSpy abandoned(&waiting, &WaitingCalls::abandoned);
    const auto call = makeCall(3, connection.accepted);
    waiting.hold(call, 60000, answer(waiting));
    waiting.detach(call); // answered
    QVERIFY(connection.close());
    QCOMPARE(abandoned.count(), 0);
    QCOMPARE(call->exchange.verdict, Verdict::Held); // the answer's to set, not overwritten
    QCOMPARE(m_recorded.size(), 1);
}

void TestWaitingCalls::delayAnswersNoEarlier()
{
    WaitingCalls waiting(recorder());
    QElapsedTimer clock;
    clock.start();
    waiting.delay(makeCall(6), 150, answer(waiting));
    QVERIFY(waiting.isWaiting(6));
    QTRY_COMPARE_WITH_TIMEOUT(m_expired.size(), 1, Patience);
    // A precise timer: a loaded machine may be late, never early.
    QVERIFY2(clock.elapsed() >= 150, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!waiting.isWaiting(6));
}

void TestWaitingCalls::hangGivesUp()
{
    WaitingCalls waiting(recorder());
    const auto call = makeCall(11);
    waiting.hang(call, 50, answer(waiting));
    QVERIFY(waiting.isWaiting(11));
    QVERIFY(!waiting.held(11));
    QTRY_COMPARE_WITH_TIMEOUT(m_expired, QList<qint64> {11}, Patience);
    QVERIFY(!waiting.isWaiting(11));
}

void TestWaitingCalls::clearEndsEveryWait()
{
    Connection connection;
    QVERIFY(connection.open());
    WaitingCalls waiting(recorder());
    QSignalSpy abandoned(&waiting, &WaitingCalls::abandoned);
    waiting.hold(makeCall(1, connection.accepted), 60000, answer(waiting));
    waiting.delay(makeCall(2, connection.accepted), 60000, answer(waiting));
    waiting.hang(makeCall(3), 60000, answer(waiting));
    QCOMPARE(waiting.count(), 3);
    waiting.clear(); // the endpoint closes
    QCOMPARE(waiting.count(), 0);
    QVERIFY(waiting.heldCalls().isEmpty());
    QCOMPARE(activeTimers(waiting), 0);
    QVERIFY(connection.close());
    QCOMPARE(abandoned.count(), 0); // gone with the server: not recorded again
    QCOMPARE(m_recorded.size(), 1); // the hold
    QVERIFY(m_expired.isEmpty());
}

QTEST_GUILESS_MAIN(TestWaitingCalls)
#include "tst_scanner_waitingcalls.moc"

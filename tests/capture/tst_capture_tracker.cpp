// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/sessiontracker.h"
#include "tests/capture/capturetest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using Mock::Exchange;
using Mock::SessionTracker;
using MtaHooks::Stage;

namespace {

constexpr qint64 t0 = 1772619630000; // 2026-03-04T10:20:30Z
constexpr qint64 minute = 60 * 1000;

Exchange inbound(Stage stage, qint64 ms, const QString &ip = u"192.0.2.44"_s, int port = 41822)
{
    Exchange e;
    e.stage = stage;
    e.stageName = MtaHooks::stageName(stage);
    e.received = at(ms);
    e.clientIp = ip;
    e.clientPort = port;
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = 40000;
    return e;
}

Exchange outbound(Stage stage, qint64 ms, const QString &queueId)
{
    Exchange e;
    e.stage = stage;
    e.stageName = MtaHooks::stageName(stage);
    e.received = at(ms);
    e.queueId = queueId;
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = 40001;
    return e;
}

} // namespace

class TestCaptureTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupsOneConnection();
    void connectStartsNewSession();
    void idleGapStartsNewSession();
    void separatesClients();
    void outboundByQueue();
    void peerWithoutClientFacts();
    void ipv6Endpoint();
    void uniqueAcrossRestarts();
    void sameMillisecondConnects();
    void decodedFixtures();
    void forgetsIdleEndpoints();
    void malformedCallStaysOnItsConnection();
    void malformedCallFollowsItsQueueId();
    void controlBurstsAreSeparate();
};

void TestCaptureTracker::groupsOneConnection()
{
    SessionTracker tracker;
    QList<Exchange> calls {inbound(Stage::Connect, t0), inbound(Stage::Ehlo, t0 + 10),
        inbound(Stage::Mail, t0 + 20), inbound(Stage::Rcpt, t0 + 30), inbound(Stage::Rcpt, t0 + 40),
        inbound(Stage::Data, t0 + 50),
        // A second transaction on the same SMTP connection stays in the session.
        inbound(Stage::Mail, t0 + 60)};
    for (int i = 0; i < calls.size(); ++i) {
        tracker.assign(calls[i]);
        QCOMPARE(calls.at(i).sessionKey, u"192.0.2.44:41822@%1"_s.arg(t0));
        QCOMPARE(calls.at(i).sequence, i + 1);
    }
    QCOMPARE(tracker.openSessionCount(), 1);
}

void TestCaptureTracker::connectStartsNewSession()
{
    SessionTracker tracker;
    Exchange a = inbound(Stage::Connect, t0);
    Exchange b = inbound(Stage::Ehlo, t0 + 5);
    Exchange c = inbound(Stage::Connect, t0 + 1000); // same ip:port, new connection
    Exchange d = inbound(Stage::Ehlo, t0 + 1005);
    for (Exchange *e : {&a, &b, &c, &d})
        tracker.assign(*e);
    QCOMPARE(a.sessionKey, b.sessionKey);
    QCOMPARE(c.sessionKey, d.sessionKey);
    QVERIFY(a.sessionKey != c.sessionKey);
    QCOMPARE(c.sessionKey, u"192.0.2.44:41822@%1"_s.arg(t0 + 1000));
    QCOMPARE(c.sequence, 1);
    QCOMPARE(d.sequence, 2);
}

void TestCaptureTracker::idleGapStartsNewSession()
{
    SessionTracker tracker;
    QCOMPARE(tracker.idleGap(), std::chrono::milliseconds(10 * minute));
    Exchange a = inbound(Stage::Mail, t0);
    Exchange b = inbound(Stage::Rcpt, t0 + 10 * minute); // exactly ten minutes: same session
    Exchange c = inbound(Stage::Rcpt, t0 + 20 * minute + 1); // more than ten: new session
    for (Exchange *e : {&a, &b, &c})
        tracker.assign(*e);
    QCOMPARE(a.sessionKey, b.sessionKey);
    QCOMPARE(b.sequence, 2);
    QCOMPARE(c.sessionKey, u"192.0.2.44:41822@%1"_s.arg(t0 + 20 * minute + 1));
    QCOMPARE(c.sequence, 1);

    SessionTracker quick(std::chrono::seconds(1));
    Exchange x = inbound(Stage::Mail, t0);
    Exchange y = inbound(Stage::Rcpt, t0 + 1001);
    quick.assign(x);
    quick.assign(y);
    QVERIFY(x.sessionKey != y.sessionKey);
}

void TestCaptureTracker::separatesClients()
{
    SessionTracker tracker;
    Exchange a = inbound(Stage::Mail, t0, u"192.0.2.44"_s, 41822);
    Exchange b = inbound(Stage::Mail, t0 + 1, u"192.0.2.44"_s, 41823);
    Exchange c = inbound(Stage::Mail, t0 + 2, u"192.0.2.45"_s, 41822);
    Exchange a2 = inbound(Stage::Rcpt, t0 + 3, u"192.0.2.44"_s, 41822);
    for (Exchange *e : {&a, &b, &c, &a2})
        tracker.assign(*e);
    QCOMPARE(QSet<QString>({a.sessionKey, b.sessionKey, c.sessionKey}).size(), 3);
    QCOMPARE(a2.sessionKey, a.sessionKey);
    QCOMPARE(a2.sequence, 2);
    QCOMPARE(b.sequence, 1);
}

void TestCaptureTracker::outboundByQueue()
{
    SessionTracker tracker;
    Exchange data = inbound(Stage::Data, t0);
    data.queueId = u"q-7Z41"_s; // inbound calls stay with their client even with a queue id
    Exchange delivery = outbound(Stage::Delivery, t0 + minute, u"q-7Z41"_s);
    Exchange other = outbound(Stage::Delivery, t0 + minute, u"q-OTHER"_s);
    Exchange defer = outbound(Stage::Defer, t0 + 3 * 60 * minute, u"q-7Z41"_s); // hours later
    Exchange dsn = outbound(Stage::Dsn, t0 + 5 * 60 * minute, u"q-7Z41"_s);
    for (Exchange *e : {&data, &delivery, &other, &defer, &dsn})
        tracker.assign(*e);
    QCOMPARE(data.sessionKey, u"192.0.2.44:41822@%1"_s.arg(t0));
    QCOMPARE(delivery.sessionKey, u"queue:q-7Z41"_s);
    QCOMPARE(other.sessionKey, u"queue:q-OTHER"_s);
    QCOMPARE(defer.sessionKey, u"queue:q-7Z41"_s);
    QCOMPARE(dsn.sessionKey, u"queue:q-7Z41"_s);
    QCOMPARE(delivery.sequence, 1);
    QCOMPARE(defer.sequence, 2);
    QCOMPARE(dsn.sequence, 3);
    QCOMPARE(other.sequence, 1);
}

void TestCaptureTracker::peerWithoutClientFacts()
{
    SessionTracker tracker;
    Exchange discovery;
    discovery.kind = Mock::ExchangeKind::Discovery;
    discovery.received = at(t0);
    discovery.peerAddress = u"127.0.0.1"_s;
    discovery.peerPort = 40112;
    Exchange broken = discovery; // e.g. an undecodable body on the same keep-alive connection
    broken.kind = Mock::ExchangeKind::Hook;
    broken.received = at(t0 + 5);
    Exchange noQueue = outbound(Stage::Delivery, t0 + 6, QString()); // outbound without queue id
    noQueue.peerPort = 40112;
    for (Exchange *e : {&discovery, &broken, &noQueue})
        tracker.assign(*e);
    QCOMPARE(discovery.sessionKey, u"peer:127.0.0.1:40112@%1"_s.arg(t0));
    QCOMPARE(broken.sessionKey, discovery.sessionKey);
    QCOMPARE(noQueue.sessionKey, discovery.sessionKey);
    QCOMPARE(noQueue.sequence, 3);
}

void TestCaptureTracker::ipv6Endpoint()
{
    SessionTracker tracker;
    Exchange e = inbound(Stage::Connect, t0, u"2001:db8::25"_s, 53001);
    tracker.assign(e);
    QCOMPARE(e.sessionKey, u"[2001:db8::25]:53001@%1"_s.arg(t0));
    Exchange peer;
    peer.received = at(t0);
    peer.peerAddress = u"::1"_s;
    peer.peerPort = 5;
    tracker.assign(peer);
    QCOMPARE(peer.sessionKey, u"peer:[::1]:5@%1"_s.arg(t0));
}

void TestCaptureTracker::uniqueAcrossRestarts()
{
    Exchange before = inbound(Stage::Mail, t0);
    {
        SessionTracker first;
        first.assign(before);
    }
    // A restarted Hookscope sees the same client port again (a later connection, or the same
    // one continuing): the key differs, so the store never merges the two runs by accident.
    SessionTracker second;
    Exchange after = inbound(Stage::Rcpt, t0 + 30 * 1000);
    second.assign(after);
    QVERIFY(after.sessionKey != before.sessionKey);
    QCOMPARE(after.sequence, 1);

    SessionTracker reset;
    Exchange a = inbound(Stage::Mail, t0);
    reset.assign(a);
    reset.reset();
    QCOMPARE(reset.openSessionCount(), 0);
    Exchange b = inbound(Stage::Rcpt, t0 + 1);
    reset.assign(b);
    QVERIFY(a.sessionKey != b.sessionKey);
}

void TestCaptureTracker::sameMillisecondConnects()
{
    SessionTracker tracker;
    Exchange a = inbound(Stage::Connect, t0);
    Exchange b = inbound(Stage::Connect, t0);
    Exchange c = inbound(Stage::Connect, t0);
    for (Exchange *e : {&a, &b, &c})
        tracker.assign(*e);
    QCOMPARE(QSet<QString>({a.sessionKey, b.sessionKey, c.sessionKey}).size(), 3);
}

void TestCaptureTracker::decodedFixtures()
{
    SessionTracker tracker;
    QList<Exchange> calls;
    const QStringList stalwart {
        u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt-1"_s, u"rcpt-2"_s, u"data"_s};
    const QStringList draft {
        u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s, u"delivery"_s};
    // Interleaved, as two MTAs calling at once would arrive.
    for (int i = 0; i < 6; ++i) {
        calls.append(hookCall(u"stalwart/%1.json"_s.arg(stalwart.at(i)), at(t0 + 100 * i)));
        calls.append(hookCall(u"draft01/%1.json"_s.arg(draft.at(i)), at(t0 + 100 * i + 50)));
    }
    for (Exchange &e : calls)
        tracker.assign(e);
    for (int i = 0; i < 6; ++i) {
        const Exchange &s = calls.at(2 * i);
        const Exchange &d = calls.at(2 * i + 1);
        QCOMPARE(s.sessionKey, u"192.0.2.44:41822@%1"_s.arg(t0));
        QCOMPARE(s.sequence, i + 1);
        if (i < 5) {
            QCOMPARE(d.sessionKey, u"[2001:db8::25]:53001@%1"_s.arg(t0 + 50));
            QCOMPARE(d.sequence, i + 1);
        }
    }
    QCOMPARE(calls.last().stage, Stage::Delivery);
    QCOMPARE(calls.last().sessionKey, u"queue:q-7Z41"_s);
}

void TestCaptureTracker::forgetsIdleEndpoints()
{
    SessionTracker tracker(std::chrono::seconds(1));
    // Many short connections from distinct ports, then much later one more call: the sweep that
    // runs every few thousand calls drops the idle ones, so memory does not grow with traffic.
    for (int port = 1; port <= 5000; ++port) {
        Exchange e = inbound(Stage::Connect, t0 + port, u"192.0.2.9"_s, port);
        tracker.assign(e);
    }
    QVERIFY(tracker.openSessionCount() < 5000);
    const qint64 later = t0 + 10 * minute;
    for (int i = 0; i < 5000; ++i) {
        Exchange e = inbound(Stage::Connect, later + i, u"192.0.2.10"_s, 1);
        tracker.assign(e);
    }
    QVERIFY2(
        tracker.openSessionCount() < 10, qPrintable(QString::number(tracker.openSessionCount())));
}

// A body that does not decode tells nothing of its SMTP session; the HTTP connection that just
// carried that session's calls does.
void TestCaptureTracker::malformedCallStaysOnItsConnection()
{
    SessionTracker tracker;
    Exchange connect = inbound(Stage::Connect, t0);
    Exchange ehlo = inbound(Stage::Ehlo, t0 + 10);
    Exchange other = inbound(Stage::Connect, t0 + 15, u"192.0.2.99"_s, 1);
    other.peerPort = 40100; // another client, on another connection
    Exchange broken; // the truncated JSON of a data call
    broken.received = at(t0 + 20);
    broken.peerAddress = u"127.0.0.1"_s;
    broken.peerPort = 40000;
    Exchange stray = broken; // on a connection that carried no session
    stray.peerPort = 40999;
    for (Exchange *e : {&connect, &ehlo, &other, &broken, &stray})
        tracker.assign(*e);
    QCOMPARE(broken.sessionKey, connect.sessionKey);
    QCOMPARE(broken.sequence, 3);
    QCOMPARE(stray.sessionKey, u"peer:127.0.0.1:40999@%1"_s.arg(t0 + 20));
    // Past the idle gap the session is over: the connection no longer says anything.
    Exchange late = broken;
    late.received = at(t0 + 20 + 11 * minute);
    tracker.assign(late);
    QVERIFY(late.sessionKey.startsWith(u"peer:"_s));
}

void TestCaptureTracker::malformedCallFollowsItsQueueId()
{
    SessionTracker tracker;
    Exchange data = inbound(Stage::Data, t0);
    data.queueId = u"q-1"_s;
    tracker.assign(data);
    Exchange partial; // the client facts were lost, the queue id was read
    partial.received = at(t0 + 5);
    partial.queueId = u"q-1"_s;
    partial.peerAddress = u"127.0.0.1"_s;
    partial.peerPort = 40500;
    tracker.assign(partial);
    QCOMPARE(partial.sessionKey, data.sessionKey);
    QCOMPARE(partial.sequence, 2);
}

// Discovery and registration come in bursts (the replayer registers before each draft pass);
// bursts minutes apart are not one session spanning minutes.
void TestCaptureTracker::controlBurstsAreSeparate()
{
    SessionTracker tracker;
    const auto control = [](Mock::ExchangeKind kind, qint64 ms) {
        Exchange e;
        e.kind = kind;
        e.received = at(ms);
        e.peerAddress = u"127.0.0.1"_s;
        e.peerPort = 40112;
        return e;
    };
    Exchange discovery = control(Mock::ExchangeKind::Discovery, t0);
    Exchange registration = control(Mock::ExchangeKind::Registration, t0 + 200);
    Exchange again = control(Mock::ExchangeKind::Discovery, t0 + 2 * minute);
    for (Exchange *e : {&discovery, &registration, &again})
        tracker.assign(*e);
    QCOMPARE(registration.sessionKey, discovery.sessionKey);
    QVERIFY(again.sessionKey != discovery.sessionKey);
    QCOMPARE(again.sequence, 1);
}

QTEST_GUILESS_MAIN(TestCaptureTracker)
#include "tst_capture_tracker.moc"

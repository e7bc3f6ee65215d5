// SPDX-License-Identifier: GPL-3.0-or-later
// RequestFraming on its own: what RFC 9112 says a request's framing is, and what a careful server
// refuses. Each case is fed whole and one byte at a time: the reading must not depend on how the
// bytes arrive.
#include "mock/scanner/requestframing.h"

#include <QTest>

using Mock::RequestFraming;
using Event = RequestFraming::Event;

namespace {

struct Outcome
{
    int heads = 0;
    int messages = 0;
    int failedStatus = 0;
    QString reason;
    qint64 lastBody = -1;
};

Outcome run(const QByteArray &bytes, int slice, const RequestFraming::Limits &limits = {})
{
    RequestFraming framing(limits);
    Outcome outcome;
    for (qsizetype at = 0; at < bytes.size() || at == 0;) {
        QByteArrayView piece
            = QByteArrayView(bytes).sliced(at, qMin<qsizetype>(slice, bytes.size() - at));
        at += piece.size();
        while (true) {
            const auto step = framing.feed(piece);
            piece = piece.sliced(step.consumed);
            if (step.event == Event::HeadComplete)
                ++outcome.heads;
            if (step.event == Event::MessageComplete) {
                ++outcome.messages;
                outcome.lastBody = framing.bodyReceived();
            }
            if (step.event == Event::Failed) {
                outcome.failedStatus = framing.error().status;
                outcome.reason = framing.error().reason;
                return outcome;
            }
            if (step.event == Event::NeedMore) {
                if (!piece.isEmpty())
                    qFatal("NeedMore left bytes unconsumed");
                break;
            }
        }
        if (bytes.isEmpty())
            break;
    }
    return outcome;
}

QByteArray post(const QByteArray &extraHeaders, const QByteArray &body = {})
{
    return "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n" + body;
}

} // namespace

class TstScannerFraming : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reads_data();
    void reads();
    void boundsTheHead();
    void skipsCountedBody();
};

void TstScannerFraming::reads_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("messages");
    QTest::addColumn<int>("status"); // 0: no refusal
    QTest::addColumn<qint64>("body");

    QTest::newRow("content-length")
        << post("Content-Length: 5\r\n", "hello") << 1 << 0 << qint64(5);
    QTest::newRow("no body") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << 1 << 0
                             << qint64(0);
    QTest::newRow("leading CRLFs")
        << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") << 1 << 0 << qint64(0);
    QTest::newRow("pipelined") << QByteArray(
        post("Content-Length: 2\r\n", "ab") + post("Content-Length: 1\r\n", "c"))
                               << 2 << 0 << qint64(1);
    QTest::newRow("chunked") << post(
        "Transfer-Encoding: chunked\r\n", "5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n")
                             << 1 << 0 << qint64(8);
    QTest::newRow("chunked, upper-case hex")
        << post("Transfer-Encoding: Chunked\r\n", "A\r\n0123456789\r\n0\r\n\r\n") << 1 << 0
        << qint64(10);
    QTest::newRow("HTTP/1.0 without Host")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << 1 << 0 << qint64(0);

    QTest::newRow("repeated Content-Length")
        << post("Content-Length: 1000000000\r\nContent-Length: 5\r\n", "hello") << 0 << 400
        << qint64(-1);
    QTest::newRow("Content-Length list")
        << post("Content-Length: 5, 5\r\n", "hello") << 0 << 400 << qint64(-1);
    QTest::newRow("signed Content-Length")
        << post("Content-Length: +5\r\n", "hello") << 0 << 400 << qint64(-1);
    QTest::newRow("TE and CL") << post(
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "0\r\n\r\n")
                               << 0 << 400 << qint64(-1);
    QTest::newRow("gzip coding") << post("Transfer-Encoding: gzip\r\n") << 0 << 501 << qint64(-1);
    QTest::newRow("gzip, chunked")
        << post("Transfer-Encoding: gzip, chunked\r\n") << 0 << 501 << qint64(-1);
    QTest::newRow("chunked twice")
        << post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") << 0 << 501
        << qint64(-1);
    QTest::newRow("TE in HTTP/1.0")
        << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << 0 << 400
        << qint64(-1);
    QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: x\n\n") << 0 << 400 << qint64(-1);
    QTest::newRow("bare LF in a field")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("obs-fold") << post("X-A: 1\r\n  continued\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("no colon") << post("NoColonHere\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("space before colon") << post("X-A : 1\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("NUL in a value")
        << post(QByteArray("X-A: a\0b\r\n", 10)) << 0 << 400 << qint64(-1);
    QTest::newRow("three spaces") << QByteArray("GET / x HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << 400
                                  << qint64(-1);
    QTest::newRow("HTTP/1.x") << QByteArray("GET / HTTP/1.x\r\nHost: x\r\n\r\n") << 0 << 400
                              << qint64(-1);
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 0 << 505
                              << qint64(-1);
    QTest::newRow("no Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("two Hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 0
                               << 400 << qint64(-1);
    QTest::newRow("invalid chunk size")
        << post("Transfer-Encoding: chunked\r\n", "zz\r\n") << 0 << 400 << qint64(-1);
    QTest::newRow("chunk without CRLF")
        << post("Transfer-Encoding: chunked\r\n", "3\r\nabcX\r\n0\r\n\r\n") << 0 << 400
        << qint64(-1);
    QTest::newRow("trailer") << post(
        "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
                             << 0 << 400 << qint64(-1);
    QTest::newRow("long chunk line")
        << post("Transfer-Encoding: chunked\r\n", "3;" + QByteArray(2000, 'e') + "\r\n") << 0 << 400
        << qint64(-1);
    QTest::newRow("over the body limit")
        << post("Content-Length: 2000000\r\n") << 0 << 413 << qint64(-1);
    QTest::newRow("chunks over the body limit") << post(
        "Transfer-Encoding: chunked\r\n", "FFFFF\r\n" + QByteArray(0xFFFFF, 'a') + "\r\nFFFFF\r\n")
                                                << 0 << 413 << qint64(-1);
}

void TstScannerFraming::reads()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, messages);
    QFETCH(int, status);
    QFETCH(qint64, body);
    RequestFraming::Limits limits;
    limits.bodyLimit = 1024 * 1024;
    for (const int slice : {int(bytes.size()), 1, 7}) {
        const Outcome outcome = run(bytes, qMax(1, slice), limits);
        QCOMPARE(outcome.failedStatus, status);
        QCOMPARE(outcome.messages, messages);
        if (status == 0)
            QCOMPARE(outcome.lastBody, body);
        else
            QVERIFY(!outcome.reason.isEmpty());
    }
}

void TstScannerFraming::boundsTheHead()
{
    RequestFraming::Limits limits;
    limits.headLimit = 1024;
    limits.maxFields = 4;
    QCOMPARE(run(post("X-A: " + QByteArray(2000, 'a') + "\r\n"), 100, limits).failedStatus, 431);
    QCOMPARE(run(post("A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n"), 100, limits).failedStatus, 431);
    // A head that never ends holds no more than the head limit.
    RequestFraming framing(limits);
    const QByteArray endless(10000, 'a');
    const auto step = framing.feed(endless);
    QCOMPARE(step.event, Event::Failed);
    QCOMPARE(framing.error().status, 431);
    QCOMPARE(framing.bufferedBytes(), 0);
    QCOMPARE(framing.feed("more").consumed, 0);
}

void TstScannerFraming::skipsCountedBody()
{
    RequestFraming framing;
    const QByteArray head = post("Content-Length: 100\r\n");
    QCOMPARE(framing.feed(head).event, Event::HeadComplete);
    QCOMPARE(framing.contentBodyRemaining(), 100);
    framing.skipBody(60);
    QCOMPARE(framing.contentBodyRemaining(), 40);
    const auto step = framing.feed(QByteArray(40, 'x'));
    QCOMPARE(step.event, Event::MessageComplete);
    QCOMPARE(framing.bodyReceived(), 100);
    QVERIFY(framing.betweenRequests());
}

QTEST_GUILESS_MAIN(TstScannerFraming)
#include "tst_scanner_framing.moc"

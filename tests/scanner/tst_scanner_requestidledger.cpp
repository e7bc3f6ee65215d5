// SPDX-License-Identifier: GPL-3.0-or-later
// The ledger of draft request ids: retries, conflicts, the answers kept, and its bounds.
#include "mock/scanner/requestidledger_p.h"

#include <QTest>

using Mock::RequestIdLedger;

class TestRequestIdLedger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstSightingIsNew()
    {
        RequestIdLedger ledger;
        const auto sighting = ledger.see("a", RequestIdLedger::bodyDigest("body"));
        QCOMPARE(sighting.before, 0);
        QVERIFY(!sighting.conflict);
        QVERIFY(!sighting.answer);
    }
    void retryGetsTheAnswer()
    {
        RequestIdLedger ledger;
        const QByteArray digest = RequestIdLedger::bodyDigest("body");
        ledger.see("a", digest);
        ledger.answered("a", digest, {200, "application/json", "{}", {{"X-A", "1"}}});
        const auto retry = ledger.see("a", digest);
        QCOMPARE(retry.before, 1);
        QVERIFY(!retry.conflict);
        QVERIFY(retry.answer);
        QCOMPARE(retry.answer->body, QByteArray("{}"));
        QCOMPARE(retry.answer->headers.size(), 1);
        // A second answer (a racing retry) does not replace the first.
        ledger.answered("a", digest, {200, "application/json", "{\"other\":1}", {}});
        QCOMPARE(ledger.see("a", digest).answer->body, QByteArray("{}"));
    }
    void anotherBodyConflicts()
    {
        RequestIdLedger ledger;
        ledger.see("a", RequestIdLedger::bodyDigest("one"));
        ledger.answered("a", RequestIdLedger::bodyDigest("one"), {200, "x", "answer", {}});
        const auto other = ledger.see("a", RequestIdLedger::bodyDigest("two"));
        QVERIFY(other.conflict);
        QVERIFY(!other.answer); // never the other body's answer
        // The other body's answer is not kept under the id.
        ledger.answered("a", RequestIdLedger::bodyDigest("two"), {200, "x", "wrong", {}});
        QCOMPARE(
            ledger.see("a", RequestIdLedger::bodyDigest("one")).answer->body, QByteArray("answer"));
    }
    void boundedInIds()
    {
        RequestIdLedger ledger(100, 1 << 20);
        for (int i = 0; i < 1000; ++i)
            ledger.see(QByteArray::number(i), "d");
        QCOMPARE(ledger.size(), 100);
        QCOMPARE(ledger.see("999", "d").before, 1); // the newest are kept
        QCOMPARE(ledger.see("0", "d").before, 0); // the oldest went
    }
    void boundedInAnswerBytes()
    {
        RequestIdLedger ledger(100000, 64 * 1024);
        const QByteArray body(4000, 'x');
        for (int i = 0; i < 1000; ++i) {
            ledger.see(QByteArray::number(i), "d");
            ledger.answered(QByteArray::number(i), "d", {200, "x", body, {}});
            QVERIFY(ledger.answerBytes() <= 64 * 1024);
        }
        QVERIFY(ledger.see("999", "d").answer);
        // One answer over a quarter of the budget is not kept at all.
        ledger.see("huge", "d");
        ledger.answered("huge", "d", {200, "x", QByteArray(20000, 'y'), {}});
        QVERIFY(!ledger.see("huge", "d").answer);
    }
};

QTEST_GUILESS_MAIN(TestRequestIdLedger)
#include "tst_scanner_requestidledger.moc"

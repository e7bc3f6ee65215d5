// SPDX-License-Identifier: GPL-3.0-or-later
// CaptureStore::saveAllInBackground: a file store commits batches on a writer thread of its own,
// in the order given, and tells each batch's caller on the caller's thread; an in-memory store
// cannot; closing the store finishes what was handed over.
#include "mock/capture/capturestore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using Mock::CaptureStore;
using Mock::Exchange;

namespace {

QList<Exchange> batchOf(const QString &session, int count)
{
    QList<Exchange> batch;
    for (int i = 0; i < count; ++i) {
        Exchange e;
        e.sessionKey = session;
        e.received = QDateTime::currentDateTimeUtc();
        e.method = "POST";
        e.path = "/hook/" + QByteArray::number(i);
        e.requestBody = R"({"stage":"rcpt"})";
        e.httpStatus = 200;
        batch.append(e);
    }
    return batch;
}

struct Outcome
{
    QList<qint64> ids;
    bool stored = false;
    QThread *thread = nullptr;
};

} // namespace

class TestCaptureBackgroundSave : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void batchesStoredInOrderOnAnotherThread();
    void inMemoryStoreSavesOnItsOwnThread();
    void closeFinishesWhatWasHandedOver();
    void goneContextIsNotCalled();
};

void TestCaptureBackgroundSave::batchesStoredInOrderOnAnotherThread()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    CaptureStore store;
    QVERIFY2(store.open(dir.filePath(u"c.sqlite"_s)), qPrintable(store.lastError()));
    QSignalSpy announced(&store, &CaptureStore::exchangeSaved);
    QList<Outcome> outcomes;
    const auto record = [&outcomes](QList<Exchange> &saved, bool stored) {
        Outcome outcome;
        for (const Exchange &e : std::as_const(saved))
            outcome.ids.append(e.id);
        outcome.stored = stored;
        outcome.thread = QThread::currentThread();
        outcomes.append(outcome);
    };
    // Handed over back to back, without the event loop in between: neither blocks this thread.
    QVERIFY(store.saveAllInBackground(batchOf(u"a"_s, 3), this, record));
    QVERIFY(store.saveAllInBackground(batchOf(u"b"_s, 2), this, record));
    QVERIFY(outcomes.isEmpty()); // told on a later pass of this thread's loop
    QTRY_COMPARE(outcomes.size(), 2);
    QCOMPARE(store.backgroundSavesPending(), 0);
    QVERIFY(outcomes.at(0).stored && outcomes.at(1).stored);
    QCOMPARE(outcomes.at(0).ids.size(), 3);
    QCOMPARE(outcomes.at(1).ids.size(), 2);
    QCOMPARE(outcomes.at(0).thread, QThread::currentThread());
    QList<qint64> ids = outcomes.at(0).ids + outcomes.at(1).ids;
    for (qsizetype i = 1; i < ids.size(); ++i)
        QVERIFY(ids.at(i) > ids.at(i - 1));
    // Announced one by one, as new, in order, before each batch's caller hears of it.
    QCOMPARE(announced.count(), 5);
    for (qsizetype i = 0; i < announced.size(); ++i) {
        QCOMPARE(announced.at(i).at(0).value<Exchange>().id, ids.at(i));
        QVERIFY(announced.at(i).at(1).toBool());
    }
    // What the writer stored, this store's own connection reads.
    QCOMPARE(store.count(), 5);
    QCOMPARE(store.sessionCount(), 2);
    const auto loaded = store.load(ids.last());
    QVERIFY(loaded);
    QCOMPARE(loaded->sessionKey, u"b"_s);
}

void TestCaptureBackgroundSave::inMemoryStoreSavesOnItsOwnThread()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    bool called = false;
    QVERIFY(!store.saveAllInBackground(
        batchOf(u"a"_s, 1), this, [&called](QList<Exchange> &, bool) { called = true; }));
    QCOMPARE(store.count(), 0);
    QVERIFY(!called);
}

void TestCaptureBackgroundSave::closeFinishesWhatWasHandedOver()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"c.sqlite"_s);
    QList<qint64> ids;
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QVERIFY(store.saveAllInBackground(
            batchOf(u"a"_s, 4), this, [&ids](QList<Exchange> &saved, bool stored) {
                QVERIFY(stored);
                for (const Exchange &e : std::as_const(saved))
                    ids.append(e.id);
            }));
        store.close(); // before the event loop ran: the batch is stored and its caller told now
        QCOMPARE(ids.size(), 4);
    }
    CaptureStore again;
    QVERIFY(again.open(path));
    QCOMPARE(again.count(), 4);
}

void TestCaptureBackgroundSave::goneContextIsNotCalled()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    CaptureStore store;
    QVERIFY(store.open(dir.filePath(u"c.sqlite"_s)));
    QSignalSpy announced(&store, &CaptureStore::exchangeSaved);
    bool called = false;
    {
        QObject context;
        QVERIFY(store.saveAllInBackground(
            batchOf(u"a"_s, 2), &context, [&called](QList<Exchange> &, bool) { called = true; }));
    }
    QTRY_COMPARE(announced.count(), 2); // stored all the same
    QCOMPARE(store.count(), 2);
    QVERIFY(!called);
}

QTEST_GUILESS_MAIN(TestCaptureBackgroundSave)
#include "tst_capture_backgroundsave.moc"

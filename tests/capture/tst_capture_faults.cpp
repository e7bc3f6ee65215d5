// SPDX-License-Identifier: GPL-3.0-or-later
// Storage faults: a locked, read-only or full database costs no stall, counts the lost captures,
// says so once, and says so again when it has recovered.
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"
#include "tests/capture/storefaults.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace StoreFaults;
using Mock::CaptureStore;
using Mock::Exchange;

namespace { } // namespace

class TestCaptureFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void lockedDatabase();
    void readOnlyDatabase();
    void fullDisk();
    void failedBatchAnnouncesItsLosses();
    void otherFailuresKeepStoring();
    void reopeningStartsHealthy();

private:
    // Opens the store with one exchange in it and a long retry interval (each test shortens it
    // when it wants the next save to try again).
    void openWithOne();
    // The cause is in place: one save fails fast and is counted, the next fails without trying.
    void expectFault(const QString &reasonPart, qsizetype bodySize = 100);
    // The cause is gone: the next save stores and recovery is announced.
    void expectRecovery();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<CaptureStore> m_store;
    std::unique_ptr<QSignalSpy> m_health;
    QString m_path;
};

void TestCaptureFaults::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(u"c.db"_s);
}

void TestCaptureFaults::cleanup()
{
    m_health.reset();
    m_store.reset();
}

void TestCaptureFaults::openWithOne()
{
    m_store = std::make_unique<CaptureStore>();
    QVERIFY2(m_store->open(m_path), qPrintable(m_store->lastError()));
    m_health = std::make_unique<QSignalSpy>(m_store.get(), &CaptureStore::storageHealthChanged);
    m_store->setFaultRetryInterval(60 * 1000);
    Exchange first = call(u"s1"_s);
    QVERIFY(m_store->save(first));
    QVERIFY(m_store->isStoring());
    QCOMPARE(m_store->lostCaptures(), 0);
}

void TestCaptureFaults::expectFault(const QString &reasonPart, qsizetype bodySize)
{
    QSignalSpy errors(m_store.get(), &CaptureStore::errorOccurred);
    Exchange lost = call(u"s2"_s, bodySize);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(!m_store->save(lost));
    const qint64 firstMs = clock.elapsed();
    QCOMPARE(lost.id, 0);
    QCOMPARE(m_store->lostCaptures(), 1);
    QVERIFY(!m_store->isStoring());
    QVERIFY2(m_store->storageFault().contains(reasonPart), qPrintable(m_store->storageFault()));

    // Within the retry interval the store does not try: no second busy timeout.
    clock.restart();
    Exchange alsoLost = call(u"s2"_s);
    QVERIFY(!m_store->save(alsoLost));
    const qint64 secondMs = clock.elapsed();
    QCOMPARE(m_store->lostCaptures(), 2);
    QVERIFY2(m_store->lastError().contains(u"captures are not being stored"_s),
        qPrintable(m_store->lastError()));
    // Loose bounds (a loaded machine): the busy timeout is 50 ms, the fast path no SQL at all.
    QVERIFY2(firstMs < 1000, qPrintable(QString::number(firstMs)));
    QVERIFY2(secondMs < 100, qPrintable(QString::number(secondMs)));
    qInfo("failing save: %lld ms, while not storing: %lld ms", firstMs, secondMs);

    QTRY_COMPARE(m_health->count(), 1);
    QCOMPARE(m_health->at(0).at(0).toBool(), false);
    QCOMPARE(m_health->at(0).at(1).toString(), m_store->storageFault());
    QCOMPARE(errors.count(), 0); // the health signal says it; no error per call
    m_health->clear();
}

void TestCaptureFaults::expectRecovery()
{
    m_store->setFaultRetryInterval(0);
    Exchange stored = call(u"s3"_s);
    QVERIFY2(m_store->save(stored), qPrintable(m_store->lastError()));
    QVERIFY(stored.id > 0);
    QVERIFY(m_store->isStoring());
    QCOMPARE(m_store->storageFault(), QString());
    QTRY_COMPARE(m_health->count(), 1);
    QCOMPARE(m_health->at(0).at(0).toBool(), true);
    QCOMPARE(m_health->at(0).at(1).toString(), QString());
    QCOMPARE(m_store->lostCaptures(), 2); // the count stays: it is what was lost
    QCOMPARE(m_store->count(), 2);
}

void TestCaptureFaults::lockedDatabase()
{
    openWithOne();
    {
        Locker locker(m_path);
        QVERIFY(locker.lock());
        expectFault(u"locked"_s);
    }
    expectRecovery();
}

void TestCaptureFaults::readOnlyDatabase()
{
    openWithOne();
    QSqlDatabase db = storeConnection();
    QVERIFY(db.isValid());
    QVERIFY(execOn(db, u"PRAGMA query_only = ON"_s));
    expectFault(u"read-only"_s);
    QVERIFY(execOn(db, u"PRAGMA query_only = OFF"_s));
    expectRecovery();
}

void TestCaptureFaults::fullDisk()
{
    openWithOne();
    QSqlDatabase db = storeConnection();
    QVERIFY(db.isValid());
    const qint64 pages = scalarOn(db, u"PRAGMA page_count"_s);
    QVERIFY(pages > 0);
    QVERIFY(execOn(db, u"PRAGMA max_page_count = %1"_s.arg(pages)));
    expectFault(u"full"_s, 256 * 1024); // a body that needs new pages
    QVERIFY(execOn(db, u"PRAGMA max_page_count = 1073741823"_s));
    expectRecovery();
}

// The endpoint's group commit: the batch fails, then each call is saved alone and fails at once.
// One announcement, and the batch is already in its lost count.
void TestCaptureFaults::failedBatchAnnouncesItsLosses()
{
    openWithOne();
    qint64 lostWhenAnnounced = -1;
    connect(m_store.get(), &CaptureStore::storageHealthChanged, this,
        [this, &lostWhenAnnounced](bool storing) {
            if (!storing)
                lostWhenAnnounced = m_store->lostCaptures();
        });
    QSignalSpy lostChanges(m_store.get(), &CaptureStore::lostCapturesChanged);
    Locker locker(m_path);
    QVERIFY(locker.lock());
    QList<Exchange> batch {call(u"a"_s), call(u"b"_s), call(u"c"_s)};
    QVERIFY(!m_store->saveAll(batch));
    QCOMPARE(m_store->lostCaptures(), 0);
    for (Exchange &e : batch)
        QVERIFY(!m_store->save(e));
    QTRY_COMPARE(m_health->count(), 1);
    QCOMPARE(lostWhenAnnounced, 3);
    QCOMPARE(lostChanges.count(), 1);
    QCOMPARE(lostChanges.at(0).at(0).toLongLong(), 3);
}

void TestCaptureFaults::otherFailuresKeepStoring()
{
    openWithOne();
    QSignalSpy errors(m_store.get(), &CaptureStore::errorOccurred);
    Exchange unknown = call(u"s1"_s);
    unknown.id = 999;
    QVERIFY(!m_store->save(unknown));
    QCOMPARE(errors.count(), 1);
    QVERIFY(m_store->isStoring());
    QCOMPARE(m_store->lostCaptures(), 1);
    Exchange next = call(u"s1"_s);
    QVERIFY(m_store->save(next)); // no retry interval applies: nothing is wrong with the file
    QCoreApplication::processEvents();
    QCOMPARE(m_health->count(), 0);
}

void TestCaptureFaults::reopeningStartsHealthy()
{
    openWithOne();
    QSqlDatabase db = storeConnection();
    QVERIFY(execOn(db, u"PRAGMA query_only = ON"_s));
    db = QSqlDatabase();
    Exchange lost = call(u"s2"_s);
    QVERIFY(!m_store->save(lost));
    QTRY_COMPARE(m_health->count(), 1);
    QVERIFY(m_store->open(m_dir->filePath(u"other.db"_s)));
    QVERIFY(m_store->isStoring());
    QCOMPARE(m_store->lostCaptures(), 0);
    QTRY_COMPARE(m_health->count(), 2);
    QCOMPARE(m_health->at(1).at(0).toBool(), true);
}

QTEST_GUILESS_MAIN(TestCaptureFaults)
#include "tst_capture_faults.moc"

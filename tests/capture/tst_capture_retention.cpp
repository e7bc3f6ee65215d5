// SPDX-License-Identifier: GPL-3.0-or-later
// Retention: the oldest whole sessions go when a count or size bound is crossed; the newest
// session and sessions with held calls stay.
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"
#include "tests/capture/storefaults.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace StoreFaults;
using Mock::CaptureStore;
using Mock::Exchange;

namespace {

QString key(int n)
{
    return u"s%1"_s.arg(n, 3, 10, QChar(u'0'));
}

QStringList sessionKeys(const CaptureStore &store)
{
    QStringList keys;
    for (const Mock::SessionSummary &s : store.sessions({}, 0, 10000))
        keys.append(s.sessionKey);
    return keys;
}

QStringList keyRange(int from, int to)
{
    QStringList keys;
    for (int n = from; n <= to; ++n)
        keys.append(key(n));
    return keys;
}

qsizetype total(const QSignalSpy &removals)
{
    qsizetype n = 0;
    for (const QList<QVariant> &args : removals)
        n += args.at(0).value<QList<qint64>>().size();
    return n;
}

} // namespace

class TestCaptureRetention : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void keepsTheNewestSessions();
    void removesWholeSessions();
    void keepsNewestAndHeldSessions();
    void prunesAnExistingFile();
    void boundsTheDatabaseSize();
    void noBoundsKeepsEverything();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString file(const QString &name) const { return m_dir->filePath(name); }
};

void TestCaptureRetention::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

// Pruning runs on a later event-loop pass, as it would between hook calls.
void TestCaptureRetention::keepsTheNewestSessions()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"c.db"_s)));
    store.setRetention(10, 0);
    QSignalSpy removals(&store, &CaptureStore::exchangesRemoved);
    QList<qint64> ids;
    for (int n = 1; n <= 30; ++n) {
        Exchange e = call(key(n));
        QVERIFY(store.save(e));
        ids.append(e.id);
        QCoreApplication::processEvents();
        QVERIFY2(store.count() <= 10, qPrintable(QString::number(n)));
    }
    QCOMPARE(store.count(), 10);
    QCOMPARE(sessionKeys(store), keyRange(21, 30));
    QCOMPARE(total(removals), 20);
    // Announced with the ids the timeline knows.
    QCOMPARE(removals.first().at(0).value<QList<qint64>>(), QList<qint64> {ids.first()});
    QVERIFY(!store.load(ids.at(19)));
    QVERIFY(store.load(ids.at(20)));
}

void TestCaptureRetention::removesWholeSessions()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"c.db"_s)));
    for (int n = 1; n <= 6; ++n) {
        for (int i = 0; i < 3; ++i) {
            Exchange e = call(key(n));
            QVERIFY(store.save(e));
        }
    }
    store.setRetention(10, 0);
    QVERIFY(store.applyRetention());
    // 18 exchanges, 3 a session: three sessions go (9 left), never part of one.
    QCOMPARE(sessionKeys(store), keyRange(4, 6));
    QCOMPARE(store.count(), 9);
    for (const Mock::SessionSummary &s : store.sessions({}, 0, 10))
        QCOMPARE(s.exchangeCount, 3);
}

void TestCaptureRetention::keepsNewestAndHeldSessions()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"c.db"_s)));
    Exchange held = call(u"held"_s);
    held.held = true;
    held.httpStatus = 0;
    QVERIFY(store.save(held));
    for (int i = 0; i < 3; ++i) {
        Exchange e = call(u"old"_s);
        QVERIFY(store.save(e));
    }
    for (int i = 0; i < 3; ++i) {
        Exchange e = call(u"newest"_s);
        QVERIFY(store.save(e));
    }
    store.setRetention(1, 0);
    QVERIFY(store.applyRetention());
    QCOMPARE(sessionKeys(store), (QStringList {u"held"_s, u"newest"_s}));

    // Answered, the held call's session is like any other.
    held.held = false;
    held.httpStatus = 200;
    QVERIFY(store.save(held));
    QVERIFY(store.applyRetention());
    QCOMPARE(sessionKeys(store), QStringList {u"newest"_s});
    QCOMPARE(store.count(), 3); // over the bound: the newest session is kept whole
}

void TestCaptureRetention::prunesAnExistingFile()
{
    const QString path = file(u"c.db"_s);
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QList<Exchange> many;
        for (int n = 1; n <= 50; ++n)
            many.append(call(key(n)));
        QVERIFY(store.saveAll(many));
    }
    CaptureStore store;
    store.setRetention(5, 0); // before open: applies to the file it opens
    QVERIFY(store.open(path));
    QSignalSpy removals(&store, &CaptureStore::exchangesRemoved);
    QTRY_COMPARE(store.count(), 5);
    QCOMPARE(sessionKeys(store), keyRange(46, 50));
    QCOMPARE(total(removals), 45);
}

// Bodies of 40 KB against a 1 MB bound: the pages in use stay near the bound, the file stops
// growing (freed pages are reused), and the newest calls are there.
void TestCaptureRetention::boundsTheDatabaseSize()
{
    const qint64 bound = 1024 * 1024;
    const QString path = file(u"c.db"_s);
    CaptureStore store;
    QVERIFY(store.open(path));
    store.setRetention(0, bound);
    qint64 largest = 0;
    qint64 lastId = 0;
    for (int n = 1; n <= 200; ++n) {
        Exchange e = call(key(n), 40 * 1024);
        QVERIFY(store.save(e));
        lastId = e.id;
        QCoreApplication::processEvents();
        largest = std::max(largest, store.databaseBytes());
    }
    const qint64 used = store.databaseBytes();
    qInfo("pages in use: %lld bytes at the end, %lld at most (bound %lld)", used, largest, bound);
    QVERIFY2(used <= bound, qPrintable(QString::number(used)));
    // Between two looks at the file size it can grow by a 64th of the bound or 64 KB, and a call.
    QVERIFY2(largest <= bound + 64 * 1024 + 48 * 1024, qPrintable(QString::number(largest)));
    QVERIFY(store.count() >= 15); // about 24 fit
    QVERIFY(store.load(lastId));
    QCOMPARE(sessionKeys(store).constLast(), key(200));
    store.close(); // checkpoints the WAL into the file
    const qint64 fileSize = QFileInfo(path).size();
    QVERIFY2(fileSize <= bound * 5 / 4, qPrintable(QString::number(fileSize)));
}

void TestCaptureRetention::noBoundsKeepsEverything()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"c.db"_s)));
    store.setRetention(0, 0);
    QSignalSpy removals(&store, &CaptureStore::exchangesRemoved);
    for (int n = 1; n <= 20; ++n) {
        Exchange e = call(key(n));
        QVERIFY(store.save(e));
    }
    QCoreApplication::processEvents();
    QVERIFY(store.applyRetention());
    QCOMPARE(store.count(), 20);
    QCOMPARE(removals.count(), 0);
}

QTEST_GUILESS_MAIN(TestCaptureRetention)
#include "tst_capture_retention.moc"

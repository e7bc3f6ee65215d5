// SPDX-License-Identifier: GPL-3.0-or-later
// CommitQueue: an exchange is on disk before its answer is written, alone, in a group commit per
// event-loop pass (in commit order) or in parts; a failed group is stored one by one; storage
// faults never hold an answer back.
#include "mock/capture/capturestore.h"
#include "mock/scanner/commitqueue_p.h"
#include "tests/capture/storefaults.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Mock::CaptureStore;
using Mock::CommitQueue;
using Mock::Exchange;

namespace {

std::shared_ptr<Exchange> exchange(const QByteArray &path, qsizetype bodySize = 64)
{
    auto e = std::make_shared<Exchange>();
    e->sessionKey = u"session"_s;
    e->received = QDateTime::currentDateTimeUtc();
    e->method = "POST";
    e->path = path;
    e->requestBody = QByteArray(bodySize, 'x');
    e->responseBody = R"({"action":"accept"})";
    e->httpStatus = 200;
    return e;
}

} // namespace

class TestCommitQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void withoutStoreWritesAtOnce();
    void aloneStoredBeforeWritten();
    void groupedInOnePassInOrder();
    void flushCommitsTheGroupNow();
    void fileGroupCommittedOnWriterThread();
    void flushWaitsForTheWriterThread();
    void newStoreGetsNothingOfTheOld();
    void largeBodyStoredInParts();
    void failedGroupStoredOneByOne();
    void storageFaultAnswersAnyway_data();
    void storageFaultAnswersAnyway();

private:
    // A `written` step noting the exchange's path, and whether it was in the store by then.
    CommitQueue::Written note(const std::shared_ptr<Exchange> &e)
    {
        return [this, e] {
            m_written.append(e->path);
            if (e->id > 0 && m_store.load(e->id))
                ++m_storedWhenWritten;
        };
    }

    CaptureStore m_store;
    QList<QByteArray> m_written;
    int m_storedWhenWritten = 0;
};

void TestCommitQueue::init()
{
    QVERIFY2(m_store.open(u":memory:"_s), qPrintable(m_store.lastError()));
    m_written.clear();
    m_storedWhenWritten = 0;
}

void TestCommitQueue::cleanup()
{
    m_store.close();
}

void TestCommitQueue::withoutStoreWritesAtOnce()
{
    for (const bool grouped : {false, true}) {
        CommitQueue queue;
        queue.setGrouped(grouped);
        const auto e = exchange("/a");
        queue.commit(e, note(e));
        QCOMPARE(m_written, QList<QByteArray> {"/a"});
        QCOMPARE(e->id, 0);
        QCOMPARE(queue.queued(), 0);
        m_written.clear();
    }
}

void TestCommitQueue::aloneStoredBeforeWritten()
{
    CommitQueue queue;
    queue.setStore(&m_store);
    QSignalSpy batches(&m_store, &CaptureStore::batchSaved);
    QSignalSpy failed(&queue, &CommitQueue::saveFailed);
    const auto first = exchange("/1");
    const auto second = exchange("/2");
    queue.commit(first, note(first));
    QCOMPARE(m_written, QList<QByteArray> {"/1"}); // before commit() returned
    queue.commit(second, note(second));
    QCOMPARE(m_written, (QList<QByteArray> {"/1", "/2"}));
    QCOMPARE(m_storedWhenWritten, 2);
    QVERIFY(first->id > 0);
    QVERIFY(second->id > first->id);
    QCOMPARE(batches.count(), 0);
    QCOMPARE(failed.count(), 0);
}

void TestCommitQueue::groupedInOnePassInOrder()
{
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(true);
    QSignalSpy batches(&m_store, &CaptureStore::batchSaved);
    QSignalSpy saved(&m_store, &CaptureStore::exchangeSaved);
    QList<std::shared_ptr<Exchange>> exchanges;
    qint64 storedAtFirstAnswer = -1;
    for (const char *path : {"/1", "/2", "/3"}) {
        exchanges.append(exchange(path));
        const auto e = exchanges.last();
        queue.commit(e, [this, e, &storedAtFirstAnswer, written = note(e)] {
            if (storedAtFirstAnswer < 0)
                storedAtFirstAnswer = m_store.count();
            written();
        });
    }
    // Nothing on disk and nothing written until the end of this pass.
    QVERIFY(m_written.isEmpty());
    QCOMPARE(queue.queued(), 3);
    QCOMPARE(m_store.count(), 0);
    QTRY_COMPARE(m_written.size(), 3);
    QCOMPARE(m_written, (QList<QByteArray> {"/1", "/2", "/3"}));
    QCOMPARE(m_storedWhenWritten, 3);
    QCOMPARE(storedAtFirstAnswer, 3); // one transaction, committed before the first answer
    // Live calls: each announced as new, as save() does, for lists that follow them.
    QCOMPARE(batches.count(), 0);
    QCOMPARE(saved.count(), 3);
    QVERIFY(exchanges[0]->id > 0);
    QVERIFY(exchanges[1]->id > exchanges[0]->id);
    QVERIFY(exchanges[2]->id > exchanges[1]->id);
    // A commit in a later pass is a group of its own.
    const auto later = exchange("/4");
    queue.commit(later, note(later));
    QTRY_COMPARE(m_written.size(), 4);
    QCOMPARE(saved.count(), 4);
}

// A file store commits groups on its writer thread: the event loop goes on, and each answer is
// written only once its exchange is in the file, as another connection reads it.
void TestCommitQueue::fileGroupCommittedOnWriterThread()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"captures.sqlite"_s);
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    CaptureStore reader;
    QVERIFY2(reader.open(path), qPrintable(reader.lastError()));
    CommitQueue queue;
    queue.setStore(&store);
    queue.setGrouped(true);
    QSignalSpy saved(&store, &CaptureStore::exchangeSaved);
    QList<QByteArray> written;
    int onDiskWhenWritten = 0;
    QList<std::shared_ptr<Exchange>> exchanges;
    const auto commit = [&](const char *name) {
        const auto e = exchange(name);
        exchanges.append(e);
        queue.commit(e, [&, e] {
            written.append(e->path);
            if (e->id > 0 && reader.load(e->id))
                ++onDiskWhenWritten;
        });
    };
    for (const char *name : {"/1", "/2", "/3"})
        commit(name);
    QVERIFY(written.isEmpty());
    QTRY_VERIFY(!written.isEmpty());
    for (const char *name : {"/4", "/5"})
        commit(name);
    QTRY_COMPARE(written.size(), 5);
    QCOMPARE(written, (QList<QByteArray> {"/1", "/2", "/3", "/4", "/5"}));
    QCOMPARE(onDiskWhenWritten, 5);
    for (qsizetype i = 1; i < exchanges.size(); ++i)
        QVERIFY(exchanges.at(i)->id > exchanges.at(i - 1)->id);
    QCOMPARE(store.backgroundSavesPending(), 0);
    QCOMPARE(saved.count(), 5);
    QCOMPARE(reader.count(), 5);
}

void TestCommitQueue::flushWaitsForTheWriterThread()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"captures.sqlite"_s);
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    CommitQueue queue;
    queue.setStore(&store);
    queue.setGrouped(true);
    QList<QByteArray> written;
    const auto first = exchange("/1");
    queue.commit(first, [&written, first] { written.append(first->path); });
    const auto second = exchange("/2");
    queue.commit(second, [&written, second] { written.append(second->path); });
    queue.flushNow(); // the endpoint closes: both are stored and written before this returns
    QCOMPARE(written, (QList<QByteArray> {"/1", "/2"}));
    QVERIFY(first->id > 0);
    QVERIFY(second->id > first->id);
    QCOMPARE(store.backgroundSavesPending(), 0);
    QCOMPARE(store.count(), 2);
}

void TestCommitQueue::flushCommitsTheGroupNow()
{
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(true);
    const auto first = exchange("/1");
    const auto second = exchange("/2");
    queue.commit(first, note(first));
    queue.commit(second, note(second));
    queue.flushNow(); // the endpoint closes
    QCOMPARE(m_written, (QList<QByteArray> {"/1", "/2"}));
    QCOMPARE(m_storedWhenWritten, 2);
    QCOMPARE(queue.queued(), 0);
    // The flush queued for the end of the pass finds nothing: each answer is written once.
    QCoreApplication::processEvents();
    QCOMPARE(m_written.size(), 2);
    QCOMPARE(m_store.count(), 2);
}

void TestCommitQueue::newStoreGetsNothingOfTheOld()
{
    CaptureStore other;
    QVERIFY(other.open(u":memory:"_s));
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(true);
    const auto answered = exchange("/old");
    queue.commit(answered, note(answered));
    queue.setStore(&other);
    QCOMPARE(m_written, QList<QByteArray> {"/old"});
    QCOMPARE(m_store.count(), 1); // the store it was answered for
    QCOMPARE(other.count(), 0);
    QCOMPARE(queue.store(), &other);
}

void TestCommitQueue::largeBodyStoredInParts()
{
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(true);
    const auto large = exchange("/large", 2 * CaptureStore::PartBytes + 10);
    const auto small = exchange("/small");
    queue.commit(large, note(large));
    QVERIFY(m_written.isEmpty()); // its parts go over several passes
    queue.commit(small, note(small));
    QTRY_COMPARE(m_written.size(), 2);
    // The small call is not held up by the large one's writes.
    QCOMPARE(m_written, (QList<QByteArray> {"/small", "/large"}));
    QCOMPARE(m_storedWhenWritten, 2);
    const auto stored = m_store.load(large->id);
    QVERIFY(stored);
    QCOMPARE(stored->requestBody, large->requestBody);
}

void TestCommitQueue::failedGroupStoredOneByOne()
{
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(true);
    QSignalSpy failed(&queue, &CommitQueue::saveFailed);
    QSignalSpy batches(&m_store, &CaptureStore::batchSaved);
    const auto first = exchange("/1");
    const auto bad = exchange("/bad");
    bad->id = 999999; // a rewrite of a row that does not exist: the whole group fails
    const auto third = exchange("/3");
    for (const auto &e : {first, bad, third})
        queue.commit(e, note(e));
    QTRY_COMPARE(m_written.size(), 3);
    QCOMPARE(m_written, (QList<QByteArray> {"/1", "/bad", "/3"}));
    QCOMPARE(batches.count(), 0);
    // One bad row loses only itself, and says so once.
    QVERIFY(first->id > 0);
    QVERIFY(third->id > first->id);
    QVERIFY(m_store.load(first->id));
    QVERIFY(m_store.load(third->id));
    QCOMPARE(m_store.count(), 2);
    QCOMPARE(m_storedWhenWritten, 2);
    QCOMPARE(failed.count(), 1);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.startsWith(u"capture not saved: "_s), qPrintable(message));
    QVERIFY2(message.contains(u"999999"_s), qPrintable(message));
}

void TestCommitQueue::storageFaultAnswersAnyway_data()
{
    QTest::addColumn<bool>("grouped");
    QTest::newRow("commit per call") << false;
    QTest::newRow("group commit") << true;
}

void TestCommitQueue::storageFaultAnswersAnyway()
{
    QFETCH(bool, grouped);
    m_store.close();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"c.db"_s);
    QVERIFY(m_store.open(path));
    m_store.setFaultRetryInterval(60 * 1000);
    CommitQueue queue;
    queue.setStore(&m_store);
    queue.setGrouped(grouped);
    QSignalSpy failed(&queue, &CommitQueue::saveFailed);
    StoreFaults::Locker locker(path); // another program holds the write lock
    QVERIFY(locker.lock());
    constexpr int Calls = 3;
    for (int i = 0; i < Calls; ++i) {
        const auto e = exchange("/" + QByteArray::number(i));
        queue.commit(e, note(e));
    }
    QTRY_COMPARE(m_written.size(), Calls);
    QCOMPARE(m_storedWhenWritten, 0);
    QVERIFY(!m_store.isStoring());
    QCOMPARE(m_store.lostCaptures(), qint64(Calls));
    QCOMPARE(failed.count(), 0); // the store announces a storage fault, once
    locker.release();
}

QTEST_GUILESS_MAIN(TestCommitQueue)
#include "tst_scanner_commitqueue.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The write-ahead log of a capture file is checkpointed off the committing thread: what is saved
// reaches the database file itself while the store stays open, and the log does not grow without
// end under a steady stream of large captures.
#include "tests/capture/capturetest.h"

#include "mock/capture/capturestore.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TstCaptureCheckpoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void savedBytesReachTheFileWhileOpen();
    void logStaysBoundedUnderLargeCaptures();
};

namespace {

Mock::Exchange largeCapture(int index, qsizetype bytes)
{
    Mock::Exchange exchange = CaptureTest::everyField();
    exchange.id = 0;
    exchange.sessionKey = u"large-%1"_s.arg(index);
    exchange.requestBody = QByteArray(bytes, char('a' + index % 26));
    return exchange;
}

} // namespace

void TstCaptureCheckpoint::savedBytesReachTheFileWhileOpen()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"captures.sqlite"_s);
    Mock::CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    const qint64 before = QFileInfo(path).size();
    for (int i = 0; i < 6; ++i) {
        Mock::Exchange exchange = largeCapture(i, 1024 * 1024);
        QVERIFY2(store.save(exchange), qPrintable(store.lastError()));
    }
    // SQLite's own checkpoints are off on the store's connection: only the checkpoint thread
    // moves the 6 MB from the log into the file.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() >= before + 4 * 1024 * 1024, 20000);
    const std::optional<Mock::Exchange> first = store.load(1);
    QVERIFY(first);
    QCOMPARE(first->requestBody, QByteArray(1024 * 1024, 'a'));
}

void TstCaptureCheckpoint::logStaysBoundedUnderLargeCaptures()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"captures.sqlite"_s);
    const QString log = path + u"-wal"_s;
    Mock::CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    // 64 MB in rounds of 8 MB. Once a round is in the file, the next commit starts the log over,
    // so it never holds much more than a round; without checkpoints it would hold all 64 MB.
    constexpr qsizetype Capture = 2 * 1024 * 1024;
    for (int round = 1; round <= 8; ++round) {
        for (int i = 0; i < 4; ++i) {
            Mock::Exchange exchange = largeCapture(round * 4 + i, Capture);
            QVERIFY2(store.save(exchange), qPrintable(store.lastError()));
        }
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() >= round * 4 * Capture, 20000);
    }
    QVERIFY2(QFileInfo(log).size() < 24 * 1024 * 1024,
        qPrintable(QString::number(QFileInfo(log).size())));
    QCOMPARE(store.count(), 32);
}

QTEST_GUILESS_MAIN(TstCaptureCheckpoint)
#include "tst_capture_checkpoint.moc"

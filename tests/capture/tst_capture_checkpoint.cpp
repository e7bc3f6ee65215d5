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
    // 128 MB in rounds of 8 MB. Once a round is in the file, a later commit starts the log over,
    // so it holds a round or, on a loaded machine where the checkpoint thread lags (a PASSIVE
    // checkpoint stops short of frames written while it runs), a few; without checkpoints it
    // would hold all 128 MB.
    constexpr qsizetype Capture = 2 * 1024 * 1024;
    constexpr int Rounds = 16;
    qint64 largestLog = 0;
    for (int round = 1; round <= Rounds; ++round) {
        for (int i = 0; i < 4; ++i) {
            Mock::Exchange exchange = largeCapture(round * 4 + i, Capture);
            QVERIFY2(store.save(exchange), qPrintable(store.lastError()));
            largestLog = qMax(largestLog, QFileInfo(log).size());
        }
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path).size() >= round * 4 * Capture, 20000);
    }
    QVERIFY2(largestLog < 48 * 1024 * 1024, qPrintable(QString::number(largestLog)));
    QCOMPARE(store.count(), Rounds * 4);
}

QTEST_GUILESS_MAIN(TstCaptureCheckpoint)
#include "tst_capture_checkpoint.moc"

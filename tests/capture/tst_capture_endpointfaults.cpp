// SPDX-License-Identifier: GPL-3.0-or-later
// The storage fault policy as an MTA sees it: with the capture database locked, every call is
// answered normally and promptly, the captures are counted as lost, and the endpoint does not
// retry the store per call.
#include "mock/capture/capturestore.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/capture/storefaults.h"
#include "tests/support/testsupport.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestCaptureEndpointFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answersWhileLocked_data();
    void answersWhileLocked();
};

void TestCaptureEndpointFaults::answersWhileLocked_data()
{
    QTest::addColumn<bool>("groupCommit");
    QTest::newRow("commit per call") << false;
    QTest::newRow("group commit") << true;
}

void TestCaptureEndpointFaults::answersWhileLocked()
{
    QFETCH(bool, groupCommit);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"c.db"_s);
    Mock::CaptureStore store;
    QVERIFY(store.open(path));
    store.setFaultRetryInterval(60 * 1000);
    Mock::Rulebook rules;
    Mock::HookEndpoint endpoint(&rules);
    Mock::EndpointSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    settings.groupCommit = groupCommit;
    endpoint.setSettings(settings);
    endpoint.setCaptureStore(&store);
    QVERIFY2(endpoint.listen(), qPrintable(endpoint.errorString()));
    QSignalSpy health(&store, &Mock::CaptureStore::storageHealthChanged);

    StoreFaults::Locker locker(path);
    QVERIFY(locker.lock());
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    const QByteArray body = TestSupport::readData(u"capture/stalwart/connect.json"_s);
    QVERIFY(!body.isEmpty());
    constexpr int Calls = 4;
    QList<QNetworkReply *> replies;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < Calls; ++i) {
        QNetworkRequest request(QUrl(endpoint.url() + u"/hook"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setTransferTimeout(10000);
        QNetworkReply *reply = nam.post(request, body);
        reply->setParent(this);
        replies.append(reply);
    }
    for (QNetworkReply *reply : std::as_const(replies)) {
        if (!reply->isFinished())
            QVERIFY(QSignalSpy(reply, &QNetworkReply::finished).wait(10000));
    }
    const qint64 elapsedMs = clock.elapsed();
    for (QNetworkReply *reply : std::as_const(replies)) {
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(reply->readAll().contains("accept"));
        reply->deleteLater();
    }
    qInfo("%d calls answered in %lld ms with the database locked", Calls, elapsedMs);
    // One busy timeout (50 ms) at most, then no more tries: far below a second.
    QVERIFY2(elapsedMs < 2000, qPrintable(QString::number(elapsedMs)));
    QCOMPARE(store.lostCaptures(), Calls);
    QTRY_COMPARE(health.count(), 1);
    QCOMPARE(health.at(0).at(0).toBool(), false);
    endpoint.close();
}

QTEST_GUILESS_MAIN(TestCaptureEndpointFaults)
#include "tst_capture_endpointfaults.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Help ▸ Run demo without the window: every bundled sample session reaches the demo's endpoint
// and is captured, the last one authenticated (HTTPS, a client certificate, a Bearer token), and
// the user's rulebook is never touched.
#include "app/demorunner.h"
#include "mock/capture/capturestore.h"
#include "mock/scanner/rulebook.h"

#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

class TstAppDemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void playsEverySampleAndAuthenticatesTheLast();
    void leavesTheWindowsEndpointAlone();
};

void TstAppDemo::playsEverySampleAndAuthenticatesTheLast()
{
    Mock::CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));

    DemoRunner demo(&store);
    QSignalSpy started(&demo, &DemoRunner::sessionStarted);
    QSignalSpy finished(&demo, &DemoRunner::finished);
    QSignalSpy errors(&demo, &DemoRunner::errorOccurred);
    QString error;
    QVERIFY2(demo.start(0, &error), qPrintable(error));
    QVERIFY(demo.isRunning());
    QVERIFY(demo.endpoint().isListening());
    QVERIFY(finished.wait(120000));
    QVERIFY2(errors.isEmpty(), qPrintable(errors.value(0).value(0).toString()));
    QVERIFY(!demo.isRunning());
    QVERIFY(!demo.secureEndpoint().isListening());
    QVERIFY(!demo.endpoint().isListening());

    const int sessions = started.last().at(1).toInt();
    QVERIFY(sessions >= 9);
    QCOMPARE(started.size(), sessions);
    // Every session reached the endpoint: its calls carry its title in their note.
    const QList<Mock::Exchange> all = store.list({}, 0, 1000);
    for (const QList<QVariant> &session : std::as_const(started)) {
        const QString sessionTitle = session.at(2).toString();
        QVERIFY2(std::any_of(all.begin(), all.end(),
                     [&](const Mock::Exchange &e) { return e.note.startsWith(sessionTitle); }),
            qPrintable(sessionTitle));
    }

    // The clean session's data call is answered by a sample script: resources/samples/scripts/.
    const auto scripted = std::find_if(all.begin(), all.end(),
        [](const Mock::Exchange &e) { return e.ruleName == u"demo: spam score (script)"_s; });
    QVERIFY(scripted != all.end());
    QVERIFY2(store.load(scripted->id)->responseBody.contains("X-Spam-Score"),
        store.load(scripted->id)->responseBody.constData());

    // The last session came in over mTLS with a Bearer token, stored redacted.
    const QString title = started.last().at(2).toString();
    QVERIFY2(title.startsWith(u"Authenticated"_s), qPrintable(title));
    QList<Mock::Exchange> secure;
    for (const Mock::Exchange &summary : all) {
        if (!summary.clientCertificate.isEmpty())
            secure.append(*store.load(summary.id));
    }
    // Discovery first, then connect, ehlo, mail, rcpt and data.
    const qsizetype hooks = std::count_if(secure.begin(), secure.end(),
        [](const Mock::Exchange &e) { return e.kind == Mock::ExchangeKind::Hook; });
    QCOMPARE(hooks, 5);
    for (const Mock::Exchange &exchange : std::as_const(secure)) {
        QVERIFY2(exchange.clientCertificate.contains(u"CN=mx.demo.example"_s),
            qPrintable(exchange.clientCertificate));
        QCOMPARE(exchange.requestHeader("Authorization"), QByteArray("Bearer ***"));
        QVERIFY2(exchange.httpStatus / 100 == 2,
            qPrintable(exchange.stageName + u": "_s + QString::fromUtf8(exchange.responseBody)));
        // A draft's request (-01 and -02 requests read alike; the answers differ).
        if (exchange.kind == Mock::ExchangeKind::Hook) {
            QVERIFY(exchange.dialect == MtaHooks::Dialect::Draft01
                || exchange.dialect == MtaHooks::Dialect::Draft02);
        }
    }
    // No call was turned away for its credentials (the malformed sample earns its 400s).
    for (const Mock::Exchange &summary : all) {
        QVERIFY2(summary.httpStatus != 401 && summary.httpStatus != 403 && summary.httpStatus != 0,
            qPrintable(summary.stageName));
    }

    // The demo's rules answered: the spam sample was rejected by one of them.
    QVERIFY(std::any_of(all.begin(), all.end(),
        [](const Mock::Exchange &e) { return e.ruleName.startsWith(u"demo: "_s); }));
}

// The demo needs no endpoint of the window's and leaves the user's rulebook as it was, hit
// counts included, while it runs and after (issue 15).
void TstAppDemo::leavesTheWindowsEndpointAlone()
{
    Mock::Rulebook rulebook;
    Mock::Rule once;
    once.name = u"Reject the first recipient"_s;
    once.when.stages = {MtaHooks::Stage::Rcpt};
    once.when.times = 1;
    once.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Reject);
    rulebook.setRules({once});
    rulebook.setHeld(MtaHooks::Stage::Data, true);
    QSignalSpy changed(&rulebook, &Mock::Rulebook::changed);
    QSignalSpy hits(&rulebook, &Mock::Rulebook::hitsChanged);
    Mock::CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    DemoRunner demo(&store);
    QSignalSpy finished(&demo, &DemoRunner::finished);
    QString error;
    QVERIFY2(demo.start(0, &error), qPrintable(error));
    QVERIFY(finished.wait(120000));
    QVERIFY(changed.isEmpty());
    QVERIFY(hits.isEmpty());
    QCOMPARE(rulebook.rules(), QList<Mock::Rule> {once});
    QCOMPARE(rulebook.heldStages(), QSet<MtaHooks::Stage> {MtaHooks::Stage::Data});
    QVERIFY(store.count() > 0);
}

QTEST_GUILESS_MAIN(TstAppDemo)
#include "tst_app_demo.moc"

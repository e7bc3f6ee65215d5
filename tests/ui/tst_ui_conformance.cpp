// SPDX-License-Identifier: GPL-3.0-or-later
// Tools ▸ Conformance… through the real composition root: the scanner checks against an
// in-process strict endpoint (rows arrive one per check, every MUST passes, a row shows its
// request and answer, every call sent is captured in a session of the run and a row's "Show in
// timeline" selects the exchange picked in its evidence list), Stop skips what has not started, and
// the MTA checks against tests/conform/mta_double.py (the calls land in the capture store and a
// row's "Show in timeline" selects its call in the window). HTTP on 127.0.0.1 only.
#include "app/application.h"
#include "mock/capture/capturestore.h"
#include "mock/conform/conformcheck.h"
#include "mock/conform/mtaobserver.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/ui/windowfixture.h"
#include "ui/conformancedialog.h"
#include "ui/mainwindow.h"
#include "ui/models/conformresultsmodel.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr int Patience = 120000;
const QString Token = u"conform-window-token-0123456789abcdef"_s;

// A strict mock scanner in this process, as `hookscope serve --strict` sets one up.
struct StrictScanner
{
    Mock::Rulebook rulebook;
    Mock::HookEndpoint endpoint {&rulebook};

    bool listen()
    {
        auto settings = Mock::EndpointSettings::withAuth({}, u"bearer:"_s + Token, nullptr);
        if (!settings)
            return false;
        settings->strict = true;
        settings->bodyLimit = 1000000; // the 413 probe stays small
        endpoint.setSettings(*settings);
        return endpoint.listen();
    }
};

int rowOf(ConformanceDialog *d, const QString &checkId)
{
    for (int row = 0; row < d->model()->rowCount(); ++row) {
        if (d->model()->result(row).id == checkId)
            return row;
    }
    return -1;
}

QAction *menuAction(QMenuBar *bar, const QString &menu, const QString &item)
{
    for (QAction *top : bar->actions()) {
        if (top->text().remove(u'&') != menu || !top->menu())
            continue;
        for (QAction *action : top->menu()->actions()) {
            if (action->text().remove(u'&') == item)
                return action;
        }
    }
    return nullptr;
}

} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;

    ConformanceDialog *dialog() const { return m_app->window()->conformanceDialog(); }

    // Tools ▸ Conformance…, as a user opens it.
    ConformanceDialog *openDialog()
    {
        QAction *action = menuAction(m_app->window()->menuBar(), u"Tools"_s, u"Conformance…"_s);
        if (!action)
            return nullptr;
        action->trigger();
        return dialog()->isVisible() ? dialog() : nullptr;
    }

    void runScanner(ConformanceDialog *d, const QString &url)
    {
        d->setMode(ConformanceDialog::Mode::Scanner);
        d->scannerUrlEdit()->setText(url);
        d->dialectBox()->setCurrentIndex(d->dialectBox()->findText(u"draft-01"_s));
        d->scannerAuthEdit()->setText(u"bearer:"_s + Token);
        QTest::mouseClick(d->runButton(), Qt::LeftButton);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_conformance"_s);
    }

    void init()
    {
        m_app = startTestApplication();
        QVERIFY(m_app);
    }

    void cleanup() { m_app.reset(); }

    void scannerChecksFillTheTable()
    {
        StrictScanner scanner;
        QVERIFY(scanner.listen());
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        QVERIFY(!d->isModal());
        QSignalSpy inserted(d->model(), &QAbstractItemModel::rowsInserted);
        runScanner(d, scanner.endpoint.url());
        QVERIFY(d->isRunning());
        QVERIFY(!d->runButton()->isEnabled());
        QVERIFY(d->stopButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);

        const int checks = int(Conform::checksFor(MtaHooks::Dialect::Draft01).size());
        QCOMPARE(d->model()->rowCount(), checks);
        QCOMPARE(inserted.size(), checks); // one row as each check ended
        QCOMPARE(d->model()->mustFailures(), 0);
        QCOMPARE(d->model()->count(Conform::Status::Fail), 0);
        QVERIFY2(d->summaryLabel()->text().contains(u"every MUST passes"_s),
            qPrintable(d->summaryLabel()->text()));
        QVERIFY(d->summaryLabel()->text().contains(u"%1 pass"_s.arg(checks)));
        QCOMPARE(d->report().results.size(), checks);
        QCOMPARE(d->report().scanner, scanner.endpoint.url());
        QVERIFY(d->runButton()->isEnabled());

        // A row's evidence: the request line sent, then the answer seen.
        QVERIFY(d->evidenceView()->toPlainText().isEmpty());
        d->resultsView()->setCurrentIndex(d->model()->index(0, 0));
        const QString evidence = d->evidenceView()->toPlainText();
        const QRegularExpression requestLine(
            u"^(GET|POST|PUT|DELETE) %1/"_s.arg(QRegularExpression::escape(scanner.endpoint.url())),
            QRegularExpression::MultilineOption);
        QVERIFY2(requestLine.match(evidence).hasMatch(), qPrintable(evidence));
        QVERIFY(evidence.indexOf(u">>> sent"_s) < evidence.indexOf(u"<<< seen"_s));
        QVERIFY2(evidence.contains(u"HTTP 2"_s), qPrintable(evidence));
        QVERIFY(!evidence.contains(Token)); // credentials masked
    }

    void scannerCallsLeadToTheTimeline()
    {
        StrictScanner scanner;
        QVERIFY(scanner.listen());
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        runScanner(d, scanner.endpoint.url());
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);
        QCOMPARE(d->model()->mustFailures(), 0);

        // Every call recorded as evidence is captured, once, in a session of the run's own.
        Mock::CaptureStore *store = m_app->store();
        qsizetype evidence = 0;
        QSet<qint64> ids;
        for (const Conform::Result &result : d->model()->results()) {
            evidence += result.evidence.size();
            for (const Conform::Evidence &e : result.evidence) {
                QVERIFY2(e.capturedId > 0, qPrintable(result.id));
                ids.insert(e.capturedId);
            }
        }
        QCOMPARE(store->count(), evidence);
        QCOMPARE(qsizetype(ids.size()), evidence);
        QCOMPARE(store->sessionCount(), 1);
        const QString session = store->sessions({}, 0, 1).constFirst().sessionKey;
        QVERIFY2(session.startsWith(u"conform-"_s), qPrintable(session));

        // A hook call as the timeline shows it: decoded, judged, the scanner as its peer.
        const int data = rowOf(d, u"hook.stage.data"_s);
        QVERIFY(data >= 0);
        const auto hook = store->load(d->model()->exchangeIds(data).constFirst());
        QVERIFY(hook.has_value());
        QCOMPARE(hook->sessionKey, session);
        QCOMPARE(hook->kind, Mock::ExchangeKind::Hook);
        QCOMPARE(hook->method, QByteArray("POST"));
        QCOMPARE(hook->stage, MtaHooks::Stage::Data);
        QCOMPARE(hook->dialect, MtaHooks::Dialect::Draft01);
        QCOMPARE(hook->httpStatus, 200);
        QCOMPARE(hook->verdict, MtaHooks::Verdict::Accept);
        QCOMPARE(hook->peerAddress, u"127.0.0.1"_s);
        QCOMPARE(hook->peerPort, scanner.endpoint.serverPort());
        QCOMPARE(hook->note, u"conform: hook.stage.data"_s);
        QCOMPARE(hook->requestHeader("Authorization"), QByteArray("Bearer ***"));
        QVERIFY(!hook->requestBody.isEmpty());
        const auto discovery = store->load(d->model()->exchangeIds(0).constFirst());
        QVERIFY(discovery.has_value());
        QCOMPARE(discovery->kind, Mock::ExchangeKind::Discovery);
        QCOMPARE(discovery->method, QByteArray("GET"));

        // A row leads to its exchange in the window's timeline.
        d->resultsView()->setCurrentIndex(d->model()->index(data, 0));
        QCOMPARE(d->evidenceList()->count(), d->model()->result(data).evidence.size());
        QCOMPARE(d->evidenceList()->currentRow(), 0);
        QVERIFY(d->showInTimelineButton()->isEnabled());
        QTest::mouseClick(d->showInTimelineButton(), Qt::LeftButton);
        QTRY_COMPARE(m_app->window()->currentExchangeId(), hook->id);

        // A row with several exchanges lists them; the one picked is the one shown.
        const int retry = rowOf(d, u"hook.retry-same-answer"_s);
        QVERIFY(retry >= 0);
        const QList<Conform::Evidence> retries = d->model()->result(retry).evidence;
        QVERIFY(retries.size() >= 3); // the call, its retry, one of the 16 racing
        d->resultsView()->setCurrentIndex(d->model()->index(retry, 0));
        QCOMPARE(d->evidenceList()->count(), retries.size());
        QVERIFY2(d->evidenceList()->item(1)->text().startsWith(u"2. POST /"_s),
            qPrintable(d->evidenceList()->item(1)->text()));
        QVERIFY(d->evidenceList()->item(1)->text().contains(u"HTTP 200"_s));
        d->evidenceList()->setCurrentRow(1);
        QVERIFY(retries.at(1).capturedId != retries.at(0).capturedId);
        QTest::mouseClick(d->showInTimelineButton(), Qt::LeftButton);
        QTRY_COMPARE(m_app->window()->currentExchangeId(), retries.at(1).capturedId);
        // The text follows the pick: its cursor is at the second exchange's block.
        const QString text = d->evidenceView()->toPlainText();
        QCOMPARE(d->evidenceView()->textCursor().position(), text.indexOf(u"── 2 of "_s));

        // A second run is a session of its own.
        runScanner(d, scanner.endpoint.url());
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);
        QCOMPARE(store->sessionCount(), 2);
        QCOMPARE(store->count(), 2 * evidence);
    }

    void stopSkipsTheRest()
    {
        StrictScanner scanner;
        QVERIFY(scanner.listen());
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        runScanner(d, scanner.endpoint.url());
        QMetaObject::invokeMethod(d->stopButton(), &QPushButton::click, Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);
        QCOMPARE(d->model()->rowCount(), Conform::checksFor(MtaHooks::Dialect::Draft01).size());
        const Conform::Result last = d->model()->result(d->model()->rowCount() - 1);
        QCOMPARE(last.status, Conform::Status::Skip);
        QCOMPARE(last.detail, u"stopped before it ran"_s);
    }

    void badInputIsRefused()
    {
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        runScanner(d, u"ftp://example.org"_s);
        QVERIFY(!d->isRunning());
        QVERIFY2(d->summaryLabel()->text().contains(u"http:// or https://"_s),
            qPrintable(d->summaryLabel()->text()));
        d->setMode(ConformanceDialog::Mode::Mta);
        d->listenEdit()->setText(u"not an address"_s);
        QTest::mouseClick(d->runButton(), Qt::LeftButton);
        QVERIFY(!d->isRunning());
        QVERIFY(d->summaryLabel()->text().contains(u"Listen on"_s));
    }

    void mtaStopScoresWhatWasSeen()
    {
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        d->setMode(ConformanceDialog::Mode::Mta);
        QTest::mouseClick(d->runButton(), Qt::LeftButton);
        QVERIFY(d->isRunning());
        QVERIFY(d->listeningLabel()->text().contains(u"http://127.0.0.1:"_s));
        QTest::mouseClick(d->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);
        // No MTA called: every check is skipped, none passes on no evidence.
        QCOMPARE(d->model()->rowCount(), Conform::mtaChecks().size());
        QCOMPARE(d->model()->count(Conform::Status::Skip), d->model()->rowCount());
        QVERIFY(d->report().unreachable);
        QVERIFY2(d->summaryLabel()->text().contains(u"No MTA called"_s),
            qPrintable(d->summaryLabel()->text()));
        QCOMPARE(m_app->store()->count(), 0);
    }

    void mtaChecksLeadToTheTimeline()
    {
#ifndef HOOKSCOPE_MTA_DOUBLE
        QSKIP("needs python3 for tests/conform/mta_double.py");
#else
        ConformanceDialog *d = openDialog();
        QVERIFY(d);
        d->setMode(ConformanceDialog::Mode::Mta);
        QCOMPARE(d->listenEdit()->text(), u"127.0.0.1:0"_s);
        d->durationBox()->setValue(90);
        QTest::mouseClick(d->runButton(), Qt::LeftButton);
        QVERIFY(d->isRunning());
        // The bound URL is shown so that the user can point the MTA at it.
        const QRegularExpression bound(u"http://127\\.0\\.0\\.1:(\\d+)"_s);
        const QRegularExpressionMatch match = bound.match(d->listeningLabel()->text());
        QVERIFY2(match.hasMatch(), qPrintable(d->listeningLabel()->text()));
        QVERIFY(match.captured(1).toInt() > 0);

        QProcess mta;
        mta.start(u"" HOOKSCOPE_PYTHON ""_s,
            {u"" HOOKSCOPE_MTA_DOUBLE ""_s, u"--url"_s, match.captured(0)});
        QTRY_VERIFY_WITH_TIMEOUT(!d->isRunning(), Patience);
        QVERIFY(mta.state() == QProcess::NotRunning || mta.waitForFinished(Patience));
        QCOMPARE(mta.exitStatus(), QProcess::NormalExit);
        QCOMPARE(mta.exitCode(), 0);

        QCOMPARE(d->model()->rowCount(), Conform::mtaChecks().size());
        QCOMPARE(d->model()->count(Conform::Status::Fail), 0);
        QVERIFY2(d->summaryLabel()->text().contains(u"every MUST passes"_s),
            qPrintable(d->summaryLabel()->text()));
        QVERIFY(d->listeningLabel()->text().contains(u"Stopped listening"_s));
        // Captured like any call.
        QVERIFY(m_app->store()->count() >= 5);

        int withCall = -1;
        for (int row = 0; row < d->model()->rowCount() && withCall < 0; ++row) {
            if (!d->model()->exchangeIds(row).isEmpty())
                withCall = row;
        }
        QVERIFY(withCall >= 0);
        const qint64 id = d->model()->exchangeIds(withCall).constFirst();
        QVERIFY(m_app->store()->load(id).has_value());
        d->resultsView()->setCurrentIndex(d->model()->index(withCall, 0));
        QVERIFY(d->evidenceView()->toPlainText().contains(u">>> sent\nPOST /"_s));
        QVERIFY(d->showInTimelineButton()->isEnabled());
        QTest::mouseClick(d->showInTimelineButton(), Qt::LeftButton);
        QTRY_COMPARE(m_app->window()->currentExchangeId(), id);

        // Each piece of evidence names the very call it quotes, and a row with two leads to both.
        int twoCalls = -1;
        for (int row = 0; row < d->model()->rowCount(); ++row) {
            const QList<Conform::Evidence> evidence = d->model()->result(row).evidence;
            for (const Conform::Evidence &e : evidence) {
                const auto stored = m_app->store()->load(e.capturedId);
                QVERIFY2(stored.has_value(), qPrintable(d->model()->result(row).id));
                QCOMPARE(e.sent.section(u'\n', 0, 0),
                    QString::fromLatin1(stored->method + ' ' + stored->path));
            }
            if (twoCalls < 0 && evidence.size() >= 2
                && evidence.at(0).capturedId != evidence.at(1).capturedId)
                twoCalls = row;
        }
        QVERIFY(twoCalls >= 0);
        d->resultsView()->setCurrentIndex(d->model()->index(twoCalls, 0));
        d->evidenceList()->setCurrentRow(1);
        QTest::mouseClick(d->showInTimelineButton(), Qt::LeftButton);
        QTRY_COMPARE(m_app->window()->currentExchangeId(),
            d->model()->result(twoCalls).evidence.at(1).capturedId);
#endif
    }
};

QTEST_MAIN(TestConformance)
#include "tst_ui_conformance.moc"

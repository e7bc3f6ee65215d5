// SPDX-License-Identifier: GPL-3.0-or-later
// The Connect panel through the real composition root: it stands in for the empty details pane,
// its "Send a test call" puts a call in the store (with the endpoint's credentials), the first
// call replaces it and clearing the captures brings it back; its curl command, run by bash,
// reaches the endpoint too; Help ▸ Connect an MTA… shows it in a dialog.
#include "app/application.h"
#include "tests/ui/windowfixture.h"
#include "ui/connectpanel.h"
#include "ui/mainwindow.h"
#include "ui/models/sessionmodel.h"
#include "ui/widgets/exchangedetail.h"

#include <QAction>
#include <QDialog>
#include <QLabel>
#include <QMenuBar>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace Qt::StringLiterals;

class TestConnect : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;

    // The endpoint again, asking for these credentials ("none", "bearer:T", "basic:U:P").
    void requireAuth(const QString &spec)
    {
        QString error;
        const auto settings
            = Mock::EndpointSettings::withAuth(m_app->endpoint()->settings(), spec, &error);
        QVERIFY2(settings, qPrintable(error));
        m_app->endpoint()->setSettings(*settings);
        QVERIFY(m_app->endpoint()->listen());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_connect"_s);
    }

    void init()
    {
        m_app = startTestApplication();
        QVERIFY(m_app);
        QVERIFY(m_app->endpoint()->isListening());
        m_app->rulebook()->setRules({});
        for (MtaHooks::Stage stage : MtaHooks::inboundStages())
            m_app->rulebook()->setHeld(stage, false);
    }

    void cleanup() { m_app.reset(); }

    void panelStandsInForTheEmptyDetails()
    {
        MainWindow *window = m_app->window();
        QVERIFY(window->isConnectPaneShown());
        ConnectPanel *panel = window->connectPanel();
        QVERIFY(panel->isVisible());
        QVERIFY(panel->info().listening);
        QCOMPARE(panel->sectionText(ConnectPanel::Urls), m_app->endpoint()->url() + u"/hook"_s);
        QVERIFY(panel->sectionText(ConnectPanel::Stalwart).contains(m_app->endpoint()->url()));

        QTest::mouseClick(panel->testCallButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_app->store()->count({}), qint64(1), 20000);
        QTRY_VERIFY(!window->isConnectPaneShown());
        QVERIFY(window->detail()->isVisible());
        QTRY_COMPARE(window->timeline()->model()->rowCount(), 1);
        const Mock::Exchange call = m_app->store()->list({}, 0, 1).constFirst();
        QCOMPARE(call.stage, MtaHooks::Stage::Data);
        QCOMPARE(call.dialect, MtaHooks::Dialect::Stalwart);
        QCOMPARE(call.httpStatus, 200);
        QTRY_COMPARE(window->currentExchangeId(), call.id); // the first call is shown
        QCOMPARE(window->detail()->exchange().id, call.id);
        QTRY_VERIFY(panel->testCallResult()->text().contains(u"HTTP 200"_s));

        // Clearing the captures brings the panel back.
        QVERIFY(m_app->store()->clear());
        QTRY_VERIFY(window->isConnectPaneShown());
    }

    void testCallCarriesTheCredentials()
    {
        requireAuth(u"basic:stalwart:s3cret"_s);
        ConnectPanel *panel = m_app->window()->connectPanel();
        QCOMPARE(panel->info().auth.user, u"stalwart"_s);
        QVERIFY(!panel->sectionText(ConnectPanel::Stalwart).contains(u"s3cret"_s));
        QTest::mouseClick(panel->testCallButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(panel->testCallResult()->text().contains(u"HTTP"_s), 20000);
        QVERIFY2(panel->testCallResult()->text().contains(u"HTTP 200"_s),
            qPrintable(panel->testCallResult()->text()));
        QTRY_COMPARE(m_app->store()->count({}), qint64(1));
    }

    void curlCommandReachesTheEndpoint()
    {
        const QString bash = QStandardPaths::findExecutable(u"bash"_s);
        if (bash.isEmpty() || QStandardPaths::findExecutable(u"curl"_s).isEmpty())
            QSKIP("bash or curl is not installed");
        requireAuth(u"bearer:tok-for-curl"_s);
        ConnectPanel *panel = m_app->window()->connectPanel();
        panel->setSecretShown(true);
        QProcess process;
        process.start(bash, {u"-c"_s, panel->sectionText(ConnectPanel::Curl)});
        // The endpoint answers from this thread's event loop, which QTRY keeps turning.
        QTRY_COMPARE_WITH_TIMEOUT(process.state(), QProcess::NotRunning, 20000);
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(process.readAllStandardOutput(), QByteArray(R"({"action":"accept"})"));
        QTRY_COMPARE(m_app->store()->count({}), qint64(1));
        QCOMPARE(m_app->store()->list({}, 0, 1).constFirst().httpStatus, 200);
    }

    void helpMenuOpensTheDialog()
    {
        MainWindow *window = m_app->window();
        QAction *connectAction = nullptr;
        for (QAction *action : window->menuBar()->actions()) {
            if (!action->menu())
                continue;
            for (QAction *item : action->menu()->actions()) {
                if (item->text().remove(u'&').startsWith(u"Connect an MTA"_s))
                    connectAction = item;
            }
        }
        QVERIFY(connectAction);
        connectAction->trigger();
        auto *dialog = window->findChild<QDialog *>(u"connectDialog"_s);
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        auto *panel = dialog->findChild<ConnectPanel *>();
        QVERIFY(panel);
        QCOMPARE(panel->sectionText(ConnectPanel::Curl),
            window->connectPanel()->sectionText(ConnectPanel::Curl));
        // The dialog's test call is the window's too.
        QTest::mouseClick(panel->testCallButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_app->store()->count({}), qint64(1), 20000);
        QTRY_VERIFY(panel->testCallResult()->text().contains(u"HTTP 200"_s));
    }

    // Not a check: the first screen at 1280×800 for a human to look at
    // (HOOKSCOPE_CONNECT_SHOT=/tmp/first.png).
    void firstScreen()
    {
        const QString path = qEnvironmentVariable("HOOKSCOPE_CONNECT_SHOT");
        if (path.isEmpty())
            QSKIP("HOOKSCOPE_CONNECT_SHOT is not set");
        MainWindow *window = m_app->window();
        window->resize(1280, 800);
        window->applyDefaultLayout();
        for (int pass = 0; pass < 3; ++pass) // the default layout applies a pass later
            QCoreApplication::processEvents();
        QVERIFY(window->grab().save(path));
        // And each tab of the panel, beside it.
        auto *tabs = window->connectPanel()->findChild<QTabWidget *>();
        QVERIFY(tabs);
        for (int tab = 1; tab < tabs->count(); ++tab) {
            tabs->setCurrentIndex(tab);
            QVERIFY(
                window->connectPanel()->grab().save(path.chopped(4) + u"-tab%1.png"_s.arg(tab)));
        }
    }
};

QTEST_MAIN(TestConnect)
#include "tst_ui_connect.moc"

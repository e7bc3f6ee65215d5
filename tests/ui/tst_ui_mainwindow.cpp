// SPDX-License-Identifier: GPL-3.0-or-later
// The window as a user meets it, through the real composition root: a call arrives and appears, a
// selection fills the tabs, a held call is answered from the editor and the MTA side receives that
// answer, an invalid hand-edited answer is flagged and not sent, the filter narrows the timeline,
// the keyboard moves through the calls, and the Replay panel replays sessions of two dialects
// "as recorded" into the window's own endpoint.
#include "app/application.h"
#include "mock/mta/recordings.h"
#include "mock/scanner/rulebook.h"
#include "tests/support/testsupport.h"
#include "tests/ui/windowfixture.h"
#include "ui/filterbar.h"
#include "ui/heldcallpanel.h"
#include "ui/mainwindow.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"
#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/responseeditor.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

QByteArray stalwartRequest(const char *stage, int port)
{
    QJsonObject context {{u"stage"_s, QString::fromLatin1(stage)},
        {u"client"_s,
            QJsonObject {{u"ip"_s, u"203.0.113.7"_s}, {u"port"_s, port},
                {u"ptr"_s, QJsonValue::Null}, {u"helo"_s, u"mx.example.org"_s},
                {u"activeConnections"_s, 1}}},
        {u"server"_s,
            QJsonObject {{u"name"_s, u"test"_s}, {u"port"_s, 25}, {u"ip"_s, u"198.51.100.2"_s}}},
        {u"protocol"_s, QJsonObject {{u"version"_s, 1}}}};
    QJsonObject request {{u"context"_s, context}};
    if (qstrcmp(stage, "connect") != 0 && qstrcmp(stage, "ehlo") != 0)
        request.insert(u"envelope"_s,
            QJsonObject {{u"from"_s, QJsonObject {{u"address"_s, u"alice@example.org"_s}}},
                {u"to"_s, QJsonArray {QJsonObject {{u"address"_s, u"bob@example.com"_s}}}}});
    if (qstrcmp(stage, "data") == 0) {
        context.insert(u"queue"_s, QJsonObject {{u"id"_s, u"1a2b"_s}});
        request.insert(u"context"_s, context);
        request.insert(u"message"_s,
            QJsonObject {{u"headers"_s,
                             QJsonArray {QJsonArray {u"From"_s, u" alice@example.org\r\n"_s},
                                 QJsonArray {u"Subject"_s, u" Lunch\r\n"_s}}},
                {u"contents"_s, u"See you at noon.\r\n"_s}, {u"size"_s, 65}});
    }
    return QJsonDocument(request).toJson(QJsonDocument::Compact);
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;
    QNetworkAccessManager m_network;

    QUrl hookUrl() const { return QUrl(m_app->endpoint()->url() + u"/hook"_s); }

    QNetworkReply *post(const QByteArray &body)
    {
        QNetworkRequest request(hookUrl());
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
        return m_network.post(request, body);
    }

    QByteArray postAndWait(const QByteArray &body)
    {
        QNetworkReply *reply = post(body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(20000))
            return {};
        reply->deleteLater();
        return reply->readAll();
    }

    SessionModel *model() const
    {
        return qobject_cast<SessionModel *>(m_app->window()->timeline()->model());
    }

    // Calls load when a session is expanded (or fetched): ask for them as a view would.
    int calls(int sessionRow) const
    {
        const QModelIndex session = model()->index(sessionRow, 0);
        if (model()->canFetchMore(session))
            model()->fetchMore(session);
        return model()->rowCount(session);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_mainwindow"_s);
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

    void aCallArrivesAndAppears()
    {
        MainWindow *window = m_app->window();
        QCOMPARE(model()->rowCount(), 0);
        QCOMPARE(
            postAndWait(stalwartRequest("connect", 50412)), QByteArray("{\"action\":\"accept\"}"));
        QTRY_COMPARE(model()->rowCount(), 1);
        const QModelIndex session = model()->index(0, SessionModel::StageColumn);
        QVERIFY(session.data(SessionModel::IsSessionRole).toBool());
        QTRY_COMPARE(calls(0), 1);
        postAndWait(stalwartRequest("ehlo", 50412));
        // The second stage of the same SMTP session joins the same row.
        QTRY_COMPARE(calls(0), 2);
        QCOMPARE(model()->rowCount(), 1);
        QVERIFY(window->isVisible());
    }

    void selectionFillsTheTabs()
    {
        postAndWait(stalwartRequest("connect", 50413));
        postAndWait(stalwartRequest("data", 50413));
        QTRY_COMPARE(calls(0), 2);
        MainWindow *window = m_app->window();
        const QModelIndex data = model()->index(1, 0, model()->index(0, 0));
        const qint64 id = data.data(SessionModel::ExchangeIdRole).toLongLong();
        QVERIFY(id > 0);
        QVERIFY(window->selectExchange(id));
        QCOMPARE(window->currentExchangeId(), id);
        QCOMPARE(window->detail()->exchange().id, id);
        QCOMPARE(window->detail()->exchange().stage, MtaHooks::Stage::Data);
        QTabWidget *tabs = window->detail()->tabs();
        QVERIFY(tabs->isTabEnabled(ExchangeDetail::RequestTab));
        QVERIFY(tabs->isTabEnabled(ExchangeDetail::MessageTab));
        window->detail()->setCurrentTab(ExchangeDetail::MessageTab);
        QCOMPARE(window->detail()->currentTab(), ExchangeDetail::MessageTab);
        // The connect call carries no message: its Message tab says so instead of showing a tree.
        const QModelIndex connect = model()->index(0, 0, model()->index(0, 0));
        QVERIFY(window->selectExchange(connect.data(SessionModel::ExchangeIdRole).toLongLong()));
        QCOMPARE(window->detail()->exchange().stage, MtaHooks::Stage::Connect);
    }

    void heldCallIsAnsweredFromTheEditor()
    {
        MainWindow *window = m_app->window();
        m_app->rulebook()->setHeld(MtaHooks::Stage::Data, true);
        QNetworkReply *reply = post(stalwartRequest("data", 50414));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        // The call is parked and the window goes to it, like a debugger to a breakpoint.
        QTRY_VERIFY_WITH_TIMEOUT(window->heldPanel()->isVisible(), 20000);
        QVERIFY(window->heldPanel()->callId() != 0);
        QCOMPARE(m_app->endpoint()->heldCalls().size(), 1);
        QVERIFY(finished.isEmpty());

        const QString answer = u"{\"action\":\"reject\",\"response\":{\"status\":550,"
                               "\"enhanced_status\":\"5.7.1\",\"message\":\"Held and refused\"}}"_s;
        window->heldPanel()->editor()->setText(answer);
        QTRY_VERIFY(window->heldPanel()->sendButton()->isEnabled());
        QTest::mouseClick(window->heldPanel()->sendButton(), Qt::LeftButton);
        QVERIFY(finished.wait(20000));
        const QJsonObject received = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(received.value(u"action"_s).toString(), u"reject"_s);
        QCOMPARE(received.value(u"response"_s).toObject().value(u"message"_s).toString(),
            u"Held and refused"_s);
        reply->deleteLater();
        QTRY_VERIFY(!window->heldPanel()->isVisible());
        QVERIFY(m_app->endpoint()->heldCalls().isEmpty());
    }

    void invalidAnswerIsFlaggedAndNotSent()
    {
        MainWindow *window = m_app->window();
        m_app->rulebook()->setHeld(MtaHooks::Stage::Data, true);
        QNetworkReply *reply = post(stalwartRequest("data", 50415));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QTRY_VERIFY_WITH_TIMEOUT(window->heldPanel()->isVisible(), 20000);

        // Stalwart rejects "ACCEPT" (actions are exact lower case) and a null modifications list.
        window->heldPanel()->editor()->setText(u"{\"action\":\"ACCEPT\",\"modifications\":null}"_s);
        QTRY_VERIFY(!window->heldPanel()->isAnswerValid());
        QVERIFY(!window->heldPanel()->sendButton()->isEnabled());
        window->heldPanel()->send(); // Ctrl+Enter goes here too: nothing may go out
        QTest::keyClick(window, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(!finished.wait(500));
        QCOMPARE(m_app->endpoint()->heldCalls().size(), 1);
        const auto labels = window->heldPanel()->findChildren<QLabel *>();
        bool explained = false;
        for (const QLabel *label : labels)
            explained = explained || label->text().contains(u"error"_s);
        QVERIFY(explained);

        // Syntax errors are caught as well.
        window->heldPanel()->editor()->setText(u"{\"action\": "_s);
        QTRY_VERIFY(!window->heldPanel()->sendButton()->isEnabled());

        // Releasing lets the stage's default answer out.
        window->heldPanel()->release();
        QVERIFY(finished.wait(20000));
        QCOMPARE(reply->readAll(), QByteArray("{\"action\":\"accept\"}"));
        reply->deleteLater();
    }

    void filterNarrowsTheTimeline()
    {
        postAndWait(stalwartRequest("connect", 50416));
        postAndWait(stalwartRequest("connect", 50417));
        postAndWait(stalwartRequest("data", 50417));
        QTRY_COMPARE(model()->rowCount(), 2);
        MainWindow *window = m_app->window();
        QTest::keyClicks(window->filterBar()->lineEdit(), u"stage:data"_s);
        QTest::keyClick(window->filterBar()->lineEdit(), Qt::Key_Return);
        QTRY_COMPARE(model()->rowCount(), 1);
        window->filterBar()->lineEdit()->clear();
        QTest::keyClicks(window->filterBar()->lineEdit(), u"nosuchfield:x"_s);
        QTest::keyClick(window->filterBar()->lineEdit(), Qt::Key_Return);
        // A broken filter is reported and leaves the previous one in force.
        QTRY_VERIFY(!window->filterBar()->findChild<QLabel *>()->text().isEmpty());
        QCOMPARE(model()->rowCount(), 1);
    }

    void keyboardMovesThroughCalls()
    {
        postAndWait(stalwartRequest("connect", 50418));
        postAndWait(stalwartRequest("ehlo", 50418));
        QTRY_COMPARE(calls(0), 2);
        MainWindow *window = m_app->window();
        QTreeView *timeline = window->timeline();
        timeline->expandAll();
        timeline->setFocus();
        timeline->setCurrentIndex(model()->index(0, 0));
        QTest::keyClick(timeline, Qt::Key_J);
        const qint64 first = window->currentExchangeId();
        QVERIFY(first > 0);
        QTest::keyClick(timeline, Qt::Key_J);
        const qint64 second = window->currentExchangeId();
        QVERIFY(second > first);
        QTest::keyClick(timeline, Qt::Key_K);
        QCOMPARE(window->currentExchangeId(), first);
        QTest::keyClick(timeline, Qt::Key_Slash);
        QTRY_VERIFY(window->filterBar()->lineEdit()->hasFocus());
    }

    void deleteRemovesTheSelectedSession()
    {
        postAndWait(stalwartRequest("connect", 50419));
        postAndWait(stalwartRequest("ehlo", 50419));
        postAndWait(stalwartRequest("connect", 50420));
        QTRY_COMPARE(model()->rowCount(), 2);
        MainWindow *window = m_app->window();
        QTreeView *timeline = window->timeline();
        timeline->setFocus();
        QTRY_COMPARE(calls(0), 2);
        const qint64 shown = model()
                                 ->index(0, 0, model()->index(0, 0))
                                 .data(SessionModel::ExchangeIdRole)
                                 .toLongLong();
        QVERIFY(window->selectExchange(shown));
        QCOMPARE(window->detail()->exchange().id, shown);
        timeline->setCurrentIndex(model()->index(0, 0));
        const QString kept = model()->index(1, 0).data(SessionModel::SessionKeyRole).toString();
        QTest::keyClick(timeline, Qt::Key_Delete);
        QTRY_COMPARE(model()->rowCount(), 1);
        QVERIFY(window->detail()->exchange().id != shown); // the detail no longer shows it
        QCOMPARE(model()->index(0, 0).data(SessionModel::SessionKeyRole).toString(), kept);
        QCOMPARE(m_app->store()->list({}, 0, 10).size(), 1); // gone from the database too
        // Nothing selected: Delete does nothing (it never means "everything").
        timeline->selectionModel()->clearSelection();
        QTest::keyClick(timeline, Qt::Key_Delete);
        QCOMPARE(m_app->store()->list({}, 0, 10).size(), 1);
    }

    void replayAsRecordedFromThePanel()
    {
        // A draft-01 and a Stalwart session, replayed as recorded: one run, each session's
        // results under its own row, every answer understood in the session's dialect.
        const Mock::Recordings read
            = Mock::readRecordings({TestSupport::dataPath(u"mta/sessions/submission.json"_s),
                TestSupport::dataPath(u"mta/sessions/inbound-mx.json"_s)});
        QCOMPARE(read.sessions.size(), 2);
        ReplayPanel *panel = m_app->window()->replayPanel();
        panel->addSessions(read.sessions);
        panel->setDefaultTarget(hookUrl().toString());
        QCOMPARE(panel->target().url, hookUrl());
        QCOMPARE(panel->target().dialect, Mock::ReplayTarget::AsRecorded); // the default choice
        // A failed call tempfails unless chosen otherwise; registration follows discovery.
        QCOMPARE(panel->target().onError, MtaHooks::FailurePolicy::TempFail);
        QVERIFY(panel->target().registrationUrl.isEmpty());
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        QVERIFY(!panel->runButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(panel->runButton()->isEnabled(), 60000);
        QTreeWidget *results = panel->resultsView();
        QCOMPARE(results->topLevelItemCount(), 2);
        QStringList seen;
        for (int i = 0; i < results->topLevelItemCount(); ++i) {
            const QTreeWidgetItem *session = results->topLevelItem(i);
            const bool draft = session->text(0) == read.sessions.at(0).title;
            seen << (draft ? u"draft"_s : session->text(0));
            QCOMPARE(session->childCount(), read.sessions.at(draft ? 0 : 1).stages.size());
            QVERIFY2(
                session->text(3).startsWith(u"message queued"_s), qPrintable(session->text(3)));
            for (int stage = 0; stage < session->childCount(); ++stage)
                QVERIFY2(!session->child(stage)->text(2).startsWith(u"error"_s),
                    qPrintable(session->child(stage)->text(3)));
        }
        QVERIFY(seen.contains(u"draft"_s));
        QCOMPARE(m_app->endpoint()->controlPlane().registrations().size(), 1); // the draft's pass
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_ui_mainwindow.moc"

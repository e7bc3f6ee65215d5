// SPDX-License-Identifier: GPL-3.0-or-later
// What the window says, through the real composition root, agrees with what happened: a draft
// call answered with an RFC 6902 patch is labelled draft-02, the demo leaves the user's rules as
// they were, the status bar's counts add up to the calls listed, hit counts are live, a malformed
// call stays in its SMTP session, the details follow the filter, and a held call shows one
// countdown everywhere.
#include "app/application.h"
#include "mock/scanner/rulebook.h"
#include "tests/support/testsupport.h"
#include "tests/ui/windowfixture.h"
#include "ui/answerspanel.h"
#include "ui/filterbar.h"
#include "ui/heldcallpanel.h"
#include "ui/mainwindow.h"
#include "ui/models/rulesmodel.h"
#include "ui/models/sessionmodel.h"
#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/overviewpage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>

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
    return QJsonDocument(request).toJson(QJsonDocument::Compact);
}

// The first whole number in a text ("held 28 s" → 28), -1 when none.
int numberIn(const QString &text)
{
    static const QRegularExpression number(u"(\\d+) s"_s);
    const QRegularExpressionMatch match = number.match(text);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

} // namespace

class TestWindowTruth : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;
    QNetworkAccessManager m_network;

    QNetworkReply *post(const QByteArray &body)
    {
        QNetworkRequest request(QUrl(m_app->endpoint()->url() + u"/hook"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
        return m_network.post(request, body);
    }

    QByteArray postAndWait(const QByteArray &body)
    {
        QNetworkReply *reply = post(body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(20000))
            return {};
        reply->deleteLater();
        return reply->readAll();
    }

    SessionModel *model() const
    {
        return qobject_cast<SessionModel *>(m_app->window()->timeline()->model());
    }

    // Every call row of the timeline, its sessions' calls loaded as a view would.
    QList<QModelIndex> callRows() const
    {
        QList<QModelIndex> rows;
        for (int row = 0; row < model()->rowCount(); ++row) {
            const QModelIndex session = model()->index(row, 0);
            while (model()->canFetchMore(session))
                model()->fetchMore(session);
            for (int call = 0; call < model()->rowCount(session); ++call)
                rows.append(model()->index(call, 0, session));
        }
        return rows;
    }

    QString counts() const { return m_app->window()->findChild<QLabel *>(u"callCounts"_s)->text(); }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_windowtruth"_s);
    }

    void init()
    {
        QSettings().clear();
        QFile::remove(Settings::rulesPath());
        m_app = startTestApplication();
        QVERIFY(m_app);
        m_app->rulebook()->setRules({});
    }

    void cleanup() { m_app.reset(); }

    // A draft request does not say whether it is -01 or -02; answered with an RFC 6902 patch the
    // call was draft-02, and the timeline and Overview say so (and on what they go).
    void draftTwoIsLabelled()
    {
        m_app->rulebook()->setDraftAnswerDialect(MtaHooks::Dialect::Draft02);
        Mock::Rule reject;
        reject.name = u"refuse"_s;
        reject.when.stages = {MtaHooks::Stage::Rcpt};
        reject.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Reject);
        m_app->rulebook()->setRules({reject});
        const QByteArray answer
            = postAndWait(TestSupport::readData(u"protocol/draft01/req-rcpt.json"_s));
        QVERIFY2(answer.startsWith('['), answer.constData()); // an RFC 6902 patch
        QTRY_COMPARE(callRows().size(), 1);
        const QModelIndex call = callRows().constFirst();
        QCOMPARE(
            call.siblingAtColumn(SessionModel::DialectColumn).data().toString(), u"draft-02"_s);
        QVERIFY(call.siblingAtColumn(SessionModel::DialectColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"RFC 6902"_s));
        MainWindow *window = m_app->window();
        QVERIFY(window->selectExchange(call.data(SessionModel::ExchangeIdRole).toLongLong()));
        const QString overview = window->detail()->overviewTab()->toPlainText();
        QVERIFY2(overview.contains(u"IETF draft-02"_s), qPrintable(overview));
        QVERIFY2(overview.contains(u"RFC 6902"_s), qPrintable(overview));
        // Answered in draft-01's form, the same request is labelled by that form, and says so.
        m_app->rulebook()->setDraftAnswerDialect(MtaHooks::Dialect::Draft01);
        postAndWait(TestSupport::readData(u"protocol/draft01/req-rcpt.json"_s));
        QTRY_COMPARE(callRows().size(), 2);
        QVERIFY(window->selectExchange(
            callRows().at(1).data(SessionModel::ExchangeIdRole).toLongLong()));
        QVERIFY2(window->detail()->overviewTab()->toPlainText().contains(u"by its answer's form"_s),
            qPrintable(window->detail()->overviewTab()->toPlainText()));
    }

    // The demo puts its rules on top of the user's and takes them off again: the user's rules
    // come back whole, a rule of theirs named "demo: …" included, and one that answers only its
    // first call has not been used up by the demo's calls.
    void demoKeepsTheUsersRules()
    {
        Mock::Rule named;
        named.name = u"demo: my greylist"_s;
        named.when.stages = {MtaHooks::Stage::Mail};
        named.when.fromGlob = u"*@grey.example"_s;
        named.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Tempfail);
        Mock::Rule once;
        once.name = u"Reject the first recipient"_s;
        once.when.stages = {MtaHooks::Stage::Rcpt};
        once.when.times = 1;
        once.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Reject);
        const QList<Mock::Rule> mine {named, once};
        m_app->rulebook()->setRules(mine);
        m_app->runDemo(0);
        QVERIFY(m_app->isDemoRunning());
        QTRY_VERIFY_WITH_TIMEOUT(!m_app->isDemoRunning(), 120000);
        QCOMPARE(m_app->rulebook()->rules(), mine);
        // The rule still answers its first call.
        const QByteArray answer = postAndWait(stalwartRequest("rcpt", 50600));
        QVERIFY2(answer.contains("\"reject\""), answer.constData());
    }

    // The status bar counts what the timeline lists: every call once, under its verdict or its
    // kind, the parts adding up to the total; a filter that matches nothing says so.
    void countsMatchRows()
    {
        postAndWait(stalwartRequest("connect", 50601));
        postAndWait(stalwartRequest("mail", 50601));
        QNetworkReply *discovery = m_network.get(
            QNetworkRequest(QUrl(m_app->endpoint()->url() + u"/.well-known/mta-hooks"_s)));
        QSignalSpy found(discovery, &QNetworkReply::finished);
        QVERIFY(found.wait(20000));
        discovery->deleteLater();
        QTRY_COMPARE(callRows().size(), 3);
        m_app->window()->refreshCounts();
        const QString text = counts();
        QVERIFY2(text.startsWith(u"3 calls: "_s), qPrintable(text));
        int sum = 0;
        const QStringList parts = text.mid(text.indexOf(u": "_s) + 2).split(u" · "_s);
        for (const QString &part : parts)
            sum += part.section(u' ', -1).toInt();
        QVERIFY2(sum == 3, qPrintable(text));
        QVERIFY2(text.contains(u"discovery 1"_s), qPrintable(text));

        m_app->window()->filterBar()->setText(u"stage:data"_s);
        QTRY_COMPARE(model()->rowCount(), 0);
        QVERIFY2(counts().contains(u"No call matches the filter"_s), qPrintable(counts()));
    }

    // A rule's hit count goes up in the Rules tab as calls come in, without leaving the tab.
    void hitsAreLive()
    {
        Mock::Rule rule;
        rule.name = u"mail"_s;
        rule.when.stages = {MtaHooks::Stage::Mail};
        rule.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Accept);
        m_app->rulebook()->setRules({rule});
        AnswersPanel *answers = m_app->window()->answersPanel();
        answers->tabs()->setCurrentIndex(1);
        const QModelIndex hits = answers->rulesView()->model()->index(0, RulesModel::HitsColumn);
        QCOMPARE(hits.data().toString(), u"0"_s);
        postAndWait(stalwartRequest("mail", 50602));
        QCOMPARE(hits.data().toString(), u"1"_s);
        postAndWait(stalwartRequest("mail", 50603));
        QCOMPARE(hits.data().toString(), u"2"_s);
    }

    // A call whose body does not decode, sent on the connection that carried a session's calls,
    // is listed in that session, not as a session of its own.
    void malformedCallStaysInItsSession()
    {
        postAndWait(stalwartRequest("connect", 50604));
        postAndWait(stalwartRequest("mail", 50604));
        postAndWait(R"({"context":{"stage":"data","client":{"ip":"203.0.113.7","port":50604)");
        QTRY_COMPARE(callRows().size(), 3);
        QCOMPARE(model()->rowCount(), 1);
        const QModelIndex session = model()->index(0, 0);
        QCOMPARE(model()->rowCount(session), 3);
        QCOMPARE(
            model()->index(2, SessionModel::ActionColumn, session).data().toString(), u"error"_s);
    }

    // The details show a call the timeline lists: the filter hiding it clears them; a filter that
    // still lists it keeps it selected.
    void filterHidesTheDetail()
    {
        postAndWait(stalwartRequest("connect", 50605));
        postAndWait(stalwartRequest("mail", 50605));
        QTRY_COMPARE(callRows().size(), 2);
        MainWindow *window = m_app->window();
        const qint64 mail = callRows().at(1).data(SessionModel::ExchangeIdRole).toLongLong();
        QVERIFY(window->selectExchange(mail));
        QCOMPARE(window->detail()->exchange().id, mail);
        window->filterBar()->setText(u"stage:mail"_s);
        QCOMPARE(window->detail()->exchange().id, mail);
        QCOMPARE(window->currentExchangeId(), mail);
        window->filterBar()->setText(u"stage:connect"_s);
        QCOMPARE(window->detail()->exchange().id, qint64(0));
        QCOMPARE(window->currentExchangeId(), qint64(0));
    }

    // The editor, the timeline and the status bar count down the same seconds.
    void oneCountdown()
    {
        m_app->rulebook()->setHeld(MtaHooks::Stage::Mail, true);
        QNetworkReply *reply = post(stalwartRequest("mail", 50606));
        MainWindow *window = m_app->window();
        QTRY_VERIFY_WITH_TIMEOUT(window->heldPanel()->isVisible(), 20000);
        QLabel *status = window->findChild<QLabel *>(u"heldCountdown"_s);
        QVERIFY(status);
        QTRY_VERIFY(status->isVisible());
        const auto editorSeconds = [window] {
            for (const QLabel *label : window->heldPanel()->findChildren<QLabel *>()) {
                if (label->text().startsWith(u"default answer in"_s))
                    return numberIn(label->text());
            }
            return -1;
        };
        const auto timelineSeconds = [this] {
            for (const QModelIndex &call : callRows()) {
                const QString text
                    = call.siblingAtColumn(SessionModel::ActionColumn).data().toString();
                if (text.startsWith(u"held"_s))
                    return numberIn(text);
            }
            return -1;
        };
        const int first = editorSeconds();
        QVERIFY(first > 2);
        // A couple of seconds later, all three still agree (to the tick of their timers).
        QTRY_VERIFY_WITH_TIMEOUT(editorSeconds() <= first - 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            editorSeconds() == numberIn(status->text()) && editorSeconds() == timelineSeconds(),
            2000);
        window->heldPanel()->release();
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(20000));
        reply->deleteLater();
        QTRY_VERIFY(!status->isVisible());
    }
};

QTEST_MAIN(TestWindowTruth)
#include "tst_ui_windowtruth.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 15 items 2 and 3, through the real composition root: after a replay at 1280×800 the
// Replay panel shows a useful part of the stages, of the answer and of what it did, and keeps
// how the user shared its width; Help ▸ Run demo plays into an endpoint of its own, so the rules
// the user loaded answer their calls during the demo and after it.
#include "app/application.h"
#include "mock/mta/recordings.h"
#include "mock/scanner/rulebook.h"
#include "tests/support/testsupport.h"
#include "tests/ui/windowfixture.h"
#include "ui/mainwindow.h"
#include "ui/replaypanel.h"
#include "ui/replayresults.h"
#include "ui/widgets/answerpage.h"
#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/responseeditor.h"

#include <Qsci/qsciscintilla.h>

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// The lines of text an editor shows whole.
int linesInView(const ResponseEditor *editor)
{
    return int(editor->editor()->SendScintilla(QsciScintillaBase::SCI_LINESONSCREEN));
}

QList<Mock::SessionRecording> samples(const QStringList &names)
{
    QStringList paths;
    for (const QString &name : names)
        paths << u":/samples/"_s + name;
    return Mock::readRecordings(paths).sessions;
}

QAction *menuAction(MainWindow *window, const QString &text)
{
    for (QAction *menu : window->menuBar()->actions()) {
        if (!menu->menu())
            continue;
        for (QAction *action : menu->menu()->actions()) {
            if (action->text() == text)
                return action;
        }
    }
    return nullptr;
}

} // namespace

class TestReplayRoom : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;

    void start()
    {
        m_app = startTestApplication();
        QVERIFY(m_app);
    }

    MainWindow *windowAt(const QSize &size)
    {
        MainWindow *window = m_app->window();
        window->resize(size);
        window->applyDefaultLayout();
        QCoreApplication::processEvents();
        QCoreApplication::processEvents();
        return window;
    }

    // Replays sessions from the panel, opened as a user opens it (its tab, at the default
    // height), against the own endpoint.
    void replay(ReplayPanel *panel, const QList<Mock::SessionRecording> &sessions)
    {
        auto *bottom = m_app->window()->findChild<QTabWidget *>(u"bottomPanel"_s);
        QVERIFY(bottom);
        bottom->setCurrentWidget(panel);
        panel->addSessions(sessions);
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(panel->runButton()->isEnabled(), 60000);
        QCOMPARE(panel->resultsView()->topLevelItemCount(), sessions.size());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_replayroom"_s);
    }

    void init()
    {
        QSettings().clear();
        QFile::remove(Settings::rulesPath());
        start();
    }

    void cleanup() { m_app.reset(); }

    void resultsHaveRoom_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addRow("1280x800") << QSize(1280, 800);
        QTest::addRow("1440x900") << QSize(1440, 900);
    }

    // Issue 15 item 2: after a replay, at least 8 rows of stages, 10 lines of the answer and 12
    // of what it did to the message are in view, and 12 of a session's diff.
    void resultsHaveRoom()
    {
        QFETCH(QSize, size);
        MainWindow *window = windowAt(size);
        QTRY_COMPARE(window->size(), size);
        // The demo's rules tag the sample's subject: an answer that changes the message.
        QString error;
        QVERIFY2(
            m_app->rulebook()->load(u":/samples/demo-rules.json"_s, &error), qPrintable(error));
        ReplayPanel *panel = window->replayPanel();
        replay(panel, samples({u"01-clean-stalwart.json"_s, u"07-subject-tagged-draft02.json"_s}));
        QTreeWidget *tree = panel->resultsView();
        QTreeWidgetItem *tagged = tree->topLevelItem(1);
        QVERIFY(tagged->childCount() > 0);
        // The data stage, whose answer tags the subject: an answer and a diff to read.
        tree->setCurrentItem(tagged->child(tagged->childCount() - 1));
        QCoreApplication::processEvents();
        const int rowHeight = tree->visualItemRect(tree->topLevelItem(0)).height();
        QVERIFY(rowHeight > 0);
        const int rows = tree->viewport()->height() / rowHeight;
        qInfo("%d rows, %d lines of the answer, %d of its diff", rows,
            linesInView(panel->results()->detail()->answerTab()->answerEditor()),
            linesInView(panel->results()->detail()->answerTab()->diffEditor()));
        QVERIFY2(rows >= 8, qPrintable(u"%1 rows of %2 px"_s.arg(rows).arg(rowHeight)));
        // Every control in full: the column of controls needs no horizontal scrolling.
        auto *split = panel->findChild<QSplitter *>(u"replaySplitter"_s);
        QVERIFY(split);
        auto *controls = qobject_cast<QScrollArea *>(split->widget(0));
        QVERIFY(controls);
        QVERIFY2(!controls->horizontalScrollBar()->isVisible(),
            qPrintable(
                u"controls need %1 px, have %2"_s.arg(controls->widget()->minimumSizeHint().width())
                    .arg(controls->viewport()->width())));
        // Wide enough for the stage and its verdict.
        const QFontMetrics metrics = tree->fontMetrics();
        const int verdictEnd = tree->header()->sectionPosition(2) + tree->header()->sectionSize(2);
        QVERIFY2(verdictEnd <= tree->viewport()->width(),
            qPrintable(
                u"the verdict ends at %1 of %2"_s.arg(verdictEnd).arg(tree->viewport()->width())));
        QVERIFY(tree->header()->sectionSize(0) >= metrics.horizontalAdvance(u"    registration"_s));
        AnswerPage *answer = panel->results()->detail()->answerTab();
        QTRY_VERIFY(answer->isVisible());
        QVERIFY(answer->diffEditor()->isVisible());
        QVERIFY2(linesInView(answer->answerEditor()) >= 10,
            qPrintable(QString::number(linesInView(answer->answerEditor()))));
        QVERIFY2(linesInView(answer->diffEditor()) >= 12,
            qPrintable(QString::number(linesInView(answer->diffEditor()))));
        if (!qEnvironmentVariableIsEmpty("HOOKSCOPE_GRAB"))
            window->grab().save(qEnvironmentVariable("HOOKSCOPE_GRAB")
                + u"-stage-%1x%2.png"_s.arg(size.width()).arg(size.height()));
        // The session: what the message became.
        tree->setCurrentItem(tagged);
        ResponseEditor *diff = panel->results()->messageDiff();
        QTRY_VERIFY(diff->isVisible());
        QVERIFY2(linesInView(diff) >= 12, qPrintable(QString::number(linesInView(diff))));
        if (!qEnvironmentVariableIsEmpty("HOOKSCOPE_GRAB"))
            window->grab().save(qEnvironmentVariable("HOOKSCOPE_GRAB")
                + u"-%1x%2.png"_s.arg(size.width()).arg(size.height()));
    }

    // How the user shared the panel's width comes back with the window.
    void panelLayoutIsRemembered()
    {
        MainWindow *window = windowAt({1280, 800});
        auto *bottom = window->findChild<QTabWidget *>(u"bottomPanel"_s);
        bottom->setCurrentWidget(window->replayPanel());
        QCoreApplication::processEvents();
        auto *outer = window->replayPanel()->findChild<QSplitter *>(u"replaySplitter"_s);
        auto *results = window->replayPanel()->results();
        QVERIFY(outer);
        const int total = outer->sizes().value(0) + outer->sizes().value(1);
        outer->setSizes({200, total - 200});
        const int inner = results->sizes().value(0) + results->sizes().value(1);
        results->setSizes({inner - 300, 300});
        const QList<int> chosenOuter = outer->sizes();
        const QList<int> chosenInner = results->sizes();
        m_app.reset();
        start();
        window = m_app->window();
        window->findChild<QTabWidget *>(u"bottomPanel"_s)->setCurrentWidget(window->replayPanel());
        QCoreApplication::processEvents();
        QCOMPARE(window->replayPanel()->findChild<QSplitter *>(u"replaySplitter"_s)->sizes(),
            chosenOuter);
        QCOMPARE(window->replayPanel()->results()->sizes(), chosenInner);
    }

    void demoKeepsLoadedRules_data()
    {
        QTest::addColumn<bool>("fromMenu");
        QTest::addColumn<bool>("loadDuring");
        QTest::addRow("menu") << true << false;
        QTest::addRow("fast") << false << false;
        QTest::addRow("loaded during") << false << true;
    }

    // Issue 15 item 3: rules loaded from a file (a rule that rejects every recipient) answer as
    // before once the demo has run, and a replay expecting the reject passes.
    void demoKeepsLoadedRules()
    {
        QFETCH(bool, fromMenu);
        QFETCH(bool, loadDuring);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"mine.json"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "hookscope-rules", "version": 1, "hold": [],
            "rules": [{"name": "no recipients", "when": {"stages": ["rcpt"]},
                       "answer": {"preset": "reject"}}]})");
        file.close();
        QString error;
        Mock::Rulebook *rulebook = m_app->rulebook();
        if (!loadDuring)
            QVERIFY2(rulebook->load(path, &error), qPrintable(error));
        const QList<Mock::Rule> loaded = rulebook->rules();
        if (fromMenu) {
            QAction *demo = menuAction(m_app->window(), u"Run &demo"_s);
            QVERIFY(demo);
            demo->trigger();
        } else {
            m_app->runDemo(0);
        }
        QVERIFY(m_app->isDemoRunning());
        // Its own endpoint and rules: the user's answer their calls during the demo too, and the
        // status bar says so.
        QCOMPARE(rulebook->rules(), loaded);
        QVERIFY(m_app->demo()->endpoint().url() != m_app->endpoint()->url());
        QVERIFY2(m_app->window()->statusBar()->currentMessage().contains(u"your rules"_s),
            qPrintable(m_app->window()->statusBar()->currentMessage()));
        if (loadDuring)
            QVERIFY2(rulebook->load(path, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(!m_app->isDemoRunning(), 180000);
        QCOMPARE(rulebook->rules().size(), 1);
        QCOMPARE(rulebook->rules().constFirst().name, u"no recipients"_s);
        const auto read
            = Mock::readRecordings({TestSupport::dataPath(u"mta/sessions/expect-reject.json"_s)});
        ReplayPanel *panel = m_app->window()->replayPanel();
        replay(panel, read.sessions);
        QTreeWidgetItem *session = panel->resultsView()->topLevelItem(0);
        QString stages;
        for (int i = 0; i < session->childCount(); ++i)
            stages += session->child(i)->text(0) + u' ' + session->child(i)->text(2) + u' '
                + session->child(i)->text(5) + u'\n';
        QVERIFY2(session->text(5).isEmpty(), qPrintable(stages));
    }
};

QTEST_MAIN(TestReplayRoom)
#include "tst_ui_replayroom.moc"

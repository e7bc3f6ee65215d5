// SPDX-License-Identifier: GPL-3.0-or-later
// The window's layout at the common screen sizes, through the real composition root: every
// column of the timeline in view with the verdict first among them, a details pane that gives
// the timeline its width, a bottom panel that collapses and comes back, sizes and column widths
// that outlive the window, a filter error that never widens the window, and the switches and
// columns of the answers panel in view.
#include "app/application.h"
#include "ui/answerspanel.h"
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/models/rulesmodel.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"

#include <QAction>
#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using namespace Qt::StringLiterals;

class TestWindowLayout : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Application> m_app;

    void start()
    {
        StartupOptions options;
        options.listenAddress = QHostAddress(QHostAddress::LocalHost);
        options.listenPort = 0;
        options.databasePath = u":memory:"_s;
        m_app = std::make_unique<Application>(options);
        QVERIFY(m_app->start());
    }

    // The window at a size, laid out as on a first run.
    MainWindow *windowAt(const QSize &size)
    {
        MainWindow *window = m_app->window();
        window->resize(size);
        window->applyDefaultLayout();
        QCoreApplication::processEvents(); // the default layout applies after a layout pass
        QCoreApplication::processEvents();
        return window;
    }

    static QSplitter *splitter(MainWindow *window, const QString &name)
    {
        return window->findChild<QSplitter *>(name);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
        QCoreApplication::setApplicationName(u"tst_ui_windowlayout"_s);
    }

    void init()
    {
        QSettings().clear(); // no layout left by another test: a first run
        start();
    }

    void cleanup() { m_app.reset(); }

    void columnsInView_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addRow("1280x800") << QSize(1280, 800);
        QTest::addRow("1440x900") << QSize(1440, 900);
        QTest::addRow("1920x1080") << QSize(1920, 1080);
    }

    // Every column but the summary whole, the verdict right after the stage, and the summary
    // still showing a good part of itself.
    void columnsInView()
    {
        QFETCH(QSize, size);
        MainWindow *window = windowAt(size);
        QTRY_COMPARE(window->size(), size);
        QTreeView *timeline = window->timeline();
        QHeaderView *header = timeline->header();
        const int visible = timeline->viewport()->width();
        for (int column = 0; column < SessionModel::SummaryColumn; ++column) {
            QVERIFY(!header->isSectionHidden(column));
            const int end = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(end <= visible,
                qPrintable(u"%1 ends at %2 of %3"_s
                               .arg(header->model()->headerData(column, Qt::Horizontal).toString())
                               .arg(end)
                               .arg(visible)));
        }
        QCOMPARE(header->visualIndex(SessionModel::ActionColumn),
            header->visualIndex(SessionModel::StageColumn) + 1);
        const int summary = header->sectionViewportPosition(SessionModel::SummaryColumn);
        QVERIFY2(visible - summary >= 100,
            qPrintable(u"summary at %1 of %2"_s.arg(summary).arg(visible)));
    }

    // The details pane gives up its width down to a readable minimum; neither pane collapses.
    void timelineCanTakeTheWidth()
    {
        MainWindow *window = windowAt({1280, 800});
        QSplitter *main = splitter(window, u"mainSplitter"_s);
        QVERIFY(main);
        const int total = main->sizes().value(0) + main->sizes().value(1);
        main->setSizes({total - 50, 50});
        QVERIFY2(main->sizes().value(0) >= total - 420,
            qPrintable(u"the timeline gets %1 of %2"_s.arg(main->sizes().value(0)).arg(total)));
        QVERIFY(main->sizes().value(1) >= 300); // the details stay readable
        main->setSizes({0, total});
        QVERIFY(main->sizes().value(0) > 0);
    }

    void bottomPanelCollapses()
    {
        MainWindow *window = windowAt({1280, 800});
        QSplitter *vertical = splitter(window, u"verticalSplitter"_s);
        QVERIFY(vertical);
        QVERIFY(window->isBottomPanelVisible());
        const int before = vertical->sizes().value(1);
        QVERIFY(before > 0);
        QAction *toggle = window->bottomPanelAction();
        QVERIFY(toggle->isChecked());
        toggle->trigger();
        QCOMPARE(vertical->sizes().value(1), 0);
        QVERIFY(!window->isBottomPanelVisible());
        QVERIFY(!toggle->isChecked());
        toggle->trigger();
        QCOMPARE(vertical->sizes().value(1), before);
        // The button in the panel's corner hides it as well.
        auto *corner = qobject_cast<QToolButton *>(
            window->findChild<QTabWidget *>(u"bottomPanel"_s)->cornerWidget(Qt::TopRightCorner));
        QVERIFY(corner);
        corner->click();
        QVERIFY(!window->isBottomPanelVisible());
        QVERIFY(!toggle->isChecked());
        // Replaying brings it back.
        window->raiseReplay();
        QVERIFY(window->isBottomPanelVisible());
    }

    void layoutIsRemembered()
    {
        MainWindow *window = windowAt({1440, 900});
        QSplitter *main = splitter(window, u"mainSplitter"_s);
        const int total = main->sizes().value(0) + main->sizes().value(1);
        main->setSizes({total - 450, 450});
        const QList<int> chosen = main->sizes();
        window->timeline()->setColumnWidth(SessionModel::StageColumn, 260);
        window->setBottomPanelVisible(false);
        m_app.reset(); // quitting keeps the layout
        start();
        window = m_app->window();
        QCoreApplication::processEvents();
        QCOMPARE(splitter(window, u"mainSplitter"_s)->sizes(), chosen);
        QCOMPARE(window->timeline()->columnWidth(SessionModel::StageColumn), 260);
        QVERIFY(!window->isBottomPanelVisible());
        QVERIFY(!window->bottomPanelAction()->isChecked());
        window->setBottomPanelVisible(true);
        QVERIFY(splitter(window, u"verticalSplitter"_s)->sizes().value(1) >= 150);
    }

    // A syntax error with a long message (it quotes what was typed) wraps or is cut under the
    // filter; the window keeps its width, also once the filter is cleared.
    void filterErrorKeepsTheWidth()
    {
        MainWindow *window = windowAt({1440, 900});
        QTRY_COMPARE(window->width(), 1440);
        QLineEdit *edit = window->filterBar()->lineEdit();
        edit->setText(u"stage:"_s + QString(300, u'x') + u" from:a@b nosuchfield:really"_s);
        QTest::keyClick(edit, Qt::Key_Return);
        auto *error = window->filterBar()->findChild<QLabel *>(u"filterError"_s);
        QVERIFY(error);
        QTRY_VERIFY(error->isVisible());
        QVERIFY(error->text().contains(u"not a valid stage"_s));
        QVERIFY2(window->minimumSizeHint().width() <= 1280,
            qPrintable(QString::number(window->minimumSizeHint().width())));
        QCoreApplication::processEvents();
        QCOMPARE(window->width(), 1440);
        edit->clear();
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_VERIFY(!error->isVisible());
        QCOMPARE(window->width(), 1440);
    }

    // Every stage's Hold switch is in view in the default bottom panel at 1280×800, the data
    // stage's first of all (the one a newcomer looks for).
    void holdSwitchesInView()
    {
        MainWindow *window = windowAt({1280, 800});
        AnswersPanel *answers = window->answersPanel();
        answers->tabs()->setCurrentIndex(0);
        QTableWidget *defaults = answers->defaultsTable();
        QTRY_VERIFY(defaults->isVisible());
        const QRect viewport = defaults->viewport()->rect();
        for (const QString &stage : {u"connect"_s, u"rcpt"_s, u"data"_s, u"dsn"_s}) {
            auto *hold = defaults->findChild<QCheckBox *>(u"hold-"_s + stage);
            QVERIFY2(hold, qPrintable(stage));
            const QRect at(hold->mapTo(defaults->viewport(), QPoint(0, 0)), hold->size());
            QVERIFY2(viewport.contains(at),
                qPrintable(u"%1's switch at %2,%3 outside %4x%5"_s.arg(stage)
                               .arg(at.x())
                               .arg(at.y())
                               .arg(viewport.width())
                               .arg(viewport.height())));
        }
    }

    // Issue 15 item 2: at the default layout the Replay button and the scanner URL are in view,
    // not below the (empty) list of sessions.
    void replayControlsInView()
    {
        MainWindow *window = windowAt({1280, 800});
        ReplayPanel *panel = window->replayPanel();
        for (QTabWidget *tabs : window->findChildren<QTabWidget *>()) {
            if (tabs->indexOf(panel) >= 0)
                tabs->setCurrentWidget(panel);
        }
        QTRY_VERIFY(panel->runButton()->isVisible());
        auto *scroll = qobject_cast<QScrollArea *>(
            panel->runButton()->parentWidget()->parentWidget()->parentWidget());
        QVERIFY(scroll);
        const QRect viewport = scroll->viewport()->rect();
        QVERIFY(viewport.height() > 0);
        QLineEdit *url = nullptr;
        for (QLineEdit *edit : panel->findChildren<QLineEdit *>()) {
            if (edit->placeholderText().startsWith(u"http://"_s))
                url = edit;
        }
        for (QWidget *control :
            {static_cast<QWidget *>(panel->runButton()), static_cast<QWidget *>(url)}) {
            QVERIFY(control);
            const QRect at(control->mapTo(scroll->viewport(), QPoint(0, 0)), control->size());
            // In view from top to bottom, and starting inside it (a wide field may run on).
            const bool inView = at.top() >= 0 && at.bottom() <= viewport.bottom()
                && viewport.contains(at.topLeft());
            QVERIFY2(inView,
                qPrintable(u"%1 at %2,%3 outside %4x%5"_s
                               .arg(QString::fromLatin1(control->metaObject()->className()))
                               .arg(at.x())
                               .arg(at.y())
                               .arg(viewport.width())
                               .arg(viewport.height())));
        }
    }

    // The conditions and the answer get the width, the hit count only what it needs.
    void rulesColumnsShareTheWidth()
    {
        MainWindow *window = windowAt({1280, 800});
        Mock::Rule rule;
        rule.name = u"Spam"_s;
        rule.when.stages = {MtaHooks::Stage::Data};
        rule.when.headerName = u"Subject"_s;
        rule.when.headerContains = u"90% off"_s;
        rule.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Reject);
        m_app->rulebook()->setRules({rule});
        AnswersPanel *answers = window->answersPanel();
        answers->tabs()->setCurrentIndex(1);
        QTableView *rules = answers->rulesView();
        QTRY_VERIFY(rules->isVisible());
        QHeaderView *header = rules->horizontalHeader();
        const int hits = header->sectionSize(RulesModel::HitsColumn);
        QVERIFY2(hits <= 80, qPrintable(QString::number(hits)));
        const QFontMetrics metrics = rules->fontMetrics();
        const QString when = rule.describeConditions();
        QVERIFY2(header->sectionSize(RulesModel::WhenColumn) >= metrics.horizontalAdvance(when),
            qPrintable(u"%1 < %2"_s.arg(header->sectionSize(RulesModel::WhenColumn))
                           .arg(metrics.horizontalAdvance(when))));
        QVERIFY(header->sectionSize(RulesModel::AnswerColumn) > 3 * hits);
    }
};

QTEST_MAIN(TestWindowLayout)
#include "tst_ui_windowlayout.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The window's layout at the common screen sizes, through the real composition root: every
// column of the timeline in view with the verdict first among them, a details pane that gives
// the timeline its width, a bottom panel that collapses and comes back, sizes and column widths
// that outlive the window, a filter error that never widens the window, and the switches and
// columns of the answers panel in view.
#include "app/application.h"
#include "mock/capture/capturestore.h"
#include "tests/ui/windowfixture.h"
#include "ui/answerspanel.h"
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/models/rulesmodel.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"
#include "ui/timelinecolumns.h"

#include <QAction>
#include <QCheckBox>
#include <QDataStream>
#include <QFont>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
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
        m_app = startTestApplication();
        QVERIFY(m_app);
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

    // Every column shown on a first run whole and in view, the verdict right after the stage,
    // who sent what to whom readable; dialect and details hidden until asked for (issue 14).
    void columnsInView()
    {
        QFETCH(QSize, size);
        MainWindow *window = windowAt(size);
        QTRY_COMPARE(window->size(), size);
        QTreeView *timeline = window->timeline();
        QHeaderView *header = timeline->header();
        const int visible = timeline->viewport()->width();
        for (int column = 0; column < SessionModel::ColumnCount; ++column) {
            const QString name = header->model()->headerData(column, Qt::Horizontal).toString();
            const bool hidden
                = column == SessionModel::DialectColumn || column == SessionModel::SummaryColumn;
            QCOMPARE(header->isSectionHidden(column), hidden);
            if (hidden)
                continue;
            const int end = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(end <= visible,
                qPrintable(u"%1 ends at %2 of %3"_s.arg(name).arg(end).arg(visible)));
        }
        QCOMPARE(header->visualIndex(SessionModel::ActionColumn),
            header->visualIndex(SessionModel::StageColumn) + 1);
        const QFontMetrics metrics = timeline->fontMetrics();
        const auto wide = [&](int column, const QString &sample) {
            QVERIFY2(header->sectionSize(column) >= metrics.horizontalAdvance(sample),
                qPrintable(u"%1: %2 px"_s
                               .arg(header->model()->headerData(column, Qt::Horizontal).toString())
                               .arg(header->sectionSize(column))));
        };
        if (size.width() < 1440) {
            // Smaller than the default window: the texts share what is left, a short address
            // and a client's address still read whole.
            wide(SessionModel::EnvelopeColumn, u"bob@example.org"_s);
            wide(SessionModel::ClientColumn, u"192.0.2.51"_s);
            return;
        }
        // At the default size (1440×900) and above, an address, a short subject and an IP
        // address read whole.
        wide(SessionModel::EnvelopeColumn, u"alice@example.org"_s);
        wide(SessionModel::SubjectColumn, u"Your invoice"_s);
        wide(SessionModel::ClientColumn, u"203.0.113.50"_s);
    }

    // The header's menu shows and hides columns; the user's order, widths and choices are kept
    // across runs, and "Reset columns" brings back the first run's.
    void columnsChosenAreKept()
    {
        MainWindow *window = windowAt({1440, 900});
        QHeaderView *header = window->timeline()->header();
        QMenu menu;
        window->timelineColumns()->populateMenu(&menu);
        const auto action = [&menu](const QString &text) -> QAction * {
            for (QAction *a : menu.actions()) {
                if (a->text() == text)
                    return a;
            }
            return nullptr;
        };
        QVERIFY(action(u"Subject"_s) && action(u"Subject"_s)->isChecked());
        QVERIFY(action(u"Dialect"_s) && !action(u"Dialect"_s)->isChecked());
        QVERIFY(!action(u"Time"_s)->isEnabled()); // it holds the tree
        action(u"Subject"_s)->setChecked(false);
        action(u"Dialect"_s)->setChecked(true);
        QVERIFY(header->isSectionHidden(SessionModel::SubjectColumn));
        QVERIFY(!header->isSectionHidden(SessionModel::DialectColumn));
        header->moveSection(header->visualIndex(SessionModel::ClientColumn), 1);
        QCOMPARE(header->visualIndex(SessionModel::ClientColumn), 1);

        m_app.reset(); // quitting keeps the layout
        start();
        window = m_app->window();
        QCoreApplication::processEvents();
        header = window->timeline()->header();
        QVERIFY(header->isSectionHidden(SessionModel::SubjectColumn));
        QVERIFY(!header->isSectionHidden(SessionModel::DialectColumn));
        QCOMPARE(header->visualIndex(SessionModel::ClientColumn), 1);

        QMenu again;
        window->timelineColumns()->populateMenu(&again);
        QCOMPARE(again.actions().value(1)->text(), u"Client"_s); // the menu reads like the header
        again.actions().constLast()->trigger(); // Reset columns
        QVERIFY(!header->isSectionHidden(SessionModel::SubjectColumn));
        QVERIFY(header->isSectionHidden(SessionModel::DialectColumn));
        QCOMPARE(header->visualIndex(SessionModel::ClientColumn), int(SessionModel::ClientColumn));
    }

    // Calls arriving while the window is open are bold, counted in the status bar, until their
    // session is selected.
    void newCallsMarkedUntilSelected()
    {
        MainWindow *window = windowAt({1440, 900});
        QLabel *count = window->newRowsLabel();
        QVERIFY(count->isHidden());
        QAbstractItemModel *model = window->timeline()->model();
        const auto arrive = [this](const QString &key) {
            Mock::Exchange e;
            e.sessionKey = key;
            e.kind = Mock::ExchangeKind::Hook;
            e.stage = MtaHooks::Stage::Connect;
            e.clientIp = u"192.0.2.1"_s;
            e.received = QDateTime::currentDateTimeUtc();
            return m_app->store()->save(e);
        };
        // The very first call is shown at once (the Connect panel makes way for it): seen.
        QVERIFY(arrive(u"s0"_s));
        QTRY_VERIFY(window->currentExchangeId() != 0);
        QVERIFY(count->isHidden());
        QVERIFY(arrive(u"s1"_s));
        QVERIFY(arrive(u"s2"_s));
        QTRY_COMPARE(model->rowCount(), 3);
        QTRY_COMPARE(count->text(), u"● 2 sessions with new calls"_s);
        QVERIFY(count->isVisible());
        const QModelIndex s1 = model->index(1, SessionModel::ClientColumn);
        QVERIFY(s1.data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!model->index(0, 0).data(Qt::FontRole).value<QFont>().bold());
        window->timeline()->setCurrentIndex(s1);
        QVERIFY(!s1.data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(model->index(2, 0).data(SessionModel::IsNewRole).toBool());
        QCOMPARE(count->text(), u"● 1 session with new calls"_s);
        window->timeline()->setCurrentIndex(model->index(2, 0));
        QVERIFY(count->isHidden());
    }

    // Following new calls opens an SMTP session, not a burst of the control plane.
    void followOpensSmtpSessionsOnly()
    {
        MainWindow *window = windowAt({1440, 900});
        const auto arrive = [this](const QString &key, Mock::ExchangeKind kind) {
            Mock::Exchange e;
            e.sessionKey = key;
            e.kind = kind;
            e.stage = kind == Mock::ExchangeKind::Hook ? MtaHooks::Stage::Connect
                                                       : MtaHooks::Stage::Unknown;
            e.received = QDateTime::currentDateTimeUtc();
            return m_app->store()->save(e);
        };
        QTreeView *timeline = window->timeline();
        QAbstractItemModel *model = timeline->model();
        QVERIFY(arrive(u"smtp"_s, Mock::ExchangeKind::Hook));
        QTRY_VERIFY(timeline->isExpanded(model->index(0, 0))); // the SMTP session, followed
        QVERIFY(arrive(u"peer"_s, Mock::ExchangeKind::Discovery));
        QVERIFY(arrive(u"peer"_s, Mock::ExchangeKind::Registration));
        QTRY_COMPARE(model->rowCount(), 2);
        // The view has followed (the timer that gathers new calls has fired) to the burst.
        auto *follow = window->findChild<QTimer *>(u"followTimer"_s);
        QVERIFY(follow);
        QTRY_VERIFY(!follow->isActive());
        QVERIFY(!timeline->isExpanded(model->index(1, 0)));
        QVERIFY(arrive(u"smtp2"_s, Mock::ExchangeKind::Hook));
        QTRY_COMPARE(model->rowCount(), 3);
        QTRY_VERIFY(timeline->isExpanded(model->index(2, 0))); // followed past the burst
        QVERIFY(!timeline->isExpanded(model->index(1, 0)));
        QVERIFY(model->index(1, 0).data(SessionModel::IsControlPlaneRole).toBool());
    }

    // A layout saved by a version with other columns: the panes are kept, the columns start over.
    void olderLayoutKeepsPanes()
    {
        QByteArray state;
        {
            QDataStream stream(&state, QIODevice::WriteOnly);
            QSplitter vertical(Qt::Vertical);
            QSplitter horizontal;
            for (QSplitter *s : {&vertical, &horizontal}) {
                s->addWidget(new QWidget);
                s->addWidget(new QWidget);
                s->setSizes({500, 300});
            }
            QHeaderView oldHeader(Qt::Horizontal); // eight columns, as before
            QStandardItemModel oldModel(0, 8);
            oldHeader.setModel(&oldModel);
            stream << vertical.saveState() << horizontal.saveState() << oldHeader.saveState()
                   << qint32(240);
        }
        MainWindow *window = m_app->window();
        QVERIFY(window->restoreSplitterState(state));
        QCoreApplication::processEvents();
        QHeaderView *header = window->timeline()->header();
        QCOMPARE(header->count(), int(SessionModel::ColumnCount));
        QVERIFY(header->isSectionHidden(SessionModel::SummaryColumn));
        QVERIFY(!header->isSectionHidden(SessionModel::SubjectColumn));
        QCOMPARE(header->visualIndex(SessionModel::ActionColumn), int(SessionModel::ActionColumn));
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

// SPDX-License-Identifier: GPL-3.0-or-later
// The main window's toolbar and menus: what each action does, wired to the window's signals.
#include "ui/mainwindow.h"

#include "mock/capture/capturestore.h"
#include "mock/capture/curlcommand.h"
#include "mock/mta/recordings.h"
#include "mock/scanner/rulebook.h"
#include "ui/filterbar.h"
#include "ui/replaypanel.h"
#include "ui/widgets/exchangedetail.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QToolBar>
#include <QToolButton>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

void MainWindow::buildActions()
{
    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolbar"_s);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    m_listenAction = toolbar->addAction(tr("Listening"));
    m_listenAction->setCheckable(true);
    m_listenAction->setToolTip(tr("Start or stop the hooks endpoint"));
    connect(m_listenAction, &QAction::triggered, this, &MainWindow::listeningToggled);

    auto *holdButton = new QToolButton(this);
    holdButton->setText(tr("Hold stages"));
    holdButton->setToolTip(tr("Breakpoints: hold every call of a stage until you answer it"));
    holdButton->setPopupMode(QToolButton::InstantPopup);
    auto *holdMenu = new QMenu(holdButton);
    for (Stage stage : inboundStages() + outboundStages()) {
        QAction *action = holdMenu->addAction(stageName(stage));
        action->setCheckable(true);
        action->setChecked(m_rulebook->isHeld(stage));
        connect(action, &QAction::toggled, this,
            [this, stage](bool on) { m_rulebook->setHeld(stage, on); });
        connect(m_rulebook, &Mock::Rulebook::changed, action,
            [this, action, stage] { action->setChecked(m_rulebook->isHeld(stage)); });
    }
    holdButton->setMenu(holdMenu);
    toolbar->addWidget(holdButton);
    toolbar->addSeparator();

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *open = fileMenu->addAction(tr("&Open capture database…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open capture database"), QString(), tr("SQLite (*.sqlite *.db)"));
        if (!path.isEmpty())
            Q_EMIT openDatabaseRequested(path);
    });
    open->setShortcut(QKeySequence::Open);
    fileMenu->addAction(tr("Save captures &as…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save captures as"), u"captures.sqlite"_s, tr("SQLite (*.sqlite *.db)"));
        if (!path.isEmpty())
            Q_EMIT saveDatabaseRequested(path);
    });
    fileMenu->addAction(tr("&Import…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import"), QString(),
            tr("Messages, sessions and HAR (*.eml *.json *.har);;All files (*)"));
        if (!path.isEmpty())
            Q_EMIT importRequested(path);
    });
    fileMenu
        ->addAction(tr("&Save sessions…"), this,
            [this] {
                const QString path = QFileDialog::getSaveFileName(this, tr("Save sessions"),
                    u"sessions.json"_s, tr("Hookscope sessions (*.json)"));
                if (!path.isEmpty())
                    Q_EMIT exportSessionsRequested(path, selectedOrVisibleExchangeIds());
            })
        ->setShortcut(QKeySequence::Save);
    fileMenu->addAction(tr("Export &HAR…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export HAR"), u"hookscope.har"_s, tr("HAR (*.har)"));
        if (!path.isEmpty())
            Q_EMIT exportHarRequested(path, selectedOrVisibleExchangeIds());
    });
    fileMenu->addSeparator();
    fileMenu->addAction(tr("&Settings…"), this, &MainWindow::settingsRequested)
        ->setShortcut(QKeySequence::Preferences);
    fileMenu->addSeparator();
    fileMenu->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu *captureMenu = menuBar()->addMenu(tr("&Captures"));
    captureMenu->addAction(tr("&Clear all captures…"), this, [this] {
        if (QMessageBox::question(this, tr("Clear captures"),
                tr("Delete every captured call from %1?").arg(m_store->path()))
            == QMessageBox::Yes)
            Q_EMIT clearRequested();
    });
    QAction *remove = captureMenu->addAction(tr("&Delete selected"), this, [this] {
        // Held calls stay: their MTAs are still waiting, and the answer updates the capture.
        QList<qint64> ids = selectedOrVisibleExchangeIds();
        ids.removeIf([this](qint64 id) { return m_heldCalls.contains(id); });
        if (!ids.isEmpty())
            Q_EMIT removeRequested(ids);
    });
    remove->setShortcut(QKeySequence::Delete);
    captureMenu->addAction(tr("Copy as &curl"), this, [this] {
        const auto exchange = m_store->load(currentExchangeId());
        if (exchange)
            QApplication::clipboard()->setText(Mock::curlCommand(*exchange, m_url));
    });

    // Both mock roles' tasks of their own: replaying sessions at a scanner and checking a peer
    // against the protocol.
    QMenu *toolsMenu = menuBar()->addMenu(tr("&Tools"));
    toolsMenu->addAction(tr("&Replay sessions"), this, &MainWindow::raiseReplay);
    toolsMenu->addAction(tr("&Conformance…"), this, &MainWindow::showConformance)
        ->setToolTip(tr("Check a scanner or an MTA against the protocol (hookscope conform)"));

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu
        ->addAction(tr("&Focus filter"), this,
            [this] {
                m_filter->lineEdit()->setFocus();
                m_filter->lineEdit()->selectAll();
            })
        ->setShortcut(QKeySequence(u"Ctrl+L"_s));
    m_bottomAction = viewMenu->addAction(tr("&Bottom panel (answers, replay)"));
    m_bottomAction->setCheckable(true);
    m_bottomAction->setChecked(true);
    m_bottomAction->setShortcut(QKeySequence(u"Ctrl+B"_s));
    m_bottomAction->setToolTip(tr("Show or hide the panel under the timeline"));
    connect(m_bottomAction, &QAction::toggled, this, &MainWindow::setBottomPanelVisible);
    buildViewMenu(viewMenu);

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&Connect an MTA…"), this, &MainWindow::showConnectDialog)
        ->setToolTip(tr("The endpoint's URL, Stalwart's and a draft-01 MTA's settings, a curl "
                        "command and a test call"));
    helpMenu->addAction(tr("Run &demo"), this, &MainWindow::demoRequested);
    QMenu *samples = helpMenu->addMenu(tr("&Sample sessions"));
    const QStringList sampleFiles
        = QDir(u":/samples"_s).entryList({u"0*.json"_s}, QDir::Files, QDir::Name);
    for (const QString &name : sampleFiles) {
        const QList<Mock::SessionRecording> sessions
            = Mock::readRecordings({u":/samples/"_s + name}).sessions;
        if (sessions.isEmpty())
            continue;
        samples->addAction(sessions.constFirst().title, this, [this, sessions] {
            m_replay->addSessions(sessions);
            raiseReplay();
            showStatus(tr("Sample added to the Replay panel: press Replay to run it"));
        });
    }
    helpMenu->addAction(tr("&Keyboard"), this, [this] {
        QMessageBox::information(this, tr("Keyboard"),
            tr("Up/Down or j/k: previous/next call\n/: filter\nEnter: open\n"
               "Ctrl+E: edit the held answer\nCtrl+Enter: send it\nCtrl+L: filter\n"
               "Delete: delete the selected sessions or calls"));
    });
    helpMenu->addAction(tr("&About Hookscope"), this, [this] {
        QMessageBox::about(this, tr("About Hookscope"),
            tr("<b>Hookscope %1</b><p>Inspector, mock scanner and mock MTA for MTA "
               "Hooks: Stalwart's format, draft-01 and draft-02.</p>"
               "<p>GPL-3.0-or-later.</p>")
                .arg(QCoreApplication::applicationVersion()));
    });

    toolbar->addAction(tr("Settings"), this, &MainWindow::settingsRequested);
    toolbar->addAction(tr("Demo"), this, &MainWindow::demoRequested)
        ->setToolTip(tr("Replay sample sessions into this endpoint"));
}

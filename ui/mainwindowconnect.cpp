// SPDX-License-Identifier: GPL-3.0-or-later
// The Connect panel in the window: in place of the details while the store has no calls (a
// newcomer's first screen says how to point an MTA here), and in Help ▸ Connect an MTA….
#include "ui/mainwindow.h"

#include "mock/capture/capturestore.h"
#include "ui/connectpanel.h"
#include "ui/widgets/exchangedetail.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QStackedWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

QWidget *MainWindow::buildDetailPane()
{
    m_connect = new ConnectPanel(this);
    connect(m_connect, &ConnectPanel::testCallRequested, this, &MainWindow::testCallRequested);
    m_detailStack = new QStackedWidget(this);
    m_detailStack->setObjectName(u"detailStack"_s);
    m_detailStack->addWidget(m_detail);
    m_detailStack->addWidget(m_connect);
    // The first call replaces the panel at once, and is shown: a newcomer sees what a call looks
    // like (selected once the timeline has its row). The counts, which also bring the panel back
    // once the captures are cleared or removed, follow only once a second.
    connect(m_store, &Mock::CaptureStore::exchangeSaved, this,
        [this](const Mock::Exchange &summary, bool isNew) {
            if (!isNew || !isConnectPaneShown())
                return;
            m_detailStack->setCurrentWidget(m_detail);
            QMetaObject::invokeMethod(
                this,
                [this, id = summary.id] {
                    if (currentExchangeId() == 0)
                        selectExchange(id);
                },
                Qt::QueuedConnection);
        });
    connect(m_store, &Mock::CaptureStore::batchSaved, this, [this] {
        m_countsStale = true; // an import: its calls are not announced one by one
        scheduleCounts();
        updateConnectPane();
    });
    updateConnectPane();
    return m_detailStack;
}

void MainWindow::updateConnectPane()
{
    showConnectPane(m_store->count({}) == 0);
}

void MainWindow::showConnectPane(bool noCaptures)
{
    if (m_detailStack)
        m_detailStack->setCurrentWidget(noCaptures ? static_cast<QWidget *>(m_connect) : m_detail);
}

bool MainWindow::isConnectPaneShown() const
{
    return m_detailStack && m_detailStack->currentWidget() == m_connect;
}

void MainWindow::setConnectInfo(const ConnectInfo &info)
{
    m_connect->setInfo(info);
    if (m_connectDialogPanel)
        m_connectDialogPanel->setInfo(info);
}

void MainWindow::setTestCallResult(bool ok, const QString &message)
{
    m_connect->setTestCallResult(ok, message);
    if (m_connectDialogPanel)
        m_connectDialogPanel->setTestCallResult(ok, message);
}

void MainWindow::showConnectDialog()
{
    if (!m_connectDialogPanel) {
        auto *dialog = new QDialog(this);
        dialog->setObjectName(u"connectDialog"_s);
        dialog->setWindowTitle(tr("Connect an MTA"));
        auto *layout = new QVBoxLayout(dialog);
        m_connectDialogPanel = new ConnectPanel(dialog);
        m_connectDialogPanel->setIntro(
            tr("Point a mail server's hooks at this endpoint with these settings: each call it "
               "makes shows up in the timeline."));
        m_connectDialogPanel->setInfo(m_connect->info());
        connect(m_connectDialogPanel, &ConnectPanel::testCallRequested, this,
            &MainWindow::testCallRequested);
        layout->addWidget(m_connectDialogPanel);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
        connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::hide);
        layout->addWidget(buttons);
        dialog->resize(760, 620);
    }
    QWidget *dialog = m_connectDialogPanel->window();
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

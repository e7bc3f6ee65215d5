// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/mainwindow.h"

#include "mock/capture/capturestore.h"
#include "mock/scanner/rulebook.h"
#include "ui/answerspanel.h"
#include "ui/conformancedialog.h"
#include "ui/filterbar.h"
#include "ui/heldcallpanel.h"
#include "ui/logging.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"
#include "ui/widgets/exchangedetail.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDataStream>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

MainWindow::MainWindow(
    Mock::CaptureStore *store, Mock::Rulebook *rulebook, SessionModel *sessions, QWidget *parent)
    : QMainWindow(parent)
    , m_store(store)
    , m_rulebook(rulebook)
    , m_sessions(sessions)
    , m_timeline(new QTreeView(this))
    , m_filter(new FilterBar(this))
    , m_detail(new ExchangeDetail(this))
    , m_held(new HeldCallPanel(this))
    , m_answers(new AnswersPanel(rulebook, this))
    , m_replay(new ReplayPanel(this))
    , m_conformance(new ConformanceDialog(this))
    , m_banner(new QLabel(this))
    , m_address(new QToolButton(this))
    , m_counts(new QLabel(this))
    , m_error(new QLabel(this))
    , m_heldStatus(new QLabel(this))
    , m_storage(new QLabel(this))
    , m_exposure(new QLabel(this))
    , m_newRows(new QLabel(this))
    , m_countsTimer(new QTimer(this))
    , m_heldTimer(new QTimer(this))
{
    m_countsTimer->setSingleShot(true);
    m_countsTimer->setInterval(250);
    connect(m_countsTimer, &QTimer::timeout, this, [this] {
        if (m_countsStale)
            refreshCounts();
        else
            showCounts();
    });
    // As often as the editor's countdown and the timeline's: all three show the same second.
    m_heldTimer->setInterval(250);
    connect(m_heldTimer, &QTimer::timeout, this, &MainWindow::updateHeldCountdown);
    setWindowTitle(tr("Hookscope"));
    setWindowIcon(QIcon(u":/icons/hookscope.svg"_s));
    buildActions();
    buildLayout();
    bindKeys();

    connect(m_filter, &FilterBar::queryChanged, this, &MainWindow::onQueryChanged);
    connect(m_filter, &FilterBar::savedFiltersChanged, this, &MainWindow::savedFiltersChanged);
    connect(m_timeline->selectionModel(), &QItemSelectionModel::currentChanged, this,
        &MainWindow::onCurrentChanged);
    connect(m_timeline->selectionModel(), &QItemSelectionModel::currentChanged, m_sessions,
        &SessionModel::markSeen);
    connect(m_sessions, &SessionModel::newSessionCountChanged, this, &MainWindow::showNewRows);
    connect(m_store, &Mock::CaptureStore::exchangeSaved, this, &MainWindow::onExchangeSaved);
    connect(m_store, &Mock::CaptureStore::cleared, this, &MainWindow::refreshCounts);
    connect(m_store, &Mock::CaptureStore::exchangesRemoved, this, [this](const QList<qint64> &ids) {
        if (ids.contains(m_detail->exchange().id))
            m_detail->clear(); // what it showed is gone
        refreshCounts();
    });
    connect(m_held, &HeldCallPanel::sendRequested, this, &MainWindow::heldAnswerSubmitted);
    connect(m_held, &HeldCallPanel::releaseRequested, this, &MainWindow::heldReleaseRequested);
    connect(m_answers, &AnswersPanel::statusMessage, this, &MainWindow::showStatus);
    m_answers->setSelectedCall([this]() -> std::optional<Mock::Exchange> {
        const qint64 id = currentExchangeId();
        return id == 0 ? std::nullopt : m_store->load(id);
    });
    connect(m_conformance, &ConformanceDialog::showExchangeRequested, this,
        &MainWindow::revealExchange);

    // Follow new calls while the user is at the bottom; stop when they scroll away.
    connect(m_timeline->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        m_followTail = value >= m_timeline->verticalScrollBar()->maximum() - 2;
    });
    m_followTimer = new QTimer(this);
    m_followTimer->setObjectName(u"followTimer"_s);
    connect(m_sessions, &SessionModel::exchangeAppended, this, [this](const QModelIndex &index) {
        if (!m_followTail)
            return;
        // Following the tail shows the calls of the session that is talking. Under load calls
        // come by the thousand a second, and each scroll lays out and repaints the whole tree:
        // the view follows at most ten times a second, to the session of the last call.
        m_tailSession = index.parent().isValid() ? index.parent() : index.siblingAtColumn(0);
        if (!m_followTimer->isActive())
            m_followTimer->start();
    });
    m_followTimer->setSingleShot(true);
    m_followTimer->setInterval(100);
    connect(m_followTimer, &QTimer::timeout, this, [this] {
        if (!m_followTail)
            return;
        // A session longer than the rows it may gain live (a benchmark's, a stuck client's) is not
        // opened, and not scrolled through when the user opened it: the end of its calls would
        // read them all into memory.
        const bool endless = m_tailSession.isValid()
            && m_tailSession.data(SessionModel::CallCountRole).toLongLong()
                > SessionModel::MaxLiveChildren;
        if (endless && m_timeline->isExpanded(m_tailSession))
            return;
        // A burst of the control plane (an MTA discovering and registering) is shown by its row:
        // opened, its calls would push the SMTP sessions out of view.
        if (m_tailSession.isValid() && !endless
            && !m_tailSession.data(SessionModel::IsControlPlaneRole).toBool())
            m_timeline->expand(m_tailSession);
        m_timeline->scrollToBottom();
    });
    refreshCounts();
    setListening(false, QString());
}

MainWindow::~MainWindow() = default;

void MainWindow::bindKeys()
{
    auto onTimeline = [this](const QKeySequence &keys, auto slot) {
        auto *shortcut = new QShortcut(keys, m_timeline);
        shortcut->setContext(Qt::WidgetShortcut);
        connect(shortcut, &QShortcut::activated, this, slot);
    };
    onTimeline(QKeySequence(u"J"_s), [this] { moveSelection(+1); });
    onTimeline(QKeySequence(u"K"_s), [this] { moveSelection(-1); });
    onTimeline(QKeySequence(u"/"_s), [this] {
        m_filter->lineEdit()->setFocus();
        m_filter->lineEdit()->selectAll();
    });
    auto enter = [this] {
        const QModelIndex current = m_timeline->currentIndex();
        if (!current.isValid())
            return;
        if (current.data(SessionModel::IsSessionRole).toBool())
            m_timeline->setExpanded(
                current.siblingAtColumn(0), !m_timeline->isExpanded(current.siblingAtColumn(0)));
        else
            m_detail->setFocus();
    };
    onTimeline(QKeySequence(Qt::Key_Return), enter);
    onTimeline(QKeySequence(Qt::Key_Enter), enter);

    auto *edit = new QShortcut(QKeySequence(u"Ctrl+E"_s), this);
    connect(edit, &QShortcut::activated, this, [this] {
        if (m_held->isVisible())
            m_held->focusEditor();
    });
    for (const QKeySequence &keys :
        {QKeySequence(u"Ctrl+Return"_s), QKeySequence(u"Ctrl+Enter"_s)}) {
        auto *send = new QShortcut(keys, this);
        send->setContext(Qt::WindowShortcut);
        connect(send, &QShortcut::activated, this, [this] {
            if (m_held->isVisible())
                m_held->send();
        });
    }
}

void MainWindow::moveSelection(int delta)
{
    const QModelIndex current = m_timeline->currentIndex();
    QModelIndex next = !current.isValid()
        ? m_sessions->index(0, 0)
        : (delta > 0 ? m_timeline->indexBelow(current) : m_timeline->indexAbove(current));
    if (next.isValid())
        m_timeline->setCurrentIndex(next);
}

void MainWindow::showBanner(const QString &title, const QString &text)
{
    QString html = u"<b>"_s + title.toHtmlEscaped() + u"</b>"_s;
    if (!text.isEmpty())
        html += u"<br>"_s + text.toHtmlEscaped().replace(u'\n', u"<br>"_s);
    m_banner->setText(html);
    m_banner->setVisible(true);
}

void MainWindow::hideBanner()
{
    m_banner->setVisible(false);
}

QStringList MainWindow::selectedSessionKeys() const
{
    QStringList keys;
    for (const QModelIndex &index : m_timeline->selectionModel()->selectedRows()) {
        const QString key = index.data(SessionModel::SessionKeyRole).toString();
        if (!key.isEmpty() && !keys.contains(key))
            keys.append(key);
    }
    return keys;
}

void MainWindow::setListening(bool listening, const QString &url)
{
    m_url = url;
    const QSignalBlocker blocker(m_listenAction);
    m_listenAction->setChecked(listening);
    m_listenAction->setText(listening ? tr("● Listening") : tr("○ Stopped"));
    m_address->setText(listening ? tr("Hooks endpoint: %1").arg(url)
                                 : tr("Endpoint stopped (click ○ Stopped to start)"));
    if (listening) {
        m_error->clear();
        m_replay->setDefaultTarget(url + u"/hook"_s);
    }
}

void MainWindow::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setToolTip(message);
    qCWarning(lcUi) << message;
}

void MainWindow::showStorageHealth(bool storing, const QString &reason, qint64 lost)
{
    m_storage->setVisible(!storing);
    m_storage->setText(storing
            ? QString()
            : tr("Captures are not being stored: %1 (%2 lost)").arg(reason).arg(lost));
}

void MainWindow::setExposureWarning(const QString &message)
{
    m_exposure->setText(message.isEmpty() ? QString() : u"⚠ "_s + message);
    m_exposure->setToolTip(message);
    m_exposure->setVisible(!message.isEmpty());
}

QString MainWindow::exposureWarning() const
{
    return m_exposure->toolTip();
}

void MainWindow::showStatus(const QString &message)
{
    statusBar()->showMessage(message, 5000);
}

void MainWindow::setSavedFilters(const QStringList &filters)
{
    m_filter->setSavedFilters(filters);
}

QStringList MainWindow::savedFilters() const
{
    return m_filter->savedFilters();
}

qint64 MainWindow::currentExchangeId() const
{
    return m_timeline->currentIndex().data(SessionModel::ExchangeIdRole).toLongLong();
}

bool MainWindow::selectExchange(qint64 id)
{
    const QModelIndex index = m_sessions->indexForExchange(id);
    if (!index.isValid())
        return false;
    m_timeline->expand(index.parent());
    m_timeline->setCurrentIndex(index);
    m_timeline->scrollTo(index);
    return true;
}

bool MainWindow::revealExchange(qint64 id)
{
    if (!selectExchange(id)) {
        showStatus(tr("The call is not in the timeline: the filter hides it, or it was deleted"));
        return false;
    }
    raise();
    activateWindow();
    m_timeline->setFocus();
    return true;
}

void MainWindow::onQueryChanged(const Mock::CaptureQuery &query)
{
    const qint64 shown = m_detail->exchange().id;
    m_sessions->setQuery(query);
    // The details show what the timeline shows: a call the filter hides is put away with it,
    // one it still shows stays selected.
    if (shown != 0 && !selectExchange(shown)) {
        m_detail->clear();
        m_answers->showMatchTrace(Mock::Exchange());
    }
    refreshCounts();
}

void MainWindow::onCurrentChanged()
{
    const qint64 id = currentExchangeId();
    if (id == 0) {
        m_held->setVisible(false);
        return;
    }
    const auto exchange = m_store->load(id);
    if (!exchange) {
        m_detail->clear();
        return;
    }
    m_detail->showExchange(*exchange);
    m_answers->showMatchTrace(*exchange);
    updateHeldPanel(*exchange);
}

void MainWindow::updateHeldPanel(const Mock::Exchange &exchange)
{
    const auto held = m_heldCalls.constFind(exchange.id);
    if (held == m_heldCalls.cend()) {
        m_held->clearCall();
        m_held->setVisible(false);
        return;
    }
    if (m_held->callId() != held->callId)
        m_held->showCall(*held);
    m_held->setVisible(true);
}

void MainWindow::onCallHeld(const Mock::HeldCall &call)
{
    m_heldCalls.insert(call.exchange.id, call);
    m_sessions->setHeldDeadline(call.exchange.id, call.deadline);
    updateHeldCountdown();
    // Like a debugger at a breakpoint: go to it, unless another held answer is being edited.
    if (!m_held->isVisible() || m_held->callId() == 0)
        selectExchange(call.exchange.id);
    refreshCounts();
}

void MainWindow::updateHeldCountdown()
{
    const Mock::HeldCall *first = nullptr;
    for (const Mock::HeldCall &call : std::as_const(m_heldCalls)) {
        if (!first || call.deadline < first->deadline)
            first = &call;
    }
    m_heldStatus->setVisible(first != nullptr);
    if (!first) {
        m_heldTimer->stop();
        return;
    }
    if (!m_heldTimer->isActive())
        m_heldTimer->start();
    const qint64 left = Mock::heldSecondsLeft(first->deadline, QDateTime::currentDateTimeUtc());
    const QString stage
        = first->exchange.stageName.isEmpty() ? tr("call") : first->exchange.stageName;
    m_heldStatus->setText(m_heldCalls.size() == 1
            ? tr("Held %1 call: default answer in %2 s").arg(stage).arg(left)
            : tr("%1 calls held: the first default answer in %2 s")
                  .arg(m_heldCalls.size())
                  .arg(left));
}

void MainWindow::onHeldCallEnded(qint64 callId, const Mock::Exchange &exchange)
{
    m_heldCalls.remove(exchange.id);
    m_sessions->clearHeldDeadline(exchange.id);
    updateHeldCountdown();
    if (m_held->callId() == callId) {
        m_held->clearCall();
        m_held->setVisible(false);
        if (currentExchangeId() == exchange.id) {
            if (const auto full = m_store->load(exchange.id))
                m_detail->showExchange(*full);
        }
    }
    refreshCounts();
}

void MainWindow::onExchangeSaved(const Mock::Exchange &summary, bool isNew)
{
    if (!isNew && summary.id == currentExchangeId() && !m_heldCalls.contains(summary.id)) {
        if (const auto full = m_store->load(summary.id))
            m_detail->showExchange(*full);
    }
    // A new call is counted in memory; a changed one (a held call answered) may move between
    // verdicts, which only the store can tell.
    if (isNew)
        m_callCounts.add(summary);
    else
        m_countsStale = true;
    scheduleCounts();
}

void MainWindow::scheduleCounts()
{
    if (!m_countsTimer->isActive())
        m_countsTimer->start();
}

void MainWindow::refreshCounts()
{
    m_callCounts.recount(*m_store, m_sessions->query());
    m_countsStale = false;
    showCounts();
}

void MainWindow::showCounts()
{
    // Without a filter the counts know whether anything is stored: no COUNT over the table.
    if (m_sessions->query().isEmpty())
        showConnectPane(m_callCounts.total() == 0);
    else
        updateConnectPane();
    if (m_callCounts.total() > 0) {
        m_counts->setText(m_callCounts.summary());
    } else if (m_sessions->query().isEmpty()) {
        m_counts->setText(tr("No calls yet"));
    } else {
        const qint64 stored = m_store->count({});
        m_counts->setText(stored == 0 ? tr("No calls yet")
                                      : tr("No call matches the filter (%1 captured)").arg(stored));
    }
}

QList<qint64> MainWindow::selectedOrVisibleExchangeIds() const
{
    QList<qint64> ids;
    for (const QModelIndex &index : m_timeline->selectionModel()->selectedRows()) {
        if (index.data(SessionModel::IsSessionRole).toBool()) {
            const QString key = index.data(SessionModel::SessionKeyRole).toString();
            for (const Mock::Exchange &exchange : m_store->loadSession(key))
                ids.append(exchange.id);
        } else if (const qint64 id = index.data(SessionModel::ExchangeIdRole).toLongLong()) {
            ids.append(id);
        }
    }
    return ids; // empty: the caller exports everything matching the filter
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_heldCalls.isEmpty()) {
        const auto answer = QMessageBox::question(this, tr("Held calls"),
            tr("%1 call(s) are held. Quit anyway? Their MTAs get no answer.")
                .arg(m_heldCalls.size()));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    event->accept();
}

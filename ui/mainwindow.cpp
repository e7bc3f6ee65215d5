// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/mainwindow.h"

#include "mock/capture/capturestore.h"
#include "mock/scanner/rulebook.h"
#include "ui/answerspanel.h"
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

namespace {

const QStringList &countedVerdicts()
{
    static const QStringList verdicts {u"accept"_s, u"reject"_s, u"tempfail"_s, u"discard"_s,
        u"quarantine"_s, u"disconnect"_s, u"continue"_s, u"cancel"_s, u"held"_s, u"error"_s};
    return verdicts;
}

} // namespace

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
    , m_banner(new QLabel(this))
    , m_address(new QToolButton(this))
    , m_counts(new QLabel(this))
    , m_error(new QLabel(this))
    , m_storage(new QLabel(this))
    , m_exposure(new QLabel(this))
    , m_countsTimer(new QTimer(this))
{
    m_countsTimer->setSingleShot(true);
    m_countsTimer->setInterval(1000);
    connect(m_countsTimer, &QTimer::timeout, this, &MainWindow::refreshCounts);
    setWindowTitle(tr("Hookscope"));
    setWindowIcon(QIcon(u":/icons/hookscope.svg"_s));
    buildActions();
    buildLayout();
    bindKeys();

    connect(m_filter, &FilterBar::queryChanged, this, [this](const Mock::CaptureQuery &query) {
        m_sessions->setQuery(query);
        refreshCounts();
    });
    connect(m_filter, &FilterBar::savedFiltersChanged, this, &MainWindow::savedFiltersChanged);
    connect(m_timeline->selectionModel(), &QItemSelectionModel::currentChanged, this,
        &MainWindow::onCurrentChanged);
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

    // Follow new calls while the user is at the bottom; stop when they scroll away.
    connect(m_timeline->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        m_followTail = value >= m_timeline->verticalScrollBar()->maximum() - 2;
    });
    connect(m_sessions, &SessionModel::exchangeAppended, this, [this](const QModelIndex &index) {
        if (!m_followTail)
            return;
        // Following the tail shows the calls of the session that is talking.
        m_timeline->expand(index.parent().isValid() ? index.parent() : index.siblingAtColumn(0));
        m_timeline->scrollToBottom();
    });
    refreshCounts();
    setListening(false, QString());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildLayout()
{
    m_timeline->setModel(m_sessions);
    m_timeline->setUniformRowHeights(true);
    m_timeline->setAlternatingRowColors(true);
    m_timeline->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_timeline->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_timeline->setAllColumnsShowFocus(true);
    m_timeline->header()->setStretchLastSection(true);
    m_timeline->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_timeline->setColumnWidth(SessionModel::TimeColumn, 128);
    m_timeline->setColumnWidth(SessionModel::StageColumn, 140);
    m_timeline->setColumnWidth(SessionModel::DialectColumn, 62);
    m_timeline->setColumnWidth(SessionModel::ActionColumn, 92);
    m_timeline->setColumnWidth(SessionModel::StatusColumn, 46);
    m_timeline->setColumnWidth(SessionModel::LatencyColumn, 60);
    m_timeline->setColumnWidth(SessionModel::ProblemsColumn, 62);
    m_timeline->setObjectName(u"timeline"_s);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(4, 4, 0, 4);
    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setMargin(8);
    m_banner->setAutoFillBackground(true);
    QPalette bannerPalette = m_banner->palette();
    const bool dark = bannerPalette.color(QPalette::Window).lightness() < 128;
    bannerPalette.setColor(
        QPalette::Window, dark ? QColor(0x1d, 0x3a, 0x5c) : QColor(0xdc, 0xeb, 0xfb));
    m_banner->setPalette(bannerPalette);
    m_banner->setVisible(false);
    leftLayout->addWidget(m_banner);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_timeline, 1);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_held);
    right->addWidget(m_detail);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 3);
    m_held->setVisible(false);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(u"mainSplitter"_s);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({820, 620});

    // The answers and the replayer live under the timeline in a splitter (not docks: Qt 6.4 cannot
    // size a bottom dock area reliably, and the timeline needs the height).
    m_bottomTabs = new QTabWidget(this);
    m_bottomTabs->setDocumentMode(true);
    // An explicit minimum: otherwise the tallest page (the replay's detail view) decides how far
    // the splitter can shrink the tabs.
    m_bottomTabs->setMinimumHeight(150);
    m_bottomTabs->addTab(m_answers, tr("Answers (mock scanner)"));
    m_bottomTabs->addTab(m_replay, tr("Replay (mock MTA)"));
    m_vertical = new QSplitter(Qt::Vertical, this);
    m_vertical->setObjectName(u"verticalSplitter"_s);
    m_vertical->addWidget(split);
    m_vertical->addWidget(m_bottomTabs);
    m_vertical->setStretchFactor(0, 3);
    m_vertical->setStretchFactor(1, 1);
    m_vertical->setSizes({660, 220});
    m_horizontal = split;
    setCentralWidget(m_vertical);

    m_address->setAutoRaise(true);
    m_address->setToolTip(tr("The endpoint's URL: click to copy it"));
    connect(m_address, &QToolButton::clicked, this, [this] {
        if (!m_url.isEmpty()) {
            QApplication::clipboard()->setText(m_url);
            showStatus(tr("Copied %1").arg(m_url));
        }
    });
    QPalette palette = m_error->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x28));
    m_error->setPalette(palette);
    statusBar()->addWidget(m_address);
    statusBar()->addWidget(m_counts, 1);
    statusBar()->addPermanentWidget(m_error);
    // A warning, not an error: calls are still answered; only their captures are missing.
    m_storage->setObjectName(u"storageHealth"_s);
    m_storage->setAutoFillBackground(true);
    m_storage->setMargin(2);
    QPalette warning = m_storage->palette();
    warning.setColor(QPalette::Window, QColor(0xf6, 0xd3, 0x2d));
    warning.setColor(QPalette::WindowText, Qt::black);
    m_storage->setPalette(warning);
    m_storage->setVisible(false);
    statusBar()->addPermanentWidget(m_storage);
    m_exposure->setPalette(palette);
    m_exposure->setVisible(false);
    statusBar()->addPermanentWidget(m_exposure);
    resize(1440, 900);
}

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

QByteArray MainWindow::splitterState() const
{
    QByteArray state;
    QDataStream stream(&state, QIODevice::WriteOnly);
    stream << m_vertical->saveState() << m_horizontal->saveState();
    return state;
}

bool MainWindow::restoreSplitterState(const QByteArray &state)
{
    QByteArray vertical;
    QByteArray horizontal;
    QDataStream stream(state);
    stream >> vertical >> horizontal;
    return stream.status() == QDataStream::Ok && m_vertical->restoreState(vertical)
        && m_horizontal->restoreState(horizontal);
}

void MainWindow::applyDefaultLayout()
{
    // Dock sizes only take once the window has its geometry, hence after the first layout pass.
    QTimer::singleShot(0, this, [this] {
        const int total = m_vertical->height();
        const int bottom = qMax(200, total / 4);
        m_vertical->setSizes({total - bottom, bottom});
    });
}

void MainWindow::raiseReplay()
{
    m_bottomTabs->setCurrentWidget(m_replay);
    // Replaying is a task of its own: the replay gets room to show its results.
    if (m_vertical->sizes().value(1) < m_vertical->height() * 2 / 5)
        m_vertical->setSizes({m_vertical->height() * 11 / 20, m_vertical->height() * 9 / 20});
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
    showStatus(tr("A %1 call is held: answer it, or the default goes out in %2 s")
                   .arg(call.exchange.stageName)
                   .arg(QDateTime::currentDateTimeUtc().secsTo(call.deadline)));
    // Like a debugger at a breakpoint: go to it, unless another held answer is being edited.
    if (!m_held->isVisible() || m_held->callId() == 0)
        selectExchange(call.exchange.id);
    refreshCounts();
}

void MainWindow::onHeldCallEnded(qint64 callId, const Mock::Exchange &exchange)
{
    m_heldCalls.remove(exchange.id);
    m_sessions->clearHeldDeadline(exchange.id);
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
    scheduleCounts();
}

void MainWindow::scheduleCounts()
{
    if (!m_countsTimer->isActive())
        m_countsTimer->start();
}

void MainWindow::refreshCounts()
{
    QStringList parts;
    const Mock::CaptureQuery base = m_sessions->query();
    qint64 total = 0;
    for (const QString &verdict : countedVerdicts()) {
        Mock::CaptureQuery query = base;
        query.terms.append({Mock::CaptureTerm::Field::Action, verdict, false});
        const qint64 count = m_store->count(query);
        total += count;
        if (count > 0)
            parts << u"%1 %2"_s.arg(verdict).arg(count);
    }
    const qint64 all = m_store->count(base);
    m_counts->setText(
        all == 0 ? tr("No calls yet") : tr("%1 calls: %2").arg(all).arg(parts.join(u" · "_s)));
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

// SPDX-License-Identifier: GPL-3.0-or-later
// The main window's panes: the timeline (with its banner and filter) on the left, the held-call
// editor and the details on the right, the answers and the replayer in a collapsible panel below;
// how they share a 1280×800 screen as well as a 1920×1080 one, and how their sizes are kept.
#include "ui/mainwindow.h"

#include "ui/answerspanel.h"
#include "ui/conformancedialog.h"
#include "ui/filterbar.h"
#include "ui/heldcallpanel.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"
#include "ui/timelinecolumns.h"
#include "ui/widgets/exchangedetail.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDataStream>
#include <QHeaderView>
#include <QLabel>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

// The details pane gives up width down to this, so the timeline keeps its verdicts in view; its
// tabs scroll below it.
constexpr int DetailMinimumWidth = 380;
// The timeline's share of the width on a first run, and the width it takes on a narrower window
// (1280 px and below) so that an address and a short subject read whole beside its other columns.
constexpr double TimelineShare = 0.64;
constexpr int TimelineWidth = 820;

} // namespace

void MainWindow::buildLayout()
{
    m_timeline->setModel(m_sessions);
    m_timeline->setUniformRowHeights(true);
    m_timeline->setAlternatingRowColors(true);
    m_timeline->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_timeline->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_timeline->setAllColumnsShowFocus(true);
    m_timeline->setIndentation(14);
    QHeaderView *header = m_timeline->header();
    header->setStretchLastSection(true);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setMinimumSectionSize(36);
    m_columns = new TimelineColumns(m_timeline);
    m_timeline->setObjectName(u"timeline"_s);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(4, 4, 0, 4);
    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setMargin(8);
    m_banner->setAutoFillBackground(true);
    tintBanner();
    m_banner->setVisible(false);
    // Its text never widens the window.
    m_banner->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    leftLayout->addWidget(m_banner);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_timeline, 1);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->setObjectName(u"detailSplitter"_s);
    right->addWidget(m_held);
    right->addWidget(buildDetailPane()); // the details, or how to connect while there are none
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 3);
    right->setMinimumWidth(DetailMinimumWidth);
    m_held->setVisible(false);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(u"mainSplitter"_s);
    split->addWidget(left);
    split->addWidget(right);
    split->setCollapsible(0, false);
    split->setCollapsible(1, false);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({835, 605});

    // The answers and the replayer live under the timeline in a splitter (not docks: Qt 6.4 cannot
    // size a bottom dock area reliably, and the timeline needs the height). The panel collapses
    // (View ▸ Bottom panel, the button in its corner, or dragging it down) to give the height back.
    m_bottomTabs = new QTabWidget(this);
    m_bottomTabs->setObjectName(u"bottomPanel"_s);
    m_bottomTabs->setDocumentMode(true);
    // An explicit minimum: otherwise the tallest page (the replay's detail view) decides how far
    // the splitter can shrink the tabs.
    m_bottomTabs->setMinimumHeight(150);
    m_bottomTabs->addTab(m_answers, tr("Answers (mock scanner)"));
    m_bottomTabs->addTab(m_replay, tr("Replay (mock MTA)"));
    auto *collapse = new QToolButton(m_bottomTabs);
    collapse->setAutoRaise(true);
    collapse->setText(tr("Hide ▾"));
    collapse->setToolTip(tr("Hide this panel: the timeline and the details get the height "
                            "(View ▸ Bottom panel brings it back)"));
    connect(collapse, &QToolButton::clicked, this, [this] { setBottomPanelVisible(false); });
    m_bottomTabs->setCornerWidget(collapse, Qt::TopRightCorner);
    m_vertical = new QSplitter(Qt::Vertical, this);
    m_vertical->setObjectName(u"verticalSplitter"_s);
    m_vertical->addWidget(split);
    m_vertical->addWidget(m_bottomTabs);
    m_vertical->setCollapsible(0, false);
    m_vertical->setCollapsible(1, true);
    m_vertical->setStretchFactor(0, 3);
    m_vertical->setStretchFactor(1, 1);
    m_vertical->setSizes({660, 220});
    connect(m_vertical, &QSplitter::splitterMoved, this, [this] {
        const QSignalBlocker blocker(m_bottomAction);
        m_bottomAction->setChecked(isBottomPanelVisible());
    });
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
    // Status texts never widen the window: the counts take what is left, the others at most a
    // third of a small screen each (their tooltips have them whole).
    m_counts->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    for (QLabel *label : {m_error, m_heldStatus, m_storage, m_exposure})
        label->setMaximumWidth(420);
    m_counts->setObjectName(u"callCounts"_s);
    m_heldStatus->setObjectName(u"heldCountdown"_s);
    m_heldStatus->setVisible(false);
    statusBar()->addWidget(m_address);
    statusBar()->addWidget(m_counts, 1);
    statusBar()->addPermanentWidget(m_heldStatus);
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
    m_newRows->setObjectName(u"newRows"_s);
    m_newRows->setToolTip(tr("Sessions with calls that arrived since you last selected them (bold "
                             "in the timeline). View ▸ Mark all seen clears the marks."));
    m_newRows->setVisible(false);
    statusBar()->addPermanentWidget(m_newRows);

    // 1440×900 where it fits; on a smaller screen, most of it.
    QSize size(1440, 900);
    if (const QScreen *screen = this->screen()) {
        const QSize available = screen->availableGeometry().size();
        size = size.boundedTo(QSize(available.width() * 95 / 100, available.height() * 95 / 100));
    }
    resize(size);
}

bool MainWindow::isBottomPanelVisible() const
{
    return m_vertical->sizes().value(1) > 0;
}

void MainWindow::setBottomPanelVisible(bool visible)
{
    const QList<int> sizes = m_vertical->sizes();
    const int total = sizes.value(0) + sizes.value(1);
    if (!visible && sizes.value(1) > 0) {
        m_bottomHeight = sizes.value(1);
        m_vertical->setSizes({total, 0});
    } else if (visible && sizes.value(1) == 0) {
        const int bottom = qBound(m_bottomTabs->minimumHeight(), m_bottomHeight, total / 2);
        m_vertical->setSizes({total - bottom, bottom});
    }
    const QSignalBlocker blocker(m_bottomAction);
    m_bottomAction->setChecked(isBottomPanelVisible());
}

QByteArray MainWindow::splitterState() const
{
    QByteArray state;
    QDataStream stream(&state, QIODevice::WriteOnly);
    // The third item held the timeline's header before its columns changed; it stays, empty,
    // so that the items after it keep their places. The columns come last.
    stream << m_vertical->saveState() << m_horizontal->saveState() << QByteArray()
           << qint32(m_bottomHeight) << m_replay->layoutState() << m_columns->state();
    return state;
}

bool MainWindow::restoreSplitterState(const QByteArray &state)
{
    QByteArray vertical;
    QByteArray horizontal;
    QDataStream stream(state);
    stream >> vertical >> horizontal;
    if (stream.status() != QDataStream::Ok || !m_vertical->restoreState(vertical)
        || !m_horizontal->restoreState(horizontal))
        return false;
    // Saved by an older version: the panes only. Its header state was for other columns.
    QByteArray oldHeader;
    qint32 bottomHeight = 0;
    stream >> oldHeader >> bottomHeight;
    if (stream.status() == QDataStream::Ok)
        m_bottomHeight = bottomHeight;
    QByteArray replay;
    stream >> replay;
    if (stream.status() == QDataStream::Ok)
        m_replay->restoreLayoutState(replay);
    QByteArray columns;
    stream >> columns;
    if (stream.status() != QDataStream::Ok || !m_columns->restoreState(columns)) {
        QTimer::singleShot(0, this, [this] { m_columns->applyDefaults(timelineViewWidth()); });
    }
    const QSignalBlocker blocker(m_bottomAction);
    m_bottomAction->setChecked(isBottomPanelVisible());
    return true;
}

void MainWindow::applyDefaultLayout()
{
    // Pane sizes only take once the window has its geometry, hence after the first layout pass.
    QTimer::singleShot(0, this, [this] {
        const int total = m_vertical->height();
        const int bottom = qMax(200, total / 4);
        m_vertical->setSizes({total - bottom, bottom});
        const int width = m_horizontal->width();
        const int timeline
            = qMin(width - DetailMinimumWidth, qMax(TimelineWidth, int(width * TimelineShare)));
        m_horizontal->setSizes({timeline, width - timeline});
        m_columns->applyDefaults(timelineViewWidth());
        const QSignalBlocker blocker(m_bottomAction);
        m_bottomAction->setChecked(isBottomPanelVisible());
    });
}

void MainWindow::showConformance()
{
    m_conformance->show();
    m_conformance->raise();
    m_conformance->activateWindow();
}

void MainWindow::raiseReplay()
{
    m_bottomTabs->setCurrentWidget(m_replay);
    setBottomPanelVisible(true);
    // Replaying is a task of its own: the replay gets half the height, room for its stages, the
    // answer and what it did side by side (issue 15); a larger share the user gave it stays.
    const int half = m_vertical->height() / 2;
    if (m_vertical->sizes().value(1) < half)
        m_vertical->setSizes({m_vertical->height() - half, half});
}

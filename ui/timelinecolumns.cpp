// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/timelinecolumns.h"

#include "ui/models/sessionmodel.h"

#include <QAction>
#include <QDataStream>
#include <QHeaderView>
#include <QIODevice>
#include <QMenu>
#include <QTreeView>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace {

// Saved states of this layout start with this tag: a state saved with other columns (an older
// version's eight) would restore widths onto the wrong columns.
constexpr quint32 StateTag = 0x484b5431; // "HKT1"

constexpr std::array HiddenAtFirst {SessionModel::DialectColumn, SessionModel::SummaryColumn};

// What the text columns get of the width left to them, in percent.
struct TextShare
{
    int column;
    int percent;
    int minimum; // in average characters
};
constexpr std::array TextShares {TextShare {SessionModel::EnvelopeColumn, 42, 16},
    TextShare {SessionModel::SubjectColumn, 33, 10},
    TextShare {SessionModel::ClientColumn, 25, 14}};

} // namespace

TimelineColumns::TimelineColumns(QTreeView *timeline)
    : QObject(timeline)
    , m_timeline(timeline)
{
    QHeaderView *header = m_timeline->header();
    header->setSectionsMovable(true);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu;
        populateMenu(&menu);
        menu.exec(m_timeline->header()->mapToGlobal(pos));
    });
    for (const int column : HiddenAtFirst)
        header->setSectionHidden(column, true);
    setDefaultWidths();
}

void TimelineColumns::setDefaultWidths()
{
    const QFontMetrics metrics = m_timeline->fontMetrics();
    // New rows are bold: their texts must fit too.
    QFont bold = m_timeline->font();
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    const auto fit = [&boldMetrics](const QString &sample, int extra = 16) {
        return boldMetrics.horizontalAdvance(sample) + extra;
    };
    m_defaultWidths.fill(0);
    // The time column also holds the tree: the expand arrow, and a call's indentation.
    setWidth(SessionModel::TimeColumn, fit(u"00:00:00.000"_s, 20 + 2 * m_timeline->indentation()));
    // A session's path to its furthest SMTP stage; a control-plane burst's longer one
    // ("… → deregistration") is elided, and whole in its tooltip.
    setWidth(SessionModel::StageColumn, fit(u"… → delivery"_s, 12));
    setWidth(SessionModel::ActionColumn, fit(u"quarantine"_s, 34));
    setWidth(SessionModel::StatusColumn, fit(u"Status"_s, 12));
    setWidth(SessionModel::LatencyColumn, fit(u"99.9 ms"_s, 12));
    setWidth(SessionModel::ProblemsColumn, fit(u"⚠ 99"_s, 12));
    setWidth(SessionModel::DialectColumn, fit(u"draft-02"_s));
    setWidth(SessionModel::SummaryColumn, metrics.averageCharWidth() * 40);
    for (const TextShare &share : TextShares)
        setWidth(share.column, metrics.averageCharWidth() * share.minimum * 2);
}

void TimelineColumns::setWidth(int column, int width)
{
    m_defaultWidths.at(std::size_t(column)) = width;
    m_timeline->setColumnWidth(column, width);
}

void TimelineColumns::fitTextColumns(int viewWidth)
{
    // From the default widths, not the sections' sizes: the last section is stretched to the
    // view's edge.
    QHeaderView *header = m_timeline->header();
    int fixed = 0;
    for (int column = 0; column < header->count(); ++column) {
        const bool text = std::any_of(TextShares.begin(), TextShares.end(),
            [column](const TextShare &share) { return share.column == column; });
        if (!text && !header->isSectionHidden(column))
            fixed += m_defaultWidths.at(std::size_t(column));
    }
    const int left = viewWidth - fixed;
    const int average = m_timeline->fontMetrics().averageCharWidth();
    int minimums = 0;
    for (const TextShare &share : TextShares)
        minimums += share.minimum * average;
    // Each gets its minimum and its share of the rest. Below the minimums they take their
    // minimums in order (who wrote to whom, then the subject, then the client, which the details
    // show too): two columns that read beat three that do not. Every column stays in view.
    const bool roomy = left >= minimums;
    int rest = roomy ? left - minimums : left;
    for (const TextShare &share : TextShares) {
        int width = 0;
        if (roomy) {
            width = share.minimum * average + rest * share.percent / 100;
        } else {
            const bool last = &share == &TextShares.back();
            width = last ? rest : std::min(rest, share.minimum * average);
            rest -= width;
        }
        m_timeline->setColumnWidth(share.column, std::max(header->minimumSectionSize(), width));
    }
}

void TimelineColumns::applyDefaults(int viewWidth)
{
    QHeaderView *header = m_timeline->header();
    for (int column = 0; column < header->count(); ++column) {
        header->moveSection(header->visualIndex(column), column);
        header->setSectionHidden(column,
            std::find(HiddenAtFirst.begin(), HiddenAtFirst.end(), column) != HiddenAtFirst.end());
    }
    setDefaultWidths();
    fitTextColumns(viewWidth > 0 ? viewWidth : m_timeline->viewport()->width());
}

void TimelineColumns::populateMenu(QMenu *menu)
{
    QHeaderView *header = m_timeline->header();
    const QAbstractItemModel *model = header->model();
    // In the order they show, so the menu reads like the header.
    for (int visual = 0; visual < header->count(); ++visual) {
        const int column = header->logicalIndex(visual);
        QAction *action = menu->addAction(model->headerData(column, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(column));
        action->setToolTip(model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString());
        // The time column holds the tree: hiding it would hide how calls nest in sessions.
        action->setEnabled(column != SessionModel::TimeColumn);
        connect(action, &QAction::toggled, this,
            [this, column](bool shown) { m_timeline->header()->setSectionHidden(column, !shown); });
    }
    menu->addSeparator();
    connect(menu->addAction(tr("Reset columns")), &QAction::triggered, this,
        [this] { applyDefaults(); });
}

QByteArray TimelineColumns::state() const
{
    QByteArray state;
    QDataStream stream(&state, QIODevice::WriteOnly);
    stream << StateTag << qint32(m_timeline->header()->count())
           << m_timeline->header()->saveState();
    return state;
}

bool TimelineColumns::restoreState(const QByteArray &state)
{
    QDataStream stream(state);
    quint32 tag = 0;
    qint32 count = 0;
    QByteArray header;
    stream >> tag >> count >> header;
    if (stream.status() != QDataStream::Ok || tag != StateTag
        || count != m_timeline->header()->count())
        return false;
    return m_timeline->header()->restoreState(header);
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/conformresultsmodel.h"

#include "mock/conform/conformreport.h"
#include "ui/models/verdictstyle.h"

#include <QFont>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

// The timeline's verdict hues, so that a pass reads like an accept and a failure like a reject.
MtaHooks::Verdict hueOf(Conform::Status status)
{
    switch (status) {
    case Conform::Status::Pass:
        return MtaHooks::Verdict::Accept;
    case Conform::Status::Fail:
        return MtaHooks::Verdict::Reject;
    case Conform::Status::Skip:
        break;
    }
    return MtaHooks::Verdict::None;
}

} // namespace

ConformResultsModel::ConformResultsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void ConformResultsModel::clear()
{
    m_captured.clear();
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void ConformResultsModel::addResult(const Conform::Result &result)
{
    Conform::Result added = result;
    for (Conform::Evidence &evidence : added.evidence) {
        if (evidence.capturedId == 0)
            evidence.capturedId = m_captured.value(evidence.exchange);
    }
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(added);
    endInsertRows();
}

void ConformResultsModel::setCapturedId(qint64 exchange, qint64 id)
{
    if (exchange < 0 || id <= 0)
        return;
    m_captured.insert(exchange, id);
    for (int row = 0; row < m_rows.size(); ++row) {
        bool changed = false;
        for (Conform::Evidence &evidence : m_rows[row].evidence) {
            if (evidence.exchange == exchange && evidence.capturedId != id) {
                evidence.capturedId = id;
                changed = true;
            }
        }
        if (changed)
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1), {ExchangeIdsRole});
    }
}

QList<Conform::Result> ConformResultsModel::results() const
{
    return m_rows;
}

Conform::Result ConformResultsModel::result(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : Conform::Result();
}

QList<qint64> ConformResultsModel::exchangeIds(int row) const
{
    QList<qint64> ids;
    if (row < 0 || row >= m_rows.size())
        return ids;
    for (const Conform::Evidence &evidence : m_rows.at(row).evidence) {
        if (evidence.capturedId > 0 && !ids.contains(evidence.capturedId))
            ids.append(evidence.capturedId);
    }
    return ids;
}

int ConformResultsModel::count(Conform::Status status) const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(),
        [status](const Conform::Result &result) { return result.status == status; }));
}

int ConformResultsModel::mustFailures() const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Conform::Result &result) {
        return result.status == Conform::Status::Fail && result.level == Conform::Level::Must;
    }));
}

int ConformResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConformResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConformResultsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Conform::Result &result = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case StatusColumn:
            return Conform::statusName(result.status);
        case LevelColumn:
            return Conform::levelName(result.level);
        case TitleColumn:
            return result.title;
        case ClauseColumn:
            return result.clause;
        case DetailColumn:
            return result.detail;
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == DetailColumn || index.column() == TitleColumn)
            return result.detail.isEmpty() ? result.title : result.detail;
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn)
            return verdictColor(hueOf(result.status), currentPalette());
        return {};
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return verdictDot(hueOf(result.status), currentPalette());
        return {};
    case Qt::FontRole:
        // A failed MUST is what the run is judged on: it stands out.
        if (index.column() == StatusColumn
            || (index.column() == LevelColumn && result.status == Conform::Status::Fail
                && result.level == Conform::Level::Must)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case StatusRole:
        return int(result.status);
    case LevelRole:
        return int(result.level);
    case CheckIdRole:
        return result.id;
    case EvidenceTextRole:
        return Conform::evidenceText(result);
    case ExchangeIdsRole:
        return QVariant::fromValue(exchangeIds(index.row()));
    default:
        return {};
    }
}

QVariant ConformResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case StatusColumn:
        return tr("Result");
    case LevelColumn:
        return tr("Level");
    case TitleColumn:
        return tr("Check");
    case ClauseColumn:
        return tr("Clause");
    case DetailColumn:
        return tr("Detail");
    case ColumnCount:
        break;
    }
    return {};
}

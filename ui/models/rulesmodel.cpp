// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/rulesmodel.h"

#include "mock/scanner/rulebook.h"
#include "ui/models/verdictstyle.h"

#include <QDataStream>
#include <QIODevice>
#include <QMimeData>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

const QString rowsMimeType = u"application/x-hookscope-rule-rows"_s;

// Rows of one drag, tagged with the model they came from: a drop from another table (another
// window's rulebook) must not be read as row numbers of this one.
struct DraggedRows
{
    quintptr source = 0;
    QList<int> rows;
};

std::optional<DraggedRows> decodeRows(const QMimeData *data)
{
    if (!data || !data->hasFormat(rowsMimeType))
        return std::nullopt;
    QByteArray bytes = data->data(rowsMimeType);
    QDataStream stream(&bytes, QIODevice::ReadOnly);
    DraggedRows dragged;
    quint64 source = 0;
    stream >> source >> dragged.rows;
    if (stream.status() != QDataStream::Ok)
        return std::nullopt;
    dragged.source = quintptr(source);
    return dragged;
}

} // namespace

RulesModel::RulesModel(Mock::Rulebook *rulebook, QObject *parent)
    : QAbstractTableModel(parent)
    , m_rulebook(rulebook)
    , m_rules(rulebook ? rulebook->rules() : QList<Mock::Rule>())
{
    if (m_rulebook) {
        connect(m_rulebook, &Mock::Rulebook::changed, this, &RulesModel::onRulebookChanged);
        // Hit counts change on every call a rule answers: the rows show them as they change.
        connect(m_rulebook, &Mock::Rulebook::hitsChanged, this, &RulesModel::refresh);
    }
}

int RulesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int RulesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RulesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || index.row() >= m_rules.size())
        return {};
    const Mock::Rule &rule = m_rules.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return rule.name;
        case WhenColumn:
            return rule.describeConditions();
        case AnswerColumn:
            return rule.answer.describe();
        case HitsColumn:
            return rule.when.times > 0 ? u"%1/%2"_s.arg(rule.hits).arg(rule.when.times)
                                       : QString::number(rule.hits);
        default:
            break;
        }
        break;
    case Qt::EditRole:
        if (index.column() == NameColumn)
            return rule.name;
        break;
    case Qt::CheckStateRole:
        if (index.column() == EnabledColumn)
            return rule.enabled ? Qt::Checked : Qt::Unchecked;
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case EnabledColumn:
            return rule.enabled ? u"Enabled: the rule answers matching calls"_s
                                : u"Disabled: the rule is skipped"_s;
        case HitsColumn:
            return rule.when.times > 0
                ? u"Answered %1 of at most %2 calls"_s.arg(rule.hits).arg(rule.when.times)
                : u"Answered %1 calls"_s.arg(rule.hits);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (!rule.enabled)
            return currentPalette().color(QPalette::Disabled, QPalette::Text);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == HitsColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    case RuleRole:
        return QVariant::fromValue(rule);
    default:
        break;
    }
    return {};
}

bool RulesModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!m_rulebook || !index.isValid() || index.model() != this || index.row() >= m_rules.size())
        return false;
    const QList<Mock::Rule> current = m_rulebook->rules();
    if (current.size() != m_rules.size())
        return false;
    Mock::Rule rule = current.at(index.row());
    if (role == Qt::CheckStateRole && index.column() == EnabledColumn) {
        rule.enabled = value.toInt() == Qt::Checked;
    } else if (role == Qt::EditRole && index.column() == NameColumn) {
        const QString name = value.toString().trimmed();
        if (name.isEmpty())
            return false;
        rule.name = name;
    } else {
        return false;
    }
    if (rule != current.at(index.row())) {
        m_updating = true;
        m_rulebook->replaceRule(index.row(), rule);
        m_updating = false;
    }
    m_rules[index.row()] = rule;
    Q_EMIT dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    return true;
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case EnabledColumn:
        return u"On"_s;
    case NameColumn:
        return u"Name"_s;
    case WhenColumn:
        return u"When"_s;
    case AnswerColumn:
        return u"Answer"_s;
    case HitsColumn:
        return u"Hits"_s;
    }
    return {};
}

Qt::ItemFlags RulesModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::ItemIsDropEnabled;
    Qt::ItemFlags flags = Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsDragEnabled;
    if (index.column() == EnabledColumn)
        flags |= Qt::ItemIsUserCheckable;
    if (index.column() == NameColumn)
        flags |= Qt::ItemIsEditable;
    return flags;
}

bool RulesModel::moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
    const QModelIndex &destinationParent, int destinationChild)
{
    const int size = int(m_rules.size());
    if (!m_rulebook || sourceParent.isValid() || destinationParent.isValid() || count <= 0
        || sourceRow < 0 || sourceRow + count > size || destinationChild < 0
        || destinationChild > size)
        return false;
    QList<Mock::Rule> rules = m_rulebook->rules();
    if (rules.size() != size)
        return false;
    // beginMoveRows refuses moves into the moved block itself (including the no-op ones).
    if (!beginMoveRows(
            sourceParent, sourceRow, sourceRow + count - 1, destinationParent, destinationChild))
        return false;
    const QList<Mock::Rule> block = rules.mid(sourceRow, count);
    rules.remove(sourceRow, count);
    const int insertAt = destinationChild > sourceRow ? destinationChild - count : destinationChild;
    for (int i = 0; i < count; ++i)
        rules.insert(insertAt + i, block.at(i));
    // One setRules rather than a moveRule per row: listeners (autosave) see one change.
    m_updating = true;
    m_rulebook->setRules(rules);
    m_updating = false;
    m_rules = rules;
    endMoveRows();
    return true;
}

bool RulesModel::removeRows(int row, int count, const QModelIndex &parent)
{
    if (!m_rulebook || parent.isValid() || row < 0 || count <= 0 || row + count > m_rules.size())
        return false;
    QList<Mock::Rule> rules = m_rulebook->rules();
    if (rules.size() != m_rules.size())
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    rules.remove(row, count);
    m_updating = true;
    m_rulebook->setRules(rules);
    m_updating = false;
    m_rules = rules;
    endRemoveRows();
    return true;
}

Qt::DropActions RulesModel::supportedDropActions() const
{
    return Qt::MoveAction;
}

Qt::DropActions RulesModel::supportedDragActions() const
{
    return Qt::MoveAction;
}

QStringList RulesModel::mimeTypes() const
{
    return {rowsMimeType};
}

QMimeData *RulesModel::mimeData(const QModelIndexList &indexes) const
{
    QList<int> rows;
    for (const QModelIndex &index : indexes) {
        if (index.isValid() && index.model() == this && !rows.contains(index.row()))
            rows.append(index.row());
    }
    std::sort(rows.begin(), rows.end());
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream << quint64(quintptr(this)) << rows;
    auto *data = new QMimeData;
    data->setData(rowsMimeType, bytes);
    return data;
}

bool RulesModel::canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
    const QModelIndex &parent) const
{
    Q_UNUSED(row)
    Q_UNUSED(column)
    Q_UNUSED(parent)
    const auto dragged = decodeRows(data);
    return action == Qt::MoveAction && dragged && dragged->source == quintptr(this);
}

// Moves the dragged rows (one contiguous block) before the drop row. Returns false even when it
// moved them: a view treats a successful MoveAction drop as "copied, now delete the source rows"
// and would call removeRows on rows that have already moved.
bool RulesModel::dropMimeData(
    const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent)
{
    Q_UNUSED(column)
    if (action == Qt::IgnoreAction)
        return true;
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    const auto dragged = decodeRows(data);
    if (!dragged || dragged->rows.isEmpty())
        return false;
    const QList<int> &rows = dragged->rows;
    if (rows.last() - rows.first() + 1 != rows.size())
        return false; // not one block
    int destination = row;
    if (destination < 0)
        destination = parent.isValid() ? parent.row() : rowCount();
    moveRows({}, rows.first(), int(rows.size()), {}, destination);
    return false;
}

Mock::Rule RulesModel::ruleAt(int row) const
{
    return m_rules.value(row);
}

bool RulesModel::insertRule(int row, const Mock::Rule &rule)
{
    if (!m_rulebook)
        return false;
    const int at = std::clamp(row, 0, int(m_rules.size()));
    beginInsertRows({}, at, at);
    m_updating = true;
    m_rulebook->insertRule(at, rule);
    m_updating = false;
    m_rules = m_rulebook->rules();
    endInsertRows();
    return true;
}

void RulesModel::refresh()
{
    applyRules(m_rulebook ? m_rulebook->rules() : QList<Mock::Rule>());
}

void RulesModel::onRulebookChanged()
{
    if (m_updating)
        return; // our own edit: the rows were announced already
    refresh();
}

// Tells the views about the difference between what they show and `rules` with the finest
// signals that describe it: changed rows, one inserted or removed row, else a reset.
void RulesModel::applyRules(const QList<Mock::Rule> &rules)
{
    const qsizetype oldSize = m_rules.size();
    if (rules.size() == oldSize) {
        for (qsizetype i = 0; i < oldSize; ++i) {
            if (rules.at(i) == m_rules.at(i))
                continue;
            m_rules[i] = rules.at(i);
            Q_EMIT dataChanged(index(int(i), 0), index(int(i), ColumnCount - 1));
        }
        return;
    }
    qsizetype first = 0;
    while (first < std::min(oldSize, rules.size()) && rules.at(first) == m_rules.at(first))
        ++first;
    if (rules.size() == oldSize + 1 && rules.mid(first + 1) == m_rules.mid(first)) {
        beginInsertRows({}, int(first), int(first));
        m_rules = rules;
        endInsertRows();
        return;
    }
    if (rules.size() == oldSize - 1 && rules.mid(first) == m_rules.mid(first + 1)) {
        beginRemoveRows({}, int(first), int(first));
        m_rules = rules;
        endRemoveRows();
        return;
    }
    beginResetModel();
    m_rules = rules;
    endResetModel();
}

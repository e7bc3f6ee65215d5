// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/scanner/rule.h"

#include <QAbstractTableModel>
#include <QList>

namespace Mock {
class Rulebook;
}

// The rulebook's rules as an editable table: enable (check box), name, conditions, answer.
// Reordering goes through moveRows (drag and drop and the panel's up/down buttons).
class RulesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RulesModel)

public:
    enum Column { EnabledColumn, NameColumn, WhenColumn, AnswerColumn, HitsColumn, ColumnCount };
    enum Role { RuleRole = Qt::UserRole + 1 }; // Mock::Rule

    explicit RulesModel(Mock::Rulebook *rulebook, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
        const QModelIndex &destinationParent, int destinationChild) override;
    bool removeRows(int row, int count, const QModelIndex &parent = {}) override;

    // Drag and drop within the table moves rows (moveRows); see dropMimeData.
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    bool canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
        const QModelIndex &parent) const override;
    bool dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
        const QModelIndex &parent) override;

    Mock::Rule ruleAt(int row) const;
    // Adds a rule before `row` (clamped) through the rulebook, as inserted rows, not a reset.
    bool insertRule(int row, const Mock::Rule &rule);
    // Re-reads the rulebook: rows whose rule changed get dataChanged (also on
    // Rulebook::hitsChanged, so the hit counts are live).
    void refresh();

private:
    void onRulebookChanged();
    void applyRules(const QList<Mock::Rule> &rules);

    Mock::Rulebook *m_rulebook;
    QList<Mock::Rule> m_rules; // what the views were told about
    bool m_updating = false;
};

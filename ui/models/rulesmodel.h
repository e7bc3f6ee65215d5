// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>

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
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
                  const QModelIndex &destinationParent, int destinationChild) override;
    bool removeRows(int row, int count, const QModelIndex &parent = {}) override;

private:
    void onRulebookChanged();

    Mock::Rulebook *m_rulebook;
    bool m_updating = false;
};

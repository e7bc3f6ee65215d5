// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"

#include <QAbstractTableModel>
#include <QList>

// The results of a conformance run (`conform --scanner` or `--mta` in the window): one row per
// check, appended as each one ends. A row may name the captured exchanges that are its evidence
// (MTA mode stores what it saw in the capture store), so the window can show them in the timeline.
class ConformResultsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConformResultsModel)

public:
    enum Column { StatusColumn, LevelColumn, TitleColumn, ClauseColumn, DetailColumn, ColumnCount };
    enum Role {
        StatusRole = Qt::UserRole + 1, // int (Conform::Status)
        LevelRole, // int (Conform::Level)
        CheckIdRole, // QString
        EvidenceTextRole, // QString: every exchange, sent then seen
        ExchangeIdsRole, // QList<qint64>: the captured exchanges, empty when none was stored
    };

    explicit ConformResultsModel(QObject *parent = nullptr);

    void clear();
    void addResult(const Conform::Result &result, const QList<qint64> &exchangeIds = {});

    QList<Conform::Result> results() const;
    Conform::Result result(int row) const;
    QList<qint64> exchangeIds(int row) const;
    int count(Conform::Status status) const;
    int mustFailures() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        Conform::Result result;
        QList<qint64> exchangeIds;
    };
    QList<Row> m_rows;
};

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

// The results of a conformance run (`conform --scanner` or `--mta` in the window): one row per
// check, appended as each one ends. Each piece of evidence names its exchange by its index in the
// run (Conform::Evidence::exchange); once that exchange is in the capture store the model learns
// its id (setCapturedId, before or after the row arrives) and the row leads to it in the timeline.
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

    void clear(); // rows and captured ids: a new run
    void addResult(const Conform::Result &result);
    // The run's exchange `exchange` is stored as `id`: the evidence naming it, in rows there now
    // or added later, gets its capturedId.
    void setCapturedId(qint64 exchange, qint64 id);

    QList<Conform::Result> results() const;
    Conform::Result result(int row) const;
    // The captured ids of the row's evidence in evidence order, each once; empty when none is
    // stored.
    QList<qint64> exchangeIds(int row) const;
    int count(Conform::Status status) const;
    int mustFailures() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Conform::Result> m_rows;
    QHash<qint64, qint64> m_captured; // run's exchange index → capture id
};

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QList>
#include <QString>

// A list of header fields: name, decoded value, raw value (HTTP headers have no decoded form and
// show the raw value twice).
class HeadersModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadersModel)

public:
    struct Row
    {
        QString name;
        QString value;
        QByteArray raw;
        bool flagged = false; // e.g. a mismatch with the envelope
        QString note; // tooltip for a flagged row
    };
    enum Column { NameColumn, ValueColumn, RawColumn, ColumnCount };
    enum Role {
        FlaggedRole = Qt::UserRole + 1, // bool
        NoteRole, // QString
        RawBytesRole, // QByteArray, the raw value as it was on the wire
    };

    explicit HeadersModel(QObject *parent = nullptr);
    void setRows(const QList<Row> &rows); // resets the model
    void clear();
    QList<Row> rows() const { return m_rows; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Row> m_rows;
};

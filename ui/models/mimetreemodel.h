// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QAbstractItemModel>

#include <memory>

// One message's MIME tree (immutable; setMessage resets).
class MimeTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MimeTreeModel)

public:
    enum Column { TypeColumn, SizeColumn, CharsetColumn, NameColumn, DefectsColumn, ColumnCount };
    enum Role { PartRole = Qt::UserRole + 1 }; // MtaHooks::Mime::MimePart

    explicit MimeTreeModel(QObject *parent = nullptr);
    ~MimeTreeModel() override;

    void setMessage(const MtaHooks::Mime::MimeMessage &message);
    MtaHooks::Mime::MimeMessage message() const;
    MtaHooks::Mime::MimePart partAt(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node;
    static std::unique_ptr<Node> makeNode(
        const MtaHooks::Mime::MimePart &part, Node *parent, int row);
    std::unique_ptr<Node> m_root;
    MtaHooks::Mime::MimeMessage m_message;
};

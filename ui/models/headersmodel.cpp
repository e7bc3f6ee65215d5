// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/headersmodel.h"

#include "ui/models/verdictstyle.h"

using namespace Qt::StringLiterals;

namespace {

// Raw values keep their folding and may carry stray control characters (the reason to look at
// them): show those visibly instead of letting a table cell swallow them.
QString visibleRaw(const QByteArray &raw)
{
    QString text;
    text.reserve(raw.size());
    for (const QChar c : QString::fromUtf8(raw)) {
        if (c == u'\r')
            text += u"\\r"_s;
        else if (c == u'\n')
            text += u"\\n"_s;
        else if (c == u'\t')
            text += u"\\t"_s;
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            text += u"\\x%1"_s.arg(uint(c.unicode()), 2, 16, QChar(u'0'));
        else
            text += c;
    }
    return text;
}

} // namespace

HeadersModel::HeadersModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void HeadersModel::setRows(const QList<Row> &rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

void HeadersModel::clear()
{
    setRows({});
}

int HeadersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int HeadersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HeadersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return row.name;
        case ValueColumn:
            return row.value;
        case RawColumn:
            return visibleRaw(row.raw);
        }
        break;
    case Qt::ToolTipRole: {
        QString text;
        switch (index.column()) {
        case NameColumn:
            text = row.name;
            break;
        case ValueColumn:
            text = row.value;
            break;
        case RawColumn:
            text = visibleRaw(row.raw);
            break;
        }
        if (row.flagged && !row.note.isEmpty())
            text = text.isEmpty() ? row.note : row.note + u"\n\n"_s + text;
        return text;
    }
    case Qt::ForegroundRole:
        if (row.flagged)
            return verdictColor(MtaHooks::Verdict::Reject, currentPalette());
        break;
    case FlaggedRole:
        return row.flagged;
    case NoteRole:
        return row.note;
    case RawBytesRole:
        return row.raw;
    default:
        break;
    }
    return {};
}

QVariant HeadersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return u"Name"_s;
    case ValueColumn:
        return u"Value"_s;
    case RawColumn:
        return u"Raw"_s;
    }
    return {};
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/mimetreemodel.h"

#include "ui/models/verdictstyle.h"

#include <QLocale>

#include <vector>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::MimePart;

// The tree is built once per message: MimePart::children() returns a fresh list on every call,
// and index()/parent() need stable addresses to hand out as internal pointers.
struct MimeTreeModel::Node
{
    MimePart part;
    Node *parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;
};

namespace {

QString defectsTooltip(const QList<MtaHooks::Mime::Defect> &defects)
{
    QStringList lines;
    for (const MtaHooks::Mime::Defect &defect : defects) {
        QString line = defect.code;
        if (!defect.message.isEmpty())
            line += u": "_s + defect.message;
        if (defect.offset >= 0)
            line += u" (at byte %1)"_s.arg(defect.offset);
        lines.append(line);
    }
    return lines.join(u'\n');
}

bool hasTrouble(const MimePart &part)
{
    return !part.defects().isEmpty() || part.hasEncodingProblem();
}

} // namespace

std::unique_ptr<MimeTreeModel::Node> MimeTreeModel::makeNode(
    const MimePart &part, Node *parent, int row)
{
    auto node = std::make_unique<Node>();
    node->part = part;
    node->parent = parent;
    node->row = row;
    const QList<MimePart> children = part.children();
    node->children.reserve(children.size());
    for (qsizetype i = 0; i < children.size(); ++i)
        node->children.push_back(makeNode(children.at(i), node.get(), int(i)));
    return node;
}

MimeTreeModel::MimeTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
{ }

MimeTreeModel::~MimeTreeModel() = default;

void MimeTreeModel::setMessage(const MtaHooks::Mime::MimeMessage &message)
{
    beginResetModel();
    m_message = message;
    m_root = std::make_unique<Node>();
    // A default MimeMessage (nothing decoded) has no tree to show; anything decoded from bytes,
    // even invalid input, has a root part.
    if (!message.raw.isEmpty() || !message.root.contentType().isEmpty())
        m_root->children.push_back(makeNode(message.root, m_root.get(), 0));
    endResetModel();
}

MtaHooks::Mime::MimeMessage MimeTreeModel::message() const
{
    return m_message;
}

MtaHooks::Mime::MimePart MimeTreeModel::partAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    return static_cast<const Node *>(index.internalPointer())->part;
}

QModelIndex MimeTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (parent.isValid() && (parent.column() != 0 || parent.model() != this))
        return {};
    const Node *node
        = parent.isValid() ? static_cast<const Node *>(parent.internalPointer()) : m_root.get();
    if (row >= int(node->children.size()))
        return {};
    return createIndex(row, column, node->children.at(row).get());
}

QModelIndex MimeTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *node = static_cast<const Node *>(child.internalPointer());
    Node *parentNode = node->parent;
    if (!parentNode || parentNode == m_root.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int MimeTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_root->children.size());
    if (parent.column() != 0)
        return 0;
    return int(static_cast<const Node *>(parent.internalPointer())->children.size());
}

int MimeTreeModel::columnCount(const QModelIndex &parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

QVariant MimeTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const MimePart &part = static_cast<const Node *>(index.internalPointer())->part;
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TypeColumn:
            return part.contentType();
        case SizeColumn:
            return QLocale().formattedDataSize(part.size());
        case CharsetColumn:
            return part.charset();
        case NameColumn:
            return part.filename();
        case DefectsColumn: {
            const QList<MtaHooks::Mime::Defect> defects = part.defects();
            const qsizetype count = std::count_if(defects.cbegin(), defects.cend(),
                [](const MtaHooks::Mime::Defect &defect) { return !defect.isNote(); });
            if (count > 0)
                return u"⚠ %1"_s.arg(count);
            if (part.hasEncodingProblem())
                return u"⚠"_s;
            return defects.isEmpty() ? QString() : u"ℹ"_s; // remarks only
        }
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case TypeColumn: {
            QStringList lines {part.contentType()};
            if (!part.partId().isEmpty())
                lines.append(u"Part %1"_s.arg(part.partId()));
            if (!part.transferEncoding().isEmpty())
                lines.append(u"Transfer encoding %1"_s.arg(part.transferEncoding()));
            if (!part.disposition().isEmpty())
                lines.append(u"Disposition %1"_s.arg(part.disposition()));
            if (!part.contentId().isEmpty())
                lines.append(u"Content-ID <%1>"_s.arg(part.contentId()));
            return lines.join(u'\n');
        }
        case SizeColumn:
            return u"%1 bytes"_s.arg(part.size());
        case DefectsColumn: {
            QString text = defectsTooltip(part.defects());
            if (part.hasEncodingProblem()) {
                if (!text.isEmpty())
                    text += u'\n';
                text += u"The body could not be decoded cleanly"_s;
            }
            return text;
        }
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (column == DefectsColumn && hasTrouble(part))
            return verdictColor(MtaHooks::Verdict::Tempfail, currentPalette());
        break;
    case Qt::TextAlignmentRole:
        if (column == SizeColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    case PartRole:
        return QVariant::fromValue(part);
    default:
        break;
    }
    return {};
}

QVariant MimeTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TypeColumn:
        return u"Type"_s;
    case SizeColumn:
        return u"Size"_s;
    case CharsetColumn:
        return u"Charset"_s;
    case NameColumn:
        return u"Name"_s;
    case DefectsColumn:
        return u"Defects"_s;
    }
    return {};
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart_p.h"

#include <memory>
#include <vector>

namespace MtaHooks::Mime {

// A part while the tree is built: mutable, with its children, turned into immutable MimeParts
// once ids, classification and defects are in place.
struct Node
{
    std::shared_ptr<MimePart::Data> data;
    std::vector<Node> children;
};

// Numbers the parts (MimePart::partId) and classifies them for RFC 8621 §4.1.4
// (textBody/htmlBody/attachments), attached messages included.
void finishTree(Node &root);
// The deepest part whose raw range contains offset; parts that index other bytes than the raw
// message (inside an encoded attached message) are not considered. Null when none.
Node *deepestContaining(Node &node, qint64 offset);
// Marks a subtree as indexing source instead of the raw message (parts not marked yet).
void setSource(Node &node, const QByteArray &source);
// The immutable tree.
MimePart freeze(Node &node);

} // namespace MtaHooks::Mime

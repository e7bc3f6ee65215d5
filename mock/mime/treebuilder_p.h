// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimetree_p.h"

#include <QByteArray>
#include <QList>

#include <memory>

namespace MtaHooks::Mime {

// GMime's reading of a message turned into a mutable part tree (mimetree_p.h) whose parts index
// the raw bytes, with GMime's parser warnings and our own checks as defects.

struct ParsedTree
{
    Node root;
    QList<Defect> defects; // parser warnings and our own checks, in no particular order
    int headerCount = 0;
};

// nesting counts the encoded attached messages raw lies in (each is parsed with a call of its own).
ParsedTree parseTree(
    const QByteArray &raw, const std::shared_ptr<const void> &storage, int nesting);

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/mimepart.h"

#include <QList>
#include <QString>

#include <utility>

namespace MtaHooks::Mime {

// Header fields of the part tree: read from GMime's header lists, and looked up. (The parsers of
// header values are MimeDecoder's public ones, in headerfields.cpp too.)

// The last field named name (case-insensitive), or null.
const Header *lastHeader(const QList<Header> &headers, QLatin1String name);
// The largest field offset, -1 without any.
qint64 lastHeaderOffset(const QList<Header> &headers);
// The value up to the first space, ";" or "(", lower-cased (a Content-Transfer-Encoding).
QString firstToken(const QString &value);

// The offsets of an object's first and last header fields (-1 without any), cheaply: the tree
// walk asks for them often.
std::pair<qint64, qint64> headerSpan(GMimeObject *object);
QList<Header> headersOf(GMimeObject *object);
// A message's header fields are split by GMime between the message and its MIME part
// (Content-* go to the part); a message's root part shows them all, in their original order.
QList<Header> mergedMessageHeaders(GMimeMessage *message, GMimeObject *root);

} // namespace MtaHooks::Mime

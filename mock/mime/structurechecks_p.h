// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/mimepart_p.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace MtaHooks::Mime {

// Checks of the message structure that GMime does not make, or makes silently: the first line,
// delimiter lines (RFC 2046 §5.1.1), and bodies that are blocks of header fields. They scan the
// raw bytes; offsets index data.

// Where the header block starts when the first line is not a header field but the second one is:
// an mbox "From " line (NOTE_MBOX_FROM_LINE) or junk (WARN_FIRST_LINE_NOT_A_HEADER). GMime would
// give up on the whole input at such a line (or, for "From ", misplace the next field's offset).
struct FirstLine
{
    qint64 headersStart = 0;
    std::optional<Defect> defect;
};
FirstLine checkFirstLine(const char *data, qint64 size);

// Problems with the boundary of a multipart whose body is data[begin, end): it reuses or extends
// an enclosing multipart's boundary (defect at headerOffset), and lines that start like one of its
// delimiters but go on with other characters than white space (not delimiters). Lines that are
// delimiters of the nested multiparts (boundaries in nested) are not counted.
QList<Defect> boundaryDefects(const char *data, qint64 begin, qint64 end,
    const QByteArray &boundary, const QList<QByteArray> &enclosing, const QList<QByteArray> &nested,
    qint64 headerOffset);

// The blocks of header fields in data[begin, end), separated by empty lines (RFC 3464 §2.1), at
// most maxBlocks. decodedAt is -1 when data is the raw message; otherwise data holds decoded
// bytes, the fields get no offset and defects point at decodedAt. Lines that are not fields go to
// defects.
QList<QList<Header>> parseFieldBlocks(const char *data, qint64 begin, qint64 end, int maxBlocks,
    qint64 decodedAt, QList<Defect> *defects);

// How many field blocks the body of a part of this type holds (MimePart::fieldBlocks()); 0 for
// the types whose body is not made of them.
int fieldBlockLimit(const QString &contentType);
// Reads the field blocks of a leaf whose transfer decoding is chosen (d.decoding) into
// d.fieldBlocks; returns what is wrong with them, and the NOTE_EXTERNAL_BODY of an external body.
QList<Defect> readFieldBlocks(const char *data, GMimeObject *object, MimePart::Data &d, int limit);

// RFC 2045 §5.2: no Content-Type, or one that does not parse (its field's offset is in
// invalidContentTypes), means text/plain; charset=us-ascii; GMime assumes application/octet-stream
// for the latter. Inside multipart/digest the default is message/rfc822 (RFC 2046 §5.1.5), which
// GMime applies itself. Returns the defect to record, if any: NOTE_MISSING_CONTENT_TYPE, or
// WARN_INVALID_CONTENT_TYPE for an invalid one GMime let through (for the others, GMime's warning
// is the defect).
std::optional<Defect> applyContentTypeDefault(
    MimePart::Data &d, bool messageRoot, qint64 start, const QList<qint64> &invalidContentTypes);

// The boundaries of the multiparts inside object (not its own), attached messages included.
QList<QByteArray> nestedBoundaries(GMimeObject *object);

} // namespace MtaHooks::Mime

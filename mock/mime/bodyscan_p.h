// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace MtaHooks::Mime {

// Byte scanning over raw message text, for what GMime does not tell: where parts end, whether a
// transfer encoding is intact. All offsets index data; limit/end are exclusive.

// Index just past the line feed ending the line at pos (or limit).
qint64 lineEnd(const char *data, qint64 pos, qint64 limit);
// Length of the line break at pos if the line there is empty, else 0.
qint64 blankLineLength(const char *data, qint64 pos, qint64 limit);
// Where the header block that contains the field at lastFieldOffset ends: after that field's
// continuation lines and the empty line that follows (when there is one).
qint64 headerBlockEnd(const char *data, qint64 lastFieldOffset, qint64 limit);
// The first delimiter line "--boundary" (or the close delimiter) that starts at or after from,
// before limit. Returns the offset where the preceding part ends: the start of the line break
// before the delimiter, which RFC 2046 counts as part of the delimiter. -1 when there is none.
qint64 partEndBeforeDelimiter(
    const char *data, qint64 from, qint64 limit, const QByteArray &delimiter);

// Offset of the first byte that cannot occur in base64 text, or -1.
qint64 firstInvalidBase64(const char *data, qint64 begin, qint64 end);
// Offset of the first "=" that is neither "=XX" nor a soft line break, or -1.
qint64 firstInvalidQuotedPrintable(const char *data, qint64 begin, qint64 end);
// Where uuencoded data starts: just after the "begin <mode> <name>" line. -1 without one.
qint64 uuencodedDataStart(const char *data, qint64 begin, qint64 end);

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/headerblock_p.h"

namespace MtaHooks {

namespace {

// Reads the header fields into `parts` and returns where the body starts: after the blank line,
// or -1 when there is none (all header).
qsizetype readHeaderBlock(const QByteArray &raw, MessageParts &parts)
{
    parts.lineEnding = QByteArrayLiteral("\r\n");
    qsizetype pos = 0;
    const qsizetype size = raw.size();
    bool lineEndingKnown = false;
    while (pos < size) {
        qsizetype eol = raw.indexOf('\n', pos);
        const qsizetype lineEnd = eol < 0 ? size : eol + 1;
        const bool crlf = eol > 0 && raw.at(eol - 1) == '\r';
        if (!lineEndingKnown && eol >= 0) {
            parts.lineEnding = crlf ? QByteArrayLiteral("\r\n") : QByteArrayLiteral("\n");
            lineEndingKnown = true;
        }
        const qsizetype contentEnd = eol < 0 ? size : (crlf ? eol - 1 : eol);
        if (contentEnd == pos)
            return lineEnd; // the blank line: the header block ends here
        const char first = raw.at(pos);
        if ((first == ' ' || first == '\t') && !parts.headers.isEmpty()) {
            parts.headers.last().value.append(raw.constData() + pos, lineEnd - pos);
        } else {
            const qsizetype colon = raw.indexOf(':', pos);
            if (colon < 0 || colon >= contentEnd) {
                // Not a header field: RFC 5322 would end the block; keep it with the previous
                // field so the bytes survive a rewrite.
                if (!parts.headers.isEmpty())
                    parts.headers.last().value.append(raw.constData() + pos, lineEnd - pos);
                else
                    parts.headers.append({raw.mid(pos, contentEnd - pos),
                        raw.mid(contentEnd, lineEnd - contentEnd)});
            } else {
                parts.headers.append(
                    {raw.mid(pos, colon - pos), raw.mid(colon + 1, lineEnd - colon - 1)});
            }
        }
        pos = lineEnd;
    }
    return -1;
}

} // namespace

MessageParts splitMessage(const QByteArray &raw)
{
    MessageParts parts;
    const qsizetype bodyStart = readHeaderBlock(raw, parts);
    if (bodyStart < 0) {
        parts.headerBlock = raw; // no blank line: all header, no body
    } else {
        parts.headerBlock = raw.left(bodyStart);
        parts.body = raw.mid(bodyStart);
    }
    return parts;
}

QList<RawHeader> headerFields(const QByteArray &raw)
{
    MessageParts parts;
    readHeaderBlock(raw, parts);
    return parts.headers;
}

} // namespace MtaHooks

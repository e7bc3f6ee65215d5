// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/defects_p.h"

namespace MtaHooks::Mime {

void collectWarning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer userData)
{
    // The item can be a whole line of binary junk; a defect only needs to name it.
    static_cast<QList<ParserWarning> *>(userData)->append(
        {offset, code, fromUtf8(item).trimmed().left(120)});
}

WarningText warningText(GMimeParserWarning warning)
{
    switch (warning) {
    case GMIME_WARN_DUPLICATED_HEADER:
        return {"WARN_DUPLICATED_HEADER", "Header repeated that should appear once"};
    case GMIME_WARN_DUPLICATED_PARAMETER:
        return {"WARN_DUPLICATED_PARAMETER", "Header parameter repeated"};
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
        return {"WARN_UNENCODED_8BIT_HEADER", "Header contains unencoded 8-bit characters"};
    case GMIME_WARN_INVALID_CONTENT_TYPE:
        // GMime assumes application/octet-stream; the tree builder applies RFC 2045 §5.2.
        return {"WARN_INVALID_CONTENT_TYPE",
            "Invalid content type, read as text/plain; charset=us-ascii (RFC 2045 §5.2)"};
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
        return {"WARN_INVALID_RFC2047_HEADER_VALUE", "Invalid RFC 2047 encoded header value"};
    case GMIME_WARN_MALFORMED_MULTIPART:
        return {"WARN_MALFORMED_MULTIPART", "No child parts found in a multipart"};
    case GMIME_WARN_TRUNCATED_MESSAGE:
        return {"WARN_TRUNCATED_MESSAGE", "The message is truncated"};
    case GMIME_WARN_MALFORMED_MESSAGE:
        return {"WARN_MALFORMED_MESSAGE", "The message is malformed"};
    case GMIME_CRIT_INVALID_HEADER_NAME:
        return {"CRIT_INVALID_HEADER_NAME", "Invalid header name"};
    case GMIME_CRIT_CONFLICTING_HEADER:
        return {"CRIT_CONFLICTING_HEADER", "Conflicting header"};
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        return {"CRIT_CONFLICTING_PARAMETER", "Conflicting header parameter"};
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        return {"CRIT_MULTIPART_WITHOUT_BOUNDARY", "Multipart without a boundary parameter"};
    case GMIME_WARN_INVALID_PARAMETER:
        return {"WARN_INVALID_PARAMETER", "Invalid header parameter"};
    case GMIME_WARN_INVALID_ADDRESS_LIST:
        return {"WARN_INVALID_ADDRESS_LIST", "Invalid address list"};
    case GMIME_CRIT_NESTING_OVERFLOW:
        return {"CRIT_NESTING_OVERFLOW", "MIME nesting too deep"};
    case GMIME_WARN_PART_WITHOUT_CONTENT:
        return {"WARN_PART_WITHOUT_CONTENT", "Part headers ended by a boundary"};
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        return {"CRIT_PART_WITHOUT_HEADERS_OR_CONTENT", "Part without headers or content"};
    }
    return {"WARN_UNKNOWN", "Parser warning"};
}

Defect makeDefect(qint64 offset, const char *code, const QString &message)
{
    return {offset, QString::fromLatin1(code), message};
}

} // namespace MtaHooks::Mime

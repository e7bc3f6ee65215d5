// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/structurechecks_p.h"

#include "mock/mime/bodyscan_p.h"
#include "mock/mime/defects_p.h"
#include "mock/mime/headerfields_p.h"
#include "mock/mime/mimedecoder.h"
#include "mock/mime/transferdecoding_p.h"

#include <QSet>

#include <algorithm>
#include <cstring>
#include <utility>

namespace MtaHooks::Mime {

namespace {

constexpr int maxReported = 10; // per check and part: a message full of them needs no more

bool isLwsp(char c)
{
    return c == ' ' || c == '\t';
}

// The end of the line's content: before its line break.
qint64 contentEnd(const char *data, qint64 begin, qint64 lineEndOffset)
{
    qint64 end = lineEndOffset;
    if (end > begin && data[end - 1] == '\n')
        --end;
    if (end > begin && data[end - 1] == '\r')
        --end;
    return end;
}

// The offset of the colon when the line is a header field (RFC 5322 §2.2: printable US-ASCII
// except ":" for the name; white space before the colon, as obsolete syntax allows), else -1.
qint64 fieldColon(const char *data, qint64 begin, qint64 end)
{
    qint64 pos = begin;
    while (pos < end && data[pos] > 32 && data[pos] < 127 && data[pos] != ':')
        ++pos;
    if (pos == begin)
        return -1;
    while (pos < end && isLwsp(data[pos]))
        ++pos;
    return pos < end && data[pos] == ':' ? pos : -1;
}

bool isBlank(const char *data, qint64 begin, qint64 end)
{
    return std::all_of(data + begin, data + end, [](char c) { return isLwsp(c); });
}

// Whether the line data[begin, end) (no line break) is "--boundary" or "--boundary--", with
// trailing white space.
bool isDelimiterLine(const char *data, qint64 begin, qint64 end, const QByteArray &boundary)
{
    const qint64 n = boundary.size() + 2;
    if (end - begin < n || data[begin] != '-' || data[begin + 1] != '-'
        || std::memcmp(data + begin + 2, boundary.constData(), size_t(boundary.size())) != 0)
        return false;
    qint64 pos = begin + n;
    if (pos + 1 < end && data[pos] == '-' && data[pos + 1] == '-')
        pos += 2;
    return isBlank(data, pos, end);
}

// Whether the line data[begin, end) (no line break, starting with "--") is a delimiter or close
// delimiter of one of the boundaries: one lookup, however many boundaries there are.
bool isNestedDelimiterLine(
    const char *data, qint64 begin, qint64 end, const QSet<QByteArray> &boundaries)
{
    if (boundaries.isEmpty())
        return false;
    while (end > begin + 2 && isLwsp(data[end - 1]))
        --end;
    const QByteArray candidate = QByteArray::fromRawData(data + begin + 2, end - begin - 2);
    return boundaries.contains(candidate)
        || (candidate.endsWith("--") && boundaries.contains(candidate.chopped(2)));
}

QString lineText(const char *data, qint64 begin, qint64 end)
{
    return QString::fromLatin1(data + begin, std::min<qint64>(end - begin, 80));
}

void collectNestedBoundaries(GMimeObject *object, QList<QByteArray> &boundaries)
{
    GMimeObject *inner = nullptr;
    if (GMIME_IS_MESSAGE_PART(object)) {
        GMimeMessage *message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        inner = message ? g_mime_message_get_mime_part(message) : nullptr;
    }
    const auto visit = [&boundaries](GMimeObject *child) {
        if (GMIME_IS_MULTIPART(child)) {
            // Not g_mime_multipart_get_boundary(): it makes one up when there is none.
            if (const char *boundary = g_mime_object_get_content_type_parameter(child, "boundary"))
                boundaries.append(QByteArray(boundary));
        }
        collectNestedBoundaries(child, boundaries);
    };
    if (inner) {
        visit(inner);
    } else if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart *multipart = GMIME_MULTIPART(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i)
            visit(g_mime_multipart_get_part(multipart, i));
    }
}

// "access-type=URL, URL=…": where an external body is.
QString contentTypeParameters(GMimeObject *object)
{
    QStringList parameters;
    GMimeContentType *contentType = g_mime_object_get_content_type(object);
    GMimeParamList *list = contentType ? g_mime_content_type_get_parameters(contentType) : nullptr;
    const int count = list ? g_mime_param_list_length(list) : 0;
    for (int i = 0; i < count; ++i) {
        GMimeParam *param = g_mime_param_list_get_parameter_at(list, i);
        parameters.append(fromUtf8(g_mime_param_get_name(param)) + u'='
            + fromUtf8(g_mime_param_get_value(param)));
    }
    return parameters.join(QLatin1String(", "));
}

} // namespace

FirstLine checkFirstLine(const char *data, qint64 size)
{
    const qint64 firstEnd = lineEnd(data, 0, size);
    const qint64 firstContent = contentEnd(data, 0, firstEnd);
    if (firstContent == 0 || fieldColon(data, 0, firstContent) >= 0 || firstEnd >= size)
        return {};
    const qint64 secondEnd = lineEnd(data, firstEnd, size);
    if (fieldColon(data, firstEnd, contentEnd(data, firstEnd, secondEnd)) < 0)
        return {}; // no header block after it either: not a message (CRIT_NO_HEADERS)
    FirstLine result;
    result.headersStart = firstEnd;
    const QString text = lineText(data, 0, firstContent);
    if (firstContent >= 5 && std::memcmp(data, "From ", 5) == 0) {
        result.defect = makeDefect(0, "NOTE_MBOX_FROM_LINE",
            QStringLiteral("mbox separator line before the header fields: %1").arg(text));
    } else if (isLwsp(data[0])) {
        result.defect = makeDefect(0, "WARN_FIRST_LINE_NOT_A_HEADER",
            QStringLiteral("The first line continues no header field: %1").arg(text.trimmed()));
    } else {
        result.defect = makeDefect(0, "WARN_FIRST_LINE_NOT_A_HEADER",
            QStringLiteral("The first line is not a header field: %1").arg(text));
    }
    return result;
}

QList<Defect> boundaryDefects(const char *data, qint64 begin, qint64 end,
    const QByteArray &boundary, const QList<QByteArray> &enclosing, const QList<QByteArray> &nested,
    qint64 headerOffset)
{
    QList<Defect> defects;
    for (const QByteArray &outer : enclosing) {
        if (outer.isEmpty())
            continue; // a multipart without a boundary
        if (boundary == outer) {
            defects.append(makeDefect(headerOffset, "WARN_NESTED_BOUNDARY_REUSED",
                QStringLiteral("Boundary \"%1\" is already the boundary of an enclosing multipart")
                    .arg(QString::fromLatin1(boundary))));
            break;
        }
        if (boundary.startsWith(outer)) {
            defects.append(makeDefect(headerOffset, "WARN_NESTED_BOUNDARY_PREFIX",
                QStringLiteral("Boundary \"%1\" starts with the boundary \"%2\" of an enclosing "
                               "multipart (RFC 2046 §5.1.1)")
                    .arg(QString::fromLatin1(boundary), QString::fromLatin1(outer))));
            break;
        }
    }

    const QSet<QByteArray> nestedSet(nested.cbegin(), nested.cend());
    const QByteArray delimiter = "--" + boundary;
    int reported = 0;
    qint64 pos = begin;
    while (pos < end && reported < maxReported) {
        const void *hit = memmem(
            data + pos, size_t(end - pos), delimiter.constData(), size_t(delimiter.size()));
        if (!hit)
            break;
        const qint64 at = static_cast<const char *>(hit) - data;
        pos = at + 1;
        if (at > begin && data[at - 1] != '\n')
            continue;
        const qint64 next = lineEnd(data, at, end);
        const qint64 lineContentEnd = contentEnd(data, at, next);
        pos = next;
        if (isDelimiterLine(data, at, lineContentEnd, boundary)
            || isNestedDelimiterLine(data, at, lineContentEnd, nestedSet))
            continue;
        ++reported;
        defects.append(makeDefect(at, "WARN_BOUNDARY_TRAILING_TEXT",
            QStringLiteral("Not a delimiter, text follows the boundary (RFC 2046 §5.1.1): %1")
                .arg(lineText(data, at, lineContentEnd))));
    }
    return defects;
}

QList<QList<Header>> parseFieldBlocks(const char *data, qint64 begin, qint64 end, int maxBlocks,
    qint64 decodedAt, QList<Defect> *defects)
{
    QList<QList<Header>> blocks;
    QList<Header> current;
    qint64 valueBegin = -1;
    qint64 valueEnd = -1;
    int reported = 0;
    const auto finishField = [&] {
        if (valueBegin < 0)
            return;
        Header &h = current.last();
        h.rawValue = QByteArray(data + valueBegin, valueEnd - valueBegin);
        h.value = MimeDecoder::decodeText(h.rawValue);
        valueBegin = -1;
    };
    const auto finishBlock = [&] {
        finishField();
        if (!current.isEmpty())
            blocks.append(std::exchange(current, {}));
    };

    for (qint64 pos = begin; pos < end && blocks.size() < maxBlocks;) {
        const qint64 next = lineEnd(data, pos, end);
        const qint64 lineContentEnd = contentEnd(data, pos, next);
        if (isBlank(data, pos, lineContentEnd)) {
            finishBlock();
        } else if (isLwsp(data[pos]) && valueBegin >= 0) {
            valueEnd = lineContentEnd; // a folded line of the field before
        } else if (const qint64 colon = fieldColon(data, pos, lineContentEnd); colon >= 0) {
            finishField();
            Header h;
            h.name = QByteArray(data + pos, colon - pos).trimmed();
            h.offset = decodedAt < 0 ? pos : -1;
            current.append(h);
            valueBegin = colon + 1;
            valueEnd = lineContentEnd;
        } else if (reported++ < maxReported && defects) {
            defects->append(makeDefect(decodedAt < 0 ? pos : decodedAt, "WARN_INVALID_FIELD_BLOCK",
                QStringLiteral("Not a header field: %1").arg(lineText(data, pos, lineContentEnd))));
        }
        pos = next;
    }
    finishBlock();
    return blocks;
}

int fieldBlockLimit(const QString &contentType)
{
    constexpr int recipientLimit = 1000; // per-recipient blocks shown of a delivery report
    if (contentType == QLatin1String("message/delivery-status")
        || contentType == QLatin1String("message/global-delivery-status"))
        return recipientLimit + 1;
    if (contentType == QLatin1String("message/external-body"))
        return 1; // the external entity's header; what follows is not read (RFC 2046 §5.2.3)
    return 0;
}

QList<Defect> readFieldBlocks(const char *data, GMimeObject *object, MimePart::Data &d, int limit)
{
    constexpr qint64 maxDecoded = qint64 {4} * 1024 * 1024; // a report is a few KiB
    QList<Defect> defects;
    if (d.contentType == QLatin1String("message/external-body")) {
        // Recorded so that nobody takes the empty body for the content; never fetched.
        defects.append(makeDefect(d.rawOffset, "NOTE_EXTERNAL_BODY",
            QStringLiteral("The content is stored elsewhere (%1); not fetched")
                .arg(contentTypeParameters(object))));
    }
    if (d.decoding == TransferDecoding::Identity) {
        d.fieldBlocks = parseFieldBlocks(
            data, d.bodyOffset, d.bodyOffset + d.bodyLength, limit, -1, &defects);
    } else if (d.size <= maxDecoded) {
        QByteArray decoded;
        decodeRange(data, d.bodyOffset, d.bodyOffset + d.bodyLength, d.decoding,
            [&decoded](const char *bytes, qint64 length) { decoded.append(bytes, length); });
        d.fieldBlocks = parseFieldBlocks(
            decoded.constData(), 0, decoded.size(), limit, d.bodyOffset, &defects);
    }
    return defects;
}

std::optional<Defect> applyContentTypeDefault(
    MimePart::Data &d, bool messageRoot, qint64 start, const QList<qint64> &invalidContentTypes)
{
    const Header *contentType = lastHeader(d.headers, QLatin1String("Content-Type"));
    if (contentType) {
        // GMime takes "/plain" for a type with an empty name, without a warning.
        const qsizetype slash = d.contentType.indexOf(u'/');
        const bool unnoticed = slash <= 0 || slash == d.contentType.size() - 1;
        if (!unnoticed && !invalidContentTypes.contains(contentType->offset))
            return std::nullopt;
        d.contentType = QStringLiteral("text/plain");
        d.charset = QStringLiteral("us-ascii");
        if (!unnoticed)
            return std::nullopt; // GMime's WARN_INVALID_CONTENT_TYPE is the defect
        const WarningText text = warningText(GMIME_WARN_INVALID_CONTENT_TYPE);
        return makeDefect(contentType->offset, text.code,
            QString::fromLatin1(text.text) + QLatin1String(": ") + contentType->value.left(120));
    }
    const bool digestMember = d.contentType == QLatin1String("message/rfc822");
    if (!digestMember) {
        d.contentType = QStringLiteral("text/plain");
        d.charset = QStringLiteral("us-ascii");
    }
    // A message without MIME-Version is plain RFC 5322 text: the default is all it can have.
    if (messageRoot && !lastHeader(d.headers, QLatin1String("MIME-Version")))
        return std::nullopt;
    return makeDefect(start, "NOTE_MISSING_CONTENT_TYPE",
        digestMember ? QStringLiteral("No Content-Type: message/rfc822, the default inside "
                                      "multipart/digest (RFC 2046 §5.1.5)")
                     : QStringLiteral("No Content-Type: text/plain; charset=us-ascii, the default "
                                      "(RFC 2045 §5.2)"));
}

QList<QByteArray> nestedBoundaries(GMimeObject *object)
{
    QList<QByteArray> boundaries;
    collectNestedBoundaries(object, boundaries);
    return boundaries;
}

} // namespace MtaHooks::Mime

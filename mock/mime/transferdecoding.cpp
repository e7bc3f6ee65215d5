// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/transferdecoding_p.h" // first: it includes GMime, which goes before Qt

#include "mock/mime/defects_p.h"
#include "mock/mime/sha256_p.h"

namespace MtaHooks::Mime {

GMimeContentEncoding gmimeEncoding(TransferDecoding decoding)
{
    switch (decoding) {
    case TransferDecoding::Base64:
        return GMIME_CONTENT_ENCODING_BASE64;
    case TransferDecoding::QuotedPrintable:
        return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    case TransferDecoding::UUEncode:
        return GMIME_CONTENT_ENCODING_UUENCODE;
    case TransferDecoding::Identity:
        break;
    }
    return GMIME_CONTENT_ENCODING_DEFAULT;
}

void digest(const char *data, MimePart::Data &d, qint64 defectOffset, QList<Defect> &defects)
{
    const auto addDefect = [&d, &defects](const Defect &defect) {
        d.defects.append(defect);
        defects.append(defect);
    };
    const qint64 begin = d.bodyOffset;
    const qint64 end = d.bodyOffset + d.bodyLength;
    d.decoding = TransferDecoding::Identity;
    if (!d.transferEncoding.isEmpty()) {
        const QByteArray name = d.transferEncoding.toLatin1();
        switch (g_mime_content_encoding_from_string(name.constData())) {
        case GMIME_CONTENT_ENCODING_DEFAULT:
            d.encodingProblem = true;
            addDefect(makeDefect(defectOffset, "WARN_UNKNOWN_TRANSFER_ENCODING",
                QStringLiteral("Unknown Content-Transfer-Encoding \"%1\"; "
                               "body taken as it is")
                    .arg(d.transferEncoding)));
            break;
        case GMIME_CONTENT_ENCODING_BASE64: {
            const qint64 bad = firstInvalidBase64(data, begin, end);
            if (bad < 0) {
                d.decoding = TransferDecoding::Base64;
            } else {
                d.encodingProblem = true;
                addDefect(makeDefect(bad, "WARN_INVALID_BASE64",
                    QStringLiteral("Byte 0x%1 is not base64; body taken as it is")
                        .arg(uchar(data[bad]), 2, 16, QLatin1Char('0'))));
            }
            break;
        }
        case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE: {
            d.decoding = TransferDecoding::QuotedPrintable;
            const qint64 bad = firstInvalidQuotedPrintable(data, begin, end);
            if (bad >= 0) {
                d.encodingProblem = true;
                addDefect(makeDefect(bad, "WARN_INVALID_QUOTED_PRINTABLE",
                    QStringLiteral("\"=\" not followed by two hex digits; "
                                   "kept as it is")));
            }
            break;
        }
        case GMIME_CONTENT_ENCODING_UUENCODE:
            if (uuencodedDataStart(data, begin, end) >= 0) {
                d.decoding = TransferDecoding::UUEncode;
            } else {
                d.encodingProblem = true;
                addDefect(makeDefect(begin, "WARN_INVALID_UUENCODE",
                    QStringLiteral("x-uuencode body without a \"begin\" line; "
                                   "body taken as it is")));
            }
            break;
        default:
            break;
        }
    }

    Sha256 hash;
    qint64 size = 0;
    decodeRange(data, begin, end, d.decoding, [&hash, &size](const char *bytes, qint64 length) {
        hash.addData(bytes, length);
        size += length;
    });
    d.size = size;
    d.sha256 = hash.hexResult();
}

} // namespace MtaHooks::Mime

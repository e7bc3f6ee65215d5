// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/requestsink_p.h"

using namespace Qt::StringLiterals;

namespace Mock::Detail {

void appendUtf8Escaped(QByteArray &out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text[i].unicode();
        if (c < 0x80) {
            switch (c) {
            case u'"':
                out += "\\\"";
                break;
            case u'\\':
                out += "\\\\";
                break;
            case u'\n':
                out += "\\n";
                break;
            case u'\r':
                out += "\\r";
                break;
            case u'\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[(c >> 4) & 0xf];
                    out += hex[c & 0xf];
                } else {
                    out += char(c);
                }
            }
        } else if (c < 0x800) {
            out += char(0xc0 | (c >> 6));
            out += char(0x80 | (c & 0x3f));
        } else if (QChar::isHighSurrogate(c) && i + 1 < n && text[i + 1].isLowSurrogate()) {
            const char32_t ucs4 = QChar::surrogateToUcs4(c, text[i + 1].unicode());
            ++i;
            out += char(0xf0 | (ucs4 >> 18));
            out += char(0x80 | ((ucs4 >> 12) & 0x3f));
            out += char(0x80 | ((ucs4 >> 6) & 0x3f));
            out += char(0x80 | (ucs4 & 0x3f));
        } else {
            const char16_t unit = QChar::isSurrogate(c) ? char16_t(0xfffd) : c;
            out += char(0xe0 | (unit >> 12));
            out += char(0x80 | ((unit >> 6) & 0x3f));
            out += char(0x80 | (unit & 0x3f));
        }
    }
}

// The drafts carry a body part's "blob" as a byte string in CBOR (base64 text in JSON).
QCborValue blobsAsBytes(const QCborValue &value)
{
    if (value.isMap()) {
        QCborMap map = value.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (it.key().toString() == u"blob"_s && it.value().isString())
                it.value() = QByteArray::fromBase64(it.value().toString().toLatin1());
            else if (it.value().isMap() || it.value().isArray())
                it.value() = blobsAsBytes(it.value());
        }
        return map;
    }
    if (value.isArray()) {
        QCborArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            array[i] = blobsAsBytes(array.at(i));
        return array;
    }
    return value;
}

} // namespace Mock::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/charsets_p.h"

#include <QHash>

#include <cerrno>
#include <mutex>
#include <string>

namespace MtaHooks::Mime {

namespace {
bool isUtf8Name(const QByteArray &charset)
{
    const QByteArray c = charset.toLower();
    return c == "utf-8" || c == "utf8";
}

bool isAsciiName(const QByteArray &charset)
{
    const QByteArray c = charset.toLower();
    return c.isEmpty() || c == "us-ascii" || c == "ascii" || c == "us_ascii"
        || c == "ansi_x3.4-1968";
}

iconv_t openToUtf8(const QByteArray &charset)
{
    ensureGMime();
    return g_mime_iconv_open("UTF-8", charset.constData());
}

// iconv with U+FFFD for every byte it cannot convert. False when the charset is unknown.
bool convertWithIconv(
    const QByteArray &bytes, const QByteArray &charset, QString *out, bool *problem)
{
    const iconv_t cd = openToUtf8(charset);
    if (cd == iconv_t(-1))
        return false;
    std::string utf8;
    utf8.reserve(size_t(bytes.size()) + 16);
    char buffer[4096];
    char *in = const_cast<char *>(bytes.constData());
    size_t inLeft = size_t(bytes.size());
    while (inLeft > 0) {
        char *outPtr = buffer;
        size_t outLeft = sizeof(buffer);
        const size_t rc = iconv(cd, &in, &inLeft, &outPtr, &outLeft);
        utf8.append(buffer, size_t(outPtr - buffer));
        if (rc != size_t(-1))
            continue;
        if (errno == E2BIG)
            continue;
        // EILSEQ: an invalid sequence; EINVAL: a sequence cut off at the end. Either way one
        // byte becomes U+FFFD and conversion goes on after it.
        utf8.append("\xEF\xBF\xBD");
        *problem = true;
        ++in;
        --inLeft;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
    char *outPtr = buffer;
    size_t outLeft = sizeof(buffer);
    iconv(cd, nullptr, nullptr, &outPtr, &outLeft);
    utf8.append(buffer, size_t(outPtr - buffer));
    g_mime_iconv_close(cd);
    *out = QString::fromStdString(utf8);
    return true;
}

bool isValidUtf8(const QByteArray &bytes)
{
    return g_utf8_validate(bytes.constData(), bytes.size(), nullptr);
}

} // namespace

bool isKnownCharset(const QByteArray &charset)
{
    if (isUtf8Name(charset) || isAsciiName(charset))
        return true;
    static std::mutex mutex;
    static QHash<QByteArray, bool> known;
    const QByteArray key = charset.toLower();
    {
        const std::lock_guard<std::mutex> lock(mutex);
        const auto it = known.constFind(key);
        if (it != known.constEnd())
            return *it;
    }
    const iconv_t cd = openToUtf8(charset);
    const bool ok = cd != iconv_t(-1);
    if (ok)
        g_mime_iconv_close(cd);
    const std::lock_guard<std::mutex> lock(mutex);
    known.insert(key, ok);
    return ok;
}

QString toUnicode(const QByteArray &bytes, const QByteArray &charset, bool *problem)
{
    if (isUtf8Name(charset)) {
        if (!isValidUtf8(bytes))
            *problem = true;
        return QString::fromUtf8(bytes);
    }
    // Undeclared or US-ASCII text with 8-bit bytes is, in practice, UTF-8 or a Windows code page.
    if (isAsciiName(charset)) {
        if (isValidUtf8(bytes))
            return QString::fromUtf8(bytes);
        QString text;
        if (convertWithIconv(bytes, "windows-1252", &text, problem))
            return text;
        return QString::fromLatin1(bytes);
    }
    QString text;
    if (convertWithIconv(bytes, charset, &text, problem))
        return text;
    *problem = true;
    if (isValidUtf8(bytes))
        return QString::fromUtf8(bytes);
    if (convertWithIconv(bytes, "windows-1252", &text, problem))
        return text;
    return QString::fromLatin1(bytes);
}

} // namespace MtaHooks::Mime

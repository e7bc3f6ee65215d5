// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/querymatcher.h"

#include "mock/capture/capturerows_p.h"
#include "mock/protocol/types.h"

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Text as the store's LIKE reads it, one code point per character: '?' (LIKE's '_') is one
// character, also outside the BMP. LIKE takes its operands as C strings, so it reads up to the
// first NUL: text after a NUL in a captured value is not searched, here either. It ignores the
// case of ASCII letters only (SQLite without ICU, as Debian builds it): "É" and "é" differ there,
// so they differ here.
using LikeText = QList<char32_t>;

char32_t foldAscii(char32_t c)
{
    return c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c;
}

LikeText likeText(QStringView text)
{
    LikeText points;
    points.reserve(text.size());
    for (qsizetype i = 0; i < text.size() && text.at(i) != QChar(0); ++i) {
        char32_t c = text.at(i).unicode();
        if (text.at(i).isHighSurrogate() && i + 1 < text.size()
            && text.at(i + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(text.at(i), text.at(i + 1));
            ++i;
        }
        points.append(foldAscii(c));
    }
    return points;
}

// The request target as LIKE reads CAST(path AS TEXT): bytes up to the first NUL, decoded the way
// SQLite decodes UTF-8 (sqlite3Utf8Read), which is not Qt's way for bytes that are not UTF-8 (the
// endpoint refuses only controls in a target): a stray continuation byte is the code point of its
// value, a lead byte takes every continuation byte after it, and what that does not make a
// character of (an overlong form, a surrogate, U+FFFE, U+FFFF) is U+FFFD.
LikeText likeBytes(QByteArrayView bytes)
{
    // The bits a lead byte 0xc0…0xff contributes (sqlite3Utf8Trans1).
    static constexpr std::array<uchar, 64> leadBits {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
        0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04,
        0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00};
    LikeText points;
    points.reserve(bytes.size());
    qsizetype i = 0;
    while (i < bytes.size() && bytes[i] != 0) {
        char32_t c = uchar(bytes[i++]);
        if (c >= 0xc0) {
            c = leadBits[c - 0xc0];
            while (i < bytes.size() && (uchar(bytes[i]) & 0xc0) == 0x80)
                c = (c << 6) + (uchar(bytes[i++]) & 0x3f);
            if (c < 0x80 || (c & 0xfffff800) == 0xd800 || (c & 0xfffffffe) == 0xfffe)
                c = 0xfffd;
        }
        points.append(foldAscii(c));
    }
    return points;
}

// The store's globs: '*' any run, '?' one character, every other character literal (the store
// escapes LIKE's own '%' and '_').
bool globMatch(const LikeText &pattern, const LikeText &text)
{
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype starP = -1;
    qsizetype starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern.at(p) == U'?' || pattern.at(p) == text.at(t))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern.at(p) == U'*') {
            starP = p++;
            starT = t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == U'*')
        ++p;
    return p == pattern.size();
}

bool contains(const LikeText &haystack, const LikeText &needle)
{
    return std::search(haystack.cbegin(), haystack.cend(), needle.cbegin(), needle.cend())
        != haystack.cend();
}

QString stageColumn(const Exchange &e)
{
    return e.stage != MtaHooks::Stage::Unknown ? MtaHooks::stageName(e.stage) : e.stageName;
}

bool textMatches(const QString &value, const Exchange &e)
{
    const LikeText needle = likeText(value);
    if (needle.isEmpty())
        return true;
    // recipients is stored as a compact JSON array and searched as that text.
    const QString recipients = Detail::encodeStringList(e.recipients);
    for (const QString *column :
        {&e.subject, &e.mailFrom, &recipients, &e.ruleName, &e.clientIp, &e.stageName}) {
        if (contains(likeText(*column), needle))
            return true;
    }
    return contains(likeBytes(e.path), needle);
}

bool statusMatches(const QString &value, int status)
{
    const QString text = value.trimmed().toLower();
    bool ok = false;
    const int code = text.toInt(&ok);
    if (ok && text.size() == 3)
        return status == code;
    if (text.size() == 3 && text.at(0).isDigit() && text.mid(1) == u"xx"_s) {
        const int base = text.at(0).digitValue() * 100;
        return status >= base && status <= base + 99;
    }
    return false;
}

bool actionMatches(const QString &value, const Exchange &e)
{
    const QString name = value.trimmed().toLower();
    const QString verdict = MtaHooks::verdictName(e.verdict);
    if (name == u"held"_s)
        return e.held || verdict == name;
    return MtaHooks::actionName(e.action) == name || verdict == name;
}

bool hasMatches(const QString &value, const Exchange &e)
{
    const QString what = value.trimmed().toLower();
    if (what == u"attachment"_s)
        return e.hasAttachment;
    if (what == u"problem"_s)
        return !e.problems.isEmpty();
    if (what == u"error"_s)
        return e.errorCount() > 0;
    if (what == u"message"_s)
        return e.messageSize >= 0;
    if (what == u"fault"_s)
        return !e.fault.isEmpty();
    return false;
}

bool dialectMatches(const QString &value, const Exchange &e)
{
    const QString text = value.trimmed().toLower();
    const auto dialect = MtaHooks::dialectFromName(text);
    return MtaHooks::dialectName(e.dialect) == (dialect ? MtaHooks::dialectName(*dialect) : text);
}

bool kindMatches(const QString &value, const Exchange &e)
{
    const QString text = value.trimmed().toLower();
    const QString name = exchangeKindName(exchangeKindFromName(text));
    return name == text && exchangeKindName(e.kind) == name;
}

} // namespace

bool matchesTerm(const CaptureTerm &term, const Exchange &e)
{
    using Field = CaptureTerm::Field;
    bool matches = false;
    switch (term.field) {
    case Field::Text:
        matches = textMatches(term.value, e);
        break;
    case Field::Stage:
        matches = stageColumn(e) == term.value.trimmed().toLower();
        break;
    case Field::From:
        matches = globMatch(likeText(term.value), likeText(e.mailFrom));
        break;
    case Field::To: {
        const LikeText glob = likeText(term.value);
        matches = std::any_of(e.recipients.cbegin(), e.recipients.cend(),
            [&glob](const QString &recipient) { return globMatch(glob, likeText(recipient)); });
        break;
    }
    case Field::Action:
        matches = actionMatches(term.value, e);
        break;
    case Field::Status:
    case Field::Http:
        matches = statusMatches(term.value, e.httpStatus);
        break;
    case Field::Smtp:
        matches = statusMatches(term.value, e.replyCode);
        break;
    case Field::Has:
        matches = hasMatches(term.value, e);
        break;
    case Field::Dialect:
        matches = dialectMatches(term.value, e);
        break;
    case Field::Session:
        matches = e.sessionKey == term.value;
        break;
    case Field::Rule:
        matches = likeText(e.ruleName) == likeText(term.value);
        break;
    case Field::Client:
        matches = globMatch(likeText(term.value), likeText(e.clientIp));
        break;
    case Field::Kind:
        matches = kindMatches(term.value, e);
        break;
    }
    return matches != term.negated;
}

bool matchesQuery(const CaptureQuery &query, const Exchange &exchange)
{
    return std::all_of(query.terms.cbegin(), query.terms.cend(),
        [&exchange](const CaptureTerm &term) { return matchesTerm(term, exchange); });
}

} // namespace Mock

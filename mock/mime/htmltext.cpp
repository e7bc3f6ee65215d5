// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/htmltext_p.h"

#include <QHash>

#include <string>
#include <string_view>

namespace MtaHooks::Mime {

namespace {

// The HTML 4 character entities; HTML 5 adds two thousand more, which mail hardly uses.
const QHash<QByteArray, char32_t> &namedEntities()
{
    static const QHash<QByteArray, char32_t> entities = [] {
        QHash<QByteArray, char32_t> map;
        static constexpr const char *latin1[] = {"nbsp", "iexcl", "cent", "pound", "curren", "yen",
            "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr", "deg",
            "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm",
            "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde",
            "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave",
            "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde",
            "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN",
            "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
            "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth",
            "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
            "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml"};
        char32_t code = 160;
        for (const char *name : latin1)
            map.insert(QByteArray(name), code++);

        static constexpr const char *greekUpper[] = {"Alpha", "Beta", "Gamma", "Delta", "Epsilon",
            "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda", "Mu", "Nu", "Xi", "Omicron", "Pi",
            "Rho", nullptr, "Sigma", "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega"};
        code = 913;
        for (const char *name : greekUpper) {
            if (name)
                map.insert(QByteArray(name), code);
            ++code;
        }
        static constexpr const char *greekLower[] = {"alpha", "beta", "gamma", "delta", "epsilon",
            "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi",
            "rho", "sigmaf", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"};
        code = 945;
        for (const char *name : greekLower)
            map.insert(QByteArray(name), code++);

        static constexpr struct
        {
            const char *name;
            char32_t code;
        } others[] = {
            {"quot", 34},
            {"amp", 38},
            {"apos", 39},
            {"lt", 60},
            {"gt", 62},
            {"OElig", 338},
            {"oelig", 339},
            {"Scaron", 352},
            {"scaron", 353},
            {"Yuml", 376},
            {"fnof", 402},
            {"circ", 710},
            {"tilde", 732},
            {"thetasym", 977},
            {"upsih", 978},
            {"piv", 982},
            {"ensp", 8194},
            {"emsp", 8195},
            {"thinsp", 8201},
            {"zwnj", 8204},
            {"zwj", 8205},
            {"lrm", 8206},
            {"rlm", 8207},
            {"ndash", 8211},
            {"mdash", 8212},
            {"lsquo", 8216},
            {"rsquo", 8217},
            {"sbquo", 8218},
            {"ldquo", 8220},
            {"rdquo", 8221},
            {"bdquo", 8222},
            {"dagger", 8224},
            {"Dagger", 8225},
            {"bull", 8226},
            {"hellip", 8230},
            {"permil", 8240},
            {"prime", 8242},
            {"Prime", 8243},
            {"lsaquo", 8249},
            {"rsaquo", 8250},
            {"oline", 8254},
            {"frasl", 8260},
            {"euro", 8364},
            {"image", 8465},
            {"weierp", 8472},
            {"real", 8476},
            {"trade", 8482},
            {"alefsym", 8501},
            {"larr", 8592},
            {"uarr", 8593},
            {"rarr", 8594},
            {"darr", 8595},
            {"harr", 8596},
            {"crarr", 8629},
            {"lArr", 8656},
            {"uArr", 8657},
            {"rArr", 8658},
            {"dArr", 8659},
            {"hArr", 8660},
            {"forall", 8704},
            {"part", 8706},
            {"exist", 8707},
            {"empty", 8709},
            {"nabla", 8711},
            {"isin", 8712},
            {"notin", 8713},
            {"ni", 8715},
            {"prod", 8719},
            {"sum", 8721},
            {"minus", 8722},
            {"lowast", 8727},
            {"radic", 8730},
            {"prop", 8733},
            {"infin", 8734},
            {"ang", 8736},
            {"and", 8743},
            {"or", 8744},
            {"cap", 8745},
            {"cup", 8746},
            {"int", 8747},
            {"there4", 8756},
            {"sim", 8764},
            {"cong", 8773},
            {"asymp", 8776},
            {"ne", 8800},
            {"equiv", 8801},
            {"le", 8804},
            {"ge", 8805},
            {"sub", 8834},
            {"sup", 8835},
            {"nsub", 8836},
            {"sube", 8838},
            {"supe", 8839},
            {"oplus", 8853},
            {"otimes", 8855},
            {"perp", 8869},
            {"sdot", 8901},
            {"lceil", 8968},
            {"rceil", 8969},
            {"lfloor", 8970},
            {"rfloor", 8971},
            {"lang", 9001},
            {"rang", 9002},
            {"loz", 9674},
            {"spades", 9824},
            {"clubs", 9827},
            {"hearts", 9829},
            {"diams", 9830},
        };
        for (const auto &entity : others)
            map.insert(QByteArray(entity.name), entity.code);
        return map;
    }();
    return entities;
}

void appendCodePoint(std::string &out, char32_t code)
{
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        code = 0xFFFD;
    if (code < 0x80) {
        out.push_back(char(code));
    } else if (code < 0x800) {
        out.push_back(char(0xC0 | (code >> 6)));
        out.push_back(char(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
        out.push_back(char(0xE0 | (code >> 12)));
        out.push_back(char(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(char(0x80 | (code & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (code >> 18)));
        out.push_back(char(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(char(0x80 | (code & 0x3F)));
    }
}

char32_t entityCode(std::string_view entity)
{
    if (!entity.empty() && entity.front() == '#') {
        entity.remove_prefix(1);
        int base = 10;
        if (!entity.empty() && (entity.front() == 'x' || entity.front() == 'X')) {
            entity.remove_prefix(1);
            base = 16;
        }
        if (entity.empty() || entity.size() > 8)
            return 0;
        char32_t code = 0;
        for (char c : entity) {
            int digit = -1;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (base == 16 && c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (base == 16 && c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            if (digit < 0)
                return 0;
            code = code * char32_t(base) + char32_t(digit);
        }
        return code;
    }
    if (entity.size() < 2 || entity.size() > 31)
        return 0;
    return namedEntities().value(QByteArray(entity.data(), qsizetype(entity.size())), 0);
}

// One word of text: a character reference is decoded, anything else copied.
void appendToken(std::string &out, std::string_view token, bool space)
{
    if (space)
        out.push_back(' ');
    if (token.size() >= 2 && token.front() == '&' && token.back() == ';') {
        if (const char32_t code = entityCode(token.substr(1, token.size() - 2))) {
            appendCodePoint(out, code);
            return;
        }
    }
    out.append(token);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// Length in octets of the UTF-8 sequence starting with lead.
size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xE)
        return 3;
    if ((lead >> 3) == 0x1E)
        return 4;
    return 1;
}

std::string withoutCarriageReturns(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c != '\r')
            out.push_back(c);
    }
    return out;
}

QString fromStd(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

} // namespace

QString htmlToText(const QString &html)
{
    const QByteArray bytes = html.toUtf8();
    const std::string_view input(bytes.constData(), size_t(bytes.size()));
    std::string out;
    out.reserve(input.size());

    bool inTag = false;
    bool inHead = false;
    bool inComment = false;
    bool atTokenStart = true;
    bool afterSpace = false;
    bool closingTag = false;
    bool atNewLine = true;
    size_t tokenBegin = 0;
    size_t tokenLast = 0;
    int tagToken = 0;
    int dashes = 0;
    const auto token = [&input, &tokenBegin, &tokenLast] {
        return input.substr(tokenBegin, tokenLast + 1 - tokenBegin);
    };

    for (size_t pos = 0; pos < input.size(); ++pos) {
        const char c = input[pos];
        if (inComment) {
            // A comment ends at exactly "-->"; a longer run of dashes does not end it.
            if (c == '-') {
                ++dashes;
            } else if (c == '>' && dashes == 2) {
                dashes = 0;
                inComment = false;
                inTag = false;
                atTokenStart = true;
            } else {
                dashes = 0;
            }
            continue;
        }
        if (c == '<') {
            if (!inTag && !inHead && !atTokenStart) {
                appendToken(out, token(), afterSpace);
                afterSpace = false;
            }
            tagToken = 0;
            inTag = true;
            atTokenStart = true;
            closingTag = false;
            continue;
        }
        if (c == '>' && inTag) {
            if (tagToken == 1) {
                const std::string_view name = token();
                if (equalsIgnoringCase(name, "br")
                    || (equalsIgnoringCase(name, "p") && closingTag)) {
                    out.push_back('\n');
                    afterSpace = false;
                    atNewLine = true;
                } else if (equalsIgnoringCase(name, "head")) {
                    inHead = !closingTag;
                }
            }
            inTag = false;
            atTokenStart = true;
            continue;
        }
        if (c == '/' && inTag) {
            if (tagToken == 0)
                closingTag = true;
            continue;
        }
        if (c == '!' && inTag && tagToken == 0 && input.substr(pos + 1, 2) == "--") {
            inComment = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (!inTag && !inHead) {
                if (!atTokenStart) {
                    appendToken(out, token(), afterSpace && !atNewLine);
                    atNewLine = false;
                }
                afterSpace = true;
            }
            atTokenStart = true;
            continue;
        }
        if (c == '&' && !inTag && !atTokenStart && !inHead) {
            appendToken(out, token(), afterSpace && !atNewLine);
            atNewLine = false;
            atTokenStart = true;
            afterSpace = false;
        } else if (c == ';' && !inTag && !atTokenStart && !inHead) {
            appendToken(
                out, input.substr(tokenBegin, pos + 1 - tokenBegin), afterSpace && !atNewLine);
            atTokenStart = true;
            afterSpace = false;
            atNewLine = false;
            continue;
        }
        if (atTokenStart) {
            tokenBegin = pos;
            atTokenStart = false;
            if (inTag)
                ++tagToken;
        }
        tokenLast = pos;
    }
    if (!inTag && !atTokenStart && !inHead)
        appendToken(out, token(), afterSpace && !atNewLine);
    return fromStd(out);
}

bool truncatePlain(const QString &text, qint64 maxBytes, QString *out)
{
    const QByteArray bytes = text.toUtf8();
    const std::string_view input(bytes.constData(), size_t(bytes.size()));
    if (maxBytes <= 0 || qint64(input.size()) <= maxBytes) {
        *out = fromStd(withoutCarriageReturns(input));
        return false;
    }
    const bool dots = maxBytes > 6;
    const size_t limit = size_t(dots ? maxBytes - 3 : maxBytes);
    std::string result;
    for (size_t pos = 0; pos < input.size();) {
        const size_t length = std::min(sequenceLength(uchar(input[pos])), input.size() - pos);
        if (input[pos] != '\r') {
            if (result.size() + length > limit)
                break;
            result.append(input.substr(pos, length));
        }
        pos += length;
    }
    if (dots)
        result.append("...");
    *out = fromStd(result);
    return true;
}

bool truncateHtml(const QString &html, qint64 maxBytes, QString *out)
{
    const QByteArray bytes = html.toUtf8();
    const std::string_view input(bytes.constData(), size_t(bytes.size()));
    if (maxBytes <= 0 || qint64(input.size()) <= maxBytes) {
        *out = fromStd(withoutCarriageReturns(input));
        return false;
    }
    const bool dots = maxBytes > 6;
    const size_t limit = size_t(dots ? maxBytes - 3 : maxBytes);
    bool inTag = false;
    bool inComment = false;
    size_t lastTagEnd = 0;
    size_t carriageReturns = 0;
    for (size_t pos = 0; pos < input.size();) {
        const char c = input[pos];
        const size_t length = std::min(sequenceLength(uchar(c)), input.size() - pos);
        size_t tagBoundary = 0;
        if (c == '<' && !inTag) {
            inTag = true;
            inComment = input.substr(pos + 1, 3) == "!--";
            tagBoundary = pos;
        } else if (c == '>' && inTag) {
            if (!inComment) {
                inTag = false;
                tagBoundary = pos + 1;
            } else if (pos >= 2 && input.substr(pos - 2, 2) == "--") {
                inComment = false;
                inTag = false;
                tagBoundary = pos + 1;
            }
        } else if (c == '\r') {
            ++carriageReturns;
            pos += length;
            continue;
        }
        if (length + pos - carriageReturns > limit) {
            // Never cut inside a tag: fall back to the end of the last complete one.
            const size_t cut = (inTag || tagBoundary > 0) && lastTagEnd > 0 ? lastTagEnd : pos;
            std::string result = withoutCarriageReturns(input.substr(0, cut));
            if (dots)
                result.append("...");
            *out = fromStd(result);
            return true;
        }
        if (tagBoundary > 0)
            lastTagEnd = tagBoundary;
        pos += length;
    }
    *out = fromStd(withoutCarriageReturns(input));
    return false;
}

QString previewText(const QString &text, qint64 maxBytes)
{
    const QByteArray bytes = text.toUtf8();
    const std::string_view input(bytes.constData(), size_t(bytes.size()));
    if (qint64(input.size()) <= maxBytes)
        return text;
    std::string result;
    for (size_t pos = 0; pos < input.size();) {
        const size_t length = std::min(sequenceLength(uchar(input[pos])), input.size() - pos);
        if (qint64(result.size()) + qint64(length) + 3 > maxBytes)
            break;
        result.append(input.substr(pos, length));
        pos += length;
    }
    result.append("...");
    return fromStd(result);
}

} // namespace MtaHooks::Mime

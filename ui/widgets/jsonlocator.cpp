// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/jsonlocator.h"

#include <QList>

#include <cstring>

using namespace Qt::StringLiterals;

namespace {

// Bodies come from Document::toJson, which nlohmann has parsed already, but the locator also runs
// on text a user typed: the recursion of pointerAt() stops here instead of overflowing the stack.
constexpr int MaxDepth = 256;

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

QString escapeToken(QString token)
{
    return token.replace(u'~', u"~0"_s).replace(u'/', u"~1"_s);
}

QList<QString> splitPointer(QStringView pointer, bool *ok)
{
    *ok = true;
    QList<QString> tokens;
    if (pointer.isEmpty())
        return tokens;
    if (!pointer.startsWith(u'/')) {
        *ok = false;
        return tokens;
    }
    const auto parts = pointer.mid(1).split(u'/');
    for (const QStringView part : parts) {
        QString token = part.toString();
        token.replace(u"~1"_s, u"/"_s).replace(u"~0"_s, u"~"_s);
        tokens.append(token);
    }
    return tokens;
}

QString joinPointer(const QList<QString> &tokens, qsizetype count)
{
    QString pointer;
    for (qsizetype i = 0; i < count; ++i)
        pointer += u'/' + escapeToken(tokens.at(i));
    return pointer;
}

// An RFC 6901 array index: digits without a leading zero.
qsizetype arrayIndex(const QString &token)
{
    if (token.isEmpty() || (token.size() > 1 && token.front() == u'0'))
        return -1;
    bool ok = false;
    const qsizetype index = token.toLongLong(&ok);
    return ok && index >= 0 ? index : -1;
}

class Scanner
{
public:
    explicit Scanner(QByteArrayView text)
        : m_text(text)
    { }

    qsizetype pos = 0;

    bool atEnd() const { return pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text[pos]; }

    void skipWhitespace()
    {
        while (!atEnd() && isWhitespace(m_text[pos]))
            ++pos;
    }

    // At an opening quote: moves past the closing one. memchr keeps a multi-megabyte base64
    // string (a draft rawMessage) cheap to step over.
    bool skipString()
    {
        ++pos;
        const char *data = m_text.data();
        while (pos < m_text.size()) {
            const void *hit = std::memchr(data + pos, '"', size_t(m_text.size() - pos));
            if (!hit)
                break;
            const qsizetype quote = static_cast<const char *>(hit) - data;
            qsizetype backslashes = 0;
            while (quote - backslashes - 1 >= pos && data[quote - backslashes - 1] == '\\')
                ++backslashes;
            pos = quote + 1;
            if (backslashes % 2 == 0)
                return true;
        }
        pos = m_text.size();
        return false;
    }

    // At an opening quote: decodes the member name (escapes included) and moves past it.
    bool readString(QString *out)
    {
        out->clear();
        ++pos;
        QByteArray run;
        const auto flush = [out, &run] {
            if (!run.isEmpty())
                out->append(QString::fromUtf8(run));
            run.clear();
        };
        while (!atEnd()) {
            const char c = m_text[pos++];
            if (c == '"') {
                flush();
                return true;
            }
            if (c != '\\') {
                run.append(c);
                continue;
            }
            flush();
            if (atEnd())
                return false;
            const char e = m_text[pos++];
            switch (e) {
            case 'n':
                out->append(u'\n');
                break;
            case 't':
                out->append(u'\t');
                break;
            case 'r':
                out->append(u'\r');
                break;
            case 'b':
                out->append(u'\b');
                break;
            case 'f':
                out->append(u'\f');
                break;
            case 'u': {
                if (pos + 4 > m_text.size())
                    return false;
                bool ok = false;
                const uint unit = QByteArray(m_text.data() + pos, 4).toUInt(&ok, 16);
                if (!ok)
                    return false;
                // Surrogate pairs arrive as two escapes; QString is UTF-16, so appending the code
                // units one after the other recombines them.
                out->append(QChar(char16_t(unit)));
                pos += 4;
                break;
            }
            default:
                out->append(QLatin1Char(e));
                break;
            }
        }
        return false;
    }

    // At the first byte of any value: moves past it. Containers are stepped over iteratively.
    bool skipValue()
    {
        const char c = peek();
        if (c == '"')
            return skipString();
        if (c == '{' || c == '[') {
            int depth = 0;
            while (!atEnd()) {
                const char b = m_text[pos];
                if (b == '"') {
                    if (!skipString())
                        return false;
                    continue;
                }
                if (b == '{' || b == '[') {
                    ++depth;
                } else if (b == '}' || b == ']') {
                    if (--depth == 0) {
                        ++pos;
                        return true;
                    }
                }
                ++pos;
            }
            return false;
        }
        const qsizetype start = pos;
        while (!atEnd()) {
            const char b = m_text[pos];
            if (isWhitespace(b) || b == ',' || b == '}' || b == ']' || b == ':')
                break;
            ++pos;
        }
        return pos > start;
    }

private:
    QByteArrayView m_text;
};

// The innermost value containing offset, for a value known to start at start and to contain it.
QString descend(Scanner &scanner, qsizetype start, qsizetype offset, const QString &path, int depth)
{
    scanner.pos = start;
    const char open = scanner.peek();
    if ((open != '{' && open != '[') || depth > MaxDepth)
        return path;
    ++scanner.pos;
    qsizetype index = 0;
    while (true) {
        scanner.skipWhitespace();
        if (scanner.atEnd() || offset < scanner.pos)
            return path;
        const char c = scanner.peek();
        if (c == '}' || c == ']')
            return path;
        QString child;
        if (open == '{') {
            if (c != '"')
                return path;
            const qsizetype keyStart = scanner.pos;
            QString key;
            if (!scanner.readString(&key))
                return path;
            child = path + u'/' + escapeToken(key);
            if (offset >= keyStart && offset < scanner.pos)
                return child;
            scanner.skipWhitespace();
            if (scanner.peek() != ':')
                return path;
            ++scanner.pos;
            scanner.skipWhitespace();
        } else {
            child = path + u'/' + QString::number(index);
        }
        const qsizetype valueStart = scanner.pos;
        if (offset < valueStart)
            return path;
        const bool complete = scanner.skipValue();
        if (offset < scanner.pos || !complete)
            return descend(scanner, valueStart, offset, child, depth + 1);
        scanner.skipWhitespace();
        if (scanner.peek() != ',')
            return path;
        ++scanner.pos;
        ++index;
    }
}

} // namespace

JsonLocator::JsonLocator(QByteArrayView utf8)
    : m_text(utf8)
{ }

JsonSpan JsonLocator::locate(QStringView pointer) const
{
    bool ok = false;
    const QList<QString> tokens = splitPointer(pointer, &ok);
    if (!ok)
        return {};
    Scanner scanner(m_text);
    scanner.skipWhitespace();
    if (scanner.atEnd())
        return {};
    JsonSpan span;
    for (const QString &token : tokens) {
        const char open = scanner.peek();
        if (open != '{' && open != '[')
            return {};
        ++scanner.pos;
        const qsizetype wanted = open == '[' ? arrayIndex(token) : 0;
        if (wanted < 0)
            return {};
        bool found = false;
        for (qsizetype index = 0; !found; ++index) {
            scanner.skipWhitespace();
            const char c = scanner.peek();
            if (scanner.atEnd() || c == '}' || c == ']')
                return {};
            if (open == '{') {
                if (c != '"')
                    return {};
                span.keyStart = scanner.pos;
                QString key;
                if (!scanner.readString(&key))
                    return {};
                span.keyEnd = scanner.pos;
                scanner.skipWhitespace();
                if (scanner.peek() != ':')
                    return {};
                ++scanner.pos;
                scanner.skipWhitespace();
                found = key == token;
            } else {
                span.keyStart = span.keyEnd = -1;
                found = index == wanted;
            }
            if (found)
                break;
            if (!scanner.skipValue())
                return {};
            scanner.skipWhitespace();
            if (scanner.peek() != ',')
                return {};
            ++scanner.pos;
        }
    }
    span.valueStart = scanner.pos;
    span.isContainer = scanner.peek() == '{' || scanner.peek() == '[';
    if (scanner.atEnd())
        return {};
    scanner.skipValue(); // a truncated value ends where the text does
    span.valueEnd = scanner.pos;
    return span;
}

JsonSpan JsonLocator::locateNearest(QStringView pointer, QString *foundPointer) const
{
    bool ok = false;
    const QList<QString> tokens = splitPointer(pointer, &ok);
    for (qsizetype count = ok ? tokens.size() : 0; count >= 0; --count) {
        const QString candidate = joinPointer(tokens, count);
        const JsonSpan span = locate(candidate);
        if (span.isValid()) {
            if (foundPointer)
                *foundPointer = candidate;
            return span;
        }
    }
    if (foundPointer)
        foundPointer->clear();
    return {};
}

QString JsonLocator::pointerAt(qsizetype offset) const
{
    Scanner scanner(m_text);
    scanner.skipWhitespace();
    const qsizetype start = scanner.pos;
    if (scanner.atEnd() || offset < start)
        return {};
    const bool complete = scanner.skipValue();
    if (complete && offset >= scanner.pos)
        return {};
    return descend(scanner, start, offset, u""_s, 0);
}

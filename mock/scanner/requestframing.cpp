// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/requestframing.h"

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// RFC 9110 §5.6.2 token characters.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isDigits(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

QByteArrayView trimmedOws(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A LF not preceded by CR in data, where data[-1] (the byte before it) is `previous`.
bool hasBareLf(QByteArrayView data, char previous)
{
    for (qsizetype i = 0; i < data.size(); ++i) {
        if (data[i] == '\n' && (i == 0 ? previous : data[i - 1]) != '\r')
            return true;
    }
    return false;
}

} // namespace

QByteArray RequestHead::value(QByteArrayView name) const
{
    for (const auto &[key, fieldValue] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return fieldValue;
    }
    return {};
}

bool RequestHead::has(QByteArrayView name) const
{
    for (const auto &field : headers) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

RequestFraming::RequestFraming()
    : RequestFraming(Limits())
{ }

RequestFraming::RequestFraming(const Limits &limits)
    : m_limits(limits)
{ }

bool RequestFraming::inBody() const
{
    return m_phase != Phase::Head && m_phase != Phase::Failed;
}

RequestFraming::Step RequestFraming::fail(int status, const QString &reason, qsizetype consumed)
{
    m_phase = Phase::Failed;
    m_error = {status, reason};
    m_buffer.clear();
    m_buffer.squeeze();
    return {Event::Failed, consumed};
}

void RequestFraming::skipBody(qint64 count)
{
    Q_ASSERT(m_phase == Phase::Body && count < m_remaining);
    m_remaining -= count;
    m_bodyReceived += count;
}

RequestFraming::Step RequestFraming::feed(QByteArrayView data)
{
    switch (m_phase) {
    case Phase::Failed:
        return {Event::Failed, 0};
    case Phase::Head:
        return feedHead(data);
    case Phase::Body: {
        if (m_remaining == 0) {
            m_phase = Phase::Head;
            return {Event::MessageComplete, 0};
        }
        const qint64 take = qMin<qint64>(m_remaining, data.size());
        m_remaining -= take;
        m_bodyReceived += take;
        if (m_remaining == 0) {
            m_phase = Phase::Head;
            return {Event::MessageComplete, qsizetype(take)};
        }
        return {Event::NeedMore, qsizetype(take)};
    }
    default:
        return feedChunked(data);
    }
}

RequestFraming::Step RequestFraming::feedHead(QByteArrayView data)
{
    qsizetype pos = 0;
    if (m_buffer.isEmpty()) {
        // Empty lines before a request line are ignored (RFC 9112 §2.2), as the engine does.
        while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n'))
            ++pos;
        if (pos == data.size())
            return {Event::NeedMore, pos};
    }
    const qsizetype before = m_buffer.size();
    // Never take more than a head can be: the rest (a body) is not ours to copy.
    const qsizetype room = qMax<qsizetype>(0, m_limits.headLimit + 4 - before);
    const QByteArrayView taken = data.sliced(pos, qMin(data.size() - pos, room));
    const char previous = before > 0 ? m_buffer.back() : '\0';
    m_buffer.append(taken);
    const qsizetype searchFrom = qMax<qsizetype>(0, before - 3);
    const qsizetype end = m_buffer.indexOf("\r\n\r\n", searchFrom);
    const qsizetype headBytes = end < 0 ? m_buffer.size() : end + 4;
    // Only the part up to the end of the head is the head: what follows may be body bytes.
    if (hasBareLf(QByteArrayView(m_buffer).sliced(before, headBytes - before), previous)) {
        return fail(400, u"a line of the request head ends in a bare LF, not CRLF"_s,
            pos + (headBytes - before));
    }
    if (end < 0) {
        // Refused only once all the bytes a head may span are here, so the verdict (431, or 400
        // for a bare LF among them) does not depend on how the bytes were split.
        if (m_buffer.size() >= m_limits.headLimit + 4)
            return fail(431, u"request head larger than %1 bytes"_s.arg(m_limits.headLimit),
                pos + taken.size());
        return {Event::NeedMore, pos + taken.size()};
    }
    const qsizetype consumed = pos + (end + 4 - before);
    if (end + 4 > m_limits.headLimit)
        return fail(431, u"request head larger than %1 bytes"_s.arg(m_limits.headLimit), consumed);
    const QByteArray head = m_buffer.left(end);
    m_buffer.clear();
    if (!parseHead(head))
        return {Event::Failed, consumed};
    m_bodyReceived = 0;
    if (m_head.chunked) {
        m_phase = Phase::ChunkSize;
    } else {
        m_phase = Phase::Body;
        m_remaining = m_head.contentLength;
    }
    return {Event::HeadComplete, consumed};
}

bool RequestFraming::parseHead(QByteArrayView head)
{
    m_head = RequestHead();
    qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3): exactly two spaces.
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace == firstSpace
        || requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).contains(' ')) {
        fail(400, u"malformed request line"_s, 0);
        return false;
    }
    m_head.method = requestLine.first(firstSpace).toByteArray();
    m_head.target = requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).toByteArray();
    m_head.version = requestLine.sliced(lastSpace + 1).toByteArray();
    if (!isToken(m_head.method)) {
        fail(400, u"malformed request method"_s, 0);
        return false;
    }
    for (char c : std::as_const(m_head.target)) {
        if (uchar(c) <= 0x20 || c == 0x7f) {
            fail(400, u"control characters in the request target"_s, 0);
            return false;
        }
    }
    if (m_head.target.isEmpty()) {
        fail(400, u"empty request target"_s, 0);
        return false;
    }
    if (m_head.version != "HTTP/1.1" && m_head.version != "HTTP/1.0") {
        const QByteArray &v = m_head.version;
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3): well-formed but other is 505.
        const bool wellFormed = v.size() == 8 && v.startsWith("HTTP/") && v[6] == '.' && v[5] >= '0'
            && v[5] <= '9' && v[7] >= '0' && v[7] <= '9';
        if (wellFormed)
            fail(505, u"HTTP version %1 is not supported"_s.arg(QLatin1String(m_head.version)), 0);
        else
            fail(400, u"malformed HTTP version"_s, 0);
        return false;
    }

    int contentLengths = 0;
    int hosts = 0;
    QByteArray transferCoding;
    bool hasTransferEncoding = false;
    while (lineEnd >= 0) {
        const qsizetype start = lineEnd + 2;
        lineEnd = head.indexOf("\r\n", start);
        const QByteArrayView line
            = lineEnd < 0 ? head.sliced(start) : head.sliced(start, lineEnd - start);
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t') {
            fail(400, u"obsolete line folding in the request head"_s, 0);
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon))) {
            fail(400,
                u"malformed header field: %1"_s.arg(
                    QString::fromLatin1(line.first(qMin<qsizetype>(line.size(), 64)))),
                0);
            return false;
        }
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
        for (char c : value) {
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f) {
                fail(400, u"control character in header field %1"_s.arg(QString::fromLatin1(name)),
                    0);
                return false;
            }
        }
        if (m_head.headers.size() >= m_limits.maxFields) {
            fail(431, u"more than %1 header fields"_s.arg(m_limits.maxFields), 0);
            return false;
        }
        m_head.headers.append({name.toByteArray(), value.toByteArray()});
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            if (++contentLengths > 1) {
                fail(400, u"repeated Content-Length"_s, 0);
                return false;
            }
            if (!isDigits(value) || value.size() > 18) {
                fail(400, u"invalid Content-Length"_s, 0);
                return false;
            }
            m_head.contentLength = value.toLongLong();
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            if (hasTransferEncoding)
                transferCoding += ", ";
            transferCoding += value.toByteArray().toLower();
            hasTransferEncoding = true;
        } else if (name.compare("Host", Qt::CaseInsensitive) == 0) {
            ++hosts;
        } else if (name.compare("Expect", Qt::CaseInsensitive) == 0) {
            m_head.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    const bool http11 = m_head.version == "HTTP/1.1";
    if (hosts > 1 || (http11 && hosts == 0)) {
        fail(400, hosts ? u"more than one Host field"_s : u"no Host field"_s, 0);
        return false;
    }
    if (hasTransferEncoding) {
        if (contentLengths > 0) {
            fail(400, u"both Transfer-Encoding and Content-Length"_s, 0);
            return false;
        }
        if (!http11) {
            fail(400, u"Transfer-Encoding in an HTTP/1.0 request"_s, 0);
            return false;
        }
        if (transferCoding != "chunked") {
            fail(501,
                u"transfer coding \"%1\" is not implemented (only chunked)"_s.arg(
                    QString::fromLatin1(transferCoding.left(64))),
                0);
            return false;
        }
        m_head.chunked = true;
        m_head.contentLength = -1;
    }
    if (m_head.contentLength > m_limits.bodyLimit) {
        fail(413,
            u"body of %1 bytes is over the limit of %2"_s.arg(m_head.contentLength)
                .arg(m_limits.bodyLimit),
            0);
        return false;
    }
    return true;
}

RequestFraming::Step RequestFraming::feedChunked(QByteArrayView data)
{
    qsizetype pos = 0;
    while (true) {
        switch (m_phase) {
        case Phase::ChunkSize: {
            const qsizetype newline = data.indexOf('\n', pos);
            const qsizetype take = (newline < 0 ? data.size() : newline + 1) - pos;
            if (m_buffer.size() + take > m_limits.chunkLineLimit)
                return fail(400,
                    u"chunk-size line longer than %1 bytes"_s.arg(m_limits.chunkLineLimit),
                    pos + take);
            m_buffer.append(data.sliced(pos, take));
            pos += take;
            if (newline < 0)
                return {Event::NeedMore, pos};
            if (m_buffer.size() < 2 || m_buffer.at(m_buffer.size() - 2) != '\r')
                return fail(400, u"a chunk-size line ends in a bare LF"_s, pos);
            QByteArrayView line = QByteArrayView(m_buffer).chopped(2);
            const qsizetype semicolon = line.indexOf(';');
            const QByteArrayView sizeText
                = trimmedOws(semicolon < 0 ? line : line.first(semicolon));
            if (sizeText.isEmpty() || sizeText.size() > 15)
                return fail(400, u"invalid chunk size"_s, pos);
            qint64 size = 0;
            for (char c : sizeText) {
                const int digit = hexValue(c);
                if (digit < 0)
                    return fail(400, u"invalid chunk size"_s, pos);
                size = size * 16 + digit;
            }
            m_buffer.clear();
            if (m_bodyReceived + size > m_limits.bodyLimit)
                return fail(
                    413, u"chunked body over the limit of %1 bytes"_s.arg(m_limits.bodyLimit), pos);
            m_remaining = size;
            m_phase = size == 0 ? Phase::Trailer : Phase::ChunkData;
            break;
        }
        case Phase::ChunkData: {
            const qint64 take = qMin<qint64>(m_remaining, data.size() - pos);
            m_remaining -= take;
            m_bodyReceived += take;
            pos += take;
            if (m_remaining > 0)
                return {Event::NeedMore, pos};
            m_phase = Phase::ChunkDataEnd;
            break;
        }
        case Phase::ChunkDataEnd:
        case Phase::Trailer: {
            // Exactly CRLF: after a chunk's data, and as the end of a chunked body. A trailer
            // field is refused, because the engine would read it as the next request.
            while (pos < data.size() && m_buffer.size() < 2)
                m_buffer.append(data[pos++]);
            if (m_buffer.size() < 2) {
                if (m_buffer == "\r")
                    return {Event::NeedMore, pos};
                // One byte that is not CR: fail now rather than wait for the second.
                if (!m_buffer.isEmpty())
                    return fail(400,
                        m_phase == Phase::Trailer ? u"trailer fields are not supported"_s
                                                  : u"a chunk's data does not end in CRLF"_s,
                        pos);
                return {Event::NeedMore, pos};
            }
            const bool crlf = m_buffer == "\r\n";
            m_buffer.clear();
            if (!crlf) {
                return fail(400,
                    m_phase == Phase::Trailer ? u"trailer fields are not supported"_s
                                              : u"a chunk's data does not end in CRLF"_s,
                    pos);
            }
            if (m_phase == Phase::Trailer) {
                m_phase = Phase::Head;
                return {Event::MessageComplete, pos};
            }
            m_phase = Phase::ChunkSize;
            break;
        }
        default:
            return {Event::NeedMore, pos};
        }
        if (pos == data.size())
            return {Event::NeedMore, pos};
    }
}

} // namespace Mock

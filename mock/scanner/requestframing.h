// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Mock {

// The head of one HTTP/1.1 request as the guard read it.
struct RequestHead
{
    QByteArray method;
    QByteArray target;
    QByteArray version; // "HTTP/1.1" or "HTTP/1.0"
    HttpHeaders headers; // wire order, original case
    qint64 contentLength = 0; // -1 when chunked
    bool chunked = false;
    bool expectContinue = false;

    QByteArray value(QByteArrayView name) const; // the first field of that name, or empty
    bool has(QByteArrayView name) const;
};

// One reading of the request framing of RFC 9112 (§2 message format, §3 request line, §5 fields,
// §6 body length, §7.1 chunked coding), strict where the HTTP engine behind the guard
// (QHttpServer 6.4's http_parser) would read the bytes differently, so that the two never
// disagree on where a request ends. Refused, with the status a careful server gives:
// - a malformed request line, a field without a colon, white space before the colon, obs-fold,
//   a bare LF (400);
// - Content-Length that is not digits, repeated, or together with Transfer-Encoding (400);
// - a transfer coding other than a single "chunked" (501);
// - a head over the head limit or over the field count (431);
// - a body (or the sum of chunks) over the body limit (413);
// - a chunk-size line over its limit, a chunk that does not end in CRLF, trailer fields (400: the
//   engine would read a trailer as the next request).
// Pure: no sockets and no clocks, so it is fuzzed and unit-tested on its own. Memory held is at
// most the head limit (the head being collected) plus one chunk-size line.
class RequestFraming
{
public:
    struct Limits
    {
        qint64 bodyLimit = 64 * 1024 * 1024;
        qint64 headLimit = 64 * 1024;
        int maxFields = 128;
        qint64 chunkLineLimit = 1024; // a chunk-size line with its extensions
    };

    struct Error
    {
        int status = 0;
        QString reason;
    };

    enum class Event {
        NeedMore, // everything given was consumed; more bytes are needed
        HeadComplete, // head() holds a new request; its body (if any) follows
        MessageComplete, // the request (head and body) has ended
        Failed, // error() says why; feed() consumes nothing more
    };

    struct Step
    {
        Event event = Event::NeedMore;
        qsizetype consumed = 0; // bytes of the input this step used
    };

    RequestFraming();
    explicit RequestFraming(const Limits &limits);

    // Consumes bytes up to the next event. Call again with the rest while consumed < size.
    Step feed(QByteArrayView data);

    // Inside a Content-Length body: the bytes still to come (0 elsewhere). skipBody(n) with
    // n < contentBodyRemaining() counts body bytes without looking at them.
    qint64 contentBodyRemaining() const { return m_phase == Phase::Body ? m_remaining : 0; }
    void skipBody(qint64 count);

    const RequestHead &head() const { return m_head; }
    const Error &error() const { return m_error; }
    bool failed() const { return m_phase == Phase::Failed; }
    // Between requests with nothing buffered: a connection here is idle, not trickling.
    bool betweenRequests() const { return m_phase == Phase::Head && m_buffer.isEmpty(); }
    bool inBody() const;
    qint64 bodyReceived() const { return m_bodyReceived; }
    qsizetype bufferedBytes() const { return m_buffer.size(); }

private:
    enum class Phase { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Failed };

    Step fail(int status, const QString &reason, qsizetype consumed);
    Step feedHead(QByteArrayView data);
    Step feedChunked(QByteArrayView data);
    bool parseHead(QByteArrayView head);

    Limits m_limits;
    Phase m_phase = Phase::Head;
    QByteArray m_buffer; // the head, or a chunk-size / chunk-end / trailer line being collected
    qint64 m_remaining = 0; // body or chunk bytes still to come
    qint64 m_bodyReceived = 0;
    RequestHead m_head;
    Error m_error;
};

} // namespace Mock

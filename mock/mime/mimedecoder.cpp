// SPDX-License-Identifier: GPL-3.0-or-later

// GMime (and with it GLib/GIO) must be included before any Qt header: gio declares a struct
// member named "signals", which Qt's keyword macro would turn into "public" (QT-STACK.md §6).
// This is the only file that includes GMime; GLib types do not leave it.
#include <gmime/gmime.h>

#include "mock/mime/mimedecoder.h"

#include "mock/mime/bodyscan_p.h"
#include "mock/mime/logging.h"
#include "mock/mime/mimepart_p.h"
#include "mock/mime/mimetree_p.h"
#include "mock/mime/sha256_p.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHash>
#include <QTimeZone>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace MtaHooks::Mime {

namespace {

// ---------------------------------------------------------------------------------------------
// GLib/GMime ownership helpers

struct GObjectUnref
{
    void operator()(gpointer object) const
    {
        if (object)
            g_object_unref(object);
    }
};
template<typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree
{
    void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct ParserOptionsFree
{
    void operator()(GMimeParserOptions *options) const { g_mime_parser_options_free(options); }
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct DateTimeUnref
{
    void operator()(GDateTime *dateTime) const { g_date_time_unref(dateTime); }
};

struct ReferencesFree
{
    void operator()(GMimeReferences *references) const { g_mime_references_free(references); }
};

void ensureGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

GMimeParserOptions *newLooseOptions()
{
    GMimeParserOptions *options = g_mime_parser_options_new();
    // Real mail breaks the rules; an inspector wants GMime's best reading, not a refusal.
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(options, TRUE);
    return options;
}

// Shared, never modified after creation: used by the header-value parsers.
GMimeParserOptions *looseOptions()
{
    ensureGMime();
    static GMimeParserOptions *const options = newLooseOptions();
    return options;
}

QString fromUtf8(const char *text)
{
    return text ? QString::fromUtf8(text) : QString();
}

// A GMime memory stream over bytes owned elsewhere (the caller's QByteArray or a file mapping):
// GMime's mem stream would copy the buffer, and its parser's persist mode then references the
// copy. Here the stream borrows the bytes: GMime neither copies nor frees them.
class BorrowedStream
{
public:
    BorrowedStream(const char *data, qint64 size)
        : m_borrowed(size > 0)
    {
        m_array = m_borrowed ? g_byte_array_new_take(
                      reinterpret_cast<guint8 *>(const_cast<char *>(data)), gsize(size))
                             : g_byte_array_new();
        m_stream = g_mime_stream_mem_new_with_byte_array(m_array);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m_stream), FALSE);
    }
    ~BorrowedStream()
    {
        g_object_unref(m_stream);
        // FALSE: free the GByteArray wrapper only; its data belongs to someone else.
        g_byte_array_free(m_array, m_borrowed ? FALSE : TRUE);
    }
    BorrowedStream(const BorrowedStream &) = delete;
    BorrowedStream &operator=(const BorrowedStream &) = delete;

    GMimeStream *stream() const { return m_stream; }

private:
    bool m_borrowed;
    GByteArray *m_array = nullptr;
    GMimeStream *m_stream = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Parser warnings

struct ParserWarning
{
    qint64 offset = -1;
    GMimeParserWarning code = GMIME_WARN_MALFORMED_MESSAGE;
    QString item;
};

void collectWarning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer userData)
{
    // The item can be a whole line of binary junk; a defect only needs to name it.
    static_cast<QList<ParserWarning> *>(userData)->append(
        {offset, code, fromUtf8(item).trimmed().left(120)});
}

struct WarningText
{
    const char *code;
    const char *text;
};

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
        return {
            "WARN_INVALID_CONTENT_TYPE", "Invalid content type, assuming application/octet-stream"};
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

// ---------------------------------------------------------------------------------------------
// Transfer decoding

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

// Streams the transfer-decoded bytes of data[begin, end) to sink(const char *, qint64) in chunks,
// so that a large attachment is never held decoded.
template<typename Sink>
void decodeRange(const char *data, qint64 begin, qint64 end, TransferDecoding decoding, Sink &&sink)
{
    if (end <= begin)
        return;
    if (decoding == TransferDecoding::Identity) {
        sink(data + begin, end - begin);
        return;
    }
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, gmimeEncoding(decoding));
    if (decoding == TransferDecoding::UUEncode) {
        const qint64 start = uuencodedDataStart(data, begin, end);
        if (start < 0)
            return;
        begin = start;
        // The begin line is skipped above; GMime's step decoder expects that.
        state.state |= GMIME_UUDECODE_STATE_BEGIN;
    }
    constexpr qint64 chunk = qint64 {64} * 1024;
    std::vector<char> out(g_mime_encoding_outlen(&state, size_t(chunk)) + 64);
    for (qint64 pos = begin; pos < end; pos += chunk) {
        const qint64 length = std::min(chunk, end - pos);
        const size_t produced
            = g_mime_encoding_step(&state, data + pos, size_t(length), out.data());
        if (produced > 0)
            sink(out.data(), qint64(produced));
        if (decoding == TransferDecoding::UUEncode && (state.state & GMIME_UUDECODE_STATE_END))
            return;
    }
    const size_t produced = g_mime_encoding_flush(&state, nullptr, 0, out.data());
    if (produced > 0)
        sink(out.data(), qint64(produced));
}

// ---------------------------------------------------------------------------------------------
// Charsets

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

// ---------------------------------------------------------------------------------------------
// Header helpers

QByteArray withoutTrailingLineBreak(const char *value)
{
    QByteArray bytes(value ? value : "");
    if (bytes.endsWith('\n'))
        bytes.chop(1);
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    return bytes;
}

std::string unfolded(const QByteArray &raw)
{
    std::string out;
    out.reserve(size_t(raw.size()));
    for (char c : raw) {
        if (c != '\r' && c != '\n')
            out.push_back(c);
    }
    return out;
}

void appendHeaders(GMimeHeaderList *list, QList<Header> &headers)
{
    if (!list)
        return;
    const int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
        GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
        const char *name = g_mime_header_get_raw_name(header);
        if (!name)
            name = g_mime_header_get_name(header);
        Header h;
        h.name = QByteArray(name ? name : "");
        h.rawValue = withoutTrailingLineBreak(g_mime_header_get_raw_value(header));
        h.value = MimeDecoder::decodeText(h.rawValue);
        h.offset = g_mime_header_get_offset(header);
        headers.append(h);
    }
}

const Header *lastHeader(const QList<Header> &headers, QLatin1String name)
{
    for (auto it = headers.crbegin(); it != headers.crend(); ++it) {
        if (QLatin1String(it->name).compare(name, Qt::CaseInsensitive) == 0)
            return &*it;
    }
    return nullptr;
}

qint64 lastHeaderOffset(const QList<Header> &headers)
{
    qint64 offset = -1;
    for (const Header &h : headers)
        offset = std::max(offset, h.offset);
    return offset;
}

QString firstToken(const QString &value)
{
    const QString trimmed = value.trimmed();
    qsizetype end = 0;
    while (end < trimmed.size() && !trimmed.at(end).isSpace() && trimmed.at(end) != u';'
        && trimmed.at(end) != u'(')
        ++end;
    return trimmed.left(end).toLower();
}

// ---------------------------------------------------------------------------------------------
// Tree building

bool isMessageType(const QString &type)
{
    return type == QLatin1String("message/rfc822") || type == QLatin1String("message/global");
}

// Runs job(0) … job(count - 1), on several threads when the work is big enough to be worth it:
// digesting the attachments of a 25 MB message is most of its decoding time.
void runInParallel(size_t count, qint64 totalBytes, const std::function<void(size_t)> &job)
{
    constexpr qint64 threadWorthy = qint64 {4} * 1024 * 1024;
    const size_t threads = std::min<size_t>({std::thread::hardware_concurrency(), count, 8});
    std::atomic<size_t> next {0};
    const auto work = [&next, count, &job] {
        for (size_t i = next++; i < count; i = next++)
            job(i);
    };
    std::vector<std::thread> helpers;
    if (threads > 1 && totalBytes >= threadWorthy) {
        try {
            for (size_t t = 1; t < threads; ++t)
                helpers.emplace_back(work);
        } catch (const std::system_error &error) {
            // Out of threads: the ones running and this one do the rest.
            qCDebug(lcMime) << "decoding with fewer threads:" << error.what();
        }
    }
    work();
    for (std::thread &helper : helpers)
        helper.join();
}

class TreeBuilder
{
public:
    TreeBuilder(const QByteArray &raw, std::shared_ptr<const void> storage, GMimeStream *stream,
        int nesting)
        : m_data(raw.constData())
        , m_size(raw.size())
        , m_storage(std::move(storage))
        , m_stream(stream)
        , m_nesting(nesting)
    { }

    Node buildMessage(GMimeMessage *message, qint64 start, qint64 end);
    Node buildBytes(qint64 start, qint64 end); // a lone text/plain part over raw bytes

    QList<Defect> takeOwnDefects() { return std::exchange(m_ownDefects, {}); }

private:
    Node buildObject(GMimeObject *object, QList<Header> headers, qint64 start, qint64 end);
    void describe(GMimeObject *object, MimePart::Data &d) const;
    bool contentBounds(GMimeObject *object, qint64 *begin, qint64 *end) const;
    qint64 lastDataOffset(GMimeObject *object) const;
    qint64 childStart(GMimeObject *child, qint64 fallback) const;
    void digestNow(MimePart::Data &d, qint64 defectOffset);
    void digestLater(MimePart::Data &d, qint64 defectOffset);

public:
    // Sizes and hashes of the bodies put off by digestLater(), several at once on large input.
    void finishDigests();

private:
    struct DigestJob
    {
        MimePart::Data *data;
        qint64 defectOffset;
        QList<Defect> defects;
    };
    std::vector<DigestJob> m_digestJobs;
    void addDefect(MimePart::Data &d, const Defect &defect);
    void parseEncodedMessage(Node &node);

    const char *m_data;
    qint64 m_size;
    std::shared_ptr<const void> m_storage;
    GMimeStream *m_stream;
    int m_nesting;
    QList<Defect> m_ownDefects;
};

struct ParsedTree
{
    Node root;
    QList<Defect> defects; // parser warnings and our own checks, in no particular order
    int headerCount = 0;
};

ParsedTree parseTree(
    const QByteArray &raw, const std::shared_ptr<const void> &storage, int nesting);

// The offsets of an object's first and last header fields (-1 without any), cheaply: the tree
// walk asks for them often.
std::pair<qint64, qint64> headerSpan(GMimeObject *object)
{
    qint64 first = -1;
    qint64 last = -1;
    GMimeHeaderList *list = object ? g_mime_object_get_header_list(object) : nullptr;
    const int count = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < count; ++i) {
        const qint64 offset = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
        if (offset < 0)
            continue;
        first = first < 0 ? offset : std::min(first, offset);
        last = std::max(last, offset);
    }
    return {first, last};
}

QList<Header> headersOf(GMimeObject *object)
{
    QList<Header> headers;
    appendHeaders(g_mime_object_get_header_list(object), headers);
    return headers;
}

// A message's header fields are split by GMime between the message and its MIME part
// (Content-* go to the part); a message's root part shows them all, in their original order.
QList<Header> mergedMessageHeaders(GMimeMessage *message, GMimeObject *root)
{
    QList<Header> headers = headersOf(GMIME_OBJECT(message));
    if (root) {
        const QList<Header> partHeaders = headersOf(root);
        for (const Header &h : partHeaders) {
            const bool duplicate = std::any_of(headers.cbegin(), headers.cend(),
                [&h](const Header &o) { return h.offset >= 0 && o.offset == h.offset; });
            if (!duplicate)
                headers.append(h);
        }
    }
    std::stable_sort(headers.begin(), headers.end(), [](const Header &a, const Header &b) {
        return quint64(a.offset) < quint64(b.offset); // -1 sorts last
    });
    return headers;
}

void TreeBuilder::addDefect(MimePart::Data &d, const Defect &defect)
{
    d.defects.append(defect);
    m_ownDefects.append(defect);
}

void TreeBuilder::describe(GMimeObject *object, MimePart::Data &d) const
{
    GMimeContentType *contentType = g_mime_object_get_content_type(object);
    if (contentType) {
        GCharPtr mimeType(g_mime_content_type_get_mime_type(contentType));
        d.contentType = fromUtf8(mimeType.get()).toLower();
        d.charset = fromUtf8(g_mime_content_type_get_parameter(contentType, "charset")).trimmed();
    }
    if (d.contentType.isEmpty())
        d.contentType = QStringLiteral("text/plain");
    if (GMIME_IS_PART(object))
        d.filename = fromUtf8(g_mime_part_get_filename(GMIME_PART(object)));
    if (d.filename.isEmpty())
        d.filename = fromUtf8(g_mime_object_get_content_disposition_parameter(object, "filename"));
    if (d.filename.isEmpty())
        d.filename = fromUtf8(g_mime_object_get_content_type_parameter(object, "name"));
    d.disposition = fromUtf8(g_mime_object_get_disposition(object)).trimmed().toLower();
    d.contentId = fromUtf8(g_mime_object_get_content_id(object));

    if (const Header *h = lastHeader(d.headers, QLatin1String("Content-Transfer-Encoding")))
        d.transferEncoding = firstToken(h->value);
    if (const Header *h = lastHeader(d.headers, QLatin1String("Content-Location")))
        d.contentLocation = h->value.trimmed();
    if (const Header *h = lastHeader(d.headers, QLatin1String("Content-Language"))) {
        const QStringList tags = h->value.split(u',');
        for (const QString &tag : tags) {
            if (!tag.trimmed().isEmpty())
                d.contentLanguage.append(tag.trimmed());
        }
    }
}

bool TreeBuilder::contentBounds(GMimeObject *object, qint64 *begin, qint64 *end) const
{
    if (!GMIME_IS_PART(object))
        return false;
    GMimeDataWrapper *wrapper = g_mime_part_get_content(GMIME_PART(object));
    if (!wrapper)
        return false;
    GMimeStream *stream = g_mime_data_wrapper_get_stream(wrapper);
    // In persist mode the parser hands out substreams of our stream, bounded in its offsets.
    if (!stream || (stream != m_stream && stream->super_stream != m_stream)) {
        qCWarning(lcMime) << "part content is not a substream of the message; offsets unknown";
        return false;
    }
    *begin = std::clamp<qint64>(stream->bound_start, 0, m_size);
    *end = stream->bound_end < 0 ? m_size : std::clamp<qint64>(stream->bound_end, *begin, m_size);
    return true;
}

// The furthest offset known to belong to the object (content end, last header), from where the
// next boundary of its parent is searched.
qint64 TreeBuilder::lastDataOffset(GMimeObject *object) const
{
    qint64 last = headerSpan(object).second;
    qint64 begin = 0;
    qint64 end = 0;
    if (contentBounds(object, &begin, &end))
        last = std::max(last, end);
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart *multipart = GMIME_MULTIPART(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i)
            last = std::max(last, lastDataOffset(g_mime_multipart_get_part(multipart, i)));
    } else if (GMIME_IS_MESSAGE_PART(object)) {
        GMimeMessage *message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (message) {
            last = std::max(last, headerSpan(GMIME_OBJECT(message)).second);
            if (GMimeObject *root = g_mime_message_get_mime_part(message))
                last = std::max(last, lastDataOffset(root));
        }
    }
    return last;
}

// Where a subpart of a multipart starts: its first header, or, without headers, the empty line
// that stands for its header block.
qint64 TreeBuilder::childStart(GMimeObject *child, qint64 fallback) const
{
    qint64 start = headerSpan(child).first;
    if (start < 0) {
        qint64 begin = 0;
        qint64 end = 0;
        if (contentBounds(child, &begin, &end)) {
            start = begin;
        } else if (GMIME_IS_MESSAGE_PART(child)) {
            GMimeMessage *message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(child));
            if (message) {
                const qint64 messageFirst = headerSpan(GMIME_OBJECT(message)).first;
                const qint64 partFirst = headerSpan(g_mime_message_get_mime_part(message)).first;
                start = messageFirst < 0 || (partFirst >= 0 && partFirst < messageFirst)
                    ? partFirst
                    : messageFirst;
            }
        }
        if (start > 0 && m_data[start - 1] == '\n') {
            --start;
            if (start > 0 && m_data[start - 1] == '\r')
                --start;
        }
    }
    return start >= 0 ? start : fallback;
}

// Chooses how to decode a body (checking its transfer encoding), then streams the decoded bytes
// through SHA-256 without keeping them. Touches only d and defects, so bodies can be digested in
// parallel.
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

void TreeBuilder::digestNow(MimePart::Data &d, qint64 defectOffset)
{
    digest(m_data, d, defectOffset, m_ownDefects);
}

void TreeBuilder::digestLater(MimePart::Data &d, qint64 defectOffset)
{
    m_digestJobs.push_back({&d, defectOffset, {}});
}

void TreeBuilder::finishDigests()
{
    // Biggest first, so that no thread is left with a large body at the end.
    std::sort(m_digestJobs.begin(), m_digestJobs.end(), [](const DigestJob &a, const DigestJob &b) {
        return a.data->bodyLength > b.data->bodyLength;
    });
    qint64 total = 0;
    for (const DigestJob &job : m_digestJobs)
        total += job.data->bodyLength;
    runInParallel(m_digestJobs.size(), total, [this](size_t i) {
        DigestJob &job = m_digestJobs[i];
        digest(m_data, *job.data, job.defectOffset, job.defects);
    });
    for (DigestJob &job : m_digestJobs)
        m_ownDefects.append(job.defects);
    m_digestJobs.clear();
}

Node TreeBuilder::buildObject(GMimeObject *object, QList<Header> headers, qint64 start, qint64 end)
{
    Node node;
    node.data = std::make_shared<MimePart::Data>();
    MimePart::Data &d = *node.data;
    d.storage = m_storage;
    d.headers = std::move(headers);
    describe(object, d);

    start = std::clamp<qint64>(start, 0, m_size);
    end = std::clamp<qint64>(end, start, m_size);
    const qint64 lastField = lastHeaderOffset(d.headers);
    qint64 headerEnd = lastField >= start ? headerBlockEnd(m_data, lastField, end)
                                          : start + blankLineLength(m_data, start, end);
    headerEnd = std::min(headerEnd, end);
    d.rawOffset = start;
    const Header *contentTypeHeader = lastHeader(d.headers, QLatin1String("Content-Type"));
    const Header *encodingHeader
        = lastHeader(d.headers, QLatin1String("Content-Transfer-Encoding"));

    if (d.contentType.startsWith(QLatin1String("text/")) && !d.charset.isEmpty()
        && !isKnownCharset(d.charset.toLatin1())) {
        d.encodingProblem = true;
        addDefect(d,
            makeDefect(contentTypeHeader ? contentTypeHeader->offset : start,
                "WARN_UNKNOWN_CHARSET", QStringLiteral("Unknown charset \"%1\"").arg(d.charset)));
    }

    if (GMIME_IS_MULTIPART(object)) {
        d.isMultipart = true;
        d.bodyOffset = headerEnd;
        d.bodyLength = end - headerEnd;
        d.rawLength = end - start;
        d.size = d.bodyLength;
        GMimeMultipart *multipart = GMIME_MULTIPART(object);
        const char *boundary = g_mime_multipart_get_boundary(multipart);
        const QByteArray delimiter = boundary ? QByteArray("--") + boundary : QByteArray();
        const int count = g_mime_multipart_get_count(multipart);
        qint64 previousEnd = headerEnd;
        for (int i = 0; i < count; ++i) {
            GMimeObject *child = g_mime_multipart_get_part(multipart, i);
            const qint64 childBegin
                = std::clamp<qint64>(childStart(child, previousEnd), start, end);
            qint64 childEnd = -1;
            if (!delimiter.isEmpty()) {
                childEnd = partEndBeforeDelimiter(
                    m_data, std::max(lastDataOffset(child), childBegin), end, delimiter);
            }
            if (childEnd < 0)
                childEnd = end; // no further delimiter: truncated
            node.children.push_back(buildObject(child, headersOf(child), childBegin, childEnd));
            previousEnd = childEnd;
        }
        return node;
    }

    if (GMIME_IS_MESSAGE_PART(object)) {
        d.isMessage = true;
        d.bodyOffset = headerEnd;
        d.bodyLength = end - headerEnd;
        d.rawLength = end - start;
        digestLater(d, encodingHeader ? encodingHeader->offset : start);
        GMimeMessage *message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (message)
            node.children.push_back(buildMessage(message, d.bodyOffset, end));
        return node;
    }

    qint64 contentBegin = 0;
    qint64 contentEnd = 0;
    if (contentBounds(object, &contentBegin, &contentEnd) && contentBegin >= start) {
        d.bodyOffset = contentBegin;
        d.bodyLength = contentEnd - contentBegin;
        d.rawLength = contentEnd - start;
    } else {
        d.bodyOffset = headerEnd;
        d.bodyLength = 0;
        d.rawLength = end - start;
    }
    const qint64 defectOffset = encodingHeader ? encodingHeader->offset : start;
    if (isMessageType(d.contentType)) {
        // Whether it is an encoded message to parse depends on the digest.
        digestNow(d, defectOffset);
        parseEncodedMessage(node);
    } else {
        digestLater(d, defectOffset);
    }
    return node;
}

// GMime leaves a base64 or quoted-printable message/rfc822 (RFC 2046 forbids the encoding,
// mailers use it anyway) as an opaque leaf. Its decoded bytes are parsed as a message of their
// own, whose parts then index those bytes instead of the raw message.
void TreeBuilder::parseEncodedMessage(Node &node)
{
    constexpr int maxNesting = 8; // each level holds a decoded copy; enough for real mail
    MimePart::Data &d = *node.data;
    if (!isMessageType(d.contentType) || d.decoding == TransferDecoding::Identity || d.size == 0
        || m_nesting >= maxNesting)
        return;
    QByteArray decoded;
    decoded.reserve(d.size);
    decodeRange(m_data, d.bodyOffset, d.bodyOffset + d.bodyLength, d.decoding,
        [&decoded](const char *bytes, qint64 length) { decoded.append(bytes, length); });
    ParsedTree inner = parseTree(decoded, m_storage, m_nesting + 1);
    if (inner.headerCount == 0)
        return;
    setSource(inner.root, decoded);
    d.isMessage = true;
    node.children.push_back(std::move(inner.root));
    // The message-wide list indexes the raw message: point at the encoded attachment.
    for (const Defect &defect : std::as_const(inner.defects)) {
        m_ownDefects.append({d.bodyOffset, defect.code,
            QStringLiteral("In the encoded attached message, at its byte %1: %2")
                .arg(defect.offset)
                .arg(defect.message)});
    }
}

Node TreeBuilder::buildMessage(GMimeMessage *message, qint64 start, qint64 end)
{
    GMimeObject *root = g_mime_message_get_mime_part(message);
    QList<Header> headers = mergedMessageHeaders(message, root);
    if (!root) {
        // GMime found headers but no body part at all: show the headers over an empty body.
        Node node = buildBytes(start, end);
        node.data->headers = std::move(headers);
        return node;
    }
    return buildObject(root, std::move(headers), start, end);
}

Node TreeBuilder::buildBytes(qint64 start, qint64 end)
{
    Node node;
    node.data = std::make_shared<MimePart::Data>();
    MimePart::Data &d = *node.data;
    d.storage = m_storage;
    d.contentType = QStringLiteral("text/plain");
    d.rawOffset = std::clamp<qint64>(start, 0, m_size);
    d.bodyOffset = d.rawOffset;
    d.bodyLength = std::clamp<qint64>(end, d.rawOffset, m_size) - d.rawOffset;
    d.rawLength = d.bodyLength;
    digestLater(d, d.rawOffset);
    return node;
}

// ---------------------------------------------------------------------------------------------

void fillEnvelope(MimeMessage &message)
{
    const QList<Header> headers = message.root.headers();
    if (const Header *h = lastHeader(headers, QLatin1String("Subject")))
        message.subject = h->value;
    const auto addresses = [&headers](QLatin1String name) {
        QStringList list;
        if (const Header *h = lastHeader(headers, name)) {
            const QList<MailAddress> parsed = MimeDecoder::parseAddresses(h->rawValue);
            for (const MailAddress &a : parsed)
                list.append(a.email);
        }
        return list;
    };
    message.from = addresses(QLatin1String("From"));
    message.to = addresses(QLatin1String("To"));
    message.cc = addresses(QLatin1String("Cc"));
    if (const Header *h = lastHeader(headers, QLatin1String("Message-ID"))) {
        const QStringList ids = MimeDecoder::parseMessageIds(h->rawValue);
        message.messageId = ids.isEmpty() ? h->value : ids.first();
    }
    if (const Header *h = lastHeader(headers, QLatin1String("Date")))
        message.date = h->value;
}

ParsedTree parseTree(const QByteArray &raw, const std::shared_ptr<const void> &storage, int nesting)
{
    ParsedTree parsed;
    QList<ParserWarning> warnings;
    {
        // Destruction order matters: GMime objects first, the borrowed stream last.
        BorrowedStream stream(raw.constData(), raw.size());
        ParserOptionsPtr options(newLooseOptions());
        g_mime_parser_options_set_warning_callback(options.get(), collectWarning, &warnings);
        GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.stream()));
        g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
        // Parts reference byte ranges of the stream instead of copies of their content.
        g_mime_parser_set_persist_stream(parser.get(), TRUE);
        GObjectPtr<GMimeMessage> message(
            g_mime_parser_construct_message(parser.get(), options.get()));

        TreeBuilder builder(raw, storage, stream.stream(), nesting);
        if (message) {
            parsed.root = builder.buildMessage(message.get(), 0, raw.size());
            parsed.headerCount = int(parsed.root.data->headers.size());
        } else {
            parsed.root = builder.buildBytes(0, raw.size());
        }
        builder.finishDigests();
        parsed.defects = builder.takeOwnDefects();
    }

    for (const ParserWarning &w : std::as_const(warnings)) {
        const WarningText text = warningText(w.code);
        QString message = QString::fromLatin1(text.text);
        if (!w.item.isEmpty())
            message += QLatin1String(": ") + w.item;
        const Defect defect = makeDefect(w.offset, text.code, message);
        Node *target = w.offset >= 0 ? deepestContaining(parsed.root, w.offset) : nullptr;
        (target ? target : &parsed.root)->data->defects.append(defect);
        parsed.defects.append(defect);
    }
    if (parsed.headerCount == 0) {
        const Defect defect = makeDefect(
            0, "CRIT_NO_HEADERS", QStringLiteral("The input does not start with a header field"));
        parsed.root.data->defects.prepend(defect);
        parsed.defects.append(defect);
    }
    return parsed;
}

MimeMessage decodeBytes(const QByteArray &raw, std::shared_ptr<const void> storage)
{
    ensureGMime();
    MimeMessage result;
    result.raw = raw;
    if (raw.isEmpty()) {
        result.defects.append(
            makeDefect(0, "CRIT_EMPTY_MESSAGE", QStringLiteral("No input bytes")));
        auto d = std::make_shared<MimePart::Data>();
        d->contentType = QStringLiteral("text/plain");
        d->partId = QStringLiteral("0");
        d->sha256 = QCryptographicHash::hash(QByteArray(), QCryptographicHash::Sha256).toHex();
        d->defects = result.defects;
        d->storage = std::move(storage);
        result.root = MimePart(std::move(d));
        return result;
    }
    if (quint64(raw.size()) > G_MAXUINT) {
        // GByteArray lengths are guint.
        result.defects.append(makeDefect(
            -1, "CRIT_TOO_LARGE", QStringLiteral("Message larger than 4 GiB not decoded")));
        return result;
    }

    ParsedTree parsed = parseTree(raw, storage, 0);
    Node &root = parsed.root;
    finishTree(root);
    QList<Defect> defects = std::move(parsed.defects);
    const int headerCount = parsed.headerCount;
    std::stable_sort(defects.begin(), defects.end(),
        [](const Defect &a, const Defect &b) { return a.offset < b.offset; });

    result.root = freeze(root);
    result.defects = defects;
    result.isValid = headerCount > 0;
    fillEnvelope(result);
    return result;
}

} // namespace

MimeMessage MimeDecoder::decode(const QByteArray &raw)
{
    return decodeBytes(raw, nullptr);
}

MimeMessage MimeDecoder::decodeFile(const QString &path, QString *error)
{
    auto file = std::make_shared<QFile>(path);
    if (!file->open(QIODevice::ReadOnly)) {
        if (error)
            *error = file->errorString();
        MimeMessage message;
        message.defects.append(makeDefect(-1, "CRIT_UNREADABLE", file->errorString()));
        return message;
    }
    const qint64 size = file->size();
    if (size <= 0)
        return decodeBytes(file->readAll(), nullptr); // empty, or a pipe/device without a size
    uchar *mapped = file->map(0, size);
    if (!mapped) {
        qCDebug(lcMime) << "cannot map" << path << file->errorString() << "- reading it instead";
        return decodeBytes(file->readAll(), nullptr);
    }
    // The QFile owns the mapping; the tree keeps the QFile (see MimeMessage on lifetime).
    const QByteArray raw = QByteArray::fromRawData(reinterpret_cast<const char *>(mapped), size);
    return decodeBytes(raw, std::shared_ptr<const void>(file, file.get()));
}

QByteArray MimeDecoder::decodedBody(const MimeMessage &message, const MimePart &part)
{
    ensureGMime();
    const MimePart::Data &d = *part.d;
    const QByteArray &raw = d.source.isNull() ? message.raw : d.source;
    const qint64 begin = std::clamp<qint64>(d.bodyOffset, 0, raw.size());
    const qint64 end = std::clamp<qint64>(d.bodyOffset + d.bodyLength, begin, raw.size());
    if (d.decoding == TransferDecoding::Identity)
        return QByteArray(raw.constData() + begin, end - begin);
    QByteArray body;
    body.reserve(d.size);
    decodeRange(raw.constData(), begin, end, d.decoding,
        [&body](const char *bytes, qint64 length) { body.append(bytes, length); });
    return body;
}

void MimeDecoder::decodeBody(const MimeMessage &message, const MimePart &part,
    const std::function<void(QByteArrayView)> &sink)
{
    ensureGMime();
    const MimePart::Data &d = *part.d;
    const QByteArray &raw = d.source.isNull() ? message.raw : d.source;
    const qint64 begin = std::clamp<qint64>(d.bodyOffset, 0, raw.size());
    const qint64 end = std::clamp<qint64>(d.bodyOffset + d.bodyLength, begin, raw.size());
    static constexpr qint64 piece = qint64 {64} * 1024;
    decodeRange(raw.constData(), begin, end, d.decoding, [&sink](const char *bytes, qint64 length) {
        for (qint64 pos = 0; pos < length; pos += piece)
            sink(QByteArrayView(bytes + pos, std::min(piece, length - pos)));
    });
}

QString MimeDecoder::text(const MimeMessage &message, const MimePart &part)
{
    bool problem = false;
    return text(message, part, &problem);
}

QString MimeDecoder::text(const MimeMessage &message, const MimePart &part, bool *encodingProblem)
{
    bool problem = part.hasEncodingProblem();
    QString result = toUnicode(decodedBody(message, part), part.charset().toLatin1(), &problem);
    if (encodingProblem)
        *encodingProblem = problem;
    return result;
}

QList<AddressGroup> MimeDecoder::parseAddressGroups(const QByteArray &rawValue)
{
    QList<AddressGroup> groups;
    const std::string text = unfolded(rawValue);
    GObjectPtr<InternetAddressList> list(internet_address_list_parse(looseOptions(), text.c_str()));
    if (!list)
        return groups;
    const auto mailbox = [](InternetAddress *address) {
        MailAddress m;
        m.name = fromUtf8(internet_address_get_name(address));
        m.email = fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
        return m;
    };
    const int count = internet_address_list_length(list.get());
    for (int i = 0; i < count; ++i) {
        InternetAddress *address = internet_address_list_get_address(list.get(), i);
        AddressGroup group;
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            group.isGroup = true;
            group.name = fromUtf8(internet_address_get_name(address));
            InternetAddressList *members
                = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address));
            const int memberCount = members ? internet_address_list_length(members) : 0;
            for (int j = 0; j < memberCount; ++j) {
                InternetAddress *member = internet_address_list_get_address(members, j);
                if (INTERNET_ADDRESS_IS_MAILBOX(member))
                    group.addresses.append(mailbox(member));
            }
        } else if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
            group.addresses.append(mailbox(address));
        } else {
            continue;
        }
        groups.append(group);
    }
    return groups;
}

QList<MailAddress> MimeDecoder::parseAddresses(const QByteArray &rawValue)
{
    QList<MailAddress> addresses;
    const QList<AddressGroup> groups = parseAddressGroups(rawValue);
    for (const AddressGroup &group : groups)
        addresses.append(group.addresses);
    return addresses;
}

QStringList MimeDecoder::parseMessageIds(const QByteArray &rawValue)
{
    QStringList ids;
    const std::string text = unfolded(rawValue);
    std::unique_ptr<GMimeReferences, ReferencesFree> references(
        g_mime_references_parse(looseOptions(), text.c_str()));
    if (!references)
        return ids;
    const int count = g_mime_references_length(references.get());
    for (int i = 0; i < count; ++i)
        ids.append(fromUtf8(g_mime_references_get_message_id(references.get(), i)));
    return ids;
}

QDateTime MimeDecoder::parseDate(const QByteArray &rawValue)
{
    ensureGMime();
    const std::string text = unfolded(rawValue);
    std::unique_ptr<GDateTime, DateTimeUnref> date(g_mime_utils_header_decode_date(text.c_str()));
    if (!date)
        return {};
    const qint64 seconds = g_date_time_to_unix(date.get());
    const int offset = int(g_date_time_get_utc_offset(date.get()) / G_TIME_SPAN_SECOND);
    return QDateTime::fromSecsSinceEpoch(seconds, QTimeZone(offset));
}

QString MimeDecoder::decodeText(const QByteArray &rawValue)
{
    const std::string text = unfolded(rawValue);
    GCharPtr decoded(g_mime_utils_header_decode_text(looseOptions(), text.c_str()));
    return fromUtf8(decoded.get()).trimmed();
}

} // namespace MtaHooks::Mime

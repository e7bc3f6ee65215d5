// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/treebuilder_p.h"

#include "mock/mime/bodyscan_p.h"
#include "mock/mime/charsets_p.h"
#include "mock/mime/defects_p.h"
#include "mock/mime/headerfields_p.h"
#include "mock/mime/logging.h"
#include "mock/mime/structurechecks_p.h"
#include "mock/mime/transferdecoding_p.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace MtaHooks::Mime {

namespace {

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
        int nesting, QList<qint64> invalidContentTypes)
        : m_data(raw.constData())
        , m_size(raw.size())
        , m_storage(std::move(storage))
        , m_stream(stream)
        , m_nesting(nesting)
        , m_invalidContentTypes(std::move(invalidContentTypes))
    { }

    Node buildMessage(GMimeMessage *message, qint64 start, qint64 end);
    Node buildBytes(qint64 start, qint64 end); // a lone text/plain part over raw bytes

    QList<Defect> takeOwnDefects() { return std::exchange(m_ownDefects, {}); }

private:
    Node buildObject(GMimeObject *object, QList<Header> headers, qint64 start, qint64 end,
        bool messageRoot = false);
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
    QList<qint64> m_invalidContentTypes; // offsets of the Content-Type fields GMime could not parse
    QList<QByteArray> m_enclosingBoundaries; // of the multiparts around the part being built
    QList<Defect> m_ownDefects;
};

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

Node TreeBuilder::buildObject(
    GMimeObject *object, QList<Header> headers, qint64 start, qint64 end, bool messageRoot)
{
    Node node;
    node.data = std::make_shared<MimePart::Data>();
    MimePart::Data &d = *node.data;
    d.storage = m_storage;
    d.headers = std::move(headers);
    start = std::clamp<qint64>(start, 0, m_size);
    describe(object, d);
    if (std::optional<Defect> defect
        = applyContentTypeDefault(d, messageRoot, start, m_invalidContentTypes))
        addDefect(d, *defect);

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
        // The checks go by the declared boundary only: GMime makes one up when there is none
        // (and then declares it).
        const QByteArray declared(g_mime_object_get_content_type_parameter(object, "boundary"));
        const char *boundary = g_mime_multipart_get_boundary(multipart);
        const QByteArray delimiter = boundary ? QByteArray("--") + boundary : QByteArray();
        const int count = g_mime_multipart_get_count(multipart);
        if (!declared.isEmpty()) {
            const QList<Defect> defects = boundaryDefects(m_data, headerEnd, end, declared,
                m_enclosingBoundaries, nestedBoundaries(object),
                contentTypeHeader ? contentTypeHeader->offset : start);
            for (const Defect &defect : defects)
                addDefect(d, defect);
            if (count == 0) {
                // GMime only says it ran into the end of the input looking for a delimiter.
                addDefect(d,
                    makeDefect(headerEnd, "WARN_MALFORMED_MULTIPART",
                        QStringLiteral("No delimiter line \"--%1\": the multipart has no parts "
                                       "(RFC 2046 §5.1.1 wants one at least)")
                            .arg(QString::fromLatin1(declared))));
            }
        }
        m_enclosingBoundaries.append(declared);
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
        m_enclosingBoundaries.removeLast();
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
    } else if (const int limit = fieldBlockLimit(d.contentType); limit > 0) {
        digestNow(d, defectOffset); // chooses the transfer decoding the blocks are read with
        const QList<Defect> defects = readFieldBlocks(m_data, object, d, limit);
        for (const Defect &defect : defects)
            addDefect(d, defect);
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
    return buildObject(root, std::move(headers), start, end, true);
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

} // namespace

ParsedTree parseTree(const QByteArray &raw, const std::shared_ptr<const void> &storage, int nesting)
{
    ParsedTree parsed;
    QList<ParserWarning> warnings;
    const FirstLine firstLine = checkFirstLine(raw.constData(), raw.size());
    {
        // Destruction order matters: GMime objects first, the borrowed stream last.
        BorrowedStream stream(raw.constData(), raw.size());
        ParserOptionsPtr options(newLooseOptions());
        g_mime_parser_options_set_warning_callback(options.get(), collectWarning, &warnings);
        // The parser starts where the stream is; its offsets stay those of the whole input.
        if (firstLine.headersStart > 0)
            g_mime_stream_seek(stream.stream(), firstLine.headersStart, GMIME_STREAM_SEEK_SET);
        GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.stream()));
        g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
        // Parts reference byte ranges of the stream instead of copies of their content.
        g_mime_parser_set_persist_stream(parser.get(), TRUE);
        GObjectPtr<GMimeMessage> message(
            g_mime_parser_construct_message(parser.get(), options.get()));

        QList<qint64> invalidContentTypes;
        for (const ParserWarning &w : std::as_const(warnings)) {
            if (w.code == GMIME_WARN_INVALID_CONTENT_TYPE)
                invalidContentTypes.append(w.offset);
        }
        TreeBuilder builder(raw, storage, stream.stream(), nesting, invalidContentTypes);
        if (message) {
            parsed.root = builder.buildMessage(message.get(), 0, raw.size());
            parsed.headerCount = int(parsed.root.data->headers.size());
        } else {
            parsed.root = builder.buildBytes(0, raw.size());
        }
        builder.finishDigests();
        parsed.defects = builder.takeOwnDefects();
    }
    if (firstLine.defect) {
        parsed.root.data->defects.prepend(*firstLine.defect);
        parsed.defects.append(*firstLine.defect);
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

} // namespace MtaHooks::Mime

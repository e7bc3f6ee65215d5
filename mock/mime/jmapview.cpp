// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/jmapview.h"

#include "mock/mime/htmltext_p.h"
#include "mock/mime/jmapheaders_p.h"
#include "mock/mime/mimedecoder.h"

#include <QHash>
#include <QIODevice>
#include <QRandomGenerator>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <string>

namespace MtaHooks::Mime {

namespace {

constexpr qint64 previewLength = 256; // Stalwart's PREVIEW_LENGTH

bool hasDefect(const MimePart &part, QLatin1String code)
{
    const QList<Defect> defects = part.defects();
    return std::any_of(
        defects.cbegin(), defects.cend(), [code](const Defect &d) { return d.code == code; });
}

struct PartText
{
    QString text;
    bool encodingProblem = false;
};

class Renderer
{
public:
    Renderer(const MimeMessage &message, const JmapOptions &options)
        : m_message(message)
        , m_options(options)
    {
        // The parts of this message, depth first; an attached message is one leaf.
        std::function<void(const MimePart &)> collect = [this, &collect](const MimePart &part) {
            m_parts.append(part);
            if (!part.isMultipart()) {
                m_blobIndex.insert(part.partId(), m_leafCount++);
                return;
            }
            const QList<MimePart> children = part.children();
            for (const MimePart &child : children)
                collect(child);
        };
        collect(message.root);
        m_blobToken
            = "hookscope:blob:" + std::to_string(QRandomGenerator::global()->generate64()) + ':';
    }

    // Renders the Email and hands the JSON text to sink piece by piece, inline blobs included.
    // False when sink fails.
    bool writeTo(const std::function<bool(QByteArrayView)> &sink,
        const std::function<void(qint64)> &reserve = {});

private:
    std::string render();
    bool writeBlob(int index, const std::function<bool(QByteArrayView)> &sink);
    const MimePart *blobPart(int index) const;
    int blobIndex(const MimePart &part) const { return m_blobIndex.value(part.partId()); }
    bool wantsBodyProperty(const char *name) const
    {
        return m_options.bodyProperties.isEmpty()
            || m_options.bodyProperties.contains(QLatin1String(name));
    }
    const PartText &textOf(const MimePart &part);
    qint64 jmapSize(const MimePart &part);
    Json bodyPart(const MimePart &part, bool structure);
    Json bodyList(bool (MimePart::*member)() const);
    Json bodyValues();
    QString preview();
    Json value(const QString &property);
    Json lastHeaderIds(const char *name) const;
    Json lastHeaderAddresses(const char *name) const;

    const MimeMessage &m_message;
    const JmapOptions &m_options;
    QList<MimePart> m_parts;
    QHash<QString, int> m_blobIndex;
    int m_leafCount = 0;
    QHash<QString, PartText> m_texts;
    // Stands in for inline blob content in the rendered JSON; random, so that no message text can
    // look like it.
    std::string m_blobToken;
};

const PartText &Renderer::textOf(const MimePart &part)
{
    auto it = m_texts.find(part.partId());
    if (it == m_texts.end()) {
        PartText entry;
        entry.text = MimeDecoder::text(m_message, part, &entry.encodingProblem);
        it = m_texts.insert(part.partId(), entry);
    }
    return *it;
}

qint64 Renderer::jmapSize(const MimePart &part)
{
    if (m_options.utf8TextSizes && part.isText())
        return textOf(part).text.toUtf8().size();
    return part.size();
}

Json Renderer::bodyPart(const MimePart &part, bool structure)
{
    const bool multipart = part.isMultipart();
    Json j = Json::object();
    if (wantsBodyProperty("partId"))
        j["partId"] = multipart ? Json(nullptr) : Json(str(part.partId()));
    if (m_options.inlineBlobs) {
        if (wantsBodyProperty("blob") || wantsBodyProperty("blobId")) {
            // A placeholder: the content goes in when the JSON is written out (see writeTo()).
            j["blob"]
                = multipart ? Json(nullptr) : Json(m_blobToken + std::to_string(blobIndex(part)));
        }
    } else if (wantsBodyProperty("blobId")) {
        j["blobId"] = multipart ? Json(nullptr) : Json("blob_" + std::to_string(blobIndex(part)));
    }
    if (wantsBodyProperty("size"))
        j["size"] = multipart ? part.size() : jmapSize(part);
    if (wantsBodyProperty("headers"))
        j["headers"] = headersJson(part.headers(), m_options.stalwartCompatible);
    for (const QString &property : m_options.bodyProperties) {
        if (property.startsWith(QLatin1String("header:"))) {
            if (std::optional<Json> v = headerProperty(part.headers(), property))
                j[str(property)] = *v;
        }
    }
    if (wantsBodyProperty("name"))
        j["name"] = stringOrNull(part.filename());
    if (wantsBodyProperty("type"))
        j["type"] = str(part.contentType());
    if (wantsBodyProperty("charset")) {
        // RFC 8621: null unless text/*, where an absent charset means us-ascii.
        if (!part.isText()) {
            const bool textFallback = m_options.stalwartCompatible
                && hasDefect(part, QLatin1String("WARN_INVALID_BASE64"));
            j["charset"] = textFallback ? Json("us-ascii") : Json(nullptr);
        } else
            j["charset"] = part.charset().isEmpty() ? std::string("us-ascii") : str(part.charset());
    }
    if (wantsBodyProperty("disposition"))
        j["disposition"] = stringOrNull(part.disposition());
    if (wantsBodyProperty("cid"))
        j["cid"] = stringOrNull(part.contentId());
    if (wantsBodyProperty("language")) {
        const QStringList languages = part.contentLanguage();
        if (languages.isEmpty()) {
            j["language"] = nullptr;
        } else {
            Json list = Json::array();
            for (const QString &tag : languages)
                list.push_back(str(tag));
            j["language"] = list;
        }
    }
    if (wantsBodyProperty("location"))
        j["location"] = stringOrNull(part.contentLocation());
    if (structure && multipart) {
        Json children = Json::array();
        const QList<MimePart> subParts = part.children();
        for (const MimePart &child : subParts)
            children.push_back(bodyPart(child, true));
        j["subParts"] = children;
    }
    return j;
}

Json Renderer::bodyList(bool (MimePart::*member)() const)
{
    Json list = Json::array();
    for (const MimePart &part : std::as_const(m_parts)) {
        if (!part.isMultipart() && (part.*member)())
            list.push_back(bodyPart(part, false));
    }
    return list;
}

Json Renderer::bodyValues()
{
    Json values = Json::object();
    for (const MimePart &part : std::as_const(m_parts)) {
        if (part.isMultipart() || !part.isText())
            continue;
        const bool all = m_options.fetchAllBodyValues
            && (!m_options.stalwartCompatible || part.isInTextBody() || part.isInHtmlBody());
        if (!all && !(m_options.fetchTextBodyValues && part.isInTextBody())
            && !(m_options.fetchHTMLBodyValues && part.isInHtmlBody()))
            continue;
        const PartText &text = textOf(part);
        QString value;
        const bool truncated = part.contentType() == QLatin1String("text/html")
            ? truncateHtml(text.text, m_options.maxBodyValueBytes, &value)
            : truncatePlain(text.text, m_options.maxBodyValueBytes, &value);
        Json entry = Json::object();
        entry["value"] = str(value);
        entry["isEncodingProblem"] = text.encodingProblem;
        entry["isTruncated"] = truncated;
        values[str(part.partId())] = entry;
    }
    return values;
}

QString Renderer::preview()
{
    const MimePart *first = nullptr;
    for (const MimePart &part : std::as_const(m_parts)) {
        if (!part.isMultipart() && part.isInTextBody()) {
            first = &part;
            break;
        }
    }
    if (!first) {
        for (const MimePart &part : std::as_const(m_parts)) {
            if (!part.isMultipart() && part.isInHtmlBody()) {
                first = &part;
                break;
            }
        }
    }
    if (!first || !first->isText())
        return {};
    QString text = textOf(*first).text;
    if (first->contentType() == QLatin1String("text/html"))
        text = htmlToText(text);
    text.remove(u'\r');
    return previewText(text, previewLength);
}

Json Renderer::lastHeaderIds(const char *name) const
{
    const QList<const Header *> found = headersNamed(m_message.root.headers(), QLatin1String(name));
    if (found.isEmpty())
        return nullptr;
    return headerFormValue(*found.last(), QStringLiteral("MessageIds"));
}

Json Renderer::lastHeaderAddresses(const char *name) const
{
    const QList<const Header *> found = headersNamed(m_message.root.headers(), QLatin1String(name));
    if (found.isEmpty())
        return nullptr;
    const QList<MailAddress> addresses = MimeDecoder::parseAddresses(found.last()->rawValue);
    if (addresses.isEmpty())
        return nullptr;
    return addressesJson(addresses);
}

Json Renderer::value(const QString &property)
{
    const QList<Header> headers = m_message.root.headers();
    if (property == QLatin1String("size"))
        return m_message.raw.size();
    if (property == QLatin1String("headers"))
        return headersJson(headers, m_options.stalwartCompatible);
    if (property == QLatin1String("messageId"))
        return lastHeaderIds("Message-ID");
    if (property == QLatin1String("inReplyTo"))
        return lastHeaderIds("In-Reply-To");
    if (property == QLatin1String("references"))
        return lastHeaderIds("References");
    if (property == QLatin1String("sender"))
        return lastHeaderAddresses("Sender");
    if (property == QLatin1String("from"))
        return lastHeaderAddresses("From");
    if (property == QLatin1String("to"))
        return lastHeaderAddresses("To");
    if (property == QLatin1String("cc"))
        return lastHeaderAddresses("Cc");
    if (property == QLatin1String("bcc"))
        return lastHeaderAddresses("Bcc");
    if (property == QLatin1String("replyTo"))
        return lastHeaderAddresses("Reply-To");
    if (property == QLatin1String("subject")) {
        const QList<const Header *> found = headersNamed(headers, QStringLiteral("Subject"));
        return found.isEmpty() ? Json(nullptr) : Json(str(found.last()->value));
    }
    if (property == QLatin1String("sentAt")) {
        const QList<const Header *> found = headersNamed(headers, QStringLiteral("Date"));
        return found.isEmpty() ? Json(nullptr)
                               : headerFormValue(*found.last(), QStringLiteral("Date"));
    }
    if (property == QLatin1String("bodyStructure"))
        return bodyPart(m_message.root, true);
    if (property == QLatin1String("bodyValues"))
        return bodyValues();
    if (property == QLatin1String("textBody"))
        return bodyList(&MimePart::isInTextBody);
    if (property == QLatin1String("htmlBody"))
        return bodyList(&MimePart::isInHtmlBody);
    if (property == QLatin1String("attachments"))
        return bodyList(&MimePart::isInAttachments);
    if (property == QLatin1String("hasAttachment"))
        return m_message.hasAttachments();
    if (property == QLatin1String("preview"))
        return str(preview());
    return nullptr;
}

std::string Renderer::render()
{
    // RFC 8621 §4.1 order; header:* properties go with the other header fields.
    static const QStringList ordered {QStringLiteral("size"), QStringLiteral("headers"),
        QStringLiteral("messageId"), QStringLiteral("inReplyTo"), QStringLiteral("references"),
        QStringLiteral("sender"), QStringLiteral("from"), QStringLiteral("to"),
        QStringLiteral("cc"), QStringLiteral("bcc"), QStringLiteral("replyTo"),
        QStringLiteral("subject"), QStringLiteral("sentAt"), QStringLiteral("bodyStructure"),
        QStringLiteral("bodyValues"), QStringLiteral("textBody"), QStringLiteral("htmlBody"),
        QStringLiteral("attachments"), QStringLiteral("hasAttachment"), QStringLiteral("preview")};
    static const QStringList defaults {QStringLiteral("size"), QStringLiteral("headers"),
        QStringLiteral("messageId"), QStringLiteral("from"), QStringLiteral("to"),
        QStringLiteral("subject"), QStringLiteral("sentAt"), QStringLiteral("bodyStructure"),
        QStringLiteral("bodyValues"), QStringLiteral("textBody"), QStringLiteral("htmlBody"),
        QStringLiteral("attachments")};
    const QStringList &wanted = m_options.properties.isEmpty() ? defaults : m_options.properties;

    Json email = Json::object();
    for (const QString &property : ordered) {
        if (property == QLatin1String("bodyStructure")) {
            const QList<Header> headers = m_message.root.headers();
            for (const QString &p : wanted) {
                if (std::optional<Json> v = headerProperty(headers, p))
                    email[str(p)] = *v;
            }
        }
        if (wanted.contains(property))
            email[str(property)] = value(property);
    }
    return email.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Base64 of one part's decoded body, made in pieces of whole 3-octet groups as the body is
// decoded.
bool Renderer::writeBlob(int index, const std::function<bool(QByteArrayView)> &sink)
{
    const MimePart *part = blobPart(index);
    if (!part)
        return true;
    bool ok = true;
    QByteArray pending;
    MimeDecoder::decodeBody(m_message, *part, [&ok, &pending, &sink](QByteArrayView bytes) {
        if (!ok)
            return;
        pending.append(bytes.data(), bytes.size());
        const qsizetype whole = pending.size() - pending.size() % 3;
        ok = sink(QByteArray::fromRawData(pending.constData(), whole).toBase64());
        pending.remove(0, whole);
    });
    if (ok && !pending.isEmpty())
        ok = sink(pending.toBase64());
    return ok;
}

int tokenIndex(const std::string &json, size_t begin, size_t end)
{
    int index = -1;
    std::from_chars(json.data() + begin, json.data() + end, index);
    return index;
}

const MimePart *Renderer::blobPart(int index) const
{
    for (const MimePart &part : std::as_const(m_parts)) {
        if (!part.isMultipart() && blobIndex(part) == index)
            return &part;
    }
    return nullptr;
}

bool Renderer::writeTo(
    const std::function<bool(QByteArrayView)> &sink, const std::function<void(qint64)> &reserve)
{
    const std::string json = render();
    const std::string marker = '"' + m_blobToken;
    if (reserve) {
        // The final size, so that a 25 MB message's JSON is not grown by doubling.
        qint64 size = qint64(json.size());
        for (size_t hit = json.find(marker); hit != std::string::npos;
             hit = json.find(marker, hit + 1)) {
            const size_t indexBegin = hit + marker.size();
            const size_t close = json.find('"', indexBegin);
            size -= qint64(close - hit - 1);
            if (const MimePart *part = blobPart(tokenIndex(json, indexBegin, close)))
                size += (part->size() + 2) / 3 * 4;
        }
        reserve(size);
    }
    size_t done = 0;
    for (size_t hit = json.find(marker); hit != std::string::npos; hit = json.find(marker, done)) {
        const size_t indexBegin = hit + marker.size();
        const size_t close = json.find('"', indexBegin);
        if (!sink(QByteArrayView(json.data() + done, qsizetype(hit + 1 - done))))
            return false;
        if (!writeBlob(tokenIndex(json, indexBegin, close), sink))
            return false;
        done = close; // the closing quote goes out with the next piece
    }
    return sink(QByteArrayView(json.data() + done, qsizetype(json.size() - done)));
}

} // namespace

QByteArray jmapEmailJson(const MimeMessage &message, const JmapOptions &options)
{
    Renderer renderer(message, options);
    QByteArray json;
    renderer.writeTo(
        [&json](QByteArrayView piece) {
            json.append(piece);
            return true;
        },
        [&json](qint64 size) { json.reserve(size); });
    return json;
}

bool writeJmapEmailJson(QIODevice *device, const MimeMessage &message, const JmapOptions &options)
{
    if (!device || !device->isWritable())
        return false;
    Renderer renderer(message, options);
    return renderer.writeTo([device](QByteArrayView piece) {
        return piece.isEmpty() || device->write(piece.data(), piece.size()) == piece.size();
    });
}

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/mimedecoder.h"

#include "mock/mime/charsets_p.h"
#include "mock/mime/defects_p.h"
#include "mock/mime/headerfields_p.h"
#include "mock/mime/logging.h"
#include "mock/mime/mimepart_p.h"
#include "mock/mime/mimetree_p.h"
#include "mock/mime/transferdecoding_p.h"
#include "mock/mime/treebuilder_p.h"

#include <QCryptographicHash>
#include <QFile>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

namespace MtaHooks::Mime {

namespace {

void fillEnvelope(MimeMessage &message)
{
    const QList<Header> headers = message.root.headers();
    if (const Header *h = lastHeader(headers, QLatin1String("Subject"))) {
        message.subject = h->value;
        message.hasSubject = true;
    }
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

} // namespace MtaHooks::Mime

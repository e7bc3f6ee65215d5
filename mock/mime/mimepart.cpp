// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/mimepart.h"

#include "mock/mime/mimepart_p.h"

namespace MtaHooks::Mime {

namespace {

const std::shared_ptr<const MimePart::Data> &emptyData()
{
    static const auto empty = std::make_shared<const MimePart::Data>();
    return empty;
}

void collectDepthFirst(const MimePart &part, QList<MimePart> &out)
{
    out.append(part);
    const QList<MimePart> children = part.children();
    for (const MimePart &child : children)
        collectDepthFirst(child, out);
}

} // namespace

MimePart::MimePart()
    : d(emptyData())
{ }

MimePart::MimePart(std::shared_ptr<const Data> data)
    : d(std::move(data))
{
    if (!d)
        d = emptyData();
}

QString MimePart::partId() const
{
    return d->partId;
}

QString MimePart::contentType() const
{
    return d->contentType;
}

QString MimePart::charset() const
{
    return d->charset;
}

QString MimePart::filename() const
{
    return d->filename;
}

QString MimePart::disposition() const
{
    return d->disposition;
}

QString MimePart::contentId() const
{
    return d->contentId;
}

QString MimePart::transferEncoding() const
{
    return d->transferEncoding;
}

QList<Header> MimePart::headers() const
{
    return d->headers;
}

QList<Defect> MimePart::defects() const
{
    return d->defects;
}

QList<MimePart> MimePart::children() const
{
    return d->children;
}

QStringList MimePart::contentLanguage() const
{
    return d->contentLanguage;
}

QString MimePart::contentLocation() const
{
    return d->contentLocation;
}

QList<QList<Header>> MimePart::fieldBlocks() const
{
    return d->fieldBlocks;
}

bool MimePart::isMultipart() const
{
    return d->isMultipart;
}

bool MimePart::isMessage() const
{
    return d->isMessage;
}

bool MimePart::isText() const
{
    return d->contentType.startsWith(QLatin1String("text/"));
}

bool MimePart::isAttachment() const
{
    return d->inAttachments && !d->inTextBody && !d->inHtmlBody;
}

bool MimePart::isInTextBody() const
{
    return d->inTextBody;
}

bool MimePart::isInHtmlBody() const
{
    return d->inHtmlBody;
}

bool MimePart::isInAttachments() const
{
    return d->inAttachments;
}

bool MimePart::hasEncodingProblem() const
{
    return d->encodingProblem;
}

qint64 MimePart::size() const
{
    return d->size;
}

QByteArray MimePart::sha256() const
{
    return d->sha256;
}

qint64 MimePart::rawOffset() const
{
    return d->rawOffset;
}

qint64 MimePart::rawLength() const
{
    return d->rawLength;
}

qint64 MimePart::bodyOffset() const
{
    return d->bodyOffset;
}

qint64 MimePart::bodyLength() const
{
    return d->bodyLength;
}

QByteArray MimePart::containerBytes() const
{
    return d->source;
}

bool MimeMessage::hasAttachments() const
{
    // Only the message's own parts count: what an attached message carries is inside that one
    // attachment.
    QList<MimePart> pending {root};
    while (!pending.isEmpty()) {
        const MimePart part = pending.takeLast();
        if (part.isAttachment())
            return true;
        if (part.isMultipart())
            pending.append(part.children());
    }
    return false;
}

QList<MimePart> MimeMessage::allParts() const
{
    QList<MimePart> parts;
    collectDepthFirst(root, parts);
    return parts;
}

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/mimepartcontent.h"

#include "mock/mime/mimedecoder.h"
#include "ui/widgets/hexdump.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::Defect;
using MtaHooks::Mime::MimeDecoder;
using MtaHooks::Mime::MimeMessage;
using MtaHooks::Mime::MimePart;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("MimeView", text);
}

// Text views slow down badly on tens of megabytes; a debugger needs the beginning.
constexpr qsizetype TextLimit = 4 * 1024 * 1024;
constexpr qsizetype HexLimit = 256 * 1024;
constexpr int BannerDefects = 6; // defects listed in a banner before "and N more"

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes);
}

// The part a mail client would show for the selected node: the node itself when it is a leaf of
// that type, otherwise the first such leaf below it that is not an attachment. An attached message
// is entered only when it is the node selected.
std::optional<MimePart> bodyPart(const MimePart &node, const QString &type, bool top = true)
{
    if (!node.isMultipart() && !node.isMessage()) {
        if (node.contentType() != type || (!top && node.disposition() == u"attachment"_s))
            return std::nullopt;
        return node;
    }
    if (node.isMessage() && !top)
        return std::nullopt;
    const QList<MimePart> children = node.children();
    for (const MimePart &child : children) {
        if (auto found = bodyPart(child, type, false))
            return found;
    }
    return std::nullopt;
}

QByteArray partBytes(const MimeMessage &message, const MimePart &part)
{
    const QByteArray container = part.containerBytes();
    const QByteArray &bytes = container.isNull() ? message.raw : container;
    return bytes.mid(part.rawOffset(), part.rawLength());
}

QString defectLines(const QList<Defect> &defects)
{
    QStringList lines;
    for (qsizetype i = 0; i < defects.size() && i < BannerDefects; ++i) {
        const Defect &defect = defects.at(i);
        QString line = u"• "_s + defect.code;
        if (defect.offset >= 0)
            line += tr(" at byte %1").arg(defect.offset);
        lines.append(line + u": "_s + defect.message);
    }
    if (defects.size() > BannerDefects)
        lines.append(tr("… and %1 more").arg(defects.size() - BannerDefects));
    return lines.join(u'\n');
}

} // namespace

QString mimeDefectLines(const QList<Defect> &defects)
{
    return defectLines(defects);
}

MimePartContent mimePartContent(const MimeMessage &message, const MimePart &part)
{
    MimePartContent content;
    QStringList title;
    const bool isRoot = part.containerBytes().isNull()
        && part.rawOffset() == message.root.rawOffset()
        && part.rawLength() == message.root.rawLength();
    if (isRoot)
        title.append(tr("The message"));
    else if (part.partId().isEmpty())
        title.append(tr("Container"));
    else
        title.append(tr("Part %1").arg(part.partId()));
    title.append(part.contentType());
    if (!part.charset().isEmpty())
        title.append(part.charset());
    title.append(sizeText(part.size()));
    if (!part.transferEncoding().isEmpty())
        title.append(part.transferEncoding());
    if (!part.filename().isEmpty())
        title.append(u"“%1”"_s.arg(part.filename()));
    content.title = title.join(u"  ·  "_s);

    const QList<Defect> defects = part.defects();
    if (!defects.isEmpty())
        content.defects = tr("Defects in this part:") + u'\n' + defectLines(defects);
    if (part.hasEncodingProblem())
        content.defects += (content.defects.isEmpty() ? QString() : u"\n"_s)
            + tr("The body could not be decoded cleanly (bad transfer encoding or unknown "
                 "charset); what is shown is a best effort.");

    const QList<MtaHooks::Mime::Header> headers = part.headers();
    for (const MtaHooks::Mime::Header &header : headers)
        content.headers.append(
            {QString::fromUtf8(header.name), header.value, header.rawValue, false, {}});

    const bool leaf = !part.isMultipart();
    content.canSave = leaf;
    content.canOpen = leaf && !part.isMessage();

    std::optional<MimePart> shownText = bodyPart(part, u"text/plain"_s);
    if (!shownText && leaf && part.isText())
        shownText = part; // text/calendar, text/csv … and the source of a text/html leaf
    if (shownText) {
        bool encodingProblem = false;
        content.hasText = true;
        content.text = MimeDecoder::text(message, *shownText, &encodingProblem);
        QString note;
        if (shownText->partId() != part.partId())
            note = tr("The text body of this message is part %1.").arg(shownText->partId());
        if (content.text.size() > TextLimit) {
            content.text.truncate(TextLimit);
            note += u' ' + tr("Only the first %1 characters are shown.").arg(TextLimit);
        }
        if (encodingProblem)
            note += u' '
                + tr("Some bytes could not be converted from %1 and show as \uFFFD.")
                      .arg(shownText->charset().isEmpty() ? tr("the charset")
                                                          : shownText->charset());
        content.textNote = note.trimmed();
    }
    if (const std::optional<MimePart> htmlPart = bodyPart(part, u"text/html"_s)) {
        content.hasHtml = true;
        content.html = MimeDecoder::text(message, *htmlPart);
    }

    QByteArray raw = partBytes(message, part);
    const qsizetype rawSize = raw.size();
    if (raw.size() > TextLimit) {
        content.rawNote = tr("Only the first %1 of %2 are shown.")
                              .arg(sizeText(TextLimit), sizeText(raw.size()));
        raw.truncate(TextLimit);
    }
    content.raw = QString::fromUtf8(raw);

    // Hex: the decoded body of a leaf (what an attachment really contains), the raw bytes of a
    // container. Decoding streams, so a 50 MB attachment is not held decoded for 256 KiB shown.
    QByteArray bytes;
    qint64 total = 0;
    if (content.canOpen) {
        MimeDecoder::decodeBody(message, part, [&bytes, &total](QByteArrayView chunk) {
            total += chunk.size();
            if (bytes.size() < HexLimit)
                bytes.append(
                    chunk.first(std::min<qsizetype>(chunk.size(), HexLimit - bytes.size())));
        });
        content.hexNote = tr("The decoded body (%1).").arg(sizeText(total));
    } else {
        bytes = raw.left(HexLimit);
        total = rawSize;
        content.hexNote = tr("The raw bytes of this part (%1).").arg(sizeText(total));
    }
    content.hex = hexDump(bytes, HexLimit);
    if (total > bytes.size())
        content.hexNote += u' ' + tr("Only the first %1 are shown.").arg(sizeText(bytes.size()));
    return content;
}

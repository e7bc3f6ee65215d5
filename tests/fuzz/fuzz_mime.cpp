// SPDX-License-Identifier: GPL-3.0-or-later
// The MIME decoder, body decoding, header value parsers and the JMAP Email view.
//
// Input: one byte of JMAP options, then the message.
#include "tests/fuzz/fuzzsupport.h"

#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"

#include <QJsonDocument>

using namespace MtaHooks::Mime;

namespace {

void checkRange(qint64 offset, qint64 length, qint64 available)
{
    FUZZ_CHECK(offset >= 0 && length >= 0);
    FUZZ_CHECK(offset + length <= available);
}

void checkPart(const MimeMessage &message, const MimePart &part)
{
    const QByteArray container = part.containerBytes();
    const qint64 available = container.isNull() ? message.raw.size() : container.size();
    checkRange(part.rawOffset(), part.rawLength(), available);
    checkRange(part.bodyOffset(), part.bodyLength(), available);
    (void)part.partId();
    (void)part.filename();
    (void)part.contentLanguage();
    (void)part.isAttachment();
    for (const Header &header : part.headers()) {
        (void)MimeDecoder::parseAddressGroups(header.rawValue);
        (void)MimeDecoder::parseMessageIds(header.rawValue);
        (void)MimeDecoder::parseDate(header.rawValue);
        (void)MimeDecoder::decodeText(header.rawValue);
    }
    if (part.isMultipart())
        return;
    // decodedBody and decodeBody are documented to give the same bytes.
    const QByteArray decoded = MimeDecoder::decodedBody(message, part);
    QByteArray pieces;
    MimeDecoder::decodeBody(message, part, [&pieces](QByteArrayView piece) { pieces += piece; });
    FUZZ_CHECK(pieces == decoded);
    if (!part.isMessage())
        FUZZ_CHECK(decoded.size() == part.size());
    if (part.isText()) {
        bool problem = false;
        (void)MimeDecoder::text(message, part, &problem);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    Fuzz::Input input(data, size);
    const quint8 choice = input.byte();
    const MimeMessage message = MimeDecoder::decode(input.restCopy());
    for (const MimePart &part : message.allParts())
        checkPart(message, part);
    (void)message.hasAttachments();

    JmapOptions options;
    options.stalwartCompatible = choice & 1;
    options.fetchAllBodyValues = choice & 2;
    options.inlineBlobs = choice & 4;
    options.utf8TextSizes = choice & 8;
    options.maxBodyValueBytes = (choice >> 4) * 7; // 0 (no limit) or small, to cut mid-character
    if (choice & 0x80) {
        options.properties = {QStringLiteral("bodyStructure"), QStringLiteral("preview"),
            QStringLiteral("header:Subject:asText"), QStringLiteral("header:From:asAddresses:all"),
            QStringLiteral("header:To:asGroupedAddresses"), QStringLiteral("header:Date:asDate"),
            QStringLiteral("header:List-Post:asURLs"),
            QStringLiteral("header:Message-ID:asMessageIds")};
    }
    const QByteArray json = jmapEmailJson(message, options);
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(json, &error);
    FUZZ_CHECK(parsed.isObject());
    return 0;
}

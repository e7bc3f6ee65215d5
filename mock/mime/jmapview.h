// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QByteArray>
#include <QStringList>

class QIODevice;

namespace MtaHooks::Mime {

struct JmapOptions
{
    // Which Email properties to render (RFC 8621 §4.1); empty = the set the drafts' examples use
    // plus textBody/htmlBody/attachments. Known: size, headers, messageId, inReplyTo, references,
    // sender, from, to, cc, bcc, replyTo, subject, sentAt, bodyStructure, bodyValues, textBody,
    // htmlBody, attachments, hasAttachment, preview and "header:{name}[:as{Form}][:all]" (forms
    // Raw, Text, Addresses, GroupedAddresses, MessageIds, Date, URLs). Others (id, blobId,
    // threadId, mailboxIds, keywords, receivedAt) have no value here and are left out.
    QStringList properties;
    // Which EmailBodyPart properties to render; empty = partId, blobId (or blob), size, headers,
    // name, type, charset, disposition, cid, language, location. subParts is always rendered on
    // multiparts in bodyStructure.
    QStringList bodyProperties;
    bool fetchTextBodyValues = true;
    bool fetchHTMLBodyValues = true;
    bool fetchAllBodyValues = false;
    qint64 maxBodyValueBytes = 0; // 0 = no limit
    // The drafts replace blobId with "blob" carrying the content (base64 in JSON); Stalwart's JMAP
    // renders "blobId". When false, parts carry "blobId": "blob_<n>" as Stalwart's test data does.
    bool inlineBlobs = true;
    // Stalwart reports the size of a text/* part as the octets of its text after conversion to
    // UTF-8 (754 for a 738-octet ISO-8859-1 body); false reports the transfer-decoded octets, i.e.
    // the length of the part's blob.
    bool utf8TextSizes = true;
    // Reproduce what Stalwart renders where it departs from RFC 8621: known header names in
    // their canonical spelling ("Content-type" becomes "Content-Type"; the RFC keeps the
    // message's), trailing white space cut from raw header values, fetchAllBodyValues limited to
    // textBody/htmlBody parts, and charset "us-ascii" on non-text parts whose base64 could not be
    // decoded (Stalwart then treats them as text).
    bool stalwartCompatible = false;
};

// The JMAP Email object (RFC 8621 §4) of a message as compact JSON text, member order as in
// RFC 8621. "headers" values are raw (leading space kept, no trailing CRLF).
//
// Where RFC 8621 leaves room, Stalwart's choices are followed: part ids number every part depth
// first (see MimePart::partId), blobIds are "blob_<n>" for the n-th leaf of bodyStructure,
// bodyValues drop CRs and are cut as Stalwart cuts them ("..." within maxBodyValueBytes, HTML
// not cut inside a tag), preview is at most 256 octets of the first textBody (else htmlBody)
// part, HTML turned into text first. Values RFC 8621 makes nullable are rendered as null (Stalwart
// leaves them out), and fetchAllBodyValues covers every text/* part as RFC 8621 says (Stalwart
// only covers textBody/htmlBody parts).
QByteArray jmapEmailJson(const MimeMessage &message, const JmapOptions &options = {});
// The same JSON written to device. With inline blobs, each blob is decoded and base64-encoded
// straight into the device piece by piece, so a large message's attachments are never held
// decoded or encoded in memory. Returns false when the device refuses a write.
bool writeJmapEmailJson(
    QIODevice *device, const MimeMessage &message, const JmapOptions &options = {});

} // namespace MtaHooks::Mime

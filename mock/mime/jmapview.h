// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QByteArray>
#include <QStringList>

namespace MtaHooks::Mime {

struct JmapOptions
{
    // Which Email properties to render (RFC 8621 §4.1); empty = the set the drafts' examples use
    // plus textBody/htmlBody/attachments.
    QStringList properties;
    bool fetchTextBodyValues = true;
    bool fetchHTMLBodyValues = true;
    bool fetchAllBodyValues = false;
    qint64 maxBodyValueBytes = 0; // 0 = no limit
    // The drafts replace blobId with "blob" carrying the content (base64 in JSON); Stalwart's JMAP
    // renders "blobId". When false, parts carry "blobId": "blob_<n>" as Stalwart's test data does.
    bool inlineBlobs = true;
};

// The JMAP Email object (RFC 8621 §4) of a message as compact JSON text, member order as in
// RFC 8621. "headers" values are raw (leading space kept, no trailing CRLF).
QByteArray jmapEmailJson(const MimeMessage &message, const JmapOptions &options = {});

} // namespace MtaHooks::Mime

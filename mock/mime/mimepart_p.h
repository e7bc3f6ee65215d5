// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QStringList>

#include <memory>

namespace MtaHooks::Mime {

// How the body bytes are turned into decoded bytes. Differs from the declared
// Content-Transfer-Encoding when that is broken or unknown (the body is then taken as it is).
enum class TransferDecoding : quint8 { Identity, Base64, QuotedPrintable, UUEncode };

struct MimePart::Data
{
    QString partId;
    QString contentType;
    QString charset;
    QString filename;
    QString disposition;
    QString contentId;
    QString transferEncoding;
    QStringList contentLanguage;
    QString contentLocation;
    QList<Header> headers;
    QList<Defect> defects;
    QList<MimePart> children;
    QList<QList<Header>> fieldBlocks;

    qint64 size = 0;
    QByteArray sha256;
    qint64 rawOffset = 0;
    qint64 rawLength = 0;
    qint64 bodyOffset = 0;
    qint64 bodyLength = 0;

    TransferDecoding decoding = TransferDecoding::Identity;
    bool isMultipart = false;
    bool isMessage = false;
    bool inTextBody = false;
    bool inHtmlBody = false;
    bool inAttachments = false;
    bool encodingProblem = false;

    // Null for parts of the message itself; for parts inside an encoded attached message, the
    // decoded attachment their offsets index.
    QByteArray source;

    // Keeps a file mapping alive for as long as any part of its tree is (MimeMessage::raw may be
    // a view on it).
    std::shared_ptr<const void> storage;
};

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

#include <memory>

namespace MtaHooks::Mime {

// A problem the parser found, with the byte offset into the raw message where GMime saw it
// (-1 when unknown).
struct Defect
{
    qint64 offset = -1;
    QString code;    // e.g. "CRIT_MULTIPART_WITHOUT_BOUNDARY"
    QString message; // readable text

    friend bool operator==(const Defect &, const Defect &) = default;
};

struct Header
{
    QByteArray name;
    QByteArray rawValue; // bytes after the colon, unfolded CRLFs kept, leading space kept
    QString value;       // RFC 2047 decoded, unfolded, trimmed
    qint64 offset = -1;
};

// One node of an immutable MIME tree. Bodies are not held decoded: body ranges point into the raw
// message the tree was decoded from, so a 50 MB message is not copied per part.
class MimePart
{
public:
    MimePart();

    QString partId() const;      // "1", "2", … in JMAP's depth-first numbering ("" for multiparts)
    QString contentType() const; // lower-case "type/subtype"
    QString charset() const;     // as declared ("" when absent)
    QString filename() const;    // RFC 2231/2047 decoded ("" when absent)
    QString disposition() const; // lower-case "attachment"/"inline" ("" when absent)
    QString contentId() const;   // without angle brackets ("" when absent)
    QString transferEncoding() const; // lower-case ("" when absent)
    QList<Header> headers() const;
    QList<Defect> defects() const;
    QList<MimePart> children() const; // subparts of a multipart; the message of message/rfc822

    bool isMultipart() const;
    bool isMessage() const; // message/rfc822 (and message/global)
    bool isText() const;    // text/*
    bool isAttachment() const; // what a mail client would list as an attachment

    qint64 size() const;     // body bytes after transfer decoding, before charset conversion
    QByteArray sha256() const; // lower-case hex of the same bytes
    qint64 rawOffset() const;  // byte range of the whole part (headers + body) in the raw message
    qint64 rawLength() const;
    qint64 bodyOffset() const; // byte range of the encoded body in the raw message
    qint64 bodyLength() const;

    // Internal representation, shared by copies.
    struct Data;
    explicit MimePart(std::shared_ptr<const Data> data);

private:
    std::shared_ptr<const Data> d;
};

// A decoded message: the tree plus the envelope-ish header facts a list view needs.
struct MimeMessage
{
    MimePart root;
    QByteArray raw;                 // the bytes it was decoded from (shared, not copied)
    QString subject;                // decoded
    QStringList from;               // "a@b" addresses
    QStringList to;
    QStringList cc;
    QString messageId;
    QString date;                   // as written
    QList<Defect> defects;          // whole-message defects (also attached to parts where known)
    bool isValid = false;

    bool hasAttachments() const;
    QList<MimePart> allParts() const; // depth-first
};

} // namespace MtaHooks::Mime

Q_DECLARE_METATYPE(MtaHooks::Mime::MimeMessage)

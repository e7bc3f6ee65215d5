// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace MtaHooks::Mime {

// One mailbox of an address header; name is "" when the header gives none.
struct MailAddress
{
    QString name;
    QString email;

    friend bool operator==(const MailAddress &, const MailAddress &) = default;
};

// An address-list entry as written: a group ("Friends: a@b, c@d;") or a bare mailbox
// (isGroup false, one address).
struct AddressGroup
{
    bool isGroup = false;
    QString name; // the group's display name
    QList<MailAddress> addresses;
};

// Decodes RFC 5322 messages with GMime 3 (which only mock/mime's .cpp and _p.h files include).
// Malformed input never fails: GMime's parser warnings become defects.
class MimeDecoder
{
public:
    static MimeMessage decode(const QByteArray &raw);
    // Maps the file instead of reading it into memory (large messages). See MimeMessage for how
    // long the mapping lives. On an unreadable file: isValid false, *error set.
    static MimeMessage decodeFile(const QString &path, QString *error = nullptr);

    // The body of one part after transfer decoding (base64, quoted-printable, uuencode).
    static QByteArray decodedBody(const MimeMessage &message, const MimePart &part);
    // The same bytes handed to sink in pieces (at most 64 KiB of input each), for bodies too big
    // to hold decoded.
    static void decodeBody(const MimeMessage &message, const MimePart &part,
        const std::function<void(QByteArrayView)> &sink);
    // The text of a text/* part converted to UTF-8 from its charset (best effort).
    static QString text(const MimeMessage &message, const MimePart &part);
    // As text(); *encodingProblem is set when bytes could not be converted (they become U+FFFD),
    // the charset is unknown, or the transfer encoding was broken.
    static QString text(const MimeMessage &message, const MimePart &part, bool *encodingProblem);

    // Header value parsers (GMime's), for callers that must not see GMime. They take the raw
    // value as stored in Header::rawValue.
    static QList<MailAddress> parseAddresses(const QByteArray &rawValue); // groups flattened
    static QList<AddressGroup> parseAddressGroups(const QByteArray &rawValue);
    static QStringList parseMessageIds(const QByteArray &rawValue); // without <>
    static QDateTime parseDate(const QByteArray &rawValue); // invalid when unparsable
    static QString decodeText(const QByteArray &rawValue); // RFC 2047, unfolded, trimmed
};

} // namespace MtaHooks::Mime

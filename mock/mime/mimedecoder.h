// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QByteArray>
#include <QString>

namespace MtaHooks::Mime {

// Decodes RFC 5322 messages with GMime 3 (the only file that includes GMime is mimedecoder.cpp).
// Malformed input never fails: GMime's parser warnings become defects.
class MimeDecoder
{
public:
    static MimeMessage decode(const QByteArray &raw);
    // Maps the file instead of reading it into memory (large messages).
    static MimeMessage decodeFile(const QString &path, QString *error = nullptr);

    // The body of one part after transfer decoding (base64, quoted-printable, uuencode).
    static QByteArray decodedBody(const MimeMessage &message, const MimePart &part);
    // The text of a text/* part converted to UTF-8 from its charset (best effort).
    static QString text(const MimeMessage &message, const MimePart &part);
};

} // namespace MtaHooks::Mime

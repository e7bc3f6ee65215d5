// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace MtaHooks::Mime {

// Plain text of an HTML body for JMAP previews, the way Stalwart's mail-parser makes it: tags
// and <head> dropped, runs of white space collapsed to one space, a line break for <br> and
// </p>, character references decoded (numeric ones and the common named ones).
QString htmlToText(const QString &html);

// Stalwart's text truncations, measured in UTF-8 octets: at most maxBytes octets, the last three
// being "..." when something was cut (and maxBytes > 6). CRs are dropped from the result.
// truncateHtml() does not cut inside a tag. Both return whether anything was cut.
bool truncatePlain(const QString &text, qint64 maxBytes, QString *out);
bool truncateHtml(const QString &html, qint64 maxBytes, QString *out);
// The preview form: like truncatePlain() with room for "..." always kept, CRs kept.
QString previewText(const QString &text, qint64 maxBytes);

} // namespace MtaHooks::Mime

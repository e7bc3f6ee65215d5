// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace MtaHooks::Mime {

// Charset names as iconv (through GMime) knows them; the answers are cached.
bool isKnownCharset(const QByteArray &charset);
// bytes converted from charset, best effort: *problem is set when bytes could not be converted
// (they become U+FFFD) or the charset is unknown (then UTF-8 or windows-1252 is guessed).
QString toUnicode(const QByteArray &bytes, const QByteArray &charset, bool *problem);

} // namespace MtaHooks::Mime

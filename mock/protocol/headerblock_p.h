// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Byte-exact split of a message into its header fields and body. GMime is deliberately not used
// here: the protocol library stands alone (it may not depend on mock/mime), and Stalwart's edits
// must reproduce the original bytes of every untouched header, folding and line ends included,
// which a parse-and-serialise round trip through a MIME library does not promise.

#include <QByteArray>
#include <QList>

namespace MtaHooks {

struct RawHeader
{
    QByteArray name; // bytes before the colon
    QByteArray value; // bytes after the colon up to and including the line end (folding kept)
};

struct MessageParts
{
    QList<RawHeader> headers;
    QByteArray headerBlock; // everything before the body, blank line included
    QByteArray body; // everything after the blank line
    QByteArray lineEnding; // "\r\n" or "\n", as the header block uses
};

MessageParts splitMessage(const QByteArray &raw);
// splitMessage(raw).headers without copying the body: what an answer needs of a large message.
QList<RawHeader> headerFields(const QByteArray &raw);

} // namespace MtaHooks

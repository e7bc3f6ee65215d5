// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>

// "00000010  48 65 6c 6c 6f 0d 0a 00  ff fe 41 42 43 44 45 46  |Hello.....ABCDEF|" lines, as
// hexdump -C prints them. At most maxBytes are dumped; *truncated says whether bytes were left out.
QString hexDump(QByteArrayView bytes, qsizetype maxBytes, bool *truncated = nullptr);

// True when the bytes are unlikely to read as text: a NUL, or many control bytes in the first
// kilobytes.
bool looksBinary(QByteArrayView bytes);

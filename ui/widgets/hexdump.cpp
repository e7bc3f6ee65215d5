// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/hexdump.h"

#include <algorithm>
#include <cstdio>

QString hexDump(QByteArrayView bytes, qsizetype maxBytes, bool *truncated)
{
    const qsizetype size = std::min(bytes.size(), maxBytes);
    if (truncated)
        *truncated = size < bytes.size();
    static constexpr char digits[] = "0123456789abcdef";
    QByteArray out;
    out.reserve((size / 16 + 1) * 79);
    for (qsizetype row = 0; row < size; row += 16) {
        char offset[16];
        const int length = std::snprintf(
            offset, sizeof offset, "%08llx  ", static_cast<unsigned long long>(row));
        out.append(offset, length);
        for (qsizetype i = 0; i < 16; ++i) {
            if (row + i < size) {
                const auto byte = static_cast<unsigned char>(bytes[row + i]);
                out.append(digits[byte >> 4]).append(digits[byte & 0xf]).append(' ');
            } else {
                out.append("   ");
            }
            if (i == 7)
                out.append(' ');
        }
        out.append(" |");
        for (qsizetype i = row; i < std::min(row + 16, size); ++i) {
            const auto byte = static_cast<unsigned char>(bytes[i]);
            out.append(byte >= 0x20 && byte < 0x7f ? char(byte) : '.');
        }
        out.append("|\n");
    }
    return QString::fromLatin1(out);
}

bool looksBinary(QByteArrayView bytes)
{
    const QByteArrayView head = bytes.first(std::min<qsizetype>(bytes.size(), 8192));
    qsizetype controls = 0;
    for (const char c : head) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0)
            return true;
        if (byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t' && byte != '\f')
            ++controls;
    }
    return controls * 20 > head.size(); // more than 5 % control bytes
}

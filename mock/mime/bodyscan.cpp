// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/bodyscan_p.h"

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

namespace MtaHooks::Mime {

namespace {

bool isLwsp(char c)
{
    return c == ' ' || c == '\t';
}

constexpr std::array<bool, 256> base64Table()
{
    std::array<bool, 256> table {};
    for (int c = 'A'; c <= 'Z'; ++c)
        table[size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        table[size_t(c)] = true;
    for (int c = '0'; c <= '9'; ++c)
        table[size_t(c)] = true;
    for (char c : {'+', '/', '=', ' ', '\t', '\r', '\n', '\f', '\v'})
        table[size_t(static_cast<unsigned char>(c))] = true;
    return table;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// Which bytes may occur in base64 text, as a nibble table for pshufb: bit h of entry l is set
// when the byte 0xhl may occur (base64 letters and digits, "+/=", white space).
constexpr std::array<char, 16> base64LowNibbles()
{
    constexpr std::array<bool, 256> valid = base64Table();
    std::array<char, 16> table {};
    for (int low = 0; low < 16; ++low) {
        for (int high = 0; high < 8; ++high) {
            if (valid[size_t(high) * 16 + size_t(low)])
                table[size_t(low)] = char(table[size_t(low)] | (1 << high));
        }
    }
    return table;
}

// Sixteen bytes at a time, as this check runs over every base64 attachment. Returns the offset
// of the first invalid byte, or where the scalar tail has to take over (as -2 - offset).
__attribute__((target("ssse3"))) qint64 base64ScanSsse3(const char *data, qint64 i, qint64 end)
{
    static constexpr std::array<char, 16> lowTable = base64LowNibbles();
    static constexpr std::array<char, 16> highTable {1, 2, 4, 8, 16, 32, 64, char(128)};
    const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i *>(lowTable.data()));
    const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i *>(highTable.data()));
    const __m128i nibble = _mm_set1_epi8(0x0f);
    for (; i + 16 <= end; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(data + i));
        const __m128i rows = _mm_shuffle_epi8(low, _mm_and_si128(v, nibble));
        const __m128i row = _mm_shuffle_epi8(high, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
        const int bad
            = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(rows, row), _mm_setzero_si128()));
        if (bad)
            return i + __builtin_ctz(unsigned(bad));
    }
    return -2 - i;
}
#endif

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

} // namespace

qint64 lineEnd(const char *data, qint64 pos, qint64 limit)
{
    if (pos >= limit)
        return limit;
    const void *lf = std::memchr(data + pos, '\n', size_t(limit - pos));
    return lf ? static_cast<const char *>(lf) - data + 1 : limit;
}

qint64 blankLineLength(const char *data, qint64 pos, qint64 limit)
{
    if (pos < limit && data[pos] == '\n')
        return 1;
    if (pos + 1 < limit && data[pos] == '\r' && data[pos + 1] == '\n')
        return 2;
    return 0;
}

qint64 headerBlockEnd(const char *data, qint64 lastFieldOffset, qint64 limit)
{
    qint64 pos = lineEnd(data, lastFieldOffset, limit);
    while (pos < limit && isLwsp(data[pos]))
        pos = lineEnd(data, pos, limit);
    return pos + blankLineLength(data, pos, limit);
}

qint64 partEndBeforeDelimiter(
    const char *data, qint64 from, qint64 limit, const QByteArray &delimiter)
{
    const qint64 n = delimiter.size();
    qint64 pos = std::max<qint64>(from, 0);
    while (pos + n <= limit) {
        const void *hit = memmem(data + pos, size_t(limit - pos), delimiter.constData(), size_t(n));
        if (!hit)
            return -1;
        const qint64 at = static_cast<const char *>(hit) - data;
        pos = at + 1;
        if (at > 0 && data[at - 1] != '\n')
            continue;
        qint64 q = at + n;
        if (q + 1 < limit && data[q] == '-' && data[q + 1] == '-')
            q += 2;
        while (q < limit && isLwsp(data[q]))
            ++q;
        if (q < limit && data[q] != '\n'
            && !(data[q] == '\r' && (q + 1 == limit || data[q + 1] == '\n')))
            continue;
        qint64 end = at;
        if (end > 0 && data[end - 1] == '\n')
            --end;
        if (end > 0 && data[end - 1] == '\r')
            --end;
        return std::max(end, from);
    }
    return -1;
}

qint64 firstInvalidBase64(const char *data, qint64 begin, qint64 end)
{
    static constexpr std::array<bool, 256> valid = base64Table();
    qint64 i = begin;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool ssse3 = __builtin_cpu_supports("ssse3");
    if (ssse3) {
        const qint64 scanned = base64ScanSsse3(data, i, end);
        if (scanned >= 0)
            return scanned;
        i = -2 - scanned;
    }
#endif
    for (; i < end; ++i) {
        if (!valid[static_cast<unsigned char>(data[i])])
            return i;
    }
    return -1;
}

qint64 firstInvalidQuotedPrintable(const char *data, qint64 begin, qint64 end)
{
    qint64 pos = begin;
    while (pos < end) {
        const void *hit = std::memchr(data + pos, '=', size_t(end - pos));
        if (!hit)
            return -1;
        const qint64 at = static_cast<const char *>(hit) - data;
        if (at + 2 < end && isHex(data[at + 1]) && isHex(data[at + 2])) {
            pos = at + 3;
            continue;
        }
        qint64 q = at + 1;
        while (q < end && isLwsp(data[q]))
            ++q;
        if (q == end || data[q] == '\n'
            || (data[q] == '\r' && q + 1 < end && data[q + 1] == '\n')) {
            pos = q;
            continue;
        }
        return at;
    }
    return -1;
}

qint64 uuencodedDataStart(const char *data, qint64 begin, qint64 end)
{
    static constexpr char marker[] = "begin ";
    constexpr qint64 markerLength = sizeof(marker) - 1;
    for (qint64 pos = begin; pos < end; pos = lineEnd(data, pos, end)) {
        if (end - pos >= markerLength && std::memcmp(data + pos, marker, markerLength) == 0)
            return lineEnd(data, pos, end);
    }
    return -1;
}

} // namespace MtaHooks::Mime

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/sha256_p.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HOOKSCOPE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace MtaHooks::Mime {

namespace {

constexpr std::array<std::uint32_t, 8> initialState {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#ifdef HOOKSCOPE_SHA_NI

alignas(16) constexpr std::uint32_t roundConstants[64] = {0x428a2f98, 0x71374491, 0xb5c0fbcf,
    0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6,
    0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70,
    0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c,
    0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814,
    0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

bool cpuHasShaExtensions()
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    const bool ssse3 = c & (1u << 9);
    const bool sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    const bool sha = b & (1u << 29);
    return ssse3 && sse41 && sha;
}

// The SHA-256 compression function on the SHA-NI instructions. The state lives in two registers
// as ABEF and CDGH, the layout sha256rnds2 works on; each 64-byte block is sixteen groups of four
// rounds, and the message schedule for later groups is built with sha256msg1/msg2 as it goes.
__attribute__((target("sha,sse4.1,ssse3"))) void compressBlocks(
    std::uint32_t *state, const unsigned char *data, qint64 blocks)
{
    const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state));
    __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state + 4));
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    const auto *k = reinterpret_cast<const __m128i *>(roundConstants);
    for (; blocks > 0; --blocks, data += 64) {
        const __m128i abefSaved = abef;
        const __m128i cdghSaved = cdgh;
        __m128i w[4];
        // Unrolled, the schedule words stay in registers (the indices become constants).
#pragma GCC unroll 16
        for (int g = 0; g < 16; ++g) {
            __m128i &current = w[g & 3];
            if (g < 4) {
                current = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
                                               data + std::ptrdiff_t {16} * g)),
                    byteSwap);
            }
            __m128i message = _mm_add_epi32(current, _mm_load_si128(k + g));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
            if (g >= 3 && g <= 14) {
                // Words 4(g+1)..4(g+1)+3 of the schedule, from what msg1 prepared three groups ago.
                __m128i &next = w[(g + 1) & 3];
                next = _mm_add_epi32(next, _mm_alignr_epi8(current, w[(g + 3) & 3], 4));
                next = _mm_sha256msg2_epu32(next, current);
            }
            message = _mm_shuffle_epi32(message, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, message);
            if (g >= 1 && g <= 12) {
                __m128i &previous = w[(g + 3) & 3];
                previous = _mm_sha256msg1_epu32(previous, current);
            }
        }
        abef = _mm_add_epi32(abef, abefSaved);
        cdgh = _mm_add_epi32(cdgh, cdghSaved);
    }

    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(state), dcba);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(state + 4), hgfe);
}

#else

bool cpuHasShaExtensions()
{
    return false;
}

void compressBlocks(std::uint32_t *, const unsigned char *, qint64) { }

#endif

} // namespace

bool Sha256::usesCpuExtensions()
{
    static const bool available = cpuHasShaExtensions();
    return available;
}

Sha256::Sha256()
    : m_hardware(usesCpuExtensions())
    , m_fallback(QCryptographicHash::Sha256)
    , m_state(initialState)
{ }

void Sha256::addData(const char *data, qint64 length)
{
    if (length <= 0)
        return;
    if (!m_hardware) {
        m_fallback.addData(QByteArrayView(data, length));
        return;
    }
    m_length += std::uint64_t(length);
    const auto *bytes = reinterpret_cast<const unsigned char *>(data);
    if (m_buffered > 0) {
        const qint64 take = std::min<qint64>(64 - m_buffered, length);
        std::memcpy(m_buffer.data() + m_buffered, bytes, size_t(take));
        m_buffered += take;
        bytes += take;
        length -= take;
        if (m_buffered < 64)
            return;
        compressBlocks(m_state.data(), m_buffer.data(), 1);
        m_buffered = 0;
    }
    const qint64 blocks = length / 64;
    if (blocks > 0) {
        compressBlocks(m_state.data(), bytes, blocks);
        bytes += blocks * 64;
        length -= blocks * 64;
    }
    if (length > 0) {
        std::memcpy(m_buffer.data(), bytes, size_t(length));
        m_buffered = length;
    }
}

QByteArray Sha256::hexResult()
{
    if (!m_hardware)
        return m_fallback.result().toHex();
    const std::uint64_t bits = m_length * 8;
    unsigned char padding[72] = {0x80};
    const qint64 padLength = (m_buffered < 56 ? 56 : 120) - m_buffered;
    for (int i = 0; i < 8; ++i)
        padding[padLength + i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    const std::uint64_t length = m_length;
    addData(reinterpret_cast<const char *>(padding), padLength + 8);
    m_length = length;

    QByteArray digest(32, Qt::Uninitialized);
    for (int i = 0; i < 8; ++i) {
        for (int j = 0; j < 4; ++j)
            digest[4 * i + j] = char(m_state[size_t(i)] >> (24 - 8 * j));
    }
    return digest.toHex();
}

} // namespace MtaHooks::Mime

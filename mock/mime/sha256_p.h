// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QCryptographicHash>

#include <array>
#include <cstdint>

namespace MtaHooks::Mime {

// SHA-256 for part digests. QCryptographicHash's portable code runs at about 170 MB/s, which
// alone takes longer than the rest of decoding a large message; on x86-64 CPUs with the SHA
// extensions (Intel since Ice Lake/Goldmont, AMD since Zen) the hardware rounds are used instead.
// Elsewhere this is QCryptographicHash.
class Sha256
{
public:
    Sha256();

    void addData(const char *data, qint64 length);
    QByteArray hexResult(); // lower-case hex; call once

    static bool usesCpuExtensions();

private:
    bool m_hardware;
    QCryptographicHash m_fallback;
    std::array<std::uint32_t, 8> m_state;
    std::array<unsigned char, 64> m_buffer;
    qint64 m_buffered = 0;
    std::uint64_t m_length = 0;
};

} // namespace MtaHooks::Mime

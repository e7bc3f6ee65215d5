// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include <memory>

namespace MtaHooks::Mime {

// SHA-256 for part digests through OpenSSL's EVP interface. QCryptographicHash's portable code
// runs at about 170 MB/s, which alone takes longer than the rest of decoding a large message;
// OpenSSL uses the CPU's SHA extensions where they exist.
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, qint64 length);
    QByteArray hexResult(); // lower-case hex; call once

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace MtaHooks::Mime

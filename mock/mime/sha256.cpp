// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/sha256_p.h"

#include <openssl/evp.h>

namespace MtaHooks::Mime {

struct Sha256::Context
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256()
    : m_context(std::make_unique<Context>())
{
    EVP_DigestInit_ex(m_context->context, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::addData(const char *data, qint64 length)
{
    if (length > 0)
        EVP_DigestUpdate(m_context->context, data, size_t(length));
}

QByteArray Sha256::hexResult()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(m_context->context, digest, &size);
    return QByteArray(reinterpret_cast<const char *>(digest), int(size)).toHex();
}

} // namespace MtaHooks::Mime

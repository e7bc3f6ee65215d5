// SPDX-License-Identifier: GPL-3.0-or-later
// The endpoint's TLS configuration from the files named in EndpointSettings.
#include "mock/scanner/hookendpoint.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

QSslKey readKey(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the TLS key %1: %2"_s.arg(path, file.errorString());
        return {};
    }
    const QByteArray pem = file.readAll();
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        const QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            return key;
    }
    *error
        = u"%1 holds no PEM private key (RSA or EC) that can be read without a pass phrase"_s.arg(
            path);
    return {};
}

QList<QSslCertificate> readCertificates(const QString &path, const QString &what, QString *error)
{
    if (!QFile::exists(path)) {
        *error = u"the %1 %2 does not exist"_s.arg(what, path);
        return {};
    }
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(path, QSsl::Pem);
    if (certificates.isEmpty())
        *error = u"the %1 %2 holds no PEM certificate"_s.arg(what, path);
    return certificates;
}

} // namespace

QSslConfiguration tlsConfiguration(const EndpointSettings &settings, QString *error)
{
    if (settings.tlsCertificateFile.isEmpty() || settings.tlsKeyFile.isEmpty()) {
        *error = u"TLS needs both a certificate and a key file"_s;
        return {};
    }
    const QList<QSslCertificate> chain
        = readCertificates(settings.tlsCertificateFile, u"TLS certificate"_s, error);
    if (chain.isEmpty())
        return {};
    const QSslKey key = readKey(settings.tlsKeyFile, error);
    if (key.isNull())
        return {};
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    if (settings.tlsClientCaFile.isEmpty()) {
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    } else {
        // mTLS: only clients with a certificate this CA signed finish the handshake.
        const QList<QSslCertificate> authorities
            = readCertificates(settings.tlsClientCaFile, u"TLS client CA"_s, error);
        if (authorities.isEmpty())
            return {};
        configuration.setCaCertificates(authorities);
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    }
    return configuration;
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Certificates for the TLS suites, made at run time with the openssl command (nothing secret or
// expiring is checked in). Header-only, so a suite needs no extra library:
//
//     TestCerts::Set certs; // a member of the test class
//     void initTestCase() { HOOKSCOPE_MAKE_TEST_CERTS(certs); }
//
// The macro skips the test (QSKIP) when openssl is not installed and fails it when openssl does.
// Keys are EC P-256 (fast to make), in PEM without a passphrase; certificates are valid for two
// days from now.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace TestCerts {

class Set
{
public:
    // The trusted CA (PEM certificate and key).
    QString caCertificate;
    QString caKey;
    // Signed by the CA, for 127.0.0.1, ::1 and localhost (subjectAltName), CN=localhost.
    QString serverCertificate;
    QString serverKey;
    // Signed by the CA, CN=test-mta, for client authentication (mTLS).
    QString clientCertificate;
    QString clientKey;
    // A second CA nobody trusts, and a client certificate (also CN=test-mta) it signed.
    QString untrustedCaCertificate;
    QString untrustedCaKey;
    QString untrustedClientCertificate;
    QString untrustedClientKey;

    static QString openssl() { return QStandardPaths::findExecutable(QStringLiteral("openssl")); }

    QString directory() const { return m_dir ? m_dir->path() : QString(); }

    // Makes every file in a new temporary directory (removed with this object).
    bool create(QString *error)
    {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid())
            return fail(error, QStringLiteral("no temporary directory: ") + m_dir->errorString());
        const QString config = path(QStringLiteral("openssl.cnf"));
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly) || file.write(Config) != qint64(sizeof Config - 1))
            return fail(error, config + QStringLiteral(": ") + file.errorString());
        file.close();

        caCertificate = path(QStringLiteral("ca.pem"));
        caKey = path(QStringLiteral("ca.key"));
        serverCertificate = path(QStringLiteral("server.pem"));
        serverKey = path(QStringLiteral("server.key"));
        clientCertificate = path(QStringLiteral("client.pem"));
        clientKey = path(QStringLiteral("client.key"));
        untrustedCaCertificate = path(QStringLiteral("untrusted-ca.pem"));
        untrustedCaKey = path(QStringLiteral("untrusted-ca.key"));
        untrustedClientCertificate = path(QStringLiteral("untrusted-client.pem"));
        untrustedClientKey = path(QStringLiteral("untrusted-client.key"));

        return makeCa(QStringLiteral("Hookscope Test CA"), caCertificate, caKey, error)
            && makeLeaf(QStringLiteral("localhost"), QStringLiteral("server_ext"), caCertificate,
                caKey, serverCertificate, serverKey, 1, error)
            && makeLeaf(QStringLiteral("test-mta"), QStringLiteral("client_ext"), caCertificate,
                caKey, clientCertificate, clientKey, 2, error)
            && makeCa(QStringLiteral("Hookscope Untrusted CA"), untrustedCaCertificate,
                untrustedCaKey, error)
            && makeLeaf(QStringLiteral("test-mta"), QStringLiteral("client_ext"),
                untrustedCaCertificate, untrustedCaKey, untrustedClientCertificate,
                untrustedClientKey, 3, error);
    }

private:
    // Our own configuration, so the system's openssl.cnf (and its default extensions) plays no
    // part and -addext cannot clash with it.
    static constexpr char Config[] = "[req]\n"
                                     "distinguished_name = dn\n"
                                     "prompt = no\n"
                                     "[dn]\n"
                                     "CN = unused\n"
                                     "[ca_ext]\n"
                                     "basicConstraints = critical,CA:TRUE\n"
                                     "keyUsage = critical,keyCertSign,cRLSign\n"
                                     "subjectKeyIdentifier = hash\n"
                                     "[server_ext]\n"
                                     "basicConstraints = critical,CA:FALSE\n"
                                     "keyUsage = critical,digitalSignature\n"
                                     "extendedKeyUsage = serverAuth\n"
                                     "subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost\n"
                                     "subjectKeyIdentifier = hash\n"
                                     "authorityKeyIdentifier = keyid\n"
                                     "[client_ext]\n"
                                     "basicConstraints = critical,CA:FALSE\n"
                                     "keyUsage = critical,digitalSignature\n"
                                     "extendedKeyUsage = clientAuth\n"
                                     "subjectKeyIdentifier = hash\n"
                                     "authorityKeyIdentifier = keyid\n";

    QString path(const QString &name) const { return m_dir->filePath(name); }

    static bool fail(QString *error, const QString &message)
    {
        if (error)
            *error = message;
        return false;
    }

    bool run(const QStringList &arguments, QString *error) const
    {
        QProcess process;
        process.setWorkingDirectory(m_dir->path());
        process.setProcessChannelMode(QProcess::MergedChannels);
        // Ours replaces the system's configuration, whose defaults would otherwise apply.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("OPENSSL_CONF"), path(QStringLiteral("openssl.cnf")));
        process.setProcessEnvironment(environment);
        process.start(openssl(), arguments);
        if (!process.waitForFinished(30000)) {
            process.kill();
            process.waitForFinished(5000);
            return fail(error,
                QStringLiteral("openssl %1: did not finish (%2)")
                    .arg(arguments.join(QLatin1Char(' ')), process.errorString()));
        }
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
            return fail(error,
                QStringLiteral("openssl %1: %2")
                    .arg(arguments.join(QLatin1Char(' ')),
                        QString::fromLocal8Bit(process.readAll()).trimmed()));
        return true;
    }

    QStringList newKey(const QString &keyFile) const
    {
        return {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
            QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
            QStringLiteral("-keyout"), keyFile, QStringLiteral("-config"),
            path(QStringLiteral("openssl.cnf"))};
    }

    bool makeCa(
        const QString &name, const QString &certificate, const QString &key, QString *error) const
    {
        return run(
            QStringList {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"),
                QStringLiteral("-extensions"), QStringLiteral("ca_ext"), QStringLiteral("-subj"),
                QStringLiteral("/CN=") + name, QStringLiteral("-days"), QStringLiteral("2"),
                QStringLiteral("-out"), certificate}
                + newKey(key),
            error);
    }

    bool makeLeaf(const QString &commonName, const QString &extensions, const QString &ca,
        const QString &caKeyFile, const QString &certificate, const QString &key, int serial,
        QString *error) const
    {
        const QString request = certificate + QStringLiteral(".csr");
        return run(QStringList {QStringLiteral("req"), QStringLiteral("-new"),
                       QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName,
                       QStringLiteral("-out"), request}
                       + newKey(key),
                   error)
            && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), request,
                       QStringLiteral("-CA"), ca, QStringLiteral("-CAkey"), caKeyFile,
                       QStringLiteral("-set_serial"), QString::number(serial),
                       QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-extfile"),
                       path(QStringLiteral("openssl.cnf")), QStringLiteral("-extensions"),
                       extensions, QStringLiteral("-out"), certificate},
                error);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

} // namespace TestCerts

// In a test function (initTestCase): makes the set or skips/fails the test.
#define HOOKSCOPE_MAKE_TEST_CERTS(set)                                                             \
    do {                                                                                           \
        if (TestCerts::Set::openssl().isEmpty())                                                   \
            QSKIP("openssl is not installed: no test certificates");                               \
        QString certsError_;                                                                       \
        QVERIFY2((set).create(&certsError_), qPrintable(certsError_));                             \
    } while (false)

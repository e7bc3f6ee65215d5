// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA over TLS: trusting a private CA (--cacert) and presenting a client certificate
// (--tls-cert/--tls-key) to a scanner that requires one (mTLS). The scanner here is a test double
// written from RFC 9112 (HTTP/1.1 framing) and Stalwart's answer format, on QSslServer, with
// certificates made by openssl at run time.

#include "mock/mta/hookclient.h"
#include "mock/mta/sessionreplayer.h"
#include "tests/mta/mtatest.h"
#include "tests/support/testcerts.h"

#include <QFile>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ClientTls;
using Mock::ClientTlsFiles;
using Mock::HookClient;
using Mock::HttpCall;
using Mock::HttpResult;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// An HTTPS scanner that requires a client certificate signed by the test CA and answers every
// request with Stalwart's {"action":"accept"}. HTTP/1.1 framing per RFC 9112: the head ends at
// the first empty line, the body is Content-Length bytes (the replayer sends no chunked bodies),
// connections stay open for the next request.
class MtlsScanner final : public QObject
{
public:
    bool listen(const TestCerts::Set &certs, const QHostAddress &address)
    {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificate(QSslCertificate(readAll(certs.serverCertificate), QSsl::Pem));
        ssl.setPrivateKey(QSslKey(readAll(certs.serverKey), QSsl::Ec));
        ssl.setCaCertificates(QSslCertificate::fromData(readAll(certs.caCertificate), QSsl::Pem));
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer); // no certificate: handshake refused
        m_server.setSslConfiguration(ssl);
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(qobject_cast<QSslSocket *>(socket));
        });
        connect(&m_server, &QSslServer::errorOccurred, this,
            [this](QSslSocket *, QAbstractSocket::SocketError) { ++m_handshakeErrors; });
        return m_server.listen(address, 0);
    }

    quint16 port() const { return m_server.serverPort(); }
    int requests() const { return m_requests; }
    int handshakeErrors() const { return m_handshakeErrors; }
    // The common name of the certificate each connection presented, in accept order.
    QStringList clientNames() const { return m_clientNames; }

private:
    void serve(QSslSocket *socket)
    {
        if (!socket)
            return;
        const QSslCertificate peer = socket->peerCertificate();
        m_clientNames << peer.subjectInfo(QSslCertificate::CommonName).join(u',');
        auto buffer = std::make_shared<QByteArray>();
        const auto read = [this, socket, buffer] {
            buffer->append(socket->readAll());
            for (;;) {
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                qsizetype length = 0;
                for (const QByteArray &line : buffer->left(end).split('\n')) {
                    const qsizetype colon = line.indexOf(':');
                    if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
                        length = line.mid(colon + 1).trimmed().toLongLong();
                }
                if (buffer->size() < end + 4 + length)
                    return;
                buffer->remove(0, end + 4 + length);
                ++m_requests;
                const QByteArray answer = R"({"action":"accept"})";
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Content-Length: "
                    + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
            }
        };
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, read);
        read(); // what arrived before the connection was taken
    }

    QSslServer m_server;
    int m_requests = 0;
    int m_handshakeErrors = 0;
    QStringList m_clientNames;
};

} // namespace

class TestMtaTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void mtlsCallIsAnswered_data();
    void mtlsCallIsAnswered();
    void noClientCertificateIsRefused();
    void untrustedClientCertificateIsRefused();
    void withoutCacertTheServerIsNotTrusted();
    void unusableFilesAreNamed_data();
    void unusableFilesAreNamed();
    void unusableFilesFailHttpsCallsUnsent();
    void replayerPresentsTheClientCertificate();
    void replayerWithoutClientCertificateFails();

private:
    HttpResult call(const ClientTlsFiles &files, const QString &host = u"127.0.0.1"_s);
    QUrl url(const QString &host = u"127.0.0.1"_s) const;

    TestCerts::Set m_certs;
    std::unique_ptr<MtlsScanner> m_scanner;
};

void TestMtaTls::initTestCase()
{
    HOOKSCOPE_MAKE_TEST_CERTS(m_certs);
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
}

void TestMtaTls::init()
{
    m_scanner = std::make_unique<MtlsScanner>();
    QVERIFY(m_scanner->listen(m_certs, QHostAddress::LocalHost));
}

void TestMtaTls::cleanup()
{
    m_scanner.reset();
}

QUrl TestMtaTls::url(const QString &host) const
{
    QUrl url(u"https://127.0.0.1/hook"_s);
    url.setHost(host);
    url.setPort(m_scanner->port());
    return url;
}

HttpResult TestMtaTls::call(const ClientTlsFiles &files, const QString &host)
{
    HookClient client;
    client.setTls(ClientTls::load(files));
    HttpCall request;
    request.url = url(host);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = R"({"context":{"stage":"connect"}})";
    request.timeoutMs = 20000;
    request.maxRetries = 0; // a refused handshake would otherwise be tried again
    HttpResult result;
    bool done = false;
    client.send(request, [&result, &done](const HttpResult &answer) {
        result = answer;
        done = true;
    });
    // Bounded by the call's own timeout; the margin is for loaded machines.
    if (!QTest::qWaitFor([&done] { return done; }, request.timeoutMs + 10000))
        qWarning("the call did not finish");
    return result;
}

void TestMtaTls::mtlsCallIsAnswered_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QHostAddress>("address");
    QTest::newRow("IPv4") << u"127.0.0.1"_s << QHostAddress(QHostAddress::LocalHost);
    QTest::newRow("IPv6") << u"::1"_s << QHostAddress(QHostAddress::LocalHostIPv6);
}

void TestMtaTls::mtlsCallIsAnswered()
{
    QFETCH(QString, host);
    QFETCH(QHostAddress, address);
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        m_scanner = std::make_unique<MtlsScanner>();
        if (!m_scanner->listen(m_certs, address))
            QSKIP("no IPv6 loopback here");
    }
    // The server certificate names both addresses (subjectAltName): verification passes.
    const HttpResult result
        = call({m_certs.caCertificate, m_certs.clientCertificate, m_certs.clientKey}, host);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, R"({"action":"accept"})");
    QCOMPARE(m_scanner->requests(), 1);
    QCOMPARE(m_scanner->clientNames(), QStringList {u"test-mta"_s});
}

void TestMtaTls::noClientCertificateIsRefused()
{
    const HttpResult result = call({m_certs.caCertificate, {}, {}});
    QCOMPARE(result.status, 0);
    QVERIFY2(!result.error.isEmpty(), "no TLS error");
    QCOMPARE(m_scanner->requests(), 0);
    QVERIFY(m_scanner->clientNames().isEmpty());
    QTRY_VERIFY(m_scanner->handshakeErrors() > 0);
}

void TestMtaTls::untrustedClientCertificateIsRefused()
{
    const HttpResult result = call(
        {m_certs.caCertificate, m_certs.untrustedClientCertificate, m_certs.untrustedClientKey});
    QCOMPARE(result.status, 0);
    QVERIFY2(!result.error.isEmpty(), "no TLS error");
    QCOMPARE(m_scanner->requests(), 0);
    QVERIFY(m_scanner->clientNames().isEmpty());
}

void TestMtaTls::withoutCacertTheServerIsNotTrusted()
{
    // The system's CAs do not include the test CA.
    const HttpResult result = call({{}, m_certs.clientCertificate, m_certs.clientKey});
    QCOMPARE(result.status, 0);
    QVERIFY2(
        result.error.contains(u"certificate"_s, Qt::CaseInsensitive), qPrintable(result.error));
    QCOMPARE(m_scanner->requests(), 0);
    // Trusting only another CA is no better.
    const HttpResult other
        = call({m_certs.untrustedCaCertificate, m_certs.clientCertificate, m_certs.clientKey});
    QCOMPARE(other.status, 0);
    QVERIFY2(other.error.contains(u"certificate"_s, Qt::CaseInsensitive), qPrintable(other.error));
    QCOMPARE(m_scanner->requests(), 0);
}

void TestMtaTls::unusableFilesAreNamed_data()
{
    QTest::addColumn<QString>("ca");
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("named"); // the file the error must name
    const QString missing = m_certs.directory() + u"/missing.pem"_s;
    QTest::newRow("missing CA file") << missing << QString() << QString() << missing;
    QTest::newRow("CA file without a certificate")
        << m_certs.clientKey << QString() << QString() << m_certs.clientKey;
    QTest::newRow("certificate without key")
        << QString() << m_certs.clientCertificate << QString() << m_certs.clientCertificate;
    QTest::newRow("key without certificate")
        << QString() << QString() << m_certs.clientKey << m_certs.clientKey;
    QTest::newRow("missing key") << QString() << m_certs.clientCertificate << missing << missing;
    QTest::newRow("certificate file holding a key")
        << QString() << m_certs.clientKey << m_certs.clientKey << m_certs.clientKey;
    QTest::newRow("key file holding a certificate")
        << QString() << m_certs.clientCertificate << m_certs.clientCertificate
        << m_certs.clientCertificate;
}

void TestMtaTls::unusableFilesAreNamed()
{
    QFETCH(QString, ca);
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, named);
    const ClientTls tls = ClientTls::load({ca, certificate, key});
    QVERIFY(tls.configured);
    QVERIFY2(tls.error.contains(named), qPrintable(tls.error));
}

void TestMtaTls::unusableFilesFailHttpsCallsUnsent()
{
    const QString missing = m_certs.directory() + u"/missing.pem"_s;
    const HttpResult result = call({missing, m_certs.clientCertificate, m_certs.clientKey});
    QCOMPARE(result.status, 0);
    QVERIFY2(result.error.contains(missing), qPrintable(result.error));
    QCOMPARE(result.attempts, 1);
    QCOMPARE(m_scanner->requests(), 0);
    QVERIFY(m_scanner->clientNames().isEmpty());
    QCOMPARE(m_scanner->handshakeErrors(), 0);
}

void TestMtaTls::replayerPresentsTheClientCertificate()
{
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    Mock::ReplayTarget target;
    target.url = url();
    target.dialect = Dialect::Stalwart;
    target.timeoutMs = 20000;
    target.caCertificatesFile = m_certs.caCertificate;
    target.clientCertificateFile = m_certs.clientCertificate;
    target.clientKeyFile = m_certs.clientKey;
    replayer.start({MtaTest::session(u"expect-accept.json"_s)}, target);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    const QList<Mock::ReplayResult> results = replayer.results();
    QCOMPARE(results.size(), 1);
    QVERIFY(!results.constFirst().stages.isEmpty());
    for (const Mock::StageResult &stage : results.constFirst().stages) {
        QVERIFY2(stage.transportError.isEmpty(), qPrintable(stage.transportError));
        QCOMPARE(stage.httpStatus, 200);
        QCOMPARE(stage.outcome.action, Action::Accept);
    }
    QCOMPARE(m_scanner->requests(), int(results.constFirst().stages.size()));
    QVERIFY(!m_scanner->clientNames().isEmpty());
    for (const QString &name : m_scanner->clientNames())
        QCOMPARE(name, u"test-mta"_s);
}

void TestMtaTls::replayerWithoutClientCertificateFails()
{
    Mock::SessionReplayer replayer;
    QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
    Mock::ReplayTarget target;
    target.url = url();
    target.dialect = Dialect::Stalwart;
    target.timeoutMs = 20000;
    target.caCertificatesFile = m_certs.caCertificate;
    replayer.start({MtaTest::session(u"expect-accept.json"_s)}, target);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    const QList<Mock::ReplayResult> results = replayer.results();
    QCOMPARE(results.size(), 1);
    QVERIFY(!results.constFirst().stages.isEmpty());
    const Mock::StageResult &first = results.constFirst().stages.constFirst();
    QCOMPARE(first.httpStatus, 0);
    QVERIFY2(!first.transportError.isEmpty(), "no TLS error");
    QCOMPARE(m_scanner->requests(), 0);
}

QTEST_GUILESS_MAIN(TestMtaTls)
#include "tst_mta_tls.moc"

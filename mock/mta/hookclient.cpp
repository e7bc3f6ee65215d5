// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/hookclient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace Mock {

struct PendingCall
{
    HttpCall call;
    std::function<void(const HttpResult &)> done;
    HttpResult result;
    quint64 generation = 0;
};

QByteArray HttpResult::header(QByteArrayView name) const
{
    return headerValue(headers, name);
}

namespace {

bool readFile(const QString &path, QByteArray *bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"%1: %2"_s.arg(path, file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return true;
}

} // namespace

ClientTls ClientTls::load(const ClientTlsFiles &files)
{
    ClientTls tls;
    if (files.isEmpty())
        return tls;
    tls.configured = true;
    QByteArray bytes;
    if (!files.caCertificates.isEmpty()) {
        if (!readFile(files.caCertificates, &bytes, &tls.error))
            return tls;
        const QList<QSslCertificate> cas = QSslCertificate::fromData(bytes, QSsl::Pem);
        if (cas.isEmpty()) {
            tls.error = u"%1: no PEM certificate in the file"_s.arg(files.caCertificates);
            return tls;
        }
        // Replaces the system's CAs (and turns off loading them on demand).
        tls.configuration.setCaCertificates(cas);
    }
    if (files.certificate.isEmpty() != files.key.isEmpty()) {
        tls.error = files.key.isEmpty()
            ? u"%1: a client certificate needs its key (--tls-key)"_s.arg(files.certificate)
            : u"%1: a client key needs its certificate (--tls-cert)"_s.arg(files.key);
        return tls;
    }
    if (files.certificate.isEmpty())
        return tls;
    if (!readFile(files.certificate, &bytes, &tls.error))
        return tls;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(bytes, QSsl::Pem);
    if (chain.isEmpty()) {
        tls.error = u"%1: no PEM certificate in the file"_s.arg(files.certificate);
        return tls;
    }
    if (!readFile(files.key, &bytes, &tls.error))
        return tls;
    // QSslKey wants the algorithm up front; the PEM (PKCS#8 or traditional) does not say it.
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        key = QSslKey(bytes, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        tls.error
            = u"%1: not a PEM private key (RSA, EC or DSA) without a passphrase"_s.arg(files.key);
        return tls;
    }
    if (key.algorithm() != chain.constFirst().publicKey().algorithm()) {
        tls.error = u"%1: the key does not belong to the certificate in %2"_s.arg(
            files.key, files.certificate);
        return tls;
    }
    tls.configuration.setLocalCertificateChain(chain);
    tls.configuration.setPrivateKey(key);
    return tls;
}

HookClient::HookClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setAutoDeleteReplies(false);
}

HookClient::HookClient(QNetworkAccessManager *shared, QObject *parent)
    : QObject(parent)
    , m_network(shared)
{
    m_network->setAutoDeleteReplies(false);
}

HookClient::~HookClient()
{
    cancel();
}

QByteArray HookClient::authorizationFor(const QString &spec)
{
    return HttpAuth::parse(spec).value_or(HttpAuth()).authorization();
}

void HookClient::send(const HttpCall &call, std::function<void(const HttpResult &)> done)
{
    auto pending = std::make_shared<PendingCall>();
    pending->call = call;
    pending->done = std::move(done);
    pending->generation = m_generation;
    attempt(pending);
}

void HookClient::cancel()
{
    ++m_generation;
    const auto replies = findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies)
        reply->abort();
}

void HookClient::failWithoutSending(
    const std::shared_ptr<PendingCall> &pending, const QString &error)
{
    ++pending->result.attempts;
    pending->result.status = 0;
    pending->result.error = error;
    // Asynchronous like any answer: callers may send from inside a callback.
    QTimer::singleShot(0, this, [this, pending] {
        if (pending->generation == m_generation)
            pending->done(pending->result);
    });
}

void HookClient::attempt(const std::shared_ptr<PendingCall> &pending)
{
    if (pending->generation != m_generation)
        return;
    const bool https = pending->call.url.scheme() == u"https"_s;
    if (https && !m_tls.error.isEmpty()) {
        failWithoutSending(pending, m_tls.error);
        return;
    }
    QNetworkRequest request(pending->call.url);
    // The manager would otherwise ask for compression and inflate the answer; the bytes the
    // scanner sent are what is shown.
    request.setRawHeader("Accept-Encoding", "identity");
    request.setRawHeader("User-Agent", "Hookscope/" HOOKSCOPE_VERSION " (mock MTA)");
    if (!m_authorization.isEmpty())
        request.setRawHeader("Authorization", m_authorization);
    for (const auto &[name, value] : std::as_const(pending->call.headers))
        request.setRawHeader(name, value);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
        QNetworkRequest::ManualRedirectPolicy); // an MTA follows no redirects
    if (https && (m_allowInvalidCertificates || m_tls.configured)) {
        QSslConfiguration ssl = m_tls.configuration;
        if (m_allowInvalidCertificates)
            ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(ssl);
    }
    ++pending->result.attempts;
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply
        = m_network->sendCustomRequest(request, pending->call.method, pending->call.body);
    reply->setParent(this);
    if (m_allowInvalidCertificates)
        connect(reply, &QNetworkReply::sslErrors, reply,
            [reply](const QList<QSslError> &) { reply->ignoreSslErrors(); });
    // Why an attempt was cut short by us rather than by the network.
    auto cutShort = std::make_shared<QString>();
    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    deadline->setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5% early
    connect(deadline, &QTimer::timeout, reply, [reply, cutShort, pending] {
        *cutShort = u"timed out after %1 ms"_s.arg(pending->call.timeoutMs);
        reply->abort();
    });
    deadline->start(pending->call.timeoutMs);
    const qint64 limit = pending->call.maxResponseBytes;
    connect(reply, &QNetworkReply::downloadProgress, reply,
        [reply, cutShort, limit](qint64 received, qint64) {
            if (limit > 0 && received > limit && cutShort->isEmpty()) {
                *cutShort = u"the answer is larger than %1 bytes"_s.arg(limit);
                reply->abort();
            }
        });
    connect(reply, &QNetworkReply::finished, this, [this, reply, pending, clock, cutShort] {
        reply->deleteLater();
        if (pending->generation != m_generation)
            return;
        HttpResult &result = pending->result;
        result.latencyUs = clock->nsecsElapsed() / 1000;
        result.status = cutShort->isEmpty()
            ? reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()
            : 0;
        result.headers = reply->rawHeaderPairs();
        result.body = cutShort->isEmpty() ? reply->readAll() : QByteArray();
        result.error.clear();
        if (result.status == 0)
            result.error = cutShort->isEmpty() ? reply->errorString() : *cutShort;
        const bool retryable = result.status == 0 || result.status >= 500 || result.status == 429;
        const int retriesUsed = result.attempts - 1;
        if (!retryable || retriesUsed >= pending->call.maxRetries) {
            pending->done(result);
            return;
        }
        qint64 delay = qMin<qint64>(100LL << qMin(retriesUsed, 16), 5000)
            + QRandomGenerator::global()->bounded(101);
        bool ok = false;
        const int retryAfter = result.header("Retry-After").trimmed().toInt(&ok);
        if (ok && retryAfter >= 0)
            delay = qMin<qint64>(qint64(retryAfter) * 1000, 5000);
        QTimer::singleShot(int(delay), this, [this, pending] { attempt(pending); });
    });
}

} // namespace Mock

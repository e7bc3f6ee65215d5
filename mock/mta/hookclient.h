// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace Mock {

struct HttpCall
{
    QByteArray method = "POST";
    QUrl url;
    HttpHeaders headers; // besides the ones the client sets (Host, User-Agent, Content-Length …)
    QByteArray body;
    int timeoutMs = 30000; // the whole call: connect, send, answer
    int maxRetries = 0; // retried on 5xx, 429, timeouts and network errors; never on other 4xx
    qint64 maxResponseBytes = 52428800; // Stalwart's default maxResponseSize
};

struct HttpResult
{
    int status = 0; // 0: no usable HTTP answer
    HttpHeaders headers;
    QByteArray body;
    QString error; // transport error of the last attempt ("" when an answer came)
    int attempts = 0;
    qint64 latencyUs = 0; // of the last attempt
    QByteArray header(QByteArrayView name) const;
};

// What https calls trust and present, as files (PEM).
struct ClientTlsFiles
{
    QString caCertificates; // trusted instead of the system's CAs (curl's --cacert)
    QString certificate; // the client certificate for mTLS, optionally followed by its chain
    QString key; // its private key (no passphrase)
    bool isEmpty() const
    {
        return caCertificates.isEmpty() && certificate.isEmpty() && key.isEmpty();
    }
};

// The files read once, for any number of clients. A client given one with an error fails its
// https calls with that error rather than calling without the trust or identity asked for.
struct ClientTls
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    bool configured = false; // false: the defaults (system CAs, no client certificate)
    QString error; // names the file that could not be used

    static ClientTls load(const ClientTlsFiles &files);
};

struct PendingCall;

// HTTP for the mock MTA over QNetworkAccessManager: a manager of its own, or one shared by up to
// six clients (one call in flight each: a manager opens at most six connections per host). The
// call's timeout covers the whole call, not just inactivity; answers larger than maxResponseBytes
// are cut off as Stalwart does. The drafts' retry schedule: at most maxRetries retries, 100 ms
// doubling to a 5 s cap plus 0–100 ms jitter, Retry-After honoured (capped at 5 s). The request id
// header, when the caller sets one, is the same on every attempt. Known limit of the manager: when
// a reused connection is closed before the answer it resends the request once on a new connection,
// so a connection-reset fault on a kept-alive connection can look like one slower answer.
class HookClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HookClient)

public:
    explicit HookClient(QObject *parent = nullptr);
    // Sends through a manager shared with other clients (at most six connections per host each),
    // which must outlive this client.
    HookClient(QNetworkAccessManager *shared, QObject *parent);
    ~HookClient() override;

    void setAllowInvalidCertificates(bool allow) { m_allowInvalidCertificates = allow; }
    void setTls(const ClientTls &tls) { m_tls = tls; }
    void setAuthorization(const QByteArray &value) { m_authorization = value; }
    void send(const HttpCall &call, std::function<void(const HttpResult &)> done);
    void cancel(); // abandons calls in flight; their callbacks are not called

    static QByteArray authorizationFor(const QString &spec); // "bearer:T", "basic:U:P", "none"

private:
    void attempt(const std::shared_ptr<PendingCall> &pending);
    void failWithoutSending(const std::shared_ptr<PendingCall> &pending, const QString &error);

    QNetworkAccessManager *m_network;
    QByteArray m_authorization;
    bool m_allowInvalidCertificates = false;
    ClientTls m_tls;
    quint64 m_generation = 0;
};

} // namespace Mock

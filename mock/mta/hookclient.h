// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QObject>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace Mock {

struct HttpCall
{
    QByteArray method = "POST";
    QUrl url;
    HttpHeaders headers; // besides the ones the client sets (User-Agent, Accept-Encoding …)
    QByteArray body;
    int timeoutMs = 30000;
    int maxRetries = 0; // retried on 5xx, 429, timeouts and network errors; never on other 4xx
};

struct HttpResult
{
    int status = 0; // 0: no HTTP answer
    HttpHeaders headers;
    QByteArray body;
    QString error;    // transport error of the last attempt ("" when an answer came)
    int attempts = 0;
    qint64 latencyUs = 0; // of the last attempt
    QByteArray header(QByteArrayView name) const;
};

// HTTP for the mock MTA over QNetworkAccessManager, with the drafts' retry schedule: at most
// maxRetries retries, 100 ms doubling to a 5 s cap plus 0–100 ms jitter, Retry-After honoured
// (capped at 5 s). The request id header, when the caller sets one, is the same on every attempt.
class HookClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HookClient)

public:
    explicit HookClient(QObject *parent = nullptr);

    void setAllowInvalidCertificates(bool allow) { m_allowInvalidCertificates = allow; }
    void setAuthorization(const QByteArray &value) { m_authorization = value; }
    void send(const HttpCall &call, std::function<void(const HttpResult &)> done);
    void cancel(); // abandons calls in flight; their callbacks are not called

    static QByteArray authorizationFor(const QString &spec); // "bearer:T", "basic:U:P", "none"

private:
    void attempt(std::shared_ptr<struct PendingCall> pending);

    QNetworkAccessManager *m_network;
    QByteArray m_authorization;
    bool m_allowInvalidCertificates = false;
    quint64 m_generation = 0;
};

} // namespace Mock

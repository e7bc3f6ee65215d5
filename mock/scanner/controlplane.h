// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace Mock {

// The drafts' control plane as a scanner serves it (draft-01: the MTA registers at the scanner):
// discovery, registration, status, deregistration, with the documents and error bodies of the
// protocol reference §b.3 and §d.2. No HTTP here: it maps (method, path, body) to a reply.
class ControlPlane
{
public:
    struct Reply
    {
        ExchangeKind kind = ExchangeKind::Other;
        int httpStatus = 200;
        QByteArray contentType = "application/json";
        QByteArray body;
        HttpHeaders headers;
        MtaHooks::Problems problems;
    };

    struct Registration
    {
        QString id;
        QString name; // the MTA's instance name
        QString status = QStringLiteral("active"); // active | deregistered
        QDateTime createdAt;
        QDateTime expiresAt;
        QDateTime deregisteredAt;
        QDateTime lastInvocation;
        QString serialization = QStringLiteral("json");
        QJsonObject negotiated;
        qint64 invocations = 0;
        qint64 errors = 0;
        qint64 totalLatencyUs = 0;
    };

    static QString discoveryPath() { return QStringLiteral("/.well-known/mta-hooks"); }
    static QString registrationPath() { return QStringLiteral("/v1/hooks/register"); }
    static QString hookPathPrefix() { return QStringLiteral("/v1/hooks/invoke/"); }

    // Discovery and registration calls; nullopt when the call is a hook invocation (or unknown).
    std::optional<Reply> handle(const QByteArray &method, const QString &path,
        const QByteArray &contentType, const QByteArray &accept, const QByteArray &body);

    QJsonObject discoveryDocument() const;
    void setLimits(qint64 maxMessageSize, int timeoutMs);

    std::optional<Registration> registration(const QString &id) const;
    QList<Registration> registrations() const { return m_registrations.values(); }
    // A hook call for a registration (from the X-MTA-Hooks-Registration header).
    void noteInvocation(const QString &id, qint64 latencyUs, bool failed);
    // The registration a hook path names ("/v1/hooks/invoke/<id>"), or "".
    static QString registrationFromHookPath(const QString &path);

private:
    Reply registerMta(const QByteArray &contentType, const QByteArray &body);
    Reply status(const QString &id) const;
    Reply deregister(const QString &id);

    QHash<QString, Registration> m_registrations;
    qint64 m_maxMessageSize = 64 * 1024 * 1024;
    int m_timeoutMs = 30000;
};

// {"error":{"code","message"}} as the drafts write error bodies.
QByteArray errorBody(const QString &code, const QString &message);

} // namespace Mock

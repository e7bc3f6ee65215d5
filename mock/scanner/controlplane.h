// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace Mock {

// The drafts' control plane as a scanner serves it (draft-01: the MTA registers at the scanner):
// discovery, registration, status, deregistration, with the documents and error bodies of the
// protocol reference §b.3 and §d.2. No HTTP here: it maps (method, path, body) to a reply.
//
// Its state is bounded: at most maxRegistrations active registrations (then 409
// REGISTRATION_LIMIT_REACHED), a registration past its expiresAt is gone (404
// REGISTRATION_NOT_FOUND, for hook calls too), and as many ended ones are remembered (for the 410
// and 404 answers) before the oldest are forgotten. With credentials checked, a registration
// belongs to the credential that made it: any other gets 403 REGISTRATION_MISMATCH.
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
        QByteArray owner; // the registering caller's identity (callerIdentity), empty: anyone
    };

    static QString discoveryPath() { return QStringLiteral("/.well-known/mta-hooks"); }
    static QString registrationPath() { return QStringLiteral("/v1/hooks/register"); }
    static QString hookPathPrefix() { return QStringLiteral("/v1/hooks/invoke/"); }

    // Discovery and registration calls; nullopt when the call is a hook invocation (or unknown).
    // `caller` is the caller's identity (callerIdentity), empty when credentials are not checked.
    std::optional<Reply> handle(const QByteArray &method, const QString &path,
        const QByteArray &contentType, const QByteArray &accept, const QByteArray &body,
        const QByteArray &caller = {});
    // The refusal a draft hook call for this registration gets (404 expired, 403 another
    // caller's, 410 deregistered), or nullopt when it may be answered. Unknown ids may be, unless
    // `refuseUnknown` (a strict endpoint): the mock also serves MTAs configured by hand.
    std::optional<Reply> refuseHook(
        const QString &id, const QByteArray &caller = {}, bool refuseUnknown = false);

    QJsonObject discoveryDocument() const;
    void setLimits(qint64 maxMessageSize, int timeoutMs);
    void setMaxRegistrations(int maxRegistrations);
    int maxRegistrations() const { return m_maxRegistrations; }
    // Tests move time on without waiting for it.
    void setClock(std::function<QDateTime()> now);

    // Active and deregistered registrations; expired ones are gone.
    std::optional<Registration> registration(const QString &id) const;
    QList<Registration> registrations() const;
    // A hook call for a registration (from the X-MTA-Hooks-Registration header).
    void noteInvocation(const QString &id, qint64 latencyUs, bool failed);
    // The registration a hook path names ("/v1/hooks/invoke/<id>"), or "".
    static QString registrationFromHookPath(const QString &path);

private:
    Reply registerMta(
        const QByteArray &contentType, const QByteArray &body, const QByteArray &caller);
    Reply status(const QString &id, const QByteArray &caller);
    Reply deregister(const QString &id, const QByteArray &caller);
    std::optional<Reply> refuseAccess(
        ExchangeKind kind, const QString &id, const QByteArray &caller);
    QDateTime now() const;
    bool hasExpired(const Registration &registration, const QDateTime &now) const;
    bool expireIfDue(const QString &id);
    void expireAllDue();
    void remember(const QString &id);

    QHash<QString, Registration> m_registrations; // active and deregistered
    QHash<QString, QDateTime> m_expired; // id -> when it expired, for 404 answers
    QList<QString> m_ended; // deregistered and expired ids, oldest first, to forget them
    qint64 m_maxMessageSize = 64 * 1024 * 1024;
    int m_timeoutMs = 30000;
    int m_maxRegistrations = 1000;
    std::function<QDateTime()> m_now;
};

// {"error":{"code","message"}} as the drafts write error bodies.
QByteArray errorBody(const QString &code, const QString &message);

} // namespace Mock

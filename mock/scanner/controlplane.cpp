// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/controlplane.h"

#include "mock/protocol/document.h"
#include "mock/scanner/callanalysis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

QString utc(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

QJsonValue utcOrNull(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(utc(time)) : QJsonValue(QJsonValue::Null);
}

ControlPlane::Reply jsonReply(
    ExchangeKind kind, int status, const QJsonObject &body, bool cbor = false)
{
    ControlPlane::Reply reply;
    reply.kind = kind;
    reply.httpStatus = status;
    const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (cbor) {
        reply.contentType = "application/cbor";
        reply.body = Document::fromJson(json).toCbor();
    } else {
        reply.body = json;
    }
    return reply;
}

ControlPlane::Reply errorReply(
    ExchangeKind kind, int status, const QString &code, const QString &message)
{
    ControlPlane::Reply reply;
    reply.kind = kind;
    reply.httpStatus = status;
    reply.body = errorBody(code, message);
    reply.problems.append({QString(), Severity::Error, code + u": "_s + message});
    return reply;
}

const QStringList &knownStages(bool outbound)
{
    static const QStringList inbound {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s};
    static const QStringList out {u"delivery"_s, u"defer"_s, u"dsn"_s, u"route"_s};
    return outbound ? out : inbound;
}

} // namespace

QByteArray errorBody(const QString &code, const QString &message)
{
    return QJsonDocument(
        QJsonObject {{u"error"_s, QJsonObject {{u"code"_s, code}, {u"message"_s, message}}}})
        .toJson(QJsonDocument::Compact);
}

void ControlPlane::setLimits(qint64 maxMessageSize, int timeoutMs)
{
    m_maxMessageSize = maxMessageSize;
    m_timeoutMs = timeoutMs;
}

void ControlPlane::setMaxRegistrations(int maxRegistrations)
{
    m_maxRegistrations = qMax(1, maxRegistrations);
}

void ControlPlane::setClock(std::function<QDateTime()> now)
{
    m_now = std::move(now);
}

QDateTime ControlPlane::now() const
{
    return m_now ? m_now() : QDateTime::currentDateTimeUtc();
}

QJsonObject ControlPlane::discoveryDocument() const
{
    const QJsonArray inboundFetch {u"/stage"_s, u"/action"_s, u"/timestamp"_s, u"/protocol"_s,
        u"/queue"_s, u"/server"_s, u"/client"_s, u"/tls"_s, u"/auth"_s, u"/senderAuth"_s,
        u"/response"_s, u"/envelope"_s, u"/message"_s, u"/rawMessage"_s};
    const QJsonArray outboundFetch {u"/stage"_s, u"/action"_s, u"/timestamp"_s, u"/protocol"_s,
        u"/queue"_s, u"/server"_s, u"/envelope"_s, u"/message"_s, u"/rawMessage"_s};
    return QJsonObject {
        {u"version"_s, u"1.0"_s},
        {u"endpoints"_s,
            QJsonObject {{u"registration"_s, registrationPath()},
                {u"deregistration"_s, QString(registrationPath() + u"/{registration_id}"_s)}}},
        {u"serialization"_s, QJsonArray {u"json"_s, u"cbor"_s}},
        {u"capabilities"_s,
            QJsonObject {
                {u"inbound"_s,
                    QJsonObject {{u"stages"_s, QJsonArray::fromStringList(knownStages(false))},
                        {u"actions"_s,
                            QJsonArray {u"accept"_s, u"reject"_s, u"discard"_s, u"quarantine"_s,
                                u"disconnect"_s}},
                        {u"fetchProperties"_s, inboundFetch},
                        {u"updateProperties"_s,
                            QJsonArray {u"/action"_s, u"/response"_s, u"/envelope"_s, u"/message"_s,
                                u"/rawMessage"_s}}}},
                {u"outbound"_s,
                    QJsonObject {{u"stages"_s, QJsonArray::fromStringList(knownStages(true))},
                        {u"actions"_s, QJsonArray {u"continue"_s, u"cancel"_s}},
                        {u"fetchProperties"_s, outboundFetch},
                        {u"updateProperties"_s,
                            QJsonArray {u"/action"_s, u"/envelope/to"_s, u"/message"_s,
                                u"/rawMessage"_s}}}}}},
        {u"limits"_s,
            QJsonObject {{u"maxMessageSize"_s, double(m_maxMessageSize)},
                {u"maxRegistrations"_s, m_maxRegistrations}, {u"timeoutMs"_s, m_timeoutMs}}},
        {u"extensions"_s, QJsonValue::Null},
    };
}

std::optional<ControlPlane::Reply> ControlPlane::handle(const QByteArray &method,
    const QString &path, const QByteArray &contentType, const QByteArray &accept,
    const QByteArray &body, const QByteArray &caller)
{
    if (path == discoveryPath()) {
        if (method != "GET" && method != "HEAD")
            return errorReply(
                ExchangeKind::Discovery, 405, u"INVALID_REQUEST"_s, u"discovery is GET"_s);
        return jsonReply(
            ExchangeKind::Discovery, 200, discoveryDocument(), accept.contains("application/cbor"));
    }
    if (path == registrationPath()) {
        if (method != "POST")
            return errorReply(
                ExchangeKind::Registration, 405, u"INVALID_REQUEST"_s, u"registration is POST"_s);
        return registerMta(contentType, body, caller);
    }
    const QString prefix = registrationPath() + u'/';
    if (path.startsWith(prefix)) {
        const QString id = path.mid(prefix.size());
        if (method == "GET")
            return status(id, caller);
        if (method == "DELETE")
            return deregister(id, caller);
        return errorReply(ExchangeKind::Status, 405, u"INVALID_REQUEST"_s,
            u"a registration takes GET (status) or DELETE"_s);
    }
    return std::nullopt;
}

ControlPlane::Reply ControlPlane::registerMta(
    const QByteArray &contentType, const QByteArray &body, const QByteArray &caller)
{
    // A registration document is a few hundred bytes; each one kept costs its size, times
    // maxRegistrations.
    constexpr qsizetype largest = 64 * 1024;
    if (body.size() > largest)
        return errorReply(ExchangeKind::Registration, 413, u"REQUEST_TOO_LARGE"_s,
            u"a registration request is at most %1 bytes"_s.arg(largest));
    const bool cbor = contentType.contains("application/cbor");
    const Document document = cbor ? Document::fromCbor(body) : Document::fromJson(body);
    if (!document.isObject())
        return errorReply(ExchangeKind::Registration, 400, u"INVALID_REQUEST"_s,
            u"the registration request is not a %1 object"_s.arg(cbor ? u"CBOR"_s : u"JSON"_s));
    const QJsonObject request = QJsonDocument::fromJson(document.toJson()).object();
    Reply reply;
    if (!request.value(u"name"_s).isString())
        reply.problems.append({u"/name"_s, Severity::Error,
            u"\"name\" (the MTA's instance name) "
            "is required"_s});
    const QString serialization = request.value(u"serialization"_s).toString(u"json"_s);
    if (serialization != u"json"_s && serialization != u"cbor"_s)
        return errorReply(ExchangeKind::Registration, 400, u"CAPABILITY_MISMATCH"_s,
            u"serialization \"%1\" is not offered (json, cbor)"_s.arg(serialization));
    QJsonObject negotiated {{u"serialization"_s, serialization}};
    bool anyDirection = false;
    for (const QString &direction : {u"inbound"_s, u"outbound"_s}) {
        const QJsonValue value = request.value(direction);
        if (!value.isObject()) {
            negotiated.insert(direction, QJsonValue::Null);
            continue;
        }
        const QJsonArray stages = value.toObject().value(u"stages"_s).toArray();
        for (const QJsonValue &stage : stages) {
            if (!knownStages(direction == u"outbound"_s).contains(stage.toString()))
                return errorReply(ExchangeKind::Registration, 400, u"INVALID_STAGE"_s,
                    u"\"%1\" is not an %2 stage"_s.arg(stage.toString(), direction));
        }
        if (stages.isEmpty())
            continue;
        anyDirection = true;
        negotiated.insert(direction,
            QJsonObject {
                {u"stages"_s, stages}, {u"properties"_s, value.toObject().value(u"properties"_s)}});
    }
    if (!anyDirection)
        return errorReply(ExchangeKind::Registration, 400, u"NO_STAGES_REQUESTED"_s,
            u"neither inbound nor outbound stages were requested"_s);

    const QDateTime createdAt = now();
    QDateTime expiresAt;
    const QJsonValue expiresValue = request.value(u"expiresAt"_s);
    if (!expiresValue.isUndefined() && !expiresValue.isNull()) {
        expiresAt = QDateTime::fromString(expiresValue.toString(), Qt::ISODate);
        if (!expiresValue.isString() || !expiresAt.isValid())
            return errorReply(ExchangeKind::Registration, 400, u"INVALID_REQUEST"_s,
                u"expiresAt must be a UTC date (RFC 3339) or null"_s);
        if (expiresAt <= createdAt)
            return errorReply(ExchangeKind::Registration, 400, u"INVALID_REQUEST"_s,
                u"expiresAt %1 is not in the future"_s.arg(utc(expiresAt)));
    }
    expireAllDue();
    const auto active = std::count_if(m_registrations.cbegin(), m_registrations.cend(),
        [](const Registration &r) { return r.status == u"active"_s; });
    if (active >= m_maxRegistrations) {
        return errorReply(ExchangeKind::Registration, 409, u"REGISTRATION_LIMIT_REACHED"_s,
            u"%1 registrations are active, the most this scanner keeps; deregister one "
            "first"_s.arg(active));
    }

    Registration registration;
    registration.id = u"reg_"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    registration.name = request.value(u"name"_s).toString();
    registration.createdAt = createdAt;
    registration.expiresAt = expiresAt;
    registration.owner = caller;
    registration.serialization = serialization;
    registration.negotiated = negotiated;
    m_registrations.insert(registration.id, registration);

    const QString location = registrationPath() + u'/' + registration.id;
    Reply created = jsonReply(ExchangeKind::Registration, 201,
        QJsonObject {{u"registrationId"_s, registration.id}, {u"status"_s, registration.status},
            {u"createdAt"_s, utc(registration.createdAt)},
            {u"expiresAt"_s, utcOrNull(registration.expiresAt)},
            {u"hookEndpoint"_s, QString(hookPathPrefix() + registration.id)},
            {u"negotiated"_s, negotiated},
            {u"endpoints"_s,
                QJsonObject {{u"deregistration"_s, location}, {u"status"_s, location}}}},
        cbor);
    created.headers.append({"Location", location.toUtf8()});
    created.problems = reply.problems;
    return created;
}

ControlPlane::Reply ControlPlane::status(const QString &id, const QByteArray &caller)
{
    if (auto refusal = refuseAccess(ExchangeKind::Status, id, caller))
        return *refusal;
    const Registration &r = *m_registrations.constFind(id);
    const QJsonObject counts {{u"total"_s, double(r.invocations)},
        {u"last24h"_s, double(r.invocations)}, {u"last7d"_s, double(r.invocations)},
        {u"last30d"_s, double(r.invocations)}};
    const QJsonObject errors {{u"total"_s, double(r.errors)}, {u"last24h"_s, double(r.errors)},
        {u"last7d"_s, double(r.errors)}, {u"last30d"_s, double(r.errors)}};
    return jsonReply(ExchangeKind::Status, 200,
        QJsonObject {{u"registrationId"_s, r.id}, {u"status"_s, r.status},
            {u"createdAt"_s, utc(r.createdAt)}, {u"expiresAt"_s, utcOrNull(r.expiresAt)},
            {u"lastInvocation"_s, utcOrNull(r.lastInvocation)},
            {u"statistics"_s,
                QJsonObject {{u"invocations"_s, counts}, {u"errors"_s, errors},
                    {u"averageResponseMs"_s,
                        r.invocations ? double(r.totalLatencyUs) / r.invocations / 1000.0 : 0.0}}},
            {u"health"_s,
                QJsonObject {{u"status"_s, u"healthy"_s}, {u"lastCheck"_s, utc(now())},
                    {u"consecutiveFailures"_s, 0}}}});
}

ControlPlane::Reply ControlPlane::deregister(const QString &id, const QByteArray &caller)
{
    if (auto refusal = refuseAccess(ExchangeKind::Deregistration, id, caller))
        return *refusal;
    const auto it = m_registrations.find(id);
    if (it->status == u"deregistered"_s)
        return errorReply(ExchangeKind::Deregistration, 410, u"REGISTRATION_DEREGISTERED"_s,
            u"registration %1 is already deregistered"_s.arg(id));
    it->status = u"deregistered"_s;
    it->deregisteredAt = now();
    Reply reply = jsonReply(ExchangeKind::Deregistration, 200,
        QJsonObject {{u"registrationId"_s, id}, {u"status"_s, it->status},
            {u"deregisteredAt"_s, utc(it->deregisteredAt)}});
    remember(id); // may forget it at once (when maxRegistrations is tiny): `it` is not used after
    return reply;
}

std::optional<ControlPlane::Reply> ControlPlane::refuseHook(
    const QString &id, const QByteArray &caller, bool refuseUnknown)
{
    if (!refuseUnknown && !m_registrations.contains(id) && !m_expired.contains(id))
        return std::nullopt;
    if (auto refusal = refuseAccess(ExchangeKind::Hook, id, caller))
        return refusal;
    if (m_registrations.value(id).status == u"deregistered"_s)
        return errorReply(ExchangeKind::Hook, 410, u"REGISTRATION_DEREGISTERED"_s,
            u"registration %1 is deregistered"_s.arg(id));
    return std::nullopt;
}

// Unknown, expired or another caller's: the refusal; nullopt when the caller may go on with the
// registration, which then is in m_registrations.
std::optional<ControlPlane::Reply> ControlPlane::refuseAccess(
    ExchangeKind kind, const QString &id, const QByteArray &caller)
{
    expireIfDue(id);
    if (const auto expired = m_expired.constFind(id); expired != m_expired.cend())
        return errorReply(kind, 404, u"REGISTRATION_NOT_FOUND"_s,
            u"registration %1 expired at %2: register again"_s.arg(id, utc(*expired)));
    const auto it = m_registrations.constFind(id);
    if (it == m_registrations.cend())
        return errorReply(kind, 404, u"REGISTRATION_NOT_FOUND"_s, u"no registration %1"_s.arg(id));
    if (!it->owner.isEmpty() && !constantTimeEquals(caller, it->owner))
        return errorReply(kind, 403, u"REGISTRATION_MISMATCH"_s,
            u"registration %1 was made with other credentials"_s.arg(id));
    return std::nullopt;
}

bool ControlPlane::hasExpired(const Registration &registration, const QDateTime &at) const
{
    // Only active ones: a deregistered registration has ended already (and answers 410).
    return registration.status == u"active"_s && registration.expiresAt.isValid()
        && registration.expiresAt <= at;
}

bool ControlPlane::expireIfDue(const QString &id)
{
    const auto it = m_registrations.constFind(id);
    if (it == m_registrations.cend() || !hasExpired(*it, now()))
        return false;
    m_expired.insert(id, it->expiresAt);
    m_registrations.erase(it);
    remember(id);
    return true;
}

void ControlPlane::expireAllDue()
{
    const QDateTime at = now();
    QStringList due;
    for (const Registration &registration : std::as_const(m_registrations)) {
        if (hasExpired(registration, at))
            due.append(registration.id);
    }
    for (const QString &id : std::as_const(due))
        expireIfDue(id);
}

// Ended registrations are remembered for their 404 and 410 answers, but only as many as can be
// active: past that the oldest is forgotten, and a call for it is one for an unknown id.
void ControlPlane::remember(const QString &id)
{
    m_ended.append(id);
    while (m_ended.size() > m_maxRegistrations) {
        const QString oldest = m_ended.takeFirst();
        m_expired.remove(oldest);
        const auto it = m_registrations.constFind(oldest);
        if (it != m_registrations.cend() && it->status != u"active"_s)
            m_registrations.erase(it);
    }
}

std::optional<ControlPlane::Registration> ControlPlane::registration(const QString &id) const
{
    const auto it = m_registrations.constFind(id);
    if (it == m_registrations.cend() || hasExpired(*it, now()))
        return std::nullopt;
    return *it;
}

QList<ControlPlane::Registration> ControlPlane::registrations() const
{
    const QDateTime at = now();
    QList<Registration> result;
    for (const Registration &registration : m_registrations) {
        if (!hasExpired(registration, at))
            result.append(registration);
    }
    return result;
}

void ControlPlane::noteInvocation(const QString &id, qint64 latencyUs, bool failed)
{
    const auto it = m_registrations.find(id);
    if (it == m_registrations.end())
        return;
    ++it->invocations;
    it->errors += failed ? 1 : 0;
    it->totalLatencyUs += latencyUs;
    it->lastInvocation = QDateTime::currentDateTimeUtc();
}

QString ControlPlane::registrationFromHookPath(const QString &path)
{
    if (!path.startsWith(hookPathPrefix()))
        return {};
    return path.mid(hookPathPrefix().size()).section(u'?', 0, 0);
}

} // namespace Mock

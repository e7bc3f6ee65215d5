// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/controlplane.h"

#include "mock/protocol/document.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

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
                {u"maxRegistrations"_s, QJsonValue::Null}, {u"timeoutMs"_s, m_timeoutMs}}},
        {u"extensions"_s, QJsonValue::Null},
    };
}

std::optional<ControlPlane::Reply> ControlPlane::handle(const QByteArray &method,
    const QString &path, const QByteArray &contentType, const QByteArray &accept,
    const QByteArray &body)
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
        return registerMta(contentType, body);
    }
    const QString prefix = registrationPath() + u'/';
    if (path.startsWith(prefix)) {
        const QString id = path.mid(prefix.size());
        if (method == "GET")
            return status(id);
        if (method == "DELETE")
            return deregister(id);
        return errorReply(ExchangeKind::Status, 405, u"INVALID_REQUEST"_s,
            u"a registration takes GET (status) or DELETE"_s);
    }
    return std::nullopt;
}

ControlPlane::Reply ControlPlane::registerMta(const QByteArray &contentType, const QByteArray &body)
{
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

    Registration registration;
    registration.id = u"reg_"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    registration.name = request.value(u"name"_s).toString();
    registration.createdAt = QDateTime::currentDateTimeUtc();
    registration.expiresAt
        = QDateTime::fromString(request.value(u"expiresAt"_s).toString(), Qt::ISODate);
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

ControlPlane::Reply ControlPlane::status(const QString &id) const
{
    const auto it = m_registrations.constFind(id);
    if (it == m_registrations.cend())
        return errorReply(ExchangeKind::Status, 404, u"REGISTRATION_NOT_FOUND"_s,
            u"no registration %1"_s.arg(id));
    const Registration &r = *it;
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
                QJsonObject {{u"status"_s, u"healthy"_s},
                    {u"lastCheck"_s, utc(QDateTime::currentDateTimeUtc())},
                    {u"consecutiveFailures"_s, 0}}}});
}

ControlPlane::Reply ControlPlane::deregister(const QString &id)
{
    const auto it = m_registrations.find(id);
    if (it == m_registrations.end())
        return errorReply(ExchangeKind::Deregistration, 404, u"REGISTRATION_NOT_FOUND"_s,
            u"no registration %1"_s.arg(id));
    if (it->status == u"deregistered"_s)
        return errorReply(ExchangeKind::Deregistration, 410, u"REGISTRATION_DEREGISTERED"_s,
            u"registration %1 is already deregistered"_s.arg(id));
    it->status = u"deregistered"_s;
    it->deregisteredAt = QDateTime::currentDateTimeUtc();
    return jsonReply(ExchangeKind::Deregistration, 200,
        QJsonObject {{u"registrationId"_s, id}, {u"status"_s, it->status},
            {u"deregisteredAt"_s, utc(it->deregisteredAt)}});
}

std::optional<ControlPlane::Registration> ControlPlane::registration(const QString &id) const
{
    const auto it = m_registrations.constFind(id);
    if (it == m_registrations.cend())
        return std::nullopt;
    return *it;
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

// SPDX-License-Identifier: GPL-3.0-or-later
// The draft's control plane: discovery, registration, status (protocol reference §b.3, §d.2).
#include "mock/conform/checkhelpers_p.h"
#include "mock/conform/checks_p.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace Qt::StringLiterals;
using namespace Conform::Detail;

namespace Conform {

namespace {

QUrl origin(const QUrl &url)
{
    QUrl base = url;
    base.setPath(QString());
    base.setQuery(QString());
    base.setFragment(QString());
    return base;
}

bool isStringArray(const QJsonValue &value)
{
    if (!value.isArray())
        return false;
    const QJsonArray array = value.toArray();
    return std::all_of(
        array.begin(), array.end(), [](const QJsonValue &v) { return v.isString(); });
}

QStringList strings(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &item : value.toArray())
        list << item.toString();
    return list;
}

QStringList directionFaults(const QJsonObject &capabilities, const QString &direction)
{
    const QJsonValue value = capabilities.value(direction);
    if (value.isNull() || value.isUndefined())
        return {};
    if (!value.isObject())
        return {u"capabilities.%1 is neither null nor an object"_s.arg(direction)};
    QStringList faults;
    const QJsonObject object = value.toObject();
    for (const QString &member :
        {u"stages"_s, u"actions"_s, u"fetchProperties"_s, u"updateProperties"_s}) {
        if (!isStringArray(object.value(member)))
            faults << u"capabilities.%1.%2 is not an array of strings"_s.arg(direction, member);
    }
    return faults;
}

QStringList limitFaults(const QJsonValue &limits)
{
    if (limits.isNull() || limits.isUndefined())
        return {};
    if (!limits.isObject())
        return {u"limits is neither null nor an object"_s};
    QStringList faults;
    const QJsonObject object = limits.toObject();
    for (const QString &member : {u"maxMessageSize"_s, u"maxRegistrations"_s, u"timeoutMs"_s}) {
        const QJsonValue v = object.value(member);
        if (v.isNull() || v.isUndefined())
            continue;
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() != double(qint64(v.toDouble())))
            faults << u"limits.%1 is not an UnsignedInt or null"_s.arg(member);
    }
    return faults;
}

void discoveryDocument(CheckRun &run)
{
    Mock::HttpCall call;
    call.method = "GET";
    call.url = origin(run.target().url).resolved(QUrl(u"/.well-known/mta-hooks"_s));
    call.headers = {{"Accept", "application/json"}};
    // Unauthenticated by design (§b.3): sent without credentials.
    run.send(call, Credentials::None, [&run, url = call.url](const Mock::HttpResult &result) {
        if (result.status != 200)
            return run.fail(u"discovery answered %1, not 200"_s.arg(statusText(result)));
        QString error;
        const QJsonObject document = jsonObjectOf(result, &error);
        if (!error.isEmpty())
            return run.fail(error);
        QStringList faults;
        if (!result.header("Content-Type").startsWith("application/json"))
            faults << u"Content-Type is not application/json"_s;
        if (document.value(u"version"_s) != QJsonValue(u"1.0"_s))
            faults << u"version is not \"1.0\""_s;
        const QJsonObject endpoints = document.value(u"endpoints"_s).toObject();
        const QString registration = endpoints.value(u"registration"_s).toString();
        if (registration.isEmpty())
            faults << u"endpoints.registration is missing"_s;
        if (!endpoints.value(u"deregistration"_s).toString().contains(u"{registration_id}"_s))
            faults << u"endpoints.deregistration has no {registration_id}"_s;
        const QStringList formats = strings(document.value(u"serialization"_s));
        if (!isStringArray(document.value(u"serialization"_s)) || !formats.contains(u"json"_s))
            faults << u"serialization does not list \"json\""_s;
        const QJsonValue capabilities = document.value(u"capabilities"_s);
        if (!capabilities.isObject()) {
            faults << u"capabilities is not an object"_s;
        } else {
            const QJsonObject object = capabilities.toObject();
            faults << directionFaults(object, u"inbound"_s)
                   << directionFaults(object, u"outbound"_s);
            if (!object.value(u"inbound"_s).isObject() && !object.value(u"outbound"_s).isObject())
                faults << u"capabilities offer neither inbound nor outbound"_s;
        }
        faults << limitFaults(document.value(u"limits"_s));
        const QJsonValue extensions = document.value(u"extensions"_s);
        if (!extensions.isNull() && !extensions.isUndefined() && !isStringArray(extensions))
            faults << u"extensions is neither null nor an array of strings"_s;

        ScannerFacts &facts = run.facts();
        facts.discovery = document;
        if (!registration.isEmpty()) {
            facts.discovered = true;
            facts.registrationUrl = url.resolved(QUrl(registration));
        }
        const QJsonObject inbound = capabilities.toObject().value(u"inbound"_s).toObject();
        facts.inboundUpdateProperties = strings(inbound.value(u"updateProperties"_s));
        if (!faults.isEmpty())
            return run.fail(faults.join(u"; "_s));
        run.pass(u"version 1.0, serialization %1"_s.arg(formats.join(u", "_s)));
    });
}

bool needDiscovery(CheckRun &run)
{
    if (run.facts().discovered)
        return true;
    run.skip(u"no registration endpoint known (see discovery.document)"_s);
    return false;
}

QStringList stagesToRequest(const ScannerFacts &facts)
{
    const QStringList offered = strings(facts.discovery.value(u"capabilities"_s)
                                            .toObject()
                                            .value(u"inbound"_s)
                                            .toObject()
                                            .value(u"stages"_s));
    QStringList stages;
    for (const QString &stage : inboundStageNames()) {
        if (offered.isEmpty() || offered.contains(stage))
            stages << stage;
    }
    return stages;
}

void registrationRefused(CheckRun &run, Credentials credentials)
{
    if (!needCredentials(run) || !needDiscovery(run))
        return;
    Mock::HttpCall call;
    call.url = run.facts().registrationUrl;
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    call.body = registrationRequest(stagesToRequest(run.facts()), u"json"_s);
    run.send(call, credentials, [&run](const Mock::HttpResult &result) {
        if (statusIn(result.status, {401, 403}))
            return run.pass(statusText(result));
        run.fail(u"registration answered %1, not 401 (or 403)"_s.arg(statusText(result)));
    });
}

void registrationCreated(CheckRun &run)
{
    if (!needDiscovery(run))
        return;
    Mock::HttpCall call;
    call.url = run.facts().registrationUrl;
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    const QStringList stages = stagesToRequest(run.facts());
    call.body = registrationRequest(stages, u"json"_s);
    run.send(call, Credentials::Configured, [&run, stages](const Mock::HttpResult &result) {
        QString error;
        const QJsonObject answer = jsonObjectOf(result, &error);
        QStringList faults;
        if (result.status != 201)
            faults << u"status %1, not 201"_s.arg(result.status);
        if (!error.isEmpty())
            return run.fail((faults << error).join(u"; "_s));
        for (const QString &field : {u"registrationId"_s, u"createdAt"_s, u"hookEndpoint"_s}) {
            const QString fault = stringField(answer, field);
            if (!fault.isEmpty())
                faults << fault;
        }
        const QString status = answer.value(u"status"_s).toString();
        if (status != u"active"_s && status != u"suspended"_s)
            faults << u"status is \"%1\", not active or suspended"_s.arg(status);
        if (!answer.value(u"negotiated"_s).isObject())
            faults << u"negotiated is not an object"_s;
        const QJsonObject endpoints = answer.value(u"endpoints"_s).toObject();
        for (const QString &field : {u"deregistration"_s, u"status"_s}) {
            const QString fault = stringField(endpoints, field);
            if (!fault.isEmpty())
                faults << u"endpoints: "_s + fault;
        }
        ScannerFacts &facts = run.facts();
        const QString id = answer.value(u"registrationId"_s).toString();
        const QString hook = answer.value(u"hookEndpoint"_s).toString();
        if (!id.isEmpty() && !hook.isEmpty()) {
            // Usable even when something above is wrong: the later checks test other clauses.
            facts.registered = true;
            facts.registrationId = id;
            facts.requestedStages = stages;
            // A relative hookEndpoint resolves against the registration URL (§b.3).
            facts.hookUrl = facts.registrationUrl.resolved(QUrl(hook));
            const QJsonObject negotiated = answer.value(u"negotiated"_s).toObject();
            facts.negotiatedStages
                = strings(negotiated.value(u"inbound"_s).toObject().value(u"stages"_s));
            QString deregistrationPath = endpoints.value(u"deregistration"_s).toString();
            if (deregistrationPath.isEmpty())
                deregistrationPath = facts.discovery.value(u"endpoints"_s)
                                         .toObject()
                                         .value(u"deregistration"_s)
                                         .toString()
                                         .replace(u"{registration_id}"_s, id);
            facts.deregistrationUrl = deregistrationPath.isEmpty()
                ? QUrl()
                : facts.registrationUrl.resolved(QUrl(deregistrationPath));
            const QString statusPath = endpoints.value(u"status"_s).toString();
            facts.statusUrl
                = statusPath.isEmpty() ? QUrl() : facts.registrationUrl.resolved(QUrl(statusPath));
        }
        if (!faults.isEmpty())
            return run.fail(faults.join(u"; "_s));
        run.pass(u"registration %1, hooks at %2"_s.arg(id, facts.hookUrl.toString()));
    });
}

void registrationIdSyntax(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    static const QRegularExpression syntax(u"^[A-Za-z0-9_:-]{1,255}$"_s);
    const QString id = run.facts().registrationId;
    if (syntax.match(id).hasMatch())
        return run.pass(id);
    run.fail(u"\"%1\" is not 1–255 characters of ASCII letters, digits, -, _ and :"_s.arg(id));
}

void registrationNegotiated(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    const ScannerFacts &facts = run.facts();
    QStringList extra;
    for (const QString &stage : facts.negotiatedStages) {
        if (!facts.requestedStages.contains(stage))
            extra << stage;
    }
    if (!extra.isEmpty())
        return run.fail(u"negotiated stages %1 were not requested (asked for %2)"_s.arg(
            extra.join(u", "_s), facts.requestedStages.join(u", "_s)));
    run.pass(u"negotiated %1 of %2"_s.arg(
        facts.negotiatedStages.join(u", "_s), facts.requestedStages.join(u", "_s)));
}

void statusDocument(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    if (run.facts().statusUrl.isEmpty())
        return run.fail(u"the registration gave no endpoints.status"_s);
    Mock::HttpCall call;
    call.method = "GET";
    call.url = run.facts().statusUrl;
    call.headers = {{"Accept", "application/json"}};
    run.send(call, Credentials::Configured, [&run](const Mock::HttpResult &result) {
        if (result.status != 200)
            return run.fail(u"status answered %1, not 200"_s.arg(statusText(result)));
        QString error;
        const QJsonObject answer = jsonObjectOf(result, &error);
        if (!error.isEmpty())
            return run.fail(error);
        QStringList faults;
        if (answer.value(u"registrationId"_s).toString() != run.facts().registrationId)
            faults << u"registrationId is not %1"_s.arg(run.facts().registrationId);
        const QString status = answer.value(u"status"_s).toString();
        if (status != u"active"_s && status != u"suspended"_s)
            faults << u"status is \"%1\", not active or suspended"_s.arg(status);
        if (!faults.isEmpty())
            return run.fail(faults.join(u"; "_s));
        run.pass(status);
    });
}

} // namespace

QList<Check> controlChecks()
{
    const QList<MtaHooks::Dialect> drafts {MtaHooks::Dialect::Draft01, MtaHooks::Dialect::Draft02};
    return {
        {u"discovery.document"_s, u"draft-01 §b.3 Discovery"_s, Level::Must,
            u"discovery document has every field, in JSON, without credentials"_s, drafts,
            discoveryDocument},
        {u"registration.missing-credentials"_s, u"draft-01 §d.2 Authentication"_s, Level::Must,
            u"registration without credentials is refused (401)"_s, drafts,
            [](CheckRun &run) { registrationRefused(run, Credentials::None); }},
        {u"registration.wrong-credentials"_s, u"draft-01 §d.2 Authentication"_s, Level::Must,
            u"registration with wrong credentials is refused (401)"_s, drafts,
            [](CheckRun &run) { registrationRefused(run, Credentials::Wrong); }},
        {u"registration.created"_s, u"draft-01 §b.3 Registration response"_s, Level::Must,
            u"registration answers 201 with every field"_s, drafts, registrationCreated},
        {u"registration.id-syntax"_s, u"draft-01 §b.3 Registration response"_s, Level::Must,
            u"registrationId is ASCII alnum, -, _, : and at most 255 long"_s, drafts,
            registrationIdSyntax},
        {u"registration.negotiated"_s, u"draft-01 §b.3 Registration response"_s, Level::Must,
            u"negotiated stages are a subset of the requested ones"_s, drafts,
            registrationNegotiated},
        {u"status.document"_s, u"draft-01 §b.3 Status"_s, Level::Must,
            u"status endpoint answers 200 with the registration"_s, drafts, statusDocument},
    };
}

} // namespace Conform

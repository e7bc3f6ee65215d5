// SPDX-License-Identifier: GPL-3.0-or-later
// A strict endpoint (EndpointSettings::strict) refuses what breaks a draft MUST with the drafts'
// error answers (protocol reference §d.2), as a scanner in production would; the lenient default
// answers and records the problem. Both keep the call.
#include "mock/scanner/hookendpoint.h"

#include "mock/scanner/callanalysis.h"
#include "mock/scanner/hookendpoint_p.h"

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

bool isDraft(const HookRequest &request)
{
    return request.dialect == Dialect::Draft01 || request.dialect == Dialect::Draft02;
}

struct Refusal
{
    int status = 400;
    QString code;
    QString message;
};

std::optional<Refusal> headerRefusal(const Exchange &exchange)
{
    const QByteArray requestId = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (requestId.isEmpty())
        return Refusal {400, u"MISSING_REQUEST_ID"_s,
            u"header X-MTA-Hooks-Request-Id is REQUIRED on hook calls"_s};
    if (!isValidRequestId(requestId))
        return Refusal {400, u"INVALID_REQUEST"_s,
            u"X-MTA-Hooks-Request-Id must be 1-128 characters of A-Z a-z 0-9 - . _ ~"_s};
    const QByteArray registration = exchange.requestHeader("X-MTA-Hooks-Registration");
    if (registration.isEmpty())
        return Refusal {400, u"INVALID_REQUEST"_s,
            u"header X-MTA-Hooks-Registration is REQUIRED on hook calls"_s};
    const QString fromPath
        = ControlPlane::registrationFromHookPath(QString::fromUtf8(exchange.path));
    if (!fromPath.isEmpty() && fromPath != QString::fromUtf8(registration))
        return Refusal {400, u"INVALID_REQUEST"_s,
            u"X-MTA-Hooks-Registration %1 is not the registration of this hook endpoint (%2)"_s.arg(
                QString::fromUtf8(registration), fromPath)};
    return std::nullopt;
}

// The first problem of severity error the decoder or validator found, with its place.
std::optional<Refusal> validationRefusal(const HookRequest &request)
{
    for (const Problem &problem : request.problems) {
        if (problem.severity != Severity::Error)
            continue;
        return Refusal {400, u"INVALID_REQUEST"_s,
            problem.pointer.isEmpty() ? problem.message
                                      : u"%1: %2"_s.arg(problem.pointer, problem.message)};
    }
    return std::nullopt;
}

} // namespace

void HookEndpoint::Private::noteRequestId(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    call->requestId = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (call->requestId.isEmpty())
        return;
    call->sighting = requestIds.see(call->requestId, call->bodyDigest);
    const QString id = QString::fromLatin1(call->requestId);
    if (call->sighting.conflict)
        exchange.problems.append({QString(), Severity::Error,
            u"request id %1 came before with another body: an id names one logical call, the "
            "same on each of its retries (draft-01 §Request identifiers)"_s.arg(id),
            ProblemOrigin::Transport});
    else if (call->sighting.before > 0)
        exchange.problems.append({QString(), Severity::Info,
            u"retry: request id %1 seen %2 time(s) before"_s.arg(id).arg(call->sighting.before),
            ProblemOrigin::Transport});
}

bool HookEndpoint::Private::refuseForRegistration(
    const std::shared_ptr<Call> &call, bool refuseUnknown)
{
    Exchange &exchange = call->exchange;
    const auto refusal = controlPlane.refuseHook(
        call->registrationId, callerIdentity(settings, exchange.requestHeaders), refuseUnknown);
    if (!refusal)
        return false;
    exchange.verdict = Verdict::Error;
    exchange.ruleName = u"control plane"_s;
    exchange.ruleReason = refusal->problems.value(0).message;
    exchange.problems += withOrigin(refusal->problems, ProblemOrigin::Transport);
    call->refused = true;
    finish(call, refusal->httpStatus, refusal->contentType, refusal->body);
    return true;
}

bool HookEndpoint::Private::refuseStrictly(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    const bool draft = isDraft(call->request);
    std::optional<Refusal> refusal;
    if (draft)
        refusal = headerRefusal(exchange);
    if (!refusal && draft) {
        // Unknown (404, register again), expired (404), another caller's (403) or deregistered
        // (410).
        if (refuseForRegistration(call, true))
            return true;
    }
    if (!refusal && call->sighting.conflict)
        // Hookscope's choice where the draft is silent (rspamd answers the same): a reused id
        // cannot be deduplicated, and answering it as a retry would answer the wrong message.
        refusal = Refusal {409, u"REQUEST_ID_CONFLICT"_s,
            u"request id %1 was used before with another body"_s.arg(
                QString::fromLatin1(call->requestId))};
    if (!refusal)
        refusal = validationRefusal(call->request);
    if (!refusal && call->request.hasMessage
        && call->request.rawMessage.size() > settings.bodyLimit)
        refusal = Refusal {413, u"REQUEST_TOO_LARGE"_s,
            u"the message is %1 bytes; maxMessageSize is %2"_s.arg(call->request.rawMessage.size())
                .arg(settings.bodyLimit)};
    if (!refusal)
        return false;
    exchange.verdict = Verdict::Error;
    exchange.ruleName = u"strict"_s;
    exchange.ruleReason = u"%1 %2: %3"_s.arg(refusal->status).arg(refusal->code, refusal->message);
    call->refused = true;
    finish(call, refusal->status, "application/json", errorBody(refusal->code, refusal->message));
    return true;
}

bool HookEndpoint::Private::answerRetry(const std::shared_ptr<Call> &call)
{
    const auto &answer = call->sighting.answer;
    if (!answer)
        return false;
    call->exchange.ruleName = u"retry"_s;
    call->exchange.ruleReason = u"request id %1 answered before: the same answer again"_s.arg(
        QString::fromLatin1(call->requestId));
    finish(call, answer->status, answer->contentType, answer->body, answer->headers);
    return true;
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/mtachecks_p.h"
#include "mock/conform/mtaobserver.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

// The checks `hookscope conform --mta` scores an MTA on, one entry each: what the clause asks and
// how the recorded calls show it. They only read the observation: the faults that provoke the
// behaviour are the observer's plan (mtaobserver.cpp).
namespace Conform {

namespace {

constexpr int MaxEvidence = 3;
constexpr qsizetype EvidenceBodyBytes = 400;

QList<const Mock::Exchange *> hookCalls(const MtaObservation &seen)
{
    QList<const Mock::Exchange *> hooks;
    for (const Mock::Exchange &exchange : seen.exchanges) {
        if (exchange.kind == Mock::ExchangeKind::Hook)
            hooks.append(&exchange);
    }
    return hooks;
}

QString bodyStart(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(EvidenceBodyBytes));
    if (body.size() > EvidenceBodyBytes)
        text += u" …(%1 bytes)"_s.arg(body.size());
    return text;
}

// Every hook call must pass `ok`; the first that does not fails the check. Skips when the MTA
// made no hook call at all.
void everyHookCall(const MtaObservation &seen, Result &result,
    const std::function<QString(const Mock::Exchange &)> &fault, const QString &passDetail)
{
    const auto hooks = hookCalls(seen);
    if (hooks.isEmpty()) {
        result.status = Status::Skip;
        result.detail = u"the MTA made no hook call"_s;
        return;
    }
    QStringList faults;
    for (const Mock::Exchange *exchange : hooks) {
        const QString why = fault(*exchange);
        if (why.isEmpty())
            continue;
        if (faults.isEmpty())
            result.detail
                = u"call %1 (%2): %3"_s.arg(exchange->sequence).arg(exchange->stageName, why);
        faults << why;
        if (result.evidence.size() < MaxEvidence)
            result.evidence << evidenceOf(seen, *exchange);
    }
    if (faults.isEmpty()) {
        result.status = Status::Pass;
        result.detail = passDetail.arg(hooks.size());
        return;
    }
    result.status = Status::Fail;
    if (faults.size() > 1)
        result.detail += u" (and %1 more call(s))"_s.arg(faults.size() - 1);
}

QString registrationHeader(const Mock::Exchange &exchange)
{
    return exchange.requestHeader("X-MTA-Hooks-Registration").isEmpty()
        ? u"no X-MTA-Hooks-Registration header"_s
        : QString();
}

QString requestIdSyntax(const Mock::Exchange &exchange)
{
    static const QRegularExpression unreserved(u"^[A-Za-z0-9._~-]{1,128}$"_s);
    const QByteArray id = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (id.isEmpty())
        return u"no X-MTA-Hooks-Request-Id header"_s;
    if (!unreserved.match(QString::fromLatin1(id)).hasMatch())
        return u"request id \"%1\" is not 1 to 128 unreserved characters"_s.arg(
            QString::fromLatin1(id.left(140)));
    return {};
}

QString contentType(const Mock::Exchange &exchange)
{
    const QByteArray type
        = exchange.requestHeader("Content-Type").split(';').constFirst().trimmed().toLower();
    if (type == "application/json" || type == "application/cbor")
        return {};
    return type.isEmpty() ? u"no Content-Type"_s
                          : u"Content-Type %1"_s.arg(QString::fromLatin1(type));
}

QString requestShape(const Mock::Exchange &exchange)
{
    QStringList errors;
    for (const MtaHooks::Problem &problem : exchange.problems) {
        if (problem.origin == MtaHooks::ProblemOrigin::Request
            && problem.severity == MtaHooks::Severity::Error)
            errors << (problem.pointer.isEmpty() ? problem.message
                                                 : problem.pointer + u": "_s + problem.message);
    }
    return errors.join(u"; "_s);
}

void idsNotReused(const MtaObservation &seen, Result &result)
{
    QHash<QByteArray, const Mock::Exchange *> firstWithId;
    everyHookCall(
        seen, result,
        [&firstWithId](const Mock::Exchange &exchange) {
            const QByteArray id = exchange.requestHeader("X-MTA-Hooks-Request-Id");
            if (id.isEmpty())
                return QString();
            const Mock::Exchange *first = firstWithId.value(id);
            if (!first) {
                firstWithId.insert(id, &exchange);
                return QString();
            }
            return first->requestBody == exchange.requestBody
                ? QString()
                : u"request id %1 already named another call (%2)"_s.arg(
                    QString::fromLatin1(id), first->stageName);
        },
        u"%1 hook calls, one id per logical call"_s);
}

// The hook call that repeats the one answered 503 (same body), or -1.
qsizetype retryOf503(const MtaObservation &seen)
{
    if (seen.retryFaultExchange < 0)
        return -1;
    const Mock::Exchange &faulted = seen.exchanges.at(seen.retryFaultExchange);
    for (qsizetype i = seen.retryFaultExchange + 1; i < seen.exchanges.size(); ++i) {
        const Mock::Exchange &next = seen.exchanges.at(i);
        if (next.kind == Mock::ExchangeKind::Hook && next.requestBody == faulted.requestBody)
            return i;
    }
    return -1;
}

void retrySameId(const MtaObservation &seen, Result &result)
{
    if (seen.retryFaultExchange < 0) {
        result.status = Status::Skip;
        result.detail = u"no call was answered 503"_s;
        return;
    }
    const Mock::Exchange &faulted = seen.exchanges.at(seen.retryFaultExchange);
    result.evidence << evidenceOf(seen, faulted);
    const qsizetype retry = retryOf503(seen);
    if (retry < 0) {
        result.status = Status::Skip;
        result.detail = u"the MTA did not retry the call answered 503 (retrying is optional)"_s;
        return;
    }
    const Mock::Exchange &next = seen.exchanges.at(retry);
    result.evidence << evidenceOf(seen, next);
    const QByteArray before = faulted.requestHeader("X-MTA-Hooks-Request-Id");
    const QByteArray after = next.requestHeader("X-MTA-Hooks-Request-Id");
    if (before.isEmpty()) {
        // Scored once, by mta-request-id: without an id there is nothing to keep.
        result.status = Status::Skip;
        result.detail = u"the first attempt had no request id (see mta-request-id)"_s;
    } else if (before == after) {
        result.status = Status::Pass;
        result.detail = u"retried with request id %1"_s.arg(QString::fromLatin1(after));
    } else {
        result.status = Status::Fail;
        result.detail = u"the retry's request id is \"%1\", the first attempt's \"%2\""_s.arg(
            QString::fromLatin1(after), QString::fromLatin1(before));
    }
}

void honoursRetryAfter(const MtaObservation &seen, Result &result)
{
    const qsizetype retry = retryOf503(seen);
    if (retry < 0) {
        result.status = Status::Skip;
        result.detail = u"the MTA did not retry the call answered 503"_s;
        return;
    }
    const Mock::Exchange &faulted = seen.exchanges.at(seen.retryFaultExchange);
    const Mock::Exchange &again = seen.exchanges.at(retry);
    result.evidence << evidenceOf(seen, faulted) << evidenceOf(seen, again);
    QByteArray retryAfter;
    for (const auto &[name, value] : faulted.responseHeaders) {
        if (name.compare("Retry-After", Qt::CaseInsensitive) == 0)
            retryAfter = value.trimmed();
    }
    // The arrival times have millisecond precision; the answer went out just after its arrival.
    constexpr qint64 ToleranceMs = 50;
    const qint64 waitedMs = faulted.received.msecsTo(again.received);
    const qint64 askedMs = retryAfter.toLongLong() * 1000;
    if (waitedMs + ToleranceMs >= askedMs) {
        result.status = Status::Pass;
        result.detail = u"retried after %1 ms (Retry-After: %2)"_s.arg(waitedMs).arg(
            QString::fromLatin1(retryAfter));
        return;
    }
    result.status = Status::Fail;
    result.detail = u"retried after %1 ms, before the Retry-After of %2 s"_s.arg(waitedMs).arg(
        QString::fromLatin1(retryAfter));
}

// The first registration answered 201 after the call answered 404, or -1.
qsizetype registrationAfter404(const MtaObservation &seen)
{
    for (qsizetype i = seen.notFoundExchange + 1; i < seen.exchanges.size(); ++i) {
        const Mock::Exchange &next = seen.exchanges.at(i);
        if (next.kind == Mock::ExchangeKind::Registration && next.httpStatus == 201)
            return i;
    }
    return -1;
}

void registersAfter404(const MtaObservation &seen, Result &result)
{
    if (seen.notFoundExchange < 0) {
        result.status = Status::Skip;
        result.detail = u"the MTA made too few calls for one to be answered 404"_s;
        return;
    }
    result.evidence << evidenceOf(seen, seen.exchanges.at(seen.notFoundExchange));
    const qsizetype again = registrationAfter404(seen);
    if (again < 0) {
        result.status = Status::Fail;
        result.detail = u"no new registration after 404 REGISTRATION_NOT_FOUND"_s;
        return;
    }
    result.evidence << evidenceOf(seen, seen.exchanges.at(again));
    result.status = Status::Pass;
    result.detail = u"registered again after the 404"_s;
}

void resendsAfter404(const MtaObservation &seen, Result &result)
{
    const qsizetype again = seen.notFoundExchange < 0 ? -1 : registrationAfter404(seen);
    if (again < 0) {
        result.status = Status::Skip;
        result.detail = u"no new registration after a 404 (see mta-registers-after-404)"_s;
        return;
    }
    const Mock::Exchange &refused = seen.exchanges.at(seen.notFoundExchange);
    const QByteArray registration = QJsonDocument::fromJson(seen.exchanges.at(again).responseBody)
                                        .object()
                                        .value(u"registrationId"_s)
                                        .toString()
                                        .toUtf8();
    for (qsizetype i = again + 1; i < seen.exchanges.size(); ++i) {
        const Mock::Exchange &next = seen.exchanges.at(i);
        if (next.kind != Mock::ExchangeKind::Hook || next.requestBody != refused.requestBody)
            continue;
        result.evidence << evidenceOf(seen, next);
        if (next.requestHeader("X-MTA-Hooks-Registration") == registration) {
            result.status = Status::Pass;
            result.detail = u"sent the call again for %1"_s.arg(QString::fromLatin1(registration));
        } else {
            result.status = Status::Fail;
            result.detail = u"sent the call again, but not for the new registration %1"_s.arg(
                QString::fromLatin1(registration));
        }
        return;
    }
    result.status = Status::Fail;
    result.detail = u"registered again but did not send the call answered 404 again"_s;
}

// The most hook calls the MTA had open at once (arrival to answer) before the call at index end.
int peakConcurrency(const MtaObservation &seen, qsizetype end)
{
    QList<std::pair<qint64, int>> events; // (time in µs, +1 opens / -1 closes), closes first
    for (qsizetype i = 0; i < end; ++i) {
        const Mock::Exchange &e = seen.exchanges.at(i);
        if (e.kind != Mock::ExchangeKind::Hook)
            continue;
        const qint64 at = e.received.toMSecsSinceEpoch() * 1000;
        events.append({at, +1});
        events.append({at + std::max<qint64>(e.latencyUs, 1), -1});
    }
    std::sort(events.begin(), events.end());
    int open = 0;
    int peak = 1;
    for (const auto &[at, step] : std::as_const(events)) {
        open += step;
        peak = std::max(peak, open);
    }
    return peak;
}

// How many lanes the MTA calls from, judged by the calls before index end: the most it had open
// at once (arrival to answer), or the keep-alive connections it sent more than one call on,
// whichever is more (fast calls seldom overlap, but each lane keeps its connection).
int lanesOf(const MtaObservation &seen, qsizetype end)
{
    QHash<QString, int> callsPerConnection;
    for (qsizetype i = 0; i < end; ++i) {
        const Mock::Exchange &e = seen.exchanges.at(i);
        if (e.kind == Mock::ExchangeKind::Hook && e.peerPort != 0)
            ++callsPerConnection[e.peerAddress + u':' + QString::number(e.peerPort)];
    }
    const auto reused = std::count_if(callsPerConnection.cbegin(), callsPerConnection.cend(),
        [](int calls) { return calls > 1; });
    return std::max(int(reused), peakConcurrency(seen, end));
}

void stopsAfter410(const MtaObservation &seen, Result &result)
{
    if (seen.goneExchange < 0) {
        result.status = Status::Skip;
        result.detail = seen.deregisteredId.isEmpty()
            ? u"the MTA made too few calls for its registration to be ended"_s
            : u"the MTA made no call after its registration was ended"_s;
        return;
    }
    const Mock::Exchange &gone = seen.exchanges.at(seen.goneExchange);
    result.evidence << evidenceOf(seen, gone);
    const QByteArray registration = gone.requestHeader("X-MTA-Hooks-Registration");
    // A call that reached us before the 410 was written was sent before the MTA could know: an
    // MTA with calls in flight is not at fault for them. Arrival times have millisecond
    // precision; the answer's time is rounded up, so a call sent on reading it is never excused.
    const qint64 answeredMs = gone.received.toMSecsSinceEpoch() + (gone.latencyUs + 999) / 1000;
    // An MTA that calls from several lanes at once learns of the 410 in one of them; the others
    // may each have sent one call before that lane told them. So many calls, arriving soon after
    // the answer, are excused: one per other lane. A one-lane MTA gets none.
    constexpr qint64 LaneReactionMs = 100;
    const int lanes = lanesOf(seen, seen.goneExchange);
    int excusable = lanes - 1;
    int later = 0;
    int inFlight = 0;
    for (qsizetype i = seen.goneExchange + 1; i < seen.exchanges.size(); ++i) {
        const Mock::Exchange &next = seen.exchanges.at(i);
        if (next.kind != Mock::ExchangeKind::Hook
            || next.requestHeader("X-MTA-Hooks-Registration") != registration)
            continue;
        const qint64 arrivedMs = next.received.toMSecsSinceEpoch();
        const bool sentBefore = arrivedMs < answeredMs;
        const bool otherLane = excusable > 0 && arrivedMs < answeredMs + LaneReactionMs;
        if (sentBefore || otherLane) {
            if (!sentBefore)
                --excusable;
            ++inFlight;
            continue;
        }
        if (++later == 1)
            result.evidence << evidenceOf(seen, next);
    }
    const QString inFlightNote = inFlight == 0
        ? QString()
        : u" (%1 call(s) in flight when the 410 was answered not counted; lanes: %2)"_s
              .arg(inFlight)
              .arg(lanes);
    if (later == 0) {
        result.status = Status::Pass;
        result.detail = u"no call for %1 after the 410"_s.arg(QString::fromLatin1(registration))
            + inFlightNote;
        return;
    }
    result.status = Status::Fail;
    result.detail
        = u"%1 more hook call(s) for %2 after the 410 REGISTRATION_DEREGISTERED"_s.arg(later).arg(
              QString::fromLatin1(registration))
        + inFlightNote;
}

void registersFirst(const MtaObservation &seen, Result &result)
{
    for (const Mock::Exchange &exchange : seen.exchanges) {
        if (exchange.kind == Mock::ExchangeKind::Registration && exchange.httpStatus == 201) {
            result.status = Status::Pass;
            result.detail = u"registered before its first hook call"_s;
            return;
        }
        if (exchange.kind == Mock::ExchangeKind::Hook) {
            result.status = Status::Fail;
            result.detail = u"a hook call came before any registration"_s;
            result.evidence << evidenceOf(seen, exchange);
            return;
        }
    }
    result.status = Status::Skip;
    result.detail = u"the MTA made no hook call"_s;
}

} // namespace

Evidence evidenceOf(const MtaObservation &observation, const Mock::Exchange &exchange)
{
    Evidence evidence;
    // The checks hold references into the list: the address is the index.
    const Mock::Exchange *first = observation.exchanges.constData();
    const std::less<const Mock::Exchange *> before;
    if (!before(&exchange, first) && before(&exchange, first + observation.exchanges.size()))
        evidence.exchange = &exchange - first;
    Mock::HttpHeaders headers = exchange.requestHeaders;
    Mock::redactCredentials(headers);
    QStringList sent {QString::fromLatin1(exchange.method + ' ' + exchange.path)};
    for (const auto &[name, value] : headers)
        sent << QString::fromLatin1(name + ": " + value);
    sent << QString() << bodyStart(exchange.requestBody);
    evidence.sent = sent.join(u'\n');
    QStringList seen {u"HTTP %1"_s.arg(exchange.httpStatus)};
    if (!exchange.fault.isEmpty())
        seen.first() += u" (fault %1)"_s.arg(exchange.fault);
    for (const auto &[name, value] : exchange.responseHeaders)
        seen << QString::fromLatin1(name + ": " + value);
    seen << QString() << bodyStart(exchange.responseBody);
    evidence.seen = seen.join(u'\n');
    return evidence;
}

const QList<MtaCheck> &mtaChecks()
{
    static const QList<MtaCheck> checks = QList<MtaCheck> {
        {u"mta-registers"_s, u"draft-01 §b.3 Registration"_s, Level::Should,
            u"registers before calling"_s, registersFirst},
        {u"mta-registration-header"_s, u"draft-01 §d.2 Hook request headers"_s, Level::Must,
            u"every hook call names its registration"_s,
            [](const MtaObservation &seen, Result &result) {
                everyHookCall(seen, result, registrationHeader,
                    u"X-MTA-Hooks-Registration on all %1 hook calls"_s);
            }},
        {u"mta-request-id"_s, u"draft-01 §d.2 Hook request headers"_s, Level::Must,
            u"every hook call has a well-formed request id"_s,
            [](const MtaObservation &seen, Result &result) {
                everyHookCall(seen, result, requestIdSyntax,
                    u"X-MTA-Hooks-Request-Id well-formed on all %1 hook calls"_s);
            }},
        {u"mta-request-id-unique"_s, u"draft-01 §d.2 Hook request headers"_s, Level::Must,
            u"a request id names one logical call"_s, idsNotReused},
        {u"mta-content-type"_s, u"draft-01 §d.2 Content-Type"_s, Level::Must,
            u"hook calls are application/json or application/cbor"_s,
            [](const MtaObservation &seen, Result &result) {
                everyHookCall(
                    seen, result, contentType, u"%1 hook calls with a valid Content-Type"_s);
            }},
        {u"mta-request-shape"_s, u"draft-01 §b.2 Hook request"_s, Level::Must,
            u"each stage's request has the draft's shape"_s,
            [](const MtaObservation &seen, Result &result) {
                everyHookCall(
                    seen, result, requestShape, u"%1 hook requests valid for their stage"_s);
            }},
        {u"mta-retry-same-id"_s, u"draft-01 §d.2 Hook request headers"_s, Level::Must,
            u"a retry after 503 keeps the request id"_s, retrySameId},
        {u"mta-honours-retry-after"_s, u"draft-01 §d.2 Status codes"_s, Level::Should,
            u"waits as Retry-After asks before retrying"_s, honoursRetryAfter},
        {u"mta-registers-after-404"_s, u"draft-01 §d.2 Status codes"_s, Level::Must,
            u"registers again after 404 REGISTRATION_NOT_FOUND"_s, registersAfter404},
        {u"mta-resends-after-404"_s, u"draft-01 §d.2 Status codes"_s, Level::Should,
            u"sends the call answered 404 again, for the new registration"_s, resendsAfter404},
        {u"mta-stops-after-410"_s, u"draft-01 §d.2 Status codes"_s, Level::Must,
            u"no more calls for a registration answered 410"_s, stopsAfter410},
    } + Detail::answerChecks();
    return checks;
}

QList<Result> scoreMta(const MtaObservation &observation)
{
    QList<Result> results;
    for (const MtaCheck &check : mtaChecks()) {
        QElapsedTimer timer;
        timer.start();
        Result result;
        result.id = check.id;
        result.clause = check.clause;
        result.level = check.level;
        result.title = check.title;
        check.score(observation, result);
        result.elapsedMs = timer.elapsed();
        results << result;
    }
    return results;
}

} // namespace Conform

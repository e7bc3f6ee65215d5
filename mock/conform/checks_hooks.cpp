// SPDX-License-Identifier: GPL-3.0-or-later
// Hook calls to a registration: answers, authentication and refusals (reference §c.2, §d.2).
#include "mock/conform/checkhelpers_p.h"
#include "mock/conform/checks_p.h"

#include <memory>

using namespace Qt::StringLiterals;
using namespace Conform::Detail;
using namespace MtaHooks;

namespace Conform {

namespace {

void stageAnswered(CheckRun &run, Stage stage)
{
    if (!needRegistration(run))
        return;
    const QString name = stageName(stage);
    if (!run.facts().negotiatedStages.contains(name))
        return run.skip(u"%1 was not negotiated"_s.arg(name));
    const QByteArray body = cleanRequest(run.target().dialect, stage);
    run.send(hookCall(run.facts(), body), Credentials::Configured,
        [&run, body, name](const Mock::HttpResult &result) {
            QStringList paths;
            const QStringList faults = answerFaults(body, Encoding::Json, result, &paths);
            for (const QString &path : std::as_const(paths))
                run.facts().answeredPaths.append({name, path});
            if (!faults.isEmpty())
                return run.fail(faults.join(u"; "_s));
            run.pass(u"%1, %2 operation(s)"_s.arg(statusText(result)).arg(paths.size()));
        });
}

void updatePropertiesOnly(CheckRun &run)
{
    const ScannerFacts &facts = run.facts();
    if (facts.inboundUpdateProperties.isEmpty())
        return run.skip(u"discovery lists no inbound updateProperties"_s);
    QStringList outside;
    for (const auto &answered : facts.answeredPaths) {
        const QString &path = answered.second;
        // A listed pointer covers what lies below it (reference §f.6: the examples imply
        // prefixes).
        const bool covered = std::any_of(facts.inboundUpdateProperties.cbegin(),
            facts.inboundUpdateProperties.cend(), [&path](const QString &allowed) {
                return path == allowed || path.startsWith(allowed + u'/');
            });
        if (!covered)
            outside << u"%1 at %2"_s.arg(path, answered.first);
    }
    if (!outside.isEmpty())
        return run.fail(u"outside updateProperties (%1): %2"_s.arg(
            facts.inboundUpdateProperties.join(u", "_s), outside.join(u", "_s)));
    run.pass(u"%1 operation(s), all within updateProperties"_s.arg(facts.answeredPaths.size()));
}

void hookRefused(CheckRun &run, Credentials credentials)
{
    if (!needCredentials(run) || !needRegistration(run))
        return;
    run.send(hookCall(run.facts(), cleanRequest(run.target().dialect, Stage::Data)), credentials,
        [&run](const Mock::HttpResult &result) {
            if (statusIn(result.status, {401, 403}))
                return run.pass(statusText(result));
            run.fail(u"the hook call got %1, not 401 (or 403)"_s.arg(statusText(result)));
        });
}

void unknownRegistration(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    ScannerFacts unknown = run.facts();
    const QString id = u"conform-unknown-"_s + QString::fromLatin1(newRequestId().mid(8, 12));
    // The hook URL usually carries the id; replaced there too, or the scanner would see two ids.
    QString url = unknown.hookUrl.toString();
    url.replace(unknown.registrationId, id);
    unknown.hookUrl = QUrl(url);
    unknown.registrationId = id;
    run.send(hookCall(unknown, cleanRequest(run.target().dialect, Stage::Data)),
        Credentials::Configured, [&run](const Mock::HttpResult &result) {
            if (result.status == 404)
                return run.pass(statusText(result));
            run.fail(u"a hook call for an unknown registration got %1, not 404"_s.arg(
                statusText(result)));
        });
}

void missingRequestId(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    run.send(hookCall(run.facts(), cleanRequest(run.target().dialect, Stage::Data), {}),
        Credentials::Configured, [&run](const Mock::HttpResult &result) {
            if (result.status >= 400 && result.status < 500)
                return run.pass(statusText(result));
            run.fail(u"a hook call without X-MTA-Hooks-Request-Id got %1, not 4xx (400 "
                     "MISSING_REQUEST_ID)"_s.arg(statusText(result)));
        });
}

void malformedRefused(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    // Unparseable, not an object, and an object of the wrong types.
    const QList<QByteArray> bodies {"{\"stage\":\"data\",\"action\":", "[\"data\",\"accept\"]",
        "{\"stage\":42,\"action\":[],\"envelope\":\"alice\"}"};
    // The function knows itself only weakly; the call in flight keeps it alive.
    auto next = std::make_shared<std::function<void(qsizetype)>>();
    *next = [&run, bodies, weak = std::weak_ptr(next)](qsizetype index) {
        if (index == bodies.size())
            return run.pass(u"%1 malformed bodies refused with 4xx"_s.arg(bodies.size()));
        run.send(hookCall(run.facts(), bodies.at(index)), Credentials::Configured,
            [&run, index, self = weak.lock()](const Mock::HttpResult &result) {
                if (result.status >= 400 && result.status < 500)
                    return (*self)(index + 1);
                run.fail(
                    u"malformed body %1 got %2, not 4xx"_s.arg(index + 1).arg(statusText(result)));
            });
    };
    (*next)(0);
}

void tooLarge(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    const QJsonValue limit
        = run.facts().discovery.value(u"limits"_s).toObject().value(u"maxMessageSize"_s);
    if (!limit.isDouble() || limit.toDouble() <= 0)
        return run.skip(u"discovery announces no maxMessageSize"_s);
    const auto maximum = qint64(limit.toDouble());
    if (maximum + 1 > run.target().maxProbeBytes)
        return run.skip(u"maxMessageSize %1 is over the probe limit of %2 bytes"_s.arg(maximum).arg(
            run.target().maxProbeBytes));
    const QByteArray body = dataRequestOfSize(run.target().dialect, maximum + 1);
    run.send(hookCall(run.facts(), body), Credentials::Configured,
        [&run, maximum](const Mock::HttpResult &result) {
            if (result.status == 413)
                return run.pass(statusText(result));
            run.fail(u"a message of %1 bytes (maxMessageSize %2) got %3, not 413"_s.arg(maximum + 1)
                         .arg(maximum)
                         .arg(statusText(result)));
        });
}

bool sameAnswer(const Mock::HttpResult &a, const Mock::HttpResult &b)
{
    return a.status == b.status && a.body == b.body;
}

void retrySameAnswer(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    const QByteArray body = cleanRequest(run.target().dialect, Stage::Data);
    const Mock::HttpCall call = hookCall(run.facts(), body);
    run.send(call, Credentials::Configured, [&run, call, body](const Mock::HttpResult &first) {
        run.send(call, Credentials::Configured, [&run, first, body](const Mock::HttpResult &retry) {
            if (!sameAnswer(first, retry))
                return run.fail(u"the retry with the same request id got a different answer"_s);
            // Then the same logical call from 16 connections at once.
            const Mock::HttpCall racing = hookCall(run.facts(), body);
            run.sendAll(QList<Mock::HttpCall>(16, racing),
                [&run, racing](const QList<Mock::HttpResult> &answers) {
                    run.addEvidence(racing, answers.constFirst());
                    for (const Mock::HttpResult &answer : answers) {
                        if (!sameAnswer(answers.constFirst(), answer)) {
                            run.addEvidence(racing, answer);
                            return run.fail(
                                u"16 concurrent calls with one request id got different answers"_s);
                        }
                    }
                    run.pass(u"one answer for a retry and for 16 racing calls"_s);
                });
        });
    });
}

} // namespace

QList<Check> hookChecks()
{
    const QList<Dialect> drafts {Dialect::Draft01, Dialect::Draft02};
    QList<Check> checks;
    for (const Stage stage : {Stage::Connect, Stage::Ehlo, Stage::Mail, Stage::Rcpt, Stage::Data}) {
        const QString name = stageName(stage);
        checks.append({u"hook.stage.%1"_s.arg(name), u"draft-01 §c.2 Response"_s, Level::Must,
            u"a clean %1 call gets 200 with a valid patch, or 204"_s.arg(name), drafts,
            [stage](CheckRun &run) { stageAnswered(run, stage); }});
    }
    checks += QList<Check> {
        {u"hook.update-properties"_s, u"draft-01 §c.2 Response, §b.3 updateProperties"_s,
            Level::Must, u"answers change only updateProperties"_s, drafts, updatePropertiesOnly},
        {u"hook.missing-credentials"_s, u"draft-01 §d.2 Authentication"_s, Level::Must,
            u"a hook call without credentials is refused (401)"_s, drafts,
            [](CheckRun &run) { hookRefused(run, Credentials::None); }},
        {u"hook.wrong-credentials"_s, u"draft-01 §d.2 Authentication"_s, Level::Must,
            u"a hook call with wrong credentials is refused (401)"_s, drafts,
            [](CheckRun &run) { hookRefused(run, Credentials::Wrong); }},
        {u"hook.unknown-registration"_s, u"draft-01 §d.2 Status codes"_s, Level::Must,
            u"a hook call for an unknown registration gets 404"_s, drafts, unknownRegistration},
        {u"hook.missing-request-id"_s, u"draft-01 §d.2 Hook request headers"_s, Level::Must,
            u"a hook call without X-MTA-Hooks-Request-Id gets 4xx"_s, drafts, missingRequestId},
        {u"hook.malformed"_s, u"draft-01 §d.2 Error codes (400 INVALID_REQUEST)"_s, Level::Must,
            u"malformed hook requests get 4xx, never 2xx"_s, drafts, malformedRefused},
        {u"hook.too-large"_s, u"draft-01 §d.2 Status codes (413)"_s, Level::Must,
            u"a message over maxMessageSize gets 413"_s, drafts, tooLarge},
        {u"hook.retry-same-answer"_s, u"draft-01 §d.2 X-MTA-Hooks-Request-Id"_s, Level::Should,
            u"a retry with the same request id gets the same answer, also when 16 race"_s, drafts,
            retrySameAnswer},
    };
    return checks;
}

} // namespace Conform

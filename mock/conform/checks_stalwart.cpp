// SPDX-License-Identifier: GPL-3.0-or-later
// Stalwart's legacy format (reference §c.1, §d.1, §g): no discovery, no registration; one URL.
#include "mock/conform/checkhelpers_p.h"
#include "mock/conform/checks_p.h"

using namespace Qt::StringLiterals;
using namespace Conform::Detail;
using namespace MtaHooks;

namespace Conform {

namespace {

Mock::HttpCall legacyCall(const CheckRun &run, const QByteArray &body)
{
    Mock::HttpCall call;
    call.url = run.target().url;
    call.body = body;
    call.headers = {{"Content-Type", "application/json"}};
    return call;
}

void stageAnswered(CheckRun &run, Stage stage)
{
    const QByteArray body = cleanRequest(Dialect::Stalwart, stage);
    run.send(legacyCall(run, body), Credentials::Configured,
        [&run, body](const Mock::HttpResult &result) {
            QStringList faults;
            if (result.status < 200 || result.status > 299)
                faults << u"status %1: Stalwart tempfails (451 4.3.5)"_s.arg(result.status);
            else if (result.body.isEmpty())
                faults << u"an empty answer: Stalwart tempfails (451 4.3.5)"_s;
            else
                faults << answerFaults(body, Encoding::Json, result);
            if (!faults.isEmpty())
                return run.fail(faults.join(u"; "_s));
            run.pass(statusText(result));
        });
}

void refusedWithoutCredentials(CheckRun &run)
{
    if (!needCredentials(run))
        return;
    run.send(legacyCall(run, cleanRequest(Dialect::Stalwart, Stage::Data)), Credentials::None,
        [&run](const Mock::HttpResult &result) {
            if (statusIn(result.status, {401, 403}))
                return run.pass(statusText(result));
            run.fail(
                u"a call without credentials got %1, not 401 or 403"_s.arg(statusText(result)));
        });
}

} // namespace

QList<Check> stalwartChecks()
{
    const QList<Dialect> stalwart {Dialect::Stalwart};
    QList<Check> checks;
    for (const Stage stage : {Stage::Connect, Stage::Ehlo, Stage::Mail, Stage::Rcpt, Stage::Data}) {
        const QString name = stageName(stage);
        checks.append({u"stalwart.stage.%1"_s.arg(name), u"Stalwart legacy §c.1, §g"_s, Level::Must,
            u"a clean %1 call gets 2xx with a JSON action Stalwart parses"_s.arg(name), stalwart,
            [stage](CheckRun &run) { stageAnswered(run, stage); }});
    }
    checks.append({u"stalwart.missing-credentials"_s, u"Stalwart legacy §d.1"_s, Level::Should,
        u"a call without the configured credentials is refused"_s, stalwart,
        refusedWithoutCredentials});
    return checks;
}

} // namespace Conform

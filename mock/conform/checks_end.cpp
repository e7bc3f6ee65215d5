// SPDX-License-Identifier: GPL-3.0-or-later
// CBOR, deregistration and what comes after it (reference §b.3, §d.2).
#include "mock/conform/checkhelpers_p.h"
#include "mock/conform/checks_p.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;
using namespace Conform::Detail;
using namespace MtaHooks;

namespace Conform {

namespace {

// Leaves no registration behind; the answer does not decide the check.
void deregisterQuietly(CheckRun &run, const QUrl &url, std::function<void()> then)
{
    if (url.isEmpty())
        return then();
    Mock::HttpCall call;
    call.method = "DELETE";
    call.url = url;
    run.send(call, Credentials::Configured,
        [then = std::move(then)](const Mock::HttpResult &) { then(); });
}

void cborWhenOffered(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    const QJsonArray formats = run.facts().discovery.value(u"serialization"_s).toArray();
    if (!formats.contains(u"cbor"_s))
        return run.skip(u"discovery does not offer cbor"_s);
    Mock::HttpCall call;
    call.url = run.facts().registrationUrl;
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    call.body = registrationRequest({u"data"_s}, u"cbor"_s);
    run.send(call, Credentials::Configured, [&run](const Mock::HttpResult &registered) {
        QString error;
        const QJsonObject answer = jsonObjectOf(registered, &error);
        ScannerFacts cbor = run.facts();
        cbor.registrationId = answer.value(u"registrationId"_s).toString();
        const QString hook = answer.value(u"hookEndpoint"_s).toString();
        if (registered.status != 201 || cbor.registrationId.isEmpty() || hook.isEmpty())
            return run.fail(u"registering for cbor got %1"_s.arg(statusText(registered)));
        const QString negotiated
            = answer.value(u"negotiated"_s).toObject().value(u"serialization"_s).toString();
        cbor.hookUrl = cbor.registrationUrl.resolved(QUrl(hook));
        const QString deregistrationPath
            = answer.value(u"endpoints"_s).toObject().value(u"deregistration"_s).toString();
        const QUrl cleanup = deregistrationPath.isEmpty()
            ? QUrl()
            : cbor.registrationUrl.resolved(QUrl(deregistrationPath));
        const QByteArray body = cleanRequest(run.target().dialect, Stage::Data, Encoding::Cbor);
        run.send(hookCall(cbor, body, newRequestId(), Encoding::Cbor), Credentials::Configured,
            [&run, body, negotiated, cleanup](const Mock::HttpResult &result) {
                QStringList faults = answerFaults(body, Encoding::Cbor, result);
                if (negotiated != u"cbor"_s)
                    faults.prepend(
                        u"negotiated.serialization is \"%1\", not cbor"_s.arg(negotiated));
                deregisterQuietly(run, cleanup, [&run, faults, result] {
                    if (!faults.isEmpty())
                        return run.fail(faults.join(u"; "_s));
                    run.pass(u"CBOR answered with %1"_s.arg(statusText(result)));
                });
            });
    });
}

void deregistration(CheckRun &run)
{
    if (!needRegistration(run))
        return;
    if (run.facts().deregistrationUrl.isEmpty())
        return run.fail(u"no deregistration endpoint (registration or discovery)"_s);
    Mock::HttpCall call;
    call.method = "DELETE";
    call.url = run.facts().deregistrationUrl;
    call.headers = {{"Accept", "application/json"}};
    run.send(call, Credentials::Configured, [&run](const Mock::HttpResult &result) {
        if (result.status >= 200 && result.status < 300)
            run.facts().deregistered = true;
        if (result.status != 200)
            return run.fail(u"deregistration answered %1, not 200"_s.arg(statusText(result)));
        QString error;
        const QJsonObject answer = jsonObjectOf(result, &error);
        if (!error.isEmpty())
            return run.fail(error);
        QStringList faults;
        if (answer.value(u"registrationId"_s).toString() != run.facts().registrationId)
            faults << u"registrationId is not %1"_s.arg(run.facts().registrationId);
        if (answer.value(u"status"_s).toString() != u"deregistered"_s)
            faults << u"status is not \"deregistered\""_s;
        const QString at = stringField(answer, u"deregisteredAt"_s);
        if (!at.isEmpty())
            faults << at;
        if (!faults.isEmpty())
            return run.fail(faults.join(u"; "_s));
        run.pass(u"deregistered"_s);
    });
}

void afterDeregistration(CheckRun &run)
{
    if (!run.facts().deregistered)
        return run.skip(u"the registration was not ended (see deregistration.document)"_s);
    run.send(hookCall(run.facts(), cleanRequest(run.target().dialect, Stage::Data)),
        Credentials::Configured, [&run](const Mock::HttpResult &result) {
            if (result.status == 410)
                return run.pass(statusText(result));
            run.fail(u"a hook call after deregistration got %1, not 410"_s.arg(statusText(result)));
        });
}

} // namespace

QList<Check> endChecks()
{
    const QList<Dialect> drafts {Dialect::Draft01, Dialect::Draft02};
    return {
        {u"hook.cbor"_s, u"draft-01 §d.2 Content-Type"_s, Level::Must,
            u"when cbor is offered, a CBOR call gets a CBOR answer"_s, drafts, cborWhenOffered},
        {u"deregistration.document"_s, u"draft-01 §b.3 Deregistration"_s, Level::Must,
            u"deregistration answers 200 with status deregistered"_s, drafts, deregistration},
        {u"hook.after-deregistration"_s, u"draft-01 §d.2 Status codes (410)"_s, Level::Must,
            u"a hook call after deregistration gets 410"_s, drafts, afterDeregistration},
    };
}

const QList<Check> &allChecks()
{
    static const QList<Check> checks
        = controlChecks() + hookChecks() + endChecks() + stalwartChecks();
    return checks;
}

QList<Check> checksFor(Dialect dialect)
{
    QList<Check> chosen;
    for (const Check &check : allChecks()) {
        if (check.dialects.contains(dialect))
            chosen.append(check);
    }
    return chosen;
}

} // namespace Conform

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/mtaobserver.h"

#include "mock/conform/logging.h"
#include "mock/conform/mtaprobes_p.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QJsonArray>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace Conform {

struct MtaObserver::Private
{
    Mock::Rulebook rulebook;
    Mock::HookEndpoint endpoint {&rulebook};
    MtaFaultPlan plan;
    MtaObservation observation;
    int answeredCalls = 0;
    Detail::AnswerProbes probes;
    QTimer quiet;
    bool finished = false;
};

MtaObserver::MtaObserver(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->quiet.setSingleShot(true);
    connect(&d->quiet, &QTimer::timeout, this, &MtaObserver::finish);
    connect(&d->endpoint, &Mock::HookEndpoint::exchangeCaptured, this, &MtaObserver::onExchange);
}

MtaObserver::~MtaObserver() = default;

void MtaObserver::setPlan(const MtaFaultPlan &plan)
{
    d->plan = plan;
}

namespace {

const QString RetryRuleName = u"conform: 503 once"_s;
const QString NotFoundRuleName = u"conform: 404 once"_s;

Mock::Rule onceRule(const QString &name, const Mock::Answer &answer)
{
    Mock::Rule rule;
    rule.name = name;
    rule.when.times = 1; // the call made again gets the stage's default answer
    rule.answer = answer;
    return rule;
}

} // namespace

// Armed before the call arrives: the endpoint records a call before its answer is written, so the
// MTA cannot have sent the next call yet (an MTA with calls of several sessions in flight may see
// a probe land in another transaction; the checks read each probe on its own).
void MtaObserver::armFaultFor(int call)
{
    QList<Mock::Rule> rules;
    const int lastFault = qMax(d->plan.retryFaultAtCall, d->plan.notFoundAtCall);
    if (d->plan.answerProbes && call > lastFault) {
        rules = d->probes.rules();
    } else if (call == d->plan.retryFaultAtCall) {
        Mock::Answer answer;
        answer.fault = Mock::Fault::Http503;
        answer.retryAfterSeconds = d->plan.retryAfterSeconds;
        rules << onceRule(RetryRuleName, answer);
    } else if (call == d->plan.notFoundAtCall) {
        Mock::Answer answer;
        answer.kind = Mock::Answer::Kind::Body;
        answer.httpStatus = 404;
        answer.body = Mock::errorBody(
            u"REGISTRATION_NOT_FOUND"_s, u"registration not found (hookscope conform)"_s);
        rules << onceRule(NotFoundRuleName, answer);
    }
    d->rulebook.setRules(rules);
}

bool MtaObserver::listen(const Mock::EndpointSettings &settings)
{
    d->endpoint.setSettings(settings);
    armFaultFor(1);
    return d->endpoint.listen();
}

QString MtaObserver::url() const
{
    return d->endpoint.url();
}

QString MtaObserver::errorString() const
{
    return d->endpoint.errorString();
}

void MtaObserver::stop()
{
    finish();
}

bool MtaObserver::isFinished() const
{
    return d->finished;
}

const MtaObservation &MtaObserver::observation() const
{
    return d->observation;
}

QList<Result> MtaObserver::results() const
{
    return scoreMta(d->observation);
}

void MtaObserver::onExchange(const Mock::Exchange &exchange)
{
    if (d->finished || d->observation.callLimitReached)
        return;
    MtaObservation &seen = d->observation;
    const qint64 index = seen.exchanges.size();
    seen.exchanges.append(exchange);
    Q_EMIT exchangeSeen(exchange);
    if (seen.exchanges.size() >= d->plan.maxCalls) {
        qCWarning(lcConform) << "stopped watching the MTA after" << seen.exchanges.size()
                             << "calls";
        seen.callLimitReached = true;
        QTimer::singleShot(0, this, &MtaObserver::finish);
        return;
    }

    if (exchange.kind == Mock::ExchangeKind::Deregistration) {
        // The MTA is done; let its answer go out first.
        QTimer::singleShot(0, this, &MtaObserver::finish);
        return;
    }
    if (exchange.kind != Mock::ExchangeKind::Hook)
        return;
    if (seen.goneExchange >= 0) {
        d->quiet.start(d->plan.quietMs); // still calling: watch on
        return;
    }
    if (exchange.httpStatus == 410) {
        seen.goneExchange = index;
        d->quiet.start(d->plan.quietMs);
        return;
    }
    if (exchange.ruleName == RetryRuleName && seen.retryFaultExchange < 0)
        seen.retryFaultExchange = index;
    if (exchange.ruleName == NotFoundRuleName && seen.notFoundExchange < 0)
        seen.notFoundExchange = index;
    if (exchange.httpStatus < 200 || exchange.httpStatus > 299)
        return;
    const QString registration
        = QString::fromUtf8(exchange.requestHeader("X-MTA-Hooks-Registration"));
    QStringList negotiated;
    if (const auto active = d->endpoint.controlPlane().registration(registration)) {
        for (const QJsonValue &stage :
            active->negotiated.value(u"inbound"_s)[u"stages"_s].toArray())
            negotiated << stage.toString();
        if (negotiated.isEmpty())
            negotiated << u"none"_s; // outbound only: no inbound probe can be given
    }
    d->probes.see(exchange, index, seen, negotiated);
    ++d->answeredCalls;
    armFaultFor(d->answeredCalls + 1);
    deregisterWhenDue(exchange);
}

void MtaObserver::deregisterWhenDue(const Mock::Exchange &exchange)
{
    MtaObservation &seen = d->observation;
    const QString registration
        = QString::fromUtf8(exchange.requestHeader("X-MTA-Hooks-Registration"));
    const bool probesOver = !d->plan.answerProbes || d->probes.done()
        || d->answeredCalls >= d->plan.deregisterAfterCalls + d->plan.probeCallLimit;
    if (d->plan.deregisterAfterCalls <= 0 || d->answeredCalls < d->plan.deregisterAfterCalls
        || !probesOver || registration.isEmpty() || !seen.deregisteredId.isEmpty())
        return;
    Mock::ControlPlane &control = d->endpoint.controlPlane();
    const auto active = control.registration(registration);
    if (!active || active->status != u"active"_s)
        return; // configured by hand: nothing to deregister
    const auto reply
        = control.handle("DELETE", Mock::ControlPlane::registrationPath() + u'/' + registration, {},
            "application/json", {}, active->owner);
    if (reply && reply->httpStatus == 200) {
        seen.deregisteredId = registration;
        qCDebug(lcConform) << "deregistered" << registration << "after" << d->answeredCalls
                           << "calls";
    }
}

void MtaObserver::finish()
{
    if (d->finished)
        return;
    d->finished = true;
    d->quiet.stop();
    Q_EMIT finished();
}

} // namespace Conform

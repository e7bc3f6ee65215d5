// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/mtaobserver.h"

#include "mock/conform/logging.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QSet>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace Conform {

struct MtaObserver::Private
{
    Mock::Rulebook rulebook;
    Mock::HookEndpoint endpoint {&rulebook};
    MtaFaultPlan plan;
    MtaObservation observation;
    QSet<QByteArray> requestIds;
    int distinctCalls = 0;
    int answeredCalls = 0;
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

Mock::Rule retryFaultRule(int retryAfterSeconds)
{
    Mock::Rule rule;
    rule.name = u"conform: 503 once"_s;
    rule.when.times = 1; // the retry gets the stage's default answer
    rule.answer.fault = Mock::Fault::Http503;
    rule.answer.retryAfterSeconds = retryAfterSeconds;
    return rule;
}

} // namespace

bool MtaObserver::listen(const Mock::EndpointSettings &settings)
{
    d->endpoint.setSettings(settings);
    if (d->plan.retryFaultAtCall == 1)
        d->rulebook.setRules({retryFaultRule(d->plan.retryAfterSeconds)});
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
    if (d->finished)
        return;
    MtaObservation &seen = d->observation;
    const qint64 index = seen.exchanges.size();
    seen.exchanges.append(exchange);
    Q_EMIT exchangeSeen(exchange);

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
    if (exchange.httpStatus == 503 && seen.retryFaultExchange < 0 && !exchange.fault.isEmpty())
        seen.retryFaultExchange = index;

    const QByteArray requestId = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (requestId.isEmpty() || !d->requestIds.contains(requestId)) {
        d->requestIds.insert(requestId);
        ++d->distinctCalls;
        // Armed now, the rule answers the next call: the endpoint records a call before its
        // answer is written, so the MTA cannot have sent that call yet.
        if (d->plan.retryFaultAtCall > 1 && d->distinctCalls == d->plan.retryFaultAtCall - 1)
            d->rulebook.setRules({retryFaultRule(d->plan.retryAfterSeconds)});
    }
    if (exchange.httpStatus < 200 || exchange.httpStatus > 299)
        return;
    ++d->answeredCalls;
    const QString registration
        = QString::fromUtf8(exchange.requestHeader("X-MTA-Hooks-Registration"));
    if (d->plan.deregisterAfterCalls <= 0 || d->answeredCalls != d->plan.deregisterAfterCalls
        || registration.isEmpty())
        return;
    Mock::ControlPlane &control = d->endpoint.controlPlane();
    const auto active = control.registration(registration);
    if (!active)
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/sessionreplayer.h"

#include "mock/mta/hookclient.h"
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <QUuid>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

bool isDraft(Dialect dialect)
{
    return dialect == Dialect::Draft01 || dialect == Dialect::Draft02;
}

QByteArray newRequestId()
{
    return "hs-" + QUuid::createUuid().toByteArray(QUuid::Id128);
}

// What the MTA does when the call failed outright (no usable HTTP answer): the dialect's error
// rule, computed by the engine from an answer marked malformed.
Outcome failedCallOutcome(const HookRequest &request, const ReplayTarget &target, const QString &why)
{
    HookResponse broken;
    broken.dialect = request.dialect;
    broken.malformed = true;
    broken.emptyBody = true;
    ApplyOptions options;
    options.tempFailOnError = target.tempFailOnError;
    Outcome outcome = apply(request, broken, options);
    outcome.problems.prepend({QString(), Severity::Error, why});
    return outcome;
}

QStringList checkExpectation(const SessionExpectation &expect, const Outcome &outcome)
{
    QStringList failures;
    if (expect.action && *expect.action != outcome.action)
        failures << u"expected action %1, got %2"_s.arg(actionName(*expect.action),
                                                        actionName(outcome.action));
    if (expect.verdict && *expect.verdict != outcome.verdict)
        failures << u"expected verdict %1, got %2"_s.arg(verdictName(*expect.verdict),
                                                         verdictName(outcome.verdict));
    if (expect.replyCode && *expect.replyCode != outcome.reply.code)
        failures << u"expected reply %1, got %2"_s.arg(*expect.replyCode).arg(outcome.reply.code);
    return failures;
}

} // namespace

struct SessionReplayer::Private
{
    struct Run
    {
        int index = -1;
        int stage = 0;
        EnvelopeAddress from;
        QList<EnvelopeAddress> accepted;
        ReplayResult result;
    };
    struct Lane
    {
        HookClient *client = nullptr;
        Run run;
        bool busy = false;
    };

    SessionReplayer *q;
    QList<SessionRecording> sessions;
    ReplayTarget target;
    QList<ReplayResult> results;
    QList<Lane *> lanes;
    int nextSession = 0;
    int done = 0;
    bool running = false;
    int stageDelayMs = 0;
    QElapsedTimer clock;
    HookClient *control = nullptr; // discovery, registration, deregistration
    QUrl hookUrl;
    QByteArray registrationId;
    QUrl deregistrationUrl;
    QString setupError;

    explicit Private(SessionReplayer *owner)
        : q(owner)
    {
    }

    void setup();
    void discover();
    void registerAt(const QUrl &registrationUrl);
    void launch();
    void next(Lane *lane);
    void runStage(Lane *lane);
    void stageAnswered(Lane *lane, const HookRequest &request, StageResult stage,
                       const HttpResult &http);
    void finishSession(Lane *lane, const QString &stopReason);
    void teardown();
    QUrl origin() const;
};

SessionReplayer::SessionReplayer(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this))
{
    qRegisterMetaType<Mock::StageResult>();
    qRegisterMetaType<Mock::ReplayResult>();
}

SessionReplayer::~SessionReplayer()
{
    cancel();
}

void SessionReplayer::setStageDelayMs(int ms)
{
    d->stageDelayMs = qMax(0, ms);
}

bool SessionReplayer::isRunning() const
{
    return d->running;
}

QList<ReplayResult> SessionReplayer::results() const
{
    return d->results;
}

void SessionReplayer::start(const QList<SessionRecording> &sessions, const ReplayTarget &target,
                            int concurrency)
{
    cancel();
    d->sessions = sessions;
    d->target = target;
    d->results = QList<ReplayResult>(sessions.size());
    d->nextSession = 0;
    d->done = 0;
    d->running = true;
    d->setupError.clear();
    d->registrationId.clear();
    d->deregistrationUrl.clear();
    d->hookUrl = target.url;
    d->clock.start();
    const int laneCount = qBound(1, concurrency, qMax(1, int(sessions.size())));
    // QNetworkAccessManager opens at most six connections per host, so each lane has its own.
    for (int i = 0; i < laneCount; ++i) {
        auto *lane = new Private::Lane;
        lane->client = new HookClient(this);
        lane->client->setAllowInvalidCertificates(target.allowInvalidCertificates);
        lane->client->setAuthorization(HookClient::authorizationFor(target.auth));
        d->lanes.append(lane);
    }
    d->control = new HookClient(this);
    d->control->setAllowInvalidCertificates(target.allowInvalidCertificates);
    d->control->setAuthorization(HookClient::authorizationFor(target.auth));
    if (sessions.isEmpty()) {
        d->teardown();
        return;
    }
    d->setup();
}

void SessionReplayer::cancel()
{
    if (!d->running && d->lanes.isEmpty())
        return;
    for (Private::Lane *lane : std::as_const(d->lanes)) {
        lane->client->cancel();
        lane->client->deleteLater();
        delete lane;
    }
    d->lanes.clear();
    if (d->control) {
        d->control->cancel();
        d->control->deleteLater();
        d->control = nullptr;
    }
    d->running = false;
}

QUrl SessionReplayer::Private::origin() const
{
    QUrl url = target.url;
    url.setPath(QString());
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

void SessionReplayer::Private::setup()
{
    if (!isDraft(target.dialect) || (!target.discover && !target.registerMta)) {
        launch();
        return;
    }
    if (target.discover)
        discover();
    else
        registerAt(target.url.resolved(QUrl(u"/v1/hooks/register"_s)));
}

void SessionReplayer::Private::discover()
{
    HttpCall call;
    call.method = "GET";
    call.url = origin().resolved(QUrl(u"/.well-known/mta-hooks"_s));
    call.headers = {{"Accept", "application/json"}};
    call.timeoutMs = target.timeoutMs;
    call.maxRetries = target.maxRetries;
    control->send(call, [this](const HttpResult &result) {
        const QJsonObject document = QJsonDocument::fromJson(result.body).object();
        const QString registration = document.value(u"endpoints"_s).toObject()
                                         .value(u"registration"_s).toString();
        if (result.status != 200 || registration.isEmpty()) {
            // No discovery document: hooks go to the URL as given, unregistered.
            setupError = u"no discovery document at %1 (HTTP %2): hook calls go to %3 "
                         "unregistered"_s.arg(origin().resolved(QUrl(u"/.well-known/mta-hooks"_s)).toString())
                             .arg(result.status)
                             .arg(target.url.toString());
            launch();
            return;
        }
        if (!target.registerMta) {
            launch();
            return;
        }
        registerAt(origin().resolved(QUrl(registration)));
    });
}

void SessionReplayer::Private::registerAt(const QUrl &registrationUrl)
{
    QStringList inbound;
    QStringList outbound;
    for (const SessionRecording &session : std::as_const(sessions)) {
        for (const SessionStage &stage : session.stages) {
            const QString name = stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName;
            QStringList &list = stageDirection(stage.stage) == Direction::Outbound ? outbound : inbound;
            if (!list.contains(name))
                list.append(name);
        }
    }
    QJsonObject body{{u"name"_s, u"hookscope-replayer"_s},
                     {u"version"_s, QStringLiteral(HOOKSCOPE_VERSION)},
                     {u"timeoutMs"_s, target.timeoutMs},
                     {u"expiresAt"_s, QJsonValue::Null},
                     {u"serialization"_s, target.encoding == Encoding::Cbor ? u"cbor"_s : u"json"_s},
                     {u"filter"_s, QJsonValue::Null},
                     {u"metadata"_s, QJsonValue::Null}};
    body.insert(u"inbound"_s, inbound.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                : QJsonObject{{u"stages"_s, QJsonArray::fromStringList(inbound)},
                                                              {u"properties"_s, QJsonValue::Null}});
    body.insert(u"outbound"_s, outbound.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                  : QJsonObject{{u"stages"_s, QJsonArray::fromStringList(outbound)},
                                                                {u"properties"_s, QJsonValue::Null}});
    HttpCall call;
    call.url = registrationUrl;
    call.headers = {{"Content-Type", "application/json"}};
    call.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    call.timeoutMs = target.timeoutMs;
    call.maxRetries = target.maxRetries;
    control->send(call, [this, registrationUrl](const HttpResult &result) {
        const QJsonObject answer = QJsonDocument::fromJson(result.body).object();
        const QString id = answer.value(u"registrationId"_s).toString();
        const QString endpoint = answer.value(u"hookEndpoint"_s).toString();
        if (result.status != 201 || id.isEmpty() || endpoint.isEmpty()) {
            setupError = u"registration at %1 failed (HTTP %2%3): hook calls go to %4 "
                         "unregistered"_s.arg(registrationUrl.toString())
                             .arg(result.status)
                             .arg(result.error.isEmpty() ? QString() : u", "_s + result.error)
                             .arg(target.url.toString());
            launch();
            return;
        }
        registrationId = id.toUtf8();
        // A relative hookEndpoint resolves against the registration URL (draft-01 §b.3).
        hookUrl = registrationUrl.resolved(QUrl(endpoint));
        const QString deregistration = answer.value(u"endpoints"_s).toObject()
                                           .value(u"deregistration"_s).toString();
        if (!deregistration.isEmpty())
            deregistrationUrl = registrationUrl.resolved(QUrl(deregistration));
        launch();
    });
}

void SessionReplayer::Private::launch()
{
    for (Lane *lane : std::as_const(lanes))
        next(lane);
}

void SessionReplayer::Private::next(Lane *lane)
{
    if (nextSession >= sessions.size()) {
        lane->busy = false;
        for (const Lane *other : std::as_const(lanes)) {
            if (other->busy)
                return;
        }
        teardown();
        return;
    }
    lane->busy = true;
    Run &run = lane->run;
    run = Run();
    run.index = nextSession++;
    const SessionRecording &session = sessions.at(run.index);
    run.from = session.envelope.from;
    run.result.sessionId = session.id;
    run.result.title = session.title;
    run.result.envelopeBefore = session.envelope;
    run.result.hasMessage = session.hasMessage;
    run.result.messageBefore = session.rawMessage;
    run.result.messageAfter = session.rawMessage;
    run.result.error = setupError;
    runStage(lane);
}

void SessionReplayer::Private::runStage(Lane *lane)
{
    Run &run = lane->run;
    const SessionRecording &session = sessions.at(run.index);
    if (run.stage >= session.stages.size()) {
        finishSession(lane, QString());
        return;
    }
    const SessionStage &stage = session.stages.at(run.stage);
    // The envelope as the MTA has it now: refused recipients are gone.
    Envelope envelope;
    const bool hasEnvelope = session.envelope.present
        && (stage.stage == Stage::Mail || stage.stage == Stage::Rcpt || stage.stage == Stage::Data
            || stageDirection(stage.stage) == Direction::Outbound);
    if (hasEnvelope) {
        envelope.present = true;
        envelope.from = run.from;
        if (stage.stage == Stage::Rcpt) {
            envelope.to = run.accepted;
            EnvelopeAddress rcpt;
            rcpt.address = stage.recipient;
            for (const EnvelopeAddress &known : session.envelope.to) {
                if (known.address == stage.recipient)
                    rcpt = known;
            }
            envelope.to.append(rcpt);
        } else if (stage.stage != Stage::Mail) {
            const bool rcptStages = std::any_of(session.stages.cbegin(), session.stages.cend(),
                                                [](const SessionStage &s) {
                                                    return s.stage == Stage::Rcpt;
                                                });
            envelope.to = rcptStages ? run.accepted : session.envelope.to;
        }
        if (stage.stage == Stage::Data && envelope.to.isEmpty()) {
            finishSession(lane, u"no recipient was accepted: DATA is not sent"_s);
            return;
        }
    }
    RequestOptions options;
    options.dialect = target.dialect;
    options.encoding = isDraft(target.dialect) ? target.encoding : Encoding::Json;
    const Document document = buildRequest(session, run.stage, envelope, options);
    const QByteArray built = encodeRequest(document, options.encoding);
    // The MTA's semantics come from the request it would have built, also when the session
    // sends a hand-made body instead.
    HookRequest request = decodeRequest(built, contentTypeFor(options.encoding),
                                        {target.dialect, options.encoding, Dialect::Unknown,
                                         Stage::Unknown});
    const QByteArray body = stage.hasRequestOverride ? stage.requestBody : built;
    const QByteArray contentType = stage.hasRequestOverride ? stage.requestContentType
                                                            : contentTypeFor(options.encoding);

    StageResult result;
    result.stageIndex = run.stage;
    result.stage = stage.stage;
    result.stageName = stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName;
    result.recipient = stage.recipient;
    result.url = hookUrl;
    result.requestBody = body;
    result.expected = !stage.expect.isEmpty();
    HttpCall call;
    call.url = hookUrl;
    call.body = body;
    call.timeoutMs = target.timeoutMs;
    call.headers = {{"Content-Type", contentType}};
    if (target.sendNotes && !session.title.isEmpty()) {
        QString note = session.title;
        if (!session.description.isEmpty())
            note += u" — "_s + session.description;
        call.headers.append({"X-Hookscope-Note", note.simplified().toUtf8()});
    }
    if (isDraft(target.dialect)) {
        call.headers.append({"X-MTA-Hooks-Registration",
                             registrationId.isEmpty() ? QByteArrayLiteral("unregistered")
                                                      : registrationId});
        call.headers.append({"X-MTA-Hooks-Request-Id", newRequestId()});
        call.maxRetries = target.maxRetries;
    }
    result.requestHeaders = call.headers;
    lane->client->send(call, [this, lane, request, result](const HttpResult &http) {
        stageAnswered(lane, request, result, http);
    });
}

void SessionReplayer::Private::stageAnswered(Lane *lane, const HookRequest &request,
                                             StageResult stage, const HttpResult &http)
{
    Run &run = lane->run;
    const SessionRecording &session = sessions.at(run.index);
    stage.httpStatus = http.status;
    stage.responseHeaders = http.headers;
    stage.responseBody = http.body;
    stage.transportError = http.error;
    stage.attempts = http.attempts;
    stage.latencyUs = http.latencyUs;
    if (http.status == 0) {
        stage.outcome = failedCallOutcome(request, target, u"no answer: "_s + http.error);
    } else if (http.status < 200 || http.status > 299) {
        stage.outcome = failedCallOutcome(request, target,
                                          u"HTTP %1: the hook call failed"_s.arg(http.status));
    } else {
        DecodeOptions options;
        options.requestDialect = request.dialect;
        options.requestStage = request.stage;
        const HookResponse response = decodeResponse(http.body, http.header("Content-Type"),
                                                     http.status, options);
        ApplyOptions applyOptions;
        applyOptions.tempFailOnError = target.tempFailOnError;
        stage.outcome = apply(request, response, applyOptions);
        stage.outcome.problems = response.problems + stage.outcome.problems;
    }
    const SessionStage &recorded = session.stages.at(stage.stageIndex);
    stage.expectationFailures = checkExpectation(recorded.expect, stage.outcome);
    run.result.stages.append(stage);
    Q_EMIT q->stageFinished(run.index, stage);

    // Act on the answer as an MTA would.
    const Action action = stage.outcome.action;
    const bool refused = isTerminal(action);
    QString stopReason;
    switch (stage.stage) {
    case Stage::Rcpt:
        if (action == Action::Disconnect)
            stopReason = u"disconnected at rcpt"_s;
        else if (!refused) {
            EnvelopeAddress rcpt;
            rcpt.address = stage.recipient;
            for (const EnvelopeAddress &known : session.envelope.to) {
                if (known.address == stage.recipient)
                    rcpt = known;
            }
            run.accepted.append(rcpt);
        }
        break;
    case Stage::Data:
        run.result.envelopeAfter = stage.outcome.envelope;
        run.result.messageQueued = !refused;
        if (stage.outcome.hasMessage)
            run.result.messageAfter = stage.outcome.message;
        if (refused)
            stopReason = u"%1 at data: the message is not queued"_s.arg(actionName(action));
        break;
    default:
        if (refused)
            stopReason = u"%1 at %2 (%3)"_s.arg(actionName(action), stage.stageName,
                                                 stage.outcome.reply.toString());
        else if (stage.outcome.envelopeChanged && stage.outcome.envelope.present)
            run.from = stage.outcome.envelope.from;
        break;
    }
    if (!stopReason.isEmpty()) {
        finishSession(lane, stopReason);
        return;
    }
    ++run.stage;
    if (stageDelayMs > 0)
        QTimer::singleShot(stageDelayMs, q, [this, lane] {
            if (lanes.contains(lane))
                runStage(lane);
        });
    else
        runStage(lane);
}

void SessionReplayer::Private::finishSession(Lane *lane, const QString &stopReason)
{
    Run &run = lane->run;
    const SessionRecording &session = sessions.at(run.index);
    run.result.stopped = !stopReason.isEmpty();
    run.result.stopReason = stopReason;
    if (run.result.envelopeAfter.present == false) {
        run.result.envelopeAfter = session.envelope;
        run.result.envelopeAfter.to = run.accepted;
    }
    // Stages that were never reached cannot meet their expectations.
    for (int i = run.stage + 1; i < session.stages.size() && run.result.stopped; ++i) {
        if (session.stages.at(i).expect.isEmpty())
            continue;
        StageResult missing;
        missing.stageIndex = i;
        missing.stage = session.stages.at(i).stage;
        missing.stageName = stageName(missing.stage);
        missing.recipient = session.stages.at(i).recipient;
        missing.expected = true;
        missing.expectationFailures << u"not reached: %1"_s.arg(stopReason);
        run.result.stages.append(missing);
    }
    results[run.index] = run.result;
    ++done;
    Q_EMIT q->sessionFinished(run.index, run.result);
    Q_EMIT q->progress(done, int(sessions.size()));
    next(lane);
}

void SessionReplayer::Private::teardown()
{
    auto finish = [this] {
        running = false;
        Q_EMIT q->finished(summarize(results, clock.elapsed()));
    };
    if (deregistrationUrl.isEmpty() || !control) {
        finish();
        return;
    }
    HttpCall call;
    call.method = "DELETE";
    call.url = deregistrationUrl;
    call.timeoutMs = target.timeoutMs;
    control->send(call, [finish](const HttpResult &) { finish(); });
}

} // namespace Mock

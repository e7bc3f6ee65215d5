// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/sessionreplayer.h"

#include "mock/mta/hookclient.h"
#include "mock/mta/laneworker_p.h"
#include "mock/mta/negotiation_p.h"
#include "mock/mta/replayplan.h"
#include "mock/mta/requestbuilder.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaMethod>
#include <QThread>

#include <atomic>
#include <functional>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

// "CAPABILITY_MISMATCH: …" from a draft error body {"error": {"code", "message"}}.
QString errorCode(const QByteArray &body)
{
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(u"error"_s).toObject();
    const QString code = error.value(u"code"_s).toString();
    const QString message = error.value(u"message"_s).toString().left(200);
    return message.isEmpty() ? code : code + u": "_s + message;
}

} // namespace

using Detail::isDraft;
using Detail::LaneWorker;

struct SessionReplayer::Private
{
    struct Worker
    {
        LaneWorker *worker = nullptr;
        QThread *thread = nullptr; // null: runs in the replayer's thread
    };

    SessionReplayer *q;
    QList<SessionRecording> allSessions; // as given to start()
    ReplayTarget requested; // as given to start(): its dialect may be AsRecorded
    QList<ReplayPass> passes;
    int pass = -1;
    // The pass under way: its sessions, their indices in allSessions, and the target with the
    // pass's dialect and encoding.
    QList<SessionRecording> sessions;
    QList<int> sessionIndices;
    ReplayTarget target;
    int concurrency = 1;
    int threads = 0; // 0: automatic
    QList<ReplayResult> results; // of the whole run, in the order of allSessions
    QList<Worker> workers;
    int idleWorkers = 0;
    int done = 0;
    bool running = false;
    quint64 generation = 0; // of the pass: callbacks of a cancelled or ended pass are dropped
    int stageDelayMs = 0;
    QElapsedTimer clock;
    qint64 elapsedMs = 0; // of the run, once it has finished or been cancelled
    HookClient *control = nullptr; // discovery, registration, deregistration
    QUrl hookUrl;
    QByteArray registrationId;
    QUrl registrationUrl;
    QUrl deregistrationUrl;
    // Lanes waiting for a registration made because the scanner forgot the previous one.
    QList<std::function<void(const QUrl &, const QByteArray &)>> awaitingRegistration;
    bool registeringAgain = false;
    std::shared_ptr<std::atomic<bool>> deregistered;
    QString setupError;
    QStringList setupNotes;
    // Drafts: what the pass asked the scanner for, and what was agreed (nothing restricted
    // without discovery or registration).
    Detail::Negotiation asked;
    Detail::Negotiation negotiation;

    explicit Private(SessionReplayer *owner)
        : q(owner)
    { }

    void nextPass();
    void finishRun();
    void setup();
    void discover();
    // The pass's set-up failed: its sessions end without a hook call, with the reason.
    void failPass(const QString &why);
    // registered(true) once done (hookUrl, registrationId and deregistrationUrl set).
    void registerAt(const QUrl &url, std::function<void(bool)> registered);
    void registerAgain(
        const QByteArray &staleId, std::function<void(const QUrl &, const QByteArray &)> resume);
    void launch();
    void stopWorkers();
    void sessionDone(quint64 run, int index, const ReplayResult &result);
    void workerIdle(quint64 run);
    void teardown();
    QUrl origin() const;
};

SessionReplayer::SessionReplayer(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this))
{
    qRegisterMetaType<Mock::StageResult>();
    qRegisterMetaType<Mock::ReplayResult>();
    qRegisterMetaType<Mock::ReplaySummary>();
}

SessionReplayer::~SessionReplayer()
{
    cancel();
}

void SessionReplayer::setStageDelayMs(int ms)
{
    d->stageDelayMs = qMax(0, ms);
}

void SessionReplayer::setWorkerThreads(int threads)
{
    d->threads = qMax(0, threads);
}

bool SessionReplayer::isRunning() const
{
    return d->running;
}

QList<ReplayResult> SessionReplayer::results() const
{
    return d->results;
}

ReplaySummary SessionReplayer::summary() const
{
    return summarize(d->results, d->running ? d->clock.elapsed() : d->elapsedMs);
}

void SessionReplayer::start(
    const QList<SessionRecording> &sessions, const ReplayTarget &target, int concurrency)
{
    cancel();
    ++d->generation;
    d->allSessions = sessions;
    d->requested = target;
    d->passes = planReplay(sessions, target);
    d->pass = -1;
    d->concurrency = qMax(1, concurrency);
    d->results = QList<ReplayResult>(sessions.size());
    d->done = 0;
    d->running = true;
    d->elapsedMs = 0;
    d->clock.start();
    d->control = new HookClient(this);
    d->control->setAllowInvalidCertificates(target.allowInvalidCertificates);
    d->control->setAuthorization(HookClient::authorizationFor(target.auth));
    d->control->setTls(ClientTls::load(
        {target.caCertificatesFile, target.clientCertificateFile, target.clientKeyFile}));
    d->nextPass();
}

void SessionReplayer::cancel()
{
    ++d->generation;
    d->stopWorkers();
    if (d->control) {
        d->control->cancel();
        d->control->deleteLater();
        d->control = nullptr;
    }
    if (d->running)
        d->elapsedMs = d->clock.elapsed();
    d->running = false;
}

// Each pass is what one run in a single dialect was: its own discovery, registration and
// deregistration, and a registration lost (404) or ended (410) only within it.
void SessionReplayer::Private::nextPass()
{
    ++pass;
    if (pass >= passes.size()) {
        finishRun();
        return;
    }
    ++generation;
    const ReplayPass &current = passes.at(pass);
    sessionIndices = current.sessions;
    if (sessionIndices.size() == allSessions.size()) {
        sessions = allSessions; // one pass (the common case): shared, not copied
    } else {
        sessions.clear();
        sessions.reserve(sessionIndices.size());
        for (int index : std::as_const(sessionIndices))
            sessions.append(allSessions.at(index));
    }
    target = requested;
    target.dialect = current.dialect;
    target.encoding = current.encoding;
    idleWorkers = 0;
    setupError.clear();
    setupNotes.clear();
    registrationId.clear();
    registrationUrl.clear();
    deregistrationUrl.clear();
    awaitingRegistration.clear();
    registeringAgain = false;
    deregistered = std::make_shared<std::atomic<bool>>(false);
    hookUrl = target.url;
    asked = Detail::askFor(Detail::stagesNeeded(sessions), {});
    negotiation = {};
    setup();
}

void SessionReplayer::Private::finishRun()
{
    running = false;
    elapsedMs = clock.elapsed();
    Q_EMIT q->finished(summarize(results, elapsedMs));
}

void SessionReplayer::Private::stopWorkers()
{
    for (const Worker &entry : std::as_const(workers)) {
        if (!entry.thread) {
            entry.worker->stop(false);
            entry.worker->deleteLater(); // this may be inside one of its callbacks
            continue;
        }
        // The sockets belong to the worker's thread: they are closed there, then the thread
        // ends and the worker (without children by then) goes.
        LaneWorker *worker = entry.worker;
        QMetaObject::invokeMethod(
            worker, [worker] { worker->stop(true); }, Qt::BlockingQueuedConnection);
        entry.thread->quit();
        entry.thread->wait();
        delete worker;
        delete entry.thread;
    }
    workers.clear();
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
    auto launchIfRegistered = [this](bool ok) {
        if (ok)
            launch();
        else
            failPass(setupError);
    };
    const bool draft = isDraft(target.dialect);
    if (draft && !target.registrationId.isEmpty()) {
        // Provisioned out of band: the operator gave the hook URL and the id.
        registrationId = target.registrationId;
        launch();
    } else if (draft && !target.registrationUrl.isEmpty()) {
        registerAt(target.registrationUrl, launchIfRegistered);
    } else if (draft && target.discover) {
        discover();
    } else if (draft && target.registerMta) {
        registerAt(target.url.resolved(QUrl(u"/v1/hooks/register"_s)), launchIfRegistered);
    } else {
        launch(); // Stalwart's format, or a draft hook called as configured
    }
}

void SessionReplayer::Private::failPass(const QString &why)
{
    const quint64 run = generation;
    for (int i = 0; i < sessions.size(); ++i) {
        const SessionRecording &session = sessions.at(i);
        ReplayResult result;
        result.sessionId = session.id;
        result.title = session.title;
        result.envelopeBefore = session.envelope;
        result.envelopeAfter = session.envelope;
        result.hasMessage = session.hasMessage;
        result.messageBefore = session.rawMessage;
        result.messageAfter = session.rawMessage;
        result.stopped = true;
        result.stopReason = u"not replayed: "_s + why;
        result.error = why;
        result.notes = setupNotes;
        sessionDone(run, i, result);
        if (run != generation)
            return; // cancelled by a listener
    }
    nextPass();
}

void SessionReplayer::Private::discover()
{
    HttpCall call;
    call.method = "GET";
    call.url = origin().resolved(QUrl(u"/.well-known/mta-hooks"_s));
    call.headers = {{"Accept", "application/json"}};
    call.timeoutMs = target.timeoutMs;
    call.maxRetries = target.maxRetries;
    control->send(call, [this, url = call.url](const HttpResult &result) {
        QJsonParseError parsed;
        const QJsonDocument json = QJsonDocument::fromJson(result.body, &parsed);
        const QJsonObject document = json.object();
        const QString registration
            = document.value(u"endpoints"_s).toObject().value(u"registration"_s).toString();
        if (result.status != 200 || !json.isObject()) {
            const QString why = result.status == 0 ? result.error
                : result.status != 200             ? u"HTTP %1"_s.arg(result.status)
                                       : u"not a JSON object: "_s + parsed.errorString();
            if (target.registerMta) {
                // Nothing to register at: an MTA configured to register cannot go on.
                setupError = u"discovery at %1 failed (%2): give the registration URL "
                             "(--register URL), a provisioned registration (--hook URL "
                             "--registration-id ID) or call unregistered (--no-register)"_s.arg(
                                 url.toString(), why);
                failPass(setupError);
                return;
            }
            // Manual configuration (reference §b.3): hooks go to the URL as given.
            setupNotes << u"no discovery document at %1 (%2): hook calls go to %3 unregistered"_s
                              .arg(url.toString(), why, target.url.toString());
            launch();
            return;
        }
        asked = Detail::askFor(Detail::stagesNeeded(sessions), Detail::offeredBy(document));
        negotiation = asked;
        const Detail::StageNeeds needs = Detail::stagesNeeded(sessions);
        QStringList unoffered;
        for (const QString &stage : needs.inbound + needs.outbound) {
            if (!asked.inbound.stages->contains(stage) && !asked.outbound.stages->contains(stage))
                unoffered << stage;
        }
        if (!unoffered.isEmpty())
            setupNotes << u"the scanner does not offer %1 (it offers %2): those stages are not "
                          "called"_s.arg(unoffered.join(u", "_s), asked.describeStages());
        if (!target.registerMta) {
            launch();
            return;
        }
        if (asked.inbound.stages->isEmpty() && asked.outbound.stages->isEmpty()) {
            setupError = u"the scanner offers none of the stages the sessions need (%1)"_s.arg(
                unoffered.join(u", "_s));
            failPass(setupError);
            return;
        }
        if (registration.isEmpty()) {
            setupError = u"the discovery document at %1 names no registration endpoint "
                         "(endpoints.registration)"_s.arg(url.toString());
            failPass(setupError);
            return;
        }
        registerAt(origin().resolved(QUrl(registration)), [this](bool ok) {
            if (ok)
                launch();
            else
                failPass(setupError);
        });
    });
}

void SessionReplayer::Private::registerAt(const QUrl &url, std::function<void(bool)> registered)
{
    registrationUrl = url;
    QJsonObject body {{u"name"_s, u"hookscope-replayer"_s},
        {u"version"_s, QStringLiteral(HOOKSCOPE_VERSION)}, {u"timeoutMs"_s, target.timeoutMs},
        {u"expiresAt"_s, QJsonValue::Null},
        {u"serialization"_s, target.encoding == Encoding::Cbor ? u"cbor"_s : u"json"_s},
        {u"filter"_s, QJsonValue::Null}, {u"metadata"_s, QJsonValue::Null}};
    // What the sessions need of what discovery offered (everything they need without it).
    body.insert(u"inbound"_s, Detail::subscription(asked.inbound));
    body.insert(u"outbound"_s, Detail::subscription(asked.outbound));
    HttpCall call;
    call.url = registrationUrl;
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    call.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    call.timeoutMs = target.timeoutMs;
    call.maxRetries = target.maxRetries;
    control->send(call, [this, url, registered = std::move(registered)](const HttpResult &result) {
        const QJsonObject answer = QJsonDocument::fromJson(result.body).object();
        const QString id = answer.value(u"registrationId"_s).toString();
        const QString endpoint = answer.value(u"hookEndpoint"_s).toString();
        if (result.status != 201 || id.isEmpty() || endpoint.isEmpty()) {
            const QString report = errorCode(result.body);
            setupError = u"registration at %1 failed (%2%3)"_s.arg(url.toString(),
                result.status ? u"HTTP %1"_s.arg(result.status) : result.error,
                report.isEmpty() ? QString() : u" "_s + report);
            registered(false);
            return;
        }
        registrationId = id.toUtf8();
        negotiation = Detail::agreed(asked, answer);
        // A relative hookEndpoint resolves against the registration URL (reference §b.3).
        hookUrl = url.resolved(QUrl(endpoint));
        const QString deregistration
            = answer.value(u"endpoints"_s).toObject().value(u"deregistration"_s).toString();
        deregistrationUrl = deregistration.isEmpty() ? QUrl() : url.resolved(QUrl(deregistration));
        registered(true);
    });
}

// One new registration however many lanes hear the 404: those that ask while it is under way
// wait for it, those that ask about an id already replaced get the current one at once.
void SessionReplayer::Private::registerAgain(
    const QByteArray &staleId, std::function<void(const QUrl &, const QByteArray &)> resume)
{
    if (registrationId != staleId) {
        resume(hookUrl, registrationId);
        return;
    }
    awaitingRegistration.append(std::move(resume));
    if (registeringAgain || !control || registrationUrl.isEmpty())
        return;
    registeringAgain = true;
    const quint64 run = generation;
    registerAt(registrationUrl, [this, run, setupBefore = setupError](bool ok) {
        if (run != generation)
            return;
        registeringAgain = false;
        // A failure here is not the run's set-up failing: the lanes note it on their sessions.
        setupError = setupBefore;
        const auto waiting = std::exchange(awaitingRegistration, {});
        for (const auto &waiter : waiting)
            waiter(hookUrl, ok ? registrationId : QByteArray());
    });
}

void SessionReplayer::Private::launch()
{
    const int lanes = qBound(1, concurrency, int(sessions.size()));
    // Worker threads only where they pay: many lanes and more than one core. A handful of lanes
    // (the window's replays, demo mode) stay in this thread.
    int threadCount = threads > 0
        ? threads
        : (lanes >= 8 ? qMin(QThread::idealThreadCount(), (lanes + 7) / 8) : 1);
    threadCount = qBound(1, threadCount, lanes);
    const bool reportStages
        = q->isSignalConnected(QMetaMethod::fromSignal(&SessionReplayer::stageFinished));
    const auto nextSession = std::make_shared<std::atomic<int>>(0);
    const quint64 run = generation;
    SessionReplayer *const owner = q; // queued calls die with it
    for (int t = 0; t < threadCount; ++t) {
        LaneWorker::Setup setup;
        setup.sessions = sessions;
        setup.target = target;
        setup.hookUrl = hookUrl;
        setup.registrationId = registrationId;
        setup.setupError = setupError;
        setup.setupNotes = setupNotes;
        setup.negotiation = negotiation;
        setup.stageDelayMs = stageDelayMs;
        setup.lanes = lanes / threadCount + (t < lanes % threadCount ? 1 : 0);
        setup.reportStages = reportStages;
        setup.nextSession = nextSession;
        // Back to the replayer's thread: directly when the worker runs there, queued from a
        // worker thread (in order, so a session's stages come before the session).
        setup.stageDone = [this, owner, run](int index, const StageResult &stage) {
            QMetaObject::invokeMethod(
                owner,
                [this, run, index, stage] {
                    if (run == generation)
                        Q_EMIT q->stageFinished(sessionIndices.at(index), stage);
                },
                Qt::AutoConnection);
        };
        setup.sessionDone = [this, owner, run](int index, const ReplayResult &result) {
            QMetaObject::invokeMethod(
                owner, [this, run, index, result] { sessionDone(run, index, result); },
                Qt::AutoConnection);
        };
        setup.idle = [this, owner, run] {
            QMetaObject::invokeMethod(
                owner, [this, run] { workerIdle(run); }, Qt::AutoConnection);
        };
        // Queued both ways, also for a worker in this thread: the lane resumes from its own
        // event loop, not from inside the replayer. The workers live as long as the run does.
        setup.reregister = [this, owner, run](const QByteArray &staleId, LaneWorker *worker,
                               std::function<void(const QUrl &, const QByteArray &)> resume) {
            QMetaObject::invokeMethod(
                owner,
                [this, run, staleId, worker, resume = std::move(resume)] {
                    if (run != generation)
                        return;
                    registerAgain(staleId,
                        [this, run, worker, resume](const QUrl &url, const QByteArray &id) {
                            if (run != generation)
                                return;
                            QMetaObject::invokeMethod(
                                worker, [resume, url, id] { resume(url, id); },
                                Qt::QueuedConnection);
                        });
                },
                Qt::QueuedConnection);
        };
        setup.deregistered = deregistered;
        Worker entry;
        entry.worker = new LaneWorker(std::move(setup));
        if (threadCount > 1) {
            entry.thread = new QThread;
            entry.thread->setObjectName(u"replay-%1"_s.arg(t));
            entry.worker->moveToThread(entry.thread);
            entry.thread->start();
        }
        workers.append(entry);
    }
    // Started only once every worker is listed: a worker may finish at once.
    const QList<Worker> started = workers;
    for (const Worker &entry : started) {
        if (run != generation)
            return; // cancelled by a listener meanwhile
        LaneWorker *worker = entry.worker;
        if (entry.thread)
            QMetaObject::invokeMethod(
                worker, [worker] { worker->start(); }, Qt::QueuedConnection);
        else
            worker->start();
    }
}

void SessionReplayer::Private::sessionDone(quint64 run, int index, const ReplayResult &result)
{
    if (run != generation)
        return;
    const int original = sessionIndices.at(index);
    ReplayResult &stored = results[original];
    stored = result;
    stored.dialect = target.dialect;
    ++done;
    Q_EMIT q->sessionFinished(original, stored);
    if (run != generation)
        return;
    Q_EMIT q->progress(done, int(allSessions.size()));
}

void SessionReplayer::Private::workerIdle(quint64 run)
{
    if (run != generation)
        return;
    if (++idleWorkers < workers.size())
        return;
    // Every session is done. Worker threads end here; a worker in this thread may still be on
    // the stack (this is its callback), so it goes later.
    ++generation; // nothing more from these workers counts
    stopWorkers();
    teardown();
}

void SessionReplayer::Private::teardown()
{
    auto finish = [this] { nextPass(); };
    if (deregistrationUrl.isEmpty() || !control || (deregistered && deregistered->load())) {
        finish();
        return;
    }
    // Deregistration (reference §b.3): in-flight hooks may still complete, no new ones follow.
    HttpCall call;
    call.method = "DELETE";
    call.url = deregistrationUrl;
    call.timeoutMs = target.timeoutMs;
    call.maxRetries = target.maxRetries;
    deregistrationUrl.clear();
    control->send(call, [finish](const HttpResult &) { finish(); });
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/sessionreplayer.h"

#include "mock/mta/hookclient.h"
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaMethod>
#include <QNetworkAccessManager>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <functional>

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

// The stages whose requests carry an envelope (a MAIL FROM exists from mail on).
bool stagePositionHasEnvelope(Stage stage)
{
    return stage == Stage::Mail || stage == Stage::Rcpt || stage == Stage::Data
        || stageDirection(stage) == Direction::Outbound;
}

QString wireStageName(const SessionStage &stage)
{
    return stage.stageName.isEmpty() ? stageName(stage.stage) : stage.stageName;
}

// Whether the MTA stops what this stage was about. Stalwart: every action but accept stops the
// stage (quarantine takes discard's path, reference §c.1); the drafts: the terminal actions.
bool stops(Dialect dialect, Action action)
{
    if (dialect == Dialect::Stalwart)
        return action != Action::Accept && action != Action::None;
    return isTerminal(action);
}

// What the MTA does when the call failed outright (no usable HTTP answer): the dialect's error
// rule, computed by the engine from an answer marked malformed.
Outcome failedCallOutcome(
    const HookRequest &request, const ReplayTarget &target, const QString &why)
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
        failures << u"expected action %1, got %2"_s.arg(
            actionName(*expect.action), actionName(outcome.action));
    if (expect.verdict && *expect.verdict != outcome.verdict)
        failures << u"expected verdict %1, got %2"_s.arg(
            verdictName(*expect.verdict), verdictName(outcome.verdict));
    if (expect.replyCode && *expect.replyCode != outcome.reply.code)
        failures << u"expected reply %1, got %2"_s.arg(*expect.replyCode).arg(outcome.reply.code);
    return failures;
}

EnvelopeAddress recordedRecipient(const SessionRecording &session, const QString &address)
{
    for (const EnvelopeAddress &known : session.envelope.to) {
        if (known.address == address)
            return known;
    }
    EnvelopeAddress rcpt;
    rcpt.address = address;
    return rcpt;
}

} // namespace

// Runs sessions on a set of lanes (one HookClient, so one connection, each), in the thread it
// lives in: the replayer's own for a few lanes, worker threads for many. Sessions are taken from
// a counter shared by all workers; results go back through the callbacks, which the replayer
// wires to its own thread.
class LaneWorker final : public QObject
{
public:
    // Each manager runs its HTTP in a thread of its own and opens at most six connections to a
    // host: lanes share one up to that, so 32 lanes cost 6 such threads, not 32. Measured with 32
    // lanes against `hookscope serve`: 4.3k → 4.6–5.0k calls/s, 240 → 190 µs of CPU per call.
    static constexpr int LanesPerManager = 6;

    struct Setup
    {
        QList<SessionRecording> sessions;
        ReplayTarget target;
        QUrl hookUrl;
        QByteArray registrationId;
        QString setupError;
        QStringList setupNotes;
        int stageDelayMs = 0;
        int lanes = 1;
        bool reportStages = true;
        std::shared_ptr<std::atomic<int>> nextSession;
        std::function<void(int, const StageResult &)> stageDone;
        std::function<void(int, const ReplayResult &)> sessionDone;
        std::function<void()> idle; // every lane is done: no session left
        // A draft hook call was answered 404 REGISTRATION_NOT_FOUND while registered as
        // staleId: the replayer registers again (once for all lanes) and resume gets the new
        // hook URL and id in this worker's thread, or an empty id when that failed.
        std::function<void(const QByteArray &staleId, LaneWorker *worker,
            std::function<void(const QUrl &, const QByteArray &)> resume)>
            reregister;
        // Set once a hook call was answered 410 REGISTRATION_DEREGISTERED: no lane calls again.
        std::shared_ptr<std::atomic<bool>> deregistered;
    };

    explicit LaneWorker(Setup setup)
        : m_sessions(std::move(setup.sessions))
        , m_target(std::move(setup.target))
        , m_hookUrl(std::move(setup.hookUrl))
        , m_registrationId(std::move(setup.registrationId))
        , m_setupError(std::move(setup.setupError))
        , m_setupNotes(std::move(setup.setupNotes))
        , m_stageDelayMs(setup.stageDelayMs)
        , m_laneCount(setup.lanes)
        , m_reportStages(setup.reportStages)
        , m_nextSession(std::move(setup.nextSession))
        , m_stageDone(std::move(setup.stageDone))
        , m_sessionDone(std::move(setup.sessionDone))
        , m_idle(std::move(setup.idle))
        , m_reregister(std::move(setup.reregister))
        , m_deregistered(std::move(setup.deregistered))
    { }
    ~LaneWorker() override { qDeleteAll(m_lanes); }

    // In the worker's thread.
    void start()
    {
        const QByteArray authorization = HookClient::authorizationFor(m_target.auth);
        QNetworkAccessManager *network = nullptr;
        for (int i = 0; i < m_laneCount; ++i) {
            auto *lane = new Lane;
            if (i % LanesPerManager == 0)
                network = new QNetworkAccessManager(this);
            lane->client = new HookClient(network, this);
            lane->client->setAllowInvalidCertificates(m_target.allowInvalidCertificates);
            lane->client->setAuthorization(authorization);
            m_lanes.append(lane);
        }
        // The lanes take their first sessions; idle is reported once all have been started
        // (a lane that finds none left is not the end while its neighbours still run).
        m_starting = true;
        const QList<Lane *> lanes = m_lanes; // a listener may cancel the run meanwhile
        for (Lane *lane : lanes) {
            if (m_stopped)
                return;
            next(lane);
        }
        m_starting = false;
        if (!m_stopped)
            reportIdleIfDone();
    }

    // In the worker's thread: abandons the calls in flight; no callback follows. `now` deletes
    // the clients at once (not from inside one of their callbacks).
    void stop(bool now)
    {
        m_stopped = true;
        for (Lane *lane : std::as_const(m_lanes)) {
            if (!lane->client)
                continue;
            lane->client->cancel();
            if (now)
                delete lane->client;
            else
                lane->client->deleteLater();
            lane->client = nullptr;
        }
    }

private:
    struct Run
    {
        int index = -1;
        int stage = 0;
        EnvelopeAddress from;
        QList<EnvelopeAddress> accepted; // as the MTA has them: refused ones gone, edits in
        ReplayResult result;
    };
    struct Lane
    {
        HookClient *client = nullptr;
        Run run;
        bool busy = false;
    };
    // What each message replayed (by content) looks like in a data request: --repeat replays
    // the same message many times, and decoding MIME is the dearest part of building a request.
    struct MessageForms
    {
        QByteArray jmap; // drafts' "message"
        QByteArray stalwartJson; // Stalwart's "message"
        QByteArray stalwartRaw; // the message a scanner rebuilds from it (U+FFFD for non-UTF-8)
    };

    void next(Lane *lane);
    void runStage(Lane *lane);
    void send(
        Lane *lane, HttpCall call, HookRequest request, StageResult result, bool mayRegisterAgain);
    bool registerAgain(Lane *lane, const HttpCall &call, const HookRequest &request,
        const StageResult &result, const HttpResult &http);
    HookRequest requestFacts(const SessionRecording &session, const SessionStage &stage,
        const Envelope &envelope, const QByteArray &body, Encoding encoding);
    void stageAnswered(Lane *lane, const HttpCall &call, const HookRequest &request,
        StageResult stage, const HttpResult &http, bool mayRegisterAgain);
    // firstUnreached: the first stage not sent (its expectations, and later ones, fail).
    void finishSession(Lane *lane, const QString &stopReason, int firstUnreached);
    const MessageForms &messageForms(const QByteArray &raw);
    void reportIdleIfDone();

    const QList<SessionRecording> m_sessions;
    const ReplayTarget m_target;
    QUrl m_hookUrl; // both change when the scanner forgot the registration (404)
    QByteArray m_registrationId;
    const QString m_setupError;
    const QStringList m_setupNotes;
    const int m_stageDelayMs;
    const int m_laneCount;
    const bool m_reportStages;
    const std::shared_ptr<std::atomic<int>> m_nextSession;
    const std::function<void(int, const StageResult &)> m_stageDone;
    const std::function<void(int, const ReplayResult &)> m_sessionDone;
    const std::function<void()> m_idle;
    const std::function<void(
        const QByteArray &, LaneWorker *, std::function<void(const QUrl &, const QByteArray &)>)>
        m_reregister;
    const std::shared_ptr<std::atomic<bool>> m_deregistered;
    QList<Lane *> m_lanes;
    QHash<QByteArray, MessageForms> m_messageCache;
    bool m_stopped = false;
    bool m_starting = false;
    bool m_idleReported = false;
};

const LaneWorker::MessageForms &LaneWorker::messageForms(const QByteArray &raw)
{
    auto it = m_messageCache.find(raw);
    if (it != m_messageCache.end())
        return *it;
    if (m_messageCache.size() >= 64)
        m_messageCache.clear(); // bounded: a run of many different messages gains nothing anyway
    MessageForms forms;
    if (isDraft(m_target.dialect)) {
        forms.jmap = jmapMessageJson(raw);
    } else {
        forms.stalwartJson = stalwartMessageJson(raw);
        forms.stalwartRaw = stalwartRawMessage(
            Document::fromJson(QByteArray("{\"message\":" + forms.stalwartJson + '}')));
    }
    return *m_messageCache.insert(raw, forms);
}

void LaneWorker::reportIdleIfDone()
{
    if (m_idleReported)
        return;
    for (const Lane *lane : std::as_const(m_lanes)) {
        if (lane->busy)
            return;
    }
    m_idleReported = true;
    m_idle();
}

void LaneWorker::next(Lane *lane)
{
    const int index = m_nextSession->fetch_add(1);
    if (index >= m_sessions.size()) {
        lane->busy = false;
        if (!m_starting)
            reportIdleIfDone();
        return;
    }
    lane->busy = true;
    Run &run = lane->run;
    run = Run();
    run.index = index;
    const SessionRecording &session = m_sessions.at(run.index);
    run.from = session.envelope.from;
    run.result.sessionId = session.id;
    run.result.title = session.title;
    run.result.envelopeBefore = session.envelope;
    run.result.hasMessage = session.hasMessage;
    run.result.messageBefore = session.rawMessage;
    run.result.messageAfter = session.rawMessage;
    run.result.error = m_setupError;
    run.result.notes = m_setupNotes;
    runStage(lane);
}

// The request as the MTA knows it, for applying the answer: an MTA does not decode and validate
// what it has just built (tst_mta_requestbuilder checks that these requests decode cleanly).
HookRequest LaneWorker::requestFacts(const SessionRecording &session, const SessionStage &stage,
    const Envelope &envelope, const QByteArray &body, Encoding encoding)
{
    HookRequest request;
    request.dialect = m_target.dialect;
    request.encoding = encoding;
    request.stage = stage.stage;
    request.stageName = wireStageName(stage);
    const bool outbound = stageDirection(stage.stage) == Direction::Outbound;
    request.action = outbound ? Action::Continue : Action::Accept;
    request.reply = defaultReply(m_target.dialect, stage.stage, Action::Accept);
    const bool data = stage.stage == Stage::Data && session.hasMessage;
    if (m_target.dialect == Dialect::Stalwart) {
        // Stalwart's envelope as sent: lower-case addresses, no parameters. The engine reads
        // these facts, not the document; the message is the one a scanner rebuilds from the
        // request (non-UTF-8 bytes become U+FFFD).
        request.envelope.present = envelope.present && stagePositionHasEnvelope(stage.stage);
        if (request.envelope.present) {
            request.envelope.from.address = envelope.from.address.toLower();
            for (const EnvelopeAddress &rcpt : envelope.to) {
                EnvelopeAddress lower;
                lower.address = rcpt.address.toLower();
                request.envelope.to.append(lower);
            }
        }
        if (data) {
            request.hasMessage = true;
            request.rawMessage = messageForms(session.rawMessage).stalwartRaw;
        }
        return request;
    }
    // The drafts' answers are patches of the document: the engine needs it.
    request.document
        = encoding == Encoding::Cbor ? Document::fromCbor(body) : Document::fromJson(body);
    request.envelope = envelope;
    if (stageDirection(stage.stage) == Direction::Outbound || stage.stage == Stage::Data) {
        request.hasMessage = session.hasMessage;
        request.rawMessage = session.rawMessage;
    }
    return request;
}

void LaneWorker::runStage(Lane *lane)
{
    Run &run = lane->run;
    const SessionRecording &session = m_sessions.at(run.index);
    if (run.stage >= session.stages.size()) {
        finishSession(lane, QString(), run.stage);
        return;
    }
    if (m_deregistered && m_deregistered->load()) {
        finishSession(lane,
            u"the scanner ended the registration (HTTP 410 REGISTRATION_DEREGISTERED): no more "
            "hook calls"_s,
            run.stage);
        return;
    }
    const SessionStage &stage = session.stages.at(run.stage);
    // The envelope as the MTA has it now: refused recipients are gone, earlier edits are in.
    Envelope envelope;
    if (session.envelope.present && stagePositionHasEnvelope(stage.stage)) {
        envelope.present = true;
        envelope.from = run.from;
        if (stage.stage == Stage::Rcpt) {
            envelope.to = run.accepted;
            envelope.to.append(recordedRecipient(session, stage.recipient));
        } else if (stage.stage != Stage::Mail) {
            const bool rcptStages = std::any_of(session.stages.cbegin(), session.stages.cend(),
                [](const SessionStage &s) { return s.stage == Stage::Rcpt; });
            envelope.to = rcptStages ? run.accepted : session.envelope.to;
        }
        if (stage.stage == Stage::Data && envelope.to.isEmpty()) {
            finishSession(lane, u"no recipient was accepted: DATA is not sent"_s, run.stage);
            return;
        }
    }
    RequestOptions options;
    options.dialect = m_target.dialect;
    options.encoding = isDraft(m_target.dialect) ? m_target.encoding : Encoding::Json;
    if (stage.stage == Stage::Data && session.hasMessage) {
        const MessageForms &forms = messageForms(session.rawMessage);
        options.jmapMessageJson = forms.jmap;
        options.stalwartMessageJson = forms.stalwartJson;
    }
    const QByteArray built = buildRequestBody(session, run.stage, envelope, options);
    // The MTA's semantics come from the request it would have built, also when the session
    // sends a hand-made body instead.
    HookRequest request = requestFacts(session, stage, envelope, built, options.encoding);
    const QByteArray body = stage.hasRequestOverride ? stage.requestBody : built;
    const QByteArray contentType
        = stage.hasRequestOverride ? stage.requestContentType : contentTypeFor(options.encoding);

    StageResult result;
    result.stageIndex = run.stage;
    result.stage = stage.stage;
    result.stageName = wireStageName(stage);
    result.recipient = stage.recipient;
    result.url = m_hookUrl;
    result.requestBody = body;
    result.expected = !stage.expect.isEmpty();
    HttpCall call;
    call.url = m_hookUrl;
    call.body = body;
    call.timeoutMs = m_target.timeoutMs;
    call.headers = {{"Content-Type", contentType}};
    if (m_target.sendNotes && !session.title.isEmpty()) {
        QString note = session.title;
        if (!session.description.isEmpty())
            note += u" — "_s + session.description;
        call.headers.append({"X-Hookscope-Note", note.simplified().toUtf8()});
    }
    if (isDraft(m_target.dialect)) {
        call.headers.append({"X-MTA-Hooks-Registration",
            m_registrationId.isEmpty() ? QByteArrayLiteral("unregistered") : m_registrationId});
        // One id per logical call: the retries of this call carry the same one.
        call.headers.append({"X-MTA-Hooks-Request-Id", newRequestId()});
        call.maxRetries = m_target.maxRetries;
    }
    send(lane, std::move(call), std::move(request), std::move(result), true);
}

void LaneWorker::send(
    Lane *lane, HttpCall call, HookRequest request, StageResult result, bool mayRegisterAgain)
{
    result.url = call.url;
    result.requestHeaders = call.headers;
    HookClient *client = lane->client;
    const HttpCall sent = call; // the callback keeps its own copy, to send it again
    client->send(sent,
        [this, lane, call = std::move(call), request = std::move(request),
            result = std::move(result), mayRegisterAgain](const HttpResult &http) mutable {
            stageAnswered(lane, call, request, std::move(result), http, mayRegisterAgain);
        });
}

// draft-01 §"Status codes": 404 REGISTRATION_NOT_FOUND on a registration that was active means
// "register again". The call is then sent once more, with the new registration and the same
// request id (it is the same logical call). Returns whether that is under way.
bool LaneWorker::registerAgain(Lane *lane, const HttpCall &call, const HookRequest &request,
    const StageResult &result, const HttpResult &http)
{
    if (!m_reregister || m_registrationId.isEmpty())
        return false;
    const QByteArray staleId = m_registrationId;
    const QString stageName = result.stageName;
    m_reregister(staleId, this,
        [this, lane, call, request, result, http, staleId, stageName](
            const QUrl &hookUrl, const QByteArray &registrationId) {
            if (m_stopped)
                return;
            Run &run = lane->run;
            if (registrationId.isEmpty()) {
                run.result.notes << u"the scanner forgot registration %1 (HTTP 404 at %2) and "
                                    "registering again failed"_s.arg(
                                        QString::fromUtf8(staleId), stageName);
                stageAnswered(lane, call, request, result, http, false);
                return;
            }
            if (registrationId != m_registrationId) {
                m_hookUrl = hookUrl;
                m_registrationId = registrationId;
            }
            run.result.notes << u"the scanner forgot registration %1 (HTTP 404 at %2): registered "
                                "again as %3 and sent the call again"_s.arg(
                                    QString::fromUtf8(staleId), stageName,
                                    QString::fromUtf8(registrationId));
            HttpCall again = call;
            again.url = hookUrl;
            for (auto &[name, value] : again.headers) {
                if (name == "X-MTA-Hooks-Registration")
                    value = registrationId;
            }
            send(lane, std::move(again), request, result, false);
        });
    return true;
}

void LaneWorker::stageAnswered(Lane *lane, const HttpCall &call, const HookRequest &request,
    StageResult stage, const HttpResult &http, bool mayRegisterAgain)
{
    const bool draftCall = isDraft(request.dialect);
    if (draftCall && http.status == 404 && mayRegisterAgain
        && registerAgain(lane, call, request, stage, http))
        return;
    Run &run = lane->run;
    const SessionRecording &session = m_sessions.at(run.index);
    stage.httpStatus = http.status;
    stage.responseHeaders = http.headers;
    stage.responseBody = http.body;
    stage.transportError = http.error;
    stage.attempts = http.attempts;
    stage.latencyUs = http.latencyUs;
    if (http.status == 0) {
        stage.outcome = failedCallOutcome(request, m_target, u"no answer: "_s + http.error);
    } else if (http.status < 200 || http.status > 299) {
        stage.outcome = failedCallOutcome(
            request, m_target, u"HTTP %1: the hook call failed"_s.arg(http.status));
    } else {
        DecodeOptions options;
        options.requestDialect = request.dialect;
        options.requestStage = request.stage;
        const HookResponse response
            = decodeResponse(http.body, http.header("Content-Type"), http.status, options);
        ApplyOptions applyOptions;
        applyOptions.tempFailOnError = m_target.tempFailOnError;
        stage.outcome = apply(request, response, applyOptions);
        stage.outcome.problems = response.problems + stage.outcome.problems;
    }
    const SessionStage &recorded = session.stages.at(stage.stageIndex);
    stage.expectationFailures = checkExpectation(recorded.expect, stage.outcome);
    run.result.stages.append(stage);
    if (m_reportStages) {
        m_stageDone(run.index, stage);
        if (m_stopped)
            return; // cancelled by a listener
    }

    if (draftCall && http.status == 410) {
        // draft-01: the scanner deregistered this MTA; it stops calling (every lane does).
        if (m_deregistered)
            m_deregistered->store(true);
        finishSession(lane,
            u"the scanner ended the registration at %1 (HTTP 410 REGISTRATION_DEREGISTERED): "
            "no more hook calls"_s.arg(stage.stageName),
            run.stage + 1);
        return;
    }

    // Act on the answer as an MTA would.
    const Action action = stage.outcome.action;
    const bool refused = stops(request.dialect, action);
    const bool draft = isDraft(request.dialect);
    const Outcome &outcome = stage.outcome;
    QString stopReason;
    switch (stage.stage) {
    case Stage::Rcpt:
        if (action == Action::Disconnect || outcome.disconnect) {
            stopReason = u"disconnected at rcpt (%1)"_s.arg(outcome.reply.toString());
        } else if (draft && !outcome.malformed && outcome.envelopeChanged
            && outcome.envelope.present) {
            // The scanner edited the envelope (the engine already dropped a refused recipient,
            // the last one): what it left is what the MTA has.
            run.from = outcome.envelope.from;
            run.accepted = outcome.envelope.to;
        } else if (!refused) {
            run.accepted.append(recordedRecipient(session, stage.recipient));
        }
        break;
    case Stage::Data:
        run.result.envelopeAfter = outcome.envelope;
        run.result.messageQueued = !refused;
        if (outcome.hasMessage)
            run.result.messageAfter = outcome.message;
        if (refused)
            stopReason = u"%1 at data (%2): the message is not queued"_s.arg(
                actionName(action), outcome.reply.toString());
        break;
    default:
        if (refused) {
            stopReason = u"%1 at %2 (%3)"_s.arg(
                actionName(action), stage.stageName, outcome.reply.toString());
        } else if (draft && !outcome.malformed && outcome.envelopeChanged
            && outcome.envelope.present) {
            run.from = outcome.envelope.from;
            if (stage.stage != Stage::Mail || !outcome.envelope.to.isEmpty())
                run.accepted = outcome.envelope.to;
        }
        break;
    }
    if (!stopReason.isEmpty()) {
        finishSession(lane, stopReason, run.stage + 1);
        return;
    }
    ++run.stage;
    if (m_stageDelayMs > 0)
        QTimer::singleShot(m_stageDelayMs, this, [this, lane] {
            if (!m_stopped)
                runStage(lane);
        });
    else
        runStage(lane);
}

void LaneWorker::finishSession(Lane *lane, const QString &stopReason, int firstUnreached)
{
    Run &run = lane->run;
    const SessionRecording &session = m_sessions.at(run.index);
    run.result.stopped = !stopReason.isEmpty();
    run.result.stopReason = stopReason;
    if (!run.result.envelopeAfter.present) {
        run.result.envelopeAfter = session.envelope;
        run.result.envelopeAfter.from = run.from;
        run.result.envelopeAfter.to = run.accepted;
    }
    // Stages that were never reached cannot meet their expectations.
    for (int i = firstUnreached; i < session.stages.size() && run.result.stopped; ++i) {
        if (session.stages.at(i).expect.isEmpty())
            continue;
        StageResult missing;
        missing.stageIndex = i;
        missing.stage = session.stages.at(i).stage;
        missing.stageName = wireStageName(session.stages.at(i));
        missing.recipient = session.stages.at(i).recipient;
        missing.expected = true;
        missing.expectationFailures << u"not reached: %1"_s.arg(stopReason);
        run.result.stages.append(missing);
    }
    m_sessionDone(run.index, run.result);
    if (!m_stopped)
        next(lane);
}

struct SessionReplayer::Private
{
    struct Worker
    {
        LaneWorker *worker = nullptr;
        QThread *thread = nullptr; // null: runs in the replayer's thread
    };

    SessionReplayer *q;
    QList<SessionRecording> sessions;
    ReplayTarget target;
    int concurrency = 1;
    int threads = 0; // 0: automatic
    QList<ReplayResult> results;
    QList<Worker> workers;
    int idleWorkers = 0;
    int done = 0;
    bool running = false;
    quint64 generation = 0; // of the run: callbacks of a cancelled run are dropped
    int stageDelayMs = 0;
    QElapsedTimer clock;
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

    explicit Private(SessionReplayer *owner)
        : q(owner)
    { }

    void setup();
    void discover();
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

void SessionReplayer::start(
    const QList<SessionRecording> &sessions, const ReplayTarget &target, int concurrency)
{
    cancel();
    ++d->generation;
    d->sessions = sessions;
    d->target = target;
    d->concurrency = qMax(1, concurrency);
    d->results = QList<ReplayResult>(sessions.size());
    d->done = 0;
    d->idleWorkers = 0;
    d->running = true;
    d->setupError.clear();
    d->setupNotes.clear();
    d->registrationId.clear();
    d->registrationUrl.clear();
    d->deregistrationUrl.clear();
    d->awaitingRegistration.clear();
    d->registeringAgain = false;
    d->deregistered = std::make_shared<std::atomic<bool>>(false);
    d->hookUrl = target.url;
    d->clock.start();
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
    ++d->generation;
    d->stopWorkers();
    if (d->control) {
        d->control->cancel();
        d->control->deleteLater();
        d->control = nullptr;
    }
    d->running = false;
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
    if (!isDraft(target.dialect) || (!target.discover && !target.registerMta)) {
        launch();
        return;
    }
    if (target.discover)
        discover();
    else
        registerAt(target.url.resolved(QUrl(u"/v1/hooks/register"_s)), [this](bool) { launch(); });
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
        const QJsonObject document = QJsonDocument::fromJson(result.body).object();
        const QString registration
            = document.value(u"endpoints"_s).toObject().value(u"registration"_s).toString();
        if (result.status != 200 || registration.isEmpty()) {
            // Discovery is optional (manual configuration is allowed): hooks go to the URL as
            // given, unregistered.
            setupNotes << u"no discovery document at %1 (%2): hook calls go to %3 unregistered"_s
                              .arg(url.toString(),
                                  result.status ? u"HTTP %1"_s.arg(result.status) : result.error,
                                  target.url.toString());
            launch();
            return;
        }
        if (!target.registerMta) {
            launch();
            return;
        }
        registerAt(origin().resolved(QUrl(registration)), [this](bool) { launch(); });
    });
}

void SessionReplayer::Private::registerAt(const QUrl &url, std::function<void(bool)> registered)
{
    registrationUrl = url;
    QStringList inbound;
    QStringList outbound;
    for (const SessionRecording &session : std::as_const(sessions)) {
        for (const SessionStage &stage : session.stages) {
            const QString name = wireStageName(stage);
            QStringList &list
                = stageDirection(stage.stage) == Direction::Outbound ? outbound : inbound;
            if (!list.contains(name))
                list.append(name);
        }
    }
    QJsonObject body {{u"name"_s, u"hookscope-replayer"_s},
        {u"version"_s, QStringLiteral(HOOKSCOPE_VERSION)}, {u"timeoutMs"_s, target.timeoutMs},
        {u"expiresAt"_s, QJsonValue::Null},
        {u"serialization"_s, target.encoding == Encoding::Cbor ? u"cbor"_s : u"json"_s},
        {u"filter"_s, QJsonValue::Null}, {u"metadata"_s, QJsonValue::Null}};
    body.insert(u"inbound"_s,
        inbound.isEmpty() ? QJsonValue(QJsonValue::Null)
                          : QJsonObject {{u"stages"_s, QJsonArray::fromStringList(inbound)},
                              {u"properties"_s, QJsonValue::Null}});
    body.insert(u"outbound"_s,
        outbound.isEmpty() ? QJsonValue(QJsonValue::Null)
                           : QJsonObject {{u"stages"_s, QJsonArray::fromStringList(outbound)},
                               {u"properties"_s, QJsonValue::Null}});
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
            setupError = u"registration at %1 failed (%2): hook calls go to %3 unregistered"_s.arg(
                url.toString(), result.status ? u"HTTP %1"_s.arg(result.status) : result.error,
                target.url.toString());
            registered(false);
            return;
        }
        registrationId = id.toUtf8();
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
    registerAt(registrationUrl, [this, run](bool ok) {
        if (run != generation)
            return;
        registeringAgain = false;
        if (ok)
            setupError.clear(); // the first registration worked; this failure is the lanes' note
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
                        Q_EMIT q->stageFinished(index, stage);
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
    results[index] = result;
    ++done;
    Q_EMIT q->sessionFinished(index, result);
    if (run != generation)
        return;
    Q_EMIT q->progress(done, int(sessions.size()));
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
    auto finish = [this] {
        running = false;
        Q_EMIT q->finished(summarize(results, clock.elapsed()));
    };
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/laneworker_p.h"

#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/judge.h"

#include <QNetworkAccessManager>
#include <QTimer>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock::Detail {

bool isDraft(Dialect dialect)
{
    return dialect == Dialect::Draft01 || dialect == Dialect::Draft02;
}

namespace {

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

// Whether the MTA stops what this stage was about. Stalwart: every action but accept stops the
// stage (quarantine takes discard's path, reference §c.1); the drafts: the terminal actions.
bool stops(Dialect dialect, Action action)
{
    if (dialect == Dialect::Stalwart)
        return action != Action::Accept && action != Action::None;
    return isTerminal(action);
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

void LaneWorker::start()
{
    const QByteArray authorization = HookClient::authorizationFor(m_target.auth);
    const ClientTls tls = ClientTls::load({m_target.caCertificatesFile,
        m_target.clientCertificateFile, m_target.clientKeyFile}); // once for all lanes
    QNetworkAccessManager *network = nullptr;
    for (int i = 0; i < m_laneCount; ++i) {
        auto *lane = new Lane;
        if (i % LanesPerManager == 0)
            network = new QNetworkAccessManager(this);
        lane->client = new HookClient(network, this);
        lane->client->setAllowInvalidCertificates(m_target.allowInvalidCertificates);
        lane->client->setAuthorization(authorization);
        lane->client->setTls(tls);
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

void LaneWorker::stop(bool now)
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
// what it has just built (tst_mta_sessionrequests checks that these requests decode cleanly).
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
    const bool draft = isDraft(m_target.dialect);
    if (draft && !m_negotiation.callsStage(stage)) {
        skipStage(lane, stage);
        return;
    }
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
    QByteArray built = buildRequestBody(session, run.stage, envelope, options);
    // The body carries only the negotiated properties (reference §b.2).
    const Direction direction = stageDirection(stage.stage);
    const DirectionTerms &terms = m_negotiation.terms(direction);
    if (draft && leavesPropertiesOut(terms, direction))
        built = onlyProperties(built, options.encoding, *terms.properties);
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

void LaneWorker::skipStage(Lane *lane, const SessionStage &stage)
{
    Run &run = lane->run;
    const SessionRecording &session = m_sessions.at(run.index);
    StageResult result;
    result.stageIndex = run.stage;
    result.stage = stage.stage;
    result.stageName = wireStageName(stage);
    result.recipient = stage.recipient;
    result.expected = !stage.expect.isEmpty();
    result.skipped
        = u"not negotiated: the registration does not include %1"_s.arg(result.stageName);
    const bool outbound = stageDirection(stage.stage) == Direction::Outbound;
    result.outcome.dialect = m_target.dialect;
    result.outcome.stage = stage.stage;
    result.outcome.action = outbound ? Action::Continue : Action::Accept;
    result.outcome.reply = defaultReply(m_target.dialect, stage.stage, result.outcome.action);
    result.outcome.verdict = verdictFor(result.outcome.action, result.outcome.reply.code);
    if (result.expected)
        result.expectationFailures << u"not called: "_s + result.skipped;
    run.result.stages.append(result);
    if (m_reportStages) {
        m_stageDone(run.index, result);
        if (m_stopped)
            return;
    }
    if (stage.stage == Stage::Rcpt)
        run.accepted.append(recordedRecipient(session, stage.recipient));
    if (stage.stage == Stage::Data)
        run.result.messageQueued = true;
    ++run.stage;
    // Queued: a run of skipped stages (and sessions) does not nest calls.
    QMetaObject::invokeMethod(
        this,
        [this, lane] {
            if (!m_stopped)
                runStage(lane);
        },
        Qt::QueuedConnection);
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
    ApplyOptions applyOptions;
    applyOptions.tempFailOnError = m_target.tempFailOnError;
    applyOptions.onCallFailure = m_target.onError;
    if (draftCall)
        applyOptions.updateProperties
            = m_negotiation.terms(stageDirection(request.stage)).updateProperties;
    const Judgement judgement = judgeAnswer(
        request, {http.status, http.header("Content-Type"), http.body, http.error}, applyOptions);
    stage.outcome = judgement.outcome;
    stage.outcome.problems = judgement.problems;
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

} // namespace Mock::Detail

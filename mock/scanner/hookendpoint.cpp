// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/hookendpoint.h"

#include "mock/protocol/codec.h"
#include "mock/scanner/callanalysis.h"
#include "mock/scanner/hookendpoint_p.h"
#include "mock/scanner/httpwire_p.h"
#include "mock/scanner/logging.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QTcpSocket>
#include <QThreadPool>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

QThreadPool *Detail::heavyWorkPool()
{
    static QThreadPool *const pool = [] {
        auto *created = new QThreadPool; // lives as long as the process: calls may be in flight
        created->setMaxThreadCount(1);
        created->setThreadPriority(QThread::LowPriority);
        created->setObjectName(QStringLiteral("heavy calls"));
        return created;
    }();
    return pool;
}

namespace {

ConnectionGuard::Limits guardLimits(const EndpointSettings &settings)
{
    ConnectionGuard::Limits limits;
    limits.bodyLimit = settings.bodyLimit;
    limits.idleTimeoutMs = settings.idleTimeoutMs;
    limits.headTimeoutMs = settings.headTimeoutMs;
    limits.bodyTimeoutMs = settings.bodyTimeoutMs;
    limits.maxConnections = settings.maxConnections;
    limits.maxConnectionsPerPeer = settings.maxConnectionsPerPeer;
    return limits;
}

ConnectionGuard::Policy guardPolicy(const EndpointSettings &settings)
{
    // While bound to loopback, only a loopback Host is expected: anything else is a page
    // resolving its own name to 127.0.0.1 (DNS rebinding).
    return {settings.allowedOrigins, settings.address.isLoopback()};
}

} // namespace

HookEndpoint::HookEndpoint(Rulebook *rulebook, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, rulebook))
{
    qRegisterMetaType<Mock::Exchange>();
    qRegisterMetaType<Mock::HeldCall>();
    connect(&d->waiting, &WaitingCalls::callHeld, this, &HookEndpoint::callHeld);
    connect(&d->waiting, &WaitingCalls::heldCallEnded, this, &HookEndpoint::heldCallEnded);
    connect(&d->waiting, &WaitingCalls::abandoned, this, &HookEndpoint::exchangeCaptured);
    connect(&d->commits, &CommitQueue::saveFailed, this, &HookEndpoint::errorOccurred);
}

HookEndpoint::~HookEndpoint()
{
    close();
}

void HookEndpoint::setSettings(const EndpointSettings &settings)
{
    d->settings = settings;
    d->commits.setGrouped(settings.groupCommit);
    d->controlPlane.setLimits(settings.bodyLimit, d->rulebook->mtaTimeoutMs());
    d->controlPlane.setMaxRegistrations(settings.maxRegistrations);
    if (d->guard) {
        d->guard->setLimits(guardLimits(settings));
        d->guard->setPolicy(guardPolicy(settings));
    }
}

EndpointSettings HookEndpoint::settings() const
{
    return d->settings;
}

void HookEndpoint::setCaptureStore(CaptureStore *store)
{
    d->commits.setStore(store); // what was answered so far goes to the store it was answered for
}

bool HookEndpoint::listen()
{
    close();
    auto *guard = new ConnectionGuard(this);
    guard->setLimits(guardLimits(d->settings));
    guard->setPolicy(guardPolicy(d->settings));
    if (!d->settings.tlsCertificateFile.isEmpty() || !d->settings.tlsKeyFile.isEmpty()) {
        QString tlsError;
        const QSslConfiguration tls = tlsConfiguration(d->settings, &tlsError);
        if (tls.isNull()) {
            d->error = tlsError;
            delete guard;
            Q_EMIT errorOccurred(d->error);
            return false;
        }
        guard->setTls(tls);
    }
    if (!guard->listen(d->settings.address, d->settings.port)) {
        d->error = u"cannot listen on %1:%2: %3"_s.arg(d->settings.address.toString())
                       .arg(d->settings.port)
                       .arg(guard->errorString());
        delete guard;
        Q_EMIT errorOccurred(d->error);
        return false;
    }
    d->engine = new Detail::HttpEngine([this](const QHttpServerRequest &request,
                                           QTcpSocket *socket) { d->handle(request, socket); },
        this);
    d->engine->bind(guard); // the engine takes ownership
    d->guard = guard;
    connect(guard, &ConnectionGuard::requestRefused, this,
        [this](const ConnectionGuard::Refusal &refusal) { d->onRefused(refusal); });
    d->controlPlane.setLimits(d->settings.bodyLimit, d->rulebook->mtaTimeoutMs());
    d->error.clear();
    qCInfo(lcEndpoint) << "listening on" << url();
    Q_EMIT listeningChanged(true);
    return true;
}

void HookEndpoint::close()
{
    // Answers decided but not yet on disk are stored (and written, though their sockets are about
    // to go): nothing an MTA may have been told is lost.
    d->commits.flushNow();
    if (!d->engine)
        return;
    // Held and delayed calls get nothing more: their sockets go with the server.
    d->waiting.clear();
    d->order.clear();
    // Answers written but still in a socket's buffer go to the kernel now, which sends them
    // after the socket is gone: a process that quits right after answering (conform --mta ends
    // on the MTA's deregistration) must not cut that answer off.
    for (QTcpSocket *socket : d->engine->findChildren<QTcpSocket *>()) {
        // Also those closing (a "Connection: close" request's) with their answer still queued.
        if (socket->state() != QAbstractSocket::UnconnectedState)
            socket->flush();
    }
    delete d->engine; // deletes the guard and its sockets
    d->engine = nullptr;
    ++d->listenGeneration; // large calls still being decoded belong to the closed server
    Q_EMIT listeningChanged(false);
}

bool HookEndpoint::isListening() const
{
    return d->guard && d->guard->isListening();
}

QHostAddress HookEndpoint::serverAddress() const
{
    return d->guard ? d->guard->serverAddress() : QHostAddress();
}

quint16 HookEndpoint::serverPort() const
{
    return d->guard ? d->guard->serverPort() : 0;
}

QString HookEndpoint::url() const
{
    const QHostAddress address = serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
        ? u"["_s + address.toString() + u']'
        : address.toString();
    const bool tls = d->guard && d->guard->isTls();
    return u"%1://%2:%3"_s.arg(tls ? u"https"_s : u"http"_s, host).arg(serverPort());
}

QString HookEndpoint::errorString() const
{
    return d->error;
}

ControlPlane &HookEndpoint::controlPlane()
{
    return d->controlPlane;
}

void HookEndpoint::Private::handle(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (guard && guard->wasRefused(socket))
        return; // answered 413/431 already; the engine parsed what slipped through
    auto call = std::make_shared<Call>();
    call->clock.start();
    call->id = nextCallId++;
    call->socket = socket;
    call->ticket = order.take(socket);
    // The request object is reused per connection: copy everything now.
    Exchange &exchange = call->exchange;
    exchange.received = QDateTime::currentDateTimeUtc();
    exchange.peerAddress = socket->peerAddress().toString();
    exchange.peerPort = socket->peerPort();
    exchange.method = Detail::methodName(request.method());
    exchange.path = request.url().toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    exchange.requestHeaders = request.headers();
    exchange.requestBody = request.body();
    if (guard) {
        guard->beginAnswer(socket);
        exchange.clientCertificate = guard->clientSubject(socket);
    }

    const QString path = request.url().path();
    const bool discovery = path == ControlPlane::discoveryPath();
    if (!discovery) {
        if (const auto failure = checkAuthorization(settings, exchange.requestHeaders)) {
            exchange.kind
                = exchange.method == "POST" && !path.startsWith(ControlPlane::registrationPath())
                ? ExchangeKind::Hook
                : ExchangeKind::Other;
            exchange.problems.append(
                {QString(), Severity::Error, failure->problem, ProblemOrigin::Transport});
            exchange.verdict = Verdict::Error;
            exchange.ruleName = u"auth"_s;
            exchange.ruleReason = failure->problem;
            sessions.assign(exchange);
            finish(call, 401, "application/json", failure->body, failure->headers);
            return;
        }
    }
    const auto reply = controlPlane.handle(exchange.method, path,
        exchange.requestHeader("Content-Type"), exchange.requestHeader("Accept"),
        exchange.requestBody, callerIdentity(settings, exchange.requestHeaders));
    if (reply) {
        exchange.kind = reply->kind;
        exchange.problems += withOrigin(reply->problems, ProblemOrigin::Request);
        exchange.ruleName = u"control plane"_s;
        exchange.verdict = reply->httpStatus >= 400 ? Verdict::Error : Verdict::None;
        // Listed by their HTTP peer, a burst at a time (SessionTracker), not under one empty key
        // that the timeline would only find on its next reload.
        sessions.assign(exchange);
        finish(call, reply->httpStatus, reply->contentType, reply->body, reply->headers);
        return;
    }
    if (exchange.method != "POST") {
        exchange.kind = ExchangeKind::Other;
        exchange.verdict = Verdict::Error;
        exchange.problems.append({QString(), Severity::Warning,
            u"%1 %2: hook calls are POST"_s.arg(QString::fromLatin1(exchange.method), path),
            ProblemOrigin::Transport});
        sessions.assign(exchange);
        finish(call, 404, "application/json",
            errorBody(u"INVALID_REQUEST"_s,
                u"nothing here: hook calls are POST, discovery is GET %1"_s.arg(
                    ControlPlane::discoveryPath())));
        return;
    }
    handleHook(call);
}

void HookEndpoint::Private::handleHook(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    exchange.kind = ExchangeKind::Hook;
    DecodeOptions options;
    options.dialect = settings.forcedDialect;
    options.limits.maxDepth = settings.maxDepth;
    options.limits.maxStringBytes = settings.bodyLimit;
    const QByteArray contentType = exchange.requestHeader("Content-Type");
    // Retries and reused request ids are told apart by the body (RequestIdLedger).
    const bool digest = !exchange.requestHeader("X-MTA-Hooks-Request-Id").isEmpty();
    if (exchange.requestBody.size() < OffloadBodyBytes) {
        if (digest)
            call->bodyDigest = RequestIdLedger::bodyDigest(exchange.requestBody);
        call->request = decodeRequest(exchange.requestBody, contentType, options);
        describeRequest(exchange, call->request);
        continueHook(call);
        return;
    }
    // A large body (a data stage carrying its message) takes tens of milliseconds to decode and
    // describe: the heavy-call thread does it, so the calls of other connections are not held up.
    // The rest (rules, answer, capture) stays on this thread, in the order the results come back.
    // The digest is written into the call from the pool thread: nothing on this thread reads it
    // before the work is done, and the work holds the call.
    QByteArray *bodyDigest = digest ? &call->bodyDigest : nullptr;
    offload(
        call,
        [contentType, options, bodyDigest](Exchange &copy, HookRequest &request) {
            if (bodyDigest)
                *bodyDigest = RequestIdLedger::bodyDigest(copy.requestBody);
            request = decodeRequest(copy.requestBody, contentType, options);
            describeRequest(copy, request);
        },
        &Private::continueHook);
}

void HookEndpoint::Private::offload(const std::shared_ptr<Call> &call,
    std::function<void(Exchange &, HookRequest &)> work,
    void (Private::*then)(const std::shared_ptr<Call> &))
{
    const QPointer<HookEndpoint> endpoint(q);
    const quint64 generation = listenGeneration;
    Detail::heavyWorkPool()->start(
        [this, endpoint, generation, call, then, work = std::move(work), exchange = call->exchange,
            request = std::move(call->request)]() mutable {
            work(exchange, request);
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [this, endpoint, generation, call, then, exchange = std::move(exchange),
                    request = std::move(request)]() mutable {
                    if (!endpoint || generation != listenGeneration)
                        return; // closed meanwhile: its sockets are gone
                    call->exchange = std::move(exchange);
                    call->request = std::move(request);
                    (this->*then)(call);
                },
                Qt::QueuedConnection);
        });
}

void HookEndpoint::Private::continueHook(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    // The registration a call is for: its header, else the hook path. Not from the body, so a call
    // that fails to decode still counts (as an error) against its registration.
    call->registrationId = QString::fromUtf8(exchange.requestHeader("X-MTA-Hooks-Registration"));
    if (call->registrationId.isEmpty())
        call->registrationId
            = ControlPlane::registrationFromHookPath(QString::fromUtf8(exchange.path));
    const bool draft
        = call->request.dialect == Dialect::Draft01 || call->request.dialect == Dialect::Draft02;
    if (draft) {
        exchange.problems += checkDraftTransport(exchange);
        noteRequestId(call);
    }
    sessions.assign(exchange);

    if (!call->request.isDecoded()) {
        // Bad input is data: a clear 400 with the reason, and the call is kept.
        const QString reason = call->request.problems.isEmpty()
            ? u"the body is not a hook request"_s
            : call->request.problems.constFirst().message;
        exchange.verdict = Verdict::Error;
        exchange.ruleName = u"decoder"_s;
        exchange.ruleReason = reason;
        finish(call, 400, "application/json", errorBody(u"INVALID_REQUEST"_s, reason));
        return;
    }
    if (settings.strict) {
        if (refuseStrictly(call) || answerRetry(call))
            return;
    } else if (draft && !call->registrationId.isEmpty()) {
        // draft-01 §"Deregistration": no new hook calls after it; 410 tells the MTA to stop. An
        // expired registration is gone (404: register again), another caller's is not this
        // one's (403).
        if (refuseForRegistration(call, false))
            return;
    }

    const Decision decision = rulebook->decide(call->request, exchange.sessionKey);
    exchange.problems += decision.problems;
    if (!decision.notes.isEmpty()) {
        QStringList notes = decision.notes;
        if (!exchange.note.isEmpty())
            notes.prepend(exchange.note);
        exchange.note = notes.join(u'\n');
    }
    exchange.ruleName = decision.ruleName;
    exchange.ruleReason = decision.reason;
    exchange.matchTrace = decision.trace;
    if (decision.answer.kind == Answer::Kind::Hold) {
        park(call, decision);
        return;
    }
    const qint64 delay = rulebook->delayMs(decision.answer);
    if (delay <= 0 && decision.answer.fault != Fault::Hang) {
        answerWith(call, decision.answer, QString());
        return;
    }
    if (decision.answer.fault == Fault::Hang) {
        // The MTA's timeout decides, but the call ends soon after it at the latest: once the MTA
        // has surely given up, the connection is reset, which is all a hung scanner's host shows
        // at last, and the call is recorded as such.
        exchange.fault = faultName(Fault::Hang);
        const int limit = rulebook->hangLimitMs();
        waiting.hang(call, limit, [this, limit](const std::shared_ptr<Call> &hung) {
            hung->exchange.note
                = u"hung for %1 ms (the MTA's timeout plus a margin): connection reset"_s.arg(
                    limit);
            resetInstead(hung);
        });
        return;
    }
    const Answer answer = decision.answer;
    waiting.delay(call, delay,
        [this, answer](const std::shared_ptr<Call> &late) { answerWith(late, answer, QString()); });
}

void HookEndpoint::Private::onRefused(const ConnectionGuard::Refusal &refusal)
{
    Exchange exchange;
    exchange.received = QDateTime::currentDateTimeUtc();
    exchange.peerAddress = refusal.peerAddress;
    exchange.peerPort = refusal.peerPort;
    exchange.method = refusal.method;
    exchange.path = refusal.path;
    exchange.requestHeaders = refusal.headers;
    exchange.kind = refusal.method == "POST" ? ExchangeKind::Hook : ExchangeKind::Other;
    exchange.httpStatus = refusal.status;
    exchange.verdict = Verdict::Error;
    exchange.ruleName = u"limits"_s;
    exchange.ruleReason = refusal.reason;
    exchange.problems.append({QString(), Severity::Error,
        u"%1: %2 (body not kept)"_s.arg(refusal.status).arg(refusal.reason),
        ProblemOrigin::Transport});
    exchange.messageSize = refusal.declaredLength;
    exchange.responseHeaders = refusal.responseHeaders;
    exchange.responseBody = refusal.responseBody;
    sessions.assign(exchange);
    record(exchange); // the guard writes the refusal after this returns
    Q_EMIT q->exchangeCaptured(exchange);
}

} // namespace Mock

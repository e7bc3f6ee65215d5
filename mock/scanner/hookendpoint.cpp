// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/hookendpoint.h"

#include "mock/capture/capturestore.h"
#include "mock/capture/sessiontracker.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/callanalysis.h"
#include "mock/scanner/connectionguard.h"
#include "mock/scanner/logging.h"
#include "mock/scanner/rulebook.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QMap>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

#include <functional>
#include <utility>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

// QHttpServer's router is not needed: every request goes through one handler. Subclassing the
// abstract server keeps the 6.4 API (handleRequest with a socket) in this file. Answers are written
// to the socket directly, not through QHttpServerResponder: one write per answer instead of one
// per token, any status code with our own reason phrase, and answers held back until the ones
// before them on the same connection are out (the engine parses pipelined requests while earlier
// answers are pending, QT-STACK.md §2e).
class HttpEngine final : public QAbstractHttpServer
{
public:
    using Handler = std::function<void(const QHttpServerRequest &, QTcpSocket *)>;
    explicit HttpEngine(Handler handler, QObject *parent)
        : QAbstractHttpServer(parent)
        , m_handler(std::move(handler))
    { }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_handler(request, socket);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }

private:
    Handler m_handler;
};

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN"; // Qt 6.4 loses the token of methods it does not know (QT-STACK §2f)
    }
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return {}; // "HTTP/1.1 299 " is valid: the reason phrase may be empty (RFC 9112 §4)
    }
}

// The answer's bytes on the wire. No body (and no Content-Length) for 204 and 304 (RFC 9110
// §8.6); HEAD gets the headers only.
QByteArray responseBytes(
    int status, const HttpHeaders &headers, const QByteArray &body, bool headOnly)
{
    QByteArray out;
    const bool sendBody = !headOnly && status != 204 && status != 304;
    out.reserve(128 + (sendBody ? body.size() : 0));
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    for (const auto &[name, value] : headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    if (sendBody)
        out += body;
    return out;
}

// A TCP reset instead of an orderly close: SO_LINGER with a zero timeout makes close() send RST.
void resetConnection(QTcpSocket *socket)
{
    const qintptr descriptor = socket->socketDescriptor();
    if (descriptor >= 0) {
        const struct linger option
        {
            1, 0
        };
        ::setsockopt(int(descriptor), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
    socket->abort();
}

} // namespace

std::optional<EndpointSettings> EndpointSettings::withAuth(
    EndpointSettings settings, const QString &spec, QString *error)
{
    if (spec.isEmpty() || spec == u"none"_s) {
        settings.auth = Auth::None;
        return settings;
    }
    if (spec.startsWith(u"bearer:"_s) && spec.size() > 7) {
        settings.auth = Auth::Bearer;
        settings.token = spec.mid(7);
        return settings;
    }
    if (spec.startsWith(u"basic:"_s)) {
        const QString rest = spec.mid(6);
        const qsizetype colon = rest.indexOf(u':');
        if (colon > 0) {
            settings.auth = Auth::Basic;
            settings.user = rest.left(colon);
            settings.password = rest.mid(colon + 1);
            return settings;
        }
    }
    *error = u"auth must be none, bearer:TOKEN or basic:USER:PASS"_s;
    return std::nullopt;
}

bool EndpointSettings::parseListen(
    const QString &spec, QHostAddress *address, quint16 *port, QString *error)
{
    QString host;
    QString portText = spec;
    const qsizetype colon = spec.lastIndexOf(u':');
    if (colon >= 0) {
        host = spec.left(colon);
        portText = spec.mid(colon + 1);
    }
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint number = portText.toUInt(&ok);
    if (!ok || number > 65535) {
        *error = u"invalid port in \"%1\" (expected ADDRESS:PORT)"_s.arg(spec);
        return false;
    }
    QHostAddress parsed
        = host.isEmpty() ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (host == u"localhost"_s)
        parsed = QHostAddress(QHostAddress::LocalHost);
    if (parsed.isNull()) {
        *error = u"invalid address in \"%1\" (expected an IP address)"_s.arg(spec);
        return false;
    }
    *address = parsed;
    *port = quint16(number);
    return true;
}

QString EndpointSettings::authDescription() const
{
    switch (auth) {
    case Auth::None:
        return u"none"_s;
    case Auth::Bearer:
        return u"bearer token"_s;
    case Auth::Basic:
        return u"basic (%1)"_s.arg(user);
    }
    return {};
}

struct HookEndpoint::Private
{
    struct Call
    {
        qint64 id = 0;
        Exchange exchange;
        HookRequest request;
        QPointer<QTcpSocket> socket;
        quint64 ticket = 0; // position of the request on its connection
        QElapsedTimer clock;
        QString registrationId;
        QTimer *timer = nullptr; // hold deadline or answer delay
        QMetaObject::Connection disconnectWatch; // while the answer is pending
        bool held = false;
        QByteArray suggestedBody;
        QByteArray suggestedContentType;
        QDateTime deadline;
        // Filled by finish(): what goes out once the exchange is on disk.
        QByteArray wire;
        bool reset = false; // a connection reset instead of an answer
        bool closeAfter = false;
        bool wasHeld = false;
        bool refused = false; // the endpoint refused the call itself: no MTA reading of the answer
    };

    // Answers of one connection, written in the order of their requests (HTTP/1.1 pipelining).
    struct Outbox
    {
        quint64 nextTicket = 0;
        quint64 nextToSend = 0;
        QMap<quint64, std::shared_ptr<Call>> ready;
    };

    HookEndpoint *q;
    Rulebook *rulebook;
    QPointer<CaptureStore> store;
    EndpointSettings settings;
    HttpEngine *engine = nullptr;
    QPointer<ConnectionGuard> guard;
    ControlPlane controlPlane;
    SessionTracker sessions;
    QString error;
    qint64 nextCallId = 1;
    QHash<qint64, std::shared_ptr<Call>> pending; // delayed, held or hanging calls
    QHash<QByteArray, int> requestIds; // draft request ids seen, for retries
    QHash<QTcpSocket *, Outbox> outboxes;
    QList<std::shared_ptr<Call>> toCommit; // group commit: answered, not yet on disk
    bool flushQueued = false;

    Private(HookEndpoint *owner, Rulebook *book)
        : q(owner)
        , rulebook(book)
    { }

    void handle(const QHttpServerRequest &request, QTcpSocket *socket);
    void handleHook(const std::shared_ptr<Call> &call);
    void answerWith(const std::shared_ptr<Call> &call, const Answer &answer, const QString &note);
    void park(const std::shared_ptr<Call> &call, const Decision &decision);
    void watchDisconnect(const std::shared_ptr<Call> &call);
    void finish(const std::shared_ptr<Call> &call, int status, const QByteArray &contentType,
        const QByteArray &body, const HttpHeaders &headers = {});
    void resetInstead(const std::shared_ptr<Call> &call);
    void settle(const std::shared_ptr<Call> &call);
    void flushCommits();
    void deliver(const std::shared_ptr<Call> &call);
    void send(const std::shared_ptr<Call> &call);
    void dropTimer(Call &call);
    void record(Exchange &exchange);
    void onRefused(const ConnectionGuard::Refusal &refusal);
};

HookEndpoint::HookEndpoint(Rulebook *rulebook, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, rulebook))
{
    qRegisterMetaType<Mock::Exchange>();
    qRegisterMetaType<Mock::HeldCall>();
}

HookEndpoint::~HookEndpoint()
{
    close();
}

void HookEndpoint::setSettings(const EndpointSettings &settings)
{
    d->settings = settings;
    d->controlPlane.setLimits(settings.bodyLimit, d->rulebook->mtaTimeoutMs());
    if (d->guard)
        d->guard->setLimits(
            {settings.bodyLimit, 64 * 1024, settings.idleTimeoutMs, settings.maxConnections});
}

EndpointSettings HookEndpoint::settings() const
{
    return d->settings;
}

void HookEndpoint::setCaptureStore(CaptureStore *store)
{
    d->flushCommits(); // what was answered so far goes to the store it was answered for
    d->store = store;
}

bool HookEndpoint::listen()
{
    close();
    auto *guard = new ConnectionGuard(this);
    guard->setLimits(
        {d->settings.bodyLimit, 64 * 1024, d->settings.idleTimeoutMs, d->settings.maxConnections});
    if (!guard->listen(d->settings.address, d->settings.port)) {
        d->error = u"cannot listen on %1:%2: %3"_s.arg(d->settings.address.toString())
                       .arg(d->settings.port)
                       .arg(guard->errorString());
        delete guard;
        Q_EMIT errorOccurred(d->error);
        return false;
    }
    d->engine = new HttpEngine([this](const QHttpServerRequest &request,
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
    d->flushCommits();
    if (!d->engine)
        return;
    // Held and delayed calls get nothing more: their sockets go with the server.
    for (const auto &call : std::as_const(d->pending)) {
        QObject::disconnect(call->disconnectWatch);
        d->dropTimer(*call);
    }
    d->pending.clear();
    d->outboxes.clear();
    delete d->engine; // deletes the guard and its sockets
    d->engine = nullptr;
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
    return u"http://%1:%2"_s.arg(host).arg(serverPort());
}

QString HookEndpoint::errorString() const
{
    return d->error;
}

ControlPlane &HookEndpoint::controlPlane()
{
    return d->controlPlane;
}

QList<HeldCall> HookEndpoint::heldCalls() const
{
    QList<HeldCall> result;
    for (const auto &call : std::as_const(d->pending)) {
        if (call->held)
            result.append({call->id, call->exchange, call->deadline, call->suggestedBody,
                call->suggestedContentType});
    }
    std::sort(result.begin(), result.end(),
        [](const HeldCall &a, const HeldCall &b) { return a.callId < b.callId; });
    return result;
}

bool HookEndpoint::answerHeld(
    qint64 callId, const QByteArray &body, int httpStatus, const QByteArray &contentType)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    call->exchange.note = u"answered by hand"_s;
    call->exchange.ruleName = u"hold"_s;
    d->finish(call, httpStatus,
        contentType.isEmpty() ? contentTypeFor(
            call->request.encoding == Encoding::Cbor ? Encoding::Cbor : Encoding::Json)
                              : contentType,
        body);
    return true;
}

bool HookEndpoint::answerHeldWith(qint64 callId, const Answer &answer)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    d->answerWith(call, answer, u"answered by hand"_s);
    return true;
}

bool HookEndpoint::releaseHeld(qint64 callId)
{
    const auto call = d->pending.value(callId);
    if (!call || !call->held)
        return false;
    d->answerWith(call, d->rulebook->defaultAnswer(call->request.stage),
        u"released: the stage's default answer"_s);
    return true;
}

void HookEndpoint::Private::handle(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (guard && guard->wasRefused(socket))
        return; // answered 413/431 already; the engine parsed what slipped through
    auto call = std::make_shared<Call>();
    call->clock.start();
    call->id = nextCallId++;
    call->socket = socket;
    auto outbox = outboxes.find(socket);
    if (outbox == outboxes.end()) {
        outbox = outboxes.insert(socket, Outbox());
        QObject::connect(
            socket, &QObject::destroyed, q, [this, socket] { outboxes.remove(socket); });
    }
    call->ticket = outbox->nextTicket++;
    // The request object is reused per connection: copy everything now.
    Exchange &exchange = call->exchange;
    exchange.received = QDateTime::currentDateTimeUtc();
    exchange.peerAddress = socket->peerAddress().toString();
    exchange.peerPort = socket->peerPort();
    exchange.method = methodName(request.method());
    exchange.path = request.url().toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    exchange.requestHeaders = request.headers();
    exchange.requestBody = request.body();
    if (guard)
        guard->beginAnswer(socket);

    const QString path = request.url().path();
    const bool discovery = path == ControlPlane::discoveryPath();
    if (!discovery) {
        if (const auto failure = checkAuthorization(settings, exchange.requestHeaders)) {
            exchange.kind
                = exchange.method == "POST" && !path.startsWith(ControlPlane::registrationPath())
                ? ExchangeKind::Hook
                : ExchangeKind::Other;
            exchange.problems.append({QString(), Severity::Error, failure->problem});
            exchange.verdict = Verdict::Error;
            exchange.ruleName = u"auth"_s;
            exchange.ruleReason = failure->problem;
            finish(call, 401, "application/json", failure->body, failure->headers);
            return;
        }
    }
    const auto reply
        = controlPlane.handle(exchange.method, path, exchange.requestHeader("Content-Type"),
            exchange.requestHeader("Accept"), exchange.requestBody);
    if (reply) {
        exchange.kind = reply->kind;
        exchange.problems += reply->problems;
        exchange.ruleName = u"control plane"_s;
        exchange.verdict = reply->httpStatus >= 400 ? Verdict::Error : Verdict::None;
        finish(call, reply->httpStatus, reply->contentType, reply->body, reply->headers);
        return;
    }
    if (exchange.method != "POST") {
        exchange.kind = ExchangeKind::Other;
        exchange.verdict = Verdict::Error;
        exchange.problems.append({QString(), Severity::Warning,
            u"%1 %2: hook calls are POST"_s.arg(QString::fromLatin1(exchange.method), path)});
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
    const QByteArray contentType = exchange.requestHeader("Content-Type");
    if (encodingFromContentType(contentType) == Encoding::Unknown) {
        // Without a usable Content-Type the codec would parse a JSON body twice (once to sniff,
        // once to decode). A body opening with '{' or '[' is JSON or nothing: as CBOR or
        // MessagePack it would be a scalar, never a hook request.
        const QByteArray &body = exchange.requestBody;
        qsizetype i = 0;
        while (i < body.size()
            && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
            ++i;
        if (i < body.size() && (body[i] == '{' || body[i] == '['))
            options.encoding = Encoding::Json;
    }
    QElapsedTimer step;
    step.start();
    call->request = decodeRequest(exchange.requestBody, contentType, options);
    const qint64 decodeUs = step.nsecsElapsed() / 1000;
    describeRequest(exchange, call->request);
    const qint64 describeUs = step.nsecsElapsed() / 1000 - decodeUs;
    qCDebug(lcEndpoint) << "call" << call->id << exchange.requestBody.size() << "bytes: decode"
                        << decodeUs << "us, describe" << describeUs << "us";
    // The registration a call is for: its header, else the hook path. Not from the body, so a call
    // that fails to decode still counts (as an error) against its registration.
    call->registrationId = QString::fromUtf8(exchange.requestHeader("X-MTA-Hooks-Registration"));
    if (call->registrationId.isEmpty())
        call->registrationId
            = ControlPlane::registrationFromHookPath(QString::fromUtf8(exchange.path));
    const bool draft
        = call->request.dialect == Dialect::Draft01 || call->request.dialect == Dialect::Draft02;
    if (draft)
        exchange.problems += checkDraftTransport(exchange, requestIds);
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
    if (draft && !call->registrationId.isEmpty()) {
        // draft-01 §"Deregistration": no new hook calls after it; 410 tells the MTA to stop.
        const auto registration = controlPlane.registration(call->registrationId);
        if (registration && registration->status == u"deregistered"_s) {
            const QString reason = u"registration %1 is deregistered"_s.arg(call->registrationId);
            exchange.verdict = Verdict::Error;
            exchange.ruleName = u"control plane"_s;
            exchange.ruleReason = reason;
            exchange.problems.append(
                {QString(), Severity::Error, u"REGISTRATION_DEREGISTERED: "_s + reason});
            call->refused = true;
            finish(
                call, 410, "application/json", errorBody(u"REGISTRATION_DEREGISTERED"_s, reason));
            return;
        }
    }

    const Decision decision = rulebook->decide(call->request);
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
    pending.insert(call->id, call);
    if (decision.answer.fault == Fault::Hang) {
        exchange.fault = faultName(Fault::Hang);
        // The MTA's timeout decides; the connection closing ends the call (watchDisconnect).
    } else {
        call->timer = new QTimer(q);
        call->timer->setSingleShot(true);
        // A coarse timer may fire up to 5% early: "just past the MTA's timeout" would not be.
        call->timer->setTimerType(Qt::PreciseTimer);
        const Answer answer = decision.answer;
        QObject::connect(call->timer, &QTimer::timeout, q, [this, call, answer] {
            if (!pending.contains(call->id))
                return;
            answerWith(call, answer, QString());
        });
        call->timer->start(int(qMin<qint64>(delay, 24 * 3600 * 1000)));
    }
    watchDisconnect(call);
}

// A delayed, hanging or held call whose client goes away is recorded as such, and nothing is
// written to the (freed) socket later (QT-STACK.md §2a).
void HookEndpoint::Private::watchDisconnect(const std::shared_ptr<Call> &call)
{
    if (!call->socket)
        return;
    call->disconnectWatch
        = QObject::connect(call->socket, &QTcpSocket::disconnected, q, [this, call] {
              if (!pending.contains(call->id))
                  return;
              pending.remove(call->id);
              QObject::disconnect(call->disconnectWatch);
              dropTimer(*call);
              Exchange &exchange = call->exchange;
              const bool wasHeld = call->held;
              call->held = false;
              exchange.held = false;
              exchange.httpStatus = 0;
              exchange.verdict = Verdict::Error;
              exchange.latencyUs = call->clock.nsecsElapsed() / 1000;
              if (wasHeld)
                  exchange.note = u"the client disconnected while the call was held"_s;
              exchange.problems.append({QString(), Severity::Warning,
                  wasHeld ? u"the client closed the connection while the call was held"_s
                          : u"the client closed the connection before the answer"_s});
              record(exchange);
              if (wasHeld)
                  Q_EMIT q->heldCallEnded(call->id, exchange);
              Q_EMIT q->exchangeCaptured(exchange);
          });
}

void HookEndpoint::Private::dropTimer(Call &call)
{
    if (!call.timer)
        return;
    call.timer->stop();
    call.timer->deleteLater(); // its lambda holds the call: deleting it frees the call
    call.timer = nullptr;
}

void HookEndpoint::Private::answerWith(
    const std::shared_ptr<Call> &call, const Answer &answer, const QString &note)
{
    Exchange &exchange = call->exchange;
    if (!note.isEmpty())
        exchange.note = note;
    const RenderedAnswer rendered = rulebook->render(answer, call->request);
    int status = rendered.httpStatus;
    QByteArray contentType = rendered.contentType;
    QByteArray body = rendered.body;
    HttpHeaders headers = rendered.headers;
    exchange.fault = answer.fault == Fault::None ? QString() : faultName(answer.fault);
    switch (answer.fault) {
    case Fault::None:
    case Fault::Hang:
        break;
    case Fault::Http500:
        status = 500;
        contentType = "application/json";
        body = errorBody(u"INTERNAL_ERROR"_s, u"fault injected by Hookscope"_s);
        break;
    case Fault::Http503:
        status = 503;
        contentType = "application/json";
        body = errorBody(u"SCANNER_UNAVAILABLE"_s, u"fault injected by Hookscope"_s);
        headers.append({"Retry-After", QByteArray::number(answer.retryAfterSeconds)});
        break;
    case Fault::Reset:
        resetInstead(call);
        return;
    case Fault::TruncatedJson:
        body.truncate(qMax<qsizetype>(1, body.size() / 2));
        break;
    case Fault::WrongContentType:
        contentType = "text/plain";
        break;
    case Fault::Empty204:
        status = 204;
        body.clear();
        break;
    case Fault::Oversize:
        if (body.size() < settings.oversizeBytes)
            body.append(QByteArray(settings.oversizeBytes - body.size(), ' '));
        break;
    }
    finish(call, status, contentType, body, headers);
}

void HookEndpoint::Private::park(const std::shared_ptr<Call> &call, const Decision &decision)
{
    const RenderedAnswer suggestion = rulebook->render(decision.suggested, call->request);
    call->held = true;
    call->suggestedBody = suggestion.body;
    call->suggestedContentType = suggestion.contentType;
    const int timeout = rulebook->holdTimeoutMs();
    call->deadline = QDateTime::currentDateTimeUtc().addMSecs(timeout);
    Exchange &exchange = call->exchange;
    exchange.held = true;
    exchange.verdict = Verdict::Held;
    record(exchange); // on disk before anyone answers it
    pending.insert(call->id, call);

    call->timer = new QTimer(q);
    call->timer->setSingleShot(true);
    call->timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(call->timer, &QTimer::timeout, q, [this, call] {
        if (!pending.contains(call->id))
            return;
        answerWith(call, rulebook->defaultAnswer(call->request.stage),
            u"hold timed out: the stage's default answer went out"_s);
    });
    call->timer->start(timeout);
    watchDisconnect(call);
    Q_EMIT q->callHeld(
        {call->id, exchange, call->deadline, call->suggestedBody, call->suggestedContentType});
}

void HookEndpoint::Private::finish(const std::shared_ptr<Call> &call, int status,
    const QByteArray &contentType, const QByteArray &body, const HttpHeaders &headers)
{
    Exchange &exchange = call->exchange;
    exchange.httpStatus = status;
    exchange.responseHeaders.clear();
    if (status != 204 && status != 304)
        exchange.responseHeaders.append({"Content-Type", contentType});
    exchange.responseHeaders += headers;
    if (status != 204 && status != 304)
        exchange.responseHeaders.append({"Content-Length", QByteArray::number(body.size())});
    const bool closeAfter = exchange.requestHeader("Connection").toLower() == "close";
    if (closeAfter)
        exchange.responseHeaders.append(
            {QByteArrayLiteral("Connection"), QByteArrayLiteral("close")});
    exchange.responseBody = body;
    if (exchange.kind == ExchangeKind::Hook && call->request.isDecoded() && !call->refused)
        judgeAnswer(exchange, call->request);
    if (!exchange.fault.isEmpty() && exchange.verdict != Verdict::Error
        && (status >= 500 || exchange.fault == faultName(Fault::TruncatedJson)))
        exchange.verdict = Verdict::Error;
    call->wire = responseBytes(status, exchange.responseHeaders, body, exchange.method == "HEAD");
    call->closeAfter = closeAfter;
    settle(call);
}

void HookEndpoint::Private::resetInstead(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    exchange.httpStatus = 0;
    exchange.verdict = Verdict::Error;
    exchange.responseHeaders.clear();
    exchange.responseBody.clear();
    call->wire.clear();
    call->reset = true;
    settle(call);
}

// The answer is decided: the call leaves the pending list and is stored, then its answer goes out.
// With group commit the store write waits for the end of this event-loop pass, so every answer
// decided in the pass shares one transaction; no answer is written before its commit.
void HookEndpoint::Private::settle(const std::shared_ptr<Call> &call)
{
    call->wasHeld = call->held;
    call->held = false;
    pending.remove(call->id);
    QObject::disconnect(call->disconnectWatch);
    dropTimer(*call);
    Exchange &exchange = call->exchange;
    exchange.held = false;
    exchange.latencyUs = call->clock.nsecsElapsed() / 1000;
    if (!call->registrationId.isEmpty())
        controlPlane.noteInvocation(
            call->registrationId, exchange.latencyUs, call->reset || exchange.httpStatus >= 400);
    if (!store || !settings.groupCommit) {
        // On disk before the MTA sees the answer: a crash after this loses nothing it saw.
        record(exchange);
        deliver(call);
        return;
    }
    toCommit.append(call);
    if (!flushQueued) {
        flushQueued = true;
        QMetaObject::invokeMethod(
            q, [this] { flushCommits(); }, Qt::QueuedConnection);
    }
}

void HookEndpoint::Private::flushCommits()
{
    flushQueued = false;
    if (toCommit.isEmpty())
        return;
    const QList<std::shared_ptr<Call>> batch = std::exchange(toCommit, {});
    if (store) {
        QElapsedTimer clock;
        clock.start();
        QList<Exchange> exchanges;
        exchanges.reserve(batch.size());
        for (const auto &call : batch)
            exchanges.append(call->exchange);
        if (store->saveAll(exchanges)) {
            for (qsizetype i = 0; i < batch.size(); ++i)
                batch.at(i)->exchange.id = exchanges.at(i).id;
        } else {
            // All or nothing failed: store them one by one, so one bad row loses only itself.
            for (const auto &call : batch)
                record(call->exchange);
        }
        qCDebug(lcEndpoint) << "committed" << batch.size() << "exchange(s) in"
                            << clock.nsecsElapsed() / 1000 << "us";
    }
    for (const auto &call : batch)
        deliver(call);
}

// The exchange is stored: the answer may go out, after those of earlier requests on the same
// connection.
void HookEndpoint::Private::deliver(const std::shared_ptr<Call> &call)
{
    QTcpSocket *socket = call->socket;
    const auto outbox = socket ? outboxes.find(socket) : outboxes.end();
    if (outbox != outboxes.end()) {
        outbox->ready.insert(call->ticket, call);
        while (!outbox->ready.isEmpty() && outbox->ready.firstKey() == outbox->nextToSend) {
            const std::shared_ptr<Call> next = outbox->ready.take(outbox->nextToSend);
            ++outbox->nextToSend;
            send(next);
            if (!outboxes.contains(socket))
                break; // reset: the outbox went with the connection
        }
    }
    Q_EMIT q->exchangeCaptured(call->exchange);
    if (call->wasHeld)
        Q_EMIT q->heldCallEnded(call->id, call->exchange);
}

void HookEndpoint::Private::send(const std::shared_ptr<Call> &call)
{
    QTcpSocket *socket = call->socket;
    if (!socket)
        return;
    if (guard)
        guard->endAnswer(socket);
    if (call->reset) {
        outboxes.remove(socket);
        resetConnection(socket);
        return;
    }
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->write(call->wire);
    call->wire.clear();
    if (call->closeAfter)
        socket->disconnectFromHost();
}

void HookEndpoint::Private::record(Exchange &exchange)
{
    if (!store)
        return;
    if (!store->save(exchange))
        Q_EMIT q->errorOccurred(u"capture not saved: "_s + store->lastError());
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
        u"%1: %2 (body not kept)"_s.arg(refusal.status).arg(refusal.reason)});
    exchange.messageSize = refusal.declaredLength;
    exchange.responseHeaders = refusal.responseHeaders;
    exchange.responseBody = refusal.responseBody;
    sessions.assign(exchange);
    record(exchange); // the guard writes the refusal after this returns
    Q_EMIT q->exchangeCaptured(exchange);
}

} // namespace Mock

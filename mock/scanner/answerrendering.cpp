// SPDX-License-Identifier: GPL-3.0-or-later
// What goes on the wire for a decided call: the rendered answer with its injected fault, the
// response headers and the MTA's reading of it, or a connection reset instead.
#include "mock/scanner/hookendpoint.h"

#include "mock/scanner/callanalysis.h"
#include "mock/scanner/hookendpoint_p.h"
#include "mock/scanner/httpwire_p.h"

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

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
    call->wire
        = Detail::responseBytes(status, exchange.responseHeaders, body, exchange.method == "HEAD");
    call->closeAfter = closeAfter;
    // What a strict endpoint answers this call's retries with (answerRetry): decided answers,
    // not refusals or transient failures, which a retry may get past.
    if (settings.strict && !call->requestId.isEmpty() && !call->refused && status >= 200
        && status < 500)
        requestIds.answered(
            call->requestId, call->bodyDigest, {status, contentType, body, headers});
    if (exchange.kind == ExchangeKind::Hook && call->request.isDecoded() && !call->refused) {
        if (exchange.requestBody.size() >= OffloadBodyBytes) {
            judgeElsewhere(call);
            return;
        }
        judgeAnswer(exchange, call->request);
    }
    settleJudged(call);
}

// The MTA's reading of the answer to a large request applies it to the whole message: on a pool
// thread, like its decoding. The call is detached first, so a held call cannot be answered twice.
void HookEndpoint::Private::judgeElsewhere(const std::shared_ptr<Call> &call)
{
    waiting.detach(call);
    offload(
        call, [](Exchange &exchange, HookRequest &request) { judgeAnswer(exchange, request); },
        &Private::settleJudged);
}

void HookEndpoint::Private::settleJudged(const std::shared_ptr<Call> &call)
{
    Exchange &exchange = call->exchange;
    if (!exchange.fault.isEmpty() && exchange.verdict != Verdict::Error
        && (exchange.httpStatus >= 500 || exchange.fault == faultName(Fault::TruncatedJson)))
        exchange.verdict = Verdict::Error;
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

} // namespace Mock

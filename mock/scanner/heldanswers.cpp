// SPDX-License-Identifier: GPL-3.0-or-later
// What a held call is answered with: the user's bytes or Answer, the stage's default when it is
// released or its deadline passes. The waiting itself (the deadline, the client leaving) is
// WaitingCalls'.
#include "mock/scanner/hookendpoint.h"

#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint_p.h"

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

QList<HeldCall> HookEndpoint::heldCalls() const
{
    return d->waiting.heldCalls();
}

bool HookEndpoint::answerHeld(
    qint64 callId, const QByteArray &body, int httpStatus, const QByteArray &contentType)
{
    const auto call = d->waiting.held(callId);
    if (!call)
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
    const auto call = d->waiting.held(callId);
    if (!call)
        return false;
    d->answerWith(call, answer, u"answered by hand"_s);
    return true;
}

bool HookEndpoint::releaseHeld(qint64 callId)
{
    const auto call = d->waiting.held(callId);
    if (!call)
        return false;
    d->answerWith(call, d->rulebook->defaultAnswer(call->request.stage),
        u"released: the stage's default answer"_s);
    return true;
}

void HookEndpoint::Private::park(const std::shared_ptr<Call> &call, const Decision &decision)
{
    const RenderedAnswer suggestion = rulebook->render(decision.suggested, call->request);
    call->suggestedBody = suggestion.body;
    call->suggestedContentType = suggestion.contentType;
    waiting.hold(call, rulebook->holdTimeoutMs(), [this](const std::shared_ptr<Call> &late) {
        answerWith(late, rulebook->defaultAnswer(late->request.stage),
            u"hold timed out: the stage's default answer went out"_s);
    });
}

} // namespace Mock

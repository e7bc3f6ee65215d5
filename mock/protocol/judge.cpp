// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/judge.h"

#include "mock/protocol/codec.h"

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

// "REGISTRATION_NOT_FOUND: …" from the drafts' error body {"error": {"code", "message"}}, in
// JSON or CBOR; empty when the body is not one. The body is the peer's: it goes through the
// bounded decoder, like every answer.
QString errorReport(const HttpAnswer &answer)
{
    Encoding encoding = encodingFromContentType(answer.contentType);
    if (encoding == Encoding::Unknown)
        encoding = sniffEncoding(answer.body);
    const Document error = Document::decode(answer.body, encoding).value(u"/error");
    const QString code = error.member(u"code").toString();
    const QString message = error.member(u"message").toString();
    if (code.isEmpty())
        return {};
    return message.isEmpty() ? code : code + u": "_s + message.left(200);
}

// The answer of a rule without template fields is the same bytes call after call, to calls alike
// (same dialect and stage): its decoding, a parse and a validation, is kept for the next such
// call (issue 12). decodeResponse depends on nothing else, and a HookResponse shares its parts
// (Document, Qt containers) read-only. Per thread: large calls are judged on a pool thread.
HookResponse decodedAnswer(const HttpAnswer &answer, const DecodeOptions &decode)
{
    struct Memo
    {
        QByteArray body;
        QByteArray contentType;
        HookResponse response;
        int status = 0;
        Dialect dialect = Dialect::Unknown;
        Stage stage = Stage::Unknown;
        bool valid = false;
    };
    // Answers up to this size are kept (a rule's answer; not an oversize fault's megabytes).
    constexpr qsizetype MemoBytes = 16 * 1024;
    thread_local Memo memo;
    if (memo.valid && memo.status == answer.status && memo.dialect == decode.requestDialect
        && memo.stage == decode.requestStage && memo.contentType == answer.contentType
        && memo.body == answer.body)
        return memo.response;
    HookResponse response = decodeResponse(answer.body, answer.contentType, answer.status, decode);
    if (answer.body.size() <= MemoBytes) {
        memo.body = answer.body;
        memo.contentType = answer.contentType;
        memo.response = response;
        memo.status = answer.status;
        memo.dialect = decode.requestDialect;
        memo.stage = decode.requestStage;
        memo.valid = true;
    }
    return response;
}

// The MTA's own policy for a failed call, in place of the dialect's rule.
void applyFailurePolicy(const HookRequest &request, FailurePolicy policy, Judgement &judgement)
{
    Outcome &outcome = judgement.outcome;
    const bool outbound = request.direction() == Direction::Outbound;
    Action action = outbound ? Action::Continue : Action::Accept;
    SmtpReply reply;
    switch (policy) {
    case FailurePolicy::DialectRule:
        return;
    case FailurePolicy::TempFail:
        if (!outbound) {
            action = Action::Reject;
            reply = {451, u"4.3.5"_s, u"Unable to accept message at this time."_s};
        }
        break;
    case FailurePolicy::Accept:
        if (request.action != Action::None)
            action = request.action;
        break;
    case FailurePolicy::Reject:
        action = outbound ? Action::Cancel : Action::Reject;
        break;
    }
    if (!outbound && reply.isEmpty())
        reply = defaultReply(request.dialect, request.stage, action);
    outcome.action = action;
    outcome.reply = reply;
    outcome.disconnect = false;
    outcome.verdict = verdictFor(action, reply.code);
    judgement.problems.append({QString(), Severity::Info,
        u"the MTA's on-error policy \"%1\" decides: %2%3"_s.arg(failurePolicyName(policy),
            actionName(action), reply.isEmpty() ? QString() : u" "_s + reply.toString()),
        ProblemOrigin::Transport});
}

Judgement failedCall(const HookRequest &request, const HttpAnswer &answer,
    const ApplyOptions &options, const Problem &why)
{
    Judgement judgement;
    judgement.callFailed = true;
    judgement.answer.dialect = request.dialect;
    judgement.answer.httpStatus = answer.status;
    judgement.answer.malformed = true;
    judgement.answer.emptyBody = true; // nothing in the body is applied
    ApplyOptions rule = options;
    if (options.onCallFailure != FailurePolicy::DialectRule)
        rule.tempFailOnError = options.onCallFailure == FailurePolicy::TempFail;
    judgement.outcome = apply(request, judgement.answer, rule);
    judgement.problems.append(why);
    judgement.problems += withOrigin(judgement.outcome.problems, ProblemOrigin::Answer);
    applyFailurePolicy(request, options.onCallFailure, judgement);
    return judgement;
}

} // namespace

std::optional<FailurePolicy> failurePolicyFromName(const QString &name)
{
    for (const FailurePolicy policy :
        {FailurePolicy::TempFail, FailurePolicy::Accept, FailurePolicy::Reject}) {
        if (name.compare(failurePolicyName(policy), Qt::CaseInsensitive) == 0)
            return policy;
    }
    return std::nullopt;
}

QString failurePolicyName(FailurePolicy policy)
{
    switch (policy) {
    case FailurePolicy::TempFail:
        return u"tempfail"_s;
    case FailurePolicy::Accept:
        return u"accept"_s;
    case FailurePolicy::Reject:
        return u"reject"_s;
    case FailurePolicy::DialectRule:
        break;
    }
    return u"dialect"_s;
}

Judgement judgeAnswer(
    const HookRequest &request, const HttpAnswer &answer, const ApplyOptions &options)
{
    if (answer.status == 0) {
        const QString why
            = answer.transportError.isEmpty() ? u"the connection ended"_s : answer.transportError;
        return failedCall(request, answer, options,
            {QString(), Severity::Error, u"no answer: "_s + why, ProblemOrigin::Transport});
    }
    if (answer.status < 200 || answer.status > 299) {
        const QString report = errorReport(answer);
        return failedCall(request, answer, options,
            {QString(), Severity::Error,
                u"HTTP %1: the hook call failed and the MTA applies its error rule%2"_s
                    .arg(answer.status)
                    .arg(report.isEmpty() ? QString() : u" (%1)"_s.arg(report)),
                ProblemOrigin::Answer});
    }
    DecodeOptions decode;
    decode.requestDialect = request.dialect;
    decode.requestStage = request.stage;
    Judgement judgement;
    judgement.answer = decodedAnswer(answer, decode);
    judgement.outcome = apply(request, judgement.answer, options);
    judgement.problems = withOrigin(judgement.answer.problems, ProblemOrigin::Answer);
    if (request.dialect == Dialect::Draft02 && judgement.answer.dialect == Dialect::Draft01
        && !judgement.answer.emptyBody)
        judgement.problems.append({QString(), Severity::Warning,
            u"a draft-01 {set, add, delete} object answers a draft-02 request: the MTA reads it "
            "by its shape, but a draft-02 scanner answers with an RFC 6902 JSON Patch array"_s,
            ProblemOrigin::Answer});
    judgement.problems += withOrigin(judgement.outcome.problems, ProblemOrigin::Answer);
    return judgement;
}

} // namespace MtaHooks

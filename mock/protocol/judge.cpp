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

Judgement failedCall(const HookRequest &request, const HttpAnswer &answer,
    const ApplyOptions &options, const Problem &why)
{
    Judgement judgement;
    judgement.callFailed = true;
    judgement.answer.dialect = request.dialect;
    judgement.answer.httpStatus = answer.status;
    judgement.answer.malformed = true;
    judgement.answer.emptyBody = true; // nothing in the body is applied
    judgement.outcome = apply(request, judgement.answer, options);
    judgement.problems.append(why);
    judgement.problems += withOrigin(judgement.outcome.problems, ProblemOrigin::Answer);
    return judgement;
}

} // namespace

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
    judgement.answer = decodeResponse(answer.body, answer.contentType, answer.status, decode);
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

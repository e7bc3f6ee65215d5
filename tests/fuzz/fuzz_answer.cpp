// SPDX-License-Identifier: GPL-3.0-or-later
// Answer judging (decoding for requests of each dialect and stage, then what the MTA does with the
// answer), and the answer read in each dialect the user may force.
//
// Input: one byte of choices (bits 0-2: the request, 3-4: content type, 5-6: HTTP status, 7:
// Stalwart's tempFailOnError), then the answer body.
#include "tests/fuzz/fuzzsupport.h"
#include "tests/fuzz/samplerequests.h"

#include "mock/protocol/codec.h"
#include "mock/protocol/judge.h"

using namespace MtaHooks;

namespace {

constexpr QByteArrayView contentTypes[]
    = {"application/json", "application/cbor", "application/json-patch+json", ""};
constexpr int statuses[] = {200, 204, 202, 500};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    Fuzz::Input input(data, size);
    const quint8 choice = input.byte();
    const std::vector<HookRequest> &all = Fuzz::sampleRequests();
    const HookRequest &request = all[(choice & 7) % all.size()];
    const QByteArray body = input.restCopy();

    const int status = statuses[(choice >> 5) & 3];
    ApplyOptions applyOptions;
    applyOptions.tempFailOnError = (choice & 0x80) == 0;
    const Judgement judgement = judgeAnswer(request,
        {status, contentTypes[(choice >> 3) & 3].toByteArray(), body, QString()}, applyOptions);
    FUZZ_CHECK(judgement.callFailed == (status < 200 || status > 299));
    for (const Problem &problem : judgement.problems)
        FUZZ_CHECK(problem.origin != ProblemOrigin::Unstated);
    const HookResponse &response = judgement.answer;
    const Outcome &outcome = judgement.outcome;
    (void)outcome.reply.toString();
    (void)outcome.envelope.recipients();
    if (outcome.document.isValid())
        (void)outcome.document.toJson();
    // The answer as the user's own dialect choice would read it.
    DecodeOptions options;
    options.requestDialect = request.dialect;
    options.requestStage = request.stage;
    for (Dialect dialect : {Dialect::Stalwart, Dialect::Draft01, Dialect::Draft02}) {
        DecodeOptions forced = options;
        forced.dialect = dialect;
        (void)apply(request, decodeResponse(body, {}, 200, forced), applyOptions);
    }
    // Applying is a function of its inputs.
    const Outcome again = apply(request, response, applyOptions);
    FUZZ_CHECK(again.action == outcome.action && again.message == outcome.message
        && again.envelope == outcome.envelope && again.reply == outcome.reply);
    return 0;
}

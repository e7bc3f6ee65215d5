// SPDX-License-Identifier: GPL-3.0-or-later
// Answer decoding for requests of each dialect and stage, then what the MTA does with the answer.
//
// Input: one byte of choices (bits 0-2: the request, 3-4: content type, 5-6: HTTP status, 7:
// Stalwart's tempFailOnError), then the answer body.
#include "tests/fuzz/fuzzsupport.h"
#include "tests/fuzz/samplerequests.h"

#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"

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

    DecodeOptions options;
    options.requestDialect = request.dialect;
    options.requestStage = request.stage;
    const HookResponse response = decodeResponse(
        body, contentTypes[(choice >> 3) & 3], statuses[(choice >> 5) & 3], options);
    ApplyOptions applyOptions;
    applyOptions.tempFailOnError = (choice & 0x80) == 0;
    const Outcome outcome = apply(request, response, applyOptions);
    (void)outcome.reply.toString();
    (void)outcome.envelope.recipients();
    if (outcome.document.isValid())
        (void)outcome.document.toJson();
    // The answer as the user's own dialect choice would read it.
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

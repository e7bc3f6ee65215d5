// SPDX-License-Identifier: GPL-3.0-or-later
// Request decoding in every encoding and dialect, the validator, pointer navigation and the MTA's
// reading of every canned answer to the request.
//
// Input: one byte of choices (bits 0-1: content type, 2-3: forced dialect, 4-7: the preset
// answer), then the body.
#include "tests/fuzz/fuzzsupport.h"

#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/presets.h"
#include "mock/protocol/validator.h"

using namespace MtaHooks;

namespace {

constexpr QByteArrayView contentTypes[]
    = {"application/json", "application/cbor", "application/msgpack", ""};
constexpr Dialect dialects[]
    = {Dialect::Unknown, Dialect::Stalwart, Dialect::Draft01, Dialect::Draft02};

// Every member reached by pointer must be the member reached by navigation. Depth-limited: the
// decoder's own nesting limit is what is being tested, not this walk.
void walk(const Document &document, const Document &root, const QString &pointer, int depth)
{
    if (depth > 16)
        return;
    const std::optional<Document> found = root.find(pointer);
    FUZZ_CHECK(found.has_value());
    FUZZ_CHECK(found->type() == document.type());
    (void)document.toDisplayString();
    if (document.isObject()) {
        for (const QString &key : document.keys())
            walk(document.member(key), root, pointerAppend(pointer, key), depth + 1);
    } else if (document.isArray()) {
        const qsizetype size = qMin<qsizetype>(document.size(), 64);
        for (qsizetype i = 0; i < size; ++i)
            walk(document.at(i), root, pointerAppend(pointer, i), depth + 1);
    } else {
        (void)document.toVariant();
        (void)document.toBytes();
    }
}

// One preset per input, not all ten: the fuzzer picks, and each input runs ten times faster.
void applyPreset(const HookRequest &request, Preset preset, Dialect answerDialect)
{
    const Document answer = presetAnswer(preset, answerDialect, request);
    const QByteArray body = encodeAnswer(answer, answerDialect, Encoding::Json);
    DecodeOptions options;
    options.requestDialect = request.dialect;
    options.requestStage = request.stage;
    const HookResponse response = decodeResponse(body, "application/json", 200, options);
    const Outcome outcome = apply(request, response);
    (void)outcome.reply.toString();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    Fuzz::Input input(data, size);
    const quint8 choice = input.byte();
    const QByteArray body = input.restCopy();
    DecodeOptions options;
    options.dialect = dialects[(choice >> 2) & 3];
    const HookRequest request = decodeRequest(body, contentTypes[choice & 3], options);
    (void)sniffEncoding(body);

    const Document &document = request.document;
    if (!document.isValid())
        return 0;
    walk(document, document, QString(), 0);
    // What was decoded can be written again and read back.
    FUZZ_CHECK(Document::fromJson(document.toJson()).isValid());
    FUZZ_CHECK(Document::fromCbor(document.toCbor()).isValid());
    for (Dialect dialect : {Dialect::Stalwart, Dialect::Draft01, Dialect::Draft02})
        (void)validateRequest(document, dialect);
    if (!request.isDecoded())
        return 0;
    (void)request.envelope.recipients();
    const QList<Preset> presets = allPresets();
    const Preset preset = presets.at((choice >> 4) % presets.size());
    if (request.dialect == Dialect::Stalwart) {
        (void)stalwartRawMessage(document);
        applyPreset(request, preset, Dialect::Stalwart);
    } else {
        applyPreset(request, preset, Dialect::Draft01);
        applyPreset(request, preset, Dialect::Draft02);
    }
    return 0;
}

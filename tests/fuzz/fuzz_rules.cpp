// SPDX-License-Identifier: GPL-3.0-or-later
// The rules file: reading (what Rulebook::load does after reading the file), writing it back, and
// deciding and rendering answers for requests of each dialect with the rules read.
#include "tests/fuzz/fuzzsupport.h"
#include "tests/fuzz/samplerequests.h"

#include "mock/scanner/rulebook.h"

#include <QJsonDocument>
#include <QJsonObject>

using Mock::Rulebook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // Rulebook::load is QFile + these two steps; reading from memory keeps the fuzzer off the disk.
    const QJsonDocument document = QJsonDocument::fromJson(bytes);
    if (!document.isObject())
        return 0;
    Rulebook rulebook;
    QString error;
    if (!rulebook.fromJson(document.object(), &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    // What was read is written so that it reads back the same.
    const QJsonObject written = rulebook.toJson();
    Rulebook again;
    FUZZ_CHECK(again.fromJson(written, &error));
    FUZZ_CHECK(again.toJson() == written);
    FUZZ_CHECK(again.rules() == rulebook.rules());

    for (const MtaHooks::HookRequest &request : Fuzz::sampleRequests()) {
        const Mock::Decision decision = rulebook.decide(request);
        (void)rulebook.render(decision.answer, request);
        (void)rulebook.render(decision.suggested, request);
        (void)rulebook.delayMs(decision.answer);
        (void)decision.answer.describe();
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The rules file: Rulebook::load, writing it back, and deciding and rendering answers for requests
// of each dialect with the rules read.
#include "tests/fuzz/fuzzsupport.h"
#include "tests/fuzz/samplerequests.h"

#include "mock/scanner/rulebook.h"

#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>

using Mock::Rulebook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    // load() takes a path: one file per process, rewritten for each input.
    static const QTemporaryDir folder;
    FUZZ_CHECK(folder.isValid());
    const QString path = folder.filePath(QStringLiteral("rules.json"));
    {
        QFile file(path);
        FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        FUZZ_CHECK(file.write(reinterpret_cast<const char *>(data), qint64(size)) == qint64(size));
    }
    Rulebook rulebook;
    QString error;
    if (!rulebook.load(path, &error)) {
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

// SPDX-License-Identifier: GPL-3.0-or-later
// Session files and HAR import, and the ways back out of what they read (session files, HAR,
// exchanges for the store).
//
// Input: one byte (even: a session file, odd: a HAR file), then the file.
#include "tests/fuzz/fuzzsupport.h"

#include "mock/capture/harexport.h"
#include "mock/capture/sessionfile.h"

using namespace Mock;

namespace {

void sessionFile(const QByteArray &bytes)
{
    QString error;
    const std::optional<QList<SessionRecording>> sessions = SessionFile::read(bytes, &error);
    if (!sessions) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    // Writing what was read gives a file that reads back, and writing that again changes nothing.
    const QByteArray written = SessionFile::write(*sessions);
    const std::optional<QList<SessionRecording>> reread = SessionFile::read(written, &error);
    FUZZ_CHECK(reread.has_value());
    // Each write stamps "created" with the current second: compare without it.
    const auto withoutCreated = [](QByteArray text) {
        const qsizetype at = text.indexOf("\"created\"");
        if (at >= 0)
            text.remove(at, text.indexOf('\n', at) - at);
        return text;
    };
    FUZZ_CHECK(withoutCreated(SessionFile::write(*reread)) == withoutCreated(written));

    QList<Exchange> all;
    for (const SessionRecording &session : *sessions)
        all += exchangesFromSession(session);
    (void)sessionsFromExchanges(all);
    FUZZ_CHECK(exchangesFromHar(harFromExchanges(all), &error).has_value());
}

void har(const QByteArray &bytes)
{
    QString error;
    const std::optional<QList<Exchange>> exchanges = exchangesFromHar(bytes, &error);
    if (!exchanges) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    const std::optional<QList<Exchange>> reread
        = exchangesFromHar(harFromExchanges(*exchanges), &error);
    FUZZ_CHECK(reread.has_value());
    FUZZ_CHECK(reread->size() == exchanges->size());
    const QList<SessionRecording> sessions = sessionsFromExchanges(*exchanges);
    FUZZ_CHECK(SessionFile::read(SessionFile::write(sessions), &error).has_value());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    Fuzz::Input input(data, size);
    const quint8 choice = input.byte();
    if (choice & 1)
        har(input.restCopy());
    else
        sessionFile(input.restCopy());
    return 0;
}

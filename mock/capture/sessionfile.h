// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/capture/sessionrecording.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace Mock {

// Session files: versioned JSON ({"format": "hookscope-session", "version": 1, …}), documented in
// docs/session-format.md. Readers tolerate unknown members so that later minor additions do not
// break older builds; a new major shape gets a new version number, which older builds refuse.
class SessionFile
{
public:
    static constexpr int Version = 1;
    static QString formatName(); // "hookscope-session"

    static QByteArray write(const QList<SessionRecording> &sessions);
    // nullopt and *error (with where in the file) when the text is not a session file this build
    // can read.
    static std::optional<QList<SessionRecording>> read(
        const QByteArray &data, QString *error = nullptr);
};

// A recording of captured calls (one session's exchanges, in arrival order): connection facts
// from the first hook call that carries each (client, tls, auth, server), the envelope from the
// last call that has one, the raw message from the last data call that carries one, one stage
// per hook call (a rcpt stage names the last recipient of its envelope) with the captured answer
// as its expectation, and the exchanges themselves. id is the session key.
SessionRecording sessionFromExchanges(const QList<Exchange> &exchanges);
// One recording per session key, in the order each session first appears.
QList<SessionRecording> sessionsFromExchanges(const QList<Exchange> &exchanges);

// The captured calls of a recording as exchanges ready for a CaptureStore: requests are decoded
// again so that the summary facts (dialect, encoding, stage, client, addresses, subject,
// attachment, message size) are filled. sessionKey defaults to "file:<id>"; sequence numbers
// follow the order in the file; ids are 0 (new).
QList<Exchange> exchangesFromSession(
    const SessionRecording &session, const QString &sessionKey = {});

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/protocol/hookrequest.h"
#include "mock/protocol/types.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace Mock {

// What a replay of one stage should lead to (all optional: only what is set is checked).
struct SessionExpectation
{
    std::optional<MtaHooks::Action> action;
    std::optional<MtaHooks::Verdict> verdict;
    std::optional<int> replyCode;

    bool isEmpty() const { return !action && !verdict && !replyCode; }
    friend bool operator==(const SessionExpectation &, const SessionExpectation &) = default;
};

// One hook call of the SMTP conversation, in order.
struct SessionStage
{
    MtaHooks::Stage stage = MtaHooks::Stage::Unknown;
    QString stageName; // wire text (the only name an unknown stage has)
    QString recipient; // rcpt: the recipient this call is about ("" otherwise)
    SessionExpectation expect;
    // Hand-built sessions may send a request of their own instead of the one the MTA would build
    // (a malformed body, a dialect mistake): sent verbatim with this Content-Type.
    bool hasRequestOverride = false;
    QByteArray requestBody {};
    QByteArray requestContentType {};

    friend bool operator==(const SessionStage &, const SessionStage &) = default;
};

// One SMTP session as a session file holds it (docs/session-format.md): enough to replay the
// conversation in any dialect (connection, envelope, message, stages), plus, optionally, the calls
// Hookscope captured for it. The mock MTA replays these; the capture layer writes and reads them.
struct SessionRecording
{
    QString id;
    QString title; // optional
    QString description; // optional; demo mode shows two lines of it
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Unknown; // Unknown: not recorded

    // Connection facts. Only ip/port/ptr/ehlo of the client and name/ip/port of the server are in
    // the file; tls.present and auth.present false mean "tls": null and "auth": null.
    MtaHooks::ClientInfo client;
    MtaHooks::TlsInfo tls;
    MtaHooks::AuthInfo auth;
    MtaHooks::ServerInfo server;

    MtaHooks::Envelope envelope; // present false: "envelope": null
    bool hasMessage = false; // false: "message": null
    QByteArray rawMessage; // RFC 5322 bytes

    QList<SessionStage> stages;
    QList<Exchange> exchanges; // captured calls, in arrival order (may be empty)
};

} // namespace Mock

Q_DECLARE_METATYPE(Mock::SessionRecording)

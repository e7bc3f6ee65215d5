// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/protocol/document.h"

#include <QDateTime>

namespace Mock {

struct RequestOptions
{
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Stalwart;
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Json; // the drafts also take Cbor
    QDateTime timestamp; // default: now
    QString queueId; // default: derived from the session id
    bool includeJmapMessage = true; // drafts: "message" (JMAP Email) beside "rawMessage"
    bool includeRawMessage = true; // drafts: "rawMessage"
};

// The hook request an MTA sends at one stage of a recorded session, in the chosen dialect, with
// the fields a real MTA fills at that point of the conversation: Stalwart's context (helo null at
// connect, tls after STARTTLS, sasl once authenticated, the queue id at data), envelope (the
// recipient being checked last at rcpt) and message (headers with their CRLF, raw contents); the
// drafts' flat document with action, response, timestamp, the JMAP message and rawMessage.
// `envelope` is the envelope as the MTA has it at this stage (recipients refused earlier are gone).
MtaHooks::Document buildRequest(const SessionRecording &session, int stageIndex,
    const MtaHooks::Envelope &envelope, const RequestOptions &options);

// Bytes as the MTA posts them (JSON, or CBOR with rawMessage as a byte string).
QByteArray encodeRequest(const MtaHooks::Document &request, MtaHooks::Encoding encoding);

// The envelope in effect at a stage: from at mail, recipients up to this rcpt, all at data.
MtaHooks::Envelope envelopeAtStage(const SessionRecording &session, int stageIndex);

// A session from a raw message plus an envelope: connect, ehlo, mail, one rcpt per recipient,
// data. Bare LF line ends become CRLF, as SMTP carries them.
SessionRecording sessionFromMessage(
    const QByteArray &raw, const QString &mailFrom, const QStringList &recipients);

} // namespace Mock

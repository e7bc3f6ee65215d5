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
    // Drafts: what the MTA's SPF/DKIM/ARC/DMARC checks report, once each has run (spf-ehlo at
    // ehlo, spf-mail at mail, the rest at data; null before). Hookscope checks nothing, and the
    // example domains of RFC 2606 publish no records, so a real check of them gives "none".
    // Empty: every check null.
    QString senderAuthResult = QStringLiteral("none");
    // Drafts at data: the JMAP Email of the session's message as compact JSON text
    // (jmapMessageJson), when the caller has it already; empty: decoded here.
    QByteArray jmapMessageJson;
    // Stalwart at data: the "message" member for the session's message (stalwartMessageJson),
    // when the caller has it already; empty: computed here.
    QByteArray stalwartMessageJson;
};

// The hook request an MTA sends at one stage of a recorded session, in the chosen dialect, with
// the fields a real MTA fills at that point of the conversation: Stalwart's context (ptr and helo
// null at connect, tls once STARTTLS is done, sasl once authenticated, the queue id at data),
// envelope (the recipient being checked last at rcpt) and message (headers with their CRLF, raw
// contents); the drafts' flat document with action, response, timestamp, senderAuth, the JMAP
// message and rawMessage. TLS: implicit on port 465 (known from connect), otherwise STARTTLS
// after the first EHLO (known from auth/mail on; the EHLO hook ran before it).
// `envelope` is the envelope as the MTA has it at this stage (recipients refused earlier are gone).
MtaHooks::Document buildRequest(const SessionRecording &session, int stageIndex,
    const MtaHooks::Envelope &envelope, const RequestOptions &options);

// The same request as the bytes the MTA posts (JSON, or CBOR with binary values as byte
// strings), without an intermediate document: what the replayer sends. Empty for a stage index
// out of range.
QByteArray buildRequestBody(const SessionRecording &session, int stageIndex,
    const MtaHooks::Envelope &envelope, const RequestOptions &options);

// Bytes as the MTA posts them (JSON, or CBOR with rawMessage as a byte string).
QByteArray encodeRequest(const MtaHooks::Document &request, MtaHooks::Encoding encoding);

// The envelope in effect at a stage: from at mail, recipients up to this rcpt, all at data.
MtaHooks::Envelope envelopeAtStage(const SessionRecording &session, int stageIndex);

// A session from a raw message plus an envelope: connect, ehlo, mail, one rcpt per recipient,
// data. Bare LF line ends become CRLF, as SMTP carries them.
SessionRecording sessionFromMessage(
    const QByteArray &raw, const QString &mailFrom, const QStringList &recipients);

// The JMAP Email (RFC 8621) of a raw message as the drafts carry it in "message": compact JSON
// text with blobs inline (base64).
QByteArray jmapMessageJson(const QByteArray &raw);

// Stalwart's "message" member for a raw message ({headers, contents, size}) as JSON text.
QByteArray stalwartMessageJson(const QByteArray &raw);

// A stage's name on the wire: the recorded one, which is kept for stages this build does not know.
QString wireStageName(const SessionStage &stage);

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/httpvocabulary.h"
#include "mock/protocol/types.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

namespace Mock {

// What an HTTP call to the endpoint was.
enum class ExchangeKind {
    Hook, // a hook invocation (POST)
    Discovery, // GET /.well-known/mta-hooks
    Registration, // draft-01: the MTA registers
    Status, // registration status
    Deregistration, // DELETE of a registration
    Other // anything else (unknown path or method)
};
QString exchangeKindName(ExchangeKind kind);
ExchangeKind exchangeKindFromName(QStringView name);

// One captured call: what arrived, what Hookscope made of it, what it answered and why.
// A value type shared by the endpoint, the replayer, the capture store and the UI.
struct Exchange
{
    qint64 id = 0; // row id in the capture store, 0 until stored
    QString sessionKey; // groups the stages of one SMTP session (see SessionTracker)
    int sequence = 0; // position of this call within its session (1-based)
    QDateTime received; // UTC, millisecond precision
    QString peerAddress;
    quint16 peerPort = 0;
    QString clientCertificate; // subject of the TLS client certificate, when one was presented
    QByteArray method;
    QByteArray path; // path and query as requested
    HttpHeaders requestHeaders; // wire order, original case, duplicates kept
    QByteArray requestBody;
    ExchangeKind kind = ExchangeKind::Hook;

    // Decoded facts, denormalised for lists and filters.
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Unknown;
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Unknown;
    MtaHooks::Stage stage = MtaHooks::Stage::Unknown;
    QString stageName;
    QString clientIp;
    int clientPort = 0;
    QString clientEhlo;
    QString queueId;
    QString mailFrom;
    QStringList recipients;
    QString subject;
    qint64 messageSize = -1;
    bool hasAttachment = false;
    MtaHooks::Problems problems; // request validation, transport and answer problems

    // The answer.
    QString ruleName; // the rule that answered ("default", "hold", a rule's name)
    QString ruleReason; // why it matched
    QStringList matchTrace; // one line per rule above it: why it did not match
    MtaHooks::Action action = MtaHooks::Action::None;
    MtaHooks::Verdict verdict = MtaHooks::Verdict::None;
    int replyCode = 0; // the SMTP reply code the answer leads to (0 when none)
    int httpStatus = 0; // 0 while held or when the connection was dropped
    HttpHeaders responseHeaders;
    QByteArray responseBody;
    QString fault; // the fault injected instead of a normal answer ("" when none)
    qint64 latencyUs = 0; // arrival to answer written
    bool held = false; // parked for the user; false once answered
    QString note; // free text (e.g. a demo session's explanation)

    int errorCount() const { return MtaHooks::countOf(problems, MtaHooks::Severity::Error); }
    QByteArray requestHeader(QByteArrayView name) const; // first match, case-insensitive
};

// Replaces the secrets a request carries, so a capture can be shared: Authorization and
// Proxy-Authorization keep their scheme ("Bearer ***", "Basic ***"), Cookie becomes "***".
void redactCredentials(HttpHeaders &headers);

} // namespace Mock

Q_DECLARE_METATYPE(Mock::Exchange)

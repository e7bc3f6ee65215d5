// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/mime/mimepart.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/hookrequest.h"
#include "mock/protocol/hookresponse.h"

#include <QString>
#include <QStringList>

// Everything the detail tabs show about one exchange, worked out once when it is selected: the
// request decoded, the answer read the way the request's MTA reads it and what the MTA then does
// (MtaHooks::judgeAnswer), and the message decoded. No widgets: the tests check it directly.
struct ExchangeAnalysis
{
    Mock::Exchange exchange;
    bool isHook = false;
    MtaHooks::HookRequest request;

    // The answer as the MTA reads it. answered is false while the exchange is held and when the
    // connection was dropped (httpStatus 0).
    bool answered = false;
    MtaHooks::HookResponse response;
    bool hasOutcome = false; // a decoded hook request with an answer: outcome is meaningful
    MtaHooks::Outcome outcome;
    bool callFailed = false; // a non-2xx answer: its body is an error report, not applied

    bool hasMessage = false;
    MtaHooks::Mime::MimeMessage message; // the request's message, decoded

    static ExchangeAnalysis analyse(const Mock::Exchange &exchange);
};

// A body ready for display: pretty JSON when it decodes, raw text otherwise, with a note saying
// what was done to it ("decoded from CBOR (412 bytes)").
struct BodyView
{
    QString text;
    bool isJson = false;
    QString note;
};
BodyView requestBodyView(const ExchangeAnalysis &analysis);
BodyView answerBodyView(const ExchangeAnalysis &analysis);

// The envelope against the message's own address headers. Differences are normal (lists, Bcc,
// forwarding, bounces) and confuse newcomers, so they are explained, not flagged as errors.
// Addresses compare case-insensitively.
struct EnvelopeComparison
{
    bool available = false; // there is an envelope and a message
    QString mailFrom; // "" for the null reverse-path
    QStringList headerFrom;
    bool senderDiffers = false;
    QStringList rcptTo;
    QStringList headerTo;
    QStringList headerCc;
    QStringList onlyInEnvelope; // typically Bcc, list or alias expansion
    QStringList onlyInHeaders; // shown to readers, not delivered by this transaction
};
EnvelopeComparison compareEnvelope(
    const MtaHooks::Envelope &envelope, const MtaHooks::Mime::MimeMessage &message);

// "MAIL FROM:<a@b> SIZE=262" and "RCPT TO:<c@d>" lines (outbound recipients carry their status).
QStringList envelopeLines(const MtaHooks::Envelope &envelope);

// The unified diff of envelope and message before and after the answer; empty when the answer
// changes neither. Bodies above bodyLimit bytes are compared whole, not line by line.
QString outcomeDiff(const ExchangeAnalysis &analysis, qsizetype bodyLimit = 2 * 1024 * 1024);

// "200 OK" for an HTTP status code.
QString httpStatusText(int status);
// The Content-Type of a header list ("" when absent).
QByteArray contentTypeOf(const Mock::HttpHeaders &headers);

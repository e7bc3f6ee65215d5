// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/protocol/apply.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <utility>

namespace Mock {

// Where and how to replay.
struct ReplayTarget
{
    // As the dialect: each session in the dialect it was recorded in (Stalwart's when it names
    // none); sessions of different dialects then play in one run, a pass per dialect
    // (replayplan.h).
    static constexpr MtaHooks::Dialect AsRecorded = MtaHooks::Dialect::Unknown;

    QUrl url; // the scanner's hook URL (or its base)
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Stalwart; // or AsRecorded
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Json; // drafts: Json or Cbor
    QString auth = QStringLiteral("none"); // none | bearer:TOKEN | basic:USER:PASS
    int timeoutMs = 30000;
    bool allowInvalidCertificates = false; // self-signed test scanners
    // https: PEM files of the CAs trusted instead of the system's, and of a client certificate
    // and its key (mTLS). A file that cannot be used fails every https call, naming the file.
    QString caCertificatesFile;
    QString clientCertificateFile;
    QString clientKeyFile;
    // Drafts: GET /.well-known/mta-hooks first, and negotiate what it offers. With registerMta a
    // failed discovery fails the pass (no hook call is sent).
    bool discover = true;
    // draft-01: register at the scanner (at endpoints.registration, or registrationUrl),
    // deregister at the end. A failed registration fails the pass.
    bool registerMta = true;
    // Drafts: register here, without discovery (a scanner that documents its registration path
    // but serves no discovery document).
    QUrl registrationUrl;
    // Drafts: a registration provisioned out of band: hook calls go to url with this id; no
    // discovery, no registration, no deregistration.
    QByteArray registrationId;
    int maxRetries = 3; // drafts: 5xx, 429, timeouts and network errors (other 4xx are not)
    bool tempFailOnError = true; // Stalwart: a malformed answer answers 451 4.3.5 and stops
    // What the MTA does when a call fails (no answer, non-2xx), every dialect.
    MtaHooks::FailurePolicy onError = MtaHooks::FailurePolicy::TempFail;
    bool sendNotes = false; // X-Hookscope-Note: the session's title and description (demo mode)
};

// One hook call of a replayed session.
struct StageResult
{
    int stageIndex = -1;
    MtaHooks::Stage stage = MtaHooks::Stage::Unknown;
    QString stageName;
    QString recipient;
    QUrl url;
    HttpHeaders requestHeaders;
    QByteArray requestBody;
    int httpStatus = 0; // 0: no HTTP answer (connection error, timeout)
    HttpHeaders responseHeaders;
    QByteArray responseBody;
    QString transportError;
    int attempts = 0;
    qint64 latencyUs = 0; // of the attempt that was used
    MtaHooks::Outcome outcome;
    QStringList expectationFailures; // empty: met (or nothing expected)
    bool expected = false; // an expectation was given for this stage
    // Why the stage was not called (the registration did not negotiate it); empty: called.
    QString skipped;
};

// One replayed session: every stage's result and what the message and envelope became.
struct ReplayResult
{
    QString sessionId;
    QString title;
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Unknown; // the dialect it was replayed in
    QList<StageResult> stages;
    bool stopped = false; // the MTA stopped the session before its last stage
    QString stopReason;
    MtaHooks::Envelope envelopeBefore;
    MtaHooks::Envelope envelopeAfter;
    bool hasMessage = false;
    QByteArray messageBefore;
    QByteArray messageAfter;
    bool messageQueued = false;
    QString error; // set-up failures (discovery, registration): no hook call was sent
    QStringList notes; // what the run did differently from what was asked (no discovery document)

    bool allWellFormed() const; // every stage got a usable answer
    int expectationFailures() const;
};

// Latency figures of a set of calls (the attempt that was used), in microseconds.
struct LatencyFigures
{
    int count = 0;
    qint64 minUs = 0;
    qint64 medianUs = 0;
    qint64 p99Us = 0;
    qint64 maxUs = 0;
};

// Figures of a whole run.
struct ReplaySummary
{
    int sessions = 0;
    int stages = 0;
    int failedExpectations = 0;
    int malformedAnswers = 0;
    int transportErrors = 0;
    qint64 elapsedMs = 0;
    qint64 latencyMinUs = 0;
    qint64 latencyMedianUs = 0;
    qint64 latencyP99Us = 0;
    qint64 latencyMaxUs = 0;
    int httpCalls = 0; // hook calls sent, retries included
    int skippedStages = 0; // not negotiated, so not called
    QString setupError; // the first pass whose discovery or registration failed
    // Per stage name, in the order the stages first appear.
    QList<std::pair<QString, LatencyFigures>> latencyByStage;
};

ReplaySummary summarize(const QList<ReplayResult> &results, qint64 elapsedMs);
LatencyFigures latencyFigures(QList<qint64> latenciesUs);

} // namespace Mock

Q_DECLARE_METATYPE(Mock::StageResult)
Q_DECLARE_METATYPE(Mock::ReplayResult)
Q_DECLARE_METATYPE(Mock::ReplaySummary)

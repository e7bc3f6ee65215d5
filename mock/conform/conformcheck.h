// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mta/hookclient.h"
#include "mock/protocol/types.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>

// `hookscope conform --scanner`: the checks a scanner must pass, as data. Each check names the
// clause of the protocol reference it tests and whether that clause says MUST or SHOULD; it sends
// requests through a CheckRun and ends with pass, fail or skip. No widgets, no nested event loops:
// everything is asynchronous and the Runner (conformrunner.h) drives the table in order.
namespace Conform {

enum class Level { Must, Should };
enum class Status { Pass, Fail, Skip };

QString levelName(Level level); // "MUST", "SHOULD"
QString statusName(Status status); // "PASS", "FAIL", "SKIP"

struct Target
{
    QUrl url; // the scanner: its origin for the drafts (discovery is at /.well-known/mta-hooks),
              // the hook URL for Stalwart's format
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Draft01;
    QString auth = QStringLiteral("none"); // "bearer:TOKEN", "basic:USER:PASS" or "none"
    int timeoutMs = 10000; // per request
    // https: what the calls trust and present (CA file, client certificate for mTLS).
    Mock::ClientTlsFiles tls;
    bool allowInvalidCertificates = false;
    // The largest request the 413 check sends; a scanner announcing a bigger maxMessageSize is
    // not probed (the check is skipped) rather than sent hundreds of megabytes.
    qint64 maxProbeBytes = 64LL * 1024 * 1024;
};

// One request sent and the answer seen, as text for people: request line, headers (credentials
// masked) and the start of the body; status line, headers and the start of the answer's body.
// The exchange itself is named by its place in the run, so that a window can lead from a check to
// the captured call without matching text: `exchange` is the index of Runner::exchangeRecorded's
// exchange (scanner mode) or of MtaObservation::exchanges (MTA mode), -1 when there is none;
// `capturedId` is its id in a capture store once whoever stores it says so, 0 until then.
struct Evidence
{
    QString sent;
    QString seen;
    qint64 exchange = -1;
    qint64 capturedId = 0;
};

struct Result
{
    QString id;
    QString clause;
    Level level = Level::Must;
    QString title;
    Status status = Status::Skip;
    QString detail; // why it failed or was skipped; what was seen when it passed
    QList<Evidence> evidence;
    qint64 elapsedMs = 0;
};

// What the checks learn about the scanner and pass on to later checks.
struct ScannerFacts
{
    bool discovered = false;
    QJsonObject discovery;
    QUrl registrationUrl;
    QStringList inboundUpdateProperties;
    bool registered = false;
    QString registrationId;
    QUrl hookUrl;
    QUrl statusUrl;
    QUrl deregistrationUrl;
    QStringList requestedStages;
    QStringList negotiatedStages;
    bool deregistered = false;
    // The patch paths of the stages' answers, for the updateProperties check.
    QList<std::pair<QString, QString>> answeredPaths; // (stage, path)
};

enum class Credentials { Configured, None, Wrong };

// A check's handle on the run: what it may send and how it ends. Every answer it sends for is
// recorded as evidence; exactly one of pass/fail/skip ends the check.
class CheckRun
{
public:
    virtual ~CheckRun() = default;
    virtual const Target &target() const = 0;
    virtual ScannerFacts &facts() = 0;
    virtual void send(const Mock::HttpCall &call, Credentials credentials,
        std::function<void(const Mock::HttpResult &)> then)
        = 0;
    // All calls at once, each on a connection of its own, with the configured credentials. Not
    // recorded: the check records what matters with addEvidence.
    virtual void sendAll(const QList<Mock::HttpCall> &calls,
        std::function<void(const QList<Mock::HttpResult> &)> then)
        = 0;
    virtual void addEvidence(const Mock::HttpCall &call, const Mock::HttpResult &result) = 0;
    virtual void finish(Status status, const QString &detail) = 0;

    void pass(const QString &detail = {}) { finish(Status::Pass, detail); }
    void fail(const QString &detail) { finish(Status::Fail, detail); }
    void skip(const QString &detail) { finish(Status::Skip, detail); }
};

struct Check
{
    QString id;
    QString clause; // "draft-01 §d.2 Authentication"
    Level level = Level::Must;
    QString title;
    QList<MtaHooks::Dialect> dialects;
    std::function<void(CheckRun &)> run;
};

// Every check, in the order they run (later checks use what earlier ones learnt).
const QList<Check> &allChecks();
QList<Check> checksFor(MtaHooks::Dialect dialect);

} // namespace Conform

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

// The vocabulary every layer shares: dialects, encodings, stages, actions and problems.
namespace MtaHooks {

enum class Dialect { Unknown, Stalwart, Draft01, Draft02 };
enum class Encoding { Unknown, Json, Cbor, MsgPack, Rfc5322 };
enum class Direction { Inbound, Outbound };
enum class Severity { Info, Warning, Error };

// Unknown stages are kept (stageName holds the wire text), never rejected.
enum class Stage { Unknown, Connect, Ehlo, Auth, Mail, Rcpt, Data, Route, Delivery, Defer, Dsn };

// The verdict vocabulary of all dialects. Stalwart knows accept/reject/discard/quarantine; the
// drafts add disconnect (inbound) and continue/cancel (outbound).
enum class Action { None, Accept, Reject, Discard, Quarantine, Disconnect, Continue, Cancel };

// What a user sees in a timeline: the action, refined by the reply (a reject with a 4xx reply is a
// tempfail) and by transport failures.
enum class Verdict {
    None,
    Accept,
    Reject,
    Tempfail,
    Discard,
    Quarantine,
    Disconnect,
    Continue,
    Cancel,
    Held,
    Error
};

// Which part of a call a problem is about, so that every view can show it where it happened: the
// request the MTA sent, the answer it got (its HTTP status and body), or the HTTP around them
// (headers, authentication, a connection that failed). Unstated for findings about a lone
// document (the validator's, the decoders').
enum class ProblemOrigin { Unstated, Request, Answer, Transport };

// One deviation from a dialect: where (an RFC 6901 pointer into the document its origin names, or
// empty for the whole document / the transport), how bad, and why.
struct Problem
{
    QString pointer;
    Severity severity = Severity::Error;
    QString message;
    ProblemOrigin origin = ProblemOrigin::Unstated;

    friend bool operator==(const Problem &, const Problem &) = default;
};
using Problems = QList<Problem>;

QString dialectName(Dialect dialect);
std::optional<Dialect> dialectFromName(QStringView name);
QString encodingName(Encoding encoding);
std::optional<Encoding> encodingFromName(QStringView name);
QString severityName(Severity severity);
std::optional<Severity> severityFromName(QStringView name);
QString originName(ProblemOrigin origin); // "request", "answer", "transport"; "" when unstated
std::optional<ProblemOrigin> originFromName(QStringView name);
// Where a problem is, for one-line displays: "answer /set/0", "request", "transport /x".
QString problemPlace(const Problem &problem);
// The problems with their origin set where it was unstated.
Problems withOrigin(Problems problems, ProblemOrigin origin);

QString stageName(Stage stage);
Stage stageFromName(QStringView name); // exact lower-case wire names; Unknown otherwise
Direction stageDirection(Stage stage);
QList<Stage> inboundStages();
QList<Stage> outboundStages();

QString actionName(Action action);
std::optional<Action> actionFromName(QStringView name); // exact lower-case wire names
bool isTerminal(Action action);

QString verdictName(Verdict verdict);
std::optional<Verdict> verdictFromName(QStringView name);
Verdict verdictFor(Action action, int replyCode);
// How bad a verdict is, for a session's "worst verdict": none < accept/continue < cancel < held <
// quarantine < discard < disconnect < tempfail < reject < error.
int verdictSeverity(Verdict verdict);

bool hasErrors(const Problems &problems);
int countOf(const Problems &problems, Severity severity);

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::Dialect)
Q_DECLARE_METATYPE(MtaHooks::Encoding)
Q_DECLARE_METATYPE(MtaHooks::Direction)
Q_DECLARE_METATYPE(MtaHooks::Stage)
Q_DECLARE_METATYPE(MtaHooks::Action)
Q_DECLARE_METATYPE(MtaHooks::Verdict)
Q_DECLARE_METATYPE(MtaHooks::Severity)
Q_DECLARE_METATYPE(MtaHooks::Problem)

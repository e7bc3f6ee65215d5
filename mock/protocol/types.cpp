// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/types.h"

#include <QtGlobal>

#include <algorithm>
#include <array>
#include <utility>

namespace MtaHooks {

namespace {

template<typename Enum, std::size_t N>
QString nameOf(const std::array<std::pair<Enum, const char *>, N> &table, Enum value)
{
    for (const auto &[candidate, name] : table) {
        if (candidate == value)
            return QString::fromLatin1(name);
    }
    return {};
}

template<typename Enum, std::size_t N>
std::optional<Enum> valueOf(
    const std::array<std::pair<Enum, const char *>, N> &table, QStringView name)
{
    for (const auto &[candidate, text] : table) {
        if (name == QLatin1String(text))
            return candidate;
    }
    return std::nullopt;
}

constexpr std::array<std::pair<Dialect, const char *>, 3> dialectNames {{
    {Dialect::Stalwart, "stalwart"},
    {Dialect::Draft01, "draft-01"},
    {Dialect::Draft02, "draft-02"},
}};

constexpr std::array<std::pair<Encoding, const char *>, 4> encodingNames {{
    {Encoding::Json, "json"},
    {Encoding::Cbor, "cbor"},
    {Encoding::MsgPack, "msgpack"},
    {Encoding::Rfc5322, "rfc5322"},
}};

constexpr std::array<std::pair<Severity, const char *>, 3> severityNames {{
    {Severity::Error, "error"},
    {Severity::Warning, "warning"},
    {Severity::Info, "info"},
}};

constexpr std::array<std::pair<ProblemOrigin, const char *>, 3> originNames {{
    {ProblemOrigin::Request, "request"},
    {ProblemOrigin::Answer, "answer"},
    {ProblemOrigin::Transport, "transport"},
}};

constexpr std::array<std::pair<Stage, const char *>, 10> stageNames {{
    {Stage::Connect, "connect"},
    {Stage::Ehlo, "ehlo"},
    {Stage::Auth, "auth"},
    {Stage::Mail, "mail"},
    {Stage::Rcpt, "rcpt"},
    {Stage::Data, "data"},
    {Stage::Route, "route"},
    {Stage::Delivery, "delivery"},
    {Stage::Defer, "defer"},
    {Stage::Dsn, "dsn"},
}};

constexpr std::array<std::pair<Action, const char *>, 7> actionNames {{
    {Action::Accept, "accept"},
    {Action::Reject, "reject"},
    {Action::Discard, "discard"},
    {Action::Quarantine, "quarantine"},
    {Action::Disconnect, "disconnect"},
    {Action::Continue, "continue"},
    {Action::Cancel, "cancel"},
}};

constexpr std::array<std::pair<Verdict, const char *>, 10> verdictNames {{
    {Verdict::Accept, "accept"},
    {Verdict::Reject, "reject"},
    {Verdict::Tempfail, "tempfail"},
    {Verdict::Discard, "discard"},
    {Verdict::Quarantine, "quarantine"},
    {Verdict::Disconnect, "disconnect"},
    {Verdict::Continue, "continue"},
    {Verdict::Cancel, "cancel"},
    {Verdict::Held, "held"},
    {Verdict::Error, "error"},
}};

} // namespace

QString dialectName(Dialect dialect)
{
    return nameOf(dialectNames, dialect);
}

std::optional<Dialect> dialectFromName(QStringView name)
{
    if (name == QLatin1String("legacy"))
        return Dialect::Stalwart;
    if (name == QLatin1String("draft01"))
        return Dialect::Draft01;
    if (name == QLatin1String("draft02"))
        return Dialect::Draft02;
    return valueOf(dialectNames, name);
}

QString encodingName(Encoding encoding)
{
    return nameOf(encodingNames, encoding);
}

std::optional<Encoding> encodingFromName(QStringView name)
{
    return valueOf(encodingNames, name);
}

QString severityName(Severity severity)
{
    return nameOf(severityNames, severity);
}

std::optional<Severity> severityFromName(QStringView name)
{
    return valueOf(severityNames, name);
}

QString originName(ProblemOrigin origin)
{
    return nameOf(originNames, origin);
}

std::optional<ProblemOrigin> originFromName(QStringView name)
{
    return valueOf(originNames, name);
}

QString problemPlace(const Problem &problem)
{
    const QString origin = originName(problem.origin);
    if (origin.isEmpty() || problem.pointer.isEmpty())
        return origin.isEmpty() ? problem.pointer : origin;
    return origin + u' ' + problem.pointer;
}

Problems withOrigin(Problems problems, ProblemOrigin origin)
{
    for (Problem &problem : problems) {
        if (problem.origin == ProblemOrigin::Unstated)
            problem.origin = origin;
    }
    return problems;
}

QString stageName(Stage stage)
{
    return nameOf(stageNames, stage);
}

Stage stageFromName(QStringView name)
{
    return valueOf(stageNames, name).value_or(Stage::Unknown);
}

Direction stageDirection(Stage stage)
{
    switch (stage) {
    case Stage::Route:
    case Stage::Delivery:
    case Stage::Defer:
    case Stage::Dsn:
        return Direction::Outbound;
    default:
        return Direction::Inbound;
    }
}

QList<Stage> inboundStages()
{
    return {Stage::Connect, Stage::Ehlo, Stage::Auth, Stage::Mail, Stage::Rcpt, Stage::Data};
}

QList<Stage> outboundStages()
{
    return {Stage::Route, Stage::Delivery, Stage::Defer, Stage::Dsn};
}

QString actionName(Action action)
{
    return nameOf(actionNames, action);
}

std::optional<Action> actionFromName(QStringView name)
{
    return valueOf(actionNames, name);
}

bool isTerminal(Action action)
{
    return action == Action::Reject || action == Action::Discard || action == Action::Disconnect
        || action == Action::Cancel;
}

QString verdictName(Verdict verdict)
{
    return nameOf(verdictNames, verdict);
}

std::optional<Verdict> verdictFromName(QStringView name)
{
    return valueOf(verdictNames, name);
}

Verdict verdictFor(Action action, int replyCode)
{
    switch (action) {
    case Action::None:
        return Verdict::None;
    case Action::Accept:
        return Verdict::Accept;
    case Action::Reject:
        return replyCode >= 400 && replyCode < 500 ? Verdict::Tempfail : Verdict::Reject;
    case Action::Discard:
        return Verdict::Discard;
    case Action::Quarantine:
        return Verdict::Quarantine;
    case Action::Disconnect:
        return Verdict::Disconnect;
    case Action::Continue:
        return Verdict::Continue;
    case Action::Cancel:
        return Verdict::Cancel;
    }
    return Verdict::None;
}

int verdictSeverity(Verdict verdict)
{
    switch (verdict) {
    case Verdict::None:
        return 0;
    case Verdict::Accept:
    case Verdict::Continue:
        return 1;
    case Verdict::Cancel:
        return 2;
    case Verdict::Held:
        return 3;
    case Verdict::Quarantine:
        return 4;
    case Verdict::Discard:
        return 5;
    case Verdict::Disconnect:
        return 6;
    case Verdict::Tempfail:
        return 7;
    case Verdict::Reject:
        return 8;
    case Verdict::Error:
        return 9;
    }
    return 0;
}

bool hasErrors(const Problems &problems)
{
    return countOf(problems, Severity::Error) > 0;
}

int countOf(const Problems &problems, Severity severity)
{
    return int(std::count_if(problems.cbegin(), problems.cend(),
        [severity](const Problem &p) { return p.severity == severity; }));
}

} // namespace MtaHooks

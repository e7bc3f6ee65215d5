// SPDX-License-Identifier: GPL-3.0-or-later
// What the timeline's rows show: the texts, tooltips, styles and roles of session rows and call
// rows, and the column headers.
#include "ui/models/sessionmodel.h"

#include "mock/scanner/heldcall.h"
#include "ui/models/sessionmodel_p.h"
#include "ui/models/verdictstyle.h"

#include <QFont>

#include <algorithm>

using namespace Qt::StringLiterals;
using Mock::Exchange;
using Mock::SessionSummary;
using MtaHooks::Verdict;
using Timeline::DetailCallLimit;
using Timeline::SessionDetail;
using Timeline::shownVerdict;
using Timeline::StageStep;
using Timeline::stepName;
using Timeline::verdictOf;
using Timeline::verdictText;

namespace Timeline {

Verdict shownVerdict(const Exchange &e)
{
    return e.held ? Verdict::Held : e.verdict;
}

Verdict verdictOf(const QString &name)
{
    return MtaHooks::verdictFromName(name).value_or(Verdict::None);
}

QString verdictText(Verdict verdict)
{
    return verdict == Verdict::None ? u"none"_s : MtaHooks::verdictName(verdict);
}

QString stepName(const Exchange &e)
{
    if (e.kind != Mock::ExchangeKind::Hook)
        return Mock::exchangeKindName(e.kind);
    if (e.stage != MtaHooks::Stage::Unknown)
        return MtaHooks::stageName(e.stage);
    return e.stageName.isEmpty() ? u"?"_s : e.stageName;
}

} // namespace Timeline

namespace {

QString pathText(const SessionDetail &detail, int totalCalls)
{
    QStringList steps;
    for (const StageStep &step : detail.path)
        steps.append(step.count > 1 ? u"%1 ×%2"_s.arg(step.name).arg(step.count) : step.name);
    if (totalCalls > std::min(detail.calls, DetailCallLimit))
        steps.append(u"…"_s);
    return steps.join(u" → "_s);
}

// The Stage column of a session: its whole path while short, else how far it got ("… → data"),
// so the column stays narrow enough for the envelope and subject beside it (issue 14). The
// Details column and the tooltip show the whole path.
QString shortPathText(const SessionDetail &detail, int totalCalls)
{
    constexpr int longest = 18; // "connect → ehlo"
    QString whole = pathText(detail, totalCalls);
    if (whole.size() <= longest || detail.path.isEmpty())
        return whole;
    const StageStep &last = detail.path.constLast();
    const QString lastText
        = last.count > 1 ? u"%1 ×%2"_s.arg(last.name).arg(last.count) : last.name;
    return totalCalls > std::min(detail.calls, DetailCallLimit) ? u"… → %1 → …"_s.arg(lastText)
                                                                : u"… → %1"_s.arg(lastText);
}

QString callsText(int count)
{
    return count == 1 ? u"1 call"_s : u"%1 calls"_s.arg(count);
}

// The first few recipients and how many more: "bob@example.net, carol@example.net +2".
QString recipientsText(const QStringList &recipients, int shown = 3)
{
    if (recipients.size() <= shown)
        return recipients.join(u", "_s);
    return recipients.mid(0, shown).join(u", "_s) + u" +%1"_s.arg(recipients.size() - shown);
}

QString envelopeText(const QString &mailFrom, const QStringList &recipients, int shown = 3)
{
    QString sender = mailFrom.isEmpty() ? u"<>"_s : mailFrom;
    if (recipients.isEmpty())
        return sender;
    return sender + u" → "_s + recipientsText(recipients, shown);
}

QString clientText(const QString &ip, const QString &ehlo)
{
    if (ehlo.isEmpty())
        return ip;
    return ip.isEmpty() ? ehlo : QString(ip + u" / "_s + ehlo);
}

// A call's sender and recipients, from the stage that names them on.
QString callEnvelope(const Exchange &e)
{
    if (e.kind != Mock::ExchangeKind::Hook)
        return {};
    if (e.mailFrom.isEmpty() && e.recipients.isEmpty() && e.stage != MtaHooks::Stage::Mail)
        return {};
    return envelopeText(e.mailFrom, e.recipients, 1);
}

QFont boldFont()
{
    QFont font;
    font.setBold(true); // only the weight is set: the view's font fills in the rest
    return font;
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"hh:mm:ss.zzz"_s) : QString();
}

QString dateText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd hh:mm:ss.zzz t"_s) : QString();
}

QString latencyText(qint64 us)
{
    if (us < 0)
        return {};
    const double ms = double(us) / 1000.0;
    return QString::number(ms, 'f', ms < 10 ? 1 : 0) + u" ms"_s;
}

QString problemsText(int count)
{
    return count > 0 ? u"⚠ %1"_s.arg(count) : QString();
}

QString countdownText(const QDateTime &deadline)
{
    return u"held %1 s"_s.arg(Mock::heldSecondsLeft(deadline, QDateTime::currentDateTimeUtc()));
}

QString childSummary(const Exchange &e)
{
    if (e.kind != Mock::ExchangeKind::Hook)
        return QString::fromUtf8(e.method + ' ' + e.path);
    switch (e.stage) {
    case MtaHooks::Stage::Connect:
        return e.clientIp;
    case MtaHooks::Stage::Ehlo:
        return e.clientEhlo.isEmpty() ? e.clientIp : QString(u"EHLO "_s + e.clientEhlo);
    case MtaHooks::Stage::Auth:
        return e.clientEhlo.isEmpty() ? e.clientIp : e.clientEhlo;
    default:
        break;
    }
    if (e.mailFrom.isEmpty() && e.recipients.isEmpty() && e.stage != MtaHooks::Stage::Mail)
        return e.subject.isEmpty() ? e.clientIp : e.subject;
    QString text = envelopeText(e.mailFrom, e.recipients);
    if (e.stage == MtaHooks::Stage::Data && !e.subject.isEmpty())
        text += u" — "_s + e.subject;
    return text;
}

QString problemsTooltip(const MtaHooks::Problems &problems)
{
    QStringList lines;
    for (const MtaHooks::Problem &problem : problems) {
        if (lines.size() == 10) {
            lines.append(u"…"_s);
            break;
        }
        const QString place = MtaHooks::problemPlace(problem);
        const QString where = place.isEmpty() ? QString() : place + u": "_s;
        lines.append(
            u"%1 %2%3"_s.arg(MtaHooks::severityName(problem.severity), where, problem.message));
    }
    return lines.join(u'\n');
}

// A draft request does not say which draft it follows: the label says what it is known by.
QString dialectTooltip(MtaHooks::Dialect dialect)
{
    switch (dialect) {
    case MtaHooks::Dialect::Draft02:
        return u"draft-02: the answer was an RFC 6902 patch (a draft request does not say which "
               "draft it follows)"_s;
    case MtaHooks::Dialect::Draft01:
        return u"draft-01 or draft-02: the request does not say which; draft-02 is shown when the "
               "answer is an RFC 6902 patch"_s;
    default:
        return MtaHooks::dialectName(dialect);
    }
}

bool isNumericColumn(int column)
{
    return column == SessionModel::StatusColumn || column == SessionModel::LatencyColumn
        || column == SessionModel::ProblemsColumn;
}

// How a session row and a call row look alike: the verdict as a coloured dot and text in the
// Action column, held calls tinted, figures right-aligned.
QVariant rowStyle(int role, int column, MtaHooks::Verdict verdict)
{
    using MtaHooks::Verdict;
    switch (role) {
    case Qt::DecorationRole:
        if (column == SessionModel::ActionColumn && verdict != Verdict::None)
            return verdictDot(verdict, currentPalette());
        break;
    case Qt::ForegroundRole:
        if (column == SessionModel::ActionColumn && verdict != Verdict::None)
            return verdictColor(verdict, currentPalette());
        break;
    case Qt::BackgroundRole:
        if (verdict == Verdict::Held)
            return heldBackground(currentPalette());
        break;
    case Qt::TextAlignmentRole:
        if (isNumericColumn(column))
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    default:
        break;
    }
    return {};
}

} // namespace

QVariant SessionModel::Private::sessionData(qint64 row, int column, int role)
{
    const SessionSummary *summary = summaryAt(row);
    if (!summary)
        return {};
    const Verdict verdict = verdictOf(summary->worstVerdict);
    // Stage, dialect, latency and summary texts need the session's calls; the other columns
    // come from the page alone.
    const auto detailText = [this, summary]() { return detail(summary->sessionKey); };
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TimeColumn:
            return timeText(summary->first);
        case StageColumn: {
            const SessionDetail *d = detailText();
            return d ? shortPathText(*d, summary->exchangeCount)
                     : callsText(summary->exchangeCount);
        }
        case DialectColumn: {
            const SessionDetail *d = detailText();
            return d ? d->dialect : QString();
        }
        case ActionColumn: {
            if (verdict == Verdict::Held) {
                if (const auto deadline = sessionDeadline(summary->sessionKey))
                    return countdownText(*deadline);
            }
            return verdict == Verdict::None ? QString() : MtaHooks::verdictName(verdict);
        }
        case EnvelopeColumn: {
            const SessionDetail *d = detailText();
            if (summary->mailFrom.isEmpty() && (!d || d->recipients.isEmpty()))
                return QString();
            return envelopeText(summary->mailFrom, d ? d->recipients : QStringList(), 1);
        }
        case SubjectColumn: {
            const SessionDetail *d = detailText();
            return d ? d->subject : QString();
        }
        case ClientColumn: {
            const SessionDetail *d = detailText();
            return clientText(summary->clientIp, d ? d->ehlo : QString());
        }
        case StatusColumn:
            return QString();
        case LatencyColumn: {
            const SessionDetail *d = detailText();
            return d ? latencyText(d->maxLatencyUs) : QString();
        }
        case ProblemsColumn:
            return problemsText(summary->problemCount);
        case SummaryColumn: {
            const SessionDetail *d = detailText();
            const QString calls = callsText(summary->exchangeCount);
            return d ? QString(calls + u": "_s + pathText(*d, summary->exchangeCount)) : calls;
        }
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case TimeColumn:
            return u"First call %1\nLast call %2"_s.arg(
                dateText(summary->first), dateText(summary->last));
        case StageColumn: {
            const SessionDetail *d = detailText();
            const QString calls = callsText(summary->exchangeCount);
            return d ? QString(calls + u": "_s + pathText(*d, summary->exchangeCount)) : calls;
        }
        case ActionColumn:
            return u"Most severe verdict of the session: %1"_s.arg(verdictText(verdict));
        case LatencyColumn:
            return u"Slowest answer in the session"_s;
        case ProblemsColumn:
            return summary->problemCount > 0
                ? u"%1 problem(s) in this session"_s.arg(summary->problemCount)
                : QString();
        case EnvelopeColumn:
        case SubjectColumn:
        case ClientColumn:
        case SummaryColumn: {
            const SessionDetail *d = detailText();
            QString text = u"Session %1\nClient %2"_s.arg(
                summary->sessionKey, clientText(summary->clientIp, d ? d->ehlo : QString()));
            if (d) {
                text += u"\nFrom %1\nTo %2"_s.arg(
                    summary->mailFrom.isEmpty() ? u"<>"_s : summary->mailFrom,
                    d->recipients.join(u", "_s));
                if (!d->subject.isEmpty())
                    text += u"\nSubject %1"_s.arg(d->subject);
                text += u"\nCalls %1"_s.arg(pathText(*d, summary->exchangeCount));
            }
            return text;
        }
        default:
            return sessionData(row, column, Qt::DisplayRole);
        }
    case Qt::DecorationRole:
    case Qt::ForegroundRole:
    case Qt::BackgroundRole:
    case Qt::TextAlignmentRole:
        return rowStyle(role, column, verdict);
    case Qt::FontRole:
        return isNew(summary->sessionKey) ? QVariant(boldFont()) : QVariant();
    case IsNewRole:
        return isNew(summary->sessionKey);
    case CallCountRole:
        return qint64(summary->exchangeCount);
    case IsControlPlaneRole: {
        const SessionDetail *d = detailText();
        return d && d->calls > 0 && !d->hookCalls;
    }
    case ExchangeIdRole:
        return qint64(0);
    case SessionKeyRole:
        return summary->sessionKey;
    case IsSessionRole:
        return true;
    case VerdictRole:
        return summary->worstVerdict;
    case ProblemCountRole:
        return summary->problemCount;
    default:
        break;
    }
    return {};
}

QVariant SessionModel::Private::exchangeData(const Exchange &e, int column, int role) const
{
    const Verdict verdict = shownVerdict(e);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TimeColumn:
            return timeText(e.received);
        case StageColumn:
            return stepName(e);
        case DialectColumn:
            return MtaHooks::dialectName(e.dialect);
        case ActionColumn: {
            if (verdict == Verdict::Held) {
                const auto deadline = deadlines.constFind(e.id);
                return deadline != deadlines.cend() ? countdownText(*deadline) : u"held"_s;
            }
            if (verdict != Verdict::None)
                return MtaHooks::verdictName(verdict);
            if (!e.fault.isEmpty())
                return QString(u"fault: "_s + e.fault);
            return MtaHooks::actionName(e.action);
        }
        case StatusColumn:
            return e.httpStatus > 0 ? QString::number(e.httpStatus) : QString();
        case LatencyColumn:
            return e.held ? QString() : latencyText(e.latencyUs);
        case ProblemsColumn:
            return problemsText(int(e.problems.size()));
        case EnvelopeColumn:
            return callEnvelope(e);
        case SubjectColumn:
            return e.subject;
        case ClientColumn:
            return clientText(e.clientIp, e.clientEhlo);
        case SummaryColumn:
            return childSummary(e);
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case TimeColumn:
            return dateText(e.received);
        case StageColumn:
            return u"%1, call %2 of session %3"_s.arg(stepName(e))
                .arg(e.sequence)
                .arg(e.sessionKey);
        case DialectColumn:
            return dialectTooltip(e.dialect);
        case ActionColumn: {
            QStringList lines;
            if (!e.ruleName.isEmpty())
                lines.append(u"Rule %1"_s.arg(e.ruleName));
            if (!e.ruleReason.isEmpty())
                lines.append(e.ruleReason);
            if (e.replyCode > 0)
                lines.append(u"SMTP reply %1"_s.arg(e.replyCode));
            if (!e.fault.isEmpty())
                lines.append(u"Fault %1"_s.arg(e.fault));
            return lines.join(u'\n');
        }
        case ProblemsColumn:
            return problemsTooltip(e.problems);
        case EnvelopeColumn:
        case SubjectColumn:
        case ClientColumn:
        case SummaryColumn: {
            QString text = u"From %1\nTo %2"_s.arg(
                e.mailFrom.isEmpty() ? u"<>"_s : e.mailFrom, e.recipients.join(u", "_s));
            if (!e.subject.isEmpty())
                text += u"\nSubject %1"_s.arg(e.subject);
            if (!e.clientIp.isEmpty() || !e.clientEhlo.isEmpty())
                text += u"\nClient %1"_s.arg(clientText(e.clientIp, e.clientEhlo));
            return text;
        }
        default:
            return exchangeData(e, column, Qt::DisplayRole);
        }
    case Qt::DecorationRole:
    case Qt::ForegroundRole:
    case Qt::BackgroundRole:
    case Qt::TextAlignmentRole:
        return rowStyle(role, column, verdict);
    case Qt::FontRole:
        return isNew(e.sessionKey, e.id) ? QVariant(boldFont()) : QVariant();
    case IsNewRole:
        return isNew(e.sessionKey, e.id);
    case ExchangeIdRole:
        return e.id;
    case SessionKeyRole:
        return e.sessionKey;
    case IsSessionRole:
        return false;
    case VerdictRole:
        return verdictText(verdict);
    case ExchangeRole:
        return QVariant::fromValue(e);
    case ProblemCountRole:
        return int(e.problems.size());
    default:
        break;
    }
    return {};
}

QVariant SessionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (section) {
        case TimeColumn:
            return u"Time"_s;
        case StageColumn:
            return u"Stage"_s;
        case DialectColumn:
            return u"Dialect"_s;
        case ActionColumn:
            return u"Verdict"_s;
        case EnvelopeColumn:
            return u"From → To"_s;
        case SubjectColumn:
            return u"Subject"_s;
        case ClientColumn:
            return u"Client"_s;
        case StatusColumn:
            return u"Status"_s;
        case LatencyColumn:
            return u"Latency"_s;
        case ProblemsColumn:
            return u"⚠"_s;
        case SummaryColumn:
            return u"Details"_s;
        }
        break;
    case Qt::ToolTipRole:
        switch (section) {
        case TimeColumn:
            return u"When the call arrived (local time)"_s;
        case StageColumn:
            return u"SMTP stage of the call; for a session, its calls in order"_s;
        case ActionColumn:
            return u"The verdict the answer leads to; for a session, the most severe one"_s;
        case StatusColumn:
            return u"HTTP status of the answer"_s;
        case LatencyColumn:
            return u"From arrival to answer written"_s;
        case ProblemsColumn:
            return u"Problems: validation, transport and answer findings"_s;
        case EnvelopeColumn:
            return u"Envelope sender → recipients (SMTP MAIL FROM and RCPT TO)"_s;
        case SubjectColumn:
            return u"The message's Subject header, once the data stage has sent it"_s;
        case ClientColumn:
            return u"The SMTP client: its IP address / the name it gave in EHLO"_s;
        case DialectColumn:
            return u"Protocol dialect of the call"_s;
        case SummaryColumn:
            return u"A session's whole stage path; a call's stage-specific summary"_s;
        default:
            break;
        }
        break;
    case Qt::TextAlignmentRole:
        if (isNumericColumn(section))
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    default:
        break;
    }
    return {};
}

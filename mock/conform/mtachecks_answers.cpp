// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/mtachecks_p.h"

using namespace Qt::StringLiterals;
using MtaHooks::Stage;

// The checks on whether an MTA applies its scanner's answers (reference draft-01 §c.2: the answer
// is a patch of the request document, and -02's abstract: "the MTA acts on the resulting state").
// The observer answered chosen calls on purpose (mtaprobes.cpp); what shows the MTA acted on an
// answer is the envelope of its later calls in the same transaction, or their absence.
namespace Conform {

namespace {

bool anyCallAt(const MtaObservation &seen, Stage stage)
{
    return std::any_of(
        seen.exchanges.cbegin(), seen.exchanges.cend(), [stage](const Mock::Exchange &e) {
            return e.kind == Mock::ExchangeKind::Hook && e.stage == stage;
        });
}

// The later hook calls of the transaction of exchanges[at]: the same SMTP session (the
// SessionTracker's key, from the client's ip:port), up to its next connect, ehlo or mail call.
// The call itself sent again (a retry keeps the request id and the body) is not one of them.
QList<const Mock::Exchange *> laterInTransaction(const MtaObservation &seen, qint64 at)
{
    const Mock::Exchange &probe = seen.exchanges.at(at);
    const QByteArray id = probe.requestHeader("X-MTA-Hooks-Request-Id");
    QList<const Mock::Exchange *> later;
    for (qsizetype i = at + 1; i < seen.exchanges.size(); ++i) {
        const Mock::Exchange &next = seen.exchanges.at(i);
        if (next.kind != Mock::ExchangeKind::Hook || next.sessionKey != probe.sessionKey)
            continue;
        const bool again = id.isEmpty() ? next.requestBody == probe.requestBody
                                        : next.requestHeader("X-MTA-Hooks-Request-Id") == id;
        if (again)
            continue;
        if (next.stage == Stage::Connect || next.stage == Stage::Ehlo || next.stage == Stage::Mail)
            break;
        later << &next;
    }
    return later;
}

bool listsAddress(const QStringList &addresses, const QString &address)
{
    return addresses.contains(address, Qt::CaseInsensitive);
}

// Skips `result` unless the probe was given; true when it was.
bool probeGiven(const MtaObservation &seen, qint64 at, Stage stage, Result &result)
{
    if (at >= 0)
        return true;
    result.status = Status::Skip;
    result.detail = anyCallAt(seen, stage)
        ? u"no %1 call came in turn for this answer (send more messages)"_s.arg(
            MtaHooks::stageName(stage))
        : u"the MTA made no %1 call"_s.arg(MtaHooks::stageName(stage));
    return false;
}

void appliesNewSender(const MtaObservation &seen, Result &result)
{
    if (!probeGiven(seen, seen.senderChangeExchange, Stage::Mail, result))
        return;
    result.evidence << evidenceOf(seen, seen.exchanges.at(seen.senderChangeExchange));
    const QString changed = changedSenderAddress();
    int carrying = 0;
    for (const Mock::Exchange *next : laterInTransaction(seen, seen.senderChangeExchange)) {
        if (next->recipients.isEmpty())
            continue; // no envelope in this call
        if (next->mailFrom != changed) {
            result.evidence << evidenceOf(seen, *next);
            result.status = Status::Fail;
            result.detail
                = u"the %1 call after it still has envelope.from \"%2\", not \"%3\""_s.arg(
                    next->stageName, next->mailFrom, changed);
            return;
        }
        if (++carrying == 1)
            result.evidence << evidenceOf(seen, *next);
    }
    if (carrying == 0) {
        result.status = Status::Skip;
        result.detail = u"no rcpt or data call with an envelope followed in that transaction"_s;
        return;
    }
    result.status = Status::Pass;
    result.detail
        = u"%1 later call(s) of the transaction have envelope.from %2"_s.arg(carrying).arg(changed);
}

const Mock::Exchange *dataCallAfter(const MtaObservation &seen, qint64 at)
{
    for (const Mock::Exchange *next : laterInTransaction(seen, at)) {
        if (next->stage == Stage::Data)
            return next;
    }
    return nullptr;
}

void appliesAddedRecipient(const MtaObservation &seen, Result &result)
{
    if (!probeGiven(seen, seen.recipientAddExchange, Stage::Rcpt, result))
        return;
    result.evidence << evidenceOf(seen, seen.exchanges.at(seen.recipientAddExchange));
    const Mock::Exchange *data = dataCallAfter(seen, seen.recipientAddExchange);
    if (!data) {
        result.status = Status::Skip;
        result.detail = u"no data call followed in that transaction"_s;
        return;
    }
    result.evidence << evidenceOf(seen, *data);
    const QString added = addedRecipientAddress();
    if (listsAddress(data->recipients, added)) {
        result.status = Status::Pass;
        result.detail = u"the data call's envelope.to lists %1"_s.arg(added);
        return;
    }
    result.status = Status::Fail;
    result.detail = u"the data call's envelope.to (%1) lacks %2, added at rcpt"_s.arg(
        data->recipients.join(u", "_s), added);
}

void dropsRejectedRecipient(const MtaObservation &seen, Result &result)
{
    if (!probeGiven(seen, seen.recipientRejectExchange, Stage::Rcpt, result))
        return;
    const Mock::Exchange &rejectedCall = seen.exchanges.at(seen.recipientRejectExchange);
    result.evidence << evidenceOf(seen, rejectedCall);
    if (rejectedCall.recipients.isEmpty()) {
        result.status = Status::Skip;
        result.detail = u"the rejected rcpt call carried no recipient"_s;
        return;
    }
    // The recipient a rcpt call is about is its last (reference §f.3; legacy req-rcpt.json).
    const QString rejected = rejectedCall.recipients.constLast();
    for (const Mock::Exchange *next : laterInTransaction(seen, seen.recipientRejectExchange)) {
        // A later rcpt call's own recipient is its last; the ones before are those accepted.
        QStringList kept = next->recipients;
        if (next->stage == Stage::Rcpt && !kept.isEmpty())
            kept.removeLast();
        if (listsAddress(kept, rejected)) {
            result.evidence << evidenceOf(seen, *next);
            result.status = Status::Fail;
            result.detail = u"the %1 call after it still lists %2 in envelope.to"_s.arg(
                next->stageName, rejected);
            return;
        }
    }
    const Mock::Exchange *data = dataCallAfter(seen, seen.recipientRejectExchange);
    if (!data) {
        result.status = Status::Skip;
        result.detail
            = u"no data call followed in that transaction (none is due when no recipient is left)"_s;
        return;
    }
    result.evidence << evidenceOf(seen, *data);
    result.status = Status::Pass;
    result.detail = u"the data call's envelope.to (%1) leaves out %2"_s.arg(
        data->recipients.join(u", "_s), rejected);
}

void stopsAfterRejectedMail(const MtaObservation &seen, Result &result)
{
    if (!probeGiven(seen, seen.mailRejectExchange, Stage::Mail, result))
        return;
    result.evidence << evidenceOf(seen, seen.exchanges.at(seen.mailRejectExchange));
    const auto later = laterInTransaction(seen, seen.mailRejectExchange);
    if (!later.isEmpty()) {
        result.evidence << evidenceOf(seen, *later.constFirst());
        result.status = Status::Fail;
        result.detail
            = u"%1 more call(s) for the rejected transaction, the first at %2"_s.arg(later.size())
                  .arg(later.constFirst()->stageName);
        return;
    }
    const qsizetype after = seen.exchanges.size() - seen.mailRejectExchange - 1;
    if (after == 0) {
        result.status = Status::Skip;
        result.detail = u"the MTA made no call after the rejected mail: nothing shows it stopped"_s;
        return;
    }
    result.evidence << evidenceOf(
        seen, seen.exchanges.at(seen.mailRejectExchange + 1)); // what came
    result.status = Status::Pass;
    result.detail = u"no rcpt or data call for the rejected transaction; %1 later call(s) for "
                    "others"_s.arg(after);
}

} // namespace

namespace Detail {

QList<MtaCheck> answerChecks()
{
    // The reference has no MUST for applying edits, and an MTA may refuse some (§d.2 security:
    // policy-check added recipients): SHOULD. A reject is the reply the MTA sends: after a 5xx to
    // MAIL FROM there is no transaction left to call rcpt or data for.
    return {
        {u"mta-applies-new-sender"_s, u"draft-01 §c.2 Envelope edits"_s, Level::Should,
            u"a changed envelope sender is in the transaction's later calls"_s, appliesNewSender},
        {u"mta-applies-added-recipient"_s, u"draft-01 §c.2 Envelope edits"_s, Level::Should,
            u"a recipient added at rcpt is in the data call"_s, appliesAddedRecipient},
        {u"mta-drops-rejected-recipient"_s, u"draft-01 §c.2 Verdict, §f.3"_s, Level::Should,
            u"a recipient rejected at rcpt is not in the data call"_s, dropsRejectedRecipient},
        {u"mta-stops-after-reject"_s, u"draft-01 §c.2 Verdict (reject)"_s, Level::Must,
            u"no rcpt or data call for a transaction rejected at mail"_s, stopsAfterRejectedMail},
    };
}

} // namespace Detail

} // namespace Conform

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/hookrequest.h"
#include "mock/protocol/hookresponse.h"

#include <QMetaType>
#include <QStringList>

#include <optional>

namespace MtaHooks {

// What an MTA does when a hook call fails (no answer, or a non-2xx one). The draft leaves it to
// the implementation (fail-open or fail-closed, reference §d.2); real MTAs make it configurable.
enum class FailurePolicy {
    DialectRule, // Stalwart's tempFailOnError; the drafts' default action
    TempFail, // inbound: 451 4.3.5 (the sender tries again later); outbound: continue
    Accept, // the request's default action, as if no scanner were configured
    Reject, // inbound: a permanent reject; outbound: cancel
};

struct ApplyOptions
{
    // Stalwart's tempFailOnError (default true): a failed hook answers 451 4.3.5 and stops.
    bool tempFailOnError = true;
    FailurePolicy onCallFailure = FailurePolicy::DialectRule;
    // Drafts: the properties the answer may modify, as negotiated for the request's direction
    // (discovery's updateProperties, read as prefixes). An answer touching any other is
    // malformed: nothing is applied (reference §c.2, "Error Responses"). Unset: not negotiated,
    // every writable property may be changed.
    std::optional<QStringList> updateProperties;
};

// "tempfail", "accept", "reject" (and back); nullopt for another name.
std::optional<FailurePolicy> failurePolicyFromName(const QString &name);
QString failurePolicyName(FailurePolicy policy);

// What the MTA does with a scanner's answer.
struct Outcome
{
    Dialect dialect = Dialect::Unknown;
    Stage stage = Stage::Unknown;
    Action action = Action::None;
    Verdict verdict = Verdict::None;
    SmtpReply reply; // empty for outbound stages
    bool disconnect = false;
    Envelope envelope;
    bool hasMessage = false;
    QByteArray message;
    bool messageChanged = false;
    bool envelopeChanged = false;
    bool malformed = false; // the answer was unusable and the dialect's error rule applied
    Document document = Document::invalid(); // drafts: the request document after the patch
    Problems problems;
};

Outcome apply(
    const HookRequest &request, const HookResponse &response, const ApplyOptions &options = {});

// The reply the MTA sends when the scanner's answer gives none, per dialect and stage.
SmtpReply defaultReply(Dialect dialect, Stage stage, Action action);

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::FailurePolicy)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/hookrequest.h"
#include "mock/protocol/hookresponse.h"

namespace MtaHooks {

struct ApplyOptions
{
    // Stalwart's tempFailOnError (default true): a failed hook answers 451 4.3.5 and stops.
    bool tempFailOnError = true;
};

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

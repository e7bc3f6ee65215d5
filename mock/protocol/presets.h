// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/answerplan.h"
#include "mock/protocol/document.h"
#include "mock/protocol/hookrequest.h"

#include <optional>

namespace MtaHooks {

// The canned answers a mock scanner offers, each written correctly in every dialect.
enum class Preset {
    Accept,
    Reject, // 550 5.7.1
    Tempfail, // 451 4.7.1 (Stalwart: a reject with a 4xx reply)
    Discard,
    Quarantine,
    Disconnect, // drafts only (Stalwart: a reject with 421)
    AddHeader, // X-Hookscope: scanned
    TagSubject, // "[SPAM] " + subject
    DropRecipient, // the last recipient
    ReplaceBody // the body replaced by a notice
};

QString presetName(Preset preset);
std::optional<Preset> presetFromName(QStringView name);
QList<Preset> allPresets();
QString presetDescription(Preset preset);

// The answer document for a request in the given answer dialect (Stalwart, Draft01 or Draft02).
// For outbound stages the verdict presets map to continue/cancel.
Document presetAnswer(Preset preset, Dialect dialect, const HookRequest &request);
// The plan a preset stands for, for this request (presetAnswer writes it in a dialect).
AnswerPlan presetPlan(Preset preset, const HookRequest &request);

// An answer's wire bytes. In CBOR the drafts carry binary as byte strings, so rawMessage values
// written as base64 text become byte strings.
QByteArray encodeAnswer(const Document &answer, Dialect dialect, Encoding encoding);
// encodeAnswer(planAnswer(plan, dialect, request), dialect, encoding). A plan without edits (a
// bare verdict, the common answer) reads nothing of the request but its direction and, in
// draft-02, whether /action and /response exist: its bytes are computed once for those and kept
// (issue 12: a third of the cost of answering a small call went into writing the same bytes).
QByteArray encodePlanAnswer(
    const AnswerPlan &plan, Dialect dialect, Encoding encoding, const HookRequest &request);

// The dialect a draft request is answered in when the user has no preference: draft-01's object.
Dialect answerDialectFor(Dialect requestDialect, Dialect draftPreference);

} // namespace MtaHooks

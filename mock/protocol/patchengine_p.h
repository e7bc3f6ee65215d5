// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/apply.h"
#include "mock/protocol/jsonmapping_p.h"

namespace MtaHooks {

struct PatchResult
{
    Json document;
    bool failed = false; // draft-02: the whole patch is void
    Problems problems;
};

// Draft-01: the operations in set, add, delete order; an operation that cannot be applied is
// skipped and reported (draft-01 §"Modification Semantics": log, skip, continue).
PatchResult applyDraft01Patch(const Json &request, const QList<PatchOperation> &operations);
// Draft-02: RFC 6902, atomically (nlohmann/json's patch works on a copy and throws on failure).
PatchResult applyDraft02Patch(const Json &request, const Json &patch);

// Stalwart's modification semantics (stalwart-apply.cpp).
Outcome applyStalwart(
    const HookRequest &request, const HookResponse &response, const ApplyOptions &options);
// The drafts (apply.cpp).
Outcome applyDraft(
    const HookRequest &request, const HookResponse &response, const ApplyOptions &options);

// The envelope of a request document's "envelope" member (codec.cpp).
Envelope envelopeFromJson(const Json &envelope);

// Rewrites a raw message for edits of the drafts' JMAP /message (jmapedit.cpp).
QByteArray rebuildFromJmap(
    const QByteArray &raw, const Json &before, const Json &after, Problems &problems);

} // namespace MtaHooks

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"

namespace Mock {

// A session's figures folded from its new calls one at a time, the way the store keeps its
// session rows (capturerows.cpp, addToSessionSql): every call counted, the earliest and latest
// times, the first non-empty client and sender, the first of the most severe verdicts, every
// problem. The one rule for the store's writer (a batch's calls per session) and the window's
// live timeline (calls as they are saved).
SessionSummary sessionOfCall(const Exchange &call);
void addCallToSession(SessionSummary &session, const Exchange &call);

} // namespace Mock

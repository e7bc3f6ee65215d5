// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

namespace Mock {

// The in-memory reading of a capture query: whether one exchange matches, so that the timeline
// can decide whether a live exchange belongs to the current view without a database round trip.
// It must select what the store's SQL reading (capturefilter_p.h) selects, so it reads values as
// SQLite's LIKE does (ASCII case ignored, one character per code point, nothing after a NUL, a
// path that is not UTF-8 decoded SQLite's way) and searches free text in the same columns;
// tests/capture/tst_capture_filterreadings compares the two on every field.
bool matchesQuery(const CaptureQuery &query, const Exchange &exchange);
bool matchesTerm(const CaptureTerm &term, const Exchange &exchange);

} // namespace Mock

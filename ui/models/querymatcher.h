// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

// Evaluates a capture query against one exchange in memory, so that the timeline can decide
// whether a live exchange belongs to the current view without a database round trip. Mirrors the
// SQL of mock/capture/capturefilter.cpp (LIKE: ASCII case ignored, globs with '*' and '?', free
// text searched in the same columns); tests compare the two on every field.
bool matchesQuery(const Mock::CaptureQuery &query, const Mock::Exchange &exchange);
bool matchesTerm(const Mock::CaptureTerm &term, const Mock::Exchange &exchange);

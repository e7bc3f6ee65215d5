// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/document.h"
#include "mock/protocol/types.h"

namespace MtaHooks {

// Every deviation from the dialect, including what the real implementations silently ignore or
// reject (protocol reference §b, §c, §g). Used by decodeRequest/decodeResponse; callable alone.
Problems validateRequest(const Document &request, Dialect dialect);
Problems validateResponse(const Document &response, Dialect dialect, Stage stage = Stage::Unknown);

} // namespace MtaHooks

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/logging.h"

Q_LOGGING_CATEGORY(lcCodec, "hookscope.protocol.codec", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApply, "hookscope.protocol.apply", QtInfoMsg)

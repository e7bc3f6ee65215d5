// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/logging.h"

Q_LOGGING_CATEGORY(lcMime, "hookscope.mime", QtInfoMsg)

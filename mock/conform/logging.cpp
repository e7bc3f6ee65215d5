// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/logging.h"

Q_LOGGING_CATEGORY(lcConform, "hookscope.conform", QtInfoMsg)

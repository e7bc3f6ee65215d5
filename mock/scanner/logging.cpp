// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/logging.h"

Q_LOGGING_CATEGORY(lcEndpoint, "hookscope.scanner.endpoint", QtInfoMsg)

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/logging.h"

Q_LOGGING_CATEGORY(lcCapture, "hookscope.capture", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCaptureStore, "hookscope.capture.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCaptureRetention, "hookscope.capture.retention", QtInfoMsg)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope decode FILE [--json] [--dialect D] [--kind request|response|message]
int runDecodeCommand(const QStringList &arguments, const CommandIo &io);

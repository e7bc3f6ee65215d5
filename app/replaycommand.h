// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope replay SESSION... --to URL [--dialect D] [--cbor] [--auth SPEC] [--concurrency N]
//                  [--expect] [--json] [--mail-from ADDR --rcpt ADDR…]
int runReplayCommand(const QStringList &arguments, const CommandIo &io);

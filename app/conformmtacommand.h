// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope conform --mta --listen ADDR:PORT [--duration S] [--auth SPEC] [--junit FILE] [--json]
// Waits for an MTA, answers some of its calls with faults and scores what it does. Exit 0 when
// every MUST passes, 1 when one fails, 2 when no MTA called at all (or on a usage error).
int runConformMtaCommand(const QStringList &arguments, const CommandIo &io);

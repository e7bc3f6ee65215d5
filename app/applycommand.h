// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope apply REQUEST RESPONSE [--json] [--dialect D] [--status N] [--no-tempfail]
int runApplyCommand(const QStringList &arguments, const CommandIo &io);

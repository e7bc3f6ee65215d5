// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope serve --listen ADDR:PORT [--rules FILE] [--db FILE] [--auth SPEC] [--json] …
int runServeCommand(const QStringList &arguments, const CommandIo &io);

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"

#include <QStringList>

// hookscope conform --scanner URL [--dialect D] [--auth SPEC] [--junit FILE] [--json]
//                   [--timeout MS] [--insecure] [--cacert FILE] [--tls-cert FILE --tls-key FILE]
// Exit 0 when every MUST passes, 1 when one fails, 2 when the scanner cannot be reached (or on a
// usage error).
int runConformCommand(const QStringList &arguments, const CommandIo &io);

// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/windowoptions.h"

using namespace Qt::StringLiterals;

CommandHelp windowHelp()
{
    return {
        .synopsis = u"[OPTION]..."_s,
        .summary = u"Open the window: inspector, mock scanner and mock MTA for MTA Hooks."_s,
        .options = {
            QCommandLineOption(u"listen"_s, u"Endpoint address and port for this run."_s,
                u"addr:port"_s),
            QCommandLineOption(u"db"_s, u"Capture database for this run."_s, u"file"_s),
            QCommandLineOption(u"log-rules"_s, u"Logging rules (QLoggingCategory syntax)."_s,
                u"rules"_s),
            QCommandLineOption(u"demo"_s, u"Run the demo (Help > Run demo) at start."_s),
            QCommandLineOption(u"version"_s, u"Print the version and exit."_s),
        },
        .examples = {u"hookscope --listen 127.0.0.1:8025 --db :memory: --demo"_s},
    };
}

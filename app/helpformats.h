// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The man page and the bash completion script, both written from the commands' CommandHelp
// (app/commands.h: describeCommands(), the window's first), at build time by `hookscope help --man`
// and `hookscope help --bash-completion` (app/CMakeLists.txt).

#include "app/commandhelp.h"

// hookscope.1, in roff (man(7)).
QString manPage(const QList<CommandHelp> &helps, const QString &exitStatus);
// What bash-completion loads from share/bash-completion/completions/hookscope: the commands, each
// one's options, file names where an option takes a file or the command takes files.
QString bashCompletion(const QList<CommandHelp> &helps);

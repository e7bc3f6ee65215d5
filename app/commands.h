// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/cliio.h"
#include "app/commandhelp.h"

#include <QList>
#include <QStringList>

using CommandFunction = int (*)(const QStringList &arguments, const CommandIo &io);

// One way to run hookscope: a command, and for `conform --mta` the argument that picks the form.
struct CommandForm
{
    QString name;
    QStringList formArguments;
    CommandFunction run = nullptr;
};

// Every command form, in the order the help lists them.
const QList<CommandForm> &commandForms();
// The function that runs a command, or nullptr when there is no such command.
CommandFunction findCommand(const QString &name);
// Every form's help, the window's first: what `hookscope help`, the man page and the bash
// completion are written from.
QList<CommandHelp> describeCommands();

// hookscope help [COMMAND [--mta]] | --man | --bash-completion
int runHelpCommand(const QStringList &arguments, const CommandIo &io);
// What `hookscope help` prints: every command with one line, and the window's options.
QString overviewText();
// 0 ok, 1 ..., 2 ...: the exit status every command shares (app/cliio.h), for the help and man
// page.
QString exitStatusText();

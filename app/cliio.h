// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QTextStream>

// Exit codes shared by every command: 0 ok, 1 problems of severity error (or a failed
// expectation), 2 usage or unreadable input.
enum ExitCode { ExitOk = 0, ExitProblems = 1, ExitUsage = 2 };

struct CommandHelp;

// Where commands write; tests substitute strings for stdout/stderr. With describe set, a command
// only copies its CommandHelp there and returns ExitOk (app/commandhelp.h): that is how the help
// overview, the man page and the completion script learn every command's options.
struct CommandIo
{
    QTextStream *out = nullptr;
    QTextStream *err = nullptr;
    CommandHelp *describe = nullptr;
};

CommandIo standardIo();
bool readWholeFile(const QString &path, QByteArray *bytes, QString *error);

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QTextStream>

// Exit codes shared by every command: 0 ok, 1 problems of severity error (or a failed
// expectation), 2 usage or unreadable input.
enum ExitCode { ExitOk = 0, ExitProblems = 1, ExitUsage = 2 };

// Where commands write; tests substitute strings for stdout/stderr.
struct CommandIo
{
    QTextStream *out = nullptr;
    QTextStream *err = nullptr;
};

CommandIo standardIo();
bool readWholeFile(const QString &path, QByteArray *bytes, QString *error);

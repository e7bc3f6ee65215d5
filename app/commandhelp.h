// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How a command describes itself. A command's CommandHelp is what its parser is given, and it is
// also the only source of the command's -h/--help, of its line in `hookscope help`, of its part of
// the man page and of its bash completion (app/helpformats.h): none of them can name an option the
// parser does not know, or miss one it does.

#include "app/cliio.h"

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

#include <optional>
#include <utility>

class QCommandLineParser;

struct CommandHelp
{
    // As typed after `hookscope`: "replay", "conform --mta"; empty for the window.
    QString command {};
    // What follows the command in a usage line: "SESSION... --to URL [OPTION]...".
    QString synopsis {};
    // One sentence: the command's line in `hookscope help`, and the first line of its help.
    QString summary {};
    // More, when one sentence is not enough (may be empty).
    QString description {};
    // Positional arguments: name and what it is.
    QList<std::pair<QString, QString>> arguments {};
    // Every option but -h/--help, which parseCommandLine adds.
    QList<QCommandLineOption> options {};
    // Whole command lines.
    QStringList examples {};

    // "hookscope replay" ("hookscope" for the window).
    QString invocation() const;
    // "hookscope help replay" (and "hookscope help" for the window).
    QString helpCommand() const;
    // options and -h/--help, as the parser knows them.
    QList<QCommandLineOption> allOptions() const;
};

QCommandLineOption helpOption();

// Gives the parser the help's options and -h/--help, then parses. Returns the exit code when the
// command ends here: ExitOk after printing the help (-h/--help wins over any error), or, with
// io.describe set, after copying the help there without parsing; ExitUsage after an unknown option
// or a missing value, said on stderr with the command's help named. nullopt: carry on.
std::optional<int> parseCommandLine(QCommandLineParser &parser, const CommandHelp &help,
    const QStringList &arguments, const CommandIo &io);

// "usage: hookscope replay SYNOPSIS" and where the help is, on stderr. Returns ExitUsage.
int usageError(const CommandHelp &help, const CommandIo &io);

// What -h/--help prints.
QString helpText(const CommandHelp &help);

constexpr int HelpWidth = 100;
// The words of text filled into lines of at most width characters, every line after the first
// indented by indent spaces (the first is assumed to start at column indent).
QString wrapped(const QString &text, int indent, int width = HelpWidth);
// Two columns: a label, then its description wrapped under the description column.
QString helpTable(const QList<std::pair<QString, QString>> &rows);

// "--to <url>", "-h, --help": an option as the help lists it.
QString optionLabel(const QCommandLineOption &option);
// The description with its default, when the description does not already say it.
QString optionDescription(const QCommandLineOption &option);
// "--to" or "-h": one of the option's names as typed.
QString dashed(const QString &name);

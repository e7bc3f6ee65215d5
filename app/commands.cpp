// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commands.h"

#include "app/applycommand.h"
#include "app/conformcommand.h"
#include "app/decodecommand.h"
#include "app/helpformats.h"
#include "app/replaycommand.h"
#include "app/servecommand.h"
#include "app/windowoptions.h"

#include <QCommandLineParser>

using namespace Qt::StringLiterals;

const QList<CommandForm> &commandForms()
{
    static const QList<CommandForm> forms {
        {u"decode"_s, {}, runDecodeCommand},
        {u"apply"_s, {}, runApplyCommand},
        {u"serve"_s, {}, runServeCommand},
        {u"replay"_s, {}, runReplayCommand},
        {u"conform"_s, {}, runConformCommand},
        {u"conform"_s, {u"--mta"_s}, runConformCommand},
        {u"help"_s, {}, runHelpCommand},
    };
    return forms;
}

CommandFunction findCommand(const QString &name)
{
    for (const CommandForm &form : commandForms()) {
        if (form.name == name)
            return form.run;
    }
    return nullptr;
}

QList<CommandHelp> describeCommands()
{
    QList<CommandHelp> helps {windowHelp()};
    for (const CommandForm &form : commandForms()) {
        CommandHelp help;
        form.run(QStringList {u"hookscope"_s} + form.formArguments, {nullptr, nullptr, &help});
        helps.append(help);
    }
    return helps;
}

QString exitStatusText()
{
    return u"Every command exits 0 when all is well, 1 on a problem of severity error (or a failed "
           "expectation or MUST) and 2 on a usage error or unreadable input (or a peer that "
           "cannot be reached)."_s;
}

QString overviewText()
{
    const QList<CommandHelp> helps = describeCommands();
    const CommandHelp &window = helps.constFirst();
    QString text
        = u"usage: hookscope [OPTION]...              open the window\n"
          "       hookscope COMMAND [ARGUMENT]...     run a command, without a window\n\n"_s
        + window.summary + u"\n\nCommands:\n"_s;
    QList<std::pair<QString, QString>> rows;
    for (qsizetype i = 1; i < helps.size(); ++i)
        rows.append({helps.at(i).command, helps.at(i).summary});
    text += helpTable(rows);
    rows.clear();
    for (const QCommandLineOption &option : window.allOptions())
        rows.append({optionLabel(option), optionDescription(option)});
    text += u"\nWindow options:\n"_s + helpTable(rows);
    text += u"\nExamples:\n"_s;
    for (const CommandHelp &help : helps)
        text += u"  "_s + help.examples.value(0) + u'\n';
    text += u'\n' + wrapped(exitStatusText(), 0) + u"\n\n"_s
        + wrapped(u"`hookscope help COMMAND` (or `hookscope COMMAND --help`) lists a command's "
                  "options and examples; `man hookscope` has them all."_s,
            0)
        + u'\n';
    return text;
}

int runHelpCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption man(u"man"_s, u"Print the manual page (roff), as installed."_s);
    const QCommandLineOption completion(
        u"bash-completion"_s, u"Print the bash completion script, as installed."_s);
    const CommandHelp help {
        .command = u"help"_s,
        .synopsis = u"[COMMAND [--mta]]"_s,
        .summary = u"Print a command's help, or every command with one line."_s,
        .arguments = {{u"COMMAND"_s, u"The command whose options and examples to print."_s}},
        .options = {man, completion},
        .examples = {u"hookscope help replay"_s, u"hookscope help conform --mta"_s},
    };
    // `hookscope help replay ...` is `hookscope replay ... --help`, to the byte.
    if (!io.describe && arguments.size() > 1 && !arguments.at(1).startsWith(u'-')) {
        const QString &name = arguments.at(1);
        const CommandFunction run = findCommand(name);
        if (!run) {
            *io.err << "hookscope help: unknown command \"" << name << "\"\nsee `hookscope help`\n";
            return ExitUsage;
        }
        return run(
            QStringList {arguments.constFirst()} + arguments.mid(2) + QStringList {u"--help"_s},
            io);
    }
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (parser.isSet(man))
        *io.out << manPage(describeCommands(), exitStatusText());
    else if (parser.isSet(completion))
        *io.out << bashCompletion(describeCommands());
    else
        *io.out << overviewText();
    io.out->flush();
    return ExitOk;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/helpformats.h"

using namespace Qt::StringLiterals;

namespace {

// Text as roff prints it: a backslash is roff's escape, '-' would be a hyphen (not the minus an
// option is typed with), and a line starting with '.' or '\'' would be a request.
QString roff(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\\', u"\\e"_s).replace(u'-', u"\\-"_s).replace(u'"', u"\\(dq"_s);
    if (escaped.startsWith(u'.') || escaped.startsWith(u'\''))
        escaped.prepend(u"\\&"_s);
    return escaped;
}

QString roffOption(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names << u"\\fB"_s + roff(dashed(name)) + u"\\fR"_s;
    QString label = names.join(u", "_s);
    if (!option.valueName().isEmpty())
        label += u" \\fI"_s + roff(option.valueName()) + u"\\fR"_s;
    return label;
}

QString roffOptions(const CommandHelp &help)
{
    QString text;
    for (const auto &[name, description] : help.arguments)
        text += u".TP\n\\fI"_s + roff(name) + u"\\fR\n"_s + roff(description) + u'\n';
    for (const QCommandLineOption &option : help.allOptions())
        text += u".TP\n"_s + roffOption(option) + u'\n' + roff(optionDescription(option)) + u'\n';
    return text;
}

QString roffExamples(const CommandHelp &help)
{
    if (help.examples.isEmpty())
        return {};
    QString text = help.examples.size() == 1 ? u".PP\nExample:\n"_s : u".PP\nExamples:\n"_s;
    text += u".RS\n.nf\n"_s;
    for (const QString &example : help.examples)
        text += roff(example) + u'\n';
    return text + u".fi\n.RE\n"_s;
}

bool takesFile(const QCommandLineOption &option)
{
    return option.valueName() == u"file"_s;
}

QString words(const QStringList &list)
{
    return u'\'' + list.join(u' ') + u'\'';
}

} // namespace

QString manPage(const QList<CommandHelp> &helps, const QString &exitStatus)
{
    const CommandHelp &window = helps.constFirst();
    QString text = u".\\\" Written by `hookscope help --man` from the commands' own help.\n"
                   ".TH HOOKSCOPE 1 \"\" \"hookscope " HOOKSCOPE_VERSION "\" \"User Commands\"\n"
                   ".SH NAME\n"
                   "hookscope \\- inspector, mock scanner and mock MTA for MTA Hooks\n"
                   ".SH SYNOPSIS\n"_s;
    for (const CommandHelp &help : helps)
        text += u".B "_s + roff(help.invocation()) + u'\n' + roff(help.synopsis) + u"\n.br\n"_s;
    text += u".SH DESCRIPTION\n"
            "Hookscope is an inspector, mock scanner and mock MTA for the MTA Hooks protocol. With "
            "no command it opens the window (see \\fBOPTIONS\\fR); with a command it runs without "
            "one (see \\fBCOMMANDS\\fR). \\fBhookscope help\\fR lists the commands; "
            "\\fBhookscope help\\fR \\fICOMMAND\\fR (or \\fBhookscope\\fR \\fICOMMAND\\fR "
            "\\fB\\-\\-help\\fR) prints a command's options and examples.\n"_s;
    text += u".SH OPTIONS\n"_s + roff(window.summary) + u'\n' + roffOptions(window)
        + roffExamples(window);
    text += u".SH COMMANDS\n"_s;
    for (qsizetype i = 1; i < helps.size(); ++i) {
        const CommandHelp &help = helps.at(i);
        text += u".SS \""_s + roff(help.invocation() + u' ' + help.synopsis) + u"\"\n"_s
            + roff(help.summary) + u'\n';
        if (!help.description.isEmpty())
            text += u".PP\n"_s + roff(help.description) + u'\n';
        text += roffOptions(help) + roffExamples(help);
    }
    text += u".SH \"EXIT STATUS\"\n"_s + roff(exitStatus) + u'\n';
    text += u".SH \"SEE ALSO\"\n"
            "The README, in /usr/share/doc/hookscope/README.md when installed from the package, "
            "describes the window, the rules file and the protocol's dialects.\n"_s;
    return text;
}

QString bashCompletion(const QList<CommandHelp> &helps)
{
    QStringList commands;
    for (qsizetype i = 1; i < helps.size(); ++i) {
        const QString name = helps.at(i).command.section(u' ', 0, 0);
        if (!commands.contains(name))
            commands << name;
    }
    QString cases;
    for (const CommandHelp &help : helps) {
        QStringList options;
        QStringList values;
        QStringList files;
        for (const QCommandLineOption &option : help.allOptions()) {
            for (const QString &name : option.names()) {
                options << dashed(name);
                if (!option.valueName().isEmpty())
                    values << dashed(name);
                if (takesFile(option))
                    files << dashed(name);
            }
        }
        // `conform` also offers the word that picks its other form (`conform --mta`).
        for (const CommandHelp &other : helps) {
            if (!help.command.isEmpty() && other.command.startsWith(help.command + u' '))
                options << other.command.mid(help.command.size() + 1);
        }
        QString arguments = u"none"_s;
        if (help.command == u"help"_s)
            arguments = u"commands"_s;
        else if (!help.arguments.isEmpty())
            arguments = u"files"_s;
        cases += u"    \""_s + help.command + u"\")\n        options="_s + words(options)
            + u"\n        values="_s + words(values) + u"\n        files="_s + words(files)
            + u"\n        arguments="_s + arguments + u" ;;\n"_s;
    }
    return u"# bash completion for hookscope: written by `hookscope help --bash-completion` from "
           u"the\n"
           "# commands' own option tables.\n"
           "_hookscope()\n"
           "{\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    local commands="_s
        + words(commands)
        + u"\n"
          "    local form= word\n"
          "    if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} != -* ]]; then\n"
          "        form=${COMP_WORDS[1]}\n"
          "    fi\n"
          "    if [[ $form == conform ]]; then\n"
          "        for word in \"${COMP_WORDS[@]:2}\"; do\n"
          "            [[ $word == --mta ]] && form='conform --mta'\n"
          "        done\n"
          "    fi\n"
          "    local options= values= files= arguments=none\n"
          "    case $form in\n"_s
        + cases
        + u"    *) return 0 ;;\n"
          "    esac\n"
          "    if [[ \" $values \" == *\" $prev \"* ]] && ((COMP_CWORD > 1)); then\n"
          "        if [[ \" $files \" == *\" $prev \"* ]]; then\n"
          "            compopt -o filenames 2>/dev/null\n"
          "            COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "        fi\n"
          "        return 0\n"
          "    fi\n"
          "    if ((COMP_CWORD == 1)) && [[ $cur != -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
          "    elif [[ $cur == -* || $arguments == none ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
          "    elif [[ $arguments == commands ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
          "    else\n"
          "        compopt -o filenames 2>/dev/null\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "    return 0\n"
          "}\n"
          "complete -F _hookscope hookscope\n"_s;
}

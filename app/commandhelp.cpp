// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commandhelp.h"

#include <QCommandLineParser>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr int WidestLabelColumn = 34;

} // namespace

QString wrapped(const QString &text, int indent, int width)
{
    QString result;
    int column = indent;
    const QStringList words = text.split(u' ', Qt::SkipEmptyParts);
    for (const QString &word : words) {
        if (column > indent && column + 1 + word.size() > width) {
            result += u'\n' + QString(indent, u' ');
            column = indent;
        } else if (column > indent) {
            result += u' ';
            ++column;
        }
        result += word;
        column += int(word.size());
    }
    return result;
}

QString helpTable(const QList<std::pair<QString, QString>> &rows)
{
    QString text;
    int column = 0;
    for (const auto &[label, description] : rows)
        column = std::max(column, int(label.size()) + 4);
    column = std::min(column, WidestLabelColumn);
    for (const auto &[label, description] : rows) {
        QString line = u"  "_s + label;
        if (line.size() + 2 > column)
            line += u'\n' + QString(column, u' ');
        else
            line = line.leftJustified(column);
        text += line + wrapped(description, column, HelpWidth) + u'\n';
    }
    return text;
}

QString CommandHelp::invocation() const
{
    return command.isEmpty() ? u"hookscope"_s : u"hookscope "_s + command;
}

QString CommandHelp::helpCommand() const
{
    return command.isEmpty() ? u"hookscope help"_s : u"hookscope help "_s + command;
}

QList<QCommandLineOption> CommandHelp::allOptions() const
{
    return options + QList<QCommandLineOption> {helpOption()};
}

QCommandLineOption helpOption()
{
    return QCommandLineOption({u"h"_s, u"help"_s}, u"Print this help and exit."_s);
}

QString dashed(const QString &name)
{
    return (name.size() == 1 ? u"-"_s : u"--"_s) + name;
}

QString optionLabel(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names << dashed(name);
    QString label = names.join(u", "_s);
    if (!option.valueName().isEmpty())
        label += u" <"_s + option.valueName() + u'>';
    return label;
}

QString optionDescription(const QCommandLineOption &option)
{
    const QStringList defaults = option.defaultValues();
    if (defaults.isEmpty() || option.description().contains(u"default"_s))
        return option.description();
    QString description = option.description();
    const bool sentence = description.endsWith(u'.');
    if (sentence)
        description.chop(1);
    description += u" (default: "_s + defaults.join(u", "_s) + u')';
    return sentence ? description + u'.' : description;
}

std::optional<int> parseCommandLine(QCommandLineParser &parser, const CommandHelp &help,
    const QStringList &arguments, const CommandIo &io)
{
    if (io.describe) {
        *io.describe = help;
        return ExitOk;
    }
    parser.setApplicationDescription(help.summary);
    for (const auto &[name, description] : help.arguments)
        parser.addPositionalArgument(name, description);
    parser.addOptions(help.allOptions());
    const bool parsed = parser.parse(arguments);
    if (parser.isSet(u"help"_s)) {
        *io.out << helpText(help);
        io.out->flush();
        return ExitOk;
    }
    if (parsed)
        return std::nullopt;
    const QStringList unknown = parser.unknownOptionNames();
    if (unknown.isEmpty()) {
        QString error = parser.errorText();
        if (!error.isEmpty())
            error[0] = error.at(0).toLower();
        if (error.endsWith(u'.'))
            error.chop(1);
        *io.err << help.invocation() << ": " << error << '\n';
    }
    for (const QString &name : unknown)
        *io.err << help.invocation() << ": unknown option '" << dashed(name) << "'\n";
    *io.err << "see `" << help.helpCommand() << "`\n";
    io.err->flush();
    return ExitUsage;
}

int usageError(const CommandHelp &help, const CommandIo &io)
{
    *io.err << "usage: " << help.invocation() << ' ' << help.synopsis << '\n'
            << "see `" << help.helpCommand() << "`\n";
    io.err->flush();
    return ExitUsage;
}

QString helpText(const CommandHelp &help)
{
    QString text = u"usage: "_s + help.invocation() + u' ' + help.synopsis + u"\n\n"_s
        + wrapped(help.summary, 0, HelpWidth) + u'\n';
    if (!help.description.isEmpty())
        text += u'\n' + wrapped(help.description, 0, HelpWidth) + u'\n';
    if (!help.arguments.isEmpty()) {
        text += u"\nArguments:\n"_s;
        text += helpTable(help.arguments);
    }
    QList<std::pair<QString, QString>> rows;
    for (const QCommandLineOption &option : help.allOptions())
        rows.append({optionLabel(option), optionDescription(option)});
    text += u"\nOptions:\n"_s;
    text += helpTable(rows);
    if (!help.examples.isEmpty()) {
        text += help.examples.size() == 1 ? u"\nExample:\n"_s : u"\nExamples:\n"_s;
        for (const QString &example : help.examples)
            text += u"  "_s + example + u'\n';
    }
    return text;
}

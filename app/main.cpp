// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/applycommand.h"
#include "app/cliio.h"
#include "app/decodecommand.h"
#include "app/servecommand.h"

#include <QCoreApplication>
#include <QStringList>

#include <functional>
#include <map>

namespace {

using Command = std::function<int(const QStringList &, const CommandIo &)>;

const std::map<QString, Command> &commands()
{
    static const std::map<QString, Command> table {
        {QStringLiteral("decode"), runDecodeCommand},
        {QStringLiteral("apply"), runApplyCommand},
        {QStringLiteral("serve"), runServeCommand},
    };
    return table;
}

void printUsage(QTextStream &out)
{
    out << "usage: hookscope [--listen ADDR:PORT] [--db FILE]   open the window\n"
           "       hookscope decode FILE [--json]               decode a request, answer or .eml\n"
           "       hookscope apply REQUEST RESPONSE [--json]    apply an answer as an MTA would\n"
           "       hookscope serve --listen ADDR:PORT [--rules FILE] [--db FILE]\n"
           "                       [--auth SPEC] [--json]       the mock scanner, headless\n";
}

} // namespace

int main(int argc, char *argv[])
{
    const QString command = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();
    const auto found = commands().find(command);
    if (found != commands().end()) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("hookscope"));
        QCoreApplication::setApplicationVersion(QStringLiteral(HOOKSCOPE_VERSION));
        QStringList arguments = QCoreApplication::arguments();
        arguments.removeAt(1); // the command name; QCommandLineParser wants argv[0] first
        return found->second(arguments, standardIo());
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h")
        || command == QLatin1String("help")) {
        QTextStream out(stdout);
        printUsage(out);
        return ExitOk;
    }
    QTextStream err(stderr);
    printUsage(err);
    return ExitUsage;
}

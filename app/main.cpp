// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/application.h"
#include "app/applycommand.h"
#include "app/cliio.h"
#include "app/decodecommand.h"
#include "app/replaycommand.h"
#include "app/servecommand.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QStringList>
#include <QTimer>

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
        {QStringLiteral("replay"), runReplayCommand},
    };
    return table;
}

void printUsage(QTextStream &out)
{
    out << "usage: hookscope [--listen ADDR:PORT] [--db FILE]   open the window\n"
           "       hookscope decode FILE [--json]               decode a request, answer or .eml\n"
           "       hookscope apply REQUEST RESPONSE [--json]    apply an answer as an MTA would\n"
           "       hookscope serve --listen ADDR:PORT [--rules FILE] [--db FILE]\n"
           "                       [--auth SPEC] [--json]       the mock scanner, headless\n"
           "       hookscope replay SESSION... --to URL [--dialect D] [--cbor] [--expect] "
           "[--json]\n"
           "                                                    act as the MTA against a scanner\n";
}

int runWindow(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("hookscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Hookscope"));
    QApplication::setOrganizationName(QStringLiteral("hookscope"));
    QApplication::setApplicationVersion(QStringLiteral(HOOKSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("hookscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Inspector, mock scanner and mock MTA for MTA Hooks."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
        QStringLiteral("Endpoint address and port for this run."), QStringLiteral("addr:port"));
    const QCommandLineOption db(QStringLiteral("db"),
        QStringLiteral("Capture database for this run."), QStringLiteral("file"));
    const QCommandLineOption logRules(QStringLiteral("log-rules"),
        QStringLiteral("Logging rules (QLoggingCategory syntax)."), QStringLiteral("rules"));
    const QCommandLineOption demo(
        QStringLiteral("demo"), QStringLiteral("Run the demo (Help > Run demo) at start."));
    parser.addOptions({listen, db, logRules, demo});
    parser.process(app);
    if (parser.isSet(logRules))
        QLoggingCategory::setFilterRules(
            parser.value(logRules).replace(QLatin1Char(';'), QLatin1Char('\n')));

    StartupOptions options;
    if (parser.isSet(listen)) {
        QHostAddress address;
        quint16 port = 0;
        QString error;
        if (!Mock::EndpointSettings::parseListen(parser.value(listen), &address, &port, &error)) {
            QTextStream(stderr) << error << '\n';
            return ExitUsage;
        }
        options.listenAddress = address;
        options.listenPort = port;
    }
    if (parser.isSet(db))
        options.databasePath = parser.value(db);
    Application application(options);
    if (!application.start())
        return ExitUsage;
    if (parser.isSet(demo))
        QTimer::singleShot(500, &application, [&application] { application.runDemo(); });
    return QApplication::exec();
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
    if (!command.isEmpty() && !command.startsWith(u'-')) {
        // Not a command and not an option: a typo, not a request to open the window.
        QTextStream err(stderr);
        err << "hookscope: unknown command \"" << command << "\"\n";
        printUsage(err);
        return ExitUsage;
    }
    return runWindow(argc, argv);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The window, as a module the hookscope binary loads only when no command is given: the command
// line then starts without loading Qt Widgets, QScintilla and the GUI stack (most of its start-up
// time was the dynamic loader resolving those libraries' symbols).
#include "app/application.h"
#include "app/cliio.h"
#include "app/windowoptions.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLoggingCategory>
#include <QTextStream>
#include <QTimer>

namespace {

int runWindow(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("hookscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Hookscope"));
    QApplication::setOrganizationName(QStringLiteral("hookscope"));
    QApplication::setApplicationVersion(QStringLiteral(HOOKSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("hookscope"));

    // -h/--help and --version never get here: app/main.cpp answers them without loading the GUI.
    QCommandLineParser parser;
    if (const auto exit
        = parseCommandLine(parser, windowHelp(), QCoreApplication::arguments(), standardIo()))
        return *exit;
    const QString listen = QStringLiteral("listen");
    const QString db = QStringLiteral("db");
    const QString logRules = QStringLiteral("log-rules");
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
    if (parser.isSet(QStringLiteral("demo")))
        QTimer::singleShot(500, &application, [&application] { application.runDemo(); });
    return QApplication::exec();
}

} // namespace

extern "C" Q_DECL_EXPORT int hookscope_run_window(int argc, char *argv[])
{
    return runWindow(argc, argv);
}

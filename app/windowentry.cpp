// SPDX-License-Identifier: GPL-3.0-or-later
// The window, as a module the hookscope binary loads only when no command is given: the command
// line then starts without loading Qt Widgets, QScintilla and the GUI stack (most of its start-up
// time was the dynamic loader resolving those libraries' symbols).
#include "app/application.h"
#include "app/cliio.h"

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

extern "C" Q_DECL_EXPORT int hookscope_run_window(int argc, char *argv[])
{
    return runWindow(argc, argv);
}

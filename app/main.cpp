// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cliio.h"
#include "app/commands.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <dlfcn.h>

#include <cstdio>
#include <cstring>

namespace {

// The window lives in a module beside the binary (build tree) or in ../lib/hookscope (installed).
int runWindow(int argc, char *argv[])
{
    const QString exeDir
        = QFileInfo(QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath()).path();
    const QStringList candidates {
        exeDir + QStringLiteral("/hookscope_window.so"),
        exeDir + QStringLiteral("/../lib/hookscope/hookscope_window.so"),
    };
    QStringList tried;
    for (const QString &candidate : candidates) {
        if (!QFileInfo::exists(candidate)) {
            tried << candidate;
            continue;
        }
        void *module = ::dlopen(QFile::encodeName(candidate).constData(), RTLD_NOW | RTLD_LOCAL);
        if (!module) {
            QTextStream(stderr) << "hookscope: cannot load the window: " << ::dlerror() << '\n';
            return ExitUsage;
        }
        using Entry = int (*)(int, char **);
        auto entry = reinterpret_cast<Entry>(::dlsym(module, "hookscope_run_window"));
        if (!entry) {
            QTextStream(stderr) << "hookscope: " << candidate << " is not the window module\n";
            return ExitUsage;
        }
        return entry(argc, argv);
    }
    QTextStream(stderr) << "hookscope: the window module is missing (looked at "
                        << tried.join(QStringLiteral(", ")) << ")\n";
    return ExitUsage;
}

} // namespace

int main(int argc, char *argv[])
{
    QString command = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();
    // Before any QCoreApplication: the version is all that is printed (no platform or
    // QStandardPaths warning, e.g. about XDG_RUNTIME_DIR), so scripts can read it.
    if (command == QLatin1String("--version") || command == QLatin1String("-v")) {
        std::fputs("hookscope " HOOKSCOPE_VERSION "\n", stdout);
        return ExitOk;
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h"))
        command = QStringLiteral("help");
    if (const CommandFunction run = findCommand(command)) {
        // The commands have no window to integrate with GLib's main loop: Qt's own UNIX event
        // dispatcher costs less per socket notifier turned on and off, which `serve` does twice
        // per answered call (issue 12: ~15% more calls per second). Set before the application
        // so that every thread's dispatcher is the same kind; a user's own setting wins.
        if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
            qputenv("QT_NO_GLIB", "1");
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("hookscope"));
        QCoreApplication::setApplicationVersion(QStringLiteral(HOOKSCOPE_VERSION));
        QStringList arguments = QCoreApplication::arguments();
        arguments.removeAt(1); // the command name; QCommandLineParser wants argv[0] first
        return run(arguments, standardIo());
    }
    if (!command.isEmpty() && !command.startsWith(u'-')) {
        // Not a command and not an option: a typo, not a request to open the window.
        QTextStream(stderr) << "hookscope: unknown command \"" << command
                            << "\"\nsee `hookscope help`\n";
        return ExitUsage;
    }
    // The window's help is the overview, which names the commands as well as the window's options.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            QTextStream(stdout) << overviewText();
            return ExitOk;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::fputs("hookscope " HOOKSCOPE_VERSION "\n", stdout);
            return ExitOk;
        }
    }
    return runWindow(argc, argv);
}

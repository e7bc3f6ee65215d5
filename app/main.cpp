// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/applycommand.h"
#include "app/cliio.h"
#include "app/conformcommand.h"
#include "app/decodecommand.h"
#include "app/replaycommand.h"
#include "app/servecommand.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <dlfcn.h>

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
        {QStringLiteral("conform"), runConformCommand},
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
           "                                                    act as the MTA against a scanner\n"
           "       hookscope conform --scanner URL [--dialect D] [--auth SPEC] [--junit FILE] "
           "[--json]\n"
           "                                                    check a scanner against the "
           "protocol\n"
           "       hookscope conform --mta --listen ADDR:PORT [--duration S] [--auth SPEC]\n"
           "                         [--junit FILE] [--json]    check an MTA against the "
           "protocol\n";
}

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

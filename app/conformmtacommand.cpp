// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformmtacommand.h"

#include "app/commandhelp.h"
#include "app/conformoutput.h"

#include "mock/conform/conformreport.h"
#include "mock/conform/mtaobserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

constexpr int MaxDurationSeconds = 24 * 3600;

} // namespace

int runConformMtaCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption mta(u"mta"_s, u"Check an MTA: act as its scanner."_s);
    const QCommandLineOption listen(
        u"listen"_s, u"Where the MTA calls: ADDR:PORT (port 0: any free port)."_s, u"addr"_s);
    const QCommandLineOption duration(
        u"duration"_s, u"Seconds to wait for the MTA to finish (default 60)."_s, u"s"_s, u"60"_s);
    const QCommandLineOption auth(u"auth"_s,
        u"What the MTA must present: none, bearer:TOKEN or basic:USER:PASS."_s, u"spec"_s,
        u"none"_s);
    const QCommandLineOption junit(u"junit"_s, u"Also write JUnit XML to FILE."_s, u"file"_s);
    const QCommandLineOption json(u"json"_s, u"Print the report as one JSON document."_s);
    const CommandHelp help {
        .command = u"conform --mta"_s,
        .synopsis = u"--listen ADDR:PORT [OPTION]..."_s,
        .summary = u"Wait for an MTA and check it against the protocol."_s,
        .description = u"Acts as the MTA's scanner, answers some of its calls with faults and "
                       "scores what it does; exit 1 when a MUST fails, 2 when no MTA called."_s,
        .options = {mta, listen, duration, auth, junit, json},
        .examples = {u"hookscope conform --mta --listen 127.0.0.1:8025 --duration 120 --junit "
                     "mta.xml"_s},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (!parser.isSet(listen) || !parser.positionalArguments().isEmpty())
        return usageError(help, io);
    Mock::EndpointSettings settings;
    QString error;
    if (!Mock::EndpointSettings::parseListen(
            parser.value(listen), &settings.address, &settings.port, &error)) {
        *io.err << error << '\n';
        return ExitUsage;
    }
    const auto withAuth = Mock::EndpointSettings::withAuth(settings, parser.value(auth), &error);
    if (!withAuth) {
        *io.err << "--auth: " << error << '\n';
        return ExitUsage;
    }
    settings = *withAuth;
    bool ok = false;
    const int seconds = parser.value(duration).toInt(&ok);
    if (!ok || seconds < 1 || seconds > MaxDurationSeconds) {
        *io.err << "--duration needs a whole number of seconds from 1 to " << MaxDurationSeconds
                << '\n';
        return ExitUsage;
    }

    Conform::MtaObserver observer;
    if (!observer.listen(settings)) {
        *io.err << "cannot listen on " << parser.value(listen) << ": " << observer.errorString()
                << '\n';
        return ExitUsage;
    }
    // Said at once (and flushed) so that whoever starts the MTA knows where to point it.
    *io.err << "hookscope conform --mta: listening on " << observer.url() << " for up to "
            << seconds << " s (discovery at " << observer.url() << "/.well-known/mta-hooks)\n";
    io.err->flush();
    QObject::connect(
        &observer, &Conform::MtaObserver::finished, &observer, [] { QCoreApplication::quit(); });
    QTimer::singleShot(seconds * 1000, &observer, &Conform::MtaObserver::stop);
    QCoreApplication::exec();

    Conform::Report report;
    report.scanner = u"MTA calling "_s + observer.url();
    report.results = observer.results();
    report.unreachable = observer.observation().exchanges.isEmpty();
    if (observer.observation().callLimitReached) {
        *io.err << "stopped watching after " << observer.observation().exchanges.size()
                << " calls; scored on those\n";
    }
    const bool asJson = parser.isSet(json);
    if (!asJson) {
        for (const Conform::Result &result : report.results)
            printConformResult(result, *io.out, 40);
    }
    if (!finishConformReport(
            report, asJson, QJsonObject {{u"mode"_s, u"mta"_s}}, parser.value(junit), io))
        return ExitUsage;
    if (report.unreachable) {
        *io.err << "no MTA called " << observer.url() << " within " << seconds << " s\n";
        return ExitUsage;
    }
    return report.mustFailures() == 0 ? ExitOk : ExitProblems;
}

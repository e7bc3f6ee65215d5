// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformmtacommand.h"

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

void printResult(const Conform::Result &result, QTextStream &out)
{
    out << Conform::statusName(result.status) << "  "
        << Conform::levelName(result.level).leftJustified(6) << "  "
        << result.clause.leftJustified(40) << "  " << result.title << '\n';
    if (!result.detail.isEmpty() && result.status != Conform::Status::Pass)
        out << "      " << result.detail << '\n';
    if (result.status != Conform::Status::Fail)
        return;
    for (const QString &line : Conform::evidenceText(result).split(u'\n'))
        out << "        " << line << '\n';
}

} // namespace

int runConformMtaCommand(const QStringList &arguments, const CommandIo &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Wait for an MTA and check it against the protocol."_s);
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
    parser.addOptions({mta, listen, duration, auth, junit, json});
    if (!parser.parse(arguments) || !parser.isSet(listen)
        || !parser.positionalArguments().isEmpty()) {
        *io.err << (parser.errorText().isEmpty()
                ? u"usage: hookscope conform --mta --listen ADDR:PORT [--duration S] "
                  "[--auth SPEC] [--junit FILE] [--json]"_s
                : parser.errorText())
                << '\n';
        return ExitUsage;
    }
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
    const bool asJson = parser.isSet(json);
    if (asJson) {
        QJsonObject document = Conform::jsonReport(report);
        document.insert(u"mode"_s, u"mta"_s);
        *io.out << QJsonDocument(document).toJson(QJsonDocument::Indented);
    } else {
        for (const Conform::Result &result : report.results)
            printResult(result, *io.out);
        *io.out << report.count(Conform::Status::Pass) << " passed, "
                << report.count(Conform::Status::Fail) << " failed (" << report.mustFailures()
                << " MUST), " << report.count(Conform::Status::Skip) << " skipped\n";
    }
    io.out->flush();
    if (parser.isSet(junit)) {
        QSaveFile file(parser.value(junit));
        if (!file.open(QIODevice::WriteOnly) || file.write(Conform::junitXml(report)) < 0
            || !file.commit()) {
            *io.err << "cannot write " << parser.value(junit) << ": " << file.errorString() << '\n';
            return ExitUsage;
        }
    }
    if (report.unreachable) {
        *io.err << "no MTA called " << observer.url() << " within " << seconds << " s\n";
        return ExitUsage;
    }
    return report.mustFailures() == 0 ? ExitOk : ExitProblems;
}

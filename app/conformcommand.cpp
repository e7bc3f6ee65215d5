// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformcommand.h"

#include "app/commandhelp.h"
#include "app/conformoutput.h"

#include "app/conformmtacommand.h"

#include "mock/conform/conformreport.h"
#include "mock/conform/conformrunner.h"
#include "mock/conform/conformtarget.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

using namespace Qt::StringLiterals;

int runConformCommand(const QStringList &arguments, const CommandIo &io)
{
    if (arguments.contains(u"--mta"_s))
        return runConformMtaCommand(arguments, io);
    const QCommandLineOption scanner(u"scanner"_s,
        u"The scanner: its base URL (drafts; discovery at /.well-known/mta-hooks) or hook URL "
        "(stalwart)."_s,
        u"url"_s);
    const QCommandLineOption dialect(
        u"dialect"_s, u"draft-01 (default), draft-02 or stalwart."_s, u"d"_s, u"draft-01"_s);
    const QCommandLineOption auth(
        u"auth"_s, u"none, bearer:TOKEN or basic:USER:PASS."_s, u"spec"_s, u"none"_s);
    const QCommandLineOption junit(u"junit"_s, u"Also write JUnit XML to FILE."_s, u"file"_s);
    const QCommandLineOption json(u"json"_s, u"Print the report as one JSON document."_s);
    const QCommandLineOption timeout(
        u"timeout"_s, u"Per-request timeout in ms."_s, u"ms"_s, u"10000"_s);
    const QCommandLineOption insecure(u"insecure"_s, u"Accept invalid TLS certificates."_s);
    const QCommandLineOption cacert(
        u"cacert"_s, u"Trust the CAs in this PEM file instead of the system's."_s, u"file"_s);
    const QCommandLineOption tlsCert(
        u"tls-cert"_s, u"Client certificate (PEM) for mTLS to the scanner."_s, u"file"_s);
    const QCommandLineOption tlsKey(
        u"tls-key"_s, u"The client certificate's private key (PEM)."_s, u"file"_s);
    const CommandHelp help {
        .command = u"conform"_s,
        .synopsis = u"--scanner URL [OPTION]..."_s,
        .summary = u"Check a scanner against the protocol, like h2spec."_s,
        .description = u"Prints one line per check with the clause it tests; exit 1 when a MUST "
                       "fails, 2 when the scanner does not answer. To check an MTA instead, see "
                       "`hookscope help conform --mta`."_s,
        .options
        = {scanner, dialect, auth, junit, json, timeout, insecure, cacert, tlsCert, tlsKey},
        .examples = {u"hookscope conform --scanner https://scanner.example:8443 --auth "
                     "bearer:TOKEN --junit conform.xml"_s,
            u"hookscope conform --scanner http://127.0.0.1:8025/hook --dialect stalwart --json"_s},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (!parser.isSet(scanner) || !parser.positionalArguments().isEmpty())
        return usageError(help, io);
    Conform::TargetError targetError;
    const auto checked = Conform::makeTarget(
        {parser.value(scanner), parser.value(dialect), parser.value(auth)}, &targetError);
    if (!checked) {
        switch (targetError.field) {
        case Conform::TargetError::Field::Url:
            *io.err << "--scanner " << targetError.message << '\n';
            break;
        case Conform::TargetError::Field::Dialect:
            *io.err << targetError.message << '\n';
            break;
        case Conform::TargetError::Field::Auth:
            *io.err << "--auth: " << targetError.message << '\n';
            break;
        }
        return ExitUsage;
    }
    Conform::Target target = *checked;
    bool ok = false;
    target.timeoutMs = parser.value(timeout).toInt(&ok);
    if (!ok || target.timeoutMs < 1) {
        *io.err << "--timeout needs a whole number of milliseconds\n";
        return ExitUsage;
    }
    target.allowInvalidCertificates = parser.isSet(insecure);
    target.tls = {parser.value(cacert), parser.value(tlsCert), parser.value(tlsKey)};
    // Said before anything is sent: every https call would fail with it.
    const QString tlsError = Mock::ClientTls::load(target.tls).error;
    if (!tlsError.isEmpty()) {
        *io.err << tlsError << '\n';
        return ExitUsage;
    }

    const bool asJson = parser.isSet(json);
    Conform::Runner runner;
    QObject::connect(&runner, &Conform::Runner::checkFinished, &runner,
        [&io, asJson](const Conform::Result &result) {
            if (asJson)
                return;
            printConformResult(result, *io.out, 48);
            io.out->flush();
        });
    QObject::connect(
        &runner, &Conform::Runner::finished, &runner, [] { QCoreApplication::quit(); });
    runner.start(target);
    QCoreApplication::exec();

    Conform::Report report;
    report.scanner = target.url.toString();
    report.dialect = target.dialect;
    report.results = runner.results();
    report.unreachable = runner.unreachable();
    if (!finishConformReport(report, asJson, {}, parser.value(junit), io))
        return ExitUsage;
    if (report.unreachable) {
        *io.err << "the scanner at " << report.scanner << " did not answer\n";
        return ExitUsage;
    }
    return runner.mustsPass() ? ExitOk : ExitProblems;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/applycommand.h"

#include "app/commandhelp.h"
#include "app/jsonview.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/judge.h"

#include <QCommandLineParser>
#include <QJsonDocument>

using namespace MtaHooks;

namespace {

void printSummary(const Outcome &outcome, QTextStream &out)
{
    out << dialectName(outcome.dialect) << "  " << stageName(outcome.stage) << "  action "
        << actionName(outcome.action) << "  (" << verdictName(outcome.verdict) << ")\n";
    if (!outcome.reply.isEmpty())
        out << "reply     " << outcome.reply.toString() << '\n';
    if (outcome.disconnect)
        out << "          the connection is closed\n";
    if (outcome.envelope.present) {
        out << "envelope  "
            << (outcome.envelope.from.address.isEmpty() ? QStringLiteral("<>")
                                                        : outcome.envelope.from.address)
            << " -> " << outcome.envelope.recipients().join(u", ")
            << (outcome.envelopeChanged ? "  (changed)" : "") << '\n';
    }
    if (outcome.hasMessage) {
        out << "message   " << outcome.message.size() << " bytes"
            << (outcome.messageChanged ? " (changed)" : " (unchanged)") << '\n';
        out << "----\n" << QString::fromUtf8(outcome.message);
        if (!outcome.message.endsWith('\n'))
            out << '\n';
        out << "----\n";
    }
    for (const Problem &problem : outcome.problems) {
        out << severityName(problem.severity).leftJustified(8)
            << (problemPlace(problem).isEmpty() ? QStringLiteral("(document)")
                                                : problemPlace(problem))
            << "  " << problem.message << '\n';
    }
}

} // namespace

int runApplyCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print JSON."));
    const QCommandLineOption dialectOption(QStringLiteral("dialect"),
        QStringLiteral("Force the request's dialect (stalwart, draft-01, draft-02)."),
        QStringLiteral("dialect"));
    const QCommandLineOption statusOption(QStringLiteral("status"),
        QStringLiteral("HTTP status of the answer (default 200, or 204 for an empty file)."),
        QStringLiteral("code"));
    const QCommandLineOption noTempfailOption(QStringLiteral("no-tempfail"),
        QStringLiteral("Stalwart with tempFailOnError off: a broken answer is skipped."));
    const CommandHelp help {
        .command = QStringLiteral("apply"),
        .synopsis = QStringLiteral("REQUEST RESPONSE [OPTION]..."),
        .summary = QStringLiteral("Apply a scanner's answer to a hook request as an MTA would."),
        .description = QStringLiteral("Prints the action, the SMTP reply, the envelope and the "
                                      "message the MTA goes on with, and every problem of the "
                                      "answer; exit 1 when one is an error."),
        .arguments = {{QStringLiteral("REQUEST"), QStringLiteral("hook request file")},
            {QStringLiteral("RESPONSE"), QStringLiteral("scanner answer file")}},
        .options = {jsonOption, dialectOption, statusOption, noTempfailOption},
        .examples = {QStringLiteral("hookscope apply request.json answer.json"),
            QStringLiteral("hookscope apply request.json empty-answer --status 503 --json")},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (parser.positionalArguments().size() != 2)
        return usageError(help, io);
    DecodeOptions requestOptions;
    if (parser.isSet(dialectOption)) {
        const auto dialect = dialectFromName(parser.value(dialectOption));
        if (!dialect) {
            *io.err << "unknown dialect: " << parser.value(dialectOption) << '\n';
            return ExitUsage;
        }
        requestOptions.dialect = *dialect;
    }
    QByteArray requestBytes;
    QByteArray responseBytes;
    QString error;
    if (!readWholeFile(parser.positionalArguments().at(0), &requestBytes, &error)
        || !readWholeFile(parser.positionalArguments().at(1), &responseBytes, &error)) {
        *io.err << error << '\n';
        return ExitUsage;
    }
    int status = responseBytes.trimmed().isEmpty() ? 204 : 200;
    if (parser.isSet(statusOption)) {
        bool ok = false;
        status = parser.value(statusOption).toInt(&ok);
        if (!ok || status < 100 || status > 999) {
            *io.err << "invalid --status\n";
            return ExitUsage;
        }
    }

    const HookRequest request = decodeRequest(requestBytes, {}, requestOptions);
    ApplyOptions applyOptions;
    applyOptions.tempFailOnError = !parser.isSet(noTempfailOption);
    const Judgement judgement
        = judgeAnswer(request, {status, QByteArray(), responseBytes, QString()}, applyOptions);
    Outcome outcome = judgement.outcome;
    outcome.problems = withOrigin(request.problems, ProblemOrigin::Request) + judgement.problems;

    if (parser.isSet(jsonOption)) {
        const QJsonObject json {
            {QStringLiteral("dialect"), JsonView::stringOrNull(dialectName(outcome.dialect))},
            {QStringLiteral("stage"), JsonView::stringOrNull(request.stageName)},
            {QStringLiteral("action"), JsonView::stringOrNull(actionName(outcome.action))},
            {QStringLiteral("verdict"), JsonView::stringOrNull(verdictName(outcome.verdict))},
            {QStringLiteral("reply"), JsonView::reply(outcome.reply)},
            {QStringLiteral("disconnect"), outcome.disconnect},
            {QStringLiteral("envelope"), JsonView::envelope(outcome.envelope)},
            {QStringLiteral("message"),
                outcome.hasMessage ? QJsonValue(QString::fromUtf8(outcome.message))
                                   : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("messageChanged"), outcome.messageChanged},
            {QStringLiteral("malformed"), outcome.malformed},
            {QStringLiteral("problems"), JsonView::problems(outcome.problems)},
        };
        *io.out << QJsonDocument(json).toJson(QJsonDocument::Indented);
    } else {
        printSummary(outcome, *io.out);
    }
    io.out->flush();
    return hasErrors(outcome.problems) ? ExitProblems : ExitOk;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/replaycommand.h"

#include "app/jsonview.h"
#include "mock/capture/sessionfile.h"
#include "mock/mta/requestbuilder.h"
#include "mock/mta/sessionreplayer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

double ms(qint64 us)
{
    return double(us) / 1000.0;
}

void printStage(const Mock::ReplayResult &session, const Mock::StageResult &stage, bool json,
                QTextStream &out)
{
    const QString expectation = !stage.expected
        ? QString()
        : (stage.expectationFailures.isEmpty() ? u"pass"_s : u"fail"_s);
    if (json) {
        QJsonObject line{
            {u"type"_s, u"stage"_s},
            {u"session"_s, session.sessionId},
            {u"stage"_s, stage.stageName},
            {u"recipient"_s, JsonView::stringOrNull(stage.recipient)},
            {u"status"_s, stage.httpStatus},
            {u"action"_s, JsonView::stringOrNull(actionName(stage.outcome.action))},
            {u"verdict"_s, JsonView::stringOrNull(verdictName(stage.outcome.verdict))},
            {u"reply"_s, JsonView::reply(stage.outcome.reply)},
            {u"latencyMs"_s, ms(stage.latencyUs)},
            {u"attempts"_s, stage.attempts},
            {u"malformed"_s, stage.outcome.malformed},
            {u"error"_s, JsonView::stringOrNull(stage.transportError)},
            {u"expectation"_s, JsonView::stringOrNull(expectation)},
            {u"failures"_s, QJsonArray::fromStringList(stage.expectationFailures)},
            {u"problems"_s, int(stage.outcome.problems.size())},
        };
        out << QJsonDocument(line).toJson(QJsonDocument::Compact) << '\n';
    } else {
        out << session.sessionId.left(24).leftJustified(24) << "  "
            << QString(stage.stageName
                       + (stage.recipient.isEmpty() ? QString() : QString(u' ' + stage.recipient)))
                   .leftJustified(28)
            << "  " << verdictName(stage.outcome.verdict).leftJustified(10) << "  "
            << stage.outcome.reply.toString().left(40).leftJustified(40) << "  "
            << QString::number(ms(stage.latencyUs), 'f', 1).rightJustified(7) << " ms";
        if (!stage.transportError.isEmpty())
            out << "  error: " << stage.transportError;
        if (!expectation.isEmpty())
            out << "  " << expectation.toUpper();
        for (const QString &failure : stage.expectationFailures)
            out << "  (" << failure << ')';
        out << '\n';
    }
    out.flush();
}

} // namespace

int runReplayCommand(const QStringList &arguments, const CommandIo &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Act as the MTA: replay sessions to a scanner."_s);
    parser.addPositionalArgument(u"SESSION"_s, u"Session files (.json) or messages (.eml)."_s);
    const QCommandLineOption to(u"to"_s, u"The scanner's hook URL."_s, u"url"_s);
    const QCommandLineOption dialect(u"dialect"_s, u"stalwart, draft-01 or draft-02."_s, u"d"_s);
    const QCommandLineOption cbor(u"cbor"_s, u"Send CBOR (drafts)."_s);
    const QCommandLineOption auth(u"auth"_s, u"none, bearer:TOKEN or basic:USER:PASS."_s, u"spec"_s);
    const QCommandLineOption concurrency(u"concurrency"_s, u"Sessions at a time."_s, u"n"_s, u"1"_s);
    const QCommandLineOption expect(u"expect"_s, u"Check the sessions' expectations."_s);
    const QCommandLineOption json(u"json"_s, u"One JSON object per line, then a summary."_s);
    const QCommandLineOption mailFrom(u"mail-from"_s, u"Envelope sender for .eml files."_s, u"addr"_s);
    const QCommandLineOption rcpt(u"rcpt"_s, u"Recipient for .eml files (repeatable)."_s, u"addr"_s);
    const QCommandLineOption timeout(u"timeout"_s, u"Per-call timeout in ms."_s, u"ms"_s, u"30000"_s);
    const QCommandLineOption insecure(u"insecure"_s, u"Accept invalid TLS certificates."_s);
    const QCommandLineOption noDiscovery(u"no-discovery"_s, u"Drafts: skip discovery."_s);
    const QCommandLineOption noRegister(u"no-register"_s, u"Drafts: do not register."_s);
    const QCommandLineOption repeat(u"repeat"_s, u"Replay every session N times (load)."_s, u"n"_s,
                                    u"1"_s);
    parser.addOptions({to, dialect, cbor, auth, concurrency, expect, json, mailFrom, rcpt, timeout,
                       insecure, noDiscovery, noRegister, repeat});
    if (!parser.parse(arguments) || parser.positionalArguments().isEmpty() || !parser.isSet(to)) {
        *io.err << (parser.errorText().isEmpty()
                        ? u"usage: hookscope replay SESSION... --to URL [--dialect D] [--cbor] "
                          "[--auth SPEC] [--concurrency N] [--expect] [--json]"_s
                        : parser.errorText())
                << '\n';
        return ExitUsage;
    }
    Mock::ReplayTarget target;
    target.url = QUrl(parser.value(to));
    if (!target.url.isValid() || (target.url.scheme() != u"http"_s && target.url.scheme() != u"https"_s)) {
        *io.err << "--to needs an http:// or https:// URL\n";
        return ExitUsage;
    }
    std::optional<Dialect> forcedDialect;
    if (parser.isSet(dialect)) {
        forcedDialect = dialectFromName(parser.value(dialect));
        if (!forcedDialect) {
            *io.err << "unknown dialect: " << parser.value(dialect) << '\n';
            return ExitUsage;
        }
    }
    target.encoding = parser.isSet(cbor) ? Encoding::Cbor : Encoding::Json;
    target.auth = parser.value(auth).isEmpty() ? u"none"_s : parser.value(auth);
    target.timeoutMs = qMax(1, parser.value(timeout).toInt());
    target.allowInvalidCertificates = parser.isSet(insecure);
    target.discover = !parser.isSet(noDiscovery);
    target.registerMta = !parser.isSet(noRegister);

    QList<Mock::SessionRecording> sessions;
    for (const QString &path : parser.positionalArguments()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            *io.err << "cannot read " << path << ": " << file.errorString() << '\n';
            return ExitUsage;
        }
        const QByteArray bytes = file.readAll();
        if (QFileInfo(path).suffix().toLower() == u"eml"_s || !bytes.trimmed().startsWith('{')) {
            const QStringList recipients = parser.values(rcpt);
            if (!parser.isSet(mailFrom) || recipients.isEmpty()) {
                *io.err << path << ": a message needs --mail-from ADDR and at least one --rcpt ADDR\n";
                return ExitUsage;
            }
            sessions.append(Mock::sessionFromMessage(bytes, parser.value(mailFrom), recipients));
            continue;
        }
        QString error;
        const auto read = Mock::SessionFile::read(bytes, &error);
        if (!read) {
            *io.err << path << ": " << error << '\n';
            return ExitUsage;
        }
        sessions += *read;
    }
    if (sessions.isEmpty()) {
        *io.err << "no sessions to replay\n";
        return ExitUsage;
    }
    // One dialect per run: forced, or the first session's, or Stalwart's.
    target.dialect = forcedDialect.value_or(sessions.constFirst().dialect == Dialect::Unknown
                                                ? Dialect::Stalwart
                                                : sessions.constFirst().dialect);
    const int copies = qMax(1, parser.value(repeat).toInt());
    if (copies > 1) {
        const QList<Mock::SessionRecording> once = sessions;
        for (int i = 1; i < copies; ++i) {
            for (Mock::SessionRecording copy : once) {
                copy.id += u"#"_s + QString::number(i);
                copy.client.port = 1024 + (copy.client.port + i) % 64000;
                sessions.append(copy);
            }
        }
    }

    const bool asJson = parser.isSet(json);
    Mock::SessionReplayer replayer;
    QObject::connect(&replayer, &Mock::SessionReplayer::sessionFinished, &replayer,
                     [&io, asJson](int, const Mock::ReplayResult &result) {
                         if (!result.error.isEmpty() && !asJson)
                             *io.err << "note: " << result.error << '\n';
                         for (const Mock::StageResult &stage : result.stages)
                             printStage(result, stage, asJson, *io.out);
                         if (!asJson && result.stopped)
                             *io.out << "  stopped: " << result.stopReason << '\n';
                     });
    Mock::ReplaySummary summary;
    QObject::connect(&replayer, &Mock::SessionReplayer::finished, &replayer,
                     [&summary](const Mock::ReplaySummary &s) {
                         summary = s;
                         QCoreApplication::quit();
                     });
    replayer.start(sessions, target, qMax(1, parser.value(concurrency).toInt()));
    if (replayer.isRunning())
        QCoreApplication::exec();

    const QList<Mock::ReplayResult> results = replayer.results();
    const bool checkExpectations = parser.isSet(expect);
    bool wellFormed = true;
    for (const Mock::ReplayResult &result : results)
        wellFormed = wellFormed && result.allWellFormed();
    const double rate = summary.elapsedMs > 0 ? 1000.0 * summary.sessions / summary.elapsedMs : 0;
    if (asJson) {
        const QJsonObject line{
            {u"type"_s, u"summary"_s},
            {u"sessions"_s, summary.sessions},
            {u"stages"_s, summary.stages},
            {u"failedExpectations"_s, summary.failedExpectations},
            {u"malformedAnswers"_s, summary.malformedAnswers},
            {u"transportErrors"_s, summary.transportErrors},
            {u"elapsedMs"_s, double(summary.elapsedMs)},
            {u"sessionsPerSecond"_s, rate},
            {u"latencyMs"_s, QJsonObject{{u"min"_s, ms(summary.latencyMinUs)},
                                         {u"median"_s, ms(summary.latencyMedianUs)},
                                         {u"p99"_s, ms(summary.latencyP99Us)},
                                         {u"max"_s, ms(summary.latencyMaxUs)}}},
        };
        *io.out << QJsonDocument(line).toJson(QJsonDocument::Compact) << '\n';
    } else {
        *io.out << summary.sessions << " session(s), " << summary.stages << " stage(s) in "
                << summary.elapsedMs << " ms (" << QString::number(rate, 'f', 1)
                << " sessions/s); latency min/median/p99/max "
                << QString::number(ms(summary.latencyMinUs), 'f', 1) << '/'
                << QString::number(ms(summary.latencyMedianUs), 'f', 1) << '/'
                << QString::number(ms(summary.latencyP99Us), 'f', 1) << '/'
                << QString::number(ms(summary.latencyMaxUs), 'f', 1) << " ms\n";
        if (checkExpectations)
            *io.out << summary.failedExpectations << " expectation(s) failed\n";
    }
    io.out->flush();
    if (summary.transportErrors > 0 && summary.transportErrors == summary.stages)
        return ExitUsage; // nothing reached the scanner: a connection problem
    if (checkExpectations)
        return summary.failedExpectations > 0 ? ExitProblems : ExitOk;
    return wellFormed ? ExitOk : ExitProblems;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/replaycommand.h"

#include "app/commandhelp.h"
#include "app/jsonview.h"
#include "mock/mta/hookclient.h"
#include "mock/mta/recordings.h"
#include "mock/mta/replayplan.h"
#include "mock/mta/sessionreplayer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

double ms(qint64 us)
{
    return double(us) / 1000.0;
}

QString expectationText(const Mock::StageResult &stage)
{
    if (!stage.expected)
        return {};
    return stage.expectationFailures.isEmpty() ? u"pass"_s : u"fail"_s;
}

void printStage(
    const Mock::ReplayResult &session, const Mock::StageResult &stage, bool json, QTextStream &out)
{
    const QString expectation = expectationText(stage);
    const bool sent = stage.attempts > 0;
    if (json) {
        QJsonObject line {
            {u"type"_s, u"stage"_s},
            {u"session"_s, session.sessionId},
            {u"stage"_s, stage.stageName},
            {u"recipient"_s, JsonView::stringOrNull(stage.recipient)},
            {u"status"_s, stage.httpStatus},
            {u"action"_s,
                JsonView::stringOrNull(sent ? actionName(stage.outcome.action) : QString())},
            {u"verdict"_s,
                JsonView::stringOrNull(sent ? verdictName(stage.outcome.verdict) : QString())},
            {u"reply"_s, JsonView::reply(stage.outcome.reply)},
            {u"latencyMs"_s, ms(stage.latencyUs)},
            {u"attempts"_s, stage.attempts},
            {u"malformed"_s, stage.outcome.malformed},
            {u"error"_s, JsonView::stringOrNull(stage.transportError)},
            {u"expectation"_s, JsonView::stringOrNull(expectation)},
            {u"failures"_s, QJsonArray::fromStringList(stage.expectationFailures)},
            {u"problems"_s, int(stage.outcome.problems.size())},
            {u"skipped"_s, JsonView::stringOrNull(stage.skipped)},
        };
        if (stage.stage == Stage::Data && sent) {
            // What the message became (compare runs, or with `hookscope apply`).
            const bool kept = stage.outcome.hasMessage;
            line.insert(u"messageChanged"_s, stage.outcome.messageChanged);
            line.insert(u"messageSize"_s,
                kept ? QJsonValue(double(stage.outcome.message.size())) : QJsonValue());
            line.insert(u"messageSha256"_s,
                kept ? QJsonValue(QString::fromLatin1(
                    QCryptographicHash::hash(stage.outcome.message, QCryptographicHash::Sha256)
                        .toHex()))
                     : QJsonValue());
        }
        out << QJsonDocument(line).toJson(QJsonDocument::Compact) << '\n';
        return;
    }
    QString action = sent ? actionName(stage.outcome.action)
                          : (stage.skipped.isEmpty() ? u"-"_s : u"skipped"_s);
    const QString verdict = verdictName(stage.outcome.verdict);
    if (sent && !verdict.isEmpty() && verdict != action)
        action += u" ("_s + verdict + u')';
    out << session.sessionId.left(24).leftJustified(24) << "  "
        << QString(stage.stageName
               + (stage.recipient.isEmpty() ? QString() : QString(u' ' + stage.recipient)))
               .leftJustified(28)
        << "  " << action.leftJustified(20) << "  "
        << stage.outcome.reply.toString().left(40).leftJustified(40) << "  "
        << QString::number(ms(stage.latencyUs), 'f', 1).rightJustified(7) << " ms";
    if (stage.attempts > 1)
        out << "  " << stage.attempts << " attempts";
    if (!stage.skipped.isEmpty())
        out << "  " << stage.skipped;
    if (!stage.transportError.isEmpty())
        out << "  error: " << stage.transportError;
    else if (stage.outcome.malformed)
        out << "  malformed answer";
    if (!expectation.isEmpty())
        out << "  " << expectation.toUpper();
    for (const QString &failure : stage.expectationFailures)
        out << "  (" << failure << ')';
    out << '\n';
}

QJsonObject latencyJson(const Mock::LatencyFigures &figures)
{
    return QJsonObject {{u"count"_s, figures.count}, {u"min"_s, ms(figures.minUs)},
        {u"median"_s, ms(figures.medianUs)}, {u"p99"_s, ms(figures.p99Us)},
        {u"max"_s, ms(figures.maxUs)}};
}

std::optional<int> positiveNumber(const QCommandLineParser &parser,
    const QCommandLineOption &option, int minimum, QTextStream &err)
{
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < minimum) {
        err << "--" << option.names().constFirst() << " needs a whole number of at least "
            << minimum << ", not \"" << parser.value(option) << "\"\n";
        return std::nullopt;
    }
    return value;
}

} // namespace

int runReplayCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption to(u"to"_s, u"The scanner's hook URL."_s, u"url"_s);
    const QCommandLineOption dialect(u"dialect"_s, u"stalwart, draft-01 or draft-02."_s, u"d"_s);
    const QCommandLineOption cbor(u"cbor"_s, u"Send CBOR (drafts)."_s);
    const QCommandLineOption auth(
        u"auth"_s, u"none, bearer:TOKEN or basic:USER:PASS."_s, u"spec"_s);
    const QCommandLineOption concurrency(
        u"concurrency"_s, u"Sessions at a time."_s, u"n"_s, u"1"_s);
    const QCommandLineOption expect(u"expect"_s, u"Check the sessions' expectations."_s);
    const QCommandLineOption json(u"json"_s, u"One JSON object per line, then a summary."_s);
    const QCommandLineOption quiet(u"quiet"_s, u"Print the summary only."_s);
    const QCommandLineOption mailFrom(
        u"mail-from"_s, u"Envelope sender for .eml files."_s, u"addr"_s);
    const QCommandLineOption rcpt(
        u"rcpt"_s, u"Recipient for .eml files (repeatable)."_s, u"addr"_s);
    const QCommandLineOption timeout(
        u"timeout"_s, u"Per-call timeout in ms."_s, u"ms"_s, u"30000"_s);
    const QCommandLineOption retries(
        u"retries"_s, u"Drafts: retries of a failed call (5xx, timeout)."_s, u"n"_s, u"3"_s);
    const QCommandLineOption insecure(u"insecure"_s, u"Accept invalid TLS certificates."_s);
    const QCommandLineOption cacert(
        u"cacert"_s, u"Trust the CAs in this PEM file instead of the system's."_s, u"file"_s);
    const QCommandLineOption tlsCert(
        u"tls-cert"_s, u"Client certificate (PEM) for mTLS to the scanner."_s, u"file"_s);
    const QCommandLineOption tlsKey(
        u"tls-key"_s, u"The client certificate's private key (PEM)."_s, u"file"_s);
    const QCommandLineOption noDiscovery(u"no-discovery"_s, u"Drafts: skip discovery."_s);
    const QCommandLineOption noRegister(u"no-register"_s, u"Drafts: do not register."_s);
    const QCommandLineOption registerAt(u"register"_s,
        u"draft-01: register at this URL, without discovery (instead of --to)."_s, u"url"_s);
    const QCommandLineOption hook(u"hook"_s,
        u"Drafts: call this hook URL of a registration provisioned out of band (with "
        "--registration-id; instead of --to)."_s,
        u"url"_s);
    const QCommandLineOption registrationId(u"registration-id"_s,
        u"Drafts: the provisioned registration's id (with --hook)."_s, u"id"_s);
    const QCommandLineOption onError(u"on-error"_s,
        u"What the MTA does when a call fails: tempfail (451 4.3.5), accept or reject."_s,
        u"policy"_s, u"tempfail"_s);
    const QCommandLineOption repeat(
        u"repeat"_s, u"Replay every session N times (load)."_s, u"n"_s, u"1"_s);
    const CommandHelp help {
        .command = u"replay"_s,
        .synopsis = u"SESSION... (--to URL | --register URL | --hook URL --registration-id ID) "
                    "[OPTION]..."_s,
        .summary = u"Act as the MTA: replay sessions to a scanner."_s,
        .description = u"Prints one line per stage (the scanner's action, reply and latency), then "
                       "a summary with latency figures; exit 1 when an answer is malformed or, "
                       "with --expect, an expectation fails."_s,
        .arguments
        = {{u"SESSION"_s, u"Session files (.json), HAR captures (.har) or messages (.eml)."_s}},
        .options = {to, registerAt, hook, registrationId, dialect, cbor, auth, onError, expect,
            json, quiet, mailFrom, rcpt, concurrency, repeat, timeout, retries, insecure, cacert,
            tlsCert, tlsKey, noDiscovery, noRegister},
        .examples = {u"hookscope replay session.json --to http://127.0.0.1:8025/hook --expect"_s,
            u"hookscope replay message.eml --mail-from a@example.org --rcpt b@example.com "
            "--to URL --dialect draft-01 --cbor"_s,
            u"hookscope replay sessions/*.json --to URL --concurrency 8 --repeat 100 --quiet"_s},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    const int targets
        = int(parser.isSet(to)) + int(parser.isSet(registerAt)) + int(parser.isSet(hook));
    if (parser.positionalArguments().isEmpty() || targets == 0)
        return usageError(help, io);
    Mock::ReplayTarget target;
    if (parser.isSet(hook) != parser.isSet(registrationId) || (parser.isSet(hook) && targets > 1)) {
        *io.err << "--hook URL and --registration-id ID go together, without --to or --register\n";
        return ExitUsage;
    }
    for (const QCommandLineOption *option : {&to, &registerAt, &hook}) {
        if (!parser.isSet(*option))
            continue;
        const QUrl url(parser.value(*option));
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != u"http"_s && url.scheme() != u"https"_s)) {
            *io.err << "--" << option->names().constFirst()
                    << " needs an http:// or https:// URL\n";
            return ExitUsage;
        }
    }
    // --to names the hook (or, for the drafts, the scanner whose discovery is asked); --register
    // and --hook name the drafts' endpoints directly.
    target.url
        = QUrl(parser.value(parser.isSet(to) ? to : (parser.isSet(hook) ? hook : registerAt)));
    target.registrationUrl = QUrl(parser.value(registerAt));
    target.registrationId = parser.value(registrationId).toUtf8();
    const auto policy = MtaHooks::failurePolicyFromName(parser.value(onError));
    if (!policy) {
        *io.err << "--on-error must be tempfail, accept or reject\n";
        return ExitUsage;
    }
    target.onError = *policy;
    std::optional<Dialect> forcedDialect;
    if (parser.isSet(dialect)) {
        forcedDialect = dialectFromName(parser.value(dialect));
        if (!forcedDialect) {
            *io.err << "unknown dialect: " << parser.value(dialect) << '\n';
            return ExitUsage;
        }
    }
    const QString authSpec = parser.value(auth).isEmpty() ? u"none"_s : parser.value(auth);
    if (!Mock::HttpAuth::parse(authSpec)) {
        *io.err << "--auth must be none, bearer:TOKEN or basic:USER:PASS\n";
        return ExitUsage;
    }
    const auto lanes = positiveNumber(parser, concurrency, 1, *io.err);
    const auto timeoutMs = positiveNumber(parser, timeout, 1, *io.err);
    const auto retryCount = positiveNumber(parser, retries, 0, *io.err);
    const auto copies = positiveNumber(parser, repeat, 1, *io.err);
    if (!lanes || !timeoutMs || !retryCount || !copies)
        return ExitUsage;
    target.encoding = parser.isSet(cbor) ? Encoding::Cbor : Encoding::Json;
    target.auth = authSpec;
    target.timeoutMs = *timeoutMs;
    target.maxRetries = *retryCount;
    target.allowInvalidCertificates = parser.isSet(insecure);
    target.caCertificatesFile = parser.value(cacert);
    target.clientCertificateFile = parser.value(tlsCert);
    target.clientKeyFile = parser.value(tlsKey);
    // Said before anything is sent: the replayer would fail every https call with it.
    const QString tlsError = Mock::ClientTls::load(
        {target.caCertificatesFile, target.clientCertificateFile, target.clientKeyFile})
                                 .error;
    if (!tlsError.isEmpty()) {
        *io.err << tlsError << '\n';
        return ExitUsage;
    }
    target.discover = !parser.isSet(noDiscovery);
    target.registerMta = !parser.isSet(noRegister);

    Mock::RecordingOptions recordingOptions;
    if (parser.isSet(mailFrom))
        recordingOptions.mailFrom = parser.value(mailFrom);
    recordingOptions.recipients = parser.values(rcpt);
    const Mock::Recordings recordings
        = Mock::readRecordings(parser.positionalArguments(), recordingOptions);
    for (const Mock::RecordingError &error : recordings.errors) {
        if (error.kind == Mock::RecordingError::Kind::NoEnvelope)
            *io.err << error.path
                    << ": a message needs --mail-from ADDR and at least one --rcpt ADDR\n";
        else
            *io.err << error.text() << '\n';
    }
    if (!recordings.errors.isEmpty())
        return ExitUsage;
    QList<Mock::SessionRecording> sessions = recordings.sessions;
    if (sessions.isEmpty()) {
        *io.err << "no sessions to replay\n";
        return ExitUsage;
    }
    // Each session plays in its own recorded dialect unless one is forced; --cbor is for the
    // drafts' sessions (Stalwart's format is JSON only), so it needs at least one.
    target.dialect = forcedDialect.value_or(Mock::ReplayTarget::AsRecorded);
    const QList<Mock::ReplayPass> passes = Mock::planReplay(sessions, target);
    if (target.encoding == Encoding::Cbor
        && std::none_of(passes.cbegin(), passes.cend(),
            [](const Mock::ReplayPass &pass) { return pass.encoding == Encoding::Cbor; })) {
        *io.err << "--cbor: Stalwart's format is JSON only (session " << sessions.constFirst().id
                << ")\n";
        return ExitUsage;
    }
    if (*copies > 1) {
        const QList<Mock::SessionRecording> once = sessions;
        sessions.reserve(once.size() * *copies);
        for (int i = 1; i < *copies; ++i) {
            for (Mock::SessionRecording copy : once) {
                copy.id += u"#"_s + QString::number(i);
                copy.client.port = 1024 + (copy.client.port + i) % 64000;
                sessions.append(copy);
            }
        }
    }

    const bool asJson = parser.isSet(json);
    const bool perStage = !parser.isSet(quiet);
    Mock::SessionReplayer replayer;
    QList<Dialect> setupReported; // the passes whose set-up was reported
    QObject::connect(&replayer, &Mock::SessionReplayer::sessionFinished, &replayer,
        [&io, &setupReported, asJson, perStage](int, const Mock::ReplayResult &result) {
            // The same for every session of a pass (one per dialect): said once per pass.
            if (!setupReported.contains(result.dialect)) {
                setupReported.append(result.dialect);
                for (const QString &note : result.notes)
                    *io.err << "note: " << note << '\n';
                if (!result.error.isEmpty())
                    *io.err << "error: " << result.error << '\n';
                io.err->flush();
            }
            if (!perStage)
                return;
            for (const Mock::StageResult &stage : result.stages)
                printStage(result, stage, asJson, *io.out);
            if (!asJson && result.stopped)
                *io.out << "  stopped: " << result.stopReason << '\n';
            io.out->flush();
        });
    QObject::connect(
        &replayer, &Mock::SessionReplayer::finished, &replayer, [] { QCoreApplication::quit(); });
    replayer.start(sessions, target, *lanes);
    if (replayer.isRunning())
        QCoreApplication::exec();
    const QList<Mock::ReplayResult> results = replayer.results();
    const Mock::ReplaySummary summary = replayer.summary();
    const bool checkExpectations = parser.isSet(expect);
    bool wellFormed = true;
    const QString setupError = summary.setupError;
    for (const Mock::ReplayResult &result : results)
        wellFormed = wellFormed && result.allWellFormed();
    const double seconds = double(qMax<qint64>(1, summary.elapsedMs)) / 1000.0;
    const double rate = summary.sessions / seconds;
    const double callRate = summary.httpCalls / seconds;
    if (asJson) {
        QJsonObject byStage;
        for (const auto &[name, figures] : std::as_const(summary.latencyByStage))
            byStage.insert(name, latencyJson(figures));
        const QJsonObject line {
            {u"type"_s, u"summary"_s},
            {u"sessions"_s, summary.sessions},
            {u"stages"_s, summary.stages},
            {u"calls"_s, summary.httpCalls},
            {u"failedExpectations"_s, summary.failedExpectations},
            {u"malformedAnswers"_s, summary.malformedAnswers},
            {u"transportErrors"_s, summary.transportErrors},
            {u"skippedStages"_s, summary.skippedStages},
            {u"setupError"_s, JsonView::stringOrNull(setupError)},
            {u"elapsedMs"_s, double(summary.elapsedMs)},
            {u"sessionsPerSecond"_s, rate},
            {u"callsPerSecond"_s, callRate},
            {u"latencyMs"_s,
                QJsonObject {{u"min"_s, ms(summary.latencyMinUs)},
                    {u"median"_s, ms(summary.latencyMedianUs)},
                    {u"p99"_s, ms(summary.latencyP99Us)}, {u"max"_s, ms(summary.latencyMaxUs)}}},
            {u"latencyByStage"_s, byStage},
        };
        *io.out << QJsonDocument(line).toJson(QJsonDocument::Compact) << '\n';
    } else {
        *io.out << summary.sessions << " session(s), " << summary.stages << " stage(s), "
                << summary.httpCalls << " call(s) in " << summary.elapsedMs << " ms ("
                << QString::number(rate, 'f', 1) << " sessions/s, "
                << QString::number(callRate, 'f', 1) << " calls/s)\n";
        *io.out << "latency ms        count      min   median      p99      max\n";
        auto row = [&io](const QString &name, const Mock::LatencyFigures &f) {
            *io.out << name.leftJustified(14) << QString::number(f.count).rightJustified(9)
                    << QString::number(ms(f.minUs), 'f', 2).rightJustified(9)
                    << QString::number(ms(f.medianUs), 'f', 2).rightJustified(9)
                    << QString::number(ms(f.p99Us), 'f', 2).rightJustified(9)
                    << QString::number(ms(f.maxUs), 'f', 2).rightJustified(9) << '\n';
        };
        for (const auto &[name, figures] : std::as_const(summary.latencyByStage))
            row(u"  "_s + name, figures);
        Mock::LatencyFigures all;
        for (const auto &entry : std::as_const(summary.latencyByStage))
            all.count += entry.second.count;
        all.minUs = summary.latencyMinUs;
        all.medianUs = summary.latencyMedianUs;
        all.p99Us = summary.latencyP99Us;
        all.maxUs = summary.latencyMaxUs;
        row(u"  all"_s, all);
        if (summary.malformedAnswers > 0 || summary.transportErrors > 0)
            *io.out << summary.malformedAnswers << " failed or malformed answer(s), "
                    << summary.transportErrors << " transport error(s)\n";
        if (summary.skippedStages > 0)
            *io.out << summary.skippedStages << " stage(s) not negotiated, not called\n";
        if (checkExpectations)
            *io.out << summary.failedExpectations << " expectation(s) failed\n";
    }
    io.out->flush();
    if (!setupError.isEmpty())
        return ExitUsage; // discovery or registration failed: said above, nothing was replayed
    if (summary.stages > 0 && summary.transportErrors == summary.stages)
        return ExitUsage; // nothing reached the scanner: a connection problem
    if (checkExpectations)
        return summary.failedExpectations > 0 ? ExitProblems : ExitOk;
    return wellFormed ? ExitOk : ExitProblems;
}

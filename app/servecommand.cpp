// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/servecommand.h"

#include "app/calllog.h"
#include "app/commandhelp.h"

#include "app/signalwatcher.h"
#include "mock/capture/capturestore.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <limits>
#include <type_traits>

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QString defaultDatabase()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return dir + u"/captures.sqlite"_s;
}

// A large call (a data stage carrying its message) passes through several buffers of its size:
// the socket's, the request's, the decoded message's. glibc hands buffers that big out as fresh
// mappings and returns them to the system when freed, so every large call faults all their
// pages in again; on a virtual machine the faults cost more than the copies (issue 12: half of a
// 5 MB call's time on the event loop). Kept in the heap instead, up to a bound, they are reused.
void keepLargeBuffers()
{
#ifdef __GLIBC__
    constexpr int Mapped = 64 * 1024 * 1024; // calls are bounded by --body-limit anyway
    mallopt(M_MMAP_THRESHOLD, Mapped);
    mallopt(M_TRIM_THRESHOLD, 2 * Mapped);
#endif
}

} // namespace

int runServeCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption listenOption(u"listen"_s,
        u"Address and port (default 127.0.0.1:8025)."_s, u"addr:port"_s, u"127.0.0.1:8025"_s);
    const QCommandLineOption rulesOption(
        u"rules"_s, u"Rules file (docs/rules-format.md)."_s, u"file"_s);
    const QCommandLineOption dbOption(
        u"db"_s, u"Capture database (\":memory:\" keeps nothing)."_s, u"file"_s);
    const QCommandLineOption authOption(
        u"auth"_s, u"none, bearer:TOKEN or basic:USER:PASS."_s, u"spec"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"One JSON object per line."_s);
    const QCommandLineOption limitOption(
        u"body-limit"_s, u"Largest request body in bytes."_s, u"bytes"_s);
    const QCommandLineOption holdOption(
        u"hold"_s, u"Hold these stages (comma separated)."_s, u"stages"_s);
    const QCommandLineOption holdTimeoutOption(
        u"hold-timeout"_s, u"Milliseconds before a held call gets the default."_s, u"ms"_s);
    const QCommandLineOption dialectOption(
        u"dialect"_s, u"Decode every request as this dialect."_s, u"dialect"_s);
    const QCommandLineOption draftOption(
        u"draft-answers"_s, u"Answer draft requests as draft-01 or draft-02."_s, u"dialect"_s);
    const QCommandLineOption authFileOption(u"auth-file"_s,
        u"Read the --auth spec from this file (keeps the secret out of the process list)."_s,
        u"file"_s);
    const QCommandLineOption authEnvOption(
        u"auth-env"_s, u"Read the --auth spec from this environment variable."_s, u"name"_s);
    const QCommandLineOption keepCredentialsOption(u"keep-credentials"_s,
        u"Store Authorization, Proxy-Authorization and Cookie as sent (default: redacted)."_s);
    const QCommandLineOption strictOption(u"strict"_s,
        u"Refuse what breaks a draft MUST with the drafts' errors (404 unknown registration, "
        "400 missing request id or invalid request, 409 request id reused with another body, "
        "413 too large); retries get the first answer again. Default: answer and record."_s);
    const QCommandLineOption maxRegistrationsOption(u"max-registrations"_s,
        u"Most active draft registrations at once (default 1000)."_s, u"n"_s);
    const QCommandLineOption depthOption(u"max-depth"_s,
        u"Deepest nesting of a JSON, CBOR or MessagePack body (default 128)."_s, u"levels"_s);
    const QCommandLineOption connectionsOption(
        u"max-connections"_s, u"Open connections in all (default 512)."_s, u"count"_s);
    const QCommandLineOption perPeerOption(u"max-connections-per-peer"_s,
        u"Open connections from one client address (default 64)."_s, u"count"_s);
    const QCommandLineOption headTimeoutOption(u"head-timeout"_s,
        u"Milliseconds a request head may take (default 10000; then 408)."_s, u"ms"_s);
    const QCommandLineOption bodyTimeoutOption(u"body-timeout"_s,
        u"Longest pause in a request body, in milliseconds (default 10000; then 408)."_s, u"ms"_s);
    const QCommandLineOption idleTimeoutOption(u"idle-timeout"_s,
        u"Milliseconds before an idle kept-alive connection is closed (default 30000)."_s, u"ms"_s);
    const QCommandLineOption originOption(u"allow-origin"_s,
        u"Serve browser requests from this origin (repeatable; others get 403)."_s, u"origin"_s);
    const QCommandLineOption tlsCertOption(
        u"tls-cert"_s, u"Serve HTTPS with this PEM certificate (chain)."_s, u"file"_s);
    const QCommandLineOption tlsKeyOption(
        u"tls-key"_s, u"The PEM private key of --tls-cert."_s, u"file"_s);
    const QCommandLineOption tlsClientCaOption(u"tls-client-ca"_s,
        u"Require client certificates signed by these PEM CAs (mTLS)."_s, u"file"_s);
    const QCommandLineOption maxCapturesOption(
        u"max-captures"_s, u"Keep at most N captured calls: the oldest sessions go."_s, u"N"_s);
    const QCommandLineOption maxDbOption(
        u"max-db-mb"_s, u"Keep the capture database under N MB: the oldest sessions go."_s, u"N"_s);
    const CommandHelp help {
        .command = u"serve"_s,
        .synopsis = u"[--listen ADDR:PORT] [OPTION]..."_s,
        .summary = u"Run the mock scanner without a window."_s,
        .description = u"Answers hook calls by the rules, records them in the capture database "
                       "and prints one line per call; stops cleanly on Ctrl+C or SIGTERM."_s,
        .options = {listenOption, rulesOption, dbOption, authOption, authFileOption, authEnvOption,
            jsonOption, limitOption, holdOption, holdTimeoutOption, dialectOption, draftOption,
            strictOption, maxRegistrationsOption, depthOption, connectionsOption, perPeerOption,
            headTimeoutOption, bodyTimeoutOption, idleTimeoutOption, originOption, tlsCertOption,
            tlsKeyOption, tlsClientCaOption, maxCapturesOption, maxDbOption, keepCredentialsOption},
        .examples = {u"hookscope serve --listen 127.0.0.1:8025 --rules rules.json --db :memory:"_s,
            u"hookscope serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem "
            "--auth-file token --json"_s},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (!parser.positionalArguments().isEmpty())
        return usageError(help, io);
    keepLargeBuffers();

    Mock::EndpointSettings settings;
    // Nothing here follows CaptureStore::exchangeSaved: the answers of one event-loop pass share a
    // transaction (each is still committed before it is written).
    settings.groupCommit = true;
    QString error;
    if (!Mock::EndpointSettings::parseListen(
            parser.value(listenOption), &settings.address, &settings.port, &error)) {
        *io.err << error << '\n';
        return ExitUsage;
    }
    const int authSources = int(parser.isSet(authOption)) + int(parser.isSet(authFileOption))
        + int(parser.isSet(authEnvOption));
    if (authSources > 1) {
        *io.err << "give only one of --auth, --auth-file and --auth-env\n";
        return ExitUsage;
    }
    std::optional<QString> authSpec;
    if (parser.isSet(authOption)) {
        authSpec = parser.value(authOption);
    } else if (parser.isSet(authFileOption)) {
        QString warning;
        authSpec = Mock::EndpointSettings::authSpecFromFile(
            parser.value(authFileOption), &error, &warning);
        if (!warning.isEmpty())
            *io.err << "warning: " << warning << '\n';
    } else if (parser.isSet(authEnvOption)) {
        authSpec
            = Mock::EndpointSettings::authSpecFromEnvironment(parser.value(authEnvOption), &error);
    }
    if (authSources > 0) {
        const auto withAuth = authSpec
            ? Mock::EndpointSettings::withAuth(settings, *authSpec, &error)
            : std::nullopt;
        if (!withAuth) {
            *io.err << error << '\n';
            return ExitUsage;
        }
        settings = *withAuth;
    }
    settings.keepCredentials = parser.isSet(keepCredentialsOption);
    settings.strict = parser.isSet(strictOption);
    if (parser.isSet(maxRegistrationsOption)) {
        bool ok = false;
        settings.maxRegistrations = parser.value(maxRegistrationsOption).toInt(&ok);
        if (!ok || settings.maxRegistrations <= 0) {
            *io.err << "invalid --max-registrations (a positive number)\n";
            return ExitUsage;
        }
    }
    if (parser.isSet(limitOption)) {
        bool ok = false;
        settings.bodyLimit = parser.value(limitOption).toLongLong(&ok);
        if (!ok || settings.bodyLimit <= 0) {
            *io.err << "invalid --body-limit\n";
            return ExitUsage;
        }
    }
    const auto positive = [&parser, &io](const QCommandLineOption &option, auto *target) {
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const qint64 value = parser.value(option).toLongLong(&ok);
        if (!ok || value <= 0 || value > std::numeric_limits<int>::max()) {
            *io.err << "invalid --" << option.names().constFirst() << ": " << parser.value(option)
                    << " (expected a positive number)\n";
            return false;
        }
        *target = std::remove_pointer_t<decltype(target)>(value);
        return true;
    };
    if (!positive(depthOption, &settings.maxDepth)
        || !positive(connectionsOption, &settings.maxConnections)
        || !positive(perPeerOption, &settings.maxConnectionsPerPeer)
        || !positive(headTimeoutOption, &settings.headTimeoutMs)
        || !positive(bodyTimeoutOption, &settings.bodyTimeoutMs)
        || !positive(idleTimeoutOption, &settings.idleTimeoutMs))
        return ExitUsage;
    settings.allowedOrigins = parser.values(originOption);
    settings.tlsCertificateFile = parser.value(tlsCertOption);
    settings.tlsKeyFile = parser.value(tlsKeyOption);
    settings.tlsClientCaFile = parser.value(tlsClientCaOption);
    if (settings.tlsCertificateFile.isEmpty() != settings.tlsKeyFile.isEmpty()) {
        *io.err << "--tls-cert and --tls-key go together\n";
        return ExitUsage;
    }
    if (!settings.tlsClientCaFile.isEmpty() && settings.tlsCertificateFile.isEmpty()) {
        *io.err << "--tls-client-ca needs --tls-cert and --tls-key\n";
        return ExitUsage;
    }
    if (parser.isSet(dialectOption)) {
        const auto dialect = dialectFromName(parser.value(dialectOption));
        if (!dialect) {
            *io.err << "unknown dialect: " << parser.value(dialectOption) << '\n';
            return ExitUsage;
        }
        settings.forcedDialect = *dialect;
    }

    Mock::Rulebook rulebook;
    if (parser.isSet(rulesOption) && !rulebook.load(parser.value(rulesOption), &error)) {
        *io.err << error << '\n';
        return ExitUsage;
    }
    // Script files edited while serve runs take effect; a broken edit keeps the last good one.
    QObject::connect(
        &rulebook, &Mock::Rulebook::scriptReloaded, &rulebook, [&io](const QString &path) {
            *io.err << "hookscope serve: script " << path << " reloaded\n";
            io.err->flush();
        });
    QObject::connect(&rulebook, &Mock::Rulebook::scriptReloadFailed, &rulebook,
        [&io](const QString &path, const QString &why) {
            *io.err << "hookscope serve: script " << path << " not reloaded (" << why
                    << "): the previous version goes on answering\n";
            io.err->flush();
        });
    if (parser.isSet(holdOption)) {
        for (const QString &name : parser.value(holdOption).split(u',', Qt::SkipEmptyParts)) {
            const Stage stage = stageFromName(name.trimmed());
            if (stage == Stage::Unknown) {
                *io.err << "unknown stage in --hold: " << name << '\n';
                return ExitUsage;
            }
            rulebook.setHeld(stage, true);
        }
    }
    if (parser.isSet(holdTimeoutOption)) {
        bool ok = false;
        const int holdTimeout = parser.value(holdTimeoutOption).toInt(&ok);
        if (!ok || holdTimeout < 0 || holdTimeout > Mock::MaxWaitMs) {
            *io.err << "invalid --hold-timeout (0 to " << Mock::MaxWaitMs << " ms)\n";
            return ExitUsage;
        }
        rulebook.setHoldTimeoutMs(holdTimeout);
    }
    if (parser.isSet(draftOption))
        rulebook.setDraftAnswerDialect(
            dialectFromName(parser.value(draftOption)).value_or(Dialect::Draft01));

    qint64 maxCaptures = 0;
    qint64 maxDbMb = 0;
    if (!positive(maxCapturesOption, &maxCaptures) || !positive(maxDbOption, &maxDbMb))
        return ExitUsage;

    Mock::CaptureStore store;
    // Pruning starts on the first event-loop pass, so a file over the bounds shrinks at start.
    store.setRetention(maxCaptures, maxDbMb * 1024 * 1024);
    const QString database = parser.isSet(dbOption) ? parser.value(dbOption) : defaultDatabase();
    if (!store.open(database)) {
        *io.err << "cannot open the capture database " << database << ": " << store.lastError()
                << '\n';
        return ExitUsage;
    }

    // Before listening, so the warning is seen even when listening fails.
    if (!settings.address.isLoopback() && settings.auth.scheme == Mock::HttpAuth::Scheme::None) {
        *io.err << "warning: listening on " << settings.address.toString()
                << " without authentication: anyone who can reach it can register and call "
                   "hooks (see --auth-file)\n";
        io.err->flush();
    }
    CallLog log(*io.out, parser.isSet(jsonOption)); // outlives the endpoint: its last lines too
    Mock::HookEndpoint endpoint(&rulebook);
    endpoint.setSettings(settings);
    endpoint.setCaptureStore(&store);
    if (!endpoint.listen()) {
        *io.err << endpoint.errorString() << '\n';
        return ExitUsage;
    }
    QObject::connect(&endpoint, &Mock::HookEndpoint::exchangeCaptured, &log, &CallLog::print);
    QObject::connect(&endpoint, &Mock::HookEndpoint::errorOccurred, &endpoint,
        [&io, &store](const QString &message) {
            if (!store.isStoring() && message.startsWith(u"capture not saved"_s))
                return; // said once by the storage health lines
            *io.err << "error: " << message << '\n';
            io.err->flush();
        });
    // The storage fault policy: calls are answered as usual; the lost captures are counted and
    // said once when storing stops and once when it resumes, not per call.
    QObject::connect(&store, &Mock::CaptureStore::storageHealthChanged, &endpoint,
        [&io, &store](bool storing, const QString &reason) {
            if (storing)
                *io.err << "captures are being stored again (" << store.lostCaptures()
                        << " lost)\n";
            else
                *io.err << "captures are not being stored: " << reason << " ("
                        << store.lostCaptures() << " lost)\n";
            io.err->flush();
        });
    SignalWatcher signals_;
    QObject::connect(&signals_, &SignalWatcher::terminationRequested, &endpoint,
        [](int) { QCoreApplication::quit(); });
    *io.err << "hookscope serve: listening on " << endpoint.url() << " (captures: " << database
            << ", auth: " << settings.authDescription() << ")\n";
    io.err->flush();
    const int code = QCoreApplication::exec();
    endpoint.close();
    store.close();
    *io.err << "hookscope serve: stopped\n";
    io.err->flush();
    return code == 0 ? ExitOk : code;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How the endpoint listens and what it lets in: a value the command line, Settings and the tests
// fill, apart from the endpoint itself so that the window's settings need not include it.

#include "mock/capture/httpvocabulary.h"
#include "mock/protocol/types.h"

#include <QHostAddress>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>

#include <optional>

namespace Mock {

struct EndpointSettings
{
    QHostAddress address = QHostAddress::LocalHost; // safe default: loopback only
    quint16 port = 0; // 0: any free port
    qint64 bodyLimit = 64 * 1024 * 1024;
    int idleTimeoutMs = 30000; // a kept-alive connection with no request in progress
    int headTimeoutMs = 10000; // the whole request head, from its first byte (then 408)
    int bodyTimeoutMs = 10000; // the longest pause while a body arrives (then 408)
    int maxConnections = 512;
    int maxConnectionsPerPeer = 64; // per client address, so one peer cannot lock the others out
    int maxDepth = 128; // nesting of JSON, CBOR and MessagePack bodies
    // Origins (scheme://host[:port]) whose browser requests are served; any other request with an
    // Origin header is refused (403), so a web page cannot post to the endpoint.
    QStringList allowedOrigins;
    // TLS: both set to serve HTTPS; with a client CA, clients must present a certificate it
    // signed (mTLS).
    QString tlsCertificateFile;
    QString tlsKeyFile;
    QString tlsClientCaFile;
    // Authorization, Proxy-Authorization and Cookie are stored as "Bearer ***" unless kept.
    bool keepCredentials = false;
    int maxRegistrations = 1000;
    HttpAuth auth; // what a caller must present (constant-time compared)
    // Draft MUSTs enforced with the drafts' error answers instead of answering and recording the
    // problem: unknown registration 404, missing request id 400, a request the validator rejects
    // 400, a request id reused with another body 409, a message over the limit 413; retries are
    // answered as the first call was (hookscope serve --strict, Settings).
    bool strict = false;
    MtaHooks::Dialect forcedDialect = MtaHooks::Dialect::Unknown; // Unknown: from the body
    qint64 oversizeBytes = 52428800 + 1; // Stalwart's default maxResponseSize, plus one
    // Store the answers decided in one event-loop pass in one transaction (of a file store: on
    // its writer thread, while the loop goes on), then write them, each still on disk before its
    // answer goes out. The store announces each exchange with exchangeSaved as usual.
    bool groupCommit = false;

    // "bearer:TOKEN", "basic:USER:PASS" or "none".
    static std::optional<EndpointSettings> withAuth(
        EndpointSettings settings, const QString &spec, QString *error);
    // The same spec kept out of argv (which every local user can read): a file's content (a
    // trailing newline ignored; `warning` set when others may read the file) or an environment
    // variable's value.
    static std::optional<QString> authSpecFromFile(
        const QString &path, QString *error, QString *warning);
    static std::optional<QString> authSpecFromEnvironment(const QString &name, QString *error);
    // "127.0.0.1:8025", "[::1]:8025", ":8025", "8025".
    static bool parseListen(
        const QString &spec, QHostAddress *address, quint16 *port, QString *error);
    QString authDescription() const;
};

// The TLS server configuration of tlsCertificateFile, tlsKeyFile and tlsClientCaFile; null, with
// *error saying which file is wrong, when they cannot be read.
QSslConfiguration tlsConfiguration(const EndpointSettings &settings, QString *error);

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"
#include "mock/scanner/endpointsettings.h"

#include <QString>
#include <QStringList>

// What the settings dialog edits. app/settings.h persists it; the window only sees the values.
struct Preferences
{
    QString listenAddress = QStringLiteral("127.0.0.1"); // loopback unless told otherwise
    quint16 listenPort = 8025;
    QString auth = QStringLiteral("none"); // none | bearer:TOKEN | basic:USER:PASS
    qint64 bodyLimit = 64 * 1024 * 1024;
    int holdTimeoutMs = 30000;
    int mtaTimeoutMs = 30000;
    QString databasePath;
    MtaHooks::Dialect draftAnswerDialect = MtaHooks::Dialect::Draft01;
    // Security and limits: the endpoint's own defaults (mock/scanner/endpointsettings.h).
    int headTimeoutMs = Mock::EndpointSettings().headTimeoutMs;
    int bodyTimeoutMs = Mock::EndpointSettings().bodyTimeoutMs;
    int maxConnections = Mock::EndpointSettings().maxConnections;
    int maxConnectionsPerPeer = Mock::EndpointSettings().maxConnectionsPerPeer;
    int maxDepth = Mock::EndpointSettings().maxDepth;
    int maxRegistrations = Mock::EndpointSettings().maxRegistrations;
    QStringList allowedOrigins;
    QString tlsCertificateFile; // with the key: HTTPS
    QString tlsKeyFile;
    QString tlsClientCaFile; // with it: clients need a certificate it signed (mTLS)
    bool keepCredentials = false;
    bool strict = false; // draft MUSTs refused with the drafts' errors (EndpointSettings::strict)

    friend bool operator==(const Preferences &, const Preferences &) = default;
};

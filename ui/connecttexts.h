// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the Connect panel tells a user to paste into their MTA: plain functions of the endpoint's
// state, so the tests can check every text without a widget.

#include "mock/capture/httpvocabulary.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

struct ConnectInfo
{
    bool listening = false;
    QString problem; // why it is not listening, or what an MTA elsewhere cannot do
    // "http://127.0.0.1:8025": the first is the one the configurations use.
    QStringList baseUrls;
    bool loopbackOnly = true; // an MTA on another machine cannot reach it
    bool tls = false;
    QString certificateFile; // the endpoint's certificate (PEM), for curl --cacert
    bool clientCertificates = false; // mutual TLS: callers need a certificate its CA signed
    Mock::HttpAuth auth; // what callers must present; the panel masks its secret
    int timeoutMs = 30000; // how long the mock scanner lets an MTA wait (held calls)
    QJsonObject discovery; // the document GET /.well-known/mta-hooks serves
    QByteArray sampleBody; // a Stalwart call (JSON), posted by the curl command and the test call
};

namespace ConnectTexts {

// The path legacy calls are configured with: the endpoint answers hook calls on any path.
inline QString hookPath()
{
    return QStringLiteral("/hook");
}

// The stages Stalwart can call a hook at (its "auth" stage is in its configuration, but Stalwart
// never invokes it: protocol reference §0 item 5).
QStringList stalwartStages();
QString hookUrl(const ConnectInfo &info);
// The secret as shown: masked ("<your token>", "<your password>") unless `reveal`.
QString secretText(const Mock::HttpAuth &auth, bool reveal);

// Stalwart 0.8 – 0.15: the [session.hook."hookscope"] table of config.toml (reference §d.1).
QString stalwartToml(const ConnectInfo &info, const QStringList &stages, bool reveal);
// Stalwart 0.16 and later: the fields of an MtaHook object, as the WebUI asks for them.
QString stalwartMtaHook(const ConnectInfo &info, const QStringList &stages, bool reveal);
// A draft-01 MTA: where it discovers and registers, and what a registration negotiates, read
// from the discovery document the endpoint serves.
QString draftSetup(const ConnectInfo &info, bool reveal);
// A bash command that posts the sample call to the endpoint.
QString curlCommand(const ConnectInfo &info, bool reveal);

} // namespace ConnectTexts

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/rule.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QStringList>

#include <memory>
#include <optional>

namespace Mock {

class CaptureStore;
class Rulebook;

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
    MtaHooks::Dialect forcedDialect = MtaHooks::Dialect::Unknown; // Unknown: from the body
    qint64 oversizeBytes = 52428800 + 1; // Stalwart's default maxResponseSize, plus one
    // Store the answers decided in one event-loop pass in one transaction, then write them (each
    // still on disk before its answer goes out). Much faster under load, but the capture store
    // then announces them with batchSaved, not exchangeSaved per exchange: only for listeners
    // that follow exchangeCaptured (hookscope serve), not for a live list fed by exchangeSaved.
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

// A call parked for the user (a hold rule or a held stage).
struct HeldCall
{
    qint64 callId = 0;
    Exchange exchange;
    QDateTime deadline; // when the default answer goes out
    QByteArray suggestedBody; // what the rule (or default) would have answered, to prefill
    QByteArray contentType;
};

// The mock scanner's HTTP side: receives hook calls and the drafts' control-plane calls, answers
// each as the Rulebook decides (or as the user decides for a held call) and records every call as
// an Exchange, in the capture store before its answer is written. The only class that touches
// QHttpServer (its API changed between Qt 6.4 and 6.8).
class HookEndpoint final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HookEndpoint)

public:
    explicit HookEndpoint(Rulebook *rulebook, QObject *parent = nullptr);
    ~HookEndpoint() override;

    void setSettings(const EndpointSettings &settings); // address/port apply at the next listen
    EndpointSettings settings() const;
    void setCaptureStore(CaptureStore *store);

    bool listen();
    void close();
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    QString url() const; // "http://127.0.0.1:PORT"
    QString errorString() const;

    ControlPlane &controlPlane();

    QList<HeldCall> heldCalls() const;
    // Answers a held call with these bytes (the user's edited answer).
    bool answerHeld(qint64 callId, const QByteArray &body, int httpStatus = 200,
        const QByteArray &contentType = {});
    // Answers a held call as an Answer would (a preset, a fault …).
    bool answerHeldWith(qint64 callId, const Answer &answer);
    // Lets the stage's default answer go out now.
    bool releaseHeld(qint64 callId);

Q_SIGNALS:
    void exchangeCaptured(const Mock::Exchange &exchange);
    void callHeld(const Mock::HeldCall &call);
    void heldCallEnded(qint64 callId, const Mock::Exchange &exchange);
    void listeningChanged(bool listening);
    void errorOccurred(const QString &message);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Mock

Q_DECLARE_METATYPE(Mock::HeldCall)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/scanner/controlplane.h"
#include "mock/scanner/endpointsettings.h"
#include "mock/scanner/heldcall.h"
#include "mock/scanner/rule.h"

#include <QObject>

#include <memory>

namespace Mock {

class CaptureStore;
class Rulebook;

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

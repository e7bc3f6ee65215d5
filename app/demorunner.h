// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/sessionreplayer.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rule.h"

#include <QObject>
#include <QSet>
#include <QString>

#include <memory>

namespace Mock {
class CaptureStore;
class Rulebook;
} // namespace Mock

// Help ▸ Run demo: the bundled sample sessions, replayed one after the other into the window's
// endpoint at a watchable pace, with the demo rules on top of the user's for the duration and held
// stages off. The last sample goes to a second endpoint the demo runs itself, which takes only
// HTTPS from an MTA with a client certificate its CA signed (mTLS) and a Bearer token, so the
// timeline shows what an authenticated call looks like. Both endpoints record into the same store.
class DemoRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoRunner)

public:
    DemoRunner(Mock::HookEndpoint *endpoint, Mock::Rulebook *rulebook, Mock::CaptureStore *store,
        QObject *parent = nullptr);
    ~DemoRunner() override;

    // The credentials the window's endpoint asks for ("none", "bearer:TOKEN", "basic:U:P").
    void setEndpointAuth(const QString &spec) { m_endpointAuth = spec; }
    // Starts the demo; false, with *error, when the samples are missing from the build or the
    // window's endpoint is not listening. stageDelayMs paces each session's calls.
    bool start(int stageDelayMs, QString *error);
    bool isRunning() const { return m_index >= 0; }
    // Ends a running demo now, the user's rules and holds back as when it ends by itself.
    void stop();
    // The demo's own HTTPS endpoint (listening only while its session plays).
    const Mock::HookEndpoint &secureEndpoint() const { return *m_secure; }

    // The Bearer token of the demo's HTTPS endpoint: public, like its certificates.
    static QString demoBearerToken();

Q_SIGNALS:
    void sessionStarted(int number, int count, const QString &title, const QString &description);
    void finished();
    void errorOccurred(const QString &message);

private:
    struct Step
    {
        Mock::SessionRecording session;
        bool secure = false; // replayed to the demo's HTTPS endpoint
    };
    void next();
    void finish();
    bool startSecureEndpoint(QString *error);

    Mock::HookEndpoint *m_endpoint;
    Mock::Rulebook *m_rulebook;
    Mock::CaptureStore *m_store;
    std::unique_ptr<Mock::HookEndpoint> m_secure;
    Mock::SessionReplayer m_replayer;
    QString m_endpointAuth = QStringLiteral("none");
    QList<Step> m_steps;
    int m_index = -1;
    QSet<MtaHooks::Stage> m_heldBefore;
    QList<Mock::Rule> m_userRules; // as the demo found them, hit counts included
    QList<Mock::Rule> m_demoRules; // what the demo put on top
};

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/sessionreplayer.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QObject>
#include <QString>

#include <memory>

namespace Mock {
class CaptureStore;
} // namespace Mock

// Help ▸ Run demo: the bundled sample sessions, replayed one after the other at a watchable pace
// into an endpoint the demo runs itself and answered by the demo's rules alone. The user's
// rulebook, holds and endpoint are never touched, so their rules answer their traffic during the
// demo and after it as before (issue 15: putting the demo's rules on top of the user's and taking
// them off again lost the user's answers). The last sample goes to a second endpoint of the demo's,
// which takes only HTTPS from an MTA with a client certificate its CA signed (mTLS) and a Bearer
// token, so the timeline shows what an authenticated call looks like. Both record into the
// window's store.
class DemoRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoRunner)

public:
    explicit DemoRunner(Mock::CaptureStore *store, QObject *parent = nullptr);
    ~DemoRunner() override;

    // Starts the demo; false, with *error, when the samples are missing from the build or the
    // demo's endpoint cannot listen. stageDelayMs paces each session's calls.
    bool start(int stageDelayMs, QString *error);
    bool isRunning() const { return m_index >= 0; }
    // Ends a running demo now.
    void stop();
    // The demo's endpoints and the rules they answer with (listening only while the demo runs;
    // the HTTPS one only while its session plays).
    const Mock::HookEndpoint &endpoint() const { return *m_plain; }
    const Mock::HookEndpoint &secureEndpoint() const { return *m_secure; }
    const Mock::Rulebook &rulebook() const { return m_rules; }

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

    Mock::CaptureStore *m_store;
    Mock::Rulebook m_rules; // the demo's own, read again at each start
    std::unique_ptr<Mock::HookEndpoint> m_plain;
    std::unique_ptr<Mock::HookEndpoint> m_secure;
    Mock::SessionReplayer m_replayer;
    QList<Step> m_steps;
    int m_index = -1;
};

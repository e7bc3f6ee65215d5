// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/connecttexts.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

class MainWindow;

namespace Mock {
class HookEndpoint;
class Rulebook;
} // namespace Mock

// Feeds the window's Connect panel what the endpoint really is (URLs, TLS, credentials, the
// discovery document it serves) and sends its test call: a sample Stalwart call posted to the
// endpoint as an MTA would, with the endpoint's credentials, so its row appears in the timeline.
class ConnectController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectController)

public:
    ConnectController(Mock::HookEndpoint *endpoint, const Mock::Rulebook *rulebook,
        MainWindow *window, QObject *parent = nullptr);

    ConnectInfo info() const;
    void update(); // the endpoint started, stopped or changed its settings
    void sendTestCall();
    // Where the test call goes: the endpoint's own URL, on loopback when it listens on all
    // addresses.
    QUrl testCallUrl() const;
    // The data-stage call of the first sample session, in Stalwart's format.
    static QByteArray sampleCall();

private:
    Mock::HookEndpoint *m_endpoint;
    const Mock::Rulebook *m_rulebook;
    MainWindow *m_window;
    QNetworkAccessManager m_network;
    QByteArray m_sample;
};

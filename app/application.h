// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/demorunner.h"
#include "app/settings.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/sessionrecording.h"
#include "mock/capture/sessiontracker.h"
#include "mock/mta/sessionreplayer.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

class MainWindow;
class SessionModel;

// What the command line overrides for one run (scripts and demos rely on it).
struct StartupOptions
{
    std::optional<QHostAddress> listenAddress;
    std::optional<quint16> listenPort;
    std::optional<QString> databasePath;
};

// The composition root of the window: owns the settings, the rulebook, the capture store, the
// endpoint and the window, and wires them. The data side is declared before the window so it
// outlives it.
class Application final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Application)

public:
    explicit Application(const StartupOptions &options, QObject *parent = nullptr);
    ~Application() override;

    // Opens the capture database, starts the endpoint and shows the window. False (with a
    // message already shown) when the database cannot be opened.
    bool start();

    MainWindow *window() const { return m_window.get(); }
    Mock::HookEndpoint *endpoint() { return &m_endpoint; }
    Mock::CaptureStore *store() { return &m_store; }
    Mock::Rulebook *rulebook() { return &m_rulebook; }

    bool importFile(const QString &path, QString *error);
    // Help ▸ Run demo: the bundled sample sessions, replayed at a watchable pace into an endpoint
    // of the demo's with the demo's rules; the user's rulebook and endpoint are left alone.
    void runDemo(int stageDelayMs = 350);
    bool isDemoRunning() const { return m_demo.isRunning(); }
    // What the Settings dialog shows: the preferences with this run's overrides, as in use.
    Preferences preferencesInUse() const;
    DemoRunner *demo() { return &m_demo; }

private:
    void wire();
    void applyPreferences(const Preferences &preferences, bool restartEndpoint);
    void startEndpoint();
    void updateExposureWarning();
    bool openDatabase(const QString &path);
    void showSettings();
    void exportSessions(const QString &path, const QList<qint64> &ids);
    void exportHar(const QString &path, const QList<qint64> &ids);
    QList<Mock::Exchange> exchangesFor(const QList<qint64> &ids) const;
    void wireReplay();
    void wireDemo();
    bool importMessage(const Mock::SessionRecording &session, const QString &path, QString *error);

    StartupOptions m_options;
    Settings m_settings;
    Mock::Rulebook m_rulebook;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    Mock::SessionTracker m_importSessions;
    Mock::SessionReplayer m_replayer;
    DemoRunner m_demo;
    QTimer m_saveRules;
    SessionModel *m_sessions = nullptr;
    std::unique_ptr<MainWindow> m_window;
};

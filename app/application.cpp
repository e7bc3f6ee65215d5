// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/application.h"

#include "app/conformancecontroller.h"
#include "app/connectcontroller.h"

#include "mock/capture/harexport.h"
#include "mock/capture/sessionfile.h"
#include "mock/mta/recordings.h"
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/callanalysis.h"
#include "ui/conformancedialog.h"
#include "ui/mainwindow.h"
#include "ui/models/sessionmodel.h"
#include "ui/replaypanel.h"
#include "ui/settingsdialog.h"
#include "ui/theme.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

Application::Application(const StartupOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_endpoint(&m_rulebook)
    , m_demo(&m_store)
{
    QString error;
    if (QFileInfo::exists(Settings::rulesPath()) && !m_rulebook.load(Settings::rulesPath(), &error))
        qWarning("rules not loaded: %s", qPrintable(error));
    m_saveRules.setSingleShot(true);
    m_saveRules.setInterval(500);
    connect(&m_saveRules, &QTimer::timeout, this, [this] {
        QString saveError;
        if (!m_rulebook.save(Settings::rulesPath(), &saveError) && m_window)
            m_window->showError(saveError);
    });
    connect(&m_rulebook, &Mock::Rulebook::changed, &m_saveRules, qOverload<>(&QTimer::start));
}

Application::~Application()
{
    // An edit saved on a timer that has not fired yet is saved now.
    m_demo.stop();
    if (m_saveRules.isActive()) {
        m_saveRules.stop();
        QString error;
        if (!m_rulebook.save(Settings::rulesPath(), &error))
            qWarning("rules not saved: %s", qPrintable(error));
    }
    if (m_window)
        m_settings.setWindowLayout(
            m_window->saveGeometry(), m_window->saveState(), m_window->splitterState());
    m_endpoint.close();
}

bool Application::start()
{
    Preferences preferences = m_settings.preferences();
    const QString database = m_options.databasePath.value_or(preferences.databasePath);
    if (!m_store.open(database)) {
        QMessageBox::critical(nullptr, tr("Hookscope"),
            tr("Cannot open the capture database %1:\n%2").arg(database, m_store.lastError()));
        return false;
    }
    // Before the window exists: its widgets are polished once, in the theme they will show.
    const Theme theme = themeFromName(m_settings.theme()).value_or(Theme::System);
    if (theme != Theme::System)
        applyTheme(theme);
    m_sessions = new SessionModel(&m_store, this);
    m_sessions->setLiveInterval(100); // a busy MTA: one layout and repaint per 100 ms (issue 12)
    m_window = std::make_unique<MainWindow>(&m_store, &m_rulebook, m_sessions);
    m_window->setSavedFilters(m_settings.savedFilters());
    m_window->setThemeChecked(theme);
    m_window->restoreGeometry(m_settings.windowGeometry());
    m_window->restoreState(m_settings.windowState());
    if (!m_window->restoreSplitterState(m_settings.splitterState()))
        m_window->applyDefaultLayout();
    wire();
    applyPreferences(preferences, false);
    m_endpoint.setCaptureStore(&m_store);
    startEndpoint();
    m_window->show();
    return true;
}

void Application::wire()
{
    MainWindow *window = m_window.get();
    m_sessions->followStore();
    connect(&m_store, &Mock::CaptureStore::errorOccurred, window, &MainWindow::showError);
    const auto showStorageHealth = [this] {
        m_window->showStorageHealth(
            m_store.isStoring(), m_store.storageFault(), m_store.lostCaptures());
    };
    connect(&m_store, &Mock::CaptureStore::storageHealthChanged, window, showStorageHealth);
    connect(&m_store, &Mock::CaptureStore::lostCapturesChanged, window, showStorageHealth);
    connect(&m_endpoint, &Mock::HookEndpoint::callHeld, window, &MainWindow::onCallHeld);
    connect(&m_endpoint, &Mock::HookEndpoint::heldCallEnded, window, &MainWindow::onHeldCallEnded);
    connect(&m_endpoint, &Mock::HookEndpoint::errorOccurred, window, &MainWindow::showError);
    connect(&m_rulebook, &Mock::Rulebook::scriptReloadFailed, window,
        [window](const QString &path, const QString &why) {
            window->showError(tr("Script %1 was not reloaded (%2): the previous version goes on "
                                 "answering.")
                                  .arg(path, why));
        });
    connect(&m_endpoint, &Mock::HookEndpoint::listeningChanged, window, [this](bool listening) {
        m_window->setListening(listening, m_endpoint.url());
        updateExposureWarning();
    });
    connect(window, &MainWindow::listeningToggled, this, [this](bool listen) {
        if (listen)
            startEndpoint();
        else
            m_endpoint.close();
    });
    connect(window, &MainWindow::heldAnswerSubmitted, &m_endpoint,
        [this](qint64 callId, const QByteArray &body, int status, const QByteArray &type) {
            m_endpoint.answerHeld(callId, body, status, type);
        });
    connect(window, &MainWindow::heldReleaseRequested, &m_endpoint,
        [this](qint64 callId) { m_endpoint.releaseHeld(callId); });
    connect(window, &MainWindow::settingsRequested, this, &Application::showSettings);
    connect(window, &MainWindow::openDatabaseRequested, this, &Application::openDatabase);
    connect(window, &MainWindow::saveDatabaseRequested, this, [this](const QString &path) {
        QFile::remove(path); // the dialog asked before overwriting
        if (m_store.saveCopy(path))
            m_window->showStatus(tr("Saved the captures to %1").arg(path));
        else
            m_window->showError(tr("Cannot save %1: %2").arg(path, m_store.lastError()));
    });
    connect(window, &MainWindow::importRequested, this, [this](const QString &path) {
        QString error;
        if (!importFile(path, &error))
            QMessageBox::warning(m_window.get(), tr("Import"), error);
    });
    connect(window, &MainWindow::exportSessionsRequested, this, &Application::exportSessions);
    connect(window, &MainWindow::exportHarRequested, this, &Application::exportHar);
    connect(window, &MainWindow::clearRequested, &m_store, [this] { m_store.clear(); });
    connect(window, &MainWindow::removeRequested, &m_store,
        [this](const QList<qint64> &ids) { m_store.remove(ids); });
    connect(window, &MainWindow::savedFiltersChanged, &m_settings, &Settings::setSavedFilters);
    connect(window, &MainWindow::themeChosen, &m_settings,
        [this](Theme theme) { m_settings.setTheme(themeName(theme)); });
    connect(window, &MainWindow::demoRequested, this, [this] { runDemo(); });
    wireReplay();
    wireDemo();
    // Owned by the dialog, which it runs for: gone with the window, before the store it saves to.
    new ConformanceController(window->conformanceDialog(), &m_store, window->conformanceDialog());
    // The Connect panel's facts and its test call; owned by the window, whose panels it feeds.
    new ConnectController(&m_endpoint, &m_rulebook, window, window);
}

void Application::wireDemo()
{
    MainWindow *window = m_window.get();
    connect(&m_demo, &DemoRunner::sessionStarted, window,
        [this](int number, int count, const QString &title, const QString &description) {
            m_window->showBanner(
                tr("Demo %1/%2: %3").arg(number).arg(count).arg(title), description);
        });
    connect(&m_demo, &DemoRunner::errorOccurred, window, &MainWindow::showError);
    connect(&m_demo, &DemoRunner::finished, window, [this] {
        m_window->showBanner(tr("Demo finished"),
            tr("Every sample session is in the timeline: select one to see its "
               "stages, request, message, answer and problems."));
        QTimer::singleShot(15000, m_window.get(), &MainWindow::hideBanner);
    });
}

void Application::wireReplay()
{
    ReplayPanel *panel = m_window->replayPanel();
    // The panel's "as recorded" is the replayer's: one run, each session in its own dialect.
    connect(panel, &ReplayPanel::runRequested, &m_replayer,
        [this, panel](const QList<Mock::SessionRecording> &sessions,
            const Mock::ReplayTarget &target, int concurrency) {
            panel->onStarted(int(sessions.size()));
            // The results need the room the panel has at its default height twice over.
            m_window->raiseReplay();
            m_replayer.start(sessions, target, concurrency);
        });
    connect(panel, &ReplayPanel::cancelRequested, &m_replayer, [this, panel] {
        m_replayer.cancel();
        panel->onFinished(m_replayer.summary());
    });
    connect(panel, &ReplayPanel::addCapturedRequested, this, [this, panel] {
        QList<Mock::SessionRecording> sessions;
        for (const QString &key : m_window->selectedSessionKeys())
            sessions.append(Mock::sessionFromExchanges(m_store.loadSession(key)));
        if (sessions.isEmpty())
            m_window->showStatus(tr("Select sessions in the timeline first"));
        panel->addSessions(sessions);
    });
    connect(
        &m_replayer, &Mock::SessionReplayer::stageFinished, panel, &ReplayPanel::onStageFinished);
    connect(&m_replayer, &Mock::SessionReplayer::sessionFinished, panel,
        &ReplayPanel::onSessionFinished);
    connect(&m_replayer, &Mock::SessionReplayer::finished, panel, &ReplayPanel::onFinished);
}

void Application::runDemo(int stageDelayMs)
{
    QString error;
    if (!m_demo.start(stageDelayMs, &error)) {
        m_window->showError(error);
        return;
    }
    // Its calls are in the timeline like any: say whose rules answered them, and that the
    // user's own answer their calls meanwhile.
    m_window->showStatus(tr("The demo plays into an endpoint of its own (%1) with its own rules; "
                            "your rules and holds answer your calls as before")
                             .arg(m_demo.endpoint().url()));
}

void Application::applyPreferences(const Preferences &preferences, bool restartEndpoint)
{
    QString error;
    Mock::EndpointSettings settings
        = Settings::endpointSettings(preferences, m_endpoint.settings(), &error);
    if (!error.isEmpty())
        m_window->showError(error);
    if (m_options.listenAddress)
        settings.address = *m_options.listenAddress;
    if (m_options.listenPort)
        settings.port = *m_options.listenPort;
    settings.groupCommit = true; // the timeline keeps up with a busy MTA (issue 12)
    m_endpoint.setSettings(settings);
    m_rulebook.setHoldTimeoutMs(preferences.holdTimeoutMs);
    m_rulebook.setMtaTimeoutMs(preferences.mtaTimeoutMs);
    m_rulebook.setDraftAnswerDialect(preferences.draftAnswerDialect);
    if (restartEndpoint)
        startEndpoint();
    updateExposureWarning();
}

void Application::updateExposureWarning()
{
    m_window->setExposureWarning(m_endpoint.isListening()
            ? Settings::exposureWarning(m_endpoint.settings(), m_endpoint.serverAddress())
            : QString());
}

void Application::startEndpoint()
{
    if (!m_endpoint.listen()) {
        m_window->setListening(false, QString());
        m_window->showError(m_endpoint.errorString());
    }
}

bool Application::openDatabase(const QString &path)
{
    m_endpoint.close();
    const QString previous = m_store.path();
    if (!m_store.open(path)) {
        const QString error = m_store.lastError();
        m_store.open(previous);
        m_window->showError(tr("Cannot open %1: %2").arg(path, error));
        startEndpoint();
        return false;
    }
    m_sessions->reload();
    m_window->refreshCounts();
    m_window->showStatus(tr("Opened %1").arg(path));
    startEndpoint();
    return true;
}

Preferences Application::preferencesInUse() const
{
    // The dialog shows what this run uses: the command line's --listen and --db, the port the
    // endpoint really listens on (--listen :0 picks one), the database really open.
    Preferences shown = m_settings.preferences();
    if (m_options.listenAddress)
        shown.listenAddress = m_options.listenAddress->toString();
    if (m_options.listenPort)
        shown.listenPort = *m_options.listenPort;
    if (m_endpoint.isListening() && m_endpoint.serverPort() != 0)
        shown.listenPort = m_endpoint.serverPort();
    if (!m_store.path().isEmpty())
        shown.databasePath = m_store.path();
    return shown;
}

void Application::showSettings()
{
    const Preferences stored = m_settings.preferences();
    const Preferences shown = preferencesInUse();
    SettingsDialog dialog(shown, m_window.get());
    if (dialog.exec() != QDialog::Accepted)
        return;
    Preferences chosen = dialog.preferences();
    // What the user left as this run had it stays this run's only; what they changed is kept,
    // and ends the command line's override.
    const bool endpointChanged
        = chosen.listenAddress != shown.listenAddress || chosen.listenPort != shown.listenPort;
    if (endpointChanged) {
        m_options.listenAddress.reset();
        m_options.listenPort.reset();
    } else {
        chosen.listenAddress = stored.listenAddress;
        chosen.listenPort = stored.listenPort;
    }
    const bool databaseChanged = chosen.databasePath != shown.databasePath;
    if (!databaseChanged)
        chosen.databasePath = stored.databasePath;
    m_settings.setPreferences(chosen);
    applyPreferences(chosen, true);
    if (databaseChanged) {
        m_options.databasePath.reset();
        openDatabase(chosen.databasePath);
    }
}

QList<Mock::Exchange> Application::exchangesFor(const QList<qint64> &ids) const
{
    QList<Mock::Exchange> exchanges;
    if (ids.isEmpty()) {
        const qint64 total = m_store.count();
        for (qint64 offset = 0; offset < total; offset += 1000) {
            for (const Mock::Exchange &summary : m_store.list({}, offset, 1000)) {
                if (const auto full = m_store.load(summary.id))
                    exchanges.append(*full);
            }
        }
        return exchanges;
    }
    for (qint64 id : ids) {
        if (const auto full = m_store.load(id))
            exchanges.append(*full);
    }
    return exchanges;
}

void Application::exportSessions(const QString &path, const QList<qint64> &ids)
{
    const QList<Mock::SessionRecording> sessions = Mock::sessionsFromExchanges(exchangesFor(ids));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(Mock::SessionFile::write(sessions)) < 0
        || !file.commit()) {
        m_window->showError(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    m_window->showStatus(tr("Saved %1 session(s) to %2").arg(sessions.size()).arg(path));
}

void Application::exportHar(const QString &path, const QList<qint64> &ids)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(Mock::harFromExchanges(exchangesFor(ids))) < 0 || !file.commit()) {
        m_window->showError(tr("Cannot write %1: %2").arg(path, file.errorString()));
        return;
    }
    m_window->showStatus(tr("Exported HAR to %1").arg(path));
}

bool Application::importFile(const QString &path, QString *error)
{
    // A message comes in addressed as its headers say.
    Mock::RecordingOptions options;
    options.envelopeFromHeaders = true;
    const Mock::Recordings read = Mock::readRecordings({path}, options);
    if (!read.errors.isEmpty()) {
        *error = read.errors.constFirst().text();
        return false;
    }
    const Mock::RecordingFormat format = read.files.constFirst().format;
    if (format == Mock::RecordingFormat::Message)
        return importMessage(read.sessions.constFirst(), path, error);
    // The calls a file holds: HAR's as they were captured, a session file's decoded again.
    QList<Mock::Exchange> all;
    for (const Mock::SessionRecording &session : read.sessions)
        all += format == Mock::RecordingFormat::Har ? session.exchanges
                                                    : Mock::exchangesFromSession(session);
    if (!m_store.saveAll(all)) {
        *error = m_store.lastError();
        return false;
    }
    m_window->showStatus(tr("Imported %1 call(s) from %2").arg(all.size()).arg(path));
    return true;
}

// A raw message becomes a data-stage call, as Stalwart would have sent it.
bool Application::importMessage(
    const Mock::SessionRecording &session, const QString &path, QString *error)
{
    const int data = int(session.stages.size()) - 1;
    Mock::RequestOptions options;
    const Document request
        = Mock::buildRequest(session, data, Mock::envelopeAtStage(session, data), options);
    Mock::Exchange exchange;
    exchange.received = QDateTime::currentDateTimeUtc();
    exchange.peerAddress = u"import"_s;
    exchange.method = "POST";
    exchange.path = "/import";
    exchange.requestHeaders = {{"Content-Type", "application/json"}};
    exchange.requestBody = request.toJson();
    exchange.kind = Mock::ExchangeKind::Hook;
    exchange.ruleName = u"import"_s;
    exchange.note = tr("imported from %1").arg(QFileInfo(path).fileName());
    Mock::describeRequest(exchange, decodeRequest(exchange.requestBody, "application/json"));
    m_importSessions.assign(exchange);
    if (!m_store.save(exchange)) {
        *error = m_store.lastError();
        return false;
    }
    m_window->selectExchange(exchange.id);
    m_window->showStatus(tr("Imported %1 as a data-stage call").arg(QFileInfo(path).fileName()));
    return true;
}

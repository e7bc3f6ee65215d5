// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/demorunner.h"

#include "mock/mta/recordings.h"
#include "mock/scanner/rulebook.h"

#include <QDir>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

QList<Mock::SessionRecording> readSamples(const QString &folder)
{
    QStringList paths;
    for (const QString &name : QDir(folder).entryList({u"0*.json"_s}, QDir::Files, QDir::Name))
        paths.append(folder + u'/' + name);
    return Mock::readRecordings(paths).sessions; // the build's own files: none is unreadable
}

} // namespace

DemoRunner::DemoRunner(Mock::CaptureStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_plain(std::make_unique<Mock::HookEndpoint>(&m_rules))
    , m_secure(std::make_unique<Mock::HookEndpoint>(&m_rules))
{
    connect(&m_replayer, &Mock::SessionReplayer::finished, this, [this] {
        if (isRunning())
            QTimer::singleShot(900, this, &DemoRunner::next);
    });
    connect(m_plain.get(), &Mock::HookEndpoint::errorOccurred, this, &DemoRunner::errorOccurred);
    connect(m_secure.get(), &Mock::HookEndpoint::errorOccurred, this, &DemoRunner::errorOccurred);
}

DemoRunner::~DemoRunner()
{
    m_replayer.cancel();
    m_plain->close();
    m_secure->close();
}

QString DemoRunner::demoBearerToken()
{
    return u"hookscope-demo-token"_s;
}

bool DemoRunner::start(int stageDelayMs, QString *error)
{
    if (isRunning())
        return true;
    m_steps.clear();
    for (const Mock::SessionRecording &session : readSamples(u":/samples"_s))
        m_steps.append({session, false});
    for (const Mock::SessionRecording &session : readSamples(u":/samples/secure"_s))
        m_steps.append({session, true});
    QString rulesError;
    if (m_steps.isEmpty() || !m_rules.load(u":/samples/demo-rules.json"_s, &rulesError)) {
        *error = tr("The demo samples are missing from this build: %1").arg(rulesError);
        return false;
    }
    Mock::EndpointSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    m_plain->setSettings(settings);
    m_plain->setCaptureStore(m_store);
    if (!m_plain->isListening() && !m_plain->listen()) {
        *error = tr("The demo's endpoint cannot start: %1").arg(m_plain->errorString());
        return false;
    }
    m_replayer.setStageDelayMs(stageDelayMs);
    m_index = 0;
    next();
    return true;
}

bool DemoRunner::startSecureEndpoint(QString *error)
{
    Mock::EndpointSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    settings.tlsCertificateFile = u":/demo-tls/server.pem"_s;
    settings.tlsKeyFile = u":/demo-tls/server.key"_s;
    settings.tlsClientCaFile = u":/demo-tls/ca.pem"_s;
    settings.auth.scheme = Mock::HttpAuth::Scheme::Bearer;
    settings.auth.token = demoBearerToken();
    m_secure->setSettings(settings);
    m_secure->setCaptureStore(m_store);
    if (m_secure->isListening() || m_secure->listen())
        return true;
    *error = tr("The demo's HTTPS endpoint cannot start: %1").arg(m_secure->errorString());
    return false;
}

void DemoRunner::next()
{
    if (!isRunning())
        return;
    if (m_index >= m_steps.size()) {
        finish();
        return;
    }
    const Step &step = m_steps.at(m_index);
    Q_EMIT sessionStarted(
        m_index + 1, int(m_steps.size()), step.session.title, step.session.description);
    Mock::ReplayTarget target;
    target.dialect = Mock::ReplayTarget::AsRecorded;
    target.sendNotes = true;
    target.timeoutMs = 10000;
    if (step.secure) {
        QString error;
        if (!startSecureEndpoint(&error)) {
            Q_EMIT errorOccurred(error);
            ++m_index;
            QTimer::singleShot(0, this, &DemoRunner::next);
            return;
        }
        target.url = QUrl(m_secure->url() + u"/hook"_s);
        target.auth = u"bearer:"_s + demoBearerToken();
        // The MTA trusts the demo's CA only and shows its own certificate: mutual TLS.
        target.caCertificatesFile = u":/demo-tls/ca.pem"_s;
        target.clientCertificateFile = u":/demo-tls/client.pem"_s;
        target.clientKeyFile = u":/demo-tls/client.key"_s;
    } else {
        target.url = QUrl(m_plain->url() + u"/hook"_s);
    }
    ++m_index;
    m_replayer.start({step.session}, target, 1);
}

void DemoRunner::stop()
{
    if (!isRunning())
        return;
    m_replayer.cancel();
    finish();
}

void DemoRunner::finish()
{
    m_index = -1;
    m_plain->close();
    m_secure->close();
    Q_EMIT finished();
}

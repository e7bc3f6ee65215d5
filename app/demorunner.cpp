// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/demorunner.h"

#include "mock/mta/recordings.h"
#include "mock/scanner/rulebook.h"

#include <QDir>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QList<Mock::SessionRecording> readSamples(const QString &folder)
{
    QStringList paths;
    for (const QString &name : QDir(folder).entryList({u"0*.json"_s}, QDir::Files, QDir::Name))
        paths.append(folder + u'/' + name);
    return Mock::readRecordings(paths).sessions; // the build's own files: none is unreadable
}

// A rule as the user wrote it: its hit count is the runtime's.
bool sameRule(Mock::Rule a, Mock::Rule b)
{
    a.hits = 0;
    b.hits = 0;
    return a == b;
}

} // namespace

DemoRunner::DemoRunner(Mock::HookEndpoint *endpoint, Mock::Rulebook *rulebook,
    Mock::CaptureStore *store, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_rulebook(rulebook)
    , m_store(store)
    , m_secure(std::make_unique<Mock::HookEndpoint>(rulebook))
{
    connect(&m_replayer, &Mock::SessionReplayer::finished, this, [this] {
        if (isRunning())
            QTimer::singleShot(900, this, &DemoRunner::next);
    });
    connect(m_secure.get(), &Mock::HookEndpoint::errorOccurred, this, &DemoRunner::errorOccurred);
}

DemoRunner::~DemoRunner()
{
    m_replayer.cancel();
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
    if (!m_endpoint->isListening()) {
        *error = tr("The demo needs the endpoint: %1").arg(m_endpoint->errorString());
        return false;
    }
    m_steps.clear();
    for (const Mock::SessionRecording &session : readSamples(u":/samples"_s))
        m_steps.append({session, false});
    for (const Mock::SessionRecording &session : readSamples(u":/samples/secure"_s))
        m_steps.append({session, true});
    Mock::Rulebook demoRules;
    QString rulesError;
    if (m_steps.isEmpty() || !demoRules.load(u":/samples/demo-rules.json"_s, &rulesError)) {
        *error = tr("The demo samples are missing from this build: %1").arg(rulesError);
        return false;
    }
    // The demo's rules go on top for its duration; the user's own rules come back afterwards.
    // Holds would park the demo's calls: off for its duration too.
    m_heldBefore = m_rulebook->heldStages();
    for (Stage stage : std::as_const(m_heldBefore))
        m_rulebook->setHeld(stage, false);
    m_userRules = m_rulebook->rules();
    m_demoRules = demoRules.rules();
    m_rulebook->setRules(m_demoRules + m_userRules);
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
        target.url = QUrl(m_endpoint->url() + u"/hook"_s);
        target.auth = m_endpointAuth;
        // The user's own endpoint on loopback may serve HTTPS with a certificate of their own.
        target.allowInvalidCertificates = true;
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
    m_secure->close();
    // The demo's rules come off again, found by what they are, not by their name: a rule of the
    // user's may be called "demo: …" too. The user's rules stay, with what was changed in them
    // meanwhile, and with the hit counts they had: the demo's calls do not use up a rule that
    // answers only its first N calls.
    QList<Mock::Rule> rules = m_rulebook->rules();
    QList<Mock::Rule> demoLeft = m_demoRules;
    rules.removeIf([&demoLeft](const Mock::Rule &rule) {
        for (qsizetype i = 0; i < demoLeft.size(); ++i) {
            if (sameRule(rule, demoLeft.at(i))) {
                demoLeft.removeAt(i);
                return true;
            }
        }
        return false;
    });
    QList<Mock::Rule> before = m_userRules;
    for (Mock::Rule &rule : rules) {
        for (qsizetype i = 0; i < before.size(); ++i) {
            if (sameRule(rule, before.at(i))) {
                rule.hits = before.takeAt(i).hits;
                break;
            }
        }
    }
    m_userRules.clear();
    m_demoRules.clear();
    m_rulebook->setRules(rules);
    for (Stage stage : std::as_const(m_heldBefore))
        m_rulebook->setHeld(stage, true);
    m_heldBefore.clear();
    Q_EMIT finished();
}

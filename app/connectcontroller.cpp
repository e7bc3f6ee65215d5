// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/connectcontroller.h"

#include "mock/mta/recordings.h"
#include "mock/mta/requestbuilder.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "ui/mainwindow.h"

#include <QNetworkInterface>
#include <QNetworkReply>
#include <QSslConfiguration>

using namespace Qt::StringLiterals;

namespace {

bool isAnyAddress(const QHostAddress &address)
{
    return address == QHostAddress::Any || address == QHostAddress::AnyIPv4
        || address == QHostAddress::AnyIPv6;
}

QString hostPart(const QHostAddress &address)
{
    return address.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + address.toString() + u']'
                                                               : address.toString();
}

// Listening on all addresses: the machine's own addresses an MTA elsewhere can use (IPv4 first),
// then loopback, for an MTA on this machine.
QList<QHostAddress> reachableAddresses(const QHostAddress &any)
{
    QList<QHostAddress> v4;
    QList<QHostAddress> v6;
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.isLoopback() || address.isLinkLocal())
            continue;
        if (address.protocol() == QAbstractSocket::IPv4Protocol && any != QHostAddress::AnyIPv6)
            v4.append(address);
        else if (address.protocol() == QAbstractSocket::IPv6Protocol
            && any != QHostAddress::AnyIPv4)
            v6.append(address);
    }
    return v4 + v6
        + QList<QHostAddress> {QHostAddress(
            any == QHostAddress::AnyIPv6 ? QHostAddress::LocalHostIPv6 : QHostAddress::LocalHost)};
}

} // namespace

ConnectController::ConnectController(Mock::HookEndpoint *endpoint, const Mock::Rulebook *rulebook,
    MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
    , m_rulebook(rulebook)
    , m_window(window)
    , m_sample(sampleCall())
{
    connect(endpoint, &Mock::HookEndpoint::listeningChanged, this, &ConnectController::update);
    connect(endpoint, &Mock::HookEndpoint::errorOccurred, this, &ConnectController::update);
    connect(window, &MainWindow::testCallRequested, this, &ConnectController::sendTestCall);
    update();
}

QByteArray ConnectController::sampleCall()
{
    const QList<Mock::SessionRecording> samples
        = Mock::readRecordings({u":/samples/01-clean-stalwart.json"_s}).sessions;
    // A build without the samples (some tests) still has a call to send.
    const Mock::SessionRecording session = !samples.isEmpty()
        ? samples.constFirst()
        : Mock::sessionFromMessage("From: Alice <alice@example.org>\r\nTo: bob@example.com\r\n"
                                   "Subject: Hookscope test call\r\n\r\nHello from Hookscope.\r\n",
            u"alice@example.org"_s, {u"bob@example.com"_s});
    const int data = int(session.stages.size()) - 1;
    Mock::RequestOptions options; // Stalwart's format, JSON
    return Mock::buildRequestBody(session, data, Mock::envelopeAtStage(session, data), options);
}

ConnectInfo ConnectController::info() const
{
    const Mock::EndpointSettings settings = m_endpoint->settings();
    ConnectInfo info;
    info.listening = m_endpoint->isListening();
    info.problem = info.listening ? QString() : m_endpoint->errorString();
    info.tls = !settings.tlsCertificateFile.isEmpty();
    info.certificateFile = settings.tlsCertificateFile;
    info.clientCertificates = !settings.tlsClientCaFile.isEmpty();
    info.auth = settings.auth;
    info.timeoutMs = m_rulebook->mtaTimeoutMs();
    info.discovery = m_endpoint->controlPlane().discoveryDocument();
    info.sampleBody = m_sample;
    const QHostAddress address = info.listening ? m_endpoint->serverAddress() : settings.address;
    const quint16 port = info.listening ? m_endpoint->serverPort() : settings.port;
    const QString scheme = info.tls ? u"https"_s : u"http"_s;
    info.loopbackOnly = address.isLoopback();
    const QList<QHostAddress> addresses
        = isAnyAddress(address) ? reachableAddresses(address) : QList<QHostAddress> {address};
    for (const QHostAddress &reachable : addresses) {
        // Port 0 picks a free port when the endpoint starts: until then there is none to show.
        info.baseUrls.append(u"%1://%2:%3"_s.arg(
            scheme, hostPart(reachable), port == 0 ? u"PORT"_s : QString::number(port)));
    }
    return info;
}

void ConnectController::update()
{
    m_window->setConnectInfo(info());
}

QUrl ConnectController::testCallUrl() const
{
    QUrl url(m_endpoint->url() + u"/hook"_s);
    const QHostAddress address = m_endpoint->serverAddress();
    if (isAnyAddress(address))
        url.setHost(address == QHostAddress::AnyIPv6 ? u"::1"_s : u"127.0.0.1"_s);
    return url;
}

void ConnectController::sendTestCall()
{
    if (!m_endpoint->isListening()) {
        m_window->setTestCallResult(false, tr("The endpoint is stopped: start it first."));
        return;
    }
    const Mock::EndpointSettings settings = m_endpoint->settings();
    QNetworkRequest request(testCallUrl());
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    request.setRawHeader("X-Hookscope-Note", "Test call from Help > Connect an MTA");
    if (settings.auth.scheme != Mock::HttpAuth::Scheme::None)
        request.setRawHeader("Authorization", settings.auth.authorization());
    request.setTransferTimeout(15000);
    if (!settings.tlsCertificateFile.isEmpty()) {
        // The call goes to this very process's endpoint, whose certificate is often self-signed.
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(tls);
    }
    const bool clientCertificates = !settings.tlsClientCaFile.isEmpty();
    QNetworkReply *reply = m_network.post(request, m_sample);
    connect(reply, &QNetworkReply::finished, this, [this, reply, clientCertificates] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString answer = QString::fromUtf8(reply->readAll().left(160)).simplified();
        if (status == 0) {
            m_window->setTestCallResult(false,
                clientCertificates
                    ? tr("Not sent: the endpoint asks for a client certificate, which the test "
                         "call has none of (%1). Use the curl command with your certificate.")
                          .arg(reply->errorString())
                    : tr("Not sent: %1").arg(reply->errorString()));
            return;
        }
        const bool ok = status >= 200 && status < 300;
        const QString message = ok
            ? tr("Answered HTTP %1 %2: the call is in the timeline.").arg(status).arg(answer)
            : tr("Answered HTTP %1 %2").arg(status).arg(answer);
        m_window->setTestCallResult(ok, message);
        m_window->showStatus(tr("Test call: %1").arg(message));
    });
}

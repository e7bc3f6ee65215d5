// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settings.h"

#include <QDir>
#include <QHostAddress>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

Settings::Settings(QObject *parent)
    : QObject(parent)
{ }

QString Settings::defaultDatabasePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return dir + u"/captures.sqlite"_s;
}

QString Settings::rulesPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    QDir().mkpath(dir);
    return dir + u"/rules.json"_s;
}

Preferences Settings::preferences() const
{
    Preferences defaults;
    Preferences p;
    p.listenAddress = m_settings.value(u"endpoint/address"_s, defaults.listenAddress).toString();
    p.listenPort = quint16(m_settings.value(u"endpoint/port"_s, defaults.listenPort).toUInt());
    p.auth = m_settings.value(u"endpoint/auth"_s, defaults.auth).toString();
    p.bodyLimit = m_settings.value(u"endpoint/bodyLimit"_s, defaults.bodyLimit).toLongLong();
    p.holdTimeoutMs = m_settings.value(u"answers/holdTimeoutMs"_s, defaults.holdTimeoutMs).toInt();
    p.mtaTimeoutMs = m_settings.value(u"answers/mtaTimeoutMs"_s, defaults.mtaTimeoutMs).toInt();
    p.databasePath = m_settings.value(u"captures/database"_s, defaultDatabasePath()).toString();
    p.draftAnswerDialect = MtaHooks::dialectFromName(
        m_settings.value(u"answers/draftDialect"_s, u"draft-01"_s).toString())
                               .value_or(MtaHooks::Dialect::Draft01);
    p.headTimeoutMs = m_settings.value(u"endpoint/headTimeoutMs"_s, defaults.headTimeoutMs).toInt();
    p.bodyTimeoutMs = m_settings.value(u"endpoint/bodyTimeoutMs"_s, defaults.bodyTimeoutMs).toInt();
    p.maxConnections
        = m_settings.value(u"endpoint/maxConnections"_s, defaults.maxConnections).toInt();
    p.maxConnectionsPerPeer
        = m_settings.value(u"endpoint/maxConnectionsPerPeer"_s, defaults.maxConnectionsPerPeer)
              .toInt();
    p.maxDepth = m_settings.value(u"endpoint/maxDepth"_s, defaults.maxDepth).toInt();
    p.maxRegistrations
        = m_settings.value(u"endpoint/maxRegistrations"_s, defaults.maxRegistrations).toInt();
    p.allowedOrigins = m_settings.value(u"endpoint/allowedOrigins"_s).toStringList();
    p.tlsCertificateFile = m_settings.value(u"endpoint/tlsCertificate"_s).toString();
    p.tlsKeyFile = m_settings.value(u"endpoint/tlsKey"_s).toString();
    p.tlsClientCaFile = m_settings.value(u"endpoint/tlsClientCa"_s).toString();
    p.keepCredentials = m_settings.value(u"endpoint/keepCredentials"_s, false).toBool();
    p.strict = m_settings.value(u"endpoint/strict"_s, false).toBool();
    return p;
}

void Settings::setPreferences(const Preferences &p)
{
    if (p == preferences())
        return;
    m_settings.setValue(u"endpoint/address"_s, p.listenAddress);
    m_settings.setValue(u"endpoint/port"_s, p.listenPort);
    m_settings.setValue(u"endpoint/auth"_s, p.auth);
    m_settings.setValue(u"endpoint/bodyLimit"_s, p.bodyLimit);
    m_settings.setValue(u"answers/holdTimeoutMs"_s, p.holdTimeoutMs);
    m_settings.setValue(u"answers/mtaTimeoutMs"_s, p.mtaTimeoutMs);
    m_settings.setValue(u"captures/database"_s, p.databasePath);
    m_settings.setValue(u"answers/draftDialect"_s, MtaHooks::dialectName(p.draftAnswerDialect));
    m_settings.setValue(u"endpoint/headTimeoutMs"_s, p.headTimeoutMs);
    m_settings.setValue(u"endpoint/bodyTimeoutMs"_s, p.bodyTimeoutMs);
    m_settings.setValue(u"endpoint/maxConnections"_s, p.maxConnections);
    m_settings.setValue(u"endpoint/maxConnectionsPerPeer"_s, p.maxConnectionsPerPeer);
    m_settings.setValue(u"endpoint/maxDepth"_s, p.maxDepth);
    m_settings.setValue(u"endpoint/maxRegistrations"_s, p.maxRegistrations);
    m_settings.setValue(u"endpoint/allowedOrigins"_s, p.allowedOrigins);
    m_settings.setValue(u"endpoint/tlsCertificate"_s, p.tlsCertificateFile);
    m_settings.setValue(u"endpoint/tlsKey"_s, p.tlsKeyFile);
    m_settings.setValue(u"endpoint/tlsClientCa"_s, p.tlsClientCaFile);
    m_settings.setValue(u"endpoint/keepCredentials"_s, p.keepCredentials);
    m_settings.setValue(u"endpoint/strict"_s, p.strict);
}

Mock::EndpointSettings Settings::endpointSettings(
    const Preferences &p, Mock::EndpointSettings base, QString *error)
{
    base.address = p.listenAddress == u"localhost"_s ? QHostAddress(QHostAddress::LocalHost)
                                                     : QHostAddress(p.listenAddress);
    base.port = p.listenPort;
    base.bodyLimit = p.bodyLimit;
    base.headTimeoutMs = p.headTimeoutMs;
    base.bodyTimeoutMs = p.bodyTimeoutMs;
    base.maxConnections = p.maxConnections;
    base.maxConnectionsPerPeer = p.maxConnectionsPerPeer;
    base.maxDepth = p.maxDepth;
    base.maxRegistrations = p.maxRegistrations;
    base.allowedOrigins = p.allowedOrigins;
    base.tlsCertificateFile = p.tlsCertificateFile;
    base.tlsKeyFile = p.tlsKeyFile;
    base.tlsClientCaFile = p.tlsClientCaFile;
    base.keepCredentials = p.keepCredentials;
    base.strict = p.strict;
    QString authError;
    if (auto withAuth = Mock::EndpointSettings::withAuth(base, p.auth, &authError))
        return *withAuth;
    if (error)
        *error = authError;
    return base;
}

QString Settings::exposureWarning(
    const Mock::EndpointSettings &settings, const QHostAddress &listeningOn)
{
    // A client CA is authentication too: only holders of a certificate it signed get through.
    if (listeningOn.isNull() || listeningOn.isLoopback()
        || settings.auth.scheme != Mock::HttpAuth::Scheme::None
        || !settings.tlsClientCaFile.isEmpty())
        return {};
    return tr("Listening on %1 without authentication: anyone who can reach this port can post "
              "to it")
        .arg(listeningOn.toString());
}

QStringList Settings::savedFilters() const
{
    return m_settings.value(u"timeline/savedFilters"_s).toStringList();
}

void Settings::setSavedFilters(const QStringList &filters)
{
    m_settings.setValue(u"timeline/savedFilters"_s, filters);
}

QString Settings::theme() const
{
    return m_settings.value(u"window/theme"_s, u"system"_s).toString();
}

void Settings::setTheme(const QString &name)
{
    m_settings.setValue(u"window/theme"_s, name);
}

QByteArray Settings::windowGeometry() const
{
    return m_settings.value(u"window/geometry"_s).toByteArray();
}

QByteArray Settings::windowState() const
{
    return m_settings.value(u"window/state"_s).toByteArray();
}

QByteArray Settings::splitterState() const
{
    return m_settings.value(u"window/splitters"_s).toByteArray();
}

void Settings::setWindowLayout(
    const QByteArray &geometry, const QByteArray &state, const QByteArray &splitters)
{
    m_settings.setValue(u"window/geometry"_s, geometry);
    m_settings.setValue(u"window/state"_s, state);
    m_settings.setValue(u"window/splitters"_s, splitters);
}

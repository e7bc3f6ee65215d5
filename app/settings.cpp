// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settings.h"

#include <QDir>
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
    Q_EMIT preferencesChanged(p);
}

QStringList Settings::savedFilters() const
{
    return m_settings.value(u"timeline/savedFilters"_s).toStringList();
}

void Settings::setSavedFilters(const QStringList &filters)
{
    m_settings.setValue(u"timeline/savedFilters"_s, filters);
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

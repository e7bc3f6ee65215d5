// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/preferences.h"

#include <QByteArray>
#include <QObject>
#include <QSettings>
#include <QStringList>

// The window's persistent settings (QSettings), typed, with defaults in one place. Only app/
// includes this file.
class Settings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Settings)

public:
    explicit Settings(QObject *parent = nullptr);

    Preferences preferences() const;
    void setPreferences(const Preferences &preferences);

    QStringList savedFilters() const;
    void setSavedFilters(const QStringList &filters);
    QString theme() const; // "system" unless chosen
    void setTheme(const QString &name);
    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    QByteArray splitterState() const;
    void setWindowLayout(
        const QByteArray &geometry, const QByteArray &state, const QByteArray &splitters);

    // What the preferences ask of the endpoint, on top of base (what the preferences do not set);
    // error is set, and the authentication left as in base, when the auth spec is unusable.
    static Mock::EndpointSettings endpointSettings(
        const Preferences &preferences, Mock::EndpointSettings base, QString *error);

    // What the window warns of while the endpoint listens on this address with these settings
    // ("" when nothing): open to the network without authentication.
    static QString exposureWarning(
        const Mock::EndpointSettings &settings, const QHostAddress &listeningOn);

    static QString defaultDatabasePath();
    static QString rulesPath(); // the rulebook is kept between runs

private:
    QSettings m_settings;
};

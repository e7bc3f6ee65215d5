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
    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    QByteArray splitterState() const;
    void setWindowLayout(
        const QByteArray &geometry, const QByteArray &state, const QByteArray &splitters);

    static QString defaultDatabasePath();
    static QString rulesPath(); // the rulebook is kept between runs

Q_SIGNALS:
    void preferencesChanged(const Preferences &preferences);

private:
    QSettings m_settings;
};

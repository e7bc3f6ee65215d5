// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QString>

// What the settings dialog edits. app/settings.h persists it; the window only sees the values.
struct Preferences
{
    QString listenAddress = QStringLiteral("127.0.0.1"); // loopback unless told otherwise
    quint16 listenPort = 8025;
    QString auth = QStringLiteral("none"); // none | bearer:TOKEN | basic:USER:PASS
    qint64 bodyLimit = 64 * 1024 * 1024;
    int holdTimeoutMs = 30000;
    int mtaTimeoutMs = 30000;
    QString databasePath;
    MtaHooks::Dialect draftAnswerDialect = MtaHooks::Dialect::Draft01;

    friend bool operator==(const Preferences &, const Preferences &) = default;
};

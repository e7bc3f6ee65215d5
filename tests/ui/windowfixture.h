// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/application.h"

#include <QHostAddress>

#include <memory>

// The application as the window tests start it: its endpoint on a free loopback port, its
// captures in a throw-away database. Null when it cannot start.
inline std::unique_ptr<Application> startTestApplication()
{
    StartupOptions options;
    options.listenAddress = QHostAddress(QHostAddress::LocalHost);
    options.listenPort = 0;
    options.databasePath = QStringLiteral(":memory:");
    auto app = std::make_unique<Application>(options);
    if (!app->start())
        return nullptr;
    return app;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace TestSupport {

// tests/data in the source tree.
QString dataPath(const QString &relative);
QByteArray readData(const QString &relative);

// ../shared beside the checkout; empty when absent (callers QSKIP).
QString sharedPath(const QString &relative);
bool hasShared();
QByteArray readShared(const QString &relative);

// The build tree (for the hookscope binary in command tests).
QString binaryDir();
QString hookscopeBinary();

QByteArray readFile(const QString &path);

} // namespace TestSupport

// Skips the current test function when ../shared is absent.
#define HOOKSCOPE_REQUIRE_SHARED()                                                                 \
    do {                                                                                           \
        if (!TestSupport::hasShared())                                                             \
            QSKIP("../shared is absent: fixture suite skipped");                                   \
    } while (false)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the tst_mta_* and tst_replay_* suites (header-only: each suite stays one
// executable). Fixtures live under tests/data/mta/ (README.md there says what each one is).

#include "mock/capture/sessionfile.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/presets.h"
#include "tests/support/problemtext.h"
#include "tests/support/testsupport.h"

#include <QStringList>
#include <QTest>

namespace MtaTest {

using TestSupport::describe;
using TestSupport::errorCount;

inline QString fixturePath(const QString &relative)
{
    return TestSupport::dataPath(QStringLiteral("mta/") + relative);
}

inline QByteArray fixture(const QString &relative)
{
    const QByteArray bytes = TestSupport::readData(QStringLiteral("mta/") + relative);
    if (bytes.isEmpty())
        qWarning("fixture %s is missing or empty", qPrintable(relative));
    return bytes;
}

// The first session of a session file under tests/data/mta/sessions/.
inline Mock::SessionRecording session(const QString &name)
{
    QString error;
    const auto sessions
        = Mock::SessionFile::read(fixture(QStringLiteral("sessions/") + name), &error);
    if (!sessions || sessions->isEmpty()) {
        qWarning("session file %s: %s", qPrintable(name), qPrintable(error));
        return {};
    }
    return sessions->constFirst();
}

// Generous waits: the suites run on loaded two-core machines.
constexpr int LongWaitMs = 60000;

} // namespace MtaTest

Q_DECLARE_METATYPE(MtaHooks::Preset)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the tst_scanner_* suites (header-only: each suite stays one executable).

#include "mock/protocol/codec.h"
#include "tests/support/problemtext.h"
#include "tests/support/testsupport.h"

#include <QStringList>
#include <QTest>

namespace ScannerTest {

using TestSupport::describe;
using TestSupport::errorCount;

// Our own fixtures live under tests/data/scanner/ (README.md there says what each one is).
inline QByteArray fixture(const QString &relative)
{
    const QByteArray bytes = TestSupport::readData(QStringLiteral("scanner/") + relative);
    if (bytes.isEmpty())
        qWarning("fixture %s is missing or empty", qPrintable(relative));
    return bytes;
}

// The same document as CBOR (the drafts' other serialization).
inline QByteArray asCbor(const QByteArray &json)
{
    return MtaHooks::Document::fromJson(json).toCbor();
}

inline MtaHooks::HookRequest request(const QString &relative, bool cbor = false)
{
    const QByteArray json = fixture(relative);
    return cbor ? MtaHooks::decodeRequest(asCbor(json), "application/cbor")
                : MtaHooks::decodeRequest(json, "application/json");
}

} // namespace ScannerTest

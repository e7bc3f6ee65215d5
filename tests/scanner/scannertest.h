// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the tst_scanner_* suites (header-only: each suite stays one executable).

#include "mock/protocol/codec.h"
#include "tests/support/testsupport.h"

#include <QStringList>
#include <QTest>

namespace ScannerTest {

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

inline QString describe(const MtaHooks::Problems &problems)
{
    QStringList lines;
    for (const MtaHooks::Problem &problem : problems)
        lines << QStringLiteral("[%1] %2: %3")
                     .arg(MtaHooks::severityName(problem.severity), problem.pointer,
                         problem.message);
    return lines.isEmpty() ? QStringLiteral("(no problems)") : lines.join(u'\n');
}

inline int errorCount(const MtaHooks::Problems &problems)
{
    return MtaHooks::countOf(problems, MtaHooks::Severity::Error);
}

} // namespace ScannerTest

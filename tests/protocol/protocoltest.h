// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the tst_protocol_* suites (header-only: each suite stays one executable).

#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "tests/support/problemtext.h"
#include "tests/support/testsupport.h"

#include <QStringList>
#include <QTest>

namespace ProtocolTest {

using TestSupport::describe;

// Our own fixtures live under tests/data/protocol/.
inline QByteArray fixture(const QString &relative)
{
    const QByteArray bytes = TestSupport::readData(QStringLiteral("protocol/") + relative);
    if (bytes.isEmpty())
        qWarning("fixture %s is missing or empty", qPrintable(relative));
    return bytes;
}

inline QList<MtaHooks::Problem> atSeverity(
    const MtaHooks::Problems &problems, MtaHooks::Severity severity)
{
    QList<MtaHooks::Problem> result;
    for (const MtaHooks::Problem &problem : problems) {
        if (problem.severity == severity)
            result << problem;
    }
    return result;
}

inline bool hasProblem(
    const MtaHooks::Problems &problems, const QString &pointer, MtaHooks::Severity severity)
{
    for (const MtaHooks::Problem &problem : problems) {
        if (problem.pointer == pointer && problem.severity == severity)
            return true;
    }
    return false;
}

inline MtaHooks::HookRequest request(const QString &relative)
{
    return MtaHooks::decodeRequest(fixture(relative), "application/json");
}

// Decodes an answer the way an MTA that sent `request` reads it.
inline MtaHooks::HookResponse response(const QByteArray &body, const MtaHooks::HookRequest &request,
    int httpStatus = 200, QByteArrayView contentType = "application/json")
{
    MtaHooks::DecodeOptions options;
    options.requestDialect = request.dialect;
    options.requestStage = request.stage;
    return MtaHooks::decodeResponse(body, contentType, httpStatus, options);
}

inline MtaHooks::HookResponse response(
    const QString &relative, const MtaHooks::HookRequest &request)
{
    return response(fixture(relative), request);
}

inline MtaHooks::Outcome applyFixture(const QString &requestFixture, const QString &responseFixture)
{
    const MtaHooks::HookRequest decoded = request(requestFixture);
    return MtaHooks::apply(decoded, response(responseFixture, decoded));
}

// The header field names of a raw message, in order (for readable comparisons).
inline QStringList headerNames(const QByteArray &raw)
{
    QStringList names;
    const qsizetype end = raw.indexOf("\r\n\r\n");
    const QByteArray block = raw.left(end < 0 ? raw.size() : end + 2);
    for (const QByteArray &line : block.split('\n')) {
        if (line.isEmpty() || line.startsWith(' ') || line.startsWith('\t'))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            names << QString::fromUtf8(line.left(colon));
    }
    return names;
}

inline QByteArray bodyOf(const QByteArray &raw)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : raw.mid(end + 4);
}

} // namespace ProtocolTest

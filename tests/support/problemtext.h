// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Validation findings as test failure messages. Header-only: the suites that use it link the
// protocol library, the support library does not.

#include "mock/protocol/types.h"

#include <QStringList>

namespace TestSupport {

inline QString describe(const MtaHooks::Problem &problem)
{
    return QStringLiteral("[%1] %2: %3")
        .arg(MtaHooks::severityName(problem.severity),
            problem.pointer.isEmpty() ? QStringLiteral("(root)") : problem.pointer,
            problem.message);
}

inline QString describe(const MtaHooks::Problems &problems)
{
    QStringList lines;
    for (const MtaHooks::Problem &problem : problems)
        lines << describe(problem);
    return lines.isEmpty() ? QStringLiteral("(no problems)") : lines.join(u'\n');
}

inline int errorCount(const MtaHooks::Problems &problems)
{
    return MtaHooks::countOf(problems, MtaHooks::Severity::Error);
}

} // namespace TestSupport

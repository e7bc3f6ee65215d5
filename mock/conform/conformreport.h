// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"

#include <QByteArray>
#include <QJsonObject>

namespace Conform {

struct Report
{
    QString scanner; // the URL checked
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Draft01;
    QList<Result> results;
    bool unreachable = false;

    int count(Status status) const;
    int mustFailures() const;
    qint64 elapsedMs() const;
};

// JUnit XML for CI systems: one testsuite, one testcase per check (classname = the clause). A
// failed MUST is a <failure>; a failed SHOULD is not (the run still passes, exit code 0) but says
// so in <system-err>; a skip is <skipped>. Evidence goes into the failure text or <system-out>.
QByteArray junitXml(const Report &report);

// {"scanner", "dialect", "unreachable", "summary": {pass, fail, skip, mustFailures},
//  "results": [{id, clause, level, title, status, detail, elapsedMs,
//               "evidence": [{sent, seen}]}]}
QJsonObject jsonReport(const Report &report);

QString evidenceText(const Result &result); // every exchange, sent then seen, for people

} // namespace Conform

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What both `conform` modes print and write: a result line (with its evidence under a failure),
// and the end of a run: the summary or the JSON document, and the JUnit file.

#include "app/cliio.h"
#include "mock/conform/conformreport.h"

#include <QJsonObject>
#include <QTextStream>

void printConformResult(const Conform::Result &result, QTextStream &out, int clauseWidth);

// The summary line (or, with asJson, the report as JSON with `extra` members added), then the
// JUnit XML to junitPath when it is not empty. False, having said why, when that file cannot be
// written.
bool finishConformReport(const Conform::Report &report, bool asJson, const QJsonObject &extra,
    const QString &junitPath, const CommandIo &io);

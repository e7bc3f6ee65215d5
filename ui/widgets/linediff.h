// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

// A unified diff (the "diff -u" format, three lines of context: dtl's fixed DTL_CONTEXT_SIZE) of
// two line lists, computed with dtl. Empty when both sides are equal.
struct LineDiffOptions
{
    QString beforeLabel = QStringLiteral("before");
    QString afterLabel = QStringLiteral("after");
};

QString unifiedDiff(
    const QStringList &before, const QStringList &after, const LineDiffOptions &options = {});

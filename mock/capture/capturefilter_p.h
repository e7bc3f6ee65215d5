// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"

#include <QString>
#include <QVariantList>

namespace Mock::Detail {

// A CaptureQuery as an SQL condition over the exchanges table: `where` holds only column names,
// operators and "?" placeholders; every user-supplied value is in `binds`, in placeholder order.
struct SqlFilter
{
    QString where = QStringLiteral("1");
    QVariantList binds;
};

SqlFilter sqlFilter(const CaptureQuery &query);

// SQLite LIKE patterns (used with ESCAPE '\\'): LIKE ignores ASCII case by itself, which is
// several times faster than comparing lower() copies. Non-ASCII letters compare exactly.
// likeGlob: a filter glob ("*" any run, "?" one character) with LIKE's own % and _ made literal.
QString likeGlob(QStringView glob);
// likeLiteral: exactly this text (but for ASCII case); likeContains: contains it.
QString likeLiteral(QStringView text);
QString likeContains(QStringView text);

} // namespace Mock::Detail

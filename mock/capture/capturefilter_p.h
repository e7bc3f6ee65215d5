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

// The SQLite GLOB pattern for a filter glob: lower-cased (the column is compared lower-cased),
// "*" and "?" kept, "[" made literal.
QString sqliteGlob(QStringView glob);

} // namespace Mock::Detail

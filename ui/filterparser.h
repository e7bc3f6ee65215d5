// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"

#include <QString>

// The filter bar's language: space-separated terms, ANDed. `field:value` for stage, from, to,
// action, status, has, dialect, session, rule, client, kind; a leading '-' negates; "double
// quotes" group words; anything else is free text. Unknown fields are an error with its position.
struct FilterParseResult
{
    Mock::CaptureQuery query;
    QString error;      // empty when the text parsed
    int errorPosition = -1;
    bool isValid() const { return error.isEmpty(); }
};

FilterParseResult parseFilter(const QString &text);
QString filterToString(const Mock::CaptureQuery &query); // normalised text of a query
QStringList filterFieldNames();                          // for completion

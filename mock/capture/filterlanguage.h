// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"

#include <QString>
#include <QStringList>

namespace Mock {

// The filter language of the timeline's filter bar, as text: parsed into a CaptureQuery and
// written back. The query has two readings that must agree: the store's SQL
// (capturefilter_p.h, CaptureStore::list/count/sessions) and the in-memory matcher
// (querymatcher.h) the timeline uses for live calls; tests/capture/tst_capture_filterreadings
// checks them against each other.
//
// Space-separated terms, ANDed. `field:value` for stage, from, to, action, smtp, http, status,
// has, dialect, session, rule, client, kind; a leading '-' negates; "double quotes" group words;
// anything else is free text. Unknown fields are an error with its position.
//
// Inside quotes, \" is a quote and \\ a backslash. A quoted word is always free text
// ("stage:rcpt" in quotes searches for that text). Field names are case-insensitive; values of
// closed sets (stage, action, smtp, http, status, has, dialect, kind) are checked and normalised
// to lower case; `""` is a valid empty value for the open fields (from:"" is the null sender).
//
// What the terms mean, in both readings: free text is found, ignoring the case of ASCII letters
// only, in the subject, the envelope sender, the recipients (as the JSON array the store keeps,
// so a quote in an address is searched as \"), the request path, the rule name, the client ip and
// the stage's wire name. from, to (any one recipient) and client are globs with '*' for any run
// and '?' for one character (one character also outside the BMP), ASCII case ignored; rule is
// the rule's name, ASCII case ignored; session is the key exactly. smtp is the SMTP reply code
// the answer leads to (550, or a class 5xx; calls without one have none); http and status are
// the same: the HTTP status of the answer (status is the older spelling, kept for saved filters).
// Values are compared as the store's SQLite LIKE reads them, so text after a NUL in a captured
// value is not searched, and a request path that is not UTF-8 is read the way SQLite reads it.
//
// A filter holds at most MaxFilterTerms terms and values of at most MaxFilterValueLength
// characters: SQLite refuses deeper expressions and longer LIKE patterns, and the timeline's
// in-memory reading would then disagree with a store that lists nothing.
constexpr int MaxFilterTerms = 100;
constexpr int MaxFilterValueLength = 1000;

struct FilterParseResult
{
    CaptureQuery query;
    QString error; // empty when the text parsed
    int errorPosition = -1; // 0-based index into the text
    int errorLength = 0; // characters the error concerns (for underlining), 0 when unknown
    bool isValid() const { return error.isEmpty(); }
};

FilterParseResult parseFilter(const QString &text);
QString filterToString(const CaptureQuery &query); // normalised text of a query
QStringList filterFieldNames(); // for completion
// The values a closed-set field accepts ("stage" → connect, ehlo, …); empty for open fields.
QStringList filterFieldValues(const QString &field);

} // namespace Mock

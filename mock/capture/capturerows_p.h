// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How an Exchange is laid out in a capture database, without any Qt SQL: the schema text, the
// summary columns and the encodings of the non-scalar fields. capturestore.cpp runs the SQL.

#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"

#include <QByteArray>
#include <QCborArray>
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantList>

namespace Mock::Detail {

// PRAGMA application_id of capture databases ("HkSc"): tells ours from any other SQLite file.
constexpr qint32 CaptureApplicationId = 0x486B5363;
// PRAGMA user_version written by the newest migration below.
constexpr int CaptureSchemaVersion = 4;

// The statements that bring a database from schemaVersion - 1 to schemaVersion (1 creates it).
QStringList migrationStatements(int schemaVersion);

// Columns of the summary table in bind and select order ("id" excluded).
const QStringList &summaryColumns();
// Columns of the bodies table in bind and select order ("id" excluded).
const QStringList &bodyColumns();

// "e.id, e.<summary columns>[, b.<body columns>]" for a select from exchanges e (joined with
// bodies b), and how many columns that is.
QString selectList(bool withBodies);
int selectWidth(bool withBodies);
// Statements over summaryValues() (update: then the id) and the bodies row (the id first).
QString insertExchangeSql();
QString updateExchangeSql();
QString writeBodiesSql();

// One exchange as bound values, in summaryColumns() order (ExchangeInserter binds the same
// values for a new one; the bodies row binds the id, then the bodyColumns(): a null request body
// when written in parts, then request_parts names the spool). Null strings become '' (the summary
// columns are NOT NULL; Qt binds a null QString as NULL).
QVariantList summaryValues(const Exchange &exchange);
// The reverse, from a row "id, <summary columns>[, <body columns>]".
Exchange exchangeFromRow(const QVariantList &row, bool withBodies);
// The exchange without header lists, bodies and match trace.
Exchange summaryOf(const Exchange &exchange);

// Adds one new exchange to its session row (binds: the session key, the exchange id, received
// twice, client IP, mail from, the shown verdict's severity and text, the problem count).
QString addToSessionSql();
// Rebuilds one session row from its exchanges (binds: the key four times), after an update or
// removal, when an incremental change is not enough.
QString recomputeSessionSql();

// The columns a SessionSummary is read from, and the reading.
const QStringList &sessionColumns();
SessionSummary sessionFromRow(const QVariantList &row);

// The verdict a list shows: Held while parked, else the stored verdict.
MtaHooks::Verdict effectiveVerdict(const Exchange &exchange);
QString verdictText(MtaHooks::Verdict verdict); // "none" for Verdict::None

// Binary-safe header lists (CBOR array of [name, value] byte strings).
QByteArray encodeHeaders(const HttpHeaders &headers);
HttpHeaders decodeHeaders(const QByteArray &blob);

// Compact JSON: [{"pointer","severity","message"}].
// Problems as {pointer, severity, message, origin} maps: in the capture database, session files
// and HAR exports alike. Read back, a problem stored before origins were kept gets Answer when
// its text says so ("answer: …").
QCborArray problemsToCbor(const MtaHooks::Problems &problems);
MtaHooks::Problems problemsFromJson(const QJsonArray &array);
QString encodeProblems(const MtaHooks::Problems &problems);
MtaHooks::Problems decodeProblems(const QString &json);

// Compact JSON array of strings. Recipients are a JSON array rather than a separator-joined
// string so that a recipient glob can test each address on its own (json_each) and addresses
// with quoted commas survive.
QString encodeStringList(const QStringList &list);
QByteArray encodeStringListUtf8(const QStringList &list); // the same, as UTF-8
QStringList decodeStringList(const QString &json);

} // namespace Mock::Detail

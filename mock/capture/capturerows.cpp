// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturerows_p.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <numeric>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

QStringList migrationStatements(int schemaVersion)
{
    switch (schemaVersion) {
    case 1:
        return {
            // AUTOINCREMENT: ids are never reused, so a view holding the id of a removed row
            // cannot show another exchange under it. Text columns are NOT NULL (with '') so that
            // negated filters need no three-valued logic.
            uR"(CREATE TABLE exchanges (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_key TEXT NOT NULL DEFAULT '',
                sequence INTEGER NOT NULL DEFAULT 0,
                received INTEGER,
                peer_address TEXT NOT NULL DEFAULT '',
                peer_port INTEGER NOT NULL DEFAULT 0,
                method BLOB NOT NULL DEFAULT x'',
                path BLOB NOT NULL DEFAULT x'',
                kind TEXT NOT NULL DEFAULT 'hook',
                dialect TEXT NOT NULL DEFAULT '',
                encoding TEXT NOT NULL DEFAULT '',
                stage TEXT NOT NULL DEFAULT '',
                stage_name TEXT NOT NULL DEFAULT '',
                client_ip TEXT NOT NULL DEFAULT '',
                client_port INTEGER NOT NULL DEFAULT 0,
                client_ehlo TEXT NOT NULL DEFAULT '',
                queue_id TEXT NOT NULL DEFAULT '',
                mail_from TEXT NOT NULL DEFAULT '',
                recipients TEXT NOT NULL DEFAULT '[]',
                subject TEXT NOT NULL DEFAULT '',
                message_size INTEGER NOT NULL DEFAULT -1,
                has_attachment INTEGER NOT NULL DEFAULT 0,
                problems TEXT NOT NULL DEFAULT '[]',
                problem_count INTEGER NOT NULL DEFAULT 0,
                error_count INTEGER NOT NULL DEFAULT 0,
                rule_name TEXT NOT NULL DEFAULT '',
                rule_reason TEXT NOT NULL DEFAULT '',
                action TEXT NOT NULL DEFAULT '',
                verdict TEXT NOT NULL DEFAULT '',
                severity INTEGER NOT NULL DEFAULT 0,
                reply_code INTEGER NOT NULL DEFAULT 0,
                http_status INTEGER NOT NULL DEFAULT 0,
                fault TEXT NOT NULL DEFAULT '',
                latency_us INTEGER NOT NULL DEFAULT 0,
                held INTEGER NOT NULL DEFAULT 0,
                note TEXT NOT NULL DEFAULT ''))"_s,
            // Blobs live apart so that list queries read narrow rows only.
            uR"(CREATE TABLE bodies (
                id INTEGER PRIMARY KEY,
                request_headers BLOB,
                request_body BLOB,
                response_headers BLOB,
                response_body BLOB,
                match_trace TEXT))"_s,
            // One row per session key, kept up to date by every write, so that the session list
            // of a million captures is a plain paged read instead of a GROUP BY over all of them.
            uR"(CREATE TABLE sessions (
                key TEXT PRIMARY KEY,
                first_id INTEGER NOT NULL,
                first INTEGER,
                last INTEGER,
                exchange_count INTEGER NOT NULL,
                client_ip TEXT NOT NULL,
                mail_from TEXT NOT NULL,
                worst_severity INTEGER NOT NULL,
                worst_verdict TEXT NOT NULL,
                problem_count INTEGER NOT NULL))"_s,
            u"CREATE INDEX exchanges_session ON exchanges(session_key)"_s,
            u"CREATE INDEX exchanges_stage ON exchanges(stage)"_s,
            u"CREATE INDEX exchanges_verdict ON exchanges(verdict)"_s,
            u"CREATE INDEX exchanges_received ON exchanges(received)"_s,
            // A narrow copy of the row order: a deep page of the unfiltered list (OFFSET 900000)
            // skips ids in this index instead of walking the wide table rows.
            u"CREATE INDEX exchanges_order ON exchanges(id)"_s,
            u"CREATE INDEX sessions_order ON sessions(first_id)"_s,
        };
    case 2:
        // The subject of a TLS client certificate (mTLS), per call.
        return {u"ALTER TABLE exchanges ADD COLUMN client_certificate TEXT NOT NULL DEFAULT ''"_s};
    case 3:
        return {
            // A large request body is written in parts, one short transaction each, so that no
            // single write holds the event loop or the write lock for long
            // (CaptureStore::saveInParts). request_parts names them; request_body is then NULL.
            u"ALTER TABLE bodies ADD COLUMN request_parts INTEGER"_s,
            uR"(CREATE TABLE body_parts (
                spool INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (spool, seq)) WITHOUT ROWID)"_s,
            // Small (only rows with parts): finds a spool's exchange without scanning bodies.
            u"CREATE INDEX bodies_parts ON bodies(request_parts) WHERE request_parts IS NOT NULL"_s,
        };
    case 4:
        return {
            // body_parts was a WITHOUT ROWID table: a row is its own key there, and SQLite reads
            // a key's overflow pages in full to compare with it, so each part inserted read
            // several stored megabyte parts on its way down the tree (issue 12: half of a 5 MB
            // call's time). A rowid table appends; only the small (spool, seq) keys are compared.
            uR"(CREATE TABLE body_parts_rowid (
                spool INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                data BLOB NOT NULL))"_s,
            u"INSERT INTO body_parts_rowid (spool, seq, data) "
            "SELECT spool, seq, data FROM body_parts ORDER BY spool, seq"_s,
            u"DROP TABLE body_parts"_s,
            u"ALTER TABLE body_parts_rowid RENAME TO body_parts"_s,
            u"CREATE UNIQUE INDEX body_parts_key ON body_parts(spool, seq)"_s,
        };
    default:
        return {};
    }
}

const QStringList &summaryColumns()
{
    static const QStringList columns {
        u"session_key"_s,
        u"sequence"_s,
        u"received"_s,
        u"peer_address"_s,
        u"peer_port"_s,
        u"method"_s,
        u"path"_s,
        u"kind"_s,
        u"dialect"_s,
        u"encoding"_s,
        u"stage"_s,
        u"stage_name"_s,
        u"client_ip"_s,
        u"client_port"_s,
        u"client_ehlo"_s,
        u"queue_id"_s,
        u"mail_from"_s,
        u"recipients"_s,
        u"subject"_s,
        u"message_size"_s,
        u"has_attachment"_s,
        u"problems"_s,
        u"problem_count"_s,
        u"error_count"_s,
        u"rule_name"_s,
        u"rule_reason"_s,
        u"action"_s,
        u"verdict"_s,
        u"severity"_s,
        u"reply_code"_s,
        u"http_status"_s,
        u"fault"_s,
        u"latency_us"_s,
        u"held"_s,
        u"note"_s,
        u"client_certificate"_s,
    };
    return columns;
}

const QStringList &bodyColumns()
{
    static const QStringList columns {
        u"request_headers"_s,
        u"request_body"_s,
        u"response_headers"_s,
        u"response_body"_s,
        u"match_trace"_s,
        u"request_parts"_s,
    };
    return columns;
}

namespace {

QString joined(const QString &prefix, const QStringList &columns, const QString &suffix)
{
    QStringList parts;
    parts.reserve(columns.size());
    for (const QString &column : columns)
        parts.append(prefix + column + suffix);
    return parts.join(u", "_s);
}

} // namespace

QString selectList(bool withBodies)
{
    QString list = u"e.id, "_s + joined(u"e."_s, summaryColumns(), QString());
    if (withBodies)
        list += u", "_s + joined(u"b."_s, bodyColumns(), QString());
    return list;
}

int selectWidth(bool withBodies)
{
    return 1 + int(summaryColumns().size()) + (withBodies ? int(bodyColumns().size()) : 0);
}

QString insertExchangeSql()
{
    return u"INSERT INTO exchanges (%1) VALUES (%2)"_s.arg(
        summaryColumns().join(u", "_s), QStringList(summaryColumns().size(), u"?"_s).join(u", "_s));
}

QString updateExchangeSql()
{
    return u"UPDATE exchanges SET %1 WHERE id = ?"_s.arg(
        joined(QString(), summaryColumns(), u" = ?"_s));
}

QString writeBodiesSql()
{
    return u"INSERT OR REPLACE INTO bodies (id, %1) VALUES (?, %2)"_s.arg(
        bodyColumns().join(u", "_s), QStringList(bodyColumns().size(), u"?"_s).join(u", "_s));
}

MtaHooks::Verdict effectiveVerdict(const Exchange &exchange)
{
    return exchange.held ? MtaHooks::Verdict::Held : exchange.verdict;
}

QString verdictText(MtaHooks::Verdict verdict)
{
    return verdict == MtaHooks::Verdict::None ? u"none"_s : MtaHooks::verdictName(verdict);
}

namespace {

// Qt binds a null QString or QByteArray as SQL NULL; the summary columns are NOT NULL.
QVariant text(const QString &value)
{
    return value.isNull() ? QVariant(u""_s) : QVariant(value);
}

QVariant bytes(const QByteArray &value)
{
    return value.isNull() ? QVariant(QByteArray("")) : QVariant(value);
}

QVariant msecs(const QDateTime &time)
{
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch())
                          : QVariant(QMetaType(QMetaType::LongLong));
}

} // namespace

QVariantList summaryValues(const Exchange &e)
{
    using namespace MtaHooks;
    return {
        text(e.sessionKey),
        e.sequence,
        msecs(e.received),
        text(e.peerAddress),
        int(e.peerPort),
        bytes(e.method),
        bytes(e.path),
        exchangeKindName(e.kind),
        text(dialectName(e.dialect)),
        text(encodingName(e.encoding)),
        // Known stages by their canonical name, unknown ones by the wire text: "stage:" finds both.
        text(e.stage != Stage::Unknown ? MtaHooks::stageName(e.stage) : e.stageName),
        text(e.stageName),
        text(e.clientIp),
        e.clientPort,
        text(e.clientEhlo),
        text(e.queueId),
        text(e.mailFrom),
        encodeStringList(e.recipients),
        text(e.subject),
        e.messageSize,
        e.hasAttachment,
        encodeProblems(e.problems),
        int(e.problems.size()),
        e.errorCount(),
        text(e.ruleName),
        text(e.ruleReason),
        text(actionName(e.action)),
        text(verdictName(e.verdict)),
        MtaHooks::verdictSeverity(effectiveVerdict(e)),
        e.replyCode,
        e.httpStatus,
        text(e.fault),
        e.latencyUs,
        e.held,
        text(e.note),
        text(e.clientCertificate),
    };
}

Exchange exchangeFromRow(const QVariantList &row, bool withBodies)
{
    using namespace MtaHooks;
    Exchange e;
    qsizetype i = 0;
    const auto next = [&row, &i]() { return i < row.size() ? row.at(i++) : QVariant(); };
    e.id = next().toLongLong();
    e.sessionKey = next().toString();
    e.sequence = next().toInt();
    const QVariant received = next();
    if (!received.isNull())
        e.received = QDateTime::fromMSecsSinceEpoch(received.toLongLong(), Qt::UTC);
    e.peerAddress = next().toString();
    e.peerPort = quint16(next().toUInt());
    e.method = next().toByteArray();
    e.path = next().toByteArray();
    e.kind = exchangeKindFromName(next().toString());
    e.dialect = dialectFromName(next().toString()).value_or(Dialect::Unknown);
    e.encoding = encodingFromName(next().toString()).value_or(Encoding::Unknown);
    e.stage = stageFromName(next().toString());
    e.stageName = next().toString();
    e.clientIp = next().toString();
    e.clientPort = next().toInt();
    e.clientEhlo = next().toString();
    e.queueId = next().toString();
    e.mailFrom = next().toString();
    e.recipients = decodeStringList(next().toString());
    e.subject = next().toString();
    e.messageSize = next().toLongLong();
    e.hasAttachment = next().toBool();
    e.problems = decodeProblems(next().toString());
    i += 2; // problem_count, error_count: derived from problems
    e.ruleName = next().toString();
    e.ruleReason = next().toString();
    e.action = actionFromName(next().toString()).value_or(Action::None);
    e.verdict = verdictFromName(next().toString()).value_or(Verdict::None);
    ++i; // severity: derived
    e.replyCode = next().toInt();
    e.httpStatus = next().toInt();
    e.fault = next().toString();
    e.latencyUs = next().toLongLong();
    e.held = next().toBool();
    e.note = next().toString();
    e.clientCertificate = next().toString();
    if (withBodies) {
        e.requestHeaders = decodeHeaders(next().toByteArray());
        e.requestBody = next().toByteArray();
        e.responseHeaders = decodeHeaders(next().toByteArray());
        e.responseBody = next().toByteArray();
        e.matchTrace = decodeStringList(next().toString());
    }
    return e;
}

Exchange summaryOf(const Exchange &exchange)
{
    Exchange summary = exchange;
    summary.requestHeaders.clear();
    summary.requestBody.clear();
    summary.responseHeaders.clear();
    summary.responseBody.clear();
    summary.matchTrace.clear();
    return summary;
}

QString addToSessionSql()
{
    // The UPDATE side reads the old row on the right of every "=" (SQL semantics), so the order of
    // worst_verdict and worst_severity does not matter. SQLite's two-argument min/max give NULL
    // when either side is NULL, hence the coalesce for exchanges without a time. The values are
    // one or more new exchanges of the session in one batch, summed up as SessionTally does.
    return uR"(INSERT INTO sessions (key, first_id, first, last, exchange_count, client_ip,
            mail_from, worst_severity, worst_verdict, problem_count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET
            first_id = min(first_id, excluded.first_id),
            first = coalesce(min(first, excluded.first), first, excluded.first),
            last = coalesce(max(last, excluded.last), last, excluded.last),
            exchange_count = exchange_count + excluded.exchange_count,
            client_ip = CASE WHEN client_ip = '' THEN excluded.client_ip ELSE client_ip END,
            mail_from = CASE WHEN mail_from = '' THEN excluded.mail_from ELSE mail_from END,
            worst_verdict = CASE WHEN excluded.worst_severity > worst_severity
                            THEN excluded.worst_verdict ELSE worst_verdict END,
            worst_severity = max(worst_severity, excluded.worst_severity),
            problem_count = problem_count + excluded.problem_count)"_s;
}

const QStringList &sessionColumns()
{
    static const QStringList columns {u"key"_s, u"first"_s, u"last"_s, u"exchange_count"_s,
        u"client_ip"_s, u"mail_from"_s, u"worst_verdict"_s, u"problem_count"_s};
    return columns;
}

SessionSummary sessionFromRow(const QVariantList &row)
{
    const auto time = [](const QVariant &value) {
        return value.isNull() ? QDateTime()
                              : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
    };
    SessionSummary summary;
    summary.sessionKey = row.value(0).toString();
    summary.first = time(row.value(1));
    summary.last = time(row.value(2));
    summary.exchangeCount = row.value(3).toInt();
    summary.clientIp = row.value(4).toString();
    summary.mailFrom = row.value(5).toString();
    summary.worstVerdict = row.value(6).toString();
    summary.problemCount = row.value(7).toInt();
    return summary;
}

QString recomputeSessionSql()
{
    // Ties between equally severe verdicts go to the earliest exchange, as in addToSessionSql().
    return uR"(INSERT INTO sessions (key, first_id, first, last, exchange_count, client_ip,
            mail_from, worst_severity, worst_verdict, problem_count)
        SELECT session_key, min(id), min(received), max(received), count(*),
            coalesce((SELECT client_ip FROM exchanges WHERE session_key = ? AND client_ip <> ''
                      ORDER BY id LIMIT 1), ''),
            coalesce((SELECT mail_from FROM exchanges WHERE session_key = ? AND mail_from <> ''
                      ORDER BY id LIMIT 1), ''),
            max(severity),
            (SELECT CASE WHEN held <> 0 THEN 'held' WHEN verdict = '' THEN 'none' ELSE verdict END
             FROM exchanges WHERE session_key = ? ORDER BY severity DESC, id LIMIT 1),
            sum(problem_count)
        FROM exchanges WHERE session_key = ? GROUP BY session_key)"_s;
}

} // namespace Mock::Detail

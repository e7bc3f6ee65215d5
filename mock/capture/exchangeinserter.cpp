// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/exchangeinserter_p.h"

#include "mock/capture/capturerows_p.h"
#include "mock/capture/sessionfold.h"

#include <sqlite3.h>

#include <array>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

namespace {

// Every value bound below outlives the statement's step (the exchange, or a local of the caller
// that steps), so SQLite need not copy it.
void bindUtf8(sqlite3_stmt *statement, int column, const QByteArray &text)
{
    sqlite3_bind_text(
        statement, column, text.isNull() ? "" : text.constData(), int(text.size()), SQLITE_STATIC);
}

// The text values of one statement as UTF-8, kept until it has stepped. SQLite takes UTF-16 as
// well (sqlite3_bind_text16), but converts it with an allocation of its own for every value, at
// several times the cost of Qt's conversion. Short ASCII values (most of a row: addresses, names,
// verdicts) are copied into one buffer here rather than a QByteArray each: an allocation and a
// release per column were a tenth of the writer's time outside SQLite (issue 12). The buffer never
// grows, so a bound value never moves; anything else goes through toUtf8(), whose bytes (a lone
// surrogate as '?') are the column's.
class Texts
{
public:
    explicit Texts(sqlite3_stmt *statement)
        : m_statement(statement)
    { }
    // A null QString is '' here: the summary columns are NOT NULL (as text() in capturerows.cpp).
    void bind(int column, const QString &text)
    {
        if (text.size() <= qsizetype(m_buffer.size()) - m_used) {
            char *const start = m_buffer.data() + m_used;
            char *at = start;
            for (const QChar c : text) {
                if (c.unicode() >= 0x80)
                    break;
                *at++ = char(c.unicode());
            }
            if (at - start == text.size()) { // all ASCII: UTF-8 as it is
                m_used += text.size();
                sqlite3_bind_text(m_statement, column, start, int(text.size()), SQLITE_STATIC);
                return;
            }
        }
        Q_ASSERT(m_keptUsed < m_kept.size());
        QByteArray &kept = m_kept[m_keptUsed++];
        kept = text.toUtf8();
        bindUtf8(m_statement, column, kept);
    }

private:
    sqlite3_stmt *m_statement;
    std::array<char, 2048> m_buffer;
    qsizetype m_used = 0;
    std::array<QByteArray, 24> m_kept;
    std::size_t m_keptUsed = 0;
};

// NOT NULL blob columns: a null QByteArray is the empty blob (as bytes() in capturerows.cpp).
void bindBytes(sqlite3_stmt *statement, int column, const QByteArray &bytes)
{
    sqlite3_bind_blob(statement, column, bytes.isNull() ? "" : bytes.constData(), int(bytes.size()),
        SQLITE_STATIC);
}

// Nullable blob columns: a null QByteArray is NULL, as Qt SQL binds it.
void bindBlobOrNull(sqlite3_stmt *statement, int column, const QByteArray &bytes)
{
    if (bytes.isNull())
        sqlite3_bind_null(statement, column);
    else
        sqlite3_bind_blob(statement, column, bytes.constData(), int(bytes.size()), SQLITE_STATIC);
}

void bindTime(sqlite3_stmt *statement, int column, const QDateTime &time)
{
    if (time.isValid())
        sqlite3_bind_int64(statement, column, time.toMSecsSinceEpoch());
    else
        sqlite3_bind_null(statement, column);
}

sqlite3_stmt *prepared(sqlite3 *db, const QString &sql)
{
    const QByteArray text = sql.toUtf8();
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v3(
            db, text.constData(), int(text.size()), SQLITE_PREPARE_PERSISTENT, &statement, nullptr)
        != SQLITE_OK) {
        sqlite3_finalize(statement);
        return nullptr;
    }
    return statement;
}

} // namespace

ExchangeInserter::ExchangeInserter(sqlite3 *db)
    : m_db(db)
{
    if (!m_db) {
        m_errorText = u"no SQLite connection"_s;
        return;
    }
    m_exchange = prepared(m_db, insertExchangeSql());
    m_session = prepared(m_db, addToSessionSql());
    m_bodies = prepared(m_db, writeBodiesSql());
    m_ready = m_exchange && m_session && m_bodies;
    if (!m_ready)
        fail("prepare");
}

ExchangeInserter::~ExchangeInserter()
{
    sqlite3_finalize(m_exchange);
    sqlite3_finalize(m_session);
    sqlite3_finalize(m_bodies);
}

bool ExchangeInserter::fail(const char *what)
{
    m_errorCode = sqlite3_errcode(m_db) & 0xff;
    m_errorText = QString::fromUtf8(what) + u": "_s + QString::fromUtf8(sqlite3_errmsg(m_db));
    return false;
}

bool ExchangeInserter::step(sqlite3_stmt *statement, const char *what)
{
    const int result = sqlite3_step(statement);
    const bool ok = result == SQLITE_DONE || result == SQLITE_ROW;
    if (!ok)
        fail(what);
    // Reset at once: an unreset statement would keep its read transaction (and a rolled back
    // batch its error) past the caller's transaction. Every parameter is bound again next time.
    sqlite3_reset(statement);
    return ok;
}

bool ExchangeInserter::insert(Exchange &e, qint64 requestParts)
{
    using namespace MtaHooks;
    // Columns in summaryColumns() order.
    const QString kind = exchangeKindName(e.kind);
    const QString dialect = dialectName(e.dialect);
    const QString encoding = encodingName(e.encoding);
    const QString stage = e.stage != Stage::Unknown ? stageName(e.stage) : e.stageName;
    const QByteArray recipients = encodeStringListUtf8(e.recipients);
    const QString problems = encodeProblems(e.problems);
    const QString action = actionName(e.action);
    const QString verdict = verdictName(e.verdict);
    const Verdict shown = effectiveVerdict(e);
    sqlite3_stmt *s = m_exchange;
    Texts texts(s);
    int c = 0;
    texts.bind(++c, e.sessionKey);
    sqlite3_bind_int(s, ++c, e.sequence);
    bindTime(s, ++c, e.received);
    texts.bind(++c, e.peerAddress);
    sqlite3_bind_int(s, ++c, int(e.peerPort));
    bindBytes(s, ++c, e.method);
    bindBytes(s, ++c, e.path);
    texts.bind(++c, kind);
    texts.bind(++c, dialect);
    texts.bind(++c, encoding);
    texts.bind(++c, stage);
    texts.bind(++c, e.stageName);
    texts.bind(++c, e.clientIp);
    sqlite3_bind_int(s, ++c, e.clientPort);
    texts.bind(++c, e.clientEhlo);
    texts.bind(++c, e.queueId);
    texts.bind(++c, e.mailFrom);
    bindUtf8(s, ++c, recipients);
    texts.bind(++c, e.subject);
    sqlite3_bind_int64(s, ++c, e.messageSize);
    sqlite3_bind_int(s, ++c, e.hasAttachment ? 1 : 0);
    texts.bind(++c, problems);
    sqlite3_bind_int(s, ++c, int(e.problems.size()));
    sqlite3_bind_int(s, ++c, e.errorCount());
    texts.bind(++c, e.ruleName);
    texts.bind(++c, e.ruleReason);
    texts.bind(++c, action);
    texts.bind(++c, verdict);
    sqlite3_bind_int(s, ++c, verdictSeverity(shown));
    sqlite3_bind_int(s, ++c, e.replyCode);
    sqlite3_bind_int(s, ++c, e.httpStatus);
    texts.bind(++c, e.fault);
    sqlite3_bind_int64(s, ++c, e.latencyUs);
    sqlite3_bind_int(s, ++c, e.held ? 1 : 0);
    texts.bind(++c, e.note);
    texts.bind(++c, e.clientCertificate);
    Q_ASSERT(c == summaryColumns().size());
    if (!step(s, "insert"))
        return false;
    e.id = sqlite3_last_insert_rowid(m_db);

    tally(e);
    return writeBodies(e, requestParts);
}

void ExchangeInserter::tally(const Exchange &e)
{
    const auto at = m_tallyOf.constFind(e.sessionKey);
    if (at == m_tallyOf.constEnd()) {
        m_tallyOf.insert(e.sessionKey, m_tallies.size());
        m_tallies.push_back({sessionOfCall(e), e.id});
        return;
    }
    addCallToSession(m_tallies[*at].figures, e);
}

bool ExchangeInserter::writeSessions()
{
    bool ok = true;
    sqlite3_stmt *s = m_session;
    for (const SessionTally &tally : m_tallies) {
        // The columns addToSessionSql() names.
        const SessionSummary &t = tally.figures;
        const MtaHooks::Verdict worst
            = MtaHooks::verdictFromName(t.worstVerdict).value_or(MtaHooks::Verdict::None);
        Texts texts(s);
        texts.bind(1, t.sessionKey);
        sqlite3_bind_int64(s, 2, tally.firstId);
        bindTime(s, 3, t.first);
        bindTime(s, 4, t.last);
        sqlite3_bind_int(s, 5, t.exchangeCount);
        texts.bind(6, t.clientIp);
        texts.bind(7, t.mailFrom);
        sqlite3_bind_int(s, 8, MtaHooks::verdictSeverity(worst));
        texts.bind(9, t.worstVerdict);
        sqlite3_bind_int(s, 10, t.problemCount);
        if (!step(s, "session")) {
            ok = false;
            break;
        }
    }
    discardSessions();
    return ok;
}

void ExchangeInserter::discardSessions()
{
    m_tallies.clear();
    m_tallyOf.clear();
}

bool ExchangeInserter::writeBodies(const Exchange &e, qint64 requestParts)
{
    // The id, then bodyValues() order.
    const QByteArray requestHeaders = encodeHeaders(e.requestHeaders);
    const QByteArray responseHeaders = encodeHeaders(e.responseHeaders);
    const QByteArray trace = encodeStringListUtf8(e.matchTrace);
    sqlite3_stmt *s = m_bodies;
    sqlite3_bind_int64(s, 1, e.id);
    bindBlobOrNull(s, 2, requestHeaders);
    if (requestParts)
        sqlite3_bind_null(s, 3);
    else
        bindBlobOrNull(s, 3, e.requestBody);
    bindBlobOrNull(s, 4, responseHeaders);
    bindBlobOrNull(s, 5, e.responseBody);
    bindUtf8(s, 6, trace);
    if (requestParts)
        sqlite3_bind_int64(s, 7, requestParts);
    else
        sqlite3_bind_null(s, 7);
    return step(s, "bodies");
}

} // namespace Mock::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"

#include "mock/capture/capturefilter_p.h"
#include "mock/capture/capturerows_p.h"
#include "mock/capture/capturestore_p.h"
#include "mock/capture/logging.h"

#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlError>
#include <QVariant>

#include <algorithm>
#include <atomic>
#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

std::atomic<quint64> connectionCounter {0};
constexpr int BusyTimeoutMs = 50;

QVariantList currentRow(const QSqlQuery &query, int columns)
{
    QVariantList row;
    row.reserve(columns);
    for (int i = 0; i < columns; ++i)
        row.append(query.value(i));
    return row;
}

} // namespace

namespace Detail {

// An in-memory database has no log to checkpoint (and is private to its connection).
bool isFileDatabase(const QString &path)
{
    return !path.isEmpty() && path != u":memory:"_s && !path.contains(u"mode=memory"_s);
}

} // namespace Detail

bool CaptureStore::Private::exec(QSqlQuery &query, QStringView what)
{
    if (query.exec())
        return true;
    noteError(query.lastError(), u"%1: %2"_s.arg(what, query.lastError().text()));
    return false;
}

bool CaptureStore::Private::exec(const QString &sql, const QVariantList &binds)
{
    return run(sql, binds).has_value();
}

std::optional<QSqlQuery> CaptureStore::Private::run(const QString &sql, const QVariantList &binds)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        noteError(query.lastError(), query.lastError().text());
        return std::nullopt;
    }
    for (const QVariant &value : binds)
        query.addBindValue(value);
    if (!query.exec()) {
        noteError(query.lastError(), query.lastError().text());
        return std::nullopt;
    }
    return query;
}

// The QSQLITE driver puts SQLite's result code in nativeErrorCode(); only the primary code (the
// low byte) decides whether a failure is the storage's rather than ours.
void CaptureStore::Private::noteError(const QSqlError &error, const QString &text)
{
    lastError = text;
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    lastCode = ok ? code & 0xff : 0;
}

// Readers report failures through lastError() and errorOccurred and return an empty result: a
// view shows "nothing" rather than stale rows.
void CaptureStore::Private::reportError()
{
    qCWarning(lcCaptureStore).noquote() << "query failed:" << lastError;
    Q_EMIT q->errorOccurred(lastError);
}

std::optional<qint64> CaptureStore::Private::scalar(const QString &sql, const QVariantList &binds)
{
    auto query = run(sql, binds);
    if (!query || !query->next())
        return std::nullopt;
    return query->value(0).toLongLong();
}

std::optional<QList<Exchange>> CaptureStore::Private::exchanges(
    const QString &sql, const QVariantList &binds, bool withBodies)
{
    QList<Exchange> result;
    auto query = run(sql, binds);
    if (!query)
        return std::nullopt;
    const int width = Detail::selectWidth(withBodies);
    QList<std::pair<qsizetype, qint64>> inParts; // (index in result, spool)
    while (query->next()) {
        const QVariantList row = currentRow(*query, width);
        result.append(Detail::exchangeFromRow(row, withBodies));
        if (withBodies && !row.constLast().isNull())
            inParts.append({result.size() - 1, row.constLast().toLongLong()});
    }
    for (const auto &[index, spool] : std::as_const(inParts)) {
        if (!loadParts(result[index], spool))
            return std::nullopt;
    }
    return result;
}

// The schema version of a capture database (0 for an empty file), or nullopt when the file is
// anything else; decided before a single byte is written to it.
std::optional<int> CaptureStore::Private::inspect()
{
    const auto applicationId = scalar(u"PRAGMA application_id"_s, {});
    if (!applicationId) {
        lastError = u"%1 is not a capture database (%2)"_s.arg(path, lastError);
        return std::nullopt;
    }
    const auto objects = scalar(u"SELECT count(*) FROM sqlite_master"_s, {});
    const auto version = scalar(u"PRAGMA user_version"_s, {});
    if (!objects || !version)
        return std::nullopt;
    if (*applicationId != Detail::CaptureApplicationId && *objects > 0) {
        lastError = u"%1 is an SQLite database but not a Hookscope capture database"_s.arg(path);
        return std::nullopt;
    }
    return int(*version);
}

// The migration hook: every schema version is reached from the one before by the statements of
// migrationStatements(), in one transaction with the new user_version, so a database is never
// left half-migrated.
bool CaptureStore::Private::migrate(int from)
{
    return inTransaction([this, from]() {
        for (int version = from + 1; version <= Detail::CaptureSchemaVersion; ++version) {
            if (version == 1)
                qCDebug(lcCaptureStore) << "creating schema in" << path;
            else
                qCInfo(lcCaptureStore) << "migrating" << path << "to schema" << version;
            const QStringList statements = Detail::migrationStatements(version);
            for (const QString &statement : statements) {
                if (!exec(statement)) {
                    lastError = u"cannot migrate to schema %1: %2"_s.arg(version).arg(lastError);
                    return false;
                }
            }
            // PRAGMA takes no bound values; both numbers are our own constants.
            if (!exec(u"PRAGMA user_version = %1"_s.arg(version))
                || !exec(u"PRAGMA application_id = %1"_s.arg(Detail::CaptureApplicationId)))
                return false;
        }
        return true;
    });
}

bool CaptureStore::Private::prepare(std::optional<QSqlQuery> &query, const QString &sql)
{
    query.emplace(db);
    if (query->prepare(sql))
        return true;
    noteError(query->lastError(), query->lastError().text());
    return false;
}

bool CaptureStore::Private::prepareStatements()
{
    if (!prepare(updateExchange, Detail::updateExchangeSql())
        || !prepare(beginTransaction, u"BEGIN IMMEDIATE"_s)
        || !prepare(commitTransaction, u"COMMIT"_s))
        return false;
    // The QSQLITE driver's handle is the sqlite3* of this connection (QSqlDriver::handle()).
    const QVariant handle = db.driver()->handle();
    sqlite3 *const connection = handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0
        ? *static_cast<sqlite3 *const *>(handle.constData())
        : nullptr;
    inserter = std::make_unique<Detail::ExchangeInserter>(connection);
    if (inserter->isReady())
        return true;
    lastError = inserter->errorText();
    lastCode = inserter->errorCode();
    inserter.reset();
    return false;
}

CaptureStore::CaptureStore(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
}

CaptureStore::~CaptureStore()
{
    close();
}

bool CaptureStore::open(const QString &path)
{
    close();
    d->path = path;
    d->lastError.clear();
    d->connectionName = u"hookscope-capture-%1"_s.arg(++connectionCounter);
    d->db = QSqlDatabase::addDatabase(u"QSQLITE"_s, d->connectionName);
    d->db.setDatabaseName(path);
    // Another program holding the file locked must not stall the event loop (the endpoint writes
    // before it answers): wait 50 ms at most, then count the capture as lost (capturehealth.cpp).
    // Qt's default is five seconds.
    d->db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=%1"_s.arg(BusyTimeoutMs));
    d->resetHealth();
    d->knownCount = -1;
    d->bytesSinceCheck = 0;
    d->heldSessions.clear();
    const auto fail = [this]() {
        qCWarning(lcCaptureStore).noquote() << d->lastError;
        const QString message = d->lastError;
        close();
        d->lastError = message;
        Q_EMIT errorOccurred(message);
        return false;
    };
    if (!d->db.open()) {
        d->lastError = u"cannot open %1: %2"_s.arg(path, d->db.lastError().text());
        return fail();
    }
    d->isOpen = true;
    const std::optional<int> version = d->inspect();
    if (!version)
        return fail();
    const int schema = *version;
    if (schema > Detail::CaptureSchemaVersion) {
        d->lastError = u"%1 was written by a newer Hookscope (capture schema %2, this build reads "
                       "up to %3)"_s.arg(path)
                           .arg(schema)
                           .arg(Detail::CaptureSchemaVersion);
        return fail();
    }
    // WAL: a writer never blocks the readers (the UI lists while the endpoint saves), and a
    // commit is one append to the log. synchronous=NORMAL syncs the log only at checkpoints, so a
    // killed Hookscope loses nothing it committed (the log is in the OS's hands once written);
    // only a power cut or kernel crash can drop the last commits, never corrupt the file. FULL
    // would fsync every hook call for no gain against the failure we care about.
    if (!d->exec(u"PRAGMA journal_mode = WAL"_s) || !d->exec(u"PRAGMA synchronous = NORMAL"_s))
        return fail();
    if (schema < Detail::CaptureSchemaVersion && !d->migrate(schema))
        return fail();
    if (!d->prepareStatements())
        return fail();
    if (!d->writerOnly)
        d->removeOrphanParts();
    if (Detail::isFileDatabase(path)) {
        if (!d->exec(u"PRAGMA wal_autocheckpoint = 0"_s))
            return fail();
        if (!d->writerOnly)
            d->checkpointer = std::make_unique<Detail::WalCheckpointer>(path);
        d->logBytes = 0;
    }
    qCDebug(lcCaptureStore) << "opened" << path << "schema" << Detail::CaptureSchemaVersion;
    if (d->maxCaptures > 0 || d->maxBytes > 0)
        d->queuePrune();
    return true;
}

void CaptureStore::close()
{
    if (d->connectionName.isEmpty())
        return;
    // Batches being stored in the background are stored, and their callers told, first.
    d->writer.reset();
    d->backgroundFailed = false;
    // Bodies still being written in parts are lost: their callers hear it now, not never.
    for (Private::PartJob &job : std::exchange(d->partJobs, {}))
        d->endPartJob(std::move(job), false);
    d->checkpointer.reset(); // closes its connection first: the last one out checkpoints
    d->inserter.reset(); // its statements go before the connection closes
    d->updateExchange.reset();
    d->beginTransaction.reset();
    d->commitTransaction.reset();
    d->db.close();
    d->db = QSqlDatabase();
    QSqlDatabase::removeDatabase(d->connectionName);
    d->connectionName.clear();
    d->isOpen = false;
}

bool CaptureStore::isOpen() const
{
    return d->isOpen;
}

QString CaptureStore::path() const
{
    return d->path;
}

QString CaptureStore::lastError() const
{
    return d->lastError;
}

int CaptureStore::schemaVersion()
{
    return Detail::CaptureSchemaVersion;
}

qint64 CaptureStore::count(const CaptureQuery &query) const
{
    if (!d->isOpen)
        return 0;
    const Detail::SqlFilter filter = Detail::sqlFilter(query);
    const auto n
        = d->scalar(u"SELECT count(*) FROM exchanges WHERE "_s + filter.where, filter.binds);
    if (!n)
        d->reportError();
    return n.value_or(0);
}

QList<Exchange> CaptureStore::list(const CaptureQuery &query, qint64 offset, int limit) const
{
    if (!d->isOpen || limit <= 0 || offset < 0)
        return {};
    Detail::SqlFilter filter = Detail::sqlFilter(query);
    // Page over ids first: the inner query reads only the narrow id index (or the index of the
    // filtered column), so a deep OFFSET does not walk a million wide rows.
    const QString sql = u"SELECT %1 FROM exchanges e WHERE e.id IN (SELECT id FROM exchanges "
                        "WHERE %2 ORDER BY id LIMIT ? OFFSET ?) ORDER BY e.id"_s.arg(
                            Detail::selectList(false), filter.where);
    filter.binds << limit << offset;
    auto rows = d->exchanges(sql, filter.binds, false);
    if (!rows)
        d->reportError();
    return rows.value_or(QList<Exchange>());
}

qint64 CaptureStore::indexOf(qint64 id, const CaptureQuery &query) const
{
    if (!d->isOpen)
        return -1;
    Detail::SqlFilter filter = Detail::sqlFilter(query);
    filter.binds.append(id);
    const auto matches
        = d->scalar(u"SELECT count(*) FROM exchanges WHERE ("_s + filter.where + u") AND id = ?"_s,
            filter.binds);
    const auto before = matches == 1
        ? d->scalar(u"SELECT count(*) FROM exchanges WHERE ("_s + filter.where + u") AND id < ?"_s,
            filter.binds)
        : std::optional<qint64>(-1);
    if (!matches || !before)
        d->reportError();
    return before.value_or(-1);
}

std::optional<Exchange> CaptureStore::load(qint64 id) const
{
    if (!d->isOpen)
        return std::nullopt;
    const auto rows = d->exchanges(
        u"SELECT %1 FROM exchanges e LEFT JOIN bodies b ON b.id = e.id WHERE e.id = ?"_s.arg(
            Detail::selectList(true)),
        {id}, true);
    if (!rows)
        d->reportError();
    if (!rows || rows->isEmpty())
        return std::nullopt;
    return rows->first();
}

QList<Exchange> CaptureStore::loadSession(const QString &sessionKey) const
{
    if (!d->isOpen)
        return {};
    auto rows
        = d->exchanges(u"SELECT %1 FROM exchanges e LEFT JOIN bodies b ON b.id = e.id "
                       "WHERE e.session_key = ? ORDER BY e.id"_s.arg(Detail::selectList(true)),
            {sessionKey}, true);
    if (!rows)
        d->reportError();
    return rows.value_or(QList<Exchange>());
}

qint64 CaptureStore::sessionCount(const CaptureQuery &query) const
{
    if (!d->isOpen)
        return 0;
    const Detail::SqlFilter filter = Detail::sqlFilter(query);
    const auto n = query.isEmpty()
        ? d->scalar(u"SELECT count(*) FROM sessions"_s, {})
        : d->scalar(u"SELECT count(DISTINCT session_key) FROM exchanges WHERE "_s + filter.where,
            filter.binds);
    if (!n)
        d->reportError();
    return n.value_or(0);
}

QList<SessionSummary> CaptureStore::sessions(
    const CaptureQuery &query, qint64 offset, int limit) const
{
    QList<SessionSummary> result;
    if (!d->isOpen || limit <= 0 || offset < 0)
        return result;
    Detail::SqlFilter filter = Detail::sqlFilter(query);
    const QString where = query.isEmpty()
        ? QString()
        : u"WHERE key IN (SELECT session_key FROM exchanges WHERE %1)"_s.arg(filter.where);
    filter.binds << limit << offset;
    auto rows = d->run(u"SELECT %1 FROM sessions %2 ORDER BY first_id LIMIT ? OFFSET ?"_s.arg(
                           Detail::sessionColumns().join(u", "_s), where),
        filter.binds);
    if (!rows) {
        d->reportError();
        return result;
    }
    const int width = int(Detail::sessionColumns().size());
    while (rows->next())
        result.append(Detail::sessionFromRow(currentRow(*rows, width)));
    return result;
}

bool CaptureStore::remove(const QList<qint64> &ids)
{
    QList<qint64> removed;
    const bool ok = d->inTransaction([this, &ids, &removed]() {
        QSet<QString> changedSessions;
        for (const qint64 id : ids) {
            auto key = d->run(u"SELECT session_key FROM exchanges WHERE id = ?"_s, {id});
            if (!key)
                return false;
            if (!key->next())
                continue;
            changedSessions.insert(key->value(0).toString());
            if (!d->exec(u"DELETE FROM exchanges WHERE id = ?"_s, {id})
                || !d->exec(u"DELETE FROM body_parts WHERE spool = "
                            "(SELECT request_parts FROM bodies WHERE id = ?)"_s,
                    {id})
                || !d->exec(u"DELETE FROM bodies WHERE id = ?"_s, {id}))
                return false;
            removed.append(id);
        }
        for (const QString &key : std::as_const(changedSessions)) {
            if (!d->recomputeSession(key))
                return false;
        }
        return true;
    });
    if (!ok) {
        Q_EMIT errorOccurred(d->lastError);
        return false;
    }
    if (d->knownCount >= 0)
        d->knownCount -= removed.size();
    for (const qint64 id : std::as_const(removed))
        d->heldSessions.remove(id);
    if (!removed.isEmpty())
        Q_EMIT exchangesRemoved(removed);
    return true;
}

bool CaptureStore::clear()
{
    // Ids keep counting (AUTOINCREMENT): a view holding an old id never sees a new exchange.
    const bool ok = d->inTransaction([this]() {
        return d->exec(u"DELETE FROM body_parts"_s) && d->exec(u"DELETE FROM bodies"_s)
            && d->exec(u"DELETE FROM exchanges"_s) && d->exec(u"DELETE FROM sessions"_s);
    });
    if (!ok) {
        Q_EMIT errorOccurred(d->lastError);
        return false;
    }
    d->knownCount = 0;
    d->heldSessions.clear();
    Q_EMIT cleared();
    return true;
}

bool CaptureStore::saveCopy(const QString &path)
{
    if (!isOpen()) {
        d->lastError = u"no capture database is open"_s;
        return false;
    }
    if (QFileInfo::exists(path)) {
        d->lastError = u"%1 exists already"_s.arg(path);
        return false;
    }
    if (!d->exec(u"VACUUM INTO ?"_s, {path})) {
        Q_EMIT errorOccurred(d->lastError);
        return false;
    }
    return true;
}

} // namespace Mock

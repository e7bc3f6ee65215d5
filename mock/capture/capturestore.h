// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace Mock {

namespace Detail {
class BackgroundWriter;
}

// One session as the session list shows it, aggregated over all of its exchanges.
struct SessionSummary
{
    QString sessionKey;
    QDateTime first;
    QDateTime last;
    int exchangeCount = 0;
    QString clientIp;
    QString mailFrom; // the first non-empty sender of the session
    QString worstVerdict; // the most severe verdict among its exchanges ("none" when none has one)
    int problemCount = 0;
};

// Captures on disk: SQLite through Qt SQL in WAL mode (the only file that talks SQL). An exchange
// is committed before the endpoint writes its answer, so everything an MTA saw answered survives a
// crash. Lists are paged and carry no bodies; bodies load on demand. Use a store from the thread
// that opened it (a Qt SQL connection belongs to one thread); several stores may share a file.
class CaptureStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CaptureStore)

public:
    explicit CaptureStore(QObject *parent = nullptr);
    ~CaptureStore() override;

    // ":memory:" for a throw-away store. Creates the schema when missing; false and
    // lastError() when the file cannot be opened or is not a capture database.
    bool open(const QString &path);
    void close();
    bool isOpen() const;
    QString path() const;
    QString lastError() const;

    // Stores a new exchange (assigns exchange.id) or rewrites an existing one (id != 0), and
    // commits. Returns false on a database error. Emits exchangeSaved with the summary (no header
    // lists, bodies or match trace: a live list must not pin message bodies in memory).
    bool save(Exchange &exchange);
    // As save(), for an exchange that may carry a large request body (a data stage with its
    // message): such a body goes to disk in parts of PartBytes, one short transaction per
    // event-loop pass, and the exchange last, so that no single write holds the event loop for
    // long (a 50 MB blob in one statement takes ~200 ms). `done` runs on this thread once the
    // exchange is stored (true, with its id) or lost (false), unless `context` has gone by then;
    // for a body under 2 × PartBytes that is at once, before this returns. Loads see the whole
    // body as usual. Parts left behind by a crash before the exchange was written go at open().
    void saveInParts(const Exchange &exchange, QObject *context,
        std::function<void(const Mock::Exchange &saved, bool stored)> done);
    static constexpr qsizetype PartBytes = 1024 * 1024;
    // As save() for many exchanges in one transaction (imports, benchmarks): all or nothing.
    // Emits batchSaved once instead of exchangeSaved per exchange, unless announceEach (live
    // calls of a group commit, for lists that follow them as they come).
    bool saveAll(QList<Exchange> &exchanges, bool announceEach = false);
    // As saveAll(), on a thread and connection of the store's own (a file database only), so that
    // this thread goes on while SQLite commits: the endpoint's group commit. `done` runs on this
    // thread once the batch is stored (true, ids set, exchangeSaved emitted for each) or not
    // (false, nothing stored, lastError() says why), unless `context` has gone; batches are stored
    // and done in the order given. False, with nothing queued, when it cannot be done that way (an
    // in-memory database, a storage fault being waited out): then save on this thread instead.
    // The list is moved from only when queued: `done` gets its exchanges back, with their ids.
    bool saveAllInBackground(QList<Exchange> &&exchanges, QObject *context,
        std::function<void(QList<Exchange> &saved, bool stored)> done);
    // Blocks until every batch given to saveAllInBackground is stored and its `done` has run.
    void finishBackgroundSaves();
    int backgroundSavesPending() const;

    qint64 count(const CaptureQuery &query = {}) const;
    // Exchanges in arrival order (id ascending) without header lists and bodies.
    QList<Exchange> list(const CaptureQuery &query, qint64 offset, int limit) const;
    // Row position of an id within a query's ordering, -1 when it does not match.
    qint64 indexOf(qint64 id, const CaptureQuery &query = {}) const;
    // The whole exchange, bodies included.
    std::optional<Exchange> load(qint64 id) const;
    QList<Exchange> loadSession(const QString &sessionKey) const; // whole exchanges, in order

    // Sessions with at least one exchange matching the query, ordered by their first exchange;
    // the figures of each cover the whole session, not only the matching exchanges.
    qint64 sessionCount(const CaptureQuery &query = {}) const;
    QList<SessionSummary> sessions(const CaptureQuery &query, qint64 offset, int limit) const;

    bool remove(const QList<qint64> &ids); // emits exchangesRemoved with the ids that existed
    bool clear();
    // A consistent, compacted copy of the whole database in a new file (SQLite's VACUUM INTO):
    // "Save captures as…". Fails when the file exists.
    bool saveCopy(const QString &path);

    // The schema version this build writes (PRAGMA user_version).
    static int schemaVersion();

    // Retention: at most maxCaptures exchanges and maxDatabaseBytes of pages in use (0: no
    // bound). After commits, on a later event-loop pass (never between a commit and its answer),
    // the oldest whole sessions go, with their bodies and summaries, down to a little below the
    // bounds (so that it runs once every few dozen calls, not on each); exchangesRemoved
    // announces them. The newest session, the session of the last call and sessions with a call
    // held in this store are never removed, so a bound can be exceeded by them.
    void setRetention(qint64 maxCaptures, qint64 maxDatabaseBytes);
    qint64 maxCaptures() const;
    qint64 maxDatabaseBytes() const;
    // Prunes now, to completion (recounting the file first); false on a database error.
    bool applyRetention();
    // The database's pages in use, in bytes. Removed rows free pages that SQLite reuses, so the
    // file stops growing near the bound without a VACUUM; the WAL (about 4 MB at most between
    // checkpoints) comes on top.
    qint64 databaseBytes() const;

    // Storage faults (a full disk, a read-only or locked file): writes wait 50 ms at most for a
    // lock. A save() that fails on one counts its exchange as lost and puts the store in a "not
    // storing" state with the reason; for the retry interval after a failure every save fails at
    // once (one busy timeout per interval, not per call), then the next one tries again, and a
    // success ends the state. Callers answer their calls as usual.
    bool isStoring() const;
    QString storageFault() const; // why captures are not being stored, "" while they are
    qint64 lostCaptures() const; // exchanges save() could not store since open()
    void setFaultRetryInterval(int msecs); // 1000 by default

Q_SIGNALS:
    void exchangeSaved(const Mock::Exchange &summary, bool isNew);
    void batchSaved(int count);
    void exchangesRemoved(const QList<qint64> &ids);
    void cleared();
    // Failures other than storage faults (those go through storageHealthChanged).
    void errorOccurred(const QString &message);
    // Storage health changed: captures stopped being stored (with the reason) or are stored
    // again (reason empty). Queued, at most once per event-loop pass, after the lost count of
    // that pass is known.
    void storageHealthChanged(bool storing, const QString &reason);
    void lostCapturesChanged(qint64 lost); // queued as storageHealthChanged

private:
    friend class Detail::BackgroundWriter;
    // The connection of a BackgroundWriter: writes only; leaves the file's housekeeping
    // (orphaned parts, checkpoints, retention) to the store that owns the writer.
    bool openAsWriter(const QString &path);
    void announce(const QList<Exchange> &saved, bool each, const QList<bool> &isNew);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
// Retention: the oldest whole sessions go when the captures outgrow a count or a file size.
#include "mock/capture/capturestore.h"

#include "mock/capture/capturestore_p.h"
#include "mock/capture/logging.h"

#include <QVariant>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// One pass removes at most this many exchanges (a whole session more at worst), so pruning a
// large file after the bounds were lowered is many short event-loop turns, not one long stall.
constexpr qint64 PassBudget = 2000;
// Sessions read per candidate query.
constexpr int CandidatePage = 64;
// A rough size of an exchange's row, indexes and session share beyond its two bodies.
constexpr qint64 RowOverhead = 1024;

// Pruning goes a little below a bound, so that it runs once every few dozen calls at a bound
// instead of on every call (each pass also makes the window reload its timeline).
qint64 countTarget(qint64 bound)
{
    return bound - bound / 64;
}

qint64 bytesTarget(qint64 bound)
{
    return bound - bound / 32;
}

// How much may be written before the file size is looked at again.
qint64 bytesCheckStep(qint64 bound)
{
    return std::max<qint64>(bound / 64, 64 * 1024);
}

} // namespace

void CaptureStore::Private::noteSaved(const QList<Exchange> &saved, qint64 inserted)
{
    for (const Exchange &e : saved) {
        if (e.held)
            heldSessions.insert(e.id, e.sessionKey);
        else
            heldSessions.remove(e.id);
        const qint64 bytes = e.requestBody.size() + e.responseBody.size() + RowOverhead;
        bytesSinceCheck += bytes;
        logBytes += bytes;
    }
    // About SQLite's own interval (1,000 pages of 4 KiB), but never inside a commit.
    if (checkpointer && logBytes >= 4 * 1024 * 1024) {
        checkpointer->request();
        logBytes = 0;
    }
    if (knownCount >= 0)
        knownCount += inserted;
    if (overBound())
        queuePrune();
}

// Cheap enough for every commit: no SQL, only this store's own counts.
bool CaptureStore::Private::overBound() const
{
    return (maxCaptures > 0 && (knownCount < 0 || knownCount > maxCaptures))
        || (maxBytes > 0 && bytesSinceCheck >= bytesCheckStep(maxBytes));
}

// After the answer: the endpoint commits before it answers, and pruning must not delay that.
void CaptureStore::Private::queuePrune()
{
    if (pruneQueued || !isOpen)
        return;
    pruneQueued = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            pruneQueued = false;
            bool more = false;
            if (!prunePass(&more)) {
                qCWarning(lcCaptureRetention).noquote() << "pruning failed:" << lastError;
                Q_EMIT q->errorOccurred(u"old captures not removed: "_s + lastError);
            } else if (more) {
                queuePrune();
            }
        },
        Qt::QueuedConnection);
}

// Pages in use, not the file size: SQLite reuses the pages of removed rows for new ones (no
// VACUUM needed), so the file stops growing at about the bound while the free pages stay in it.
std::optional<qint64> CaptureStore::Private::usedBytes()
{
    const auto pages = scalar(u"PRAGMA page_count"_s, {});
    const auto free = scalar(u"PRAGMA freelist_count"_s, {});
    const auto pageSize = scalar(u"PRAGMA page_size"_s, {});
    if (!pages || !free || !pageSize)
        return std::nullopt;
    return (*pages - *free) * *pageSize;
}

bool CaptureStore::Private::removeSession(const QString &key, QList<qint64> &removedIds)
{
    auto ids = run(u"SELECT id FROM exchanges WHERE session_key = ?"_s, {key});
    if (!ids)
        return false;
    while (ids->next())
        removedIds.append(ids->value(0).toLongLong());
    return exec(u"DELETE FROM body_parts WHERE spool IN (SELECT b.request_parts FROM bodies b "
                "JOIN exchanges e ON e.id = b.id WHERE e.session_key = ?)"_s,
               {key})
        && exec(
            u"DELETE FROM bodies WHERE id IN (SELECT id FROM exchanges WHERE session_key = ?)"_s,
            {key})
        && exec(u"DELETE FROM exchanges WHERE session_key = ?"_s, {key})
        && exec(u"DELETE FROM sessions WHERE key = ?"_s, {key});
}

bool CaptureStore::Private::prunePass(bool *more)
{
    *more = false;
    bytesSinceCheck = 0;
    if (!isOpen || (maxCaptures <= 0 && maxBytes <= 0))
        return true;
    if (knownCount < 0) {
        const auto n = scalar(u"SELECT count(*) FROM exchanges"_s, {});
        if (!n)
            return false;
        knownCount = *n;
    }
    std::optional<qint64> used;
    if (maxBytes > 0 && !(used = usedBytes()))
        return false;
    const bool countOver = maxCaptures > 0 && knownCount > maxCaptures;
    const bool bytesOver = used && *used > maxBytes;
    if (!countOver && !bytesOver)
        return true;

    qint64 need = 0;
    if (maxCaptures > 0)
        need = knownCount - countTarget(maxCaptures);
    if (used && *used > bytesTarget(maxBytes)) {
        const qint64 perExchange = std::max<qint64>(1, *used / std::max<qint64>(1, knownCount));
        need = std::max(need, (*used - bytesTarget(maxBytes) + perExchange - 1) / perExchange);
    }
    const qint64 budget = std::clamp<qint64>(need, 1, PassBudget);

    // Never the newest session (it may still be talking) nor the session of the last call, nor
    // one with a call held for the user (its answer updates the row).
    const auto newestFirstId = scalar(u"SELECT coalesce(max(first_id), 0) FROM sessions"_s, {});
    auto last = run(u"SELECT session_key FROM exchanges ORDER BY id DESC LIMIT 1"_s, {});
    if (!newestFirstId || !last)
        return false;
    QSet<QString> kept(heldSessions.cbegin(), heldSessions.cend());
    if (last->next())
        kept.insert(last->value(0).toString());

    QList<qint64> removed;
    const bool ok = inTransaction([&]() {
        qint64 after = 0;
        while (removed.size() < budget) {
            auto page = run(u"SELECT key, first_id FROM sessions WHERE first_id > ? AND "
                            "first_id < ? ORDER BY first_id LIMIT ?"_s,
                {after, *newestFirstId, CandidatePage});
            if (!page)
                return false;
            QStringList keys;
            int rows = 0;
            while (page->next()) {
                ++rows;
                after = page->value(1).toLongLong();
                if (!kept.contains(page->value(0).toString()))
                    keys.append(page->value(0).toString());
            }
            if (rows == 0)
                break;
            for (const QString &key : std::as_const(keys)) {
                if (removed.size() >= budget)
                    break;
                if (!removeSession(key, removed))
                    return false;
            }
        }
        return true;
    });
    if (!ok)
        return false;
    if (removed.isEmpty()) {
        qCDebug(lcCaptureRetention) << "over the bounds, but only protected sessions are left";
        return true;
    }
    knownCount -= removed.size();
    for (const qint64 id : std::as_const(removed))
        heldSessions.remove(id);
    qCDebug(lcCaptureRetention) << "removed" << removed.size() << "old exchange(s)," << knownCount
                                << "left";
    const auto usedAfter = maxBytes > 0 ? usedBytes() : std::optional<qint64>();
    *more = (maxCaptures > 0 && knownCount > countTarget(maxCaptures))
        || (usedAfter && *usedAfter > bytesTarget(maxBytes));
    Q_EMIT q->exchangesRemoved(removed);
    return true;
}

void CaptureStore::setRetention(qint64 maxCaptures, qint64 maxDatabaseBytes)
{
    d->maxCaptures = std::max<qint64>(0, maxCaptures);
    d->maxBytes = std::max<qint64>(0, maxDatabaseBytes);
    if (d->maxCaptures > 0 || d->maxBytes > 0)
        d->queuePrune();
}

qint64 CaptureStore::maxCaptures() const
{
    return d->maxCaptures;
}

qint64 CaptureStore::maxDatabaseBytes() const
{
    return d->maxBytes;
}

bool CaptureStore::applyRetention()
{
    d->knownCount = -1; // another store may have written to the file
    bool more = true;
    while (more) {
        if (!d->prunePass(&more)) {
            Q_EMIT errorOccurred(d->lastError);
            return false;
        }
    }
    return true;
}

qint64 CaptureStore::databaseBytes() const
{
    if (!d->isOpen)
        return 0;
    return d->usedBytes().value_or(0);
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline kept in step with the capture store: calls saved by the endpoint are folded into
// the rows in memory (new sessions appended or inserted, expanded sessions given their new
// calls); imports, removals and clearing reload it.
#include "ui/models/sessionmodel.h"

#include "mock/capture/querymatcher.h"
#include "mock/capture/sessionfold.h"
#include "ui/logging.h"
#include "ui/models/sessionmodel_p.h"

#include <algorithm>
#include <optional>
#include <utility>

using Mock::Exchange;
using Mock::SessionSummary;
using Timeline::Children;
using Timeline::Emitting;
using Timeline::Page;
using Timeline::withSession;

namespace {

// How far from the end a session that starts matching the filter is looked for before the
// model gives up and reloads.
constexpr int TailScanRows = 1024;

} // namespace

// A session whose first call just arrived: it is the newest, so it goes last.
qint64 SessionModel::Private::appendSession(const Exchange &e)
{
    const qint64 row = sessionCount;
    const qint64 number = row / pageSize;
    const Emitting scope(emitting);
    q->beginInsertRows({}, int(row), int(row));
    ++sessionCount;
    auto it = pages.find(number);
    if (it != pages.end()) {
        if (it->rows.size() == row - number * pageSize)
            it->rows.append(Mock::sessionOfCall(e));
        else
            pages.erase(it);
    } else if (row % pageSize == 0) {
        evictPages();
        pages.insert(number, Page {{Mock::sessionOfCall(e)}, ++tick});
    }
    q->endInsertRows();
    return row;
}

// A session that existed but had no matching call until now. The store orders it by its first
// call, so it belongs somewhere before the newest sessions: look for it near the end.
qint64 SessionModel::Private::insertExistingSession(const QString &key)
{
    // With every listed session in memory, one that was not found is not listed yet.
    qint64 total = sessionCount + 1;
    if (!allInMemory) {
        total = store->sessionCount(query);
        ++storeReads;
    }
    if (total == sessionCount)
        return -1; // it was listed already (off screen)
    if (total != sessionCount + 1) {
        qCDebug(lcUi) << "timeline out of step with the store, reloading";
        reset();
        return -1;
    }
    const qint64 start = std::max<qint64>(0, total - TailScanRows);
    const QList<SessionSummary> tail = store->sessions(query, start, int(total - start));
    ++storeReads;
    for (qsizetype i = 0; i < tail.size(); ++i) {
        if (tail.at(i).sessionKey == key) {
            return insertSessionAt(start + i, tail.at(i));
        }
    }
    qCDebug(lcUi) << "session" << key << "starts matching far from the end, reloading";
    reset();
    return -1;
}

qint64 SessionModel::Private::insertSessionAt(qint64 row, const SessionSummary &summary)
{
    const Emitting scope(emitting);
    pendingRow = row;
    q->beginInsertRows({}, int(row), int(row));
    pendingRow = -1;
    ++sessionCount;
    // Shift the cached pages in memory: each full page passes its last row on to the next. Past
    // a page that is not cached the passed row is unknown, so later pages are dropped.
    const qint64 first = row / pageSize;
    std::optional<SessionSummary> carry = summary;
    qsizetype at = row - first * pageSize;
    qint64 expected = first;
    for (auto it = pages.lowerBound(first); it != pages.end();) {
        if (!carry || it.key() != expected || at > it->rows.size()) {
            it = pages.erase(it);
            carry.reset();
            continue;
        }
        it->rows.insert(at, *carry);
        const qint64 capacity = std::min<qint64>(pageSize, sessionCount - it.key() * pageSize);
        carry.reset();
        if (it->rows.size() > capacity)
            carry = it->rows.takeLast();
        at = 0;
        ++expected;
        ++it;
    }
    // A row pushed past the last page starts a new one (all pages stay cached when they were).
    if (carry && at == 0 && expected * pageSize == sessionCount - 1)
        pages.insert(expected, Page {{*carry}, ++tick});
    for (Children &children : expanded) {
        if (children.row >= row)
            ++children.row;
    }
    rebuildRowHandles();
    q->endInsertRows();
    return row;
}

// A matching call of a session that is not in memory.
qint64 SessionModel::Private::sessionStartsMatching(const Exchange &e, bool isNew)
{
    if (!isNew && query.isEmpty())
        return -1; // every call matches: an update cannot add a session
    // Is this the session's first matching call? Not "does it have one matching call": a group
    // commit stores a pass's calls before any is announced, so a new session can hold several
    // calls by the time its first is heard of. (And an index seek, where a count of a busy
    // session's calls grows with it.)
    const auto firstId = [this, &e](const Mock::CaptureQuery &within) {
        const QList<Exchange> first = store->list(withSession(within, e.sessionKey), 0, 1);
        ++storeReads;
        return first.isEmpty() ? qint64(-1) : first.first().id;
    };
    if (firstId(query) != e.id)
        return -1; // it had matching calls before: listed, off screen
    if (isNew && (query.isEmpty() || firstId({}) == e.id))
        return appendSession(e);
    return insertExistingSession(e.sessionKey);
}

QModelIndex SessionModel::Private::updateChild(Children &children, const Exchange &e, bool matches)
{
    const Emitting scope(emitting);
    const QModelIndex parent = sessionIndex(children.row, 0);
    const int position = childPosition(children, e.id);
    if (position >= 0) {
        // Shown already (an update, or a save delivered twice): the row keeps its place even if
        // it stops matching, so that nothing vanishes under the user's pointer.
        children.rows[position] = e;
        Q_EMIT q->dataChanged(
            childIndex(children, position, 0), childIndex(children, position, ColumnCount - 1));
        return {};
    }
    if (!matches)
        return {};
    const bool allLoaded = children.rows.size() == children.total;
    ++children.total;
    const bool beyondLoaded = !children.rows.isEmpty() && e.id > children.rows.last().id;
    if (!allLoaded && (beyondLoaded || children.rows.isEmpty()))
        return {}; // fetchMore will read it in its turn
    if (beyondLoaded && children.rows.size() >= Timeline::MaxLiveChildren)
        return {}; // the same, past the rows a live session may add
    const auto it = std::lower_bound(children.rows.cbegin(), children.rows.cend(), e.id,
        [](const Exchange &row, qint64 value) { return row.id < value; });
    const int at = int(it - children.rows.cbegin());
    q->beginInsertRows(parent, at, at);
    children.rows.insert(at, e);
    q->endInsertRows();
    return childIndex(children, at, 0);
}

void SessionModel::Private::refreshSummary(qint64 row, const QString &key)
{
    SessionSummary *cached = cachedSummary(row);
    if (!cached)
        return;
    // An answered held call can make the worst verdict milder, which an in-memory fold cannot
    // undo: read the session's row again (an indexed lookup).
    const QList<SessionSummary> fresh = store->sessions(withSession({}, key), 0, 1);
    ++storeReads;
    if (!fresh.isEmpty() && fresh.first().sessionKey == key)
        *cached = fresh.first();
}

void SessionModel::setLiveInterval(int msecs)
{
    d->liveIntervalMs = std::max(0, msecs);
    d->liveTimer.setSingleShot(true);
    d->liveTimer.setInterval(d->liveIntervalMs);
    if (d->liveIntervalMs == 0 && !d->pendingSaved.isEmpty())
        d->liveTimer.start(0);
}

void SessionModel::onExchangeSaved(const Mock::Exchange &summary, bool isNew)
{
    if (d->liveIntervalMs == 0 && d->pendingSaved.isEmpty()) {
        applySaved(summary, isNew);
        return;
    }
    d->pendingSaved.append({summary, isNew});
    if (!d->liveTimer.isActive())
        d->liveTimer.start();
}

void SessionModel::applyPending()
{
    d->liveTimer.stop();
    // A session row changed by many calls of the batch is announced once: QTreeView measures a
    // changed first row again on every dataChanged (indexRowSizeHint over every column, text
    // layout included), which under load was 40% of the window's event loop (issue 12).
    d->deferRowChanges = true;
    for (const auto &[summary, isNew] : std::exchange(d->pendingSaved, {}))
        applySaved(summary, isNew);
    d->deferRowChanges = false;
    for (const QString &key : std::exchange(d->changedSessionKeys, {})) {
        const qint64 row = d->rowOfKey(key);
        if (row < 0)
            continue;
        const Emitting scope(d->emitting);
        Q_EMIT dataChanged(d->sessionIndex(row, 0), d->sessionIndex(row, ColumnCount - 1));
    }
}

void SessionModel::applySaved(const Mock::Exchange &summary, bool isNew)
{
    if (!d->isUsable() || summary.id == 0)
        return;
    if (summary.held || d->deadlines.contains(summary.id))
        d->deadlineKeys.insert(summary.id, summary.sessionKey);
    const bool matches = Mock::matchesQuery(d->query, summary);
    if (isNew && matches)
        d->markNew(summary);
    if (isNew && matches && d->exchangeCount >= 0)
        ++d->exchangeCount;
    else if (!isNew && !d->query.isEmpty())
        d->exchangeCount = -1; // it may have started or stopped matching

    // The stage path outlives its page in the cache: keep it in step even off screen.
    auto detail = d->details.find(summary.sessionKey);
    if (detail != d->details.end()) {
        if (isNew)
            accumulate(*detail, summary);
        else
            d->details.erase(detail);
    }
    const qint64 row = d->rowOfKey(summary.sessionKey);
    if (row < 0) {
        if (!matches)
            return;
        const qint64 added = d->sessionStartsMatching(summary, isNew);
        if (added >= 0 && isNew)
            Q_EMIT exchangeAppended(d->sessionIndex(added, 0));
        return;
    }
    // The session is in memory: its figures cover all of its calls, matching or not.
    if (isNew) {
        if (SessionSummary *cached = d->cachedSummary(row))
            Mock::addCallToSession(*cached, summary);
    } else {
        d->refreshSummary(row, summary.sessionKey);
    }
    QModelIndex shown;
    if (Children *children = d->childrenOfRow(row))
        shown = d->updateChild(*children, summary, matches);
    const Emitting scope(d->emitting);
    if (d->deferRowChanges)
        d->changedSessionKeys.insert(summary.sessionKey);
    else
        Q_EMIT dataChanged(d->sessionIndex(row, 0), d->sessionIndex(row, ColumnCount - 1));
    if (isNew && matches)
        Q_EMIT exchangeAppended(shown.isValid() ? shown : d->sessionIndex(row, 0));
}

void SessionModel::onCleared()
{
    if (!std::exchange(d->newSince, {}).isEmpty())
        Q_EMIT newSessionCountChanged(0);
    d->reset();
}

void SessionModel::onBatchSaved(int count)
{
    Q_UNUSED(count)
    d->reset();
}

void SessionModel::onExchangesRemoved(const QList<qint64> &ids)
{
    for (const qint64 id : ids) {
        d->deadlines.remove(id);
        d->deadlineKeys.remove(id);
    }
    if (d->deadlines.isEmpty())
        d->ticker.stop();
    d->reset();
}

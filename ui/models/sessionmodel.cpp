// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline as an item model: indexes, rows and data of sessions and their calls, calls read
// when a session is expanded, and the query and cache settings that reset it.
#include "ui/models/sessionmodel.h"

#include "mock/capture/querymatcher.h"
#include "ui/models/sessionmodel_p.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

using Mock::Exchange;
using Mock::SessionSummary;
using Timeline::Children;
using Timeline::Emitting;
using Timeline::Page;
using Timeline::withSession;

namespace {

constexpr int ChildBatch = 256;

} // namespace

void SessionModel::Private::flushDeferredFetches()
{
    const QList<QPersistentModelIndex> pending = std::exchange(deferredFetches, {});
    for (const QPersistentModelIndex &index : pending) {
        if (index.isValid())
            q->fetchMore(index);
    }
}

SessionModel::SessionModel(Mock::CaptureStore *store, QObject *parent)
    : QAbstractItemModel(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->store = store;
    // As often as the held-call editor and the status bar: the three show the same second.
    d->ticker.setInterval(250);
    connect(&d->ticker, &QTimer::timeout, this, [this]() { d->onTick(); });
    d->liveTimer.setSingleShot(true);
    connect(&d->liveTimer, &QTimer::timeout, this, &SessionModel::applyPending);
    d->load();
}

SessionModel::~SessionModel() = default;

void SessionModel::followStore()
{
    Mock::CaptureStore *store = d->store;
    if (!store)
        return;
    connect(store, &Mock::CaptureStore::exchangeSaved, this, &SessionModel::onExchangeSaved,
        Qt::UniqueConnection);
    connect(
        store, &Mock::CaptureStore::cleared, this, &SessionModel::onCleared, Qt::UniqueConnection);
    connect(store, &Mock::CaptureStore::batchSaved, this, &SessionModel::onBatchSaved,
        Qt::UniqueConnection);
    connect(store, &Mock::CaptureStore::exchangesRemoved, this, &SessionModel::onExchangesRemoved,
        Qt::UniqueConnection);
}

void SessionModel::setQuery(const Mock::CaptureQuery &query)
{
    if (query == d->query)
        return;
    d->query = query;
    d->reset();
}

Mock::CaptureQuery SessionModel::query() const
{
    return d->query;
}

void SessionModel::reload()
{
    d->reset();
}

void SessionModel::setCacheLimits(int pageSize, int maxPages, int filteredLoadLimit)
{
    d->basePageSize = std::max(1, pageSize);
    d->baseMaxPages = std::max(2, maxPages);
    d->filteredLoadLimit = std::max(0, filteredLoadLimit);
    d->reset();
}

SessionModel::CacheStats SessionModel::cacheStats() const
{
    CacheStats stats;
    stats.pageSize = d->pageSize;
    stats.cachedPages = int(d->pages.size());
    stats.cachedDetails = int(d->details.size());
    stats.expandedSessions = int(d->expanded.size());
    stats.storeReads = d->storeReads;
    return stats;
}

QModelIndex SessionModel::indexForExchange(qint64 id)
{
    applyPending(); // a call saved a moment ago is asked for by id: show it first
    for (const Children &children : std::as_const(d->expanded)) {
        const int position = d->childPosition(children, id);
        if (position >= 0)
            return d->childIndex(children, position, 0);
    }
    if (!d->isUsable())
        return {};
    const std::optional<Exchange> exchange = d->store->load(id);
    ++d->storeReads;
    if (!exchange || !Mock::matchesQuery(d->query, *exchange))
        return {};
    const QString &key = exchange->sessionKey;
    qint64 row = d->rowOfKey(key);
    if (row < 0) {
        // Sessions are ordered by their first call's id: binary search the pages by the first
        // call of their first session, then look for the key in the page found.
        const auto firstId = [this](const QString &sessionKey) {
            const QList<Exchange> first = d->store->list(withSession({}, sessionKey), 0, 1);
            ++d->storeReads;
            return first.isEmpty() ? qint64(-1) : first.first().id;
        };
        const qint64 target = firstId(key);
        qint64 low = 0;
        qint64 high = (d->sessionCount - 1) / d->pageSize;
        while (low < high) {
            const qint64 middle = (low + high + 1) / 2;
            const SessionSummary *head = d->summaryAt(middle * d->pageSize);
            if (head && firstId(head->sessionKey) <= target)
                low = middle;
            else
                high = middle - 1;
        }
        for (qint64 number = low; number <= low + 1 && row < 0; ++number) {
            if (const Page *page = d->page(number)) {
                for (qsizetype i = 0; i < page->rows.size(); ++i) {
                    if (page->rows.at(i).sessionKey == key) {
                        row = number * d->pageSize + i;
                        break;
                    }
                }
            }
        }
        if (row < 0)
            return {};
    }
    const QModelIndex parent = d->sessionIndex(row, 0);
    while (true) {
        if (const Children *children = d->childrenOfRow(row)) {
            const int position = d->childPosition(*children, id);
            if (position >= 0)
                return d->childIndex(*children, position, 0);
            if (children->rows.size() >= children->total)
                return {};
        }
        if (!canFetchMore(parent) || d->emitting > 0)
            return {}; // inside a signal of ours fetchMore is deferred: do not spin
        fetchMore(parent);
    }
}

qint64 SessionModel::exchangeCount() const
{
    if (d->exchangeCount < 0 && d->isUsable()) {
        d->exchangeCount = d->store->count(d->query);
        ++d->storeReads;
    }
    return std::max<qint64>(0, d->exchangeCount);
}

QModelIndex SessionModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < d->sessionCount ? d->sessionIndex(row, column) : QModelIndex();
    if (parent.internalId() != 0 || parent.column() != 0 || parent.model() != this)
        return {};
    const Children *children = d->childrenOfRow(parent.row());
    if (!children || row >= children->rows.size())
        return {};
    return d->childIndex(*children, row, column);
}

QModelIndex SessionModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const quintptr handle = child.internalId();
    if (handle > quintptr(d->expanded.size()))
        return {};
    return d->sessionIndex(d->expanded.at(handle - 1).row, 0);
}

int SessionModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(std::min<qint64>(d->sessionCount, std::numeric_limits<int>::max()));
    if (parent.internalId() != 0 || parent.column() != 0)
        return 0;
    const Children *children = d->childrenOfRow(parent.row());
    return children ? int(children->rows.size()) : 0;
}

int SessionModel::columnCount(const QModelIndex &parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

QVariant SessionModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || index.column() >= ColumnCount)
        return {};
    if (index.internalId() == 0)
        return d->sessionData(index.row(), index.column(), role);
    const quintptr handle = index.internalId();
    if (handle > quintptr(d->expanded.size()))
        return {};
    const Children &children = d->expanded.at(handle - 1);
    if (index.row() >= children.rows.size())
        return {};
    return d->exchangeData(children.rows.at(index.row()), index.column(), role);
}

bool SessionModel::hasChildren(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return d->sessionCount > 0;
    // Every listed session has at least one matching call; they are read on expansion.
    return parent.internalId() == 0 && parent.column() == 0;
}

bool SessionModel::canFetchMore(const QModelIndex &parent) const
{
    if (!parent.isValid() || parent.internalId() != 0 || parent.column() != 0)
        return false;
    const Children *children = d->childrenOfRow(parent.row());
    return !children || children->rows.size() < children->total;
}

void SessionModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent) || !d->isUsable())
        return;
    if (d->emitting > 0) {
        // Queued on purpose: see Private::emitting.
        if (d->deferredFetches.isEmpty()) {
            QMetaObject::invokeMethod(
                this, [this]() { d->flushDeferredFetches(); }, Qt::QueuedConnection);
        }
        if (!d->deferredFetches.contains(parent))
            d->deferredFetches.append(parent);
        return;
    }
    const Emitting scope(d->emitting);
    const qint64 row = parent.row();
    Children *children = d->childrenOfRow(row);
    if (!children) {
        const SessionSummary *summary = d->summaryAt(row);
        if (!summary)
            return;
        children = &d->expand(row, summary->sessionKey);
    }
    const qint64 have = children->rows.size();
    const int want = int(std::min<qint64>(ChildBatch, children->total - have));
    if (want <= 0)
        return;
    QList<Exchange> more = d->store->list(withSession(d->query, children->key), have, want);
    ++d->storeReads;
    if (more.size() > want)
        more.resize(want);
    if (more.isEmpty()) {
        children->total = have; // the store has fewer than it counted; stop asking
        return;
    }
    for (const Exchange &e : std::as_const(more)) {
        if (e.held || d->deadlines.contains(e.id))
            d->deadlineKeys.insert(e.id, e.sessionKey);
    }
    beginInsertRows(parent, int(have), int(have + more.size() - 1));
    children->rows += more;
    endInsertRows();
}

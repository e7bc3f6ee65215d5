// SPDX-License-Identifier: GPL-3.0-or-later
// The paged cache behind the timeline: session rows read from the store a page at a time (least
// recently used pages go first), the stage path and recipients of sessions on screen, and the
// calls of expanded sessions with the handles their child indexes carry.
#include "ui/models/sessionmodel.h"

#include "ui/models/sessionmodel_p.h"

#include <algorithm>
#include <utility>

using Mock::CaptureQuery;
using Mock::CaptureTerm;
using Mock::Exchange;
using Mock::SessionSummary;
using Timeline::Children;
using Timeline::DetailCallLimit;
using Timeline::Emitting;
using Timeline::FilteredPageFactor;
using Timeline::Page;
using Timeline::SessionDetail;
using Timeline::withSession;

namespace {

constexpr int MaxDetails = 2048;

} // namespace

namespace Timeline {

CaptureQuery withSession(CaptureQuery query, const QString &key)
{
    query.terms.append(CaptureTerm {CaptureTerm::Field::Session, key, false});
    return query;
}

void accumulate(SessionDetail &detail, const Exchange &e)
{
    if (detail.calls < DetailCallLimit) {
        const QString name = stepName(e);
        if (!detail.path.isEmpty() && detail.path.last().name == name)
            ++detail.path.last().count;
        else
            detail.path.append(StageStep {name, 1});
    }
    ++detail.calls;
    if (detail.dialect.isEmpty() && e.dialect != MtaHooks::Dialect::Unknown)
        detail.dialect = MtaHooks::dialectName(e.dialect);
    for (const QString &recipient : e.recipients) {
        if (!detail.recipients.contains(recipient))
            detail.recipients.append(recipient);
    }
    if (detail.subject.isEmpty())
        detail.subject = e.subject;
    if (detail.ehlo.isEmpty())
        detail.ehlo = e.clientEhlo;
    if (e.kind == Mock::ExchangeKind::Hook)
        detail.hookCalls = true;
    if (!e.held)
        detail.maxLatencyUs = qMax(detail.maxLatencyUs, e.latencyUs);
}

} // namespace Timeline

Page *SessionModel::Private::page(qint64 number)
{
    auto it = pages.find(number);
    if (it != pages.end()) {
        it->used = ++tick;
        return &*it;
    }
    const qint64 offset = number * pageSize;
    if (!isUsable() || offset < 0 || offset >= sessionCount)
        return nullptr;
    const int want = int(std::min<qint64>(pageSize, sessionCount - offset));
    QList<SessionSummary> rows;
    if (pendingRow >= 0 && pendingRow < offset) {
        rows = store->sessions(query, offset + 1, want);
    } else if (pendingRow >= offset && pendingRow < offset + want + 1) {
        rows = store->sessions(query, offset, want + 1);
        if (pendingRow - offset < rows.size())
            rows.removeAt(pendingRow - offset);
    } else {
        rows = store->sessions(query, offset, want);
    }
    ++storeReads;
    // A live append may already be in the store while the model still counts without it.
    if (rows.size() > want)
        rows.resize(want);
    evictPages();
    it = pages.insert(number, Page {rows, ++tick});
    return &*it;
}

void SessionModel::Private::evictPages()
{
    if (allInMemory)
        return;
    while (pages.size() >= maxPages) {
        auto oldest = pages.begin();
        for (auto it = pages.begin(); it != pages.end(); ++it) {
            if (it->used < oldest->used)
                oldest = it;
        }
        pages.erase(oldest);
    }
}

const SessionSummary *SessionModel::Private::summaryAt(qint64 row)
{
    if (row < 0 || row >= sessionCount)
        return nullptr;
    const qint64 number = row / pageSize;
    Page *p = page(number);
    if (p && row - number * pageSize >= p->rows.size()) {
        // The store returned fewer rows than it counted (changed behind our back): read again
        // once, then show the row empty rather than someone else's.
        pages.remove(number);
        p = page(number);
    }
    if (!p || row - number * pageSize >= p->rows.size())
        return nullptr;
    return &p->rows.at(row - number * pageSize);
}

SessionSummary *SessionModel::Private::cachedSummary(qint64 row)
{
    auto it = pages.find(row / pageSize);
    if (it == pages.end())
        return nullptr;
    const qint64 at = row - it.key() * pageSize;
    return at < it->rows.size() ? &it->rows[at] : nullptr;
}

const SessionDetail *SessionModel::Private::detail(const QString &key)
{
    auto it = details.find(key);
    if (it != details.end()) {
        it->used = ++tick;
        return &*it;
    }
    if (!isUsable())
        return nullptr;
    // All calls of the session, not only the matching ones: the path is the session's.
    const QList<Exchange> calls = store->list(withSession({}, key), 0, DetailCallLimit);
    ++storeReads;
    SessionDetail detail;
    for (const Exchange &e : calls)
        accumulate(detail, e);
    detail.used = ++tick;
    if (details.size() >= MaxDetails) {
        // Drop the least recently used quarter in one go: the sort runs once per 512 loads.
        QList<quint64> ages;
        ages.reserve(details.size());
        for (const SessionDetail &d : std::as_const(details))
            ages.append(d.used);
        const auto cut = ages.begin() + ages.size() / 4;
        std::nth_element(ages.begin(), cut, ages.end());
        const quint64 limit = *cut;
        details.removeIf([limit](const auto &entry) { return entry.value().used < limit; });
    }
    it = details.insert(key, detail);
    return &*it;
}

qint64 SessionModel::Private::rowOfKey(const QString &key) const
{
    if (const quintptr handle = handleOfKey.value(key))
        return expanded.at(handle - 1).row;
    // At most maxPages × pageSize comparisons; live updates only.
    for (auto it = pages.cbegin(); it != pages.cend(); ++it) {
        for (qsizetype i = 0; i < it->rows.size(); ++i) {
            if (it->rows.at(i).sessionKey == key)
                return it.key() * pageSize + i;
        }
    }
    return -1;
}

Children *SessionModel::Private::childrenOfRow(qint64 row)
{
    const quintptr handle = handleOfRow.value(row);
    return handle ? &expanded[handle - 1] : nullptr;
}

Children *SessionModel::Private::childrenOfKey(const QString &key)
{
    const quintptr handle = handleOfKey.value(key);
    return handle ? &expanded[handle - 1] : nullptr;
}

Children &SessionModel::Private::expand(qint64 row, const QString &key)
{
    Children children;
    children.key = key;
    children.row = int(row);
    children.total = store->count(withSession(query, key));
    ++storeReads;
    expanded.append(children);
    const quintptr handle = quintptr(expanded.size());
    handleOfKey.insert(key, handle);
    handleOfRow.insert(row, handle);
    return expanded.last();
}

int SessionModel::Private::childPosition(const Children &children, qint64 id) const
{
    const auto it = std::lower_bound(children.rows.cbegin(), children.rows.cend(), id,
        [](const Exchange &e, qint64 value) { return e.id < value; });
    return it != children.rows.cend() && it->id == id ? int(it - children.rows.cbegin()) : -1;
}

QModelIndex SessionModel::Private::sessionIndex(qint64 row, int column) const
{
    return q->createIndex(int(row), column, quintptr(0));
}

QModelIndex SessionModel::Private::childIndex(
    const Children &children, int position, int column) const
{
    return q->createIndex(position, column, handleOfKey.value(children.key));
}

void SessionModel::Private::rebuildRowHandles()
{
    handleOfRow.clear();
    for (qsizetype i = 0; i < expanded.size(); ++i)
        handleOfRow.insert(expanded.at(i).row, quintptr(i + 1));
}

void SessionModel::Private::choosePageSize()
{
    const int factor = query.isEmpty() ? 1 : FilteredPageFactor;
    pageSize = basePageSize * factor;
    maxPages = std::max(2, baseMaxPages / factor);
}

void SessionModel::Private::load()
{
    pages.clear();
    details.clear();
    expanded.clear();
    handleOfKey.clear();
    handleOfRow.clear();
    pendingRow = -1;
    exchangeCount = -1;
    allInMemory = false;
    sessionCount = 0;
    choosePageSize();
    if (!isUsable())
        return;
    if (!query.isEmpty()) {
        const QList<SessionSummary> all = store->sessions(query, 0, filteredLoadLimit + 1);
        ++storeReads;
        allInMemory = all.size() <= filteredLoadLimit;
        // Too many to keep: the read still gives the first pages (whole pages only).
        const qsizetype keep = allInMemory
            ? all.size()
            : std::min<qsizetype>(qsizetype(maxPages - 1), all.size() / pageSize) * pageSize;
        for (qsizetype first = 0; first < keep; first += pageSize)
            pages.insert(first / pageSize, Page {all.mid(first, pageSize), ++tick});
        if (allInMemory) {
            sessionCount = all.size();
            return;
        }
    }
    sessionCount = store->sessionCount(query);
    ++storeReads;
}

void SessionModel::Private::reset()
{
    // What waited for the live interval is in the store, and so in what load() reads.
    pendingSaved.clear();
    liveTimer.stop();
    const Emitting scope(emitting);
    q->beginResetModel();
    load();
    q->endResetModel();
}

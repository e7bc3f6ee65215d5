// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/sessionmodel.h"

#include "mock/capture/capturestore.h"
#include "ui/logging.h"
#include "ui/models/querymatcher.h"
#include "ui/models/verdictstyle.h"

#include <QMap>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

using namespace Qt::StringLiterals;
using Mock::CaptureQuery;
using Mock::CaptureTerm;
using Mock::Exchange;
using Mock::SessionSummary;
using MtaHooks::Verdict;

namespace {

constexpr int DefaultPageSize = 256;
constexpr int DefaultMaxPages = 64; // 16k sessions, a few MB
// With a filter every page costs the store a pass over all exchanges whatever its size (the
// matching sessions are found by a subquery), so filtered pages are larger and fewer.
constexpr int FilteredPageFactor = 8;
// For the same reason a filter's sessions are read in one go when there are at most this many
// (~20 MB): one pass instead of a count and then a pass per page.
constexpr int DefaultFilteredLoadLimit = 50'000;
constexpr int MaxDetails = 2048;
// Calls read per session for its stage path: a session of 100k calls (the empty key collects
// discovery requests) must not be read whole to draw one row.
constexpr int DetailCallLimit = 64;
constexpr int ChildBatch = 256;
// How far from the end a session that starts matching the filter is looked for before the
// model gives up and reloads.
constexpr int TailScanRows = 1024;

struct Page
{
    QList<SessionSummary> rows;
    quint64 used = 0;
};

struct StageStep
{
    QString name;
    int count = 1;
};

// What a session row shows beyond the store's SessionSummary, read from its first calls.
struct SessionDetail
{
    QList<StageStep> path;
    int calls = 0; // calls accumulated (path holds at most DetailCallLimit of them)
    QString dialect;
    QStringList recipients;
    QString subject;
    qint64 maxLatencyUs = -1;
    quint64 used = 0;
};

// The calls of an expanded session: the first rows.size() of total matching calls.
struct Children
{
    QString key;
    int row = 0; // the session's top-level row
    QList<Exchange> rows;
    qint64 total = 0;
};

CaptureQuery withSession(CaptureQuery query, const QString &key)
{
    query.terms.append(CaptureTerm {CaptureTerm::Field::Session, key, false});
    return query;
}

Verdict shownVerdict(const Exchange &e)
{
    return e.held ? Verdict::Held : e.verdict;
}

Verdict verdictOf(const QString &name)
{
    return MtaHooks::verdictFromName(name).value_or(Verdict::None);
}

QString verdictText(Verdict verdict)
{
    return verdict == Verdict::None ? u"none"_s : MtaHooks::verdictName(verdict);
}

QString stepName(const Exchange &e)
{
    if (e.kind != Mock::ExchangeKind::Hook)
        return Mock::exchangeKindName(e.kind);
    if (e.stage != MtaHooks::Stage::Unknown)
        return MtaHooks::stageName(e.stage);
    return e.stageName.isEmpty() ? u"?"_s : e.stageName;
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
    if (!e.held)
        detail.maxLatencyUs = qMax(detail.maxLatencyUs, e.latencyUs);
}

QString pathText(const SessionDetail &detail, int totalCalls)
{
    QStringList steps;
    for (const StageStep &step : detail.path)
        steps.append(step.count > 1 ? u"%1 ×%2"_s.arg(step.name).arg(step.count) : step.name);
    if (totalCalls > std::min(detail.calls, DetailCallLimit))
        steps.append(u"…"_s);
    return steps.join(u" → "_s);
}

QString callsText(int count)
{
    return count == 1 ? u"1 call"_s : u"%1 calls"_s.arg(count);
}

QString recipientsText(const QStringList &recipients)
{
    constexpr int shown = 3;
    if (recipients.size() <= shown)
        return recipients.join(u", "_s);
    return recipients.mid(0, shown).join(u", "_s) + u" +%1"_s.arg(recipients.size() - shown);
}

QString envelopeText(const QString &mailFrom, const QStringList &recipients)
{
    const QString sender = mailFrom.isEmpty() ? u"<>"_s : mailFrom;
    if (recipients.isEmpty())
        return sender;
    return sender + u" → "_s + recipientsText(recipients);
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"hh:mm:ss.zzz"_s) : QString();
}

QString dateText(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(u"yyyy-MM-dd hh:mm:ss.zzz t"_s) : QString();
}

QString latencyText(qint64 us)
{
    if (us < 0)
        return {};
    const double ms = double(us) / 1000.0;
    return QString::number(ms, 'f', ms < 10 ? 1 : 0) + u" ms"_s;
}

QString problemsText(int count)
{
    return count > 0 ? u"⚠ %1"_s.arg(count) : QString();
}

QString countdownText(const QDateTime &deadline)
{
    const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(deadline);
    const qint64 seconds = ms <= 0 ? 0 : (ms + 999) / 1000;
    return u"held %1 s"_s.arg(seconds);
}

QString childSummary(const Exchange &e)
{
    if (e.kind != Mock::ExchangeKind::Hook)
        return QString::fromUtf8(e.method + ' ' + e.path);
    switch (e.stage) {
    case MtaHooks::Stage::Connect:
        return e.clientIp;
    case MtaHooks::Stage::Ehlo:
        return e.clientEhlo.isEmpty() ? e.clientIp : QString(u"EHLO "_s + e.clientEhlo);
    case MtaHooks::Stage::Auth:
        return e.clientEhlo.isEmpty() ? e.clientIp : e.clientEhlo;
    default:
        break;
    }
    if (e.mailFrom.isEmpty() && e.recipients.isEmpty() && e.stage != MtaHooks::Stage::Mail)
        return e.subject.isEmpty() ? e.clientIp : e.subject;
    QString text = envelopeText(e.mailFrom, e.recipients);
    if (e.stage == MtaHooks::Stage::Data && !e.subject.isEmpty())
        text += u" — "_s + e.subject;
    return text;
}

QString problemsTooltip(const MtaHooks::Problems &problems)
{
    QStringList lines;
    for (const MtaHooks::Problem &problem : problems) {
        if (lines.size() == 10) {
            lines.append(u"…"_s);
            break;
        }
        const QString where = problem.pointer.isEmpty() ? QString() : problem.pointer + u": "_s;
        lines.append(
            u"%1 %2%3"_s.arg(MtaHooks::severityName(problem.severity), where, problem.message));
    }
    return lines.join(u'\n');
}

bool isNumericColumn(int column)
{
    return column == SessionModel::StatusColumn || column == SessionModel::LatencyColumn
        || column == SessionModel::ProblemsColumn;
}

// How a session row and a call row look alike: the verdict as a coloured dot and text in the
// Action column, held calls tinted, figures right-aligned.
QVariant rowStyle(int role, int column, MtaHooks::Verdict verdict)
{
    using MtaHooks::Verdict;
    switch (role) {
    case Qt::DecorationRole:
        if (column == SessionModel::ActionColumn && verdict != Verdict::None)
            return verdictDot(verdict, currentPalette());
        break;
    case Qt::ForegroundRole:
        if (column == SessionModel::ActionColumn && verdict != Verdict::None)
            return verdictColor(verdict, currentPalette());
        break;
    case Qt::BackgroundRole:
        if (verdict == Verdict::Held)
            return heldBackground(currentPalette());
        break;
    case Qt::TextAlignmentRole:
        if (isNumericColumn(column))
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    default:
        break;
    }
    return {};
}

SessionSummary summaryOf(const Exchange &e)
{
    SessionSummary summary;
    summary.sessionKey = e.sessionKey;
    summary.first = e.received;
    summary.last = e.received;
    summary.exchangeCount = 1;
    summary.clientIp = e.clientIp;
    summary.mailFrom = e.mailFrom;
    summary.worstVerdict = verdictText(shownVerdict(e));
    summary.problemCount = int(e.problems.size());
    return summary;
}

// A new call folded into its session's figures the way the store's session upsert does it.
void addToSummary(SessionSummary &summary, const Exchange &e)
{
    ++summary.exchangeCount;
    if (e.received.isValid()) {
        if (!summary.first.isValid() || e.received < summary.first)
            summary.first = e.received;
        if (!summary.last.isValid() || e.received > summary.last)
            summary.last = e.received;
    }
    if (summary.clientIp.isEmpty())
        summary.clientIp = e.clientIp;
    if (summary.mailFrom.isEmpty())
        summary.mailFrom = e.mailFrom;
    const Verdict verdict = shownVerdict(e);
    if (MtaHooks::verdictSeverity(verdict)
        > MtaHooks::verdictSeverity(verdictOf(summary.worstVerdict)))
        summary.worstVerdict = verdictText(verdict);
    summary.problemCount += int(e.problems.size());
}

} // namespace

struct SessionModel::Private
{
    SessionModel *q = nullptr;
    Mock::CaptureStore *store = nullptr;
    CaptureQuery query;
    int basePageSize = DefaultPageSize;
    int baseMaxPages = DefaultMaxPages;
    int filteredLoadLimit = DefaultFilteredLoadLimit;
    int pageSize = DefaultPageSize; // for the current query
    int maxPages = DefaultMaxPages;
    qint64 sessionCount = 0;
    bool allInMemory = false; // every page is cached and none is evicted (selective filters)
    qint64 exchangeCount = -1; // -1: not counted yet
    QMap<qint64, Page> pages;
    QHash<QString, SessionDetail> details;
    // Expanded sessions. A child index carries its session's handle (position + 1) as internal
    // id: handles survive rows inserted above the session, where a row number would not.
    QList<Children> expanded;
    QHash<QString, quintptr> handleOfKey;
    QHash<qint64, quintptr> handleOfRow;
    quint64 tick = 0;
    qint64 storeReads = 0;
    // A top-level row being inserted at this position: the store already has it, the model does
    // not until endInsertRows, so pages read in between (the views and the model tester read
    // neighbours in rowsAboutToBeInserted) must leave it out.
    qint64 pendingRow = -1;
    QHash<qint64, QDateTime> deadlines;
    QHash<qint64, QString> deadlineKeys; // exchange id -> session key, when known
    QTimer ticker;
    // Signals in flight (nesting depth). A fetchMore from a slot connected to one of them (a
    // view or the model tester walking the tree on rowsInserted or modelReset) is deferred: a
    // nested insertion would reach listeners in the middle of the change they are handling.
    int emitting = 0;
    QList<QPersistentModelIndex> deferredFetches;

    bool isUsable() const { return store && store->isOpen(); }
    void choosePageSize();
    void load();
    Page *page(qint64 number);
    void evictPages();
    const SessionSummary *summaryAt(qint64 row);
    SessionSummary *cachedSummary(qint64 row);
    const SessionDetail *detail(const QString &key);
    qint64 rowOfKey(const QString &key) const;
    Children *childrenOfRow(qint64 row);
    Children *childrenOfKey(const QString &key);
    Children &expand(qint64 row, const QString &key);
    int childPosition(const Children &children, qint64 id) const;
    QModelIndex sessionIndex(qint64 row, int column) const;
    QModelIndex childIndex(const Children &children, int position, int column) const;
    void rebuildRowHandles();

    void reset();
    // These return the row of the session they added, -1 when none (or after a reset).
    qint64 appendSession(const Exchange &e);
    qint64 insertExistingSession(const QString &key);
    qint64 insertSessionAt(qint64 row, const SessionSummary &summary);
    qint64 sessionStartsMatching(const Exchange &e, bool isNew);
    // Returns the index of the call's row when it was inserted.
    QModelIndex updateChild(Children &children, const Exchange &e, bool matches);
    void refreshSummary(qint64 row, const QString &key);
    std::optional<QDateTime> sessionDeadline(const QString &key) const;
    void emitCountdownChanged(qint64 id, QSet<qint64> *sessionRowsDone);
    void onTick();

    void flushDeferredFetches();

    QVariant sessionData(qint64 row, int column, int role);
    QVariant exchangeData(const Exchange &e, int column, int role) const;
};

namespace {

// Marks a stretch of code that emits model signals (see Private::emitting).
class Emitting
{
public:
    explicit Emitting(int &depth)
        : m_depth(depth)
    {
        ++m_depth;
    }
    ~Emitting() { --m_depth; }
    Q_DISABLE_COPY_MOVE(Emitting)

private:
    int &m_depth;
};

} // namespace

void SessionModel::Private::flushDeferredFetches()
{
    const QList<QPersistentModelIndex> pending = std::exchange(deferredFetches, {});
    for (const QPersistentModelIndex &index : pending) {
        if (index.isValid())
            q->fetchMore(index);
    }
}

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
    const Emitting scope(emitting);
    q->beginResetModel();
    load();
    q->endResetModel();
}

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
            it->rows.append(summaryOf(e));
        else
            pages.erase(it);
    } else if (row % pageSize == 0) {
        evictPages();
        pages.insert(number, Page {{summaryOf(e)}, ++tick});
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
    const qint64 matching = store->count(withSession(query, e.sessionKey));
    ++storeReads;
    if (matching != 1)
        return -1; // it had matching calls before: listed, off screen
    if (isNew) {
        qint64 all = matching;
        if (!query.isEmpty()) {
            all = store->count(withSession({}, e.sessionKey));
            ++storeReads;
        }
        if (all == 1)
            return appendSession(e);
    }
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

std::optional<QDateTime> SessionModel::Private::sessionDeadline(const QString &key) const
{
    std::optional<QDateTime> earliest;
    for (auto it = deadlineKeys.cbegin(); it != deadlineKeys.cend(); ++it) {
        if (it.value() != key)
            continue;
        const auto deadline = deadlines.constFind(it.key());
        if (deadline != deadlines.cend() && (!earliest || *deadline < *earliest))
            earliest = *deadline;
    }
    return earliest;
}

void SessionModel::Private::emitCountdownChanged(qint64 id, QSet<qint64> *sessionRowsDone)
{
    const Emitting scope(emitting);
    const auto key = deadlineKeys.constFind(id);
    if (key == deadlineKeys.cend())
        return;
    if (const Children *children = childrenOfKey(*key)) {
        const int position = childPosition(*children, id);
        if (position >= 0) {
            const QModelIndex cell = childIndex(*children, position, ActionColumn);
            Q_EMIT q->dataChanged(cell, cell, {Qt::DisplayRole});
        }
    }
    const qint64 row = rowOfKey(*key);
    if (row >= 0 && (!sessionRowsDone || !sessionRowsDone->contains(row))) {
        if (sessionRowsDone)
            sessionRowsDone->insert(row);
        const QModelIndex cell = sessionIndex(row, ActionColumn);
        Q_EMIT q->dataChanged(cell, cell, {Qt::DisplayRole});
    }
}

void SessionModel::Private::onTick()
{
    QSet<qint64> sessionRows;
    const QList<qint64> ids = deadlines.keys();
    for (const qint64 id : ids)
        emitCountdownChanged(id, &sessionRows);
}

QVariant SessionModel::Private::sessionData(qint64 row, int column, int role)
{
    const SessionSummary *summary = summaryAt(row);
    if (!summary)
        return {};
    const Verdict verdict = verdictOf(summary->worstVerdict);
    // Stage, dialect, latency and summary texts need the session's calls; the other columns
    // come from the page alone.
    const auto detailText = [this, summary]() { return detail(summary->sessionKey); };
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TimeColumn:
            return timeText(summary->first);
        case StageColumn: {
            const SessionDetail *d = detailText();
            const QString calls = callsText(summary->exchangeCount);
            return d ? QString(calls + u": "_s + pathText(*d, summary->exchangeCount)) : calls;
        }
        case DialectColumn: {
            const SessionDetail *d = detailText();
            return d ? d->dialect : QString();
        }
        case ActionColumn: {
            if (verdict == Verdict::Held) {
                if (const auto deadline = sessionDeadline(summary->sessionKey))
                    return countdownText(*deadline);
            }
            return verdict == Verdict::None ? QString() : MtaHooks::verdictName(verdict);
        }
        case StatusColumn:
            return QString();
        case LatencyColumn: {
            const SessionDetail *d = detailText();
            return d ? latencyText(d->maxLatencyUs) : QString();
        }
        case ProblemsColumn:
            return problemsText(summary->problemCount);
        case SummaryColumn: {
            const SessionDetail *d = detailText();
            QString text = summary->clientIp;
            if (!summary->mailFrom.isEmpty() || (d && !d->recipients.isEmpty())) {
                if (!text.isEmpty())
                    text += u", "_s;
                text += envelopeText(summary->mailFrom, d ? d->recipients : QStringList());
            }
            return text;
        }
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case TimeColumn:
            return u"First call %1\nLast call %2"_s.arg(
                dateText(summary->first), dateText(summary->last));
        case StageColumn: {
            const SessionDetail *d = detailText();
            return d ? pathText(*d, summary->exchangeCount) : QString();
        }
        case ActionColumn:
            return u"Most severe verdict of the session: %1"_s.arg(verdictText(verdict));
        case LatencyColumn:
            return u"Slowest answer in the session"_s;
        case ProblemsColumn:
            return summary->problemCount > 0
                ? u"%1 problem(s) in this session"_s.arg(summary->problemCount)
                : QString();
        case SummaryColumn: {
            const SessionDetail *d = detailText();
            QString text = u"Session %1\nClient %2"_s.arg(summary->sessionKey, summary->clientIp);
            if (d) {
                text += u"\nFrom %1\nTo %2"_s.arg(
                    summary->mailFrom.isEmpty() ? u"<>"_s : summary->mailFrom,
                    d->recipients.join(u", "_s));
                if (!d->subject.isEmpty())
                    text += u"\nSubject %1"_s.arg(d->subject);
            }
            return text;
        }
        default:
            return sessionData(row, column, Qt::DisplayRole);
        }
    case Qt::DecorationRole:
    case Qt::ForegroundRole:
    case Qt::BackgroundRole:
    case Qt::TextAlignmentRole:
        return rowStyle(role, column, verdict);
    case ExchangeIdRole:
        return qint64(0);
    case SessionKeyRole:
        return summary->sessionKey;
    case IsSessionRole:
        return true;
    case VerdictRole:
        return summary->worstVerdict;
    case ProblemCountRole:
        return summary->problemCount;
    default:
        break;
    }
    return {};
}

QVariant SessionModel::Private::exchangeData(const Exchange &e, int column, int role) const
{
    const Verdict verdict = shownVerdict(e);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TimeColumn:
            return timeText(e.received);
        case StageColumn:
            return stepName(e);
        case DialectColumn:
            return MtaHooks::dialectName(e.dialect);
        case ActionColumn: {
            if (verdict == Verdict::Held) {
                const auto deadline = deadlines.constFind(e.id);
                return deadline != deadlines.cend() ? countdownText(*deadline) : u"held"_s;
            }
            if (verdict != Verdict::None)
                return MtaHooks::verdictName(verdict);
            if (!e.fault.isEmpty())
                return QString(u"fault: "_s + e.fault);
            return MtaHooks::actionName(e.action);
        }
        case StatusColumn:
            return e.httpStatus > 0 ? QString::number(e.httpStatus) : QString();
        case LatencyColumn:
            return e.held ? QString() : latencyText(e.latencyUs);
        case ProblemsColumn:
            return problemsText(int(e.problems.size()));
        case SummaryColumn:
            return childSummary(e);
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case TimeColumn:
            return dateText(e.received);
        case StageColumn:
            return u"%1, call %2 of session %3"_s.arg(stepName(e))
                .arg(e.sequence)
                .arg(e.sessionKey);
        case ActionColumn: {
            QStringList lines;
            if (!e.ruleName.isEmpty())
                lines.append(u"Rule %1"_s.arg(e.ruleName));
            if (!e.ruleReason.isEmpty())
                lines.append(e.ruleReason);
            if (e.replyCode > 0)
                lines.append(u"SMTP reply %1"_s.arg(e.replyCode));
            if (!e.fault.isEmpty())
                lines.append(u"Fault %1"_s.arg(e.fault));
            return lines.join(u'\n');
        }
        case ProblemsColumn:
            return problemsTooltip(e.problems);
        case SummaryColumn: {
            QString text = u"From %1\nTo %2"_s.arg(
                e.mailFrom.isEmpty() ? u"<>"_s : e.mailFrom, e.recipients.join(u", "_s));
            if (!e.subject.isEmpty())
                text += u"\nSubject %1"_s.arg(e.subject);
            if (!e.clientIp.isEmpty())
                text += u"\nClient %1"_s.arg(e.clientIp);
            return text;
        }
        default:
            return exchangeData(e, column, Qt::DisplayRole);
        }
    case Qt::DecorationRole:
    case Qt::ForegroundRole:
    case Qt::BackgroundRole:
    case Qt::TextAlignmentRole:
        return rowStyle(role, column, verdict);
    case ExchangeIdRole:
        return e.id;
    case SessionKeyRole:
        return e.sessionKey;
    case IsSessionRole:
        return false;
    case VerdictRole:
        return verdictText(verdict);
    case ExchangeRole:
        return QVariant::fromValue(e);
    case ProblemCountRole:
        return int(e.problems.size());
    default:
        break;
    }
    return {};
}

SessionModel::SessionModel(Mock::CaptureStore *store, QObject *parent)
    : QAbstractItemModel(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->store = store;
    d->ticker.setInterval(1000);
    connect(&d->ticker, &QTimer::timeout, this, [this]() { d->onTick(); });
    d->load();
}

SessionModel::~SessionModel() = default;

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
    for (const Children &children : std::as_const(d->expanded)) {
        const int position = d->childPosition(children, id);
        if (position >= 0)
            return d->childIndex(children, position, 0);
    }
    if (!d->isUsable())
        return {};
    const std::optional<Exchange> exchange = d->store->load(id);
    ++d->storeReads;
    if (!exchange || !matchesQuery(d->query, *exchange))
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

void SessionModel::setHeldDeadline(qint64 exchangeId, const QDateTime &deadline)
{
    d->deadlines.insert(exchangeId, deadline);
    if (!d->deadlineKeys.contains(exchangeId)) {
        for (const Children &children : std::as_const(d->expanded)) {
            if (d->childPosition(children, exchangeId) >= 0)
                d->deadlineKeys.insert(exchangeId, children.key);
        }
    }
    if (!d->ticker.isActive())
        d->ticker.start();
    d->emitCountdownChanged(exchangeId, nullptr);
}

void SessionModel::clearHeldDeadline(qint64 exchangeId)
{
    if (!d->deadlines.remove(exchangeId))
        return;
    d->emitCountdownChanged(exchangeId, nullptr);
    d->deadlineKeys.remove(exchangeId);
    if (d->deadlines.isEmpty())
        d->ticker.stop();
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

QVariant SessionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (section) {
        case TimeColumn:
            return u"Time"_s;
        case StageColumn:
            return u"Stage"_s;
        case DialectColumn:
            return u"Dialect"_s;
        case ActionColumn:
            return u"Action"_s;
        case StatusColumn:
            return u"Status"_s;
        case LatencyColumn:
            return u"Latency"_s;
        case ProblemsColumn:
            return u"Problems"_s;
        case SummaryColumn:
            return u"Summary"_s;
        }
        break;
    case Qt::ToolTipRole:
        switch (section) {
        case TimeColumn:
            return u"When the call arrived (local time)"_s;
        case StageColumn:
            return u"SMTP stage of the call; for a session, its calls in order"_s;
        case ActionColumn:
            return u"The verdict the answer leads to; for a session, the most severe one"_s;
        case StatusColumn:
            return u"HTTP status of the answer"_s;
        case LatencyColumn:
            return u"From arrival to answer written"_s;
        case ProblemsColumn:
            return u"Validation, transport and answer problems"_s;
        default:
            break;
        }
        break;
    case Qt::TextAlignmentRole:
        if (isNumericColumn(section))
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    default:
        break;
    }
    return {};
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

void SessionModel::onExchangeSaved(const Mock::Exchange &summary, bool isNew)
{
    if (!d->isUsable() || summary.id == 0)
        return;
    if (summary.held || d->deadlines.contains(summary.id))
        d->deadlineKeys.insert(summary.id, summary.sessionKey);
    const bool matches = matchesQuery(d->query, summary);
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
            addToSummary(*cached, summary);
    } else {
        d->refreshSummary(row, summary.sessionKey);
    }
    QModelIndex shown;
    if (Children *children = d->childrenOfRow(row))
        shown = d->updateChild(*children, summary, matches);
    const Emitting scope(d->emitting);
    Q_EMIT dataChanged(d->sessionIndex(row, 0), d->sessionIndex(row, ColumnCount - 1));
    if (isNew && matches)
        Q_EMIT exchangeAppended(shown.isValid() ? shown : d->sessionIndex(row, 0));
}

void SessionModel::onCleared()
{
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

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// SessionModel's state and the pieces it is made of, shared by the files that implement them:
// sessionmodel.cpp (the item model interface, calls read on expansion), sessionrowcache.cpp (the
// paged cache of session rows, session details and the calls of expanded sessions),
// sessionrowformat.cpp (what rows show: texts, tooltips, styles and roles),
// sessionliveupdates.cpp (exchanges saved, removed or cleared in the capture store) and
// helddeadlines.cpp (the countdown of held calls).

#include "mock/capture/capturequery.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"
#include "ui/models/sessionmodel.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMap>
#include <QPersistentModelIndex>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <limits>
#include <optional>

// A named namespace, not an anonymous one: Private's members have these types in every file that
// includes this header, so each must be one type for all of them.
namespace Timeline {

constexpr int DefaultPageSize = 256;
constexpr int DefaultMaxPages = 64; // 16k sessions, a few MB
// With a filter every page costs the store a pass over all exchanges whatever its size (the
// matching sessions are found by a subquery), so filtered pages are larger and fewer.
constexpr int FilteredPageFactor = 8;
// For the same reason a filter's sessions are read in one go when there are at most this many
// (~20 MB): one pass instead of a count and then a pass per page.
constexpr int DefaultFilteredLoadLimit = 50'000;
// Calls read per session for its stage path: a session of 100k calls (the empty key collects
// discovery requests) must not be read whole to draw one row.
constexpr int DetailCallLimit = 64;
// Calls of an expanded session that arrive live are added as rows up to this many rows; past it
// they wait in the store for fetchMore (scrolling down), so that a session an MTA never ends (a
// benchmark, a stuck client) cannot fill the memory of a window left open.
constexpr int MaxLiveChildren = SessionModel::MaxLiveChildren;

struct Page
{
    QList<Mock::SessionSummary> rows;
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
    QString ehlo;
    bool hookCalls = false; // false: the control plane's only (discovery, registration, …)
    qint64 maxLatencyUs = -1;
    quint64 used = 0;
};

// The calls of an expanded session: the first rows.size() of total matching calls.
struct Children
{
    QString key;
    int row = 0; // the session's top-level row
    QList<Mock::Exchange> rows;
    qint64 total = 0;
};

Mock::CaptureQuery withSession(Mock::CaptureQuery query, const QString &key);
void accumulate(SessionDetail &detail, const Mock::Exchange &e);
MtaHooks::Verdict shownVerdict(const Mock::Exchange &e);
MtaHooks::Verdict verdictOf(const QString &name);
QString verdictText(MtaHooks::Verdict verdict);
QString stepName(const Mock::Exchange &e);

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

} // namespace Timeline

struct SessionModel::Private
{
    SessionModel *q = nullptr;
    Mock::CaptureStore *store = nullptr;
    Mock::CaptureQuery query;
    int basePageSize = Timeline::DefaultPageSize;
    int baseMaxPages = Timeline::DefaultMaxPages;
    int filteredLoadLimit = Timeline::DefaultFilteredLoadLimit;
    int pageSize = Timeline::DefaultPageSize; // for the current query
    int maxPages = Timeline::DefaultMaxPages;
    qint64 sessionCount = 0;
    bool allInMemory = false; // every page is cached and none is evicted (selective filters)
    qint64 exchangeCount = -1; // -1: not counted yet
    QMap<qint64, Timeline::Page> pages;
    QHash<QString, Timeline::SessionDetail> details;
    // Expanded sessions. A child index carries its session's handle (position + 1) as internal
    // id: handles survive rows inserted above the session, where a row number would not.
    QList<Timeline::Children> expanded;
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
    // Saved calls waiting for the next live interval (setLiveInterval), in the order saved.
    int liveIntervalMs = 0;
    QTimer liveTimer;
    QList<std::pair<Mock::Exchange, bool>> pendingSaved;
    // While applyPending() folds a batch in: the sessions whose rows changed, told to the view
    // once each at the end instead of once per call.
    bool deferRowChanges = false;
    QSet<QString> changedSessionKeys;
    // Signals in flight (nesting depth). A fetchMore from a slot connected to one of them (a
    // view or the model tester walking the tree on rowsInserted or modelReset) is deferred: a
    // nested insertion would reach listeners in the middle of the change they are handling.
    int emitting = 0;
    QList<QPersistentModelIndex> deferredFetches;
    // Sessions with calls not looked at yet: the id of the first such call (ids grow, so every
    // call of the session from that id on is new).
    QHash<QString, qint64> newSince;

    bool isUsable() const { return store && store->isOpen(); }
    void choosePageSize();
    void load();
    Timeline::Page *page(qint64 number);
    void evictPages();
    const Mock::SessionSummary *summaryAt(qint64 row);
    Mock::SessionSummary *cachedSummary(qint64 row);
    const Timeline::SessionDetail *detail(const QString &key);
    qint64 rowOfKey(const QString &key) const;
    Timeline::Children *childrenOfRow(qint64 row);
    Timeline::Children *childrenOfKey(const QString &key);
    Timeline::Children &expand(qint64 row, const QString &key);
    int childPosition(const Timeline::Children &children, qint64 id) const;
    QModelIndex sessionIndex(qint64 row, int column) const;
    QModelIndex childIndex(const Timeline::Children &children, int position, int column) const;
    void rebuildRowHandles();

    void reset();
    // These return the row of the session they added, -1 when none (or after a reset).
    qint64 appendSession(const Mock::Exchange &e);
    qint64 insertExistingSession(const QString &key);
    qint64 insertSessionAt(qint64 row, const Mock::SessionSummary &summary);
    qint64 sessionStartsMatching(const Mock::Exchange &e, bool isNew);
    // Returns the index of the call's row when it was inserted.
    QModelIndex updateChild(Timeline::Children &children, const Mock::Exchange &e, bool matches);
    void refreshSummary(qint64 row, const QString &key);
    std::optional<QDateTime> sessionDeadline(const QString &key) const;
    void emitCountdownChanged(qint64 id, QSet<qint64> *sessionRowsDone);
    void onTick();

    void flushDeferredFetches();
    void markNew(const Mock::Exchange &e);
    // A session (without id): has it new calls? A call: is it new?
    bool isNew(const QString &key, qint64 id = std::numeric_limits<qint64>::max()) const;

    QVariant sessionData(qint64 row, int column, int role);
    QVariant exchangeData(const Mock::Exchange &e, int column, int role) const;
};

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QHash>

#include <memory>

namespace Mock {
class CaptureStore;
}

// The timeline: SMTP sessions as top-level rows, their calls (stages) as children, in arrival
// order. Backed by the capture store with paged loading, so a million captures open at once and
// only what is on screen is in memory. Live: exchanges saved by the endpoint appear as they
// arrive (connect CaptureStore::exchangeSaved to onExchangeSaved).
class SessionModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionModel)

public:
    // In the order they show on a first run. Dialect and Details start hidden: the details pane
    // shows both for the selected call, and the window's width goes to who sent what to whom.
    enum Column {
        TimeColumn,
        StageColumn, // a session: its calls, shortened to the last stage when long
        ActionColumn, // "Verdict": a session's most severe one
        EnvelopeColumn, // sender → recipients
        SubjectColumn, // once the data stage told it
        ClientColumn, // IP / EHLO name
        StatusColumn,
        LatencyColumn,
        ProblemsColumn,
        DialectColumn,
        SummaryColumn, // "Details": a session's whole stage path; a call's stage-specific summary
        ColumnCount
    };
    enum Role {
        ExchangeIdRole = Qt::UserRole + 1, // qint64, 0 for session rows
        SessionKeyRole, // QString
        IsSessionRole, // bool
        VerdictRole, // QString verdict name ("held" for held calls)
        ExchangeRole, // Mock::Exchange summary (child rows only)
        ProblemCountRole, // int
        IsNewRole, // bool: arrived live and not looked at yet (markSeen)
        CallCountRole, // qint64: a session's calls (session rows only)
        IsControlPlaneRole, // bool: a session of discovery, registration… calls only, no hook call
    };
    // Rows an expanded session gains from calls arriving live; past them, calls wait in the
    // store for fetchMore (the view scrolling down).
    static constexpr int MaxLiveChildren = 2048;

    explicit SessionModel(Mock::CaptureStore *store, QObject *parent = nullptr);
    ~SessionModel() override;

    // Keeps the timeline up to date with its store: new and updated calls, imports, removals
    // (which also end the countdowns of removed held calls) and clearing. The window and the
    // tests connect the two through this one function.
    void followStore();

    void setQuery(const Mock::CaptureQuery &query); // resets the model
    Mock::CaptureQuery query() const;
    void reload();

    // The index of an exchange's row (its session's children are loaded if needed).
    QModelIndex indexForExchange(qint64 id);
    qint64 exchangeCount() const; // matching exchanges (for the status bar)

    // New rows are marked (bold, IsNewRole) from their arrival until the user looks at them:
    // sessions that received calls live, and those calls. Selecting a session or one of its calls
    // marks the session seen. Calls read from the store (a load, a filter) are not new.
    void markSeen(const QModelIndex &index);
    void markAllSeen();
    int newSessionCount() const;

    // Held calls show a countdown to their deadline in the action column.
    void setHeldDeadline(qint64 exchangeId, const QDateTime &deadline);
    void clearHeldDeadline(qint64 exchangeId);

    // Paging: top-level rows are read from the store pageSize sessions at a time and at most
    // maxPages pages stay in memory (least recently used go first); with a filter, pages are 8
    // times larger and 8 times fewer, and when at most filteredLoadLimit sessions match they
    // are all read at once and kept. Resets the model.
    void setCacheLimits(int pageSize, int maxPages, int filteredLoadLimit = 50'000);
    // 0 (the default): each saved call shows at once. Above 0: saved calls are gathered and shown
    // together at most this often, so that a busy MTA costs one layout and repaint of the view
    // per interval instead of one per event-loop pass (the window uses 100 ms).
    void setLiveInterval(int msecs);
    struct CacheStats
    {
        int pageSize = 0; // of the current query
        int cachedPages = 0;
        int cachedDetails = 0; // sessions whose stage path and recipients are in memory
        int expandedSessions = 0; // sessions whose calls are rows of the model
        qint64 storeReads = 0; // store calls made since construction
    };
    CacheStats cacheStats() const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

public Q_SLOTS:
    void onExchangeSaved(const Mock::Exchange &summary, bool isNew);
    void onCleared();
    // Imports and removals change rows anywhere in the timeline: both reload it.
    void onBatchSaved(int count);
    void onExchangesRemoved(const QList<qint64> &ids);

Q_SIGNALS:
    // A new call matching the query arrived: index is its row when its session is expanded,
    // else its session's row (column 0 either way).
    void exchangeAppended(const QModelIndex &index);
    void newSessionCountChanged(int count);

private:
    void applySaved(const Mock::Exchange &summary, bool isNew);
    void applyPending(); // what waits for the live interval, now

    struct Private;
    std::unique_ptr<Private> d;
};

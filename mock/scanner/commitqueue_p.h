// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace Mock {

class CaptureStore;

// On disk before the MTA sees the answer: an exchange is committed to the CaptureStore, then its
// `written` step runs (the endpoint writes the answer), so a crash after an answer loses nothing
// the MTA saw. Each commit is one transaction, or, grouped, one transaction at the end of the
// event-loop pass for everything committed in it, stored and then written in the order commit()
// was called. A grouped file store commits on its writer thread (saveAllInBackground) while the
// event loop goes on deciding the calls of the next passes; the writer joins the batches that
// wait for it into one transaction. A request body of 2 × CaptureStore::PartBytes and more is
// stored in parts over several passes (CaptureStore::saveInParts) and written after the last.
// Storage failing never holds an answer back: a failed group is stored again one by one, so one bad
// row loses only itself; a loss the store does not announce itself (a storage fault it does, once)
// is reported through saveFailed; `written` runs either way.
class CommitQueue final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CommitQueue)

public:
    using Written = std::function<void()>;

    explicit CommitQueue(QObject *parent = nullptr);
    ~CommitQueue() override;

    // What is queued goes to the store it was queued for first; null: nothing is stored.
    void setStore(CaptureStore *store);
    CaptureStore *store() const;
    void setGrouped(bool grouped);
    bool isGrouped() const { return m_grouped; }

    // Stores `exchange` (its id is set in place; the pointer keeps it alive meanwhile), then runs
    // `written`: before this returns, unless grouped or stored in parts.
    void commit(const std::shared_ptr<Exchange> &exchange, Written written);
    // Stores at once, alone: a held call, a refusal, a call whose client went away.
    void saveNow(Exchange &exchange);
    // Commits the group now, waiting for a batch in the background (the endpoint closes).
    void flushNow();
    int queued() const { return int(m_queue.size()); }

Q_SIGNALS:
    // "capture not saved: <the store's error>", for each exchange lost other than to a storage
    // fault.
    void saveFailed(const QString &message);

private:
    struct Entry
    {
        std::shared_ptr<Exchange> exchange;
        Written written;
    };
    void reportLoss();
    void flush(); // at the end of an event-loop pass, and when a background batch is done
    void finishBatch(const QList<Entry> &batch, QList<Exchange> &saved, bool stored);

    QPointer<CaptureStore> m_store;
    bool m_grouped = false;
    QList<Entry> m_queue; // committed in this pass, not yet on disk
    bool m_flushQueued = false;
    int m_inBackground = 0; // batches being stored on the store's writer thread
    bool m_synchronous = false; // flushNow(): no background batch
};

} // namespace Mock

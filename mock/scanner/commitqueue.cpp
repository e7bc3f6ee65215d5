// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/commitqueue_p.h"

#include "mock/capture/capturestore.h"
#include "mock/scanner/logging.h"

#include <QElapsedTimer>

#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

CommitQueue::CommitQueue(QObject *parent)
    : QObject(parent)
{ }

CommitQueue::~CommitQueue() = default;

void CommitQueue::setStore(CaptureStore *store)
{
    flushNow(); // what was answered so far goes to the store it was answered for
    m_store = store;
}

CaptureStore *CommitQueue::store() const
{
    return m_store;
}

void CommitQueue::setGrouped(bool grouped)
{
    m_grouped = grouped;
}

void CommitQueue::commit(const std::shared_ptr<Exchange> &exchange, Written written)
{
    if (m_store && exchange->requestBody.size() >= 2 * CaptureStore::PartBytes) {
        // A large body is stored in parts over several event-loop passes (its answer waits for
        // the last): other calls are answered in between, not after one long write.
        m_store->saveInParts(*exchange, this,
            [this, exchange, written = std::move(written)](const Exchange &saved, bool stored) {
                exchange->id = saved.id;
                if (!stored)
                    reportLoss();
                written();
            });
        return;
    }
    if (!m_store || !m_grouped) {
        // On disk before the MTA sees the answer: a crash after this loses nothing it saw.
        saveNow(*exchange);
        written();
        return;
    }
    // Group commit: the store write waits for the end of this event-loop pass, so every answer
    // decided in the pass shares one transaction; no answer is written before its commit.
    m_queue.append({exchange, std::move(written)});
    if (!m_flushQueued) {
        m_flushQueued = true;
        QMetaObject::invokeMethod(this, &CommitQueue::flush, Qt::QueuedConnection);
    }
}

void CommitQueue::saveNow(Exchange &exchange)
{
    if (m_store && !m_store->save(exchange))
        reportLoss();
}

// A storage fault (disk full, locked, read-only) is the store's to announce, once, with the count
// of captures lost: not one error per call.
void CommitQueue::reportLoss()
{
    if (m_store && m_store->isStoring())
        Q_EMIT saveFailed(u"capture not saved: "_s + m_store->lastError());
}

void CommitQueue::flush()
{
    m_flushQueued = false;
    if (m_queue.isEmpty())
        return;
    const QList<Entry> batch = std::exchange(m_queue, {});
    // Moved to the store, not copied, and moved back by finishBatch: nothing reads a call's
    // exchange between its commit and its `written` step (a copy and its release on each side
    // of the writer thread cost more than the insert's binding, issue 12).
    QList<Exchange> exchanges;
    exchanges.reserve(batch.size());
    for (const Entry &entry : batch)
        exchanges.append(std::move(*entry.exchange));
    if (m_store && !m_synchronous) {
        QElapsedTimer clock;
        clock.start();
        const bool queued = m_store->saveAllInBackground(
            std::move(exchanges), this, [this, batch, clock](QList<Exchange> &saved, bool stored) {
                --m_inBackground;
                qCDebug(lcEndpoint) << "committed" << batch.size() << "exchange(s) in"
                                    << clock.nsecsElapsed() / 1000 << "us (background)";
                finishBatch(batch, saved, stored);
            });
        if (queued) {
            ++m_inBackground;
            return;
        }
    }
    bool stored = false;
    if (m_store) {
        QElapsedTimer clock;
        clock.start();
        stored = m_store->saveAll(exchanges, true); // live calls: announced one by one
        qCDebug(lcEndpoint) << "committed" << batch.size() << "exchange(s) in"
                            << clock.nsecsElapsed() / 1000 << "us";
    }
    finishBatch(batch, exchanges, stored);
}

void CommitQueue::finishBatch(const QList<Entry> &batch, QList<Exchange> &saved, bool stored)
{
    for (qsizetype i = 0; i < batch.size(); ++i)
        *batch.at(i).exchange = std::move(saved[i]); // with its id when stored
    if (m_store && !stored) {
        // All or nothing failed: store them one by one, so one bad row loses only itself.
        for (const Entry &entry : batch)
            saveNow(*entry.exchange);
    }
    for (const Entry &entry : batch)
        entry.written();
}

void CommitQueue::flushNow()
{
    m_synchronous = true;
    if (m_inBackground > 0 && m_store)
        m_store->finishBackgroundSaves(); // runs the completions of every batch in the background
    m_inBackground = 0;
    flush();
    m_synchronous = false;
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <memory>

namespace Mock {
class CaptureStore;
}

namespace Mock::Detail {

// A CaptureStore's group commits, on a thread and a connection of their own. Under load SQLite
// takes a third of the endpoint's event loop (binding ~40 columns, three statements per exchange,
// the commit's log write); here the loop only hands a batch over and goes on reading and deciding
// calls while the batch commits, which is where a second core pays. Batches are written in the
// order given; each one's `done` runs on the thread that made this writer, in the same order.
// Batches that arrive while one is being written are written together, in one transaction: a
// commit's fixed cost (~200 µs) is paid once per turn of this thread, not once per batch.
class BackgroundWriter
{
    Q_DISABLE_COPY_MOVE(BackgroundWriter)

public:
    using Done = std::function<void(QList<Exchange> &saved, bool stored, const QString &error)>;

    // Opens its connection to `databasePath` on its thread; isReady() says whether it opened.
    explicit BackgroundWriter(const QString &databasePath);
    ~BackgroundWriter(); // finish(), then closes the connection on its thread

    bool isReady() const { return m_ready; }
    QString errorString() const { return m_error; }
    void submit(QList<Exchange> batch, Done done);
    // Blocks until every submitted batch is written, then runs their `done` here.
    void finish();
    int pending() const; // submitted and not yet delivered

private:
    struct Job
    {
        QList<Exchange> batch;
        Done done;
        bool stored = false;
        QString error;
    };
    void writeQueued(); // on m_thread
    void deliverCompleted(); // on the thread that made this writer

    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread
    // Lives on the thread that made this writer; completions are posted to it, so those still
    // queued when the writer goes die with it (finish() delivered them already).
    std::unique_ptr<QObject> m_delivery;
    CaptureStore *m_store = nullptr; // lives on m_thread
    bool m_ready = false;
    QString m_error;
    mutable QMutex m_mutex;
    QList<Job> m_queued; // guarded by m_mutex
    bool m_wakeQueued = false; // guarded by m_mutex
    QList<Job> m_completed; // guarded by m_mutex
    int m_pending = 0; // the making thread only
};

} // namespace Mock::Detail

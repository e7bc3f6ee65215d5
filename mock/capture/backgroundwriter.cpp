// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/backgroundwriter_p.h"

#include "mock/capture/capturestore.h"

#include <QMutexLocker>

#include <utility>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

BackgroundWriter::BackgroundWriter(const QString &databasePath)
    : m_delivery(std::make_unique<QObject>())
{
    m_thread.setObjectName(u"capture writer"_s);
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
    // A Qt SQL connection belongs to the thread that opens it: the store is made and opened there.
    QMetaObject::invokeMethod(
        m_context,
        [this, databasePath] {
            m_store = new CaptureStore;
            m_ready = m_store->openAsWriter(databasePath);
            if (!m_ready)
                m_error = m_store->lastError();
        },
        Qt::BlockingQueuedConnection);
}

BackgroundWriter::~BackgroundWriter()
{
    finish();
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            delete m_store;
            m_store = nullptr;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void BackgroundWriter::submit(QList<Exchange> batch, Done done)
{
    ++m_pending;
    {
        const QMutexLocker lock(&m_mutex);
        m_queued.append(Job {std::move(batch), std::move(done), false, {}});
        if (m_wakeQueued)
            return;
        m_wakeQueued = true;
    }
    QMetaObject::invokeMethod(
        m_context, [this] { writeQueued(); }, Qt::QueuedConnection);
}

void BackgroundWriter::writeQueued()
{
    QList<Job> jobs;
    {
        const QMutexLocker lock(&m_mutex);
        jobs = std::exchange(m_queued, {});
        m_wakeQueued = false;
    }
    // The jobs' exchanges are moved into one transaction's list and back: a copy of each (and
    // its release) cost more than the insert's own binding (issue 12).
    QList<Exchange> all;
    for (Job &job : jobs) {
        for (Exchange &exchange : job.batch)
            all.append(std::move(exchange));
    }
    const bool stored = m_store && m_store->saveAll(all);
    const QString error = stored ? QString()
        : m_store                ? m_store->lastError()
                                 : u"the capture writer is closed"_s;
    qsizetype next = 0;
    for (Job &job : jobs) {
        job.stored = stored;
        job.error = error;
        for (Exchange &exchange : job.batch)
            exchange = std::move(all[next++]); // with its id when stored
    }
    {
        const QMutexLocker lock(&m_mutex);
        m_completed.append(std::move(jobs));
    }
    QMetaObject::invokeMethod(
        m_delivery.get(), [this] { deliverCompleted(); }, Qt::QueuedConnection);
}

void BackgroundWriter::deliverCompleted()
{
    QList<Job> completed;
    {
        const QMutexLocker lock(&m_mutex);
        completed = std::exchange(m_completed, {});
    }
    for (Job &job : completed) {
        --m_pending;
        job.done(job.batch, job.stored, job.error);
    }
}

void BackgroundWriter::finish()
{
    if (m_pending == 0)
        return;
    // Queued calls run in order: once this no-op has run, every batch submitted before it is
    // written and waits in m_completed.
    QMetaObject::invokeMethod(
        m_context, [] {}, Qt::BlockingQueuedConnection);
    deliverCompleted();
}

int BackgroundWriter::pending() const
{
    return m_pending;
}

} // namespace Mock::Detail

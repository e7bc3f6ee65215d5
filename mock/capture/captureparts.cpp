// SPDX-License-Identifier: GPL-3.0-or-later
// Large request bodies written in parts (CaptureStore::saveInParts): one part per event-loop pass,
// each in its own short transaction, then the exchange, whose row names the parts.
#include "mock/capture/capturestore.h"

#include "mock/capture/capturerows_p.h"
#include "mock/capture/capturestore_p.h"
#include "mock/capture/logging.h"

#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace Mock {

void CaptureStore::saveInParts(const Exchange &exchange, QObject *context,
    std::function<void(const Mock::Exchange &saved, bool stored)> done)
{
    if (exchange.requestBody.size() < 2 * PartBytes || exchange.id != 0) {
        Exchange saved = exchange;
        const bool stored = save(saved);
        done(saved, stored);
        return;
    }
    Private::PartJob job;
    job.exchange = exchange;
    // Random, not counted: parts need no coordination with other stores writing to the file.
    job.spool = qint64(QRandomGenerator::global()->generate64() >> 2) + 1;
    job.context = context;
    job.done = std::move(done);
    d->partJobs.append(std::move(job));
    d->queuePartStep();
}

void CaptureStore::Private::queuePartStep()
{
    if (partStepQueued || partJobs.isEmpty())
        return;
    partStepQueued = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            partStepQueued = false;
            partStep();
        },
        Qt::QueuedConnection);
}

void CaptureStore::Private::partStep()
{
    if (partJobs.isEmpty())
        return;
    PartJob &job = partJobs.first();
    if (!isOpen || !mayWrite()) {
        noteLost(1);
        endPartJob(partJobs.takeFirst(), false);
        queuePartStep();
        return;
    }
    const QByteArray &body = job.exchange.requestBody;
    if (job.written < body.size()) {
        const qsizetype length = qMin(CaptureStore::PartBytes, body.size() - job.written);
        // A view of the body, not a copy: the blob is bound for this statement only.
        const QByteArray part = QByteArray::fromRawData(body.constData() + job.written, length);
        const bool ok = inTransaction([this, &job, &part] {
            return exec(u"INSERT INTO body_parts (spool, seq, data) VALUES (?, ?, ?)"_s,
                {job.spool, job.seq, part});
        });
        if (!ok) {
            noteWriteFailed();
            noteLost(1);
            if (storing)
                Q_EMIT q->errorOccurred(lastError);
            endPartJob(partJobs.takeFirst(), false);
            queuePartStep();
            return;
        }
        job.written += length;
        ++job.seq;
        queuePartStep();
        return;
    }
    PartJob finished = partJobs.takeFirst();
    spoolForWrite = finished.spool;
    const bool stored = q->save(finished.exchange);
    spoolForWrite = 0;
    endPartJob(std::move(finished), stored);
    queuePartStep();
}

void CaptureStore::Private::endPartJob(PartJob job, bool stored)
{
    if (job.context && job.done)
        job.done(job.exchange, stored);
}

bool CaptureStore::Private::loadParts(Exchange &exchange, qint64 spool)
{
    auto parts = run(u"SELECT data FROM body_parts WHERE spool = ? ORDER BY seq"_s, {spool});
    if (!parts)
        return false;
    QByteArray body;
    while (parts->next())
        body += parts->value(0).toByteArray();
    exchange.requestBody = body;
    return true;
}

// Parts whose exchange was never written (the process ended between the two). Looked for first,
// so that opening a read-only file writes nothing; a failure to remove them only costs space.
// Runs at every open: it walks the parts' own keys and the small index of bodies with parts,
// never the bodies themselves.
void CaptureStore::Private::removeOrphanParts()
{
    const QString orphans = u"FROM body_parts WHERE NOT EXISTS (SELECT 1 FROM bodies "
                            "WHERE request_parts = body_parts.spool)"_s;
    const auto found = scalar(u"SELECT EXISTS (SELECT 1 "_s + orphans + u')', {});
    if (found && *found && !exec(u"DELETE "_s + orphans))
        qCWarning(lcCaptureStore).noquote() << "parts of unsaved bodies kept:" << lastError;
}

} // namespace Mock

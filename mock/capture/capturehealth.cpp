// SPDX-License-Identifier: GPL-3.0-or-later
// Storage faults: a full disk, a read-only or locked file. The policy is the endpoint's: it answers
// every call normally; the store counts what it could not keep, says why, and tries again.
#include "mock/capture/capturestore.h"

#include "mock/capture/capturestore_p.h"
#include "mock/capture/logging.h"

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// SQLite's primary result codes that mean the file cannot take writes now, as opposed to a bad
// statement or an exchange that does not exist.
enum SqliteCode {
    Busy = 5,
    Locked = 6,
    NoMemory = 7,
    ReadOnly = 8,
    IoError = 10,
    Corrupt = 11,
    Full = 13,
    CantOpen = 14,
    Protocol = 15,
    NotADatabase = 26,
};

QString describeFault(int code, const QString &text)
{
    switch (code) {
    case Busy:
    case Locked:
    case Protocol:
        return u"the database is locked by another program"_s;
    case ReadOnly:
        return u"the database is read-only"_s;
    case Full:
        return u"the disk is full"_s;
    case NoMemory:
        return u"out of memory"_s;
    case Corrupt:
    case NotADatabase:
        return u"the database file is damaged"_s;
    case CantOpen:
        return u"the database file cannot be opened"_s;
    default:
        return u"I/O error (%1)"_s.arg(text);
    }
}

} // namespace

// While captures are not being stored, a write is tried again once per retry interval; every
// other one fails at once, so a locked file costs the event loop one busy timeout per interval,
// not one per call (the endpoint retries a failed group commit call by call).
bool CaptureStore::Private::mayWrite()
{
    if (storing || sinceFailure.elapsed() >= retryIntervalMs)
        return true;
    lastError = u"captures are not being stored: %1"_s.arg(fault);
    lastCode = 0;
    return false;
}

bool CaptureStore::Private::isStorageFault() const
{
    switch (lastCode) {
    case Busy:
    case Locked:
    case NoMemory:
    case ReadOnly:
    case IoError:
    case Corrupt:
    case Full:
    case CantOpen:
    case Protocol:
    case NotADatabase:
        return true;
    default:
        return false;
    }
}

void CaptureStore::Private::noteWriteFailed()
{
    if (!isStorageFault())
        return;
    const QString reason = describeFault(lastCode, lastError);
    if (storing || reason != fault)
        qCWarning(lcCaptureStore).noquote()
            << "captures are not being stored:" << reason << "-" << lastError;
    storing = false;
    fault = reason;
    sinceFailure.start();
    queueHealthAnnouncement();
}

void CaptureStore::Private::noteWriteSucceeded()
{
    if (storing)
        return;
    qCInfo(lcCaptureStore) << "captures are being stored again," << lost << "lost";
    storing = true;
    fault.clear();
    queueHealthAnnouncement();
}

void CaptureStore::Private::noteLost(qint64 count)
{
    lost += count;
    queueHealthAnnouncement();
}

// Announced once per event-loop pass: a failed group commit and the call-by-call retries after it
// are one announcement, and its lost count already includes that batch.
void CaptureStore::Private::queueHealthAnnouncement()
{
    if (healthQueued)
        return;
    healthQueued = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            healthQueued = false;
            if (storing != announcedStoring || fault != announcedFault) {
                announcedStoring = storing;
                announcedFault = fault;
                Q_EMIT q->storageHealthChanged(storing, fault);
            }
            if (lost != announcedLost) {
                announcedLost = lost;
                Q_EMIT q->lostCapturesChanged(lost);
            }
        },
        Qt::QueuedConnection);
}

// A newly opened file starts healthy; a window that showed the old file's fault hears so.
void CaptureStore::Private::resetHealth()
{
    storing = true;
    fault.clear();
    lost = 0;
    if (!announcedStoring || announcedLost != 0)
        queueHealthAnnouncement();
}

bool CaptureStore::isStoring() const
{
    return d->storing;
}

QString CaptureStore::storageFault() const
{
    return d->fault;
}

qint64 CaptureStore::lostCaptures() const
{
    return d->lost;
}

void CaptureStore::setFaultRetryInterval(int msecs)
{
    d->retryIntervalMs = qMax(0, msecs);
}

} // namespace Mock

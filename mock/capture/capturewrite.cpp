// SPDX-License-Identifier: GPL-3.0-or-later
// The capture store's writes: one exchange inside a transaction, batches all or nothing, on this
// thread or on the writer thread (saveAllInBackground), and what each save announces.
#include "mock/capture/capturerows_p.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/capturestore_p.h"
#include "mock/capture/logging.h"

#include <QMetaMethod>
#include <QSqlError>
#include <QVariant>

#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Which exchanges a save inserts (id 0) rather than rewrites, before the save gives them ids.
QList<bool> newOnes(const QList<Exchange> &exchanges)
{
    QList<bool> isNew;
    isNew.reserve(exchanges.size());
    for (const Exchange &e : exchanges)
        isNew.append(e.id == 0);
    return isNew;
}

void bindAll(QSqlQuery &query, const QVariantList &values)
{
    for (const QVariant &value : values)
        query.addBindValue(value);
}

} // namespace

bool CaptureStore::Private::inserterFailed()
{
    lastError = inserter->errorText();
    lastCode = inserter->errorCode();
    return false;
}

// Inserts or updates one exchange inside the caller's transaction. New exchanges are added to
// their session rows when the batch ends (ExchangeInserter::writeSessions); updates (a held call
// answered) mark their sessions for a recount, because a verdict can become less severe.
bool CaptureStore::Private::write(Exchange &e, QSet<QString> &changedSessions)
{
    if (e.id == 0)
        return inserter->insert(e, spoolForWrite) || inserterFailed();
    auto old = run(u"SELECT session_key FROM exchanges WHERE id = ?"_s, {e.id});
    if (!old)
        return false;
    if (!old->next()) {
        lastError = u"no exchange with id %1"_s.arg(e.id);
        return false;
    }
    changedSessions.insert(old->value(0).toString());
    changedSessions.insert(e.sessionKey);
    QSqlQuery &update = *updateExchange;
    bindAll(update, Detail::summaryValues(e));
    update.addBindValue(e.id);
    if (!exec(update, u"update"))
        return false;
    return inserter->writeBodies(e, spoolForWrite) || inserterFailed();
}

bool CaptureStore::Private::recomputeSession(const QString &key)
{
    return exec(u"DELETE FROM sessions WHERE key = ?"_s, {key})
        && exec(Detail::recomputeSessionSql(), {key, key, key, key});
}

// Runs body in one transaction: committed when it returns true, rolled back otherwise. BEGIN
// IMMEDIATE takes the write lock up front, so a database another program holds locked fails here,
// within the busy timeout, instead of half-way through or at COMMIT (where a deferred transaction
// that has read cannot wait for the lock at all).
bool CaptureStore::Private::inTransaction(const std::function<bool()> &body)
{
    if (!isOpen) {
        lastError = u"the capture store is not open"_s;
        lastCode = 0;
        return false;
    }
    // Before prepareStatements() (a migration), through a query of their own.
    const auto runOwn = [this](std::optional<QSqlQuery> &prepared, const QString &sql) {
        if (!prepared)
            return exec(sql);
        if (prepared->exec())
            return true;
        noteError(prepared->lastError(), prepared->lastError().text()); // as exec(sql) words it
        return false;
    };
    if (!runOwn(beginTransaction, u"BEGIN IMMEDIATE"_s)) {
        qCWarning(lcCaptureStore).noquote() << "write failed:" << lastError;
        return false;
    }
    if (body() && runOwn(commitTransaction, u"COMMIT"_s))
        return true;
    const QString message = lastError;
    const int code = lastCode;
    // SQLite may have rolled back already (a full disk, an I/O error): then this fails harmlessly.
    exec(u"ROLLBACK"_s);
    lastError = message;
    lastCode = code;
    qCWarning(lcCaptureStore).noquote() << "write failed:" << message;
    return false;
}

// All or nothing: on failure the ids handed out to new exchanges are taken back.
bool CaptureStore::Private::saveBatch(QList<Exchange> &exchanges)
{
    QList<qint64> previousIds;
    previousIds.reserve(exchanges.size());
    const bool ok = inTransaction([this, &exchanges, &previousIds]() {
        inserter->discardSessions(); // what a rolled back batch left
        QSet<QString> changedSessions;
        for (Exchange &exchange : exchanges) {
            previousIds.append(exchange.id);
            if (!write(exchange, changedSessions))
                return false;
        }
        // New exchanges' session rows first: a recomputed session counts them again from scratch.
        if (!inserter->writeSessions())
            return inserterFailed();
        for (const QString &key : std::as_const(changedSessions)) {
            if (!recomputeSession(key))
                return false;
        }
        return true;
    });
    if (!ok) {
        for (qsizetype i = 0; i < previousIds.size(); ++i)
            exchanges[i].id = previousIds.at(i);
    }
    return ok;
}

bool CaptureStore::saveAllInBackground(QList<Exchange> &&exchanges, QObject *context,
    std::function<void(QList<Exchange> &saved, bool stored)> done)
{
    if (!d->isOpen || d->writerOnly || d->backgroundFailed || !Detail::isFileDatabase(d->path)
        || !d->mayWrite())
        return false;
    if (!d->writer) {
        d->writer = std::make_unique<Detail::BackgroundWriter>(d->path);
        if (!d->writer->isReady()) {
            qCWarning(lcCaptureStore).noquote()
                << "group commits stay on the event loop:" << d->writer->errorString();
            d->writer.reset();
            d->backgroundFailed = true;
            return false;
        }
    }
    const QList<bool> isNew = newOnes(exchanges);
    const qint64 inserted = isNew.count(true);
    d->writer->submit(std::move(exchanges),
        [this, context = QPointer<QObject>(context), done = std::move(done), isNew, inserted](
            QList<Exchange> &saved, bool stored, const QString &error) {
            // As saveAll(): a failed batch counts nothing as lost; the caller stores its exchanges
            // one by one here, and those failures count.
            if (stored) {
                d->noteWriteSucceeded();
                d->noteSaved(saved, inserted);
                announce(saved, true, isNew);
            } else {
                d->lastError = error;
            }
            if (context)
                done(saved, stored);
        });
    return true;
}

void CaptureStore::finishBackgroundSaves()
{
    if (d->writer)
        d->writer->finish();
}

int CaptureStore::backgroundSavesPending() const
{
    return d->writer ? d->writer->pending() : 0;
}

bool CaptureStore::openAsWriter(const QString &path)
{
    d->writerOnly = true;
    setFaultRetryInterval(0); // the owning store decides when to stop trying, not this one
    return open(path);
}

bool CaptureStore::save(Exchange &exchange)
{
    if (!d->mayWrite()) {
        d->noteLost(1);
        return false;
    }
    QList<Exchange> one {exchange};
    const bool isNew = exchange.id == 0;
    if (!d->saveBatch(one)) {
        d->noteWriteFailed();
        d->noteLost(1);
        if (d->storing)
            Q_EMIT errorOccurred(d->lastError);
        return false;
    }
    d->noteWriteSucceeded();
    exchange.id = one.first().id;
    d->noteSaved(one, isNew ? 1 : 0);
    Q_EMIT exchangeSaved(Detail::summaryOf(exchange), isNew);
    return true;
}

bool CaptureStore::saveAll(QList<Exchange> &exchanges, bool announceEach)
{
    // Nothing counts as lost here: a caller (the endpoint's group commit) that cares saves the
    // exchanges of a failed batch one by one, and those failures count.
    if (!d->mayWrite())
        return false;
    const QList<bool> isNew = newOnes(exchanges);
    const qint64 inserted = isNew.count(true);
    if (!d->saveBatch(exchanges)) {
        d->noteWriteFailed();
        if (d->storing)
            Q_EMIT errorOccurred(d->lastError);
        return false;
    }
    d->noteWriteSucceeded();
    d->noteSaved(exchanges, inserted);
    announce(exchanges, announceEach, isNew);
    return true;
}

void CaptureStore::announce(const QList<Exchange> &saved, bool each, const QList<bool> &isNew)
{
    if (!each) {
        Q_EMIT batchSaved(int(saved.size()));
        return;
    }
    // Each summary is a copy of most of an exchange: none is made for nobody (`serve` listens
    // to the endpoint, not to the store).
    if (!isSignalConnected(QMetaMethod::fromSignal(&CaptureStore::exchangeSaved)))
        return;
    for (qsizetype i = 0; i < saved.size(); ++i)
        Q_EMIT exchangeSaved(Detail::summaryOf(saved.at(i)), isNew.value(i));
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The store's private state, shared by capturestore.cpp (schema, reads and writes),
// capturehealth.cpp (storage faults) and captureretention.cpp (pruning old sessions): the only
// files that talk SQL.

#include "mock/capture/backgroundwriter_p.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/exchangeinserter_p.h"
#include "mock/capture/walcheckpointer_p.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <functional>
#include <memory>
#include <optional>

namespace Mock {

namespace Detail {
// An in-memory database has no log to checkpoint and is private to its connection.
bool isFileDatabase(const QString &path);
} // namespace Detail

struct CaptureStore::Private
{
    QString connectionName;
    QString path;
    QString lastError;
    QSqlDatabase db;
    // Prepared once per open: save() runs for every hook call, saveAll() a million times. New
    // exchanges go through SQLite's C API (ExchangeInserter); an update is rare.
    std::unique_ptr<Detail::ExchangeInserter> inserter;
    std::optional<QSqlQuery> updateExchange;
    // inTransaction's own statements, prepared once: a batch of the group commit ran them
    // through a fresh QSqlQuery each, a prepare each time (issue 12).
    std::optional<QSqlQuery> beginTransaction;
    std::optional<QSqlQuery> commitTransaction;

    // Storage health (capturehealth.cpp).
    QString fault; // why captures are not being stored
    qint64 lost = 0;
    QElapsedTimer sinceFailure;
    QString announcedFault;
    qint64 announcedLost = 0;

    // Retention (captureretention.cpp).
    qint64 maxCaptures = 0;
    qint64 maxBytes = 0;
    qint64 knownCount = -1; // exchanges in the file as this store counts them, -1 unknown
    qint64 bytesSinceCheck = 0; // written since the file size was last looked at (estimate)
    QHash<qint64, QString> heldSessions; // exchange id -> session key, for held calls

    // Request bodies written in parts (captureparts.cpp), one part per event-loop pass.
    struct PartJob
    {
        Exchange exchange;
        qint64 spool = 0;
        qsizetype written = 0;
        int seq = 0;
        QPointer<QObject> context;
        std::function<void(const Exchange &, bool)> done;
    };
    QList<PartJob> partJobs;
    qint64 spoolForWrite = 0; // while the exchange of a finished PartJob is written
    void queuePartStep();
    void partStep();
    void endPartJob(PartJob job, bool stored);
    bool loadParts(Exchange &exchange, qint64 spool);
    void removeOrphanParts();

    // Group commits off this thread (saveAllInBackground), made on first use.
    std::unique_ptr<Detail::BackgroundWriter> writer;

    // Checkpoints of a file's write-ahead log, off this thread (none for ":memory:").
    std::unique_ptr<Detail::WalCheckpointer> checkpointer;
    qint64 logBytes = 0; // written since the last checkpoint request (estimate)

    bool exec(QSqlQuery &query, QStringView what);
    bool exec(const QString &sql, const QVariantList &binds = {});
    std::optional<QSqlQuery> run(const QString &sql, const QVariantList &binds);
    std::optional<qint64> scalar(const QString &sql, const QVariantList &binds);
    std::optional<QList<Exchange>> exchanges(
        const QString &sql, const QVariantList &binds, bool withBodies);
    void noteError(const QSqlError &error, const QString &text);
    void reportError();
    bool inTransaction(const std::function<bool()> &body);
    std::optional<int> inspect();
    bool migrate(int from);
    bool prepareStatements();
    bool prepare(std::optional<QSqlQuery> &query, const QString &sql);
    bool write(Exchange &exchange, QSet<QString> &changedSessions);
    bool inserterFailed(); // takes the inserter's error as the store's; false
    bool recomputeSession(const QString &key);
    bool saveBatch(QList<Exchange> &exchanges);

    // Health: whether a write should be tried now, and what a write's outcome means.
    bool mayWrite();
    bool isStorageFault() const;
    void noteWriteFailed();
    void noteWriteSucceeded();
    void noteLost(qint64 count);
    void queueHealthAnnouncement();
    void resetHealth();

    // Retention: bookkeeping after a committed write, and the pruning itself.
    void noteSaved(const QList<Exchange> &saved, qint64 inserted);
    bool overBound() const;
    void queuePrune();
    std::optional<qint64> usedBytes();
    // One bounded pass; false on a database error. *more: another pass is needed.
    bool prunePass(bool *more);
    bool removeSession(const QString &key, QList<qint64> &removedIds);

    CaptureStore *q = nullptr;

    // The small fields of the groups above, together so that the struct packs (clang-tidy's
    // padding check).
    int lastCode = 0; // SQLite's primary result code of the last failure, 0 when not from SQLite
    int retryIntervalMs = 1000; // storage health
    bool isOpen = false;
    bool writerOnly = false; // the store of a BackgroundWriter
    bool backgroundFailed = false; // a writer could not open: do not try again
    bool storing = true; // storage health
    bool healthQueued = false;
    bool announcedStoring = true;
    bool pruneQueued = false; // retention
    bool partStepQueued = false; // bodies in parts
};

} // namespace Mock

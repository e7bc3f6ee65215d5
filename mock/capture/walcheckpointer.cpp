// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/walcheckpointer_p.h"

#include "mock/capture/logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

WalCheckpointer::WalCheckpointer(const QString &databasePath)
    : m_path(databasePath)
    , m_connectionName(u"hookscope-checkpoint-"_s + QUuid::createUuid().toString(QUuid::Id128))
{
    m_thread.setObjectName(u"wal checkpoint"_s);
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start(QThread::LowPriority);
}

WalCheckpointer::~WalCheckpointer()
{
    // The connection belongs to the thread: it is closed there, after any queued checkpoint.
    QMetaObject::invokeMethod(
        m_context, [this] { closeConnection(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void WalCheckpointer::request()
{
    if (m_queued.exchange(true))
        return;
    QMetaObject::invokeMethod(
        m_context, [this] { run(); }, Qt::QueuedConnection);
}

void WalCheckpointer::run()
{
    m_queued = false;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
        db.setDatabaseName(m_path);
    }
    if (!db.isOpen() && !db.open()) {
        qCWarning(lcCaptureStore).noquote()
            << "checkpoint: cannot open" << m_path << db.lastError().text();
        return;
    }
    QSqlQuery query(db);
    // Busy (another checkpoint, another process's) is not an error: the next request catches up.
    if (!query.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s)) {
        qCDebug(lcCaptureStore).noquote() << "checkpoint:" << query.lastError().text();
        return;
    }
    ++m_completed;
}

void WalCheckpointer::closeConnection()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (!db.isValid())
            return;
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

} // namespace Mock::Detail

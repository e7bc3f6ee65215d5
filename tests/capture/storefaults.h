// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Storage faults on demand, for the capture fault suites. Tests run as root, where a chmod does
// not stop writes, and a real full disk needs a mount: the faults are made through SQLite itself,
// on the store's own connection (query_only, max_page_count are per connection) or through a
// second connection holding the write lock.

#include "mock/capture/exchange.h"
#include "tests/capture/capturetest.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QTest>

namespace StoreFaults {

// One stored call of a session, with a body of the given size: what the fault and retention
// suites fill the store with.
inline Mock::Exchange call(const QString &session, qsizetype bodySize = 100)
{
    Mock::Exchange e;
    e.sessionKey = session;
    e.received = CaptureTest::at(1772619630000);
    e.method = "POST";
    e.path = "/hook";
    e.requestBody = QByteArray(bodySize, 'x');
    e.responseBody = "{\"action\":\"accept\"}";
    e.httpStatus = 200;
    return e;
}

// The connection of the one store a test has open (CaptureStore names its connections
// "hookscope-capture-N"; a fault suite opens one store at a time).
inline QSqlDatabase storeConnection()
{
    QSqlDatabase found;
    int matches = 0;
    for (const QString &name : QSqlDatabase::connectionNames()) {
        if (name.startsWith(QStringLiteral("hookscope-capture-"))) {
            found = QSqlDatabase::database(name, false);
            ++matches;
        }
    }
    return matches == 1 ? found : QSqlDatabase();
}

inline bool execOn(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
    return false;
}

inline qint64 scalarOn(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

// Another program holding the write lock until release().
class Locker
{
public:
    explicit Locker(const QString &path)
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
    }
    ~Locker()
    {
        release();
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    Q_DISABLE_COPY_MOVE(Locker)

    // In WAL mode EXCLUSIVE takes the write lock and leaves readers alone: writers get BUSY.
    bool lock() { return m_db.open() && execOn(m_db, QStringLiteral("BEGIN EXCLUSIVE")); }
    void release()
    {
        if (m_db.isOpen())
            QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    }

private:
    QString m_name = QStringLiteral("test-locker");
    QSqlDatabase m_db;
};

} // namespace StoreFaults

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"

#include <QHash>
#include <QString>

#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace Mock::Detail {

// The three statements new captures run (each one's exchanges and bodies rows, and their
// sessions' rows), prepared once on the store's own SQLite connection and bound straight from the
// Exchange through SQLite's C API. Through Qt SQL the same inserts cost more than SQLite's own
// work: a QVariant per column built into a list, copied into the query's bind vector, then
// converted back, ~50 values per call (issue 12's profile: a fifth of the writer thread). The
// statements are the ones capturerows.cpp describes (insertExchangeSql() and friends), so the rows
// are the same as a QSqlQuery would write. Runs inside the caller's transaction.
class ExchangeInserter
{
    Q_DISABLE_COPY_MOVE(ExchangeInserter)

public:
    // `db` is the QSQLITE connection's handle (QSqlDriver::handle()); this must be destroyed
    // before that connection closes.
    explicit ExchangeInserter(sqlite3 *db);
    ~ExchangeInserter();

    bool isReady() const { return m_ready; }
    // Inserts a new exchange (id 0) and sets its id; requestParts as bodyValues(). Its session row
    // changes wait for writeSessions().
    bool insert(Exchange &exchange, qint64 requestParts);
    // Adds what the exchanges inserted since the last call change in their sessions' rows: one
    // upsert per session, not one per exchange (a batch of a busy session's calls; issue 12).
    // Before the caller's transaction commits; discardSessions() when it rolls back.
    bool writeSessions();
    void discardSessions();
    // Replaces the bodies row of an exchange that has its id.
    bool writeBodies(const Exchange &exchange, qint64 requestParts);

    // After a failure: SQLite's message (prefixed with the step) and primary result code.
    QString errorText() const { return m_errorText; }
    int errorCode() const { return m_errorCode; }

private:
    // The session row changes of one session's new exchanges in a batch (sessionfold.h).
    struct SessionTally
    {
        SessionSummary figures;
        qint64 firstId = 0;
    };
    void tally(const Exchange &exchange);
    bool fail(const char *what);
    bool step(sqlite3_stmt *statement, const char *what);

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_exchange = nullptr;
    sqlite3_stmt *m_session = nullptr;
    sqlite3_stmt *m_bodies = nullptr;
    std::vector<SessionTally> m_tallies; // in the order their sessions first appeared
    QHash<QString, std::size_t> m_tallyOf;
    QString m_errorText;
    int m_errorCode = 0;
    bool m_ready = false;
};

} // namespace Mock::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QThread>

#include <atomic>

namespace Mock::Detail {

// Copies a database's write-ahead log back into its file on a thread of its own. SQLite otherwise
// does it inside whichever commit crosses 1,000 pages of log, on the thread that commits: after a
// 50 MB capture that is ~100 ms of the endpoint's event loop. A PASSIVE checkpoint waits for no
// reader or writer, so the committing thread never waits for it either; the store turns
// SQLite's own checkpoints off on its connection and asks for one every few megabytes instead.
class WalCheckpointer
{
    Q_DISABLE_COPY_MOVE(WalCheckpointer)

public:
    explicit WalCheckpointer(const QString &databasePath);
    ~WalCheckpointer(); // lets a checkpoint in progress finish

    void request(); // a checkpoint soon; requests made while one is queued fold into it
    qint64 completed() const { return m_completed.load(); } // checkpoints run so far

private:
    void run(); // on m_thread
    void closeConnection(); // on m_thread

    QString m_path;
    QString m_connectionName;
    QThread m_thread;
    QObject *m_context = nullptr; // lives on m_thread: queued calls run there
    std::atomic_bool m_queued {false};
    std::atomic<qint64> m_completed {0};
};

} // namespace Mock::Detail

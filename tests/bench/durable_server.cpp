// SPDX-License-Identifier: GPL-3.0-or-later
// The ceiling of the endpoint benchmarks (issue 12): the bare QHttpServer engine plus the one
// promise `hookscope serve --db FILE` keeps, and nothing else. Every POST's body is inserted into
// a one-table SQLite file (WAL, synchronous=NORMAL) by a writer thread with group commit, and
// answered with a constant only after its transaction commits. No decoding, rules, validation,
// sessions, indexes or logging. What this loses against the bare route is what durability costs
// on this stack by itself, so serve_wrk.sh prints it beside `hookscope serve`.
//
//   bench_durable_server --listen HOST:PORT --db FILE
#include "tests/bench/benchlisten.h"
#include <QAbstractHttpServer>

#include <QCoreApplication>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QPointer>
#include <QStringList>
#include <QTcpSocket>

#include <sqlite3.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

struct Call
{
    QPointer<QTcpSocket> socket;
    QByteArray body;
    qint64 received = 0;
};

// The constant answer, on the event loop, to calls whose bodies are committed.
void answer(const std::vector<Call> &committed)
{
    static const QByteArray bytes = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 19\r\n\r\n{\"action\":\"accept\"}";
    for (const Call &call : committed) {
        if (call.socket)
            call.socket->write(bytes);
    }
}

// Commits what is queued in one transaction per wake-up, then hands the calls back to the event
// loop (`context`) to be answered.
class Writer
{
public:
    Writer(const QByteArray &path, QObject *context)
        : m_context(context)
    {
        if (sqlite3_open(path.constData(), &m_db) != SQLITE_OK)
            return;
        sqlite3_exec(m_db,
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            "CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY, received INTEGER,"
            " body BLOB NOT NULL)",
            nullptr, nullptr, nullptr);
        const char *sql = "INSERT INTO calls (received, body) VALUES (?, ?)";
        m_ready = sqlite3_prepare_v2(m_db, sql, -1, &m_insert, nullptr) == SQLITE_OK;
        m_thread = std::thread([this] { run(); });
    }
    ~Writer()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable())
            m_thread.join();
        sqlite3_finalize(m_insert);
        sqlite3_close(m_db);
    }
    bool ready() const { return m_ready; }

    void submit(std::vector<Call> batch)
    {
        {
            const std::lock_guard lock(m_mutex);
            for (Call &call : batch)
                m_queued.push_back(std::move(call));
        }
        m_wake.notify_one();
    }

private:
    void run()
    {
        for (;;) {
            std::vector<Call> calls;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stop || !m_queued.empty(); });
                if (m_stop)
                    return;
                calls = std::exchange(m_queued, {});
            }
            sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr);
            for (const Call &call : calls) {
                sqlite3_bind_int64(m_insert, 1, call.received);
                sqlite3_bind_blob(
                    m_insert, 2, call.body.constData(), int(call.body.size()), SQLITE_STATIC);
                sqlite3_step(m_insert);
                sqlite3_reset(m_insert);
            }
            sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
            QMetaObject::invokeMethod(
                m_context, [calls = std::move(calls)] { answer(calls); }, Qt::QueuedConnection);
        }
    }

    QObject *m_context;
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_insert = nullptr;
    bool m_ready = false;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Call> m_queued;
    bool m_stop = false;
    std::thread m_thread;
};

class DurableServer final : public QAbstractHttpServer
{
public:
    explicit DurableServer(const QByteArray &database)
        : m_writer(database, this)
    { }
    bool ready() const { return m_writer.ready(); }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        m_pass.push_back({socket, request.body(), QDateTime::currentMSecsSinceEpoch()});
        if (!m_flushQueued) {
            m_flushQueued = true;
            // Group commit as hookscope does it: what one event-loop pass received shares a batch.
            QMetaObject::invokeMethod(
                this, [this] { flush(); }, Qt::QueuedConnection);
        }
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override { }

private:
    void flush()
    {
        m_flushQueued = false;
        m_writer.submit(std::exchange(m_pass, {}));
    }

    Writer m_writer;
    std::vector<Call> m_pass;
    bool m_flushQueued = false;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const BenchListen listen = benchListen(arguments);
    const qsizetype db = arguments.indexOf(u"--db"_s);
    if (db < 0 || db + 1 >= arguments.size()) {
        std::fprintf(stderr, "usage: bench_durable_server --listen HOST:PORT --db FILE\n");
        return 2;
    }
    DurableServer server(arguments.at(db + 1).toLocal8Bit());
    if (!server.ready()) {
        std::fprintf(stderr, "cannot open %s\n", qPrintable(arguments.at(db + 1)));
        return 1;
    }
    return listenAndRun(server, listen);
}

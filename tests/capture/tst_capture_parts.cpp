// SPDX-License-Identifier: GPL-3.0-or-later
// Large request bodies stored in parts (CaptureStore::saveInParts): one short write per event-loop
// pass, the exchange last; loads see the whole body; removal, clearing and a crash half-way leave
// no parts behind; schema-2 and schema-3 files are migrated.
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;
using Mock::CaptureStore;
using Mock::Exchange;

class TstCaptureParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void smallBodiesAreSavedAtOnce();
    void largeBodiesAreSavedInParts_data();
    void largeBodiesAreSavedInParts();
    void removingLeavesNoParts();
    void closingEndsWhatIsInFlight();
    void migratesSchemaTwo();
    void migratesPartsToARowidTable();

private:
    QTemporaryDir m_dir;
};

namespace {

constexpr qsizetype Part = CaptureStore::PartBytes;

// Bytes that differ from part to part, so a part out of order or missing shows.
QByteArray body(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator random(42);
    random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

Exchange withBody(const QByteArray &requestBody, const QString &session = u"s"_s)
{
    Exchange e = CaptureTest::everyField();
    e.id = 0;
    e.sessionKey = session;
    e.requestBody = requestBody;
    return e;
}

qint64 count(const QString &path, const QString &table)
{
    const QString name = u"inspect-"_s + table;
    qint64 rows = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(u"SELECT count(*) FROM "_s + table, db);
            if (query.next())
                rows = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

// What saveInParts hands back, once it has.
struct Outcome
{
    std::optional<Exchange> saved;
    bool stored = false;
};

void saveInParts(CaptureStore &store, const Exchange &exchange, QObject *context, Outcome &outcome)
{
    store.saveInParts(exchange, context, [&outcome](const Exchange &saved, bool stored) {
        outcome.saved = saved;
        outcome.stored = stored;
    });
}

} // namespace

void TstCaptureParts::smallBodiesAreSavedAtOnce()
{
    CaptureStore store;
    QVERIFY(store.open(m_dir.filePath(u"small.db"_s)));
    QObject context;
    Outcome outcome;
    saveInParts(store, withBody(body(2 * Part - 4)), &context, outcome);
    QVERIFY(outcome.saved); // before saveInParts returned
    QVERIFY(outcome.stored);
    QCOMPARE(store.load(outcome.saved->id)->requestBody, body(2 * Part - 4));
    QCOMPARE(count(store.path(), u"body_parts"_s), 0);
}

void TstCaptureParts::largeBodiesAreSavedInParts_data()
{
    QTest::addColumn<QString>("database");
    QTest::addColumn<qsizetype>("size");
    QTest::addRow("file, whole parts") << u"parts.db"_s << 4 * Part;
    QTest::addRow("file, a short last part") << u"parts-short.db"_s << 5 * Part + 1234;
    QTest::addRow("memory") << u":memory:"_s << 3 * Part + 1;
}

void TstCaptureParts::largeBodiesAreSavedInParts()
{
    QFETCH(QString, database);
    QFETCH(qsizetype, size);
    CaptureStore store;
    const QString path = database == u":memory:"_s ? database : m_dir.filePath(database);
    QVERIFY(store.open(path));
    QObject context;
    Outcome outcome;
    const QByteArray large = body(size);
    saveInParts(store, withBody(large, u"large"_s), &context, outcome);
    QVERIFY(!outcome.saved); // later, part by part

    // Meanwhile the event loop is free: an ordinary save goes first.
    Exchange small = withBody("small", u"small"_s);
    QVERIFY(store.save(small));
    QTRY_VERIFY(outcome.saved);
    QVERIFY(outcome.stored);
    QVERIFY(outcome.saved->id > small.id);

    const std::optional<Exchange> loaded = store.load(outcome.saved->id);
    QVERIFY(loaded);
    QCOMPARE(loaded->requestBody.size(), large.size());
    QVERIFY(loaded->requestBody == large);
    QCOMPARE(CaptureTest::difference(*loaded, *outcome.saved, true), QString());
    QCOMPARE(store.loadSession(u"large"_s).value(0).requestBody.size(), large.size());
    if (database != u":memory:"_s)
        QCOMPARE(count(path, u"body_parts"_s), (size + Part - 1) / Part);
}

void TstCaptureParts::removingLeavesNoParts()
{
    const QString path = m_dir.filePath(u"remove.db"_s);
    CaptureStore store;
    QVERIFY(store.open(path));
    QObject context;
    Outcome first;
    Outcome second;
    saveInParts(store, withBody(body(3 * Part), u"a"_s), &context, first);
    saveInParts(store, withBody(body(2 * Part), u"b"_s), &context, second);
    QTRY_VERIFY(first.saved && second.saved);
    QCOMPARE(count(path, u"body_parts"_s), 5);
    QVERIFY(store.remove({first.saved->id}));
    QCOMPARE(count(path, u"body_parts"_s), 2);
    QCOMPARE(store.load(second.saved->id)->requestBody, body(2 * Part));
    QVERIFY(store.clear());
    QCOMPARE(count(path, u"body_parts"_s), 0);

    // Retention removes whole old sessions, their parts with them.
    Outcome old;
    saveInParts(store, withBody(body(2 * Part), u"old"_s), &context, old);
    QTRY_VERIFY(old.saved);
    Exchange newest = withBody("newest", u"newest"_s);
    QVERIFY(store.save(newest));
    QCOMPARE(count(path, u"body_parts"_s), 2);
    store.setRetention(1, 0);
    QVERIFY(store.applyRetention());
    QCOMPARE(store.count(), 1);
    QCOMPARE(count(path, u"body_parts"_s), 0);
}

void TstCaptureParts::closingEndsWhatIsInFlight()
{
    const QString path = m_dir.filePath(u"closing.db"_s);
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QObject context;
        Outcome outcome;
        saveInParts(store, withBody(body(8 * Part)), &context, outcome);
        // A part per event-loop pass: let three passes go, then end it all, as a quit half-way
        // would.
        for (int pass = 0; pass < 3; ++pass)
            QCoreApplication::processEvents();
        const qint64 written = count(path, u"body_parts"_s);
        QVERIFY2(written >= 1 && written < 8, qPrintable(QString::number(written)));
        QVERIFY(!outcome.saved);
        store.close();
        QVERIFY(outcome.saved);
        QVERIFY(!outcome.stored);
        QCOMPARE(count(path, u"body_parts"_s), written); // left behind …
    }
    CaptureStore again;
    QVERIFY(again.open(path));
    QCOMPARE(count(path, u"body_parts"_s), 0); // … and gone at the next open
    QCOMPARE(again.count(), 0);
}

void TstCaptureParts::migratesSchemaTwo()
{
    const QString path = m_dir.filePath(u"schema2.db"_s);
    Exchange old = withBody("an older capture");
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QVERIFY(store.save(old));
    }
    {
        // Back to what schema 2 was (SQLite ≥ 3.35 drops columns).
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"downgrade"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(u"DROP TABLE body_parts"_s));
        QVERIFY(query.exec(u"DROP INDEX bodies_parts"_s));
        QVERIFY(query.exec(u"ALTER TABLE bodies DROP COLUMN request_parts"_s));
        QVERIFY(query.exec(u"PRAGMA user_version = 2"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"downgrade"_s);
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    QCOMPARE(store.load(old.id)->requestBody, QByteArray("an older capture"));
    QObject context;
    Outcome outcome;
    saveInParts(store, withBody(body(2 * Part)), &context, outcome);
    QTRY_VERIFY(outcome.saved);
    QVERIFY(outcome.stored);
    QCOMPARE(store.load(outcome.saved->id)->requestBody, body(2 * Part));
}

// Schema 3 kept parts in a WITHOUT ROWID table; schema 4 moves them, in order, to a rowid table.
void TstCaptureParts::migratesPartsToARowidTable()
{
    const QString path = m_dir.filePath(u"schema3.db"_s);
    std::optional<Exchange> saved;
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QObject context;
        Outcome outcome;
        saveInParts(store, withBody(body(3 * Part)), &context, outcome);
        QTRY_VERIFY(outcome.saved);
        QVERIFY(outcome.stored);
        saved = outcome.saved;
    }
    const auto tableSql = [&path] {
        QString sql;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"schema"_s);
            db.setDatabaseName(path);
            if (db.open()) {
                QSqlQuery query(u"SELECT sql FROM sqlite_master WHERE name = 'body_parts'"_s, db);
                if (query.next())
                    sql = query.value(0).toString();
            }
        }
        QSqlDatabase::removeDatabase(u"schema"_s);
        return sql;
    };
    QVERIFY(!tableSql().contains(u"WITHOUT ROWID"_s));
    {
        // Back to what schema 3 was, parts and all.
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"downgrade3"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(u"ALTER TABLE body_parts RENAME TO parts_v4"_s));
        QVERIFY(query.exec(u"DROP INDEX body_parts_key"_s));
        QVERIFY(query.exec(u"CREATE TABLE body_parts (spool INTEGER NOT NULL, seq INTEGER NOT "
                           "NULL, data BLOB NOT NULL, PRIMARY KEY (spool, seq)) WITHOUT ROWID"_s));
        QVERIFY(query.exec(u"INSERT INTO body_parts SELECT spool, seq, data FROM parts_v4 "
                           "ORDER BY seq DESC"_s));
        QVERIFY(query.exec(u"DROP TABLE parts_v4"_s));
        QVERIFY(query.exec(u"PRAGMA user_version = 3"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"downgrade3"_s);
    QVERIFY(tableSql().contains(u"WITHOUT ROWID"_s));
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    QVERIFY(!tableSql().contains(u"WITHOUT ROWID"_s));
    QCOMPARE(count(path, u"body_parts"_s), 3);
    QCOMPARE(store.load(saved->id)->requestBody, body(3 * Part));
}

QTEST_GUILESS_MAIN(TstCaptureParts)
#include "tst_capture_parts.moc"

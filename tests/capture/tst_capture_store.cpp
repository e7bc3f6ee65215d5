// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"

#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using Mock::CaptureQuery;
using Mock::CaptureStore;
using Mock::CaptureTerm;
using Mock::Exchange;
using Field = Mock::CaptureTerm::Field;

class TestCaptureStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void roundTripsEveryField();
    void nullAndEmptyValues();
    void textsAreStoredAsTheirUtf8();
    void signalsCarrySummaries();
    void updatesHeldExchange();
    void updateOfUnknownIdFails();
    void saveAllIsAllOrNothing();
    void sessionRowsAddUpBatches();
    void pages();
    void removeAndClear();
    void reopensFile();
    void persistsWithoutClose();
    void survivesKilledProcess();
    void rejectsNonDatabase();
    void rejectsForeignDatabase();
    void rejectsNewerSchema();
    void refusesWhenClosed();
    void savesACopy();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString file(const QString &name) const { return m_dir->filePath(name); }
};

void TestCaptureStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestCaptureStore::roundTripsEveryField()
{
    CaptureStore store;
    QVERIFY2(store.open(file(u"c.db"_s)), qPrintable(store.lastError()));
    QCOMPARE(store.schemaVersion(), 4);
    Exchange e = everyField();
    QVERIFY(store.save(e));
    QVERIFY(e.id > 0);
    const auto loaded = store.load(e.id);
    QVERIFY(loaded);
    QCOMPARE(difference(*loaded, e, true), QString());
    QCOMPARE(loaded->received.timeSpec(), Qt::UTC);

    // Unknown stages keep their wire text; held keeps its flag.
    Exchange odd = everyField();
    odd.stage = MtaHooks::Stage::Unknown;
    odd.stageName = u"Frobnicate"_s;
    odd.held = true;
    odd.received = QDateTime();
    odd.kind = Mock::ExchangeKind::Deregistration;
    QVERIFY(store.save(odd));
    QCOMPARE(difference(*store.load(odd.id), odd, true), QString());

    const QList<Exchange> listed = store.list({}, 0, 10);
    QCOMPARE(listed.size(), 2);
    QCOMPARE(difference(listed.at(0), e, false), QString());
    QVERIFY(listed.at(0).requestBody.isEmpty());
    QVERIFY(listed.at(0).requestHeaders.isEmpty());
    QVERIFY(listed.at(0).matchTrace.isEmpty());
    QVERIFY(!store.load(9999));
}

void TestCaptureStore::nullAndEmptyValues()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    Exchange empty; // every string null, every list empty
    QVERIFY2(store.save(empty), qPrintable(store.lastError()));
    const auto loaded = store.load(empty.id);
    QVERIFY(loaded);
    QCOMPARE(difference(*loaded, empty, true), QString());
    QCOMPARE(loaded->messageSize, -1);
}

void TestCaptureStore::textsAreStoredAsTheirUtf8()
{
    // Text columns are written as QString::toUtf8() writes them, whether a value is short (the
    // inserter's own buffer) or long (over 2 KiB), and a lone surrogate as its replacement.
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    Exchange e = everyField();
    e.subject = u"caf\u00e9 \u4e2d"_s + QChar(0xd800);
    e.note = QString(1000, QChar(0x4e2d)) + QChar(0xdc00) + u"end"_s;
    e.ruleReason = QString(700, u'x');
    QVERIFY2(store.save(e), qPrintable(store.lastError()));
    const auto loaded = store.load(e.id);
    QVERIFY(loaded);
    for (const auto &[stored, sent] : {std::pair {loaded->subject, e.subject},
             std::pair {loaded->note, e.note}, std::pair {loaded->ruleReason, e.ruleReason}})
        QCOMPARE(stored, QString::fromUtf8(sent.toUtf8()));
    QCOMPARE(loaded->mailFrom, e.mailFrom);
}

void TestCaptureStore::signalsCarrySummaries()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QSignalSpy saved(&store, &CaptureStore::exchangeSaved);
    Exchange e = everyField();
    QVERIFY(store.save(e));
    QCOMPARE(saved.size(), 1);
    const Exchange summary = saved.at(0).at(0).value<Exchange>();
    QCOMPARE(saved.at(0).at(1).toBool(), true);
    QCOMPARE(summary.id, e.id);
    QCOMPARE(difference(summary, e, false), QString());
    QVERIFY(summary.requestBody.isEmpty());
    QVERIFY(summary.responseBody.isEmpty());
    QVERIFY(summary.requestHeaders.isEmpty());

    e.note = u"changed"_s;
    QVERIFY(store.save(e));
    QCOMPARE(saved.size(), 2);
    QCOMPARE(saved.at(1).at(1).toBool(), false);
    QCOMPARE(store.count(), 1);
}

void TestCaptureStore::updatesHeldExchange()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"held.db"_s)));
    Exchange first = hookCall(u"stalwart/connect.json"_s, at(1000));
    first.sessionKey = u"k"_s;
    QVERIFY(store.save(first));
    Exchange held = hookCall(u"stalwart/mail.json"_s, at(2000));
    held.sessionKey = u"k"_s;
    held.held = true;
    held.action = MtaHooks::Action::None;
    held.verdict = MtaHooks::Verdict::Held;
    held.httpStatus = 0;
    held.responseBody.clear();
    held.responseHeaders.clear();
    QVERIFY(store.save(held));
    QCOMPARE(store.count(query({term(Field::Action, u"held"_s)})), 1);
    QCOMPARE(store.sessions({}, 0, 10).value(0).worstVerdict, u"held"_s);

    // The user answers: same id, new answer.
    held.held = false;
    held.action = MtaHooks::Action::Accept;
    held.verdict = MtaHooks::Verdict::Accept;
    held.httpStatus = 200;
    held.replyCode = 250;
    held.responseBody = R"({"action":"accept"})";
    held.latencyUs = 4'000'000;
    const qint64 id = held.id;
    QVERIFY(store.save(held));
    QCOMPARE(held.id, id);
    QCOMPARE(store.count(), 2);
    QCOMPARE(difference(*store.load(id), held, true), QString());
    QCOMPARE(store.count(query({term(Field::Action, u"held"_s)})), 0);
    const auto sessions = store.sessions({}, 0, 10);
    QCOMPARE(sessions.size(), 1);
    QCOMPARE(sessions.first().worstVerdict, u"accept"_s); // recomputed, not stuck on "held"
    QCOMPARE(sessions.first().exchangeCount, 2);
}

void TestCaptureStore::updateOfUnknownIdFails()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QSignalSpy errors(&store, &CaptureStore::errorOccurred);
    Exchange e = everyField();
    e.id = 42;
    QVERIFY(!store.save(e));
    QVERIFY2(store.lastError().contains(u"42"_s), qPrintable(store.lastError()));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(e.id, 42);
    QCOMPARE(store.count(), 0);
}

void TestCaptureStore::saveAllIsAllOrNothing()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QSignalSpy batches(&store, &CaptureStore::batchSaved);
    QList<Exchange> good {everyField(), everyField(), everyField()};
    QVERIFY(store.saveAll(good));
    QCOMPARE(batches.size(), 1);
    QCOMPARE(batches.at(0).at(0).toInt(), 3);
    QVERIFY(good.at(0).id < good.at(1).id && good.at(1).id < good.at(2).id);

    QList<Exchange> bad {everyField(), everyField()};
    bad[1].id = 777; // does not exist: the whole batch must roll back
    QVERIFY(!store.saveAll(bad));
    QCOMPARE(bad.at(0).id, 0);
    QCOMPARE(bad.at(1).id, 777);
    QCOMPARE(store.count(), 3);
    QCOMPARE(store.sessions({}, 0, 10).value(0).exchangeCount, 3);
}

void TestCaptureStore::sessionRowsAddUpBatches()
{
    // A batch writes each session's row once for all its new exchanges. The row must read as the
    // session list promises, however the exchanges were batched: every exchange counted, the
    // earliest and latest times, the first non-empty client and sender, the first of the most
    // severe verdicts (Accept and Continue tie), and every problem. The expectation is worked out
    // here from the exchanges themselves.
    using MtaHooks::Verdict;
    CaptureStore store;
    QVERIFY(store.open(file(u"sums.sqlite"_s)));
    QRandomGenerator random(20261207);
    const QList<Verdict> verdicts {Verdict::None, Verdict::Accept, Verdict::Continue,
        Verdict::Quarantine, Verdict::Reject, Verdict::Tempfail};
    const QDateTime base = QDateTime::fromMSecsSinceEpoch(1'800'000'000'000, Qt::UTC);
    struct Expected
    {
        QDateTime first, last;
        int count = 0;
        QString clientIp, mailFrom, verdict;
        int severity = -1;
        int problems = 0;
    };
    QHash<QString, Expected> expected;
    int saved = 0;
    while (saved < 400) {
        QList<Exchange> batch;
        const int size = int(random.bounded(1, 40));
        for (int i = 0; i < size; ++i) {
            Exchange e;
            const int session = int(random.bounded(7));
            e.sessionKey = u"s%1"_s.arg(session);
            if (random.bounded(5) != 0) // some exchanges have no time
                e.received = base.addMSecs(random.bounded(100'000));
            if (random.bounded(3) == 0)
                e.clientIp = u"192.0.2.%1"_s.arg(random.bounded(250));
            if (random.bounded(3) == 0)
                e.mailFrom = u"sender%1@example.net"_s.arg(random.bounded(9));
            // Sessions s0 to s2 see only verdicts of severity 0 and 1, where the tie matters.
            const bool mild = session < 3;
            e.verdict = verdicts.at(random.bounded(mild ? 3 : verdicts.size()));
            e.held = !mild && random.bounded(10) == 0;
            e.problems.resize(random.bounded(3));
            batch.append(e);

            Expected &x = expected[e.sessionKey];
            ++x.count;
            if (e.received.isValid()) {
                if (!x.first.isValid() || e.received < x.first)
                    x.first = e.received;
                if (!x.last.isValid() || e.received > x.last)
                    x.last = e.received;
            }
            if (x.clientIp.isEmpty())
                x.clientIp = e.clientIp;
            if (x.mailFrom.isEmpty())
                x.mailFrom = e.mailFrom;
            const Verdict shown = e.held ? Verdict::Held : e.verdict;
            if (MtaHooks::verdictSeverity(shown) > x.severity) {
                x.severity = MtaHooks::verdictSeverity(shown);
                x.verdict = shown == Verdict::None ? u"none"_s : MtaHooks::verdictName(shown);
            }
            x.problems += int(e.problems.size());
        }
        QVERIFY(store.saveAll(batch));
        saved += size;
    }
    const QList<Mock::SessionSummary> sessions = store.sessions({}, 0, 100);
    QCOMPARE(sessions.size(), expected.size());
    for (const Mock::SessionSummary &row : sessions) {
        const Expected x = expected.value(row.sessionKey);
        QCOMPARE(row.exchangeCount, x.count);
        QCOMPARE(row.first, x.first);
        QCOMPARE(row.last, x.last);
        QCOMPARE(row.clientIp, x.clientIp);
        QCOMPARE(row.mailFrom, x.mailFrom);
        QCOMPARE(row.worstVerdict, x.verdict);
        QCOMPARE(row.problemCount, x.problems);
    }
}

void TestCaptureStore::pages()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"pages.db"_s)));
    QList<Exchange> all;
    for (int i = 0; i < 250; ++i) {
        Exchange e;
        e.note = QString::number(i);
        e.stage = i % 2 ? MtaHooks::Stage::Rcpt : MtaHooks::Stage::Mail;
        all.append(e);
    }
    QVERIFY(store.saveAll(all));
    QCOMPARE(store.count(), 250);
    QStringList seen;
    for (qint64 offset = 0; offset < 300; offset += 100) {
        const QList<Exchange> page = store.list({}, offset, 100);
        QCOMPARE(page.size(), qsizetype(std::min<qint64>(100, 250 - offset)));
        seen += notesOf(page);
    }
    QStringList expected;
    for (int i = 0; i < 250; ++i)
        expected.append(QString::number(i));
    QCOMPARE(seen, expected);
    QVERIFY(store.list({}, 250, 100).isEmpty());
    QVERIFY(store.list({}, 0, 0).isEmpty());
    QVERIFY(store.list({}, -1, 10).isEmpty());

    const CaptureQuery rcpt = query({term(Field::Stage, u"rcpt"_s)});
    QCOMPARE(store.count(rcpt), 125);
    const QList<Exchange> deep = store.list(rcpt, 120, 10);
    QCOMPARE(notesOf(deep), (QStringList {u"241"_s, u"243"_s, u"245"_s, u"247"_s, u"249"_s}));
}

void TestCaptureStore::removeAndClear()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QList<Exchange> set = filterSet();
    QVERIFY(store.saveAll(set));
    QSignalSpy removed(&store, &CaptureStore::exchangesRemoved);
    QVERIFY(store.remove({set.at(2).id, 999999}));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(0).value<QList<qint64>>(), QList<qint64> {set.at(2).id});
    QVERIFY(!store.load(set.at(2).id));
    QCOMPARE(store.count(), qint64(set.size() - 1));
    const auto sessions = store.sessions(query({term(Field::Session, u"s2"_s)}), 0, 10);
    QCOMPARE(sessions.value(0).exchangeCount, 1);
    QCOMPARE(sessions.value(0).worstVerdict, u"tempfail"_s);
    QCOMPARE(sessions.value(0).mailFrom, u"someone@example.net"_s);
    QVERIFY(store.remove({set.at(3).id})); // the last of s2: the session goes
    QCOMPARE(store.sessionCount(), 2);

    QSignalSpy cleared(&store, &CaptureStore::cleared);
    QVERIFY(store.clear());
    QCOMPARE(cleared.size(), 1);
    QCOMPARE(store.count(), 0);
    QCOMPARE(store.sessionCount(), 0);
    Exchange after;
    QVERIFY(store.save(after));
    QVERIFY(after.id > set.last().id); // ids are never reused
}

void TestCaptureStore::reopensFile()
{
    const QString path = file(u"reopen.db"_s);
    QList<Exchange> set = filterSet();
    {
        CaptureStore store;
        QVERIFY(store.open(path));
        QVERIFY(store.saveAll(set));
        Exchange e = everyField();
        QVERIFY(store.save(e));
        set.append(e);
        store.close();
        QVERIFY(!store.isOpen());
    }
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    QCOMPARE(store.path(), path);
    QCOMPARE(store.count(), qint64(set.size()));
    QCOMPARE(store.sessionCount(), 4);
    for (const Exchange &e : std::as_const(set))
        QCOMPARE(difference(*store.load(e.id), e, true), QString());
    QCOMPARE(store.count(query({term(Field::To, u"*@example.com"_s)})), 3);
}

void TestCaptureStore::persistsWithoutClose()
{
    const QString path = file(u"destroyed.db"_s);
    Exchange e = everyField();
    {
        auto *store = new CaptureStore;
        QVERIFY(store->open(path));
        QVERIFY(store->save(e));
        delete store; // no close()
    }
    CaptureStore again;
    QVERIFY(again.open(path));
    QCOMPARE(difference(*again.load(e.id), e, true), QString());
}

// A Hookscope that dies without running any destructor (kill -9, a crash) keeps every exchange
// whose save() returned: the child commits and leaves with _exit(), which skips all cleanup, so
// the connection is never closed and the WAL never checkpointed.
void TestCaptureStore::survivesKilledProcess()
{
#ifdef Q_OS_UNIX
    const QString path = file(u"killed.db"_s);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        auto *store = new CaptureStore; // leaked on purpose
        Exchange e = everyField();
        const bool ok = store->open(path) && store->save(e) && e.id == 1;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status));
    QCOMPARE(WEXITSTATUS(status), 0);
    QVERIFY(QFile::exists(path + u"-wal"_s)); // the commit lives in the log only
    CaptureStore store;
    QVERIFY2(store.open(path), qPrintable(store.lastError()));
    const auto loaded = store.load(1);
    QVERIFY(loaded);
    Exchange expected = everyField();
    expected.id = 1;
    QCOMPARE(difference(*loaded, expected, true), QString());
#else
    QSKIP("needs fork()");
#endif
}

void TestCaptureStore::rejectsNonDatabase()
{
    const QString path = file(u"notes.txt"_s);
    QFile text(path);
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write(QByteArray("These are my notes, not a database.\n").repeated(200));
    text.close();
    CaptureStore store;
    QSignalSpy errors(&store, &CaptureStore::errorOccurred);
    QVERIFY(!store.open(path));
    QVERIFY(!store.isOpen());
    QVERIFY2(
        store.lastError().contains(u"not a capture database"_s), qPrintable(store.lastError()));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(store.count(), 0);
    QVERIFY(store.list({}, 0, 10).isEmpty());
    // Untouched: no WAL conversion, no schema written into someone else's file.
    QFile check(path);
    QVERIFY(check.open(QIODevice::ReadOnly));
    QCOMPARE(check.readAll(), QByteArray("These are my notes, not a database.\n").repeated(200));
    QVERIFY(!store.open(file(u"no/such/dir/x.db"_s)));
    QVERIFY(!store.lastError().isEmpty());
}

void TestCaptureStore::rejectsForeignDatabase()
{
    const QString path = file(u"foreign.db"_s);
    {
        // The test makes the foreign file with Qt SQL itself; the library keeps SQL in one file.
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"foreign"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE contacts (name TEXT)"_s));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"foreign"_s);
    CaptureStore store;
    QVERIFY(!store.open(path));
    QVERIFY2(store.lastError().contains(u"not a Hookscope capture database"_s),
        qPrintable(store.lastError()));
}

void TestCaptureStore::rejectsNewerSchema()
{
    const QString path = file(u"newer.db"_s);
    {
        CaptureStore store;
        QVERIFY(store.open(path));
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"newer"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"PRAGMA user_version = 99"_s));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"newer"_s);
    CaptureStore store;
    QVERIFY(!store.open(path));
    QVERIFY2(store.lastError().contains(u"newer Hookscope"_s), qPrintable(store.lastError()));
}

void TestCaptureStore::refusesWhenClosed()
{
    CaptureStore store;
    Exchange e;
    QVERIFY(!store.isOpen());
    QVERIFY(!store.save(e));
    QCOMPARE(e.id, 0);
    QVERIFY(!store.remove({1}));
    QVERIFY(!store.clear());
    QCOMPARE(store.count(), 0);
    QCOMPARE(store.indexOf(1), -1);
    QVERIFY(!store.load(1));
    // Two stores on two files at once: connection names must not collide.
    CaptureStore a;
    CaptureStore b;
    QVERIFY(a.open(file(u"a.db"_s)));
    QVERIFY(b.open(file(u"b.db"_s)));
    Exchange x;
    QVERIFY(a.save(x));
    QCOMPARE(a.count(), 1);
    QCOMPARE(b.count(), 0);
}

void TestCaptureStore::savesACopy()
{
    CaptureStore store;
    QVERIFY(store.open(file(u"live.db"_s)));
    Exchange a = everyField();
    Exchange b = hookCall(u"stalwart/connect.json"_s, at(1000));
    QVERIFY(store.save(a));
    QVERIFY(store.save(b));
    QVERIFY2(store.saveCopy(file(u"copy.db"_s)), qPrintable(store.lastError()));
    QVERIFY(!store.saveCopy(file(u"copy.db"_s))); // never over an existing file
    CaptureStore copy;
    QVERIFY2(copy.open(file(u"copy.db"_s)), qPrintable(copy.lastError()));
    QCOMPARE(copy.count(), 2);
    const auto loaded = copy.load(a.id);
    QVERIFY(loaded);
    QCOMPARE(difference(*loaded, a, true), QString());
    // The copy is independent: the live database goes on.
    Exchange c = hookCall(u"stalwart/mail.json"_s, at(2000));
    QVERIFY(store.save(c));
    QCOMPARE(copy.count(), 2);
}

QTEST_GUILESS_MAIN(TestCaptureStore)
#include "tst_capture_store.moc"

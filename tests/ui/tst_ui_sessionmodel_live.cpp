// SPDX-License-Identifier: GPL-3.0-or-later
// The session model following its store: new sessions and calls (expanded, collapsed, off
// screen), held calls and their countdown, batches, removals and clearing; a group commit's
// calls announced after all of them are stored; saves gathered for a live interval; new rows
// marked until the user looks at them.
#include "mock/capture/capturestore.h"
#include "tests/ui/sessionmodeltest.h"
#include "ui/models/sessionmodel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionModelTest;
using Mock::Exchange;
using MtaHooks::Stage;
using MtaHooks::Verdict;

class TestSessionModelLive : public QObject, protected StoreFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { openStore(); }
    void cleanup() { closeStore(); }

    void appendNewSession();
    void appendCallExpanded();
    void appendCallNotExpanded();
    void appendCallOffScreen();
    void heldExchange();
    void countdownTicks();
    void clear();
    void batchAndRemoval();
    void groupCommitStartsASession();
    void liveIntervalGathersSaves();
    void liveBatchChangesASessionRowOnce();
    void newRowsMarkedUntilSeen();
    void liveRowsOfASessionAreBounded();
};

void TestSessionModelLive::appendNewSession()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy appended(&model, &SessionModel::exchangeAppended);

    Exchange e = call(u"b"_s, Stage::Connect, 1000, Verdict::Reject);
    QVERIFY(m_store->save(e));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(appended.count(), 1); // the session's row: it is not expanded
    QCOMPARE(appended.first().at(0).value<QModelIndex>(), model.index(1, 0));
    QVERIFY(!inserted.isEmpty());
    QCOMPARE(inserted.first().at(0).value<QModelIndex>(), QModelIndex());
    QCOMPARE(inserted.first().at(1).toInt(), 1);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"b"_s);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 1, SessionModel::ActionColumn), u"reject"_s);
    QCOMPARE(model.exchangeCount(), 7);

    // Its next call lands in the same row.
    Exchange next = call(u"b"_s, Stage::Ehlo, 1010);
    QVERIFY(m_store->save(next));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"2 calls: connect → ehlo"_s);
    QCOMPARE(model.exchangeCount(), 8);

    // Many new sessions across a page boundary of a small page size.
    model.setCacheLimits(4, 2);
    for (int i = 0; i < 10; ++i) {
        Exchange more = call(u"n%1"_s.arg(i), Stage::Connect, 2000 + i);
        QVERIFY(m_store->save(more));
        QCOMPARE(model.rowCount(), 3 + i);
        QCOMPARE(text(model.index(2 + i, 0), SessionModel::SessionKeyRole), u"n%1"_s.arg(i));
    }
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(!text(model.index(row, 0), SessionModel::SessionKeyRole).isEmpty());
}

void TestSessionModelLive::appendCallExpanded()
{
    save(fullSession(u"a"_s, 0) + fullSession(u"b"_s, 100));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    expand(model, 0);
    const QModelIndex parent = model.index(0, 0);
    QCOMPARE(model.rowCount(parent), 6);
    QSignalSpy appended(&model, &SessionModel::exchangeAppended);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    Exchange e = call(u"a"_s, Stage::Delivery, 200, Verdict::Tempfail);
    QVERIFY(m_store->save(e));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(parent), 7);
    QCOMPARE(appended.count(), 1);
    const QModelIndex added = appended.first().at(0).value<QModelIndex>();
    QCOMPARE(added.parent(), parent);
    QCOMPARE(added.row(), 6);
    QCOMPARE(added.data(SessionModel::ExchangeIdRole).toLongLong(), e.id);
    QCOMPARE(display(model, 6, SessionModel::StageColumn, parent), u"delivery"_s);
    // The session row's figures follow.
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn),
        u"7 calls: connect → ehlo → mail → rcpt ×2 → data → delivery"_s);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"tempfail"_s);
    bool sessionRowChanged = false;
    for (const QList<QVariant> &args : std::as_const(changed)) {
        const QModelIndex topLeft = args.at(0).value<QModelIndex>();
        if (!topLeft.parent().isValid() && topLeft.row() == 0)
            sessionRowChanged = true;
    }
    QVERIFY(sessionRowChanged);

    // Saving the same exchange again (an update) does not add a row.
    e.latencyUs = 99000;
    QVERIFY(m_store->save(e));
    QCOMPARE(model.rowCount(parent), 7);
    QCOMPARE(display(model, 6, SessionModel::LatencyColumn, parent), u"99 ms"_s);
}

// Without the model tester: it fetches every session's children, and this is about a session
// nobody expanded. The test checks the model's invariants itself instead.
void TestSessionModelLive::appendCallNotExpanded()
{
    save(fullSession(u"a"_s, 0) + fullSession(u"b"_s, 100));
    SessionModel model(m_store.get());
    model.followStore();
    const QModelIndex parent = model.index(1, 0);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    QVERIFY(model.hasChildren(parent));
    QVERIFY(model.canFetchMore(parent));
    QCOMPARE(model.rowCount(parent), 0);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy appended(&model, &SessionModel::exchangeAppended);

    Exchange e = call(u"b"_s, Stage::Delivery, 200);
    QVERIFY(m_store->save(e));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(appended.count(), 1);
    QCOMPARE(appended.first().at(0).value<QModelIndex>(), model.index(1, 0));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>(), model.index(1, 0));
    QCOMPARE(
        changed.first().at(1).value<QModelIndex>(), model.index(1, SessionModel::ColumnCount - 1));
    QCOMPARE(model.rowCount(parent), 0);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn),
        u"7 calls: connect → ehlo → mail → rcpt ×2 → data → delivery"_s);

    // Expanding now shows the new call too.
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(parent), 7);
    QCOMPARE(model.index(6, 0, parent).data(SessionModel::ExchangeIdRole).toLongLong(), e.id);
}

// A call for a session whose page is not in memory: nothing to tell the views, and the page
// shows the new figures when read again.
void TestSessionModelLive::appendCallOffScreen()
{
    QList<Exchange> calls;
    for (int i = 0; i < 40; ++i)
        calls.append(call(u"s%1"_s.arg(i, 2, 10, QChar(u'0')), Stage::Connect, i * 10));
    save(calls);
    SessionModel model(m_store.get());
    model.followStore();
    model.setCacheLimits(8, 2);
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 39, SessionModel::SummaryColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 20, SessionModel::SummaryColumn), u"1 call: connect"_s); // drops page 0
    QVERIFY(model.cacheStats().cachedPages <= 2);
    // No model tester here: its walk would read and expand every session, and this is about a
    // session that is not in memory. The path emits nothing; the test checks that.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const qint64 reads = model.cacheStats().storeReads;
    Exchange e = call(u"s00"_s, Stage::Ehlo, 1000);
    QVERIFY(m_store->save(e));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(model.rowCount(), 40);
    QVERIFY(model.cacheStats().storeReads - reads <= 1); // one count: is it a new session?
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn), u"2 calls: connect → ehlo"_s);
}

void TestSessionModelLive::heldExchange()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    const QModelIndex parent = model.index(0, 0);

    Exchange held = call(u"a"_s, Stage::Data, 100);
    held.held = true;
    held.verdict = Verdict::None;
    held.action = MtaHooks::Action::None;
    held.httpStatus = 0;
    held.latencyUs = 0;
    QVERIFY(m_store->save(held));
    QCOMPARE(model.rowCount(parent), 7);
    const QModelIndex row = model.index(6, SessionModel::ActionColumn, parent);
    QCOMPARE(row.data().toString(), u"held"_s);
    QCOMPARE(row.data(SessionModel::VerdictRole).toString(), u"held"_s);
    QVERIFY(row.data(Qt::BackgroundRole).isValid());
    QVERIFY(model.index(6, SessionModel::SummaryColumn, parent).data(Qt::BackgroundRole).isValid());
    QCOMPARE(display(model, 6, SessionModel::StatusColumn, parent), QString());
    QCOMPARE(display(model, 6, SessionModel::LatencyColumn, parent), QString());
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"held"_s);
    QVERIFY(model.index(0, 0).data(Qt::BackgroundRole).isValid());

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setHeldDeadline(held.id, QDateTime::currentDateTimeUtc().addMSecs(23000));
    QCOMPARE(row.data().toString(), u"held 23 s"_s);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"held 23 s"_s);
    QVERIFY(changed.count() >= 1);

    // Answered: the same exchange saved again.
    held.held = false;
    held.verdict = Verdict::Accept;
    held.action = MtaHooks::Action::Accept;
    held.httpStatus = 200;
    held.latencyUs = 5000000;
    changed.clear();
    QVERIFY(m_store->save(held));
    model.clearHeldDeadline(held.id);
    QCOMPARE(model.rowCount(parent), 7);
    QCOMPARE(row.data().toString(), u"accept"_s);
    QVERIFY(!row.data(Qt::BackgroundRole).isValid());
    QCOMPARE(display(model, 6, SessionModel::StatusColumn, parent), u"200"_s);
    QCOMPARE(display(model, 6, SessionModel::LatencyColumn, parent), u"5000 ms"_s);
    // The session's worst verdict is read again: held is gone.
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"accept"_s);
    QVERIFY(!model.index(0, 0).data(Qt::BackgroundRole).isValid());
    bool childChanged = false;
    for (const QList<QVariant> &args : std::as_const(changed)) {
        if (args.at(0).value<QModelIndex>().parent() == parent
            && args.at(0).value<QModelIndex>().row() == 6)
            childChanged = true;
    }
    QVERIFY(childChanged);
}

void TestSessionModelLive::countdownTicks()
{
    save(fullSession(u"a"_s, 0) + fullSession(u"b"_s, 100));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    Exchange held = call(u"b"_s, Stage::Data, 200);
    held.held = true;
    held.httpStatus = 0;
    QVERIFY(m_store->save(held));
    model.setHeldDeadline(held.id, QDateTime::currentDateTimeUtc().addSecs(30));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(changed.wait(2000));
    QTest::qWait(50);
    // Only the action cells of the held call and of its session tick.
    QVERIFY(changed.count() >= 2);
    for (const QList<QVariant> &args : std::as_const(changed)) {
        const QModelIndex topLeft = args.at(0).value<QModelIndex>();
        const QModelIndex bottomRight = args.at(1).value<QModelIndex>();
        QCOMPARE(topLeft, bottomRight);
        QCOMPARE(topLeft.column(), int(SessionModel::ActionColumn));
        QCOMPARE(topLeft.data(SessionModel::SessionKeyRole).toString(), u"b"_s);
    }
    // Rounded up, as the held-call editor shows it: 30 s for the first second, then 29 s.
    const QString shown
        = model.index(6, SessionModel::ActionColumn, model.index(1, 0)).data().toString();
    QVERIFY2(shown == u"held 30 s"_s || shown == u"held 29 s"_s, qPrintable(shown));
    QTRY_COMPARE_WITH_TIMEOUT(
        model.index(6, SessionModel::ActionColumn, model.index(1, 0)).data().toString(),
        u"held 29 s"_s, 2000);

    model.clearHeldDeadline(held.id);
    changed.clear();
    QVERIFY(!changed.wait(1500));
    QCOMPARE(
        model.index(6, SessionModel::ActionColumn, model.index(1, 0)).data().toString(), u"held"_s);
}

void TestSessionModelLive::clear()
{
    save(fullSession(u"a"_s, 0) + fullSession(u"b"_s, 100));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 2);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(m_store->clear());
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.exchangeCount(), 0);
    Exchange e = call(u"c"_s, Stage::Connect, 1000);
    QVERIFY(m_store->save(e));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(text(model.index(0, 0), SessionModel::SessionKeyRole), u"c"_s);
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    // The tester asked for its calls while the insertion was being announced: they follow
    // from the event loop.
    QTRY_COMPARE(model.rowCount(model.index(0, 0)), 1);
}

void TestSessionModelLive::batchAndRemoval()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    save(fullSession(u"b"_s, 100) + fullSession(u"c"_s, 200));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    expand(model, 1);
    const qint64 id
        = model.index(0, 0, model.index(1, 0)).data(SessionModel::ExchangeIdRole).toLongLong();
    QVERIFY(id > 0);
    QVERIFY(m_store->remove({id}));
    QCOMPARE(reset.count(), 2);
    QCOMPARE(
        display(model, 1, SessionModel::SummaryColumn), u"5 calls: ehlo → mail → rcpt ×2 → data"_s);
}

// A group commit stores a pass's calls first and announces them after: the first call of a new
// session is heard of when the session holds several already. It still starts one row, once.
void TestSessionModelLive::groupCommitStartsASession()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    QList<Exchange> group {call(u"g"_s, Stage::Connect, 1000), call(u"g"_s, Stage::Ehlo, 1001),
        call(u"g"_s, Stage::Mail, 1002)};
    QVERIFY(m_store->saveAll(group, true));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"g"_s);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"3 calls: connect → ehlo → mail"_s);
}

void TestSessionModelLive::liveIntervalGathersSaves()
{
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    model.setLiveInterval(50);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i) {
        Exchange e = call(u"s%1"_s.arg(i), Stage::Connect, 1000 + i);
        QVERIFY(m_store->save(e));
        ids.append(e.id);
    }
    QCOMPARE(model.rowCount(), 0); // gathered, not shown yet
    QVERIFY(inserted.isEmpty());
    QTRY_COMPARE(model.rowCount(), 5);
    QCOMPARE(text(model.index(4, 0), SessionModel::SessionKeyRole), u"s4"_s);
    // Asked for by id, a call saved a moment ago is there at once.
    Exchange late = call(u"s5"_s, Stage::Connect, 2000);
    QVERIFY(m_store->save(late));
    QVERIFY(model.indexForExchange(late.id).isValid());
    QCOMPARE(model.rowCount(), 6);
    // A reset reads the store: what waited is not added a second time.
    Exchange more = call(u"s6"_s, Stage::Connect, 2001);
    QVERIFY(m_store->save(more));
    model.reload();
    QCOMPARE(model.rowCount(), 7);
    // Had s6 still waited, it would come with the next call, as a second row of its own.
    Exchange last = call(u"s7"_s, Stage::Connect, 2002);
    QVERIFY(m_store->save(last));
    QTRY_COMPARE(model.rowCount(), 8);
    QCOMPARE(text(model.index(7, 0), SessionModel::SessionKeyRole), u"s7"_s);
}

// Many calls of one session in one live interval change its row once: each dataChanged of a top
// row makes QTreeView measure it again, column by column.
void TestSessionModelLive::liveBatchChangesASessionRowOnce()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    model.setLiveInterval(50);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy appended(&model, &SessionModel::exchangeAppended);
    for (int i = 0; i < 20; ++i) {
        Exchange e = call(u"a"_s, Stage::Rcpt, 1000 + i);
        QVERIFY(m_store->save(e));
    }
    QVERIFY(changed.isEmpty());
    QTRY_COMPARE(appended.size(), 20); // every call is still told of, for following
    QCOMPARE(model.rowCount(), 1);
    int rowChanges = 0;
    for (const QList<QVariant> &arguments : std::as_const(changed)) {
        const QModelIndex topLeft = arguments.at(0).value<QModelIndex>();
        if (!topLeft.parent().isValid() && topLeft.row() == 0)
            ++rowChanges;
    }
    QCOMPARE(rowChanges, 1);
    QVERIFY(display(model, 0, SessionModel::SummaryColumn).startsWith(u"26 calls"_s));
}

void TestSessionModelLive::newRowsMarkedUntilSeen()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    QAbstractItemModelTester tester(&model);
    QSignalSpy counts(&model, &SessionModel::newSessionCountChanged);
    const auto isNew = [&model](const QModelIndex &index) {
        return index.data(SessionModel::IsNewRole).toBool();
    };
    const auto isBold
        = [](const QModelIndex &index) { return index.data(Qt::FontRole).value<QFont>().bold(); };
    const auto saveCall = [this](Exchange e) { return m_store->save(e); };

    // What the store held when the model loaded is not new.
    QCOMPARE(model.newSessionCount(), 0);
    QVERIFY(!isNew(model.index(0, 0)));
    QVERIFY(!model.index(0, 0).data(Qt::FontRole).isValid());

    // Calls arriving live are: a new session, and a new call of a session already listed.
    QVERIFY(saveCall(call(u"b"_s, Stage::Connect, 1000)));
    QVERIFY(saveCall(call(u"a"_s, Stage::Delivery, 1010)));
    QCOMPARE(model.newSessionCount(), 2);
    QCOMPARE(counts.last().at(0).toInt(), 2);
    QVERIFY(isNew(model.index(1, 0)));
    QVERIFY(isBold(model.index(1, SessionModel::SubjectColumn)));
    const QModelIndex a = model.index(0, 0);
    QVERIFY(isNew(a));
    QCOMPARE(model.rowCount(a), 7);
    QVERIFY(!isNew(model.index(5, 0, a))); // loaded with the model
    QVERIFY(!isBold(model.index(5, SessionModel::StageColumn, a)));
    QVERIFY(isNew(model.index(6, 0, a))); // arrived live
    QVERIFY(isBold(model.index(6, SessionModel::StageColumn, a)));

    // Looking at a call marks its session seen, and says so to views.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.markSeen(model.index(6, SessionModel::TimeColumn, a));
    QVERIFY(!isNew(a));
    QVERIFY(!isNew(model.index(6, 0, a)));
    QVERIFY(!changed.isEmpty());
    QCOMPARE(model.newSessionCount(), 1);
    QCOMPARE(counts.last().at(0).toInt(), 1);
    QVERIFY(isNew(model.index(1, 0))); // the other session still is

    // A later call makes the session new again, from that call on.
    QVERIFY(saveCall(call(u"a"_s, Stage::Dsn, 1020)));
    QVERIFY(isNew(a));
    QVERIFY(!isNew(model.index(6, 0, a)));
    QVERIFY(isNew(model.index(7, 0, a)));

    model.markAllSeen();
    QCOMPARE(model.newSessionCount(), 0);
    QCOMPARE(counts.last().at(0).toInt(), 0);
    QVERIFY(!isNew(model.index(1, 0)));
    QVERIFY(!isNew(model.index(7, 0, a)));

    // Clearing the store drops the marks with the rows.
    QVERIFY(saveCall(call(u"c"_s, Stage::Connect, 1030)));
    QCOMPARE(model.newSessionCount(), 1);
    m_store->clear();
    QCOMPARE(model.newSessionCount(), 0);
}

// A session that never ends (a benchmark posting the same client's calls, a stuck client) adds
// rows while expanded only up to a bound; the rest wait in the store for fetchMore.
void TestSessionModelLive::liveRowsOfASessionAreBounded()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    expand(model, 0);
    const QModelIndex parent = model.index(0, 0);
    QCOMPARE(model.rowCount(parent), 6);
    constexpr int bound = 2048; // Timeline::MaxLiveChildren
    QList<Exchange> more;
    for (int i = 0; i < bound + 100; ++i)
        more.append(call(u"a"_s, Stage::Rcpt, 1000 + i));
    for (Exchange &e : more)
        QVERIFY(m_store->save(e));
    QCOMPARE(model.rowCount(parent), bound);
    QVERIFY(model.canFetchMore(parent)); // the rest is there for the asking
    model.fetchMore(parent);
    QVERIFY(model.rowCount(parent) > bound);
    while (model.canFetchMore(parent))
        model.fetchMore(parent);
    QCOMPARE(model.rowCount(parent), 6 + bound + 100);
    QCOMPARE(model.index(6 + bound + 99, 0, parent).data(SessionModel::ExchangeIdRole).toLongLong(),
        more.constLast().id);
}

QTEST_MAIN(TestSessionModelLive)
#include "tst_ui_sessionmodel_live.moc"

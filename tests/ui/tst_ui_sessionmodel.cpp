// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "mock/capture/querymatcher.h"
#include "ui/models/sessionmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QIcon>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Mock::CaptureQuery;
using Mock::CaptureStore;
using Mock::Exchange;
using Mock::FilterParseResult;
using Mock::matchesQuery;
using Mock::parseFilter;
using MtaHooks::Stage;
using MtaHooks::Verdict;

namespace {

constexpr qint64 baseTime = 1772619630000; // 2026-03-04T10:20:30Z

// One hook call as the endpoint stores it, with the envelope facts of its stage filled in.
Exchange call(const QString &session, Stage stage, qint64 ms, Verdict verdict = Verdict::Accept)
{
    Exchange e;
    e.sessionKey = session;
    e.received = QDateTime::fromMSecsSinceEpoch(baseTime + ms, Qt::UTC);
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = 40000;
    e.method = "POST";
    e.path = "/hook";
    e.kind = Mock::ExchangeKind::Hook;
    e.dialect = MtaHooks::Dialect::Draft01;
    e.encoding = MtaHooks::Encoding::Json;
    e.stage = stage;
    e.stageName = MtaHooks::stageName(stage);
    e.clientIp = u"203.0.113.5"_s;
    e.clientEhlo = u"mx.example.org"_s;
    if (stage >= Stage::Mail)
        e.mailFrom = u"alice@example.org"_s;
    if (stage >= Stage::Rcpt)
        e.recipients = {u"bob@example.net"_s};
    if (stage == Stage::Data) {
        e.recipients = {u"bob@example.net"_s, u"carol@example.net"_s};
        e.subject = u"Quarterly report"_s;
        e.messageSize = 1234;
    }
    e.verdict = verdict;
    switch (verdict) {
    case Verdict::Reject:
        e.action = MtaHooks::Action::Reject;
        e.replyCode = 550;
        break;
    case Verdict::Tempfail:
        e.action = MtaHooks::Action::Reject;
        e.replyCode = 451;
        break;
    default:
        e.action = MtaHooks::Action::Accept;
        e.replyCode = 250;
        break;
    }
    e.ruleName = u"default"_s;
    e.httpStatus = 200;
    e.latencyUs = 1500;
    e.requestBody = "{}";
    return e;
}

QList<Exchange> fullSession(const QString &key, qint64 start, int recipients = 2)
{
    QList<Exchange> calls {call(key, Stage::Connect, start), call(key, Stage::Ehlo, start + 10),
        call(key, Stage::Mail, start + 20)};
    for (int i = 0; i < recipients; ++i)
        calls.append(call(key, Stage::Rcpt, start + 30 + i));
    calls.append(call(key, Stage::Data, start + 50));
    return calls;
}

QString text(const QModelIndex &index, int role = Qt::DisplayRole)
{
    return index.data(role).toString();
}

QString display(
    const QAbstractItemModel &model, int row, int column, const QModelIndex &parent = {})
{
    return model.index(row, column, parent).data().toString();
}

QString localTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(baseTime + ms, Qt::UTC)
        .toLocalTime()
        .toString(u"hh:mm:ss.zzz"_s);
}

void expand(SessionModel &model, int row)
{
    const QModelIndex parent = model.index(row, 0);
    while (model.canFetchMore(parent))
        model.fetchMore(parent);
}

CaptureQuery parsed(const QString &filter)
{
    const FilterParseResult result = parseFilter(filter);
    Q_ASSERT(result.isValid());
    return result.query;
}

} // namespace

class TestSessionModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void emptyStore();
    void initialLoad();
    void displayedTexts();
    void roles();
    void paging();
    void pagingWithLongSession();
    void appendNewSession();
    void appendCallExpanded();
    void appendCallNotExpanded();
    void appendCallOffScreen();
    void heldExchange();
    void countdownTicks();
    void filtering();
    void filterLiveAppends();
    void filterSessionStartsMatching_data();
    void filterSessionStartsMatching();
    void clear();
    void batchAndRemoval();
    void indexForExchange();
    void matcherAgreesWithStore_data();
    void matcherAgreesWithStore();

private:
    QList<Exchange> save(QList<Exchange> calls); // returns them with their ids
    QTemporaryDir m_dir;
    std::unique_ptr<CaptureStore> m_store;
};

void TestSessionModel::init()
{
    QVERIFY(m_dir.isValid());
    m_store = std::make_unique<CaptureStore>();
    const QString path
        = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()) + u".db"_s);
    QFile::remove(path);
    QVERIFY2(m_store->open(path), qPrintable(m_store->lastError()));
}

void TestSessionModel::cleanup()
{
    m_store.reset();
}

QList<Exchange> TestSessionModel::save(QList<Exchange> calls)
{
    if (!m_store->saveAll(calls))
        QTest::qFail(qPrintable(m_store->lastError()), __FILE__, __LINE__);
    return calls;
}

void TestSessionModel::emptyStore()
{
    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(SessionModel::ColumnCount));
    QVERIFY(!model.hasChildren());
    QCOMPARE(model.exchangeCount(), 0);
    QCOMPARE(model.headerData(SessionModel::ActionColumn, Qt::Horizontal).toString(), u"Action"_s);

    SessionModel closed(nullptr);
    QAbstractItemModelTester closedTester(&closed);
    QCOMPARE(closed.rowCount(), 0);
    closed.onExchangeSaved(call(u"s"_s, Stage::Connect, 0), true);
    QCOMPARE(closed.rowCount(), 0);
}

void TestSessionModel::initialLoad()
{
    // Three sessions whose calls interleave: the order is that of each session's first call.
    QList<Exchange> calls;
    const QList<Exchange> a = fullSession(u"a"_s, 0);
    const QList<Exchange> b {
        call(u"b"_s, Stage::Connect, 5), call(u"b"_s, Stage::Ehlo, 15, Verdict::Reject)};
    const QList<Exchange> c = fullSession(u"c"_s, 100, 1);
    calls << a.mid(0, 1) << b.mid(0, 1) << a.mid(1, 2) << b.mid(1) << a.mid(3) << c;
    save(calls);

    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(text(model.index(0, 0), SessionModel::SessionKeyRole), u"a"_s);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"b"_s);
    QCOMPARE(text(model.index(2, 0), SessionModel::SessionKeyRole), u"c"_s);
    QCOMPARE(model.exchangeCount(), 13);

    // The tester fetched every session's calls already; a view would on expansion.
    QCOMPARE(model.rowCount(model.index(0, 0)), 6);
    QCOMPARE(model.rowCount(model.index(1, 0)), 2);
    QCOMPARE(model.rowCount(model.index(2, 0)), 5);
    QVERIFY(!model.canFetchMore(model.index(0, 0)));
    QCOMPARE(model.rowCount(model.index(0, 1)), 0); // only column 0 has children
    const QModelIndex child = model.index(1, 0, model.index(0, 0));
    QCOMPARE(model.parent(child), model.index(0, 0));
    QCOMPARE(model.rowCount(child), 0);
    QVERIFY(!model.hasChildren(child));
    QCOMPARE(display(model, 1, SessionModel::StageColumn, model.index(0, 0)), u"ehlo"_s);
}

void TestSessionModel::displayedTexts()
{
    QList<Exchange> calls = fullSession(u"a"_s, 0);
    calls[3].problems = {{u"/envelope/to"_s, MtaHooks::Severity::Error, u"bad address"_s},
        {u""_s, MtaHooks::Severity::Warning, u"late"_s}};
    calls[5].latencyUs = 12345;
    calls.append(call(u"b"_s, Stage::Connect, 500, Verdict::Reject));
    calls.append(call(u"b"_s, Stage::Ehlo, 510, Verdict::Tempfail));
    save(calls);

    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    expand(model, 0);

    // Session rows.
    QCOMPARE(display(model, 0, SessionModel::TimeColumn), localTime(0));
    QCOMPARE(display(model, 0, SessionModel::StageColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    QCOMPARE(display(model, 0, SessionModel::DialectColumn), u"draft-01"_s);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"accept"_s);
    QCOMPARE(display(model, 0, SessionModel::StatusColumn), QString());
    QCOMPARE(display(model, 0, SessionModel::LatencyColumn), u"12 ms"_s);
    QCOMPARE(display(model, 0, SessionModel::ProblemsColumn), u"⚠ 2"_s);
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn),
        u"203.0.113.5, alice@example.org → bob@example.net, carol@example.net"_s);
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"2 calls: connect → ehlo"_s);
    QCOMPARE(display(model, 1, SessionModel::ActionColumn), u"reject"_s); // the most severe
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"203.0.113.5"_s);
    const QString tooltip = text(model.index(0, SessionModel::TimeColumn), Qt::ToolTipRole);
    QVERIFY2(tooltip.contains(QDateTime::fromMSecsSinceEpoch(baseTime, Qt::UTC)
                                  .toLocalTime()
                                  .toString(u"yyyy-MM-dd hh:mm:ss.zzz"_s)),
        qPrintable(tooltip));

    // Call rows.
    const QModelIndex a = model.index(0, 0);
    QCOMPARE(display(model, 0, SessionModel::TimeColumn, a), localTime(0));
    QCOMPARE(display(model, 0, SessionModel::StageColumn, a), u"connect"_s);
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn, a), u"203.0.113.5"_s);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn, a), u"EHLO mx.example.org"_s);
    QCOMPARE(display(model, 2, SessionModel::SummaryColumn, a), u"alice@example.org"_s);
    QCOMPARE(display(model, 3, SessionModel::SummaryColumn, a),
        u"alice@example.org → bob@example.net"_s);
    QCOMPARE(display(model, 5, SessionModel::SummaryColumn, a),
        u"alice@example.org → bob@example.net, carol@example.net — Quarterly report"_s);
    QCOMPARE(display(model, 3, SessionModel::DialectColumn, a), u"draft-01"_s);
    QCOMPARE(display(model, 3, SessionModel::ActionColumn, a), u"accept"_s);
    QCOMPARE(display(model, 3, SessionModel::StatusColumn, a), u"200"_s);
    QCOMPARE(display(model, 3, SessionModel::LatencyColumn, a), u"1.5 ms"_s);
    QCOMPARE(display(model, 3, SessionModel::ProblemsColumn, a), u"⚠ 2"_s);
    QCOMPARE(display(model, 4, SessionModel::ProblemsColumn, a), QString());
    QVERIFY(text(model.index(3, SessionModel::ProblemsColumn, a), Qt::ToolTipRole)
                .contains(u"/envelope/to: bad address"_s));
    QCOMPARE(display(model, 5, SessionModel::LatencyColumn, a), u"12 ms"_s);

    expand(model, 1);
    const QModelIndex b = model.index(1, 0);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn, b), u"reject"_s);
    QCOMPARE(display(model, 1, SessionModel::ActionColumn, b), u"tempfail"_s);
    QVERIFY(text(model.index(1, SessionModel::ActionColumn, b), Qt::ToolTipRole)
                .contains(u"SMTP reply 451"_s));
}

void TestSessionModel::roles()
{
    QList<Exchange> calls = fullSession(u"a"_s, 0);
    calls.append(call(u"b"_s, Stage::Connect, 500, Verdict::Reject));
    calls = save(calls);
    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    expand(model, 0);
    const QModelIndex session = model.index(1, SessionModel::ActionColumn);
    QCOMPARE(session.data(SessionModel::IsSessionRole).toBool(), true);
    QCOMPARE(session.data(SessionModel::ExchangeIdRole).toLongLong(), 0);
    QCOMPARE(session.data(SessionModel::SessionKeyRole).toString(), u"b"_s);
    QCOMPARE(session.data(SessionModel::VerdictRole).toString(), u"reject"_s);
    QCOMPARE(session.data(SessionModel::ProblemCountRole).toInt(), 0);
    QVERIFY(!session.data(SessionModel::ExchangeRole).isValid());
    QVERIFY(session.data(Qt::ForegroundRole).canConvert<QColor>());
    QVERIFY(!session.data(Qt::DecorationRole).value<QIcon>().isNull());
    QVERIFY(!session.data(Qt::BackgroundRole).isValid());

    const QModelIndex first = model.index(2, SessionModel::ActionColumn, model.index(0, 0));
    QCOMPARE(first.data(SessionModel::IsSessionRole).toBool(), false);
    QCOMPARE(first.data(SessionModel::ExchangeIdRole).toLongLong(), calls.at(2).id);
    QCOMPARE(first.data(SessionModel::SessionKeyRole).toString(), u"a"_s);
    QCOMPARE(first.data(SessionModel::VerdictRole).toString(), u"accept"_s);
    const Exchange e = first.data(SessionModel::ExchangeRole).value<Exchange>();
    QCOMPARE(e.id, calls.at(2).id);
    QCOMPARE(e.mailFrom, u"alice@example.org"_s);
    QVERIFY(e.requestBody.isEmpty()); // summaries only: no bodies pinned by the list
    // Accept and reject are told apart by colour, whatever the palette.
    QVERIFY(first.data(Qt::ForegroundRole).value<QColor>()
        != session.data(Qt::ForegroundRole).value<QColor>());
    QVERIFY(!model.index(2, SessionModel::TimeColumn, model.index(0, 0))
                 .data(Qt::ForegroundRole)
                 .isValid());
    const auto alignment = model.index(0, SessionModel::StatusColumn)
                               .data(Qt::TextAlignmentRole)
                               .value<Qt::Alignment>();
    QVERIFY(alignment & Qt::AlignRight);
}

// Enough sessions for many pages of a small page size; every row shows its own session.
void TestSessionModel::paging()
{
    constexpr int sessions = 600;
    QList<Exchange> calls;
    // Two sessions at a time, their calls interleaved, as on a busy MTA.
    for (int pair = 0; pair < sessions / 2; ++pair) {
        const QList<Exchange> x
            = fullSession(u"s%1"_s.arg(pair * 2, 4, 10, QChar(u'0')), pair * 1000);
        const QList<Exchange> y
            = fullSession(u"s%1"_s.arg(pair * 2 + 1, 4, 10, QChar(u'0')), pair * 1000 + 1, 1);
        for (qsizetype i = 0; i < x.size(); ++i) {
            calls.append(x.at(i));
            if (i < y.size())
                calls.append(y.at(i));
        }
    }
    save(calls);
    QCOMPARE(m_store->count(), qint64(sessions / 2 * 11));

    SessionModel model(m_store.get());
    model.setCacheLimits(64, 3);
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), sessions);
    QVERIFY(model.cacheStats().cachedPages <= 3);

    const auto keyAt
        = [&model](int row) { return text(model.index(row, 0), SessionModel::SessionKeyRole); };
    // Sequential, across page boundaries, and jumping back and forth.
    for (int row = 0; row < sessions; ++row)
        QCOMPARE(keyAt(row), u"s%1"_s.arg(row, 4, 10, QChar(u'0')));
    QVERIFY(model.cacheStats().cachedPages <= 3);
    for (const int row : {63, 64, 65, 127, 128, 0, 599, 300, 1, 598, 64})
        QCOMPARE(keyAt(row), u"s%1"_s.arg(row, 4, 10, QChar(u'0')));
    QVERIFY(model.cacheStats().cachedPages <= 3);

    QCOMPARE(display(model, 200, SessionModel::StageColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    QCOMPARE(display(model, 201, SessionModel::StageColumn),
        u"5 calls: connect → ehlo → mail → rcpt → data"_s);
    QCOMPARE(display(model, 599, SessionModel::TimeColumn), localTime(299 * 1000 + 1));
    const QModelIndex parent = model.index(201, 0);
    expand(model, 201);
    QCOMPARE(model.rowCount(parent), 5);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(
            model.index(i, 0, parent).data(SessionModel::SessionKeyRole).toString(), u"s0201"_s);
    QCOMPARE(display(model, 4, SessionModel::StageColumn, parent), u"data"_s);
}

// A session of many calls: its children arrive in batches, its stage path is cut short.
void TestSessionModel::pagingWithLongSession()
{
    QList<Exchange> calls;
    for (int i = 0; i < 700; ++i)
        calls.append(call(u"long"_s, i == 0 ? Stage::Connect : Stage::Rcpt, i));
    calls = save(calls);
    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    const QModelIndex parent = model.index(0, 0);
    QVERIFY(model.rowCount(parent) > 0);
    expand(model, 0);
    QCOMPARE(model.rowCount(parent), 700);
    QCOMPARE(model.index(699, 0, parent).data(SessionModel::ExchangeIdRole).toLongLong(),
        calls.last().id);
    QCOMPARE(display(model, 0, SessionModel::StageColumn), u"700 calls: connect → rcpt ×63 → …"_s);
}

void TestSessionModel::appendNewSession()
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
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 1, SessionModel::ActionColumn), u"reject"_s);
    QCOMPARE(model.exchangeCount(), 7);

    // Its next call lands in the same row.
    Exchange next = call(u"b"_s, Stage::Ehlo, 1010);
    QVERIFY(m_store->save(next));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"2 calls: connect → ehlo"_s);
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

void TestSessionModel::appendCallExpanded()
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
    QCOMPARE(display(model, 0, SessionModel::StageColumn),
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
void TestSessionModel::appendCallNotExpanded()
{
    save(fullSession(u"a"_s, 0) + fullSession(u"b"_s, 100));
    SessionModel model(m_store.get());
    model.followStore();
    const QModelIndex parent = model.index(1, 0);
    QCOMPARE(display(model, 1, SessionModel::StageColumn),
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
    QCOMPARE(display(model, 1, SessionModel::StageColumn),
        u"7 calls: connect → ehlo → mail → rcpt ×2 → data → delivery"_s);

    // Expanding now shows the new call too.
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(parent), 7);
    QCOMPARE(model.index(6, 0, parent).data(SessionModel::ExchangeIdRole).toLongLong(), e.id);
}

// A call for a session whose page is not in memory: nothing to tell the views, and the page
// shows the new figures when read again.
void TestSessionModel::appendCallOffScreen()
{
    QList<Exchange> calls;
    for (int i = 0; i < 40; ++i)
        calls.append(call(u"s%1"_s.arg(i, 2, 10, QChar(u'0')), Stage::Connect, i * 10));
    save(calls);
    SessionModel model(m_store.get());
    model.followStore();
    model.setCacheLimits(8, 2);
    QCOMPARE(display(model, 0, SessionModel::StageColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 39, SessionModel::StageColumn), u"1 call: connect"_s);
    QCOMPARE(display(model, 20, SessionModel::StageColumn), u"1 call: connect"_s); // drops page 0
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
    QCOMPARE(display(model, 0, SessionModel::StageColumn), u"2 calls: connect → ehlo"_s);
}

void TestSessionModel::heldExchange()
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

void TestSessionModel::countdownTicks()
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
    const QString shown
        = model.index(6, SessionModel::ActionColumn, model.index(1, 0)).data().toString();
    QVERIFY2(shown == u"held 29 s"_s || shown == u"held 28 s"_s, qPrintable(shown));

    model.clearHeldDeadline(held.id);
    changed.clear();
    QVERIFY(!changed.wait(1500));
    QCOMPARE(
        model.index(6, SessionModel::ActionColumn, model.index(1, 0)).data().toString(), u"held"_s);
}

void TestSessionModel::filtering()
{
    QList<Exchange> calls = fullSession(u"a"_s, 0);
    QList<Exchange> b = fullSession(u"b"_s, 100);
    b[3].verdict = Verdict::Reject;
    b[3].action = MtaHooks::Action::Reject;
    b[3].replyCode = 550;
    calls << b << fullSession(u"c"_s, 200);
    QList<Exchange> d = fullSession(u"d"_s, 300);
    d[4].verdict = Verdict::Reject;
    d[4].action = MtaHooks::Action::Reject;
    calls << d;
    save(calls);

    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 4);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setQuery(parsed(u"action:reject"_s));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.query(), parsed(u"action:reject"_s));
    model.setQuery(parsed(u"action:reject"_s)); // the same query: no reset
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.exchangeCount(), 2);
    QCOMPARE(text(model.index(0, 0), SessionModel::SessionKeyRole), u"b"_s);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"d"_s);
    // The session's figures cover all its calls; its children are the matching ones.
    QCOMPARE(display(model, 0, SessionModel::StageColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    expand(model, 0);
    QCOMPARE(model.rowCount(model.index(0, 0)), 1);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn, model.index(0, 0)), u"reject"_s);

    model.setQuery(parsed(u"-stage:connect -stage:ehlo -stage:mail stage:rcpt"_s));
    QCOMPARE(model.rowCount(), 4);
    expand(model, 2);
    QCOMPARE(model.rowCount(model.index(2, 0)), 2);
    QCOMPARE(model.exchangeCount(), 8);

    model.setQuery(parsed(u"nothing-matches-this"_s));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.exchangeCount(), 0);
    model.setQuery({});
    QCOMPARE(model.rowCount(), 4);
}

void TestSessionModel::filterLiveAppends()
{
    save(fullSession(u"a"_s, 0));
    SessionModel model(m_store.get());
    model.followStore();
    model.setQuery(parsed(u"stage:rcpt"_s));
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.rowCount(model.index(0, 0)), 2);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    // Not matching: ignored (the session row's figures still follow).
    Exchange connect = call(u"b"_s, Stage::Connect, 1000);
    QVERIFY(m_store->save(connect));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 1);
    Exchange data = call(u"a"_s, Stage::Data, 1001);
    QVERIFY(m_store->save(data));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(model.index(0, 0)), 2);
    QCOMPARE(display(model, 0, SessionModel::StageColumn),
        u"7 calls: connect → ehlo → mail → rcpt ×2 → data ×2"_s);

    // Matching, in a listed and expanded session: a child row.
    Exchange rcpt = call(u"a"_s, Stage::Rcpt, 1002);
    QVERIFY(m_store->save(rcpt));
    QCOMPARE(model.rowCount(model.index(0, 0)), 3);
    QCOMPARE(model.exchangeCount(), 3);

    // A new session whose first call matches: appended.
    Exchange first = call(u"c"_s, Stage::Rcpt, 1003);
    QVERIFY(m_store->save(first));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"c"_s);
}

// Session b had only calls the filter hides; its first matching call puts it between a and c,
// where the store orders it (by its first call), not at the end.
void TestSessionModel::filterSessionStartsMatching_data()
{
    QTest::addColumn<int>("filteredLoadLimit");
    QTest::addRow("all matching sessions in memory") << 1000;
    QTest::addRow("paged from the store") << 0;
}

void TestSessionModel::filterSessionStartsMatching()
{
    QFETCH(int, filteredLoadLimit);
    QList<Exchange> calls {call(u"a"_s, Stage::Connect, 0, Verdict::Reject),
        call(u"b"_s, Stage::Connect, 10), call(u"c"_s, Stage::Connect, 20, Verdict::Reject)};
    save(calls);
    SessionModel model(m_store.get());
    model.followStore();
    model.setCacheLimits(256, 64, filteredLoadLimit);
    model.setQuery(parsed(u"action:reject"_s));
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(display(model, 1, SessionModel::TimeColumn), localTime(20));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    Exchange e = call(u"b"_s, Stage::Ehlo, 30, Verdict::Reject);
    QVERIFY(m_store->save(e));
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(inserted.count(), 1); // the tester's fetchMore from rowsInserted is deferred
    QCOMPARE(inserted.first().at(1).toInt(), 1);
    QCOMPARE(text(model.index(0, 0), SessionModel::SessionKeyRole), u"a"_s);
    QCOMPARE(text(model.index(1, 0), SessionModel::SessionKeyRole), u"b"_s);
    QCOMPARE(text(model.index(2, 0), SessionModel::SessionKeyRole), u"c"_s);
    QCOMPARE(model.rowCount(model.index(2, 0)), 1); // c's children moved along with it
    QCOMPARE(
        model.index(0, 0, model.index(2, 0)).data(SessionModel::SessionKeyRole).toString(), u"c"_s);
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"2 calls: connect → ehlo"_s);

    // The same with pages (filtered pages are 8 × 1 rows here): m07 starts matching in the
    // middle of a cached page, and the pages after it shift.
    QList<Exchange> more;
    for (int i = 0; i < 20; ++i)
        more.append(call(u"m%1"_s.arg(i, 2, 10, QChar(u'0')), Stage::Connect, 100 + i,
            i == 7 ? Verdict::Accept : Verdict::Reject));
    save(more);
    model.setCacheLimits(1, 64, filteredLoadLimit);
    QCOMPARE(model.cacheStats().pageSize, 8);
    QCOMPARE(model.rowCount(), 22);
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(model.index(row, 0).data().isValid()); // all pages cached
    QCOMPARE(model.cacheStats().cachedPages, 3);
    Exchange late = call(u"m07"_s, Stage::Ehlo, 500, Verdict::Reject);
    QVERIFY(m_store->save(late));
    QCOMPARE(model.rowCount(), 23);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(text(model.index(3 + i, 0), SessionModel::SessionKeyRole),
            u"m%1"_s.arg(i, 2, 10, QChar(u'0')));

    // The youngest session starting to match lands at the end, here the first row of a page.
    const qsizetype resets = reset.count();
    Exchange y = call(u"y"_s, Stage::Connect, 600, Verdict::Reject);
    QVERIFY(m_store->save(y));
    Exchange x = call(u"x"_s, Stage::Connect, 700);
    QVERIFY(m_store->save(x));
    QCOMPARE(model.rowCount(), 24);
    Exchange x2 = call(u"x"_s, Stage::Ehlo, 710, Verdict::Reject);
    QVERIFY(m_store->save(x2));
    QCOMPARE(model.rowCount(), 25);
    const qint64 reads = model.cacheStats().storeReads;
    QCOMPARE(text(model.index(23, 0), SessionModel::SessionKeyRole), u"y"_s);
    QCOMPARE(text(model.index(24, 0), SessionModel::SessionKeyRole), u"x"_s);
    if (filteredLoadLimit > 0)
        QCOMPARE(model.cacheStats().storeReads, reads); // all still in memory
    QCOMPARE(reset.count(), resets);
}

void TestSessionModel::clear()
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

void TestSessionModel::batchAndRemoval()
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
        display(model, 1, SessionModel::StageColumn), u"5 calls: ehlo → mail → rcpt ×2 → data"_s);
}

void TestSessionModel::indexForExchange()
{
    QList<Exchange> calls;
    for (int i = 0; i < 300; ++i)
        calls << fullSession(u"s%1"_s.arg(i, 3, 10, QChar(u'0')), i * 100, 1);
    calls = save(calls);
    // First without the model tester, whose walk would expand every session: the binary search
    // over pages is what runs when the session is not in memory.
    {
        SessionModel model(m_store.get());
        model.setCacheLimits(16, 2);
        for (const int i : {0, 7, 16 * 5 * 5 + 3, 1499, 1000, 5 * 16}) {
            const QModelIndex index = model.indexForExchange(calls.at(i).id);
            QVERIFY2(index.isValid(), qPrintable(QString::number(i)));
            QCOMPARE(index.data(SessionModel::ExchangeIdRole).toLongLong(), calls.at(i).id);
            QCOMPARE(index.parent().row(), i / 5);
            QCOMPARE(index.row(), i % 5);
            QVERIFY(model.cacheStats().cachedPages <= 2);
        }
    }
    SessionModel model(m_store.get());
    model.setCacheLimits(16, 2);
    QAbstractItemModelTester tester(&model);

    for (const int i : {0, 7, 16 * 5 * 5 + 3, 1499, 1000, 5 * 16}) {
        const Exchange &wanted = calls.at(i);
        const QModelIndex index = model.indexForExchange(wanted.id);
        QVERIFY2(index.isValid(), qPrintable(QString::number(i)));
        QCOMPARE(index.data(SessionModel::ExchangeIdRole).toLongLong(), wanted.id);
        QCOMPARE(index.parent().row(), i / 5);
        QCOMPARE(index.row(), i % 5);
    }
    QVERIFY(!model.indexForExchange(999999).isValid());
    model.setQuery(parsed(u"stage:data"_s));
    QVERIFY(!model.indexForExchange(calls.at(0).id).isValid()); // filtered out
    const QModelIndex data = model.indexForExchange(calls.at(4).id);
    QVERIFY(data.isValid());
    QCOMPARE(data.row(), 0);
}

void TestSessionModel::matcherAgreesWithStore_data()
{
    QTest::addColumn<QString>("filter");
    for (const char *filter : {"stage:rcpt", "-stage:rcpt", "from:*@example.org", "from:ALICE@*",
             "from:\"\"", "to:carol@*", "to:*.net", "-to:bob@*", "action:reject", "action:tempfail",
             "action:held", "action:accept", "status:200", "status:2xx", "status:5xx",
             "has:attachment", "has:problem", "has:error", "has:message", "has:fault",
             "dialect:draft-01", "dialect:stalwart", "session:s1", "-session:s1", "rule:DEFAULT",
             "rule:other", "client:203.0.113.*", "client:198.51.100.?", "kind:hook",
             "kind:discovery", "quarterly", "EXAMPLE.NET", "example.net\",\"carol", "/hook",
             "mx.example", "ehlo", "-report stage:data", "ÄÖ", "äö", "50%", "a_b", "*",
             "from:al?ce@*"}) {
        QTest::addRow("%s", filter) << QString::fromUtf8(filter);
    }
}

// The model decides about live exchanges in memory; it must agree with the store's SQL.
void TestSessionModel::matcherAgreesWithStore()
{
    QFETCH(QString, filter);
    QList<Exchange> calls = fullSession(u"s1"_s, 0) + fullSession(u"s2"_s, 100, 1);
    calls[2].mailFrom.clear();
    calls[3].hasAttachment = true;
    calls[4].problems = {{u""_s, MtaHooks::Severity::Warning, u"w"_s}};
    calls[5].problems = {{u""_s, MtaHooks::Severity::Error, u"e"_s}};
    calls[6].fault = u"reset"_s;
    calls[6].httpStatus = 0;
    calls[7].held = true;
    calls[8].verdict = Verdict::Tempfail;
    calls[8].httpStatus = 503;
    calls[9].clientIp = u"198.51.100.7"_s;
    calls[9].dialect = MtaHooks::Dialect::Stalwart;
    calls[10].subject = u"ÄÖ report"_s;
    calls[10].ruleName = u"Default"_s;
    Exchange discovery;
    discovery.kind = Mock::ExchangeKind::Discovery;
    discovery.method = "GET";
    discovery.path = "/.well-known/mta-hooks";
    discovery.received = QDateTime::fromMSecsSinceEpoch(baseTime, Qt::UTC);
    calls.append(discovery);
    save(calls);

    const FilterParseResult result = parseFilter(filter);
    QVERIFY2(result.isValid(), qPrintable(result.error));
    const QList<Exchange> all = m_store->list({}, 0, 1000);
    QCOMPARE(all.size(), calls.size());
    QSet<qint64> inStore;
    for (const Exchange &e : m_store->list(result.query, 0, 1000))
        inStore.insert(e.id);
    QSet<qint64> inMemory;
    for (const Exchange &e : all) {
        if (matchesQuery(result.query, e))
            inMemory.insert(e.id);
    }
    QCOMPARE(inMemory, inStore);
}

QTEST_MAIN(TestSessionModel)
#include "tst_ui_sessionmodel.moc"

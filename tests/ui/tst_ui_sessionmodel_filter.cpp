// SPDX-License-Identifier: GPL-3.0-or-later
// The session model under a filter: the filtered load, live calls that match or start to
// match, and the in-memory matcher the model uses for them against the store.
#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "mock/capture/querymatcher.h"
#include "tests/ui/sessionmodeltest.h"
#include "ui/models/sessionmodel.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionModelTest;
using Mock::Exchange;
using Mock::FilterParseResult;
using Mock::matchesQuery;
using Mock::parseFilter;
using MtaHooks::Stage;
using MtaHooks::Verdict;

class TestSessionModelFilter : public QObject, protected StoreFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { openStore(); }
    void cleanup() { closeStore(); }

    void filtering();
    void filterLiveAppends();
    void filterSessionStartsMatching_data();
    void filterSessionStartsMatching();
    void matcherAgreesWithStore_data();
    void matcherAgreesWithStore();
};

void TestSessionModelFilter::filtering()
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
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn),
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

void TestSessionModelFilter::filterLiveAppends()
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
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn),
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
void TestSessionModelFilter::filterSessionStartsMatching_data()
{
    QTest::addColumn<int>("filteredLoadLimit");
    QTest::addRow("all matching sessions in memory") << 1000;
    QTest::addRow("paged from the store") << 0;
}

void TestSessionModelFilter::filterSessionStartsMatching()
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
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"2 calls: connect → ehlo"_s);

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

void TestSessionModelFilter::matcherAgreesWithStore_data()
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
void TestSessionModelFilter::matcherAgreesWithStore()
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

QTEST_MAIN(TestSessionModelFilter)
#include "tst_ui_sessionmodel_filter.moc"

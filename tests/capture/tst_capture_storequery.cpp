// SPDX-License-Identifier: GPL-3.0-or-later
// CaptureQuery terms as the store evaluates them, positions within a query, and the session list.
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using Mock::CaptureQuery;
using Mock::CaptureStore;
using Mock::Exchange;
using Field = Mock::CaptureTerm::Field;

class TestCaptureStoreQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void filters_data();
    void filters();
    void indexOf();
    void sessionsGroupAndRankVerdicts_data();
    void sessionsGroupAndRankVerdicts();
    void sessionsFilterAndPage();
};

void TestCaptureStoreQuery::filters_data()
{
    QTest::addColumn<CaptureQuery>("filter");
    QTest::addColumn<QStringList>("expected");
    const QStringList all {u"plain"_s, u"rcpt"_s, u"reject"_s, u"tempfail"_s, u"held"_s, u"data"_s,
        u"problems"_s, u"errors"_s};
    const auto except = [&all](const QStringList &removed) {
        QStringList rest = all;
        for (const QString &name : removed)
            rest.removeAll(name);
        return rest;
    };
    QTest::addRow("empty") << CaptureQuery() << all;
    QTest::addRow("stage") << query({term(Field::Stage, u"rcpt"_s)}) << QStringList {u"rcpt"_s};
    QTest::addRow("stage upper") << query({term(Field::Stage, u"DATA"_s)})
                                 << QStringList {u"data"_s};
    QTest::addRow("stage unknown wire name")
        << query({term(Field::Stage, u"frobnicate"_s)}) << QStringList {u"errors"_s};
    QTest::addRow("-stage") << query({term(Field::Stage, u"mail"_s, true)})
                            << QStringList {u"rcpt"_s, u"data"_s, u"errors"_s};
    QTest::addRow("from glob") << query({term(Field::From, u"*@bad.example"_s)})
                               << QStringList {u"reject"_s};
    QTest::addRow("from bracket literal")
        << query({term(Field::From, u"spam[1]@*"_s)}) << QStringList {u"reject"_s};
    QTest::addRow("from question mark")
        << query({term(Field::From, u"spam?1?@bad.example"_s)}) << QStringList {u"reject"_s};
    QTest::addRow("from underscore is literal")
        << query({term(Field::From, u"spam_1_@*"_s)}) << QStringList();
    QTest::addRow("from percent is literal") << query({term(Field::From, u"%"_s)}) << QStringList();
    QTest::addRow("from no partial match")
        << query({term(Field::From, u"spam"_s)}) << QStringList();
    QTest::addRow("to any recipient, case-insensitive")
        << query({term(Field::To, u"bob@example.com"_s)}) << QStringList {u"rcpt"_s};
    QTest::addRow("to glob") << query({term(Field::To, u"*@example.com"_s)})
                             << QStringList {u"rcpt"_s, u"data"_s};
    QTest::addRow("to glob is per recipient")
        << query({term(Field::To, u"bob*test"_s)}) << QStringList();
    QTest::addRow("to quoted local part")
        << query({term(Field::To, u"\"last, first\"@*"_s)}) << QStringList {u"data"_s};
    QTest::addRow("to glob ending in a quote")
        << query({term(Field::To, u"*first\"@example.com"_s)}) << QStringList {u"data"_s};
    QTest::addRow("-to") << query({term(Field::To, u"*@other.test"_s, true)})
                         << except({u"rcpt"_s});
    QTest::addRow("action reject")
        << query({term(Field::Action, u"reject"_s)}) << QStringList {u"reject"_s, u"tempfail"_s};
    QTest::addRow("verdict tempfail")
        << query({term(Field::Action, u"tempfail"_s)}) << QStringList {u"tempfail"_s};
    QTest::addRow("held") << query({term(Field::Action, u"held"_s)}) << QStringList {u"held"_s};
    QTest::addRow("-accept") << query({term(Field::Action, u"accept"_s, true)})
                             << QStringList {u"reject"_s, u"tempfail"_s, u"held"_s};
    QTest::addRow("status exact") << query({term(Field::Status, u"404"_s)})
                                  << QStringList {u"problems"_s};
    QTest::addRow("status class") << query({term(Field::Status, u"4xx"_s)})
                                  << QStringList {u"problems"_s, u"errors"_s};
    QTest::addRow("status class upper")
        << query({term(Field::Status, u"5XX"_s)}) << QStringList {u"tempfail"_s};
    QTest::addRow("status zero") << query({term(Field::Status, u"000"_s)})
                                 << QStringList {u"held"_s};
    QTest::addRow("status malformed") << query({term(Field::Status, u"4x"_s)}) << QStringList();
    QTest::addRow("-status malformed") << query({term(Field::Status, u"abc"_s, true)}) << all;
    QTest::addRow("-status class")
        << query({term(Field::Status, u"2xx"_s, true)})
        << QStringList {u"tempfail"_s, u"held"_s, u"problems"_s, u"errors"_s};
    QTest::addRow("has attachment")
        << query({term(Field::Has, u"attachment"_s)}) << QStringList {u"data"_s};
    QTest::addRow("has problem") << query({term(Field::Has, u"problem"_s)})
                                 << QStringList {u"problems"_s, u"errors"_s};
    QTest::addRow("has error") << query({term(Field::Has, u"error"_s)})
                               << QStringList {u"errors"_s};
    QTest::addRow("has message") << query({term(Field::Has, u"message"_s)})
                                 << QStringList {u"data"_s};
    QTest::addRow("has fault") << query({term(Field::Has, u"fault"_s)})
                               << QStringList {u"tempfail"_s};
    QTest::addRow("has unknown") << query({term(Field::Has, u"wings"_s)}) << QStringList();
    QTest::addRow("-has problem") << query({term(Field::Has, u"problem"_s, true)})
                                  << except({u"problems"_s, u"errors"_s});
    QTest::addRow("dialect") << query({term(Field::Dialect, u"draft-01"_s)})
                             << QStringList {u"held"_s};
    QTest::addRow("dialect alias")
        << query({term(Field::Dialect, u"legacy"_s)})
        << QStringList {u"plain"_s, u"rcpt"_s, u"reject"_s, u"tempfail"_s, u"errors"_s};
    QTest::addRow("session") << query({term(Field::Session, u"s3"_s)})
                             << QStringList {u"held"_s, u"data"_s};
    QTest::addRow("rule, case-insensitive")
        << query({term(Field::Rule, u"block spammers"_s)}) << QStringList {u"reject"_s};
    QTest::addRow("rule is not a glob") << query({term(Field::Rule, u"block*"_s)}) << QStringList();
    QTest::addRow("client glob") << query({term(Field::Client, u"2001:db8::*"_s)})
                                 << QStringList {u"held"_s};
    QTest::addRow("client glob v4")
        << query({term(Field::Client, u"198.51.100.?00"_s)}) << QStringList {u"errors"_s};
    QTest::addRow("kind") << query({term(Field::Kind, u"discovery"_s)})
                          << QStringList {u"errors"_s};
    QTest::addRow("kind other") << query({term(Field::Kind, u"other"_s)})
                                << QStringList {u"problems"_s};
    QTest::addRow("kind unknown word") << query({term(Field::Kind, u"banana"_s)}) << QStringList();
    QTest::addRow("text subject") << query({term(Field::Text, u"invoice march"_s)})
                                  << QStringList {u"data"_s};
    QTest::addRow("text recipient")
        << query({term(Field::Text, u"CAROL@"_s)}) << QStringList {u"rcpt"_s};
    QTest::addRow("text path") << query({term(Field::Text, u"wrong/path"_s)})
                               << QStringList {u"problems"_s};
    QTest::addRow("text rule") << query({term(Field::Text, u"spammers"_s)})
                               << QStringList {u"reject"_s};
    QTest::addRow("text client ip")
        << query({term(Field::Text, u"db8::7"_s)}) << QStringList {u"held"_s};
    QTest::addRow("text stage") << query({term(Field::Text, u"frobn"_s)})
                                << QStringList {u"errors"_s};
    QTest::addRow("text sender") << query({term(Field::Text, u"bad.example"_s)})
                                 << QStringList {u"reject"_s};
    QTest::addRow("text is literal") << query({term(Field::Text, u"%"_s)}) << QStringList();
    QTest::addRow("text quote") << query({term(Field::Text, u"'; DROP TABLE exchanges; --"_s)})
                                << QStringList();
    QTest::addRow("-text") << query({term(Field::Text, u"example.com"_s, true)})
                           << except({u"rcpt"_s, u"data"_s});
    QTest::addRow("and") << query({term(Field::Stage, u"mail"_s), term(Field::Action, u"reject"_s)})
                         << QStringList {u"reject"_s, u"tempfail"_s};
    QTest::addRow("and not") << query(
        {term(Field::Session, u"s2"_s), term(Field::Status, u"5xx"_s, true)})
                             << QStringList {u"reject"_s};
}

void TestCaptureStoreQuery::filters()
{
    QFETCH(CaptureQuery, filter);
    QFETCH(QStringList, expected);
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QList<Exchange> set = filterSet();
    QVERIFY(store.saveAll(set));
    QCOMPARE(notesOf(store.list(filter, 0, 100)), expected);
    QCOMPARE(store.count(filter), qint64(expected.size()));
    // The table survived every filter (the "DROP TABLE" row is data, not SQL).
    QCOMPARE(store.count(), qint64(set.size()));
}

void TestCaptureStoreQuery::indexOf()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QList<Exchange> set = filterSet();
    QVERIFY(store.saveAll(set));
    QCOMPARE(store.indexOf(set.at(0).id), 0);
    QCOMPARE(store.indexOf(set.at(5).id), 5);
    const CaptureQuery reject = query({term(Field::Action, u"reject"_s)});
    QCOMPARE(store.indexOf(set.at(2).id, reject), 0);
    QCOMPARE(store.indexOf(set.at(3).id, reject), 1);
    QCOMPARE(store.indexOf(set.at(0).id, reject), -1);
    QCOMPARE(store.indexOf(123456), -1);
}

void TestCaptureStoreQuery::sessionsGroupAndRankVerdicts_data()
{
    QTest::addColumn<QList<int>>("verdicts"); // MtaHooks::Verdict values, in arrival order
    QTest::addColumn<QString>("worst");
    using V = MtaHooks::Verdict;
    const auto row = [](const char *name, std::initializer_list<V> verdicts, const QString &worst) {
        QList<int> values;
        for (V v : verdicts)
            values.append(int(v));
        QTest::addRow("%s", name) << values << worst;
    };
    row("none", {V::None, V::None}, u"none"_s);
    row("accept over none", {V::None, V::Accept}, u"accept"_s);
    row("continue equals accept, first wins", {V::Continue, V::Accept}, u"continue"_s);
    row("cancel over accept", {V::Accept, V::Cancel, V::Continue}, u"cancel"_s);
    row("held over cancel", {V::Cancel, V::Held}, u"held"_s);
    row("quarantine over held", {V::Held, V::Quarantine}, u"quarantine"_s);
    row("discard over quarantine", {V::Quarantine, V::Discard}, u"discard"_s);
    row("disconnect over discard", {V::Discard, V::Disconnect}, u"disconnect"_s);
    row("tempfail over disconnect", {V::Disconnect, V::Tempfail}, u"tempfail"_s);
    row("reject over tempfail", {V::Tempfail, V::Reject, V::Accept}, u"reject"_s);
    row("error over all", {V::Reject, V::Error, V::Accept}, u"error"_s);
}

void TestCaptureStoreQuery::sessionsGroupAndRankVerdicts()
{
    QFETCH(QList<int>, verdicts);
    QFETCH(QString, worst);
    for (const bool oneByOne : {true, false}) {
        CaptureStore store;
        QVERIFY(store.open(u":memory:"_s));
        QList<Exchange> exchanges;
        for (int i = 0; i < verdicts.size(); ++i) {
            Exchange e;
            e.sessionKey = u"grouped"_s;
            e.verdict = MtaHooks::Verdict(verdicts.at(i));
            e.received = at(5000 + i);
            e.problems = {{QString(), MtaHooks::Severity::Info, u"p"_s}};
            exchanges.append(e);
        }
        Exchange other;
        other.sessionKey = u"other"_s;
        other.verdict = MtaHooks::Verdict::Error;
        other.received = at(9000);
        exchanges.append(other);
        if (oneByOne) {
            for (Exchange &e : exchanges)
                QVERIFY(store.save(e));
        } else {
            QVERIFY(store.saveAll(exchanges));
        }
        // An update takes the recount path; it must agree with the incremental one.
        QVERIFY(store.save(exchanges.first()));
        QCOMPARE(store.sessionCount(), 2);
        const auto sessions = store.sessions({}, 0, 10);
        QCOMPARE(sessions.size(), 2);
        QCOMPARE(sessions.at(0).sessionKey, u"grouped"_s);
        QCOMPARE(sessions.at(0).worstVerdict, worst);
        QCOMPARE(sessions.at(0).exchangeCount, int(verdicts.size()));
        QCOMPARE(sessions.at(0).problemCount, int(verdicts.size()));
        QCOMPARE(sessions.at(0).first, at(5000));
        QCOMPARE(sessions.at(0).last, at(5000 + verdicts.size() - 1));
        QCOMPARE(sessions.at(1).worstVerdict, u"error"_s);
    }
}

void TestCaptureStoreQuery::sessionsFilterAndPage()
{
    CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QList<Exchange> set = filterSet();
    QVERIFY(store.saveAll(set));
    QCOMPARE(store.sessionCount(), 3);
    const auto all = store.sessions({}, 0, 10);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).sessionKey, u"s1"_s);
    QCOMPARE(all.at(0).exchangeCount, 4); // plain, rcpt, problems, errors
    QCOMPARE(all.at(0).worstVerdict, u"accept"_s);
    QCOMPARE(all.at(0).problemCount, 2);
    QCOMPARE(all.at(0).clientIp, u"192.0.2.1"_s);
    QCOMPARE(all.at(0).mailFrom, u"someone@example.net"_s);
    QCOMPARE(all.at(1).sessionKey, u"s2"_s);
    QCOMPARE(all.at(1).worstVerdict, u"reject"_s);
    QCOMPARE(all.at(1).mailFrom, u"spam[1]@bad.example"_s);
    QCOMPARE(all.at(2).worstVerdict, u"held"_s);
    QCOMPARE(all.at(2).clientIp, u"2001:db8::7"_s);

    const CaptureQuery attachments = query({term(Field::Has, u"attachment"_s)});
    QCOMPARE(store.sessionCount(attachments), 1);
    const auto matching = store.sessions(attachments, 0, 10);
    QCOMPARE(matching.size(), 1);
    QCOMPARE(matching.first().sessionKey, u"s3"_s);
    QCOMPARE(matching.first().exchangeCount, 2); // the whole session, not the matching call

    QCOMPARE(store.sessions({}, 1, 1).value(0).sessionKey, u"s2"_s);
    QVERIFY(store.sessions({}, 3, 10).isEmpty());

    const QList<Exchange> s3 = store.loadSession(u"s3"_s);
    QCOMPARE(notesOf(s3), (QStringList {u"held"_s, u"data"_s}));
    QVERIFY(store.loadSession(u"nope"_s).isEmpty());
}

QTEST_GUILESS_MAIN(TestCaptureStoreQuery)
#include "tst_capture_storequery.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "tests/capture/capturetest.h"

#include <QFile>
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

namespace {

CaptureQuery query(std::initializer_list<CaptureTerm> terms)
{
    return CaptureQuery {QList<CaptureTerm>(terms)};
}

CaptureTerm term(Field field, const QString &value, bool negated = false)
{
    return CaptureTerm {field, value, negated};
}

QStringList notesOf(const QList<Exchange> &exchanges)
{
    QStringList notes;
    for (const Exchange &e : exchanges)
        notes.append(e.note);
    return notes;
}

// Eight calls that differ in exactly the ways the filters look at; each is named by its note.
QList<Exchange> filterSet()
{
    QList<Exchange> set;
    const auto add = [&set](const QString &note, const auto &change) {
        Exchange e;
        e.note = note;
        e.received = at(1772600000000 + set.size() * 1000);
        e.kind = Mock::ExchangeKind::Hook;
        e.method = "POST";
        e.path = "/hook";
        e.dialect = MtaHooks::Dialect::Stalwart;
        e.stage = MtaHooks::Stage::Mail;
        e.stageName = u"mail"_s;
        e.clientIp = u"192.0.2.1"_s;
        e.mailFrom = u"someone@example.net"_s;
        e.action = MtaHooks::Action::Accept;
        e.verdict = MtaHooks::Verdict::Accept;
        e.httpStatus = 200;
        e.ruleName = u"default"_s;
        e.sessionKey = u"s1"_s;
        change(e);
        set.append(e);
    };
    add(u"plain"_s, [](Exchange &) {});
    add(u"rcpt"_s, [](Exchange &e) {
        e.stage = MtaHooks::Stage::Rcpt;
        e.stageName = u"rcpt"_s;
        e.recipients = {u"Bob@Example.COM"_s, u"carol@other.test"_s};
    });
    add(u"reject"_s, [](Exchange &e) {
        e.action = MtaHooks::Action::Reject;
        e.verdict = MtaHooks::Verdict::Reject;
        e.replyCode = 550;
        e.ruleName = u"Block Spammers"_s;
        e.mailFrom = u"spam[1]@bad.example"_s;
        e.sessionKey = u"s2"_s;
    });
    add(u"tempfail"_s, [](Exchange &e) {
        e.action = MtaHooks::Action::Reject;
        e.verdict = MtaHooks::Verdict::Tempfail;
        e.replyCode = 451;
        e.httpStatus = 503;
        e.fault = u"503"_s;
        e.sessionKey = u"s2"_s;
    });
    add(u"held"_s, [](Exchange &e) {
        e.held = true;
        e.action = MtaHooks::Action::None;
        e.verdict = MtaHooks::Verdict::None;
        e.httpStatus = 0;
        e.dialect = MtaHooks::Dialect::Draft01;
        e.clientIp = u"2001:db8::7"_s;
        e.sessionKey = u"s3"_s;
    });
    add(u"data"_s, [](Exchange &e) {
        e.stage = MtaHooks::Stage::Data;
        e.stageName = u"data"_s;
        e.subject = u"Invoice MARCH"_s;
        e.messageSize = 2048;
        e.hasAttachment = true;
        e.dialect = MtaHooks::Dialect::Draft02;
        e.recipients = {u"dave@example.com"_s};
        e.sessionKey = u"s3"_s;
    });
    add(u"problems"_s, [](Exchange &e) {
        e.problems = {{u"/x"_s, MtaHooks::Severity::Warning, u"odd"_s}};
        e.httpStatus = 404;
        e.path = "/Wrong/Path";
        e.kind = Mock::ExchangeKind::Other;
        e.dialect = MtaHooks::Dialect::Unknown;
    });
    add(u"errors"_s, [](Exchange &e) {
        e.problems = {{QString(), MtaHooks::Severity::Error, u"broken"_s}};
        e.kind = Mock::ExchangeKind::Discovery;
        e.stage = MtaHooks::Stage::Unknown;
        e.stageName = u"frobnicate"_s;
        e.clientIp = u"198.51.100.200"_s;
        e.httpStatus = 400;
    });
    return set;
}

} // namespace

class TestCaptureStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void roundTripsEveryField();
    void nullAndEmptyValues();
    void signalsCarrySummaries();
    void updatesHeldExchange();
    void updateOfUnknownIdFails();
    void saveAllIsAllOrNothing();
    void pages();
    void filters_data();
    void filters();
    void indexOf();
    void sessionsGroupAndRankVerdicts_data();
    void sessionsGroupAndRankVerdicts();
    void sessionsFilterAndPage();
    void removeAndClear();
    void reopensFile();
    void persistsWithoutClose();
    void survivesKilledProcess();
    void rejectsNonDatabase();
    void rejectsForeignDatabase();
    void rejectsNewerSchema();
    void refusesWhenClosed();

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
    QCOMPARE(store.schemaVersion(), 1);
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

void TestCaptureStore::filters_data()
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
    QTest::addRow("from no partial match")
        << query({term(Field::From, u"spam"_s)}) << QStringList();
    QTest::addRow("to any recipient, case-insensitive")
        << query({term(Field::To, u"bob@example.com"_s)}) << QStringList {u"rcpt"_s};
    QTest::addRow("to glob") << query({term(Field::To, u"*@example.com"_s)})
                             << QStringList {u"rcpt"_s, u"data"_s};
    QTest::addRow("to glob is per recipient")
        << query({term(Field::To, u"bob*test"_s)}) << QStringList();
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

void TestCaptureStore::filters()
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

void TestCaptureStore::indexOf()
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

void TestCaptureStore::sessionsGroupAndRankVerdicts_data()
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

void TestCaptureStore::sessionsGroupAndRankVerdicts()
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

void TestCaptureStore::sessionsFilterAndPage()
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

QTEST_GUILESS_MAIN(TestCaptureStore)
#include "tst_capture_store.moc"

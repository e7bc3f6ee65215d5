// SPDX-License-Identifier: GPL-3.0-or-later
// The session model over a store: the first load, what each row shows, paging a long
// timeline and a long session, and finding the row of a call.
#include "mock/capture/capturestore.h"
#include "tests/ui/sessionmodeltest.h"
#include "ui/models/sessionmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QIcon>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionModelTest;
using Mock::Exchange;
using MtaHooks::Stage;
using MtaHooks::Verdict;

class TestSessionModel : public QObject, protected StoreFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { openStore(); }
    void cleanup() { closeStore(); }

    void emptyStore();
    void initialLoad();
    void displayedTexts();
    void roles();
    void paging();
    void pagingWithLongSession();
    void indexForExchange();
    void controlPlaneSessions();
};

void TestSessionModel::emptyStore()
{
    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(SessionModel::ColumnCount));
    QVERIFY(!model.hasChildren());
    QCOMPARE(model.exchangeCount(), 0);
    QCOMPARE(model.headerData(SessionModel::ActionColumn, Qt::Horizontal).toString(), u"Verdict"_s);

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

    // Session rows: who sent what to whom, from which client; the stage path shortened to how
    // far the session got, whole in Details.
    QCOMPARE(display(model, 0, SessionModel::TimeColumn), localTime(0));
    QCOMPARE(display(model, 0, SessionModel::StageColumn), u"… → data"_s);
    QCOMPARE(display(model, 0, SessionModel::SummaryColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    QCOMPARE(display(model, 0, SessionModel::DialectColumn), u"draft-01"_s);
    QCOMPARE(display(model, 0, SessionModel::ActionColumn), u"accept"_s);
    QCOMPARE(display(model, 0, SessionModel::StatusColumn), QString());
    QCOMPARE(display(model, 0, SessionModel::LatencyColumn), u"12 ms"_s);
    QCOMPARE(display(model, 0, SessionModel::ProblemsColumn), u"⚠ 2"_s);
    QCOMPARE(display(model, 0, SessionModel::EnvelopeColumn),
        u"alice@example.org → bob@example.net +1"_s); // all of them in the tooltip
    QCOMPARE(display(model, 0, SessionModel::SubjectColumn), u"Quarterly report"_s);
    QCOMPARE(display(model, 0, SessionModel::ClientColumn), u"203.0.113.5 / mx.example.org"_s);
    QVERIFY(text(model.index(0, SessionModel::SubjectColumn), Qt::ToolTipRole)
                .contains(u"Calls connect → ehlo → mail → rcpt ×2 → data"_s));
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"connect → ehlo"_s);
    QCOMPARE(display(model, 1, SessionModel::SummaryColumn), u"2 calls: connect → ehlo"_s);
    QCOMPARE(display(model, 1, SessionModel::ActionColumn), u"reject"_s); // the most severe
    QCOMPARE(display(model, 1, SessionModel::EnvelopeColumn), QString()); // no mail stage yet
    QCOMPARE(display(model, 1, SessionModel::SubjectColumn), QString());
    QCOMPARE(display(model, 1, SessionModel::ClientColumn), u"203.0.113.5 / mx.example.org"_s);
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
    // A call's own envelope, subject and client.
    QCOMPARE(display(model, 1, SessionModel::EnvelopeColumn, a), QString()); // ehlo
    QCOMPARE(display(model, 2, SessionModel::EnvelopeColumn, a), u"alice@example.org"_s);
    QCOMPARE(display(model, 5, SessionModel::EnvelopeColumn, a),
        u"alice@example.org → bob@example.net +1"_s);
    QVERIFY(text(model.index(5, SessionModel::EnvelopeColumn, a), Qt::ToolTipRole)
                .contains(u"bob@example.net, carol@example.net"_s));
    QCOMPARE(display(model, 4, SessionModel::SubjectColumn, a), QString());
    QCOMPARE(display(model, 5, SessionModel::SubjectColumn, a), u"Quarterly report"_s);
    QCOMPARE(display(model, 1, SessionModel::ClientColumn, a), u"203.0.113.5 / mx.example.org"_s);
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

    QCOMPARE(display(model, 200, SessionModel::SummaryColumn),
        u"6 calls: connect → ehlo → mail → rcpt ×2 → data"_s);
    QCOMPARE(display(model, 201, SessionModel::SummaryColumn),
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
    QCOMPARE(
        display(model, 0, SessionModel::SummaryColumn), u"700 calls: connect → rcpt ×63 → …"_s);
    QCOMPARE(display(model, 0, SessionModel::StageColumn), u"… → rcpt ×63 → …"_s);
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

// A session of the control plane's calls only (an MTA discovering and registering) is told from
// an SMTP session: the window does not open it when following new calls.
void TestSessionModel::controlPlaneSessions()
{
    QList<Exchange> calls = fullSession(u"smtp"_s, 0);
    for (const Mock::ExchangeKind kind :
        {Mock::ExchangeKind::Discovery, Mock::ExchangeKind::Registration}) {
        Exchange control = call(u"peer"_s, Stage::Unknown, 500 + int(kind));
        control.kind = kind;
        control.stageName.clear();
        calls.append(control);
    }
    save(calls);
    SessionModel model(m_store.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data(SessionModel::IsControlPlaneRole).toBool(), false);
    QCOMPARE(model.index(1, 0).data(SessionModel::IsControlPlaneRole).toBool(), true);
    QCOMPARE(display(model, 1, SessionModel::StageColumn), u"… → registration"_s);
}

QTEST_MAIN(TestSessionModel)
#include "tst_ui_sessionmodel.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The Conformance dialog's table: rows arrive one check at a time, say PASS/FAIL/SKIP in the
// timeline's verdict colours, count the MUST failures and carry each check's evidence.
#include "ui/models/conformresultsmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QFont>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

Conform::Result result(const QString &id, Conform::Status status, Conform::Level level)
{
    Conform::Result r;
    r.id = id;
    r.clause = u"draft-01 §d.2 Authentication"_s;
    r.level = level;
    r.title = u"Check "_s + id;
    r.status = status;
    r.detail = u"why "_s + id;
    r.evidence.append({u"POST /hook HTTP/1.1\nHost: 127.0.0.1"_s, u"HTTP/1.1 401 Unauthorized"_s});
    return r;
}

} // namespace

class TestConformResultsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowsArriveOneByOne();
    void statusLooksLikeAVerdict();
    void countsAndMustFailures();
    void evidenceAndExchanges();
    void capturedIdsByIndex();
    void clearEmpties();
};

void TestConformResultsModel::rowsArriveOneByOne()
{
    ConformResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(ConformResultsModel::ColumnCount));
    model.addResult(result(u"a"_s, Conform::Status::Pass, Conform::Level::Must));
    model.addResult(result(u"b"_s, Conform::Status::Fail, Conform::Level::Should));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 1); // appended after the first
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QCOMPARE(model.index(0, ConformResultsModel::StatusColumn).data().toString(), u"PASS"_s);
    QCOMPARE(model.index(1, ConformResultsModel::StatusColumn).data().toString(), u"FAIL"_s);
    QCOMPARE(model.index(0, ConformResultsModel::LevelColumn).data().toString(), u"MUST"_s);
    QCOMPARE(model.index(1, ConformResultsModel::LevelColumn).data().toString(), u"SHOULD"_s);
    QCOMPARE(model.index(1, ConformResultsModel::TitleColumn).data().toString(), u"Check b"_s);
    QCOMPARE(model.index(1, ConformResultsModel::ClauseColumn).data().toString(),
        u"draft-01 §d.2 Authentication"_s);
    QCOMPARE(model.index(1, ConformResultsModel::DetailColumn).data().toString(), u"why b"_s);
    QCOMPARE(model.index(1, 0).data(ConformResultsModel::CheckIdRole).toString(), u"b"_s);
    QCOMPARE(model.headerData(ConformResultsModel::ClauseColumn, Qt::Horizontal).toString(),
        u"Clause"_s);
}

void TestConformResultsModel::statusLooksLikeAVerdict()
{
    ConformResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addResult(result(u"a"_s, Conform::Status::Pass, Conform::Level::Must));
    model.addResult(result(u"b"_s, Conform::Status::Fail, Conform::Level::Must));
    model.addResult(result(u"c"_s, Conform::Status::Skip, Conform::Level::Must));
    const auto colour = [&model](int row) {
        return model.index(row, ConformResultsModel::StatusColumn)
            .data(Qt::ForegroundRole)
            .value<QColor>();
    };
    QVERIFY(colour(0).isValid());
    QVERIFY(colour(0).green() > colour(0).red()); // a pass is green
    QVERIFY(colour(1).red() > colour(1).green()); // a failure red
    QVERIFY(colour(2) != colour(0) && colour(2) != colour(1));
    QVERIFY(!model.index(1, ConformResultsModel::StatusColumn)
                 .data(Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    // A failed MUST's level is bold; a passed one's is not.
    QVERIFY(
        model.index(1, ConformResultsModel::LevelColumn).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.index(0, ConformResultsModel::LevelColumn).data(Qt::FontRole).isValid());
}

void TestConformResultsModel::countsAndMustFailures()
{
    ConformResultsModel model;
    model.addResult(result(u"a"_s, Conform::Status::Pass, Conform::Level::Must));
    model.addResult(result(u"b"_s, Conform::Status::Fail, Conform::Level::Must));
    model.addResult(result(u"c"_s, Conform::Status::Fail, Conform::Level::Should));
    model.addResult(result(u"d"_s, Conform::Status::Skip, Conform::Level::Should));
    QCOMPARE(model.count(Conform::Status::Pass), 1);
    QCOMPARE(model.count(Conform::Status::Fail), 2);
    QCOMPARE(model.count(Conform::Status::Skip), 1);
    QCOMPARE(model.mustFailures(), 1); // the failed SHOULD does not count
    QCOMPARE(model.results().size(), 4);
    QCOMPARE(model.results().at(2).id, u"c"_s);
}

void TestConformResultsModel::evidenceAndExchanges()
{
    ConformResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Conform::Result a = result(u"a"_s, Conform::Status::Pass, Conform::Level::Must);
    a.evidence.first().capturedId = 7;
    a.evidence.append({u"GET /status"_s, u"HTTP 200"_s, 1, 9});
    a.evidence.append({u"GET /status"_s, u"HTTP 200"_s, 1, 9}); // the same call twice: listed once
    model.addResult(a);
    model.addResult(result(u"b"_s, Conform::Status::Fail, Conform::Level::Must));
    const QString evidence
        = model.index(0, 0).data(ConformResultsModel::EvidenceTextRole).toString();
    QVERIFY2(evidence.contains(u"POST /hook HTTP/1.1"_s), qPrintable(evidence));
    QVERIFY(evidence.indexOf(u"POST /hook"_s) < evidence.indexOf(u"401 Unauthorized"_s));
    QCOMPARE(model.exchangeIds(0), (QList<qint64> {7, 9}));
    QCOMPARE(model.index(0, 0).data(ConformResultsModel::ExchangeIdsRole).value<QList<qint64>>(),
        (QList<qint64> {7, 9}));
    QVERIFY(model.exchangeIds(1).isEmpty());
    QVERIFY(model.exchangeIds(5).isEmpty());
    QCOMPARE(model.result(1).id, u"b"_s);
    QVERIFY(model.result(-1).id.isEmpty());
}

void TestConformResultsModel::capturedIdsByIndex()
{
    ConformResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Exchange 0 is stored before its row arrives, exchange 1 after.
    model.setCapturedId(0, 41);
    Conform::Result a = result(u"a"_s, Conform::Status::Pass, Conform::Level::Must);
    a.evidence.first().exchange = 0;
    a.evidence.append({u"POST /hook"_s, u"HTTP 200"_s, 1, 0});
    model.addResult(a);
    Conform::Result b = result(u"b"_s, Conform::Status::Pass, Conform::Level::Must);
    b.evidence.first().exchange = 2; // never stored
    model.addResult(b);
    QCOMPARE(model.exchangeIds(0), (QList<qint64> {41}));
    QCOMPARE(model.result(0).evidence.at(1).capturedId, 0);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setCapturedId(1, 42);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(model.exchangeIds(0), (QList<qint64> {41, 42}));
    QCOMPARE(model.result(0).evidence.at(1).capturedId, 42);
    QVERIFY(model.exchangeIds(1).isEmpty());
    model.setCapturedId(-1, 43); // no exchange: nothing to name
    QCOMPARE(changed.size(), 1);

    // A new run forgets the last run's ids.
    model.clear();
    model.addResult(a);
    QVERIFY(model.exchangeIds(0).isEmpty());
}

void TestConformResultsModel::clearEmpties()
{
    ConformResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addResult(result(u"a"_s, Conform::Status::Pass, Conform::Level::Must));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.size(), 1);
    model.clear(); // already empty: no reset for the views
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.mustFailures(), 0);
}

QTEST_MAIN(TestConformResultsModel)
#include "tst_ui_conformresultsmodel.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/rulebook.h"
#include "ui/models/rulesmodel.h"

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Mock::Rule;

namespace {

Rule rule(const QString &name, bool enabled = true)
{
    Rule r;
    r.name = name;
    r.enabled = enabled;
    r.when.stages = {MtaHooks::Stage::Rcpt};
    r.when.toGlob = name + u"@*"_s;
    r.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Accept);
    return r;
}

QStringList names(const QList<Rule> &rules)
{
    QStringList out;
    for (const Rule &r : rules)
        out.append(r.name);
    return out;
}

QStringList names(const QAbstractItemModel &model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.append(model.index(row, RulesModel::NameColumn).data().toString());
    return out;
}

} // namespace

class TestRulesModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void data();
    void toggleAndRename();
    void moveRows_data();
    void moveRows();
    void refusesBadMoves();
    void removeRows();
    void insertRule();
    void externalChanges();
    void refreshHits();
    void dragAndDrop();

private:
    std::unique_ptr<Mock::Rulebook> m_rulebook;
};

void TestRulesModel::init()
{
    m_rulebook = std::make_unique<Mock::Rulebook>();
    m_rulebook->setRules({rule(u"a"_s), rule(u"b"_s, false), rule(u"c"_s), rule(u"d"_s)});
}

void TestRulesModel::data()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), int(RulesModel::ColumnCount));
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QCOMPARE(names(model), QStringList({u"a"_s, u"b"_s, u"c"_s, u"d"_s}));
    QCOMPARE(model.index(0, RulesModel::EnabledColumn).data(Qt::CheckStateRole).toInt(),
        int(Qt::Checked));
    QCOMPARE(model.index(1, RulesModel::EnabledColumn).data(Qt::CheckStateRole).toInt(),
        int(Qt::Unchecked));
    QVERIFY(!model.index(0, RulesModel::NameColumn).data(Qt::CheckStateRole).isValid());
    QCOMPARE(model.index(0, RulesModel::WhenColumn).data().toString(),
        m_rulebook->rules().at(0).describeConditions());
    QCOMPARE(model.index(0, RulesModel::AnswerColumn).data().toString(),
        m_rulebook->rules().at(0).answer.describe());
    QCOMPARE(model.index(0, RulesModel::HitsColumn).data().toString(), u"0"_s);
    QCOMPARE(model.index(2, 0).data(RulesModel::RuleRole).value<Rule>(), m_rulebook->rules().at(2));
    QCOMPARE(model.ruleAt(3).name, u"d"_s);
    QVERIFY(model.index(1, RulesModel::NameColumn).data(Qt::ForegroundRole).isValid()); // disabled
    QVERIFY(!model.index(0, RulesModel::NameColumn).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.flags(model.index(0, RulesModel::EnabledColumn)) & Qt::ItemIsUserCheckable);
    QVERIFY(model.flags(model.index(0, RulesModel::NameColumn)) & Qt::ItemIsEditable);
    QVERIFY(!(model.flags(model.index(0, RulesModel::WhenColumn)) & Qt::ItemIsEditable));
    QVERIFY(model.flags({}) & Qt::ItemIsDropEnabled);
}

void TestRulesModel::toggleAndRename()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy bookChanged(m_rulebook.get(), &Mock::Rulebook::changed);

    QVERIFY(
        model.setData(model.index(1, RulesModel::EnabledColumn), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(m_rulebook->rules().at(1).enabled);
    QCOMPARE(model.index(1, 0).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(model.setData(model.index(0, RulesModel::EnabledColumn),
        QVariant::fromValue(Qt::Unchecked), Qt::CheckStateRole));
    QVERIFY(!m_rulebook->rules().at(0).enabled);

    QVERIFY(model.setData(model.index(2, RulesModel::NameColumn), u"  renamed "_s));
    QCOMPARE(m_rulebook->rules().at(2).name, u"renamed"_s);
    QCOMPARE(model.index(2, RulesModel::NameColumn).data(Qt::EditRole).toString(), u"renamed"_s);
    QVERIFY(!model.setData(model.index(2, RulesModel::NameColumn), u"   "_s));
    QCOMPARE(m_rulebook->rules().at(2).name, u"renamed"_s);
    QVERIFY(!model.setData(model.index(2, RulesModel::WhenColumn), u"x"_s));
    QVERIFY(!model.setData(model.index(2, RulesModel::NameColumn), true, Qt::CheckStateRole));

    QCOMPARE(reset.count(), 0); // its own edits are not re-read as outside changes
    QCOMPARE(changed.count(), 3);
    QCOMPARE(bookChanged.count(), 3);
}

void TestRulesModel::moveRows_data()
{
    QTest::addColumn<int>("source");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("destination");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("first to end") << 0 << 1 << 4 << QStringList({u"b"_s, u"c"_s, u"d"_s, u"a"_s});
    QTest::addRow("last to top") << 3 << 1 << 0 << QStringList({u"d"_s, u"a"_s, u"b"_s, u"c"_s});
    QTest::addRow("down one") << 1 << 1 << 3 << QStringList({u"a"_s, u"c"_s, u"b"_s, u"d"_s});
    QTest::addRow("up one") << 2 << 1 << 1 << QStringList({u"a"_s, u"c"_s, u"b"_s, u"d"_s});
    QTest::addRow("block down") << 0 << 2 << 3 << QStringList({u"c"_s, u"a"_s, u"b"_s, u"d"_s});
    QTest::addRow("block up") << 2 << 2 << 0 << QStringList({u"c"_s, u"d"_s, u"a"_s, u"b"_s});
}

void TestRulesModel::moveRows()
{
    QFETCH(int, source);
    QFETCH(int, count);
    QFETCH(int, destination);
    QFETCH(QStringList, expected);
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.moveRows({}, source, count, {}, destination));
    QCOMPARE(moved.count(), 1);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(names(model), expected);
    QCOMPARE(names(m_rulebook->rules()), expected);
}

void TestRulesModel::refusesBadMoves()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QVERIFY(!model.moveRows({}, 1, 1, {}, 1)); // onto itself
    QVERIFY(!model.moveRows({}, 1, 1, {}, 2)); // just below itself: no move
    QVERIFY(!model.moveRows({}, 0, 2, {}, 1)); // into its own block
    QVERIFY(!model.moveRows({}, 3, 2, {}, 0)); // past the end
    QVERIFY(!model.moveRows({}, 0, 1, {}, 5));
    QVERIFY(!model.moveRows({}, -1, 1, {}, 2));
    QVERIFY(!model.moveRows(model.index(0, 0), 0, 1, {}, 2));
    QCOMPARE(moved.count(), 0);
    QCOMPARE(names(m_rulebook->rules()), QStringList({u"a"_s, u"b"_s, u"c"_s, u"d"_s}));
}

void TestRulesModel::removeRows()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.removeRows(1, 2));
    QCOMPARE(names(model), QStringList({u"a"_s, u"d"_s}));
    QCOMPARE(names(m_rulebook->rules()), QStringList({u"a"_s, u"d"_s}));
    QVERIFY(!model.removeRows(1, 5));
    QVERIFY(!model.removeRows(0, 1, model.index(0, 0)));
    QVERIFY(model.removeRow(0));
    QCOMPARE(names(m_rulebook->rules()), QStringList({u"d"_s}));
    QCOMPARE(reset.count(), 0);
}

void TestRulesModel::insertRule()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(model.insertRule(1, rule(u"new"_s)));
    QVERIFY(model.insertRule(99, rule(u"last"_s)));
    QCOMPARE(names(model), QStringList({u"a"_s, u"new"_s, u"b"_s, u"c"_s, u"d"_s, u"last"_s}));
    QCOMPARE(names(m_rulebook->rules()), names(model));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(reset.count(), 0);
}

// Changes made to the rulebook by others (the rules file loaded, the control plane) reach the
// views with the finest signals that describe them.
void TestRulesModel::externalChanges()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    Rule edited = m_rulebook->rules().at(2);
    edited.when.fromGlob = u"*@spam.example"_s;
    m_rulebook->replaceRule(2, edited);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 2);
    QCOMPARE(model.index(2, RulesModel::WhenColumn).data().toString(), edited.describeConditions());

    m_rulebook->setHeld(MtaHooks::Stage::Data, true); // not about rules: nothing to tell
    QCOMPARE(changed.count(), 1);

    m_rulebook->insertRule(0, rule(u"first"_s));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    m_rulebook->removeRule(3);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 3);
    QCOMPARE(names(model), names(m_rulebook->rules()));
    m_rulebook->moveRule(0, 2);
    QCOMPARE(names(model), names(m_rulebook->rules()));
    QCOMPARE(reset.count(), 0);

    m_rulebook->setRules({rule(u"x"_s)});
    QCOMPARE(reset.count(), 1);
    QCOMPARE(names(model), QStringList({u"x"_s}));
}

void TestRulesModel::refreshHits()
{
    QList<Rule> rules = m_rulebook->rules();
    rules[1].hits = 5;
    rules[2].when.times = 3;
    rules[2].hits = 2;
    m_rulebook->setRules(rules);
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.index(1, RulesModel::HitsColumn).data().toString(), u"5"_s);
    QCOMPARE(model.index(2, RulesModel::HitsColumn).data().toString(), u"2/3"_s);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    m_rulebook->resetHits(); // hitsChanged: the rows follow at once
    QCOMPARE(model.index(1, RulesModel::HitsColumn).data().toString(), u"0"_s);
    QCOMPARE(model.index(2, RulesModel::HitsColumn).data().toString(), u"0/3"_s);
    QCOMPARE(changed.count(), 2);
    model.refresh(); // nothing left to tell
    QCOMPARE(changed.count(), 2);
}

void TestRulesModel::dragAndDrop()
{
    RulesModel model(m_rulebook.get());
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.supportedDropActions(), Qt::MoveAction);
    std::unique_ptr<QMimeData> data(
        model.mimeData({model.index(0, 0), model.index(0, 1), model.index(1, 0)}));
    QVERIFY(data);
    QVERIFY(model.canDropMimeData(data.get(), Qt::MoveAction, 4, 0, {}));
    QVERIFY(!model.canDropMimeData(data.get(), Qt::CopyAction, 4, 0, {}));
    // The rows move; false tells the view not to delete "the source rows" afterwards.
    QVERIFY(!model.dropMimeData(data.get(), Qt::MoveAction, 4, 0, {}));
    QCOMPARE(names(m_rulebook->rules()), QStringList({u"c"_s, u"d"_s, u"a"_s, u"b"_s}));

    // Dropped onto a row: before it.
    std::unique_ptr<QMimeData> last(model.mimeData({model.index(3, 0)}));
    model.dropMimeData(last.get(), Qt::MoveAction, -1, -1, model.index(0, 0));
    QCOMPARE(names(model), QStringList({u"b"_s, u"c"_s, u"d"_s, u"a"_s}));

    // Rows of another model are not row numbers of this one.
    Mock::Rulebook otherBook;
    otherBook.setRules({rule(u"z"_s)});
    RulesModel other(&otherBook);
    std::unique_ptr<QMimeData> foreign(other.mimeData({other.index(0, 0)}));
    QVERIFY(!model.canDropMimeData(foreign.get(), Qt::MoveAction, 0, 0, {}));
    QVERIFY(!model.dropMimeData(foreign.get(), Qt::MoveAction, 0, 0, {}));
    QCOMPARE(names(model), QStringList({u"b"_s, u"c"_s, u"d"_s, u"a"_s}));
}

QTEST_MAIN(TestRulesModel)
#include "tst_ui_rulesmodel.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/mimedecoder.h"
#include "tests/support/testsupport.h"
#include "ui/models/mimetreemodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::MimeDecoder;
using MtaHooks::Mime::MimeMessage;
using MtaHooks::Mime::MimePart;

namespace {

// The tree as indented "type [charset] [name]" lines, one per row (hotspot's way of comparing
// trees).
void dump(const QAbstractItemModel &model, const QModelIndex &parent, int depth, QStringList &out)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        QStringList cells;
        for (const int column :
            {MimeTreeModel::TypeColumn, MimeTreeModel::CharsetColumn, MimeTreeModel::NameColumn}) {
            const QString text = model.index(row, column, parent).data().toString();
            if (!text.isEmpty())
                cells.append(text);
        }
        out.append(QString(depth * 2, u' ') + cells.join(u' '));
        dump(model, model.index(row, 0, parent), depth + 1, out);
    }
}

QStringList dump(const QAbstractItemModel &model)
{
    QStringList out;
    dump(model, {}, 0, out);
    return out;
}

MimeMessage decodeFixture(const QString &name)
{
    return MimeDecoder::decode(TestSupport::readData(u"mime/"_s + name));
}

} // namespace

class TestMimeTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModel();
    void tree_data();
    void tree();
    void attachedMessage();
    void defects();
    void resetsOnNewMessage();
};

void TestMimeTreeModel::emptyModel()
{
    MimeTreeModel model;
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(MimeTreeModel::ColumnCount));
    QVERIFY(!model.partAt({}).isMultipart());
    QCOMPARE(model.headerData(MimeTreeModel::TypeColumn, Qt::Horizontal).toString(), u"Type"_s);
    model.setMessage({});
    QCOMPARE(model.rowCount(), 0);
}

void TestMimeTreeModel::tree_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QStringList>("expected");
    QTest::addRow("rfc822.eml") << u"rfc822.eml"_s
                                << QStringList {u"multipart/mixed"_s, u"  text/plain"_s,
                                       u"  message/rfc822 nightly.eml"_s, u"    multipart/mixed"_s,
                                       u"      text/plain us-ascii"_s,
                                       u"      text/csv timings.csv"_s};
    QTest::addRow("alternative-crlf.eml") << u"alternative-crlf.eml"_s << QStringList();
    QTest::addRow("malformed.eml") << u"malformed.eml"_s << QStringList();
}

void TestMimeTreeModel::tree()
{
    QFETCH(QString, fixture);
    QFETCH(QStringList, expected);
    const MimeMessage message = decodeFixture(fixture);
    QVERIFY(message.isValid);
    MimeTreeModel model;
    QAbstractItemModelTester tester(&model);
    model.setMessage(message);
    QCOMPARE(model.rowCount(), 1);
    const QStringList lines = dump(model);
    if (!expected.isEmpty())
        QCOMPARE(lines, expected);
    // Whatever the message, the rows are its parts in depth-first order.
    QCOMPARE(lines.size(), message.allParts().size());
    QCOMPARE(model.partAt(model.index(0, 0)).contentType(), message.root.contentType());
    QCOMPARE(model.message().raw, message.raw);
}

void TestMimeTreeModel::attachedMessage()
{
    const MimeMessage message = decodeFixture(u"rfc822.eml"_s);
    MimeTreeModel model;
    QAbstractItemModelTester tester(&model);
    model.setMessage(message);
    const QModelIndex root = model.index(0, 0);
    const QModelIndex attached = model.index(1, 0, root);
    QCOMPARE(attached.data().toString(), u"message/rfc822"_s);
    QCOMPARE(model.rowCount(attached), 1); // the attached message's root part
    const QModelIndex inner = model.index(0, 0, attached);
    QCOMPARE(model.parent(inner), attached);
    QCOMPARE(model.parent(attached), root);
    QCOMPARE(model.rowCount(inner), 2);
    const QModelIndex csv = model.index(1, 0, inner);
    const MimePart part = csv.data(MimeTreeModel::PartRole).value<MimePart>();
    QCOMPARE(part.filename(), u"timings.csv"_s);
    QCOMPARE(model.partAt(csv).filename(), u"timings.csv"_s);
    QCOMPARE(model.index(1, MimeTreeModel::SizeColumn, inner).data().toString(),
        QLocale().formattedDataSize(part.size()));
    QCOMPARE(model.index(1, MimeTreeModel::SizeColumn, inner).data(Qt::ToolTipRole).toString(),
        u"%1 bytes"_s.arg(part.size()));
    QVERIFY(model.index(1, MimeTreeModel::TypeColumn, inner)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(u"Disposition attachment"_s));
    // Only column 0 has children.
    QCOMPARE(model.rowCount(model.index(1, 1, root)), 0);
}

void TestMimeTreeModel::defects()
{
    const MimeMessage message = decodeFixture(u"malformed.eml"_s);
    MimeTreeModel model;
    QAbstractItemModelTester tester(&model);
    model.setMessage(message);
    // Every part with defects shows their number, lists them in the tooltip and is coloured.
    int flagged = 0;
    const std::function<void(const QModelIndex &)> visit = [&](const QModelIndex &parent) {
        for (int row = 0; row < model.rowCount(parent); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            const MimePart part = model.partAt(index);
            const QModelIndex cell = index.siblingAtColumn(MimeTreeModel::DefectsColumn);
            if (!part.defects().isEmpty()) {
                ++flagged;
                const QList<MtaHooks::Mime::Defect> defects = part.defects();
                const auto breaks = std::count_if(defects.cbegin(), defects.cend(),
                    [](const MtaHooks::Mime::Defect &defect) { return !defect.isNote(); });
                QCOMPARE(cell.data().toString(),
                    breaks > 0 ? u"⚠ %1"_s.arg(breaks)
                               : (part.hasEncodingProblem() ? u"⚠"_s : u"ℹ"_s));
                QVERIFY(
                    cell.data(Qt::ToolTipRole).toString().contains(part.defects().first().code));
                QVERIFY(cell.data(Qt::ForegroundRole).canConvert<QColor>());
            } else if (!part.hasEncodingProblem()) {
                QCOMPARE(cell.data().toString(), QString());
                QVERIFY(!cell.data(Qt::ForegroundRole).isValid());
            }
            visit(index);
        }
    };
    visit({});
    QVERIFY(flagged > 0);
}

void TestMimeTreeModel::resetsOnNewMessage()
{
    MimeTreeModel model;
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setMessage(decodeFixture(u"rfc822.eml"_s));
    const QPersistentModelIndex old = model.index(0, 0);
    model.setMessage(decodeFixture(u"uuencode.eml"_s));
    QCOMPARE(reset.count(), 2);
    QVERIFY(!old.isValid());
    QCOMPARE(model.rowCount(), 1);
    model.setMessage({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestMimeTreeModel)
#include "tst_ui_mimetreemodel.moc"

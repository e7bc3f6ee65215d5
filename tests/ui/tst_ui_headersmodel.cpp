// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/headersmodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class TestHeadersModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rows();
    void flagged();
    void rawIsVisible();
    void resetAndClear();
};

namespace {

QList<HeadersModel::Row> sampleRows()
{
    return {
        {u"From"_s, u"Alice <alice@example.org>"_s, " Alice <alice@example.org>", false, {}},
        {u"Subject"_s, u"Grüße"_s, " =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", false, {}},
        {u"To"_s, u"mallory@example.net"_s, " mallory@example.net", true,
            u"Not among the envelope recipients"_s},
    };
}

} // namespace

void TestHeadersModel::rows()
{
    HeadersModel model;
    QAbstractItemModelTester tester(&model);
    QCOMPARE(model.rowCount(), 0);
    model.setRows(sampleRows());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(HeadersModel::ColumnCount));
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QCOMPARE(model.index(1, HeadersModel::NameColumn).data().toString(), u"Subject"_s);
    QCOMPARE(model.index(1, HeadersModel::ValueColumn).data().toString(), u"Grüße"_s);
    QCOMPARE(model.index(1, HeadersModel::RawColumn).data().toString(),
        u" =?UTF-8?Q?Gr=C3=BC=C3=9Fe?="_s);
    QCOMPARE(model.index(1, 0).data(HeadersModel::RawBytesRole).toByteArray(),
        QByteArray(" =?UTF-8?Q?Gr=C3=BC=C3=9Fe?="));
    QCOMPARE(model.headerData(HeadersModel::RawColumn, Qt::Horizontal).toString(), u"Raw"_s);
    QCOMPARE(model.rows().size(), 3);
}

void TestHeadersModel::flagged()
{
    HeadersModel model;
    QAbstractItemModelTester tester(&model);
    model.setRows(sampleRows());
    for (int column = 0; column < HeadersModel::ColumnCount; ++column) {
        const QModelIndex plain = model.index(0, column);
        const QModelIndex marked = model.index(2, column);
        QVERIFY(!plain.data(Qt::ForegroundRole).isValid());
        QVERIFY(marked.data(Qt::ForegroundRole).canConvert<QColor>());
        QVERIFY(marked.data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(u"Not among the envelope recipients"_s));
        QVERIFY(!plain.data(Qt::ToolTipRole).toString().contains(u"envelope"_s));
    }
    QCOMPARE(model.index(2, 0).data(HeadersModel::FlaggedRole).toBool(), true);
    QCOMPARE(model.index(0, 0).data(HeadersModel::FlaggedRole).toBool(), false);
    QCOMPARE(model.index(2, 0).data(HeadersModel::NoteRole).toString(),
        u"Not among the envelope recipients"_s);
}

void TestHeadersModel::rawIsVisible()
{
    HeadersModel model;
    model.setRows({{u"Received"_s, u"from a by b"_s, " from a\r\n\tby b\x01", false, {}}});
    QCOMPARE(
        model.index(0, HeadersModel::RawColumn).data().toString(), u" from a\\r\\n\\tby b\\x01"_s);
}

void TestHeadersModel::resetAndClear()
{
    HeadersModel model;
    QAbstractItemModelTester tester(&model);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setRows(sampleRows());
    model.setRows(sampleRows().mid(0, 1));
    QCOMPARE(model.rowCount(), 1);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.count(), 3);
    QVERIFY(!model.index(0, 0).isValid());
    QVERIFY(!model.data(model.index(0, 0)).isValid());
}

QTEST_MAIN(TestHeadersModel)
#include "tst_ui_headersmodel.moc"

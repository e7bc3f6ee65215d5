// SPDX-License-Identifier: GPL-3.0-or-later
// `serve --json` writes its line per call by hand, for speed (app/calllog.cpp). It must be the
// line QJsonDocument writes for the same members: compared here on texts with quotes, control
// characters, non-ASCII and surrogate pairs, null members, fractions, round numbers and large ids.
#include "app/calllog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// What the line was before it was written by hand.
QByteArray referenceLine(const Mock::Exchange &e, const QString &action)
{
    const QJsonObject line {
        {u"time"_s, e.received.toString(Qt::ISODateWithMs)},
        {u"session"_s, e.sessionKey},
        {u"kind"_s, Mock::exchangeKindName(e.kind)},
        {u"stage"_s,
            e.stageName.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(e.stageName)},
        {u"dialect"_s,
            e.dialect == MtaHooks::Dialect::Unknown ? QJsonValue(QJsonValue::Null)
                                                    : QJsonValue(MtaHooks::dialectName(e.dialect))},
        {u"rule"_s, e.ruleName},
        {u"action"_s, action.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(action)},
        {u"status"_s, e.httpStatus},
        {u"latencyMs"_s, double(e.latencyUs) / 1000.0},
        {u"problems"_s, int(e.problems.size())},
        {u"id"_s, double(e.id)},
    };
    return QJsonDocument(line).toJson(QJsonDocument::Compact);
}

} // namespace

class TestCallLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonLineIsQJsonDocuments_data()
    {
        QTest::addColumn<QString>("session");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("stage");
        QTest::addColumn<qint64>("id");
        QTest::addColumn<qint64>("latencyUs");
        QTest::addColumn<QDateTime>("received");
        const QDateTime utc = QDateTime::fromMSecsSinceEpoch(1'780'000'000'123, Qt::UTC);
        QTest::addRow("plain") << u"203.0.113.7:50413@1"_s << u"default"_s << u"rcpt"_s
                               << qint64(42) << qint64(1500) << utc;
        QTest::addRow("quotes and controls")
            << u"a\"b\\c\n\r\t\b\f\u0001\u001f"_s << u"rule \"x\""_s << QString() << qint64(1)
            << qint64(0) << utc;
        QTest::addRow("non-ASCII")
            << u"sess­ion é ✓ 😀 \u2028"_s << u"règle"_s << u"data"_s
            << qint64(9'007'199'254'740'993) << qint64(123'456'789) << utc.addDays(-20'000);
        QTest::addRow("fractions") << u"s"_s << u"r"_s << u"ehlo"_s << qint64(7) << qint64(333)
                                   << QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
        // Whole numbers whose shortest form is an exponent ("1e+05"): QJsonDocument writes them
        // as integers, up to 2^53; past it, in the shortest form either way.
        QTest::addRow("round numbers")
            << u"s"_s << u"r"_s << u"rcpt"_s << qint64(100'000) << qint64(200'000'000) << utc;
        QTest::addRow("past 2^53")
            << u"s"_s << u"r"_s << u"rcpt"_s << qint64(9'007'199'254'740'994) << qint64(0) << utc;
        QTest::addRow("1e16") << u"s"_s << u"r"_s << u"rcpt"_s << qint64(10'000'000'000'000'000)
                              << qint64(1'000'000) << utc;
        QTest::addRow("not UTC") << u"s"_s << u"r"_s << u"mail"_s << qint64(3) << qint64(10)
                                 << QDateTime::fromMSecsSinceEpoch(
                                        1'780'000'000'000, Qt::OffsetFromUTC, 3600);
        QTest::addRow("invalid time")
            << u"s"_s << u"r"_s << u"mail"_s << qint64(3) << qint64(10) << QDateTime();
    }

    void jsonLineIsQJsonDocuments()
    {
        QFETCH(QString, session);
        QFETCH(QString, rule);
        QFETCH(QString, stage);
        QFETCH(qint64, id);
        QFETCH(qint64, latencyUs);
        QFETCH(QDateTime, received);
        Mock::Exchange e;
        e.id = id;
        e.kind = Mock::ExchangeKind::Hook;
        e.sessionKey = session;
        e.ruleName = rule;
        e.stageName = stage;
        e.dialect = stage.isEmpty() ? MtaHooks::Dialect::Unknown : MtaHooks::Dialect::Draft01;
        e.httpStatus = 200;
        e.latencyUs = latencyUs;
        e.received = received;
        e.action = MtaHooks::Action::Accept;
        e.verdict = MtaHooks::Verdict::Accept;
        e.problems.append({QString(), MtaHooks::Severity::Warning, u"late"_s});
        QString text;
        {
            QTextStream out(&text);
            CallLog log(out, true);
            log.print(e);
        } // flushed when the log goes
        QCOMPARE(text.toUtf8(), referenceLine(e, u"accept"_s) + '\n');
    }
};

QTEST_GUILESS_MAIN(TestCallLog)
#include "tst_app_calllog.moc"

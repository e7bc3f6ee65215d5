// SPDX-License-Identifier: GPL-3.0-or-later
// The status bar's counts (ui/callcounts): new calls added in memory give what counting the store
// gives, with and without a filter, for every verdict, a held call and the control plane's kinds.
#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "tests/ui/sessionmodeltest.h"
#include "ui/callcounts.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionModelTest;
using Mock::Exchange;
using MtaHooks::Stage;
using MtaHooks::Verdict;

class TestCallCounts : public QObject, protected StoreFixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { openStore(); }
    void cleanup() { closeStore(); }

    void followsNewCalls_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addRow("everything") << QString();
        QTest::addRow("a stage") << u"stage:rcpt"_s;
        QTest::addRow("not accepted") << u"-action:accept"_s;
        QTest::addRow("a sender") << u"from:*@example.org"_s;
        QTest::addRow("nothing matches") << u"stage:dsn"_s;
    }

    void followsNewCalls()
    {
        QFETCH(QString, filter);
        const Mock::FilterParseResult parsed = Mock::parseFilter(filter);
        QVERIFY(parsed.error.isEmpty());
        save(fullSession(u"before"_s, 0)); // counted from the store
        CallCounts counts;
        counts.recount(*m_store, parsed.query);

        QList<Exchange> calls;
        int ms = 1000;
        for (const Verdict verdict : {Verdict::Accept, Verdict::Reject, Verdict::Tempfail,
                 Verdict::Quarantine, Verdict::Discard, Verdict::Disconnect, Verdict::Continue}) {
            calls.append(call(u"s%1"_s.arg(ms), Stage::Rcpt, ms, verdict));
            ms += 10;
        }
        Exchange held = call(u"h"_s, Stage::Data, ms += 10);
        held.held = true;
        calls.append(held);
        Exchange unanswered = call(u"u"_s, Stage::Mail, ms += 10);
        unanswered.action = MtaHooks::Action::None;
        unanswered.verdict = Verdict::None;
        calls.append(unanswered);
        for (const Mock::ExchangeKind kind : {Mock::ExchangeKind::Discovery,
                 Mock::ExchangeKind::Registration, Mock::ExchangeKind::Deregistration}) {
            Exchange control = call(u""_s, Stage::Unknown, ms += 10);
            control.kind = kind;
            control.stageName.clear();
            calls.append(control);
        }
        for (Exchange &e : calls) {
            QVERIFY(m_store->save(e));
            counts.add(e);
            CallCounts fresh;
            fresh.recount(*m_store, parsed.query);
            QCOMPARE(counts.total(), fresh.total());
            QCOMPARE(counts.summary(), fresh.summary());
        }
        if (filter.isEmpty())
            QVERIFY2(counts.summary().contains(u"held 1"_s), qPrintable(counts.summary()));
    }
};

QTEST_MAIN(TestCallCounts)
#include "tst_ui_callcounts.moc"

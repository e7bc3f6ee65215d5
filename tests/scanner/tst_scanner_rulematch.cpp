// SPDX-License-Identifier: GPL-3.0-or-later
// Which rule answers a request: each condition alone and all together, the first match winning
// with a trace of why the rules before it did not, match limits, per-stage defaults, holds and
// held stages, globs, how rules and answers describe themselves, and editing the rule list.
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rulebooktest.h"
#include "tests/scanner/scannertest.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Decision;
using Mock::Delay;
using Mock::Fault;
using Mock::Rule;
using Mock::Rulebook;
using RulebookTest::bodyAnswer;
using RulebookTest::holdAnswer;
using RulebookTest::rule;
using ScannerTest::request;

class TestScannerRuleMatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesEachCondition_data();
    void matchesEachCondition();
    void firstMatchWinsWithTrace();
    void unnamedRulesAreNumbered();
    void timesLimitsMatches();
    void defaultAnswerPerStage();
    void holdPrecedence_data();
    void holdPrecedence();
    void globs_data();
    void globs();
    void describesConditions();
    void editingEmitsChanged();
};

void TestScannerRuleMatch::matchesEachCondition_data()
{
    QTest::addColumn<Rule>("candidate");
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("whyNot"); // "" when the rule must match

    using M = Mock::RuleMatch;
    const QString srcpt = u"stalwart/rcpt.json"_s;
    const QString sdata = u"stalwart/data.json"_s;
    const QString drcpt = u"draft01/rcpt.json"_s;
    const QString ddata = u"draft01/data.json"_s;

    QTest::addRow("stage match") << rule(u"r"_s, [](M &m) {
        m.stages = {Stage::Mail, Stage::Rcpt};
    }) << srcpt << QString();
    QTest::addRow("stage miss") << rule(u"r"_s, [](M &m) { m.stages = {Stage::Data}; }) << srcpt
                                << u"stage rcpt is not data"_s;
    QTest::addRow("stages miss") << rule(u"r"_s, [](M &m) {
        m.stages = {Stage::Connect, Stage::Ehlo};
    }) << drcpt << u"stage rcpt is not connect|ehlo"_s;
    QTest::addRow("dialect match")
        << rule(u"r"_s, [](M &m) { m.dialect = Dialect::Stalwart; }) << srcpt << QString();
    QTest::addRow("dialect miss") << rule(u"r"_s, [](M &m) { m.dialect = Dialect::Stalwart; })
                                  << drcpt << u"dialect draft-01 is not stalwart"_s;
    QTest::addRow("pointer exists")
        << rule(u"r"_s, [](M &m) { m.pointer = u"/tls/cipher"_s; }) << drcpt << QString();
    QTest::addRow("pointer missing") << rule(u"r"_s, [](M &m) { m.pointer = u"/queue/id"_s; })
                                     << drcpt << u"/queue/id is missing"_s;
    QTest::addRow("equals string") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/envelope/to/1/address"_s;
        m.equals = u"trent@lists.example.com"_s;
    }) << drcpt << QString();
    QTest::addRow("equals number") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/server/port"_s;
        m.equals = u"25"_s;
    }) << drcpt << QString();
    QTest::addRow("equals null") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/senderAuth/dkim"_s;
        m.equals = u"null"_s;
    }) << u"draft01/mail.json"_s << QString();
    QTest::addRow("equals miss") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/client/country"_s;
        m.equals = u"DE"_s;
    }) << drcpt << u"/client/country is \"NL\", not \"DE\""_s;
    QTest::addRow("equals is exact") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/client/country"_s;
        m.equals = u"nl"_s;
    }) << drcpt << u"/client/country is \"NL\", not \"nl\""_s;
    QTest::addRow("regex match") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/context/client/ip"_s;
        m.matches = u"^203\\.0\\.113\\."_s;
    }) << srcpt << QString();
    QTest::addRow("regex miss") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/context/client/ip"_s;
        m.matches = u"^10\\."_s;
    }) << srcpt << u"/context/client/ip \"203.0.113.50\" does not match /^10\\./"_s;
    QTest::addRow("regex on a number") << rule(u"r"_s, [](M &m) {
        m.pointer = u"/client/asn"_s;
        m.matches = u"^645\\d\\d$"_s;
    }) << drcpt << QString();
    QTest::addRow("from glob") << rule(u"r"_s, [](M &m) { m.fromGlob = u"*@EXAMPLE.net"_s; })
                               << srcpt << QString();
    QTest::addRow("from glob ?") << rule(u"r"_s, [](M &m) { m.fromGlob = u"rach?l@*"_s; }) << drcpt
                                 << QString();
    QTest::addRow("from miss") << rule(u"r"_s, [](M &m) { m.fromGlob = u"*@spam.example"_s; })
                               << srcpt
                               << u"sender <olivia@example.net> does not match *@spam.example"_s;
    QTest::addRow("from before mail") << rule(u"r"_s, [](M &m) { m.fromGlob = u"*"_s; })
                                      << u"stalwart/ehlo.json"_s << u"no envelope sender yet"_s;
    QTest::addRow("to any recipient")
        << rule(u"r"_s, [](M &m) { m.toGlob = u"*@sales.example.com"_s; }) << srcpt << QString();
    QTest::addRow("to first recipient")
        << rule(u"r"_s, [](M &m) { m.toGlob = u"sam@*"_s; }) << drcpt << QString();
    QTest::addRow("to miss") << rule(u"r"_s, [](M &m) { m.toGlob = u"*@example.org"_s; }) << srcpt
                             << u"no recipient matches *@example.org"_s;
    QTest::addRow("to at mail stage") << rule(u"r"_s, [](M &m) { m.toGlob = u"*"_s; })
                                      << u"stalwart/mail.json"_s << u"no recipient matches *"_s;
    QTest::addRow("header contains") << rule(u"r"_s, [](M &m) {
        m.headerName = u"x-spam-flag"_s;
        m.headerContains = u"yes"_s;
    }) << sdata << QString();
    QTest::addRow("folded header") << rule(u"r"_s, [](M &m) {
        m.headerName = u"Subject"_s;
        m.headerContains = u"for Peggy"_s;
    }) << sdata << QString();
    QTest::addRow("encoded header") << rule(u"r"_s, [](M &m) {
        m.headerName = u"Subject"_s;
        m.headerContains = u"café"_s;
    }) << ddata << QString();
    QTest::addRow("header miss") << rule(u"r"_s, [](M &m) {
        m.headerName = u"X-Priority"_s;
        m.headerContains = u"low"_s;
    }) << ddata << u"no X-Priority header contains \"low\""_s;
    QTest::addRow("header absent") << rule(u"r"_s, [](M &m) {
        m.headerName = u"X-Spam-Flag"_s;
        m.headerContains = u"yes"_s;
    }) << ddata << u"no X-Spam-Flag header contains \"yes\""_s;
    QTest::addRow("header before data") << rule(u"r"_s, [](M &m) {
        m.headerName = u"Subject"_s;
        m.headerContains = QString();
    }) << srcpt << u"no message to look for Subject in"_s;
    QTest::addRow("size in range") << rule(u"r"_s, [](M &m) {
        m.minSize = 100;
        m.maxSize = 1000;
    }) << sdata << QString();
    QTest::addRow("size exact bounds") << rule(u"r"_s, [](M &m) {
        m.minSize = 239;
        m.maxSize = 239;
    }) << ddata << QString();
    QTest::addRow("size too small") << rule(u"r"_s, [](M &m) { m.minSize = 1000; }) << ddata
                                    << u"message size 239 is outside 1000.."_s;
    QTest::addRow("size too large") << rule(u"r"_s, [](M &m) { m.maxSize = 238; }) << ddata
                                    << u"message size 239 is outside ..238"_s;
    QTest::addRow("size before data")
        << rule(u"r"_s, [](M &m) { m.maxSize = 10; }) << drcpt << u"no message to measure"_s;
    QTest::addRow("all together") << rule(u"r"_s, [](M &m) {
        m.stages = {Stage::Data};
        m.dialect = Dialect::Stalwart;
        m.pointer = u"/context/queue/id"_s;
        m.equals = u"3f2a9c1b7d"_s;
        m.fromGlob = u"olivia@*"_s;
        m.toGlob = u"peggy@example.com"_s;
        m.headerName = u"X-Spam-Flag"_s;
        m.headerContains = u"YES"_s;
        m.minSize = 1;
    }) << sdata << QString();
    QTest::addRow("all but one") << rule(u"r"_s, [](M &m) {
        m.stages = {Stage::Data};
        m.dialect = Dialect::Stalwart;
        m.fromGlob = u"olivia@*"_s;
        m.toGlob = u"nobody@example.com"_s;
    }) << sdata << u"no recipient matches nobody@example.com"_s;
    Rule disabled = rule(u"r"_s, [](M &) {});
    disabled.enabled = false;
    QTest::addRow("disabled") << disabled << srcpt << u"disabled"_s;
}

void TestScannerRuleMatch::matchesEachCondition()
{
    QFETCH(Rule, candidate);
    QFETCH(QString, fixture);
    QFETCH(QString, whyNot);

    const HookRequest req = request(fixture);
    QVERIFY2(req.isDecoded(), qPrintable(ScannerTest::describe(req.problems)));
    Rulebook book;
    book.setRules({candidate});
    const Decision decision = book.decide(req);
    if (whyNot.isEmpty()) {
        QCOMPARE(decision.ruleName, u"r"_s);
        QCOMPARE(decision.ruleIndex, 0);
        QCOMPARE(decision.answer, candidate.answer);
        QCOMPARE(decision.reason, candidate.describeConditions());
        QVERIFY(decision.trace.isEmpty());
    } else {
        QCOMPARE(decision.ruleName, u"default"_s);
        QCOMPARE(decision.ruleIndex, -1);
        QCOMPARE(decision.answer, Answer::fromPreset(Preset::Accept));
        QCOMPARE(decision.trace, QStringList {u"r: "_s + whyNot});
    }
}

void TestScannerRuleMatch::firstMatchWinsWithTrace()
{
    using M = Mock::RuleMatch;
    Rulebook book;
    book.setRules({
        rule(u"only data"_s, [](M &m) { m.stages = {Stage::Data}; }),
        rule(u"sender"_s, [](M &m) { m.fromGlob = u"*@spam.example"_s; }),
        rule(
            u"sales"_s, [](M &m) { m.toGlob = u"*@sales.example.com"_s; },
            Answer::fromPreset(Preset::Tempfail)),
        rule(
            u"everything"_s, [](M &) {}, Answer::fromPreset(Preset::Discard)),
    });
    const Decision decision = book.decide(request(u"stalwart/rcpt.json"_s));
    QCOMPARE(decision.ruleName, u"sales"_s);
    QCOMPARE(decision.ruleIndex, 2);
    QCOMPARE(decision.answer, Answer::fromPreset(Preset::Tempfail));
    QCOMPARE(decision.reason, u"to *@sales.example.com"_s);
    const QStringList trace {u"only data: stage rcpt is not data"_s,
        u"sender: sender <olivia@example.net> does not match *@spam.example"_s};
    QCOMPARE(decision.trace, trace);
    QCOMPARE(book.rules().at(2).hits, 1);
    QCOMPARE(book.rules().at(3).hits, 0);

    const Decision fallback = book.decide(request(u"stalwart/connect.json"_s));
    QCOMPARE(fallback.ruleName, u"everything"_s);
    QCOMPARE(fallback.reason, u"always"_s);
    QCOMPARE(fallback.trace.size(), 3);
    QCOMPARE(fallback.trace.at(1), u"sender: no envelope sender yet"_s);
    QCOMPARE(fallback.trace.at(2), u"sales: no recipient matches *@sales.example.com"_s);

    Rulebook empty;
    const Decision none = empty.decide(request(u"draft01/connect.json"_s));
    QCOMPARE(none.ruleName, u"default"_s);
    QCOMPARE(none.reason, u"no rule matched: the default answer for connect"_s);
    QVERIFY(none.trace.isEmpty());
}

void TestScannerRuleMatch::unnamedRulesAreNumbered()
{
    Rulebook book;
    book.setRules({rule(QString(), [](Mock::RuleMatch &m) { m.stages = {Stage::Data}; }),
        rule(QString(), [](Mock::RuleMatch &) {})});
    const Decision decision = book.decide(request(u"draft01/mail.json"_s));
    QCOMPARE(decision.ruleName, u"rule 2"_s);
    QCOMPARE(decision.trace, QStringList {u"rule 1: stage mail is not data"_s});
}

void TestScannerRuleMatch::timesLimitsMatches()
{
    Rulebook book;
    Rule once = rule(u"greylist"_s, [](Mock::RuleMatch &m) {
        m.stages = {Stage::Rcpt};
        m.times = 2;
    });
    book.setRules(
        {once, rule(u"data only"_s, [](Mock::RuleMatch &m) { m.stages = {Stage::Data}; })});
    const HookRequest rcpt = request(u"draft01/rcpt.json"_s);
    const HookRequest mail = request(u"draft01/mail.json"_s);

    QCOMPARE(book.decide(mail).ruleName, u"default"_s); // not matching does not count
    QCOMPARE(book.decide(rcpt).ruleName, u"greylist"_s);
    QCOMPARE(book.decide(rcpt).ruleName, u"greylist"_s);
    const Decision third = book.decide(rcpt);
    QCOMPARE(third.ruleName, u"default"_s);
    QCOMPARE(third.trace.first(), u"greylist: already answered 2 time(s)"_s);
    QCOMPARE(book.rules().first().hits, 2);

    book.resetHits();
    QCOMPARE(book.rules().first().hits, 0);
    QCOMPARE(book.decide(rcpt).ruleName, u"greylist"_s);
    // Replacing the rules starts the count again.
    book.setRules({once});
    QCOMPARE(book.decide(rcpt).ruleName, u"greylist"_s);
}

void TestScannerRuleMatch::defaultAnswerPerStage()
{
    Rulebook book;
    for (Stage stage : inboundStages() + outboundStages())
        QCOMPARE(book.defaultAnswer(stage), Answer::fromPreset(Preset::Accept));
    book.setDefaultAnswer(Stage::Data, Answer::fromPreset(Preset::Quarantine));
    QCOMPARE(book.decide(request(u"stalwart/data.json"_s)).answer,
        Answer::fromPreset(Preset::Quarantine));
    QCOMPARE(
        book.decide(request(u"stalwart/rcpt.json"_s)).answer, Answer::fromPreset(Preset::Accept));
    QCOMPARE(book.decide(request(u"draft01/data.json"_s)).reason,
        u"no rule matched: the default answer for data"_s);
}

void TestScannerRuleMatch::holdPrecedence_data()
{
    QTest::addColumn<QList<Rule>>("rules");
    QTest::addColumn<bool>("stageHeld");
    QTest::addColumn<bool>("holdDefault");
    QTest::addColumn<QString>("ruleName");
    QTest::addColumn<bool>("holds");
    QTest::addColumn<Answer>("suggested");
    QTest::addColumn<QString>("reason");

    const Answer reject = Answer::fromPreset(Preset::Reject);
    const Answer accept = Answer::fromPreset(Preset::Accept);
    const Answer quarantine = Answer::fromPreset(Preset::Quarantine);
    const Rule rejectRule = rule(u"block"_s, [](Mock::RuleMatch &m) { m.stages = {Stage::Rcpt}; });
    const Rule holdRule = rule(
        u"look"_s, [](Mock::RuleMatch &m) { m.stages = {Stage::Rcpt}; }, holdAnswer());
    const Rule otherStage = rule(
        u"look at data"_s, [](Mock::RuleMatch &m) { m.stages = {Stage::Data}; }, holdAnswer());

    QTest::addRow("nothing held") << QList<Rule> {rejectRule} << false << false << u"block"_s
                                  << false << reject << u"stage rcpt"_s;
    QTest::addRow("held stage wins over a rule")
        << QList<Rule> {rejectRule} << true << false << u"hold"_s << true << reject
        << u"rcpt is held (breakpoint); block would answer"_s;
    QTest::addRow("held stage, no rule")
        << QList<Rule> {} << true << false << u"hold"_s << true << quarantine
        << u"rcpt is held (breakpoint); default would answer"_s;
    QTest::addRow("hold rule") << QList<Rule> {holdRule} << false << false << u"look"_s << true
                               << quarantine << u"stage rcpt"_s;
    QTest::addRow("hold rule on a held stage")
        << QList<Rule> {holdRule} << true << false << u"look"_s << true << quarantine
        << u"stage rcpt"_s;
    QTest::addRow("hold rule of another stage")
        << QList<Rule> {otherStage} << false << false << u"default"_s << false << quarantine
        << u"no rule matched: the default answer for rcpt"_s;
    QTest::addRow("default that holds") << QList<Rule> {holdRule} << false << true << u"look"_s
                                        << true << accept << u"stage rcpt"_s;
}

void TestScannerRuleMatch::holdPrecedence()
{
    QFETCH(QList<Rule>, rules);
    QFETCH(bool, stageHeld);
    QFETCH(bool, holdDefault);
    QFETCH(QString, ruleName);
    QFETCH(bool, holds);
    QFETCH(Answer, suggested);
    QFETCH(QString, reason);

    Rulebook book;
    book.setRules(rules);
    book.setDefaultAnswer(
        Stage::Rcpt, holdDefault ? holdAnswer() : Answer::fromPreset(Preset::Quarantine));
    book.setHeld(Stage::Rcpt, stageHeld);
    book.setHeld(Stage::Mail, true); // another stage's switch changes nothing here
    QCOMPARE(book.isHeld(Stage::Rcpt), stageHeld);
    const Decision decision = book.decide(request(u"draft01/rcpt.json"_s));
    QCOMPARE(decision.ruleName, ruleName);
    QCOMPARE(decision.answer.kind == Answer::Kind::Hold, holds);
    QCOMPARE(decision.suggested, suggested);
    QCOMPARE(decision.reason, reason);
}

void TestScannerRuleMatch::globs_data()
{
    QTest::addColumn<QString>("glob");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("matches");

    QTest::addRow("star") << u"*@example.com"_s << u"a@example.com"_s << true;
    QTest::addRow("case") << u"*@Example.COM"_s << u"a@example.com"_s << true;
    QTest::addRow("star spans dots and slashes") << u"a*z"_s << u"a.b/c@d/z"_s << true;
    QTest::addRow("question") << u"?@x"_s << u"ab@x"_s << false;
    QTest::addRow("question one") << u"??@x"_s << u"ab@x"_s << true;
    QTest::addRow("anchored") << u"example.com"_s << u"a@example.com"_s << false;
    QTest::addRow("regex characters are literal") << u"a+b@(x).com"_s << u"a+b@(x).com"_s << true;
    QTest::addRow("dot is literal") << u"a.c"_s << u"abc"_s << false;
    QTest::addRow("empty text") << u"*"_s << QString() << true;
    QTest::addRow("newline") << u"*"_s << u"a\nb"_s << true;
}

void TestScannerRuleMatch::globs()
{
    QFETCH(QString, glob);
    QFETCH(QString, text);
    QFETCH(bool, matches);
    QCOMPARE(Mock::globMatches(glob, text), matches);
}

void TestScannerRuleMatch::describesConditions()
{
    const Rule r = rule(u"r"_s, [](Mock::RuleMatch &m) {
        m.stages = {Stage::Mail, Stage::Rcpt};
        m.dialect = Dialect::Draft02;
        m.pointer = u"/client/ip"_s;
        m.equals = u"192.0.2.1"_s;
        m.fromGlob = u"*@a"_s;
        m.toGlob = u"*@b"_s;
        m.headerName = u"Subject"_s;
        m.headerContains = u"hi"_s;
        m.minSize = 10;
        m.times = 3;
    });
    QCOMPARE(r.describeConditions(),
        u"stage mail|rcpt, dialect draft-02, /client/ip = 192.0.2.1, from *@a, to *@b, "
        "Subject contains \"hi\", size 10.., first 3 times"_s);

    Answer answer = Answer::fromPreset(Preset::Tempfail);
    answer.delay = {Delay::Kind::Random, 0, 5, 9};
    QCOMPARE(answer.describe(), u"Tempfail 451 4.7.1 after 5–9 ms"_s);
    answer.fault = Fault::Http503;
    answer.delay = {Delay::Kind::PastTimeout, 0, 0, 0};
    QCOMPARE(answer.describe(), u"fault: http-503 just past the MTA's timeout"_s);
    QCOMPARE(holdAnswer().describe(), u"hold for the user"_s);
    QCOMPARE(bodyAnswer("x", {}, 418).describe(), u"canned body, HTTP 418"_s);
}

void TestScannerRuleMatch::editingEmitsChanged()
{
    Rulebook book;
    QSignalSpy changed(&book, &Rulebook::changed);
    const Rule a = rule(u"a"_s, [](Mock::RuleMatch &) {});
    const Rule b = rule(u"b"_s, [](Mock::RuleMatch &) {});
    book.insertRule(0, a);
    book.insertRule(99, b); // clamped: appended
    QCOMPARE(book.rules(), (QList<Rule> {a, b}));
    book.moveRule(1, 0);
    QCOMPARE(book.rules(), (QList<Rule> {b, a}));
    book.replaceRule(0, a);
    book.removeRule(1);
    QCOMPARE(book.rules(), QList<Rule> {a});
    book.removeRule(5); // out of range: nothing
    book.moveRule(0, 3);
    book.setHeld(Stage::Data, true);
    book.setHeld(Stage::Data, true); // no change, no signal
    QCOMPARE(changed.count(), 6);
}

QTEST_GUILESS_MAIN(TestScannerRuleMatch)
#include "tst_scanner_rulematch.moc"

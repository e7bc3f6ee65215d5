// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/scannertest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Decision;
using Mock::Delay;
using Mock::Fault;
using Mock::Rule;
using Mock::Rulebook;
using ScannerTest::request;

namespace {

Rule rule(const QString &name, const std::function<void(Mock::RuleMatch &)> &when,
    Answer answer = Answer::fromPreset(Preset::Reject))
{
    Rule r;
    r.name = name;
    when(r.when);
    r.answer = answer;
    return r;
}

Answer holdAnswer()
{
    Answer answer;
    answer.kind = Answer::Kind::Hold;
    return answer;
}

Answer bodyAnswer(const QByteArray &body, const QByteArray &contentType = {}, int status = 200)
{
    Answer answer;
    answer.kind = Answer::Kind::Body;
    answer.body = body;
    answer.contentType = contentType;
    answer.httpStatus = status;
    return answer;
}

QJsonObject jsonObject(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

// How an MTA of the request's dialect reads an answer we rendered.
Outcome judge(const Mock::RenderedAnswer &rendered, const HookRequest &request, Problems *problems)
{
    DecodeOptions options;
    options.requestDialect = request.dialect;
    options.requestStage = request.stage;
    const HookResponse response
        = decodeResponse(rendered.body, rendered.contentType, rendered.httpStatus, options);
    *problems = response.problems;
    return apply(request, response);
}

} // namespace

class TestRulebook : public QObject
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
    void templates_data();
    void templates();
    void templateEscapesInsideStrings();
    void presets_data();
    void presets();
    void bodyAnswers_data();
    void bodyAnswers();
    void delays_data();
    void delays();
    void rulesFileRoundTrip();
    void documentedExampleIsTheFixture();
    void rulesFileDefaultsWhenAbsent();
    void rulesFileErrors_data();
    void rulesFileErrors();
    void rulesFileUnreadable();
    void globs_data();
    void globs();
    void describesConditions();
    void editingEmitsChanged();
};

void TestRulebook::matchesEachCondition_data()
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

void TestRulebook::matchesEachCondition()
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

void TestRulebook::firstMatchWinsWithTrace()
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

void TestRulebook::unnamedRulesAreNumbered()
{
    Rulebook book;
    book.setRules({rule(QString(), [](Mock::RuleMatch &m) { m.stages = {Stage::Data}; }),
        rule(QString(), [](Mock::RuleMatch &) {})});
    const Decision decision = book.decide(request(u"draft01/mail.json"_s));
    QCOMPARE(decision.ruleName, u"rule 2"_s);
    QCOMPARE(decision.trace, QStringList {u"rule 1: stage mail is not data"_s});
}

void TestRulebook::timesLimitsMatches()
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

void TestRulebook::defaultAnswerPerStage()
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

void TestRulebook::holdPrecedence_data()
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

void TestRulebook::holdPrecedence()
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

void TestRulebook::templates_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("expected");

    QTest::addRow("no placeholder") << QByteArray(R"({"set":[]})") << QByteArray(R"({"set":[]})");
    QTest::addRow("string in string") << QByteArray(R"({"m":"from {{/envelope/from/address}}"})")
                                      << QByteArray(R"({"m":"from rachel@example.org"})");
    QTest::addRow("number in string")
        << QByteArray(R"({"m":"port {{/server/port}}!"})") << QByteArray(R"({"m":"port 25!"})");
    QTest::addRow("number as value")
        << QByteArray(R"({"p":{{/server/port}}})") << QByteArray(R"({"p":25})");
    QTest::addRow("string as value")
        << QByteArray(R"({"s":{{/stage}}})") << QByteArray(R"({"s":"rcpt"})");
    QTest::addRow("object as value")
        << QByteArray(R"({"r":{{/response}}})")
        << QByteArray(R"({"r":{"code":250,"enhancedCode":"2.1.5","message":"OK"}})");
    QTest::addRow("object in string") << QByteArray(R"({"r":"{{/envelope/to/1/parameters}}"})")
                                      << QByteArray(R"({"r":"{\"NOTIFY\":\"NEVER\"}"})");
    QTest::addRow("missing in string")
        << QByteArray(R"({"q":"[{{/queue/id}}]"})") << QByteArray(R"({"q":"[]"})");
    QTest::addRow("missing as value")
        << QByteArray(R"({"q":{{/queue/id}}})") << QByteArray(R"({"q":null})");
    QTest::addRow("spaces in braces")
        << QByteArray(R"({"s":"{{ /stage }}"})") << QByteArray(R"({"s":"rcpt"})");
    QTest::addRow("after an escaped quote")
        << QByteArray(R"({"s":"a\"{{/stage}}"})") << QByteArray(R"({"s":"a\"rcpt"})");
    QTest::addRow("after an escaped backslash") << QByteArray(R"({"s":"a\\",  "t":{{/stage}}})")
                                                << QByteArray(R"({"s":"a\\",  "t":"rcpt"})");
    QTest::addRow("several") << QByteArray(R"({{/stage}}-{{/client/country}})")
                             << QByteArray(R"("rcpt"-"NL")");
    QTest::addRow("escaped pointer") << QByteArray(R"({"x":"{{/envelope/to/1/address}}"})")
                                     << QByteArray(R"({"x":"trent@lists.example.com"})");
    QTest::addRow("unterminated") << QByteArray(R"({"s":"{{/stage"})")
                                  << QByteArray(R"({"s":"{{/stage"})");
    QTest::addRow("plain text") << QByteArray("Stage {{/stage}} ok")
                                << QByteArray("Stage \"rcpt\" ok");
}

void TestRulebook::templates()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, expected);
    const HookRequest req = request(u"draft01/rcpt.json"_s);
    QCOMPARE(Mock::renderTemplate(text, req.document), expected);
}

void TestRulebook::templateEscapesInsideStrings()
{
    // Stalwart header values carry quotes, CRLFs and a folded line: inside a JSON string they
    // must come out escaped, so the answer stays valid JSON and reads back as the value itself.
    const HookRequest req = request(u"stalwart/data.json"_s);
    const QString subject = req.document.value(u"/message/headers/2/1").toString();
    QVERIFY(subject.contains(u'"'));
    QVERIFY(subject.contains(u"\r\n"_s));
    const QByteArray rendered = Mock::renderTemplate(
        R"({"action":"reject","response":{"status":550,"message":"subject {{/message/headers/2/1}}"}})",
        req.document);
    QVERIFY2(!rendered.contains("\r\n"), rendered.constData());
    QVERIFY2(rendered.contains(R"(Invoice \"2026-03\" for\r\n Peggy\r\n)"), rendered.constData());
    const Document parsed = Document::fromJson(rendered);
    QVERIFY2(parsed.isValid(), rendered.constData());
    QCOMPARE(parsed.value(u"/response/message").toString(), u"subject "_s + subject);

    // Non-ASCII and control characters survive a string too.
    const HookRequest draft = request(u"draft01/data.json"_s);
    const QByteArray cafe = Mock::renderTemplate(R"(["{{/message/subject}}"])", draft.document);
    QCOMPARE(Document::fromJson(cafe).value(u"/0").toString(), u"Café order"_s);
}

void TestRulebook::presets_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<bool>("cbor");
    QTest::addColumn<Dialect>("draftAnswers"); // for draft requests: -01 objects or -02 arrays
    QTest::addColumn<QString>("presetName");
    QTest::addColumn<Dialect>("answerDialect");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("replyCode");

    struct Case
    {
        const char *name;
        Preset preset;
        Verdict verdict;
        int stalwartCode; // reply code an MTA of each dialect ends up with (0: none asserted)
        int draftCode;
    };
    // Verdict presets at rcpt; message edits at data.
    const QList<Case> verdicts {
        {"accept", Preset::Accept, Verdict::Accept, 0, 0},
        {"reject", Preset::Reject, Verdict::Reject, 550, 550},
        {"tempfail", Preset::Tempfail, Verdict::Tempfail, 451, 451},
        {"discard", Preset::Discard, Verdict::Discard, 0, 0},
        {"quarantine", Preset::Quarantine, Verdict::Quarantine, 0, 0},
    };
    const QList<Case> edits {
        {"add-header", Preset::AddHeader, Verdict::Accept, 0, 0},
        {"tag-subject", Preset::TagSubject, Verdict::Accept, 0, 0},
        {"drop-recipient", Preset::DropRecipient, Verdict::Accept, 0, 0},
        {"replace-body", Preset::ReplaceBody, Verdict::Accept, 0, 0},
    };
    for (const Case &c : verdicts) {
        QTest::addRow("stalwart %s", c.name)
            << u"stalwart/rcpt.json"_s << false << Dialect::Draft01 << presetName(c.preset)
            << Dialect::Stalwart << c.verdict << c.stalwartCode;
        for (const bool cbor : {false, true}) {
            for (const Dialect draft : {Dialect::Draft01, Dialect::Draft02}) {
                QTest::addRow(
                    "%s %s %s", qPrintable(dialectName(draft)), cbor ? "cbor" : "json", c.name)
                    << u"draft01/rcpt.json"_s << cbor << draft << presetName(c.preset) << draft
                    << c.verdict << c.draftCode;
            }
        }
    }
    for (const Case &c : edits) {
        QTest::addRow("stalwart %s", c.name)
            << u"stalwart/data.json"_s << false << Dialect::Draft01 << presetName(c.preset)
            << Dialect::Stalwart << c.verdict << 0;
        for (const bool cbor : {false, true}) {
            for (const Dialect draft : {Dialect::Draft01, Dialect::Draft02}) {
                QTest::addRow(
                    "%s %s %s", qPrintable(dialectName(draft)), cbor ? "cbor" : "json", c.name)
                    << u"draft01/data.json"_s << cbor << draft << presetName(c.preset) << draft
                    << c.verdict << 0;
            }
        }
    }
    QTest::addRow("stalwart disconnect")
        << u"stalwart/rcpt.json"_s << false << Dialect::Draft01 << u"disconnect"_s
        << Dialect::Stalwart << Verdict::Tempfail << 421;
    QTest::addRow("draft-01 disconnect")
        << u"draft01/rcpt.json"_s << false << Dialect::Draft01 << u"disconnect"_s
        << Dialect::Draft01 << Verdict::Disconnect << 0;
    QTest::addRow("draft-02 cbor disconnect")
        << u"draft01/rcpt.json"_s << true << Dialect::Draft02 << u"disconnect"_s << Dialect::Draft02
        << Verdict::Disconnect << 0;
    QTest::addRow("outbound reject") << u"draft01/delivery.json"_s << false << Dialect::Draft01
                                     << u"reject"_s << Dialect::Draft01 << Verdict::Cancel << 0;
    QTest::addRow("outbound accept") << u"draft01/defer.json"_s << true << Dialect::Draft02
                                     << u"accept"_s << Dialect::Draft02 << Verdict::Continue << 0;
    QTest::addRow("outbound drop-recipient")
        << u"draft01/delivery.json"_s << false << Dialect::Draft01 << u"drop-recipient"_s
        << Dialect::Draft01 << Verdict::Continue << 0;
}

void TestRulebook::presets()
{
    QFETCH(QString, fixture);
    QFETCH(bool, cbor);
    QFETCH(Dialect, draftAnswers);
    QFETCH(QString, presetName);
    QFETCH(Dialect, answerDialect);
    QFETCH(Verdict, verdict);
    QFETCH(int, replyCode);

    const Preset preset = presetFromName(presetName).value();
    const HookRequest req = request(fixture, cbor);
    QVERIFY2(req.isDecoded(), qPrintable(ScannerTest::describe(req.problems)));
    QCOMPARE(req.encoding, cbor ? Encoding::Cbor : Encoding::Json);
    Rulebook book;
    book.setDraftAnswerDialect(draftAnswers);
    const Mock::RenderedAnswer rendered = book.render(Answer::fromPreset(preset), req);
    QCOMPARE(rendered.httpStatus, 200);
    QCOMPARE(rendered.contentType,
        cbor ? QByteArray("application/cbor") : QByteArray("application/json"));
    QVERIFY(!rendered.body.isEmpty());
    const Document document
        = cbor ? Document::fromCbor(rendered.body) : Document::fromJson(rendered.body);
    QVERIFY2(document.isValid(), rendered.body.toHex().constData());
    QCOMPARE(detectResponseDialect(document), answerDialect);

    Problems problems;
    const Outcome outcome = judge(rendered, req, &problems);
    QVERIFY2(!outcome.malformed,
        qPrintable(ScannerTest::describe(problems + outcome.problems) + u'\n'
            + QString::fromUtf8(document.toJson())));
    QVERIFY2(ScannerTest::errorCount(problems) == 0, qPrintable(ScannerTest::describe(problems)));
    QCOMPARE(outcome.verdict, verdict);
    if (replyCode != 0)
        QCOMPARE(outcome.reply.code, replyCode);

    switch (preset) {
    case Preset::AddHeader:
        QVERIFY(outcome.messageChanged);
        QVERIFY2(outcome.message.contains("X-Hookscope: scanned\r\n"), outcome.message.constData());
        QVERIFY(outcome.message.endsWith(req.rawMessage.mid(req.rawMessage.indexOf("\r\n\r\n"))));
        break;
    case Preset::TagSubject:
        QVERIFY(outcome.messageChanged);
        if (req.dialect == Dialect::Stalwart)
            QVERIFY2(
                outcome.message.contains("\r\nSubject: [SPAM] Invoice \"2026-03\" for Peggy\r\n"),
                outcome.message.constData());
        else
            QCOMPARE(
                outcome.document.value(u"/message/subject").toString(), u"[SPAM] Café order"_s);
        break;
    case Preset::ReplaceBody:
        QVERIFY(outcome.messageChanged);
        QVERIFY2(outcome.message.endsWith("\r\n\r\nThis message was replaced by Hookscope.\r\n"),
            outcome.message.constData());
        QVERIFY(
            outcome.message.startsWith(req.rawMessage.left(req.rawMessage.indexOf("\r\n\r\n"))));
        break;
    case Preset::DropRecipient:
        if (req.direction() == Direction::Outbound) {
            QCOMPARE(outcome.envelope.to.size(), req.envelope.to.size());
            QCOMPARE(outcome.envelope.to.last().status, u"failed-silent"_s);
        } else {
            QVERIFY(outcome.envelopeChanged);
            QCOMPARE(outcome.envelope.to.size(), req.envelope.to.size() - 1);
            QCOMPARE(outcome.envelope.to.first().address, req.envelope.to.first().address);
        }
        break;
    default:
        // Verdicts leave the message alone (a refused recipient may leave the envelope).
        QVERIFY(!outcome.messageChanged);
        break;
    }
}

void TestRulebook::bodyAnswers_data()
{
    QTest::addColumn<bool>("cbor");
    QTest::addColumn<Answer>("answer");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body"); // the JSON form when the answer goes out as CBOR

    const QByteArray reject = R"({"set":[{"path":"/action","value":"reject"}]})";
    QTest::addRow("json") << false << bodyAnswer(reject) << 200 << QByteArray("application/json")
                          << reject;
    QTest::addRow("cbor request") << true << bodyAnswer(reject) << 200
                                  << QByteArray("application/cbor") << reject;
    QTest::addRow("template into cbor")
        << true << bodyAnswer(R"({"set":[{"path":"/response/message","value":"{{/stage}}"}]})")
        << 200 << QByteArray("application/cbor")
        << QByteArray(R"({"set":[{"path":"/response/message","value":"rcpt"}]})");
    QTest::addRow("explicit type stays") << true << bodyAnswer(reject, "application/json") << 200
                                         << QByteArray("application/json") << reject;
    QTest::addRow("not json stays text") << true << bodyAnswer("nope", {}, 422) << 422
                                         << QByteArray("application/cbor") << QByteArray("nope");
    QTest::addRow("status and type")
        << false << bodyAnswer("I'm a teapot", "text/plain", 418) << 418 << QByteArray("text/plain")
        << QByteArray("I'm a teapot");
    Answer preset = Answer::fromPreset(Preset::Reject);
    preset.httpStatus = 299;
    QTest::addRow("preset with a status")
        << false << preset << 299 << QByteArray("application/json")
        << QByteArray(
               R"({"set":[{"path":"/action","value":"reject"},{"path":"/response","value":{"code":550,"enhancedCode":"5.7.1","message":"Rejected by policy"}}]})");
}

void TestRulebook::bodyAnswers()
{
    QFETCH(bool, cbor);
    QFETCH(Answer, answer);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);

    Rulebook book;
    const Mock::RenderedAnswer rendered
        = book.render(answer, request(u"draft01/rcpt.json"_s, cbor));
    QCOMPARE(rendered.httpStatus, status);
    QCOMPARE(rendered.contentType, contentType);
    if (contentType == "application/cbor" && Document::fromJson(body).isValid())
        QCOMPARE(Document::fromCbor(rendered.body), Document::fromJson(body));
    else
        QCOMPARE(rendered.body, body);
}

void TestRulebook::delays_data()
{
    QTest::addColumn<Delay>("delay");
    QTest::addColumn<int>("mtaTimeout");
    QTest::addColumn<qint64>("low");
    QTest::addColumn<qint64>("high");

    QTest::addRow("none") << Delay {} << 30000 << qint64(0) << qint64(0);
    QTest::addRow("fixed") << Delay {Delay::Kind::Fixed, 250, 0, 0} << 30000 << qint64(250)
                           << qint64(250);
    QTest::addRow("random") << Delay {Delay::Kind::Random, 0, 100, 140} << 30000 << qint64(100)
                            << qint64(140);
    QTest::addRow("random single value")
        << Delay {Delay::Kind::Random, 0, 7, 7} << 30000 << qint64(7) << qint64(7);
    QTest::addRow("past the timeout")
        << Delay {Delay::Kind::PastTimeout, 0, 0, 0} << 5000 << qint64(6000) << qint64(6000);
}

void TestRulebook::delays()
{
    QFETCH(Delay, delay);
    QFETCH(int, mtaTimeout);
    QFETCH(qint64, low);
    QFETCH(qint64, high);

    Rulebook book;
    book.setMtaTimeoutMs(mtaTimeout);
    Answer answer;
    answer.delay = delay;
    QSet<qint64> seen;
    for (int i = 0; i < 200; ++i) {
        const qint64 ms = book.delayMs(answer);
        QVERIFY2(ms >= low && ms <= high, qPrintable(QString::number(ms)));
        seen.insert(ms);
    }
    if (delay.kind == Delay::Kind::Random && high > low)
        QVERIFY(seen.size() > 1); // 200 draws from 41 values: all equal would be a bug
}

void TestRulebook::rulesFileRoundTrip()
{
    const QByteArray file = ScannerTest::fixture(u"rules/complete.json"_s);
    Rulebook book;
    QString error;
    QVERIFY2(book.load(TestSupport::dataPath(u"scanner/rules/complete.json"_s), &error),
        qPrintable(error));

    // Everything written in the file was read: writing it back gives the same document.
    QCOMPARE(book.toJson(), jsonObject(file));

    QCOMPARE(book.rules().size(), 22);
    QCOMPARE(book.holdTimeoutMs(), 60000);
    QCOMPARE(book.mtaTimeoutMs(), 30000);
    QCOMPARE(book.draftAnswerDialect(), Dialect::Draft01);
    QCOMPARE(book.heldStages(), QSet<Stage> {Stage::Ehlo});
    QCOMPARE(book.defaultAnswer(Stage::Data), Answer::fromPreset(Preset::AddHeader));
    QCOMPARE(book.defaultAnswer(Stage::Delivery).delay, (Delay {Delay::Kind::Fixed, 50, 0, 0}));
    QCOMPARE(book.defaultAnswer(Stage::Rcpt), Answer::fromPreset(Preset::Accept));

    const auto named = [&book](const QString &name) {
        for (const Rule &r : book.rules()) {
            if (r.name == name)
                return r;
        }
        return Rule();
    };
    QCOMPARE(named(u"Greylist the sales team once"_s).when.times, 1);
    QCOMPARE(named(u"Spam flag"_s).when.headerName, u"X-Spam-Flag"_s);
    QCOMPARE(named(u"Big messages"_s).when.minSize, qint64(10485760));
    QCOMPARE(named(u"Big messages"_s).when.maxSize, qint64(-1));
    QCOMPARE(named(u"Big messages"_s).answer.delay, (Delay {Delay::Kind::Random, 0, 100, 400}));
    QVERIFY(!named(u"Small messages"_s).enabled);
    QCOMPARE(named(u"Drop the archive copy"_s).when.dialect, Dialect::Stalwart);
    QCOMPARE(named(u"Teapot"_s).answer.httpStatus, 418);
    QCOMPARE(named(u"Teapot"_s).answer.contentType, QByteArray("text/plain"));
    QCOMPARE(named(u"Too slow for the MTA"_s).answer.delay.kind, Delay::Kind::PastTimeout);
    QCOMPARE(named(u"Look at it"_s).answer.kind, Answer::Kind::Hold);
    QCOMPARE(named(u"Overloaded"_s).answer.fault, Fault::Http503);
    QCOMPARE(named(u"Overloaded"_s).answer.retryAfterSeconds, 30);
    QCOMPARE(named(u"Custom draft answer"_s).answer.kind, Answer::Kind::Body);
    QVERIFY(named(u"Custom draft answer"_s).answer.body.contains("{{/envelope/to/0/address}}"));
    QSet<Fault> faults;
    QSet<Preset> presets;
    for (const Rule &r : book.rules()) {
        faults.insert(r.answer.fault);
        if (r.answer.kind == Answer::Kind::Preset)
            presets.insert(r.answer.preset);
    }
    for (Fault fault : Mock::allFaults())
        QVERIFY2(faults.contains(fault), qPrintable(Mock::faultName(fault)));
    presets.insert(book.defaultAnswer(Stage::Data).preset);
    for (Preset preset : allPresets())
        QVERIFY2(presets.contains(preset), qPrintable(presetName(preset)));

    // Saved and loaded again: the same rulebook.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"rules.json"_s);
    QVERIFY2(book.save(path, &error), qPrintable(error));
    Rulebook again;
    QVERIFY2(again.load(path, &error), qPrintable(error));
    QCOMPARE(again.rules(), book.rules());
    QCOMPARE(again.toJson(), book.toJson());
    QCOMPARE(again.heldStages(), book.heldStages());
    for (Stage stage : inboundStages() + outboundStages())
        QCOMPARE(again.defaultAnswer(stage), book.defaultAnswer(stage));

    // The rules work as documented on the fixtures.
    const Decision invoice = again.decide(request(u"stalwart/data.json"_s));
    QCOMPARE(invoice.ruleName, u"Spam flag"_s);
    const Decision custom = again.decide(request(u"draft01/rcpt.json"_s));
    QCOMPARE(custom.ruleName, u"Custom draft answer"_s);
    const QByteArray rendered = again.render(custom.answer, request(u"draft01/rcpt.json"_s)).body;
    QCOMPARE(Document::fromJson(rendered).value(u"/set/1/value/message").toString(),
        u"no mailbox sam@example.com"_s);
}

void TestRulebook::documentedExampleIsTheFixture()
{
    // docs/rules-format.md shows the fixture in full: they must not drift apart.
    const QByteArray doc
        = TestSupport::readFile(TestSupport::dataPath(u"../../docs/rules-format.md"_s));
    QVERIFY(!doc.isEmpty());
    const qsizetype section = doc.indexOf("## Complete example");
    QVERIFY(section > 0);
    const qsizetype start = doc.indexOf("```json\n", section);
    QVERIFY(start > 0);
    const qsizetype end = doc.indexOf("\n```", start + 8);
    QVERIFY(end > start);
    const QJsonObject example = jsonObject(doc.mid(start + 8, end - start - 8));
    QVERIFY(!example.isEmpty());
    QCOMPARE(example, jsonObject(ScannerTest::fixture(u"rules/complete.json"_s)));
    Rulebook book;
    QString error;
    QVERIFY2(book.fromJson(example, &error), qPrintable(error));
}

void TestRulebook::rulesFileDefaultsWhenAbsent()
{
    Rulebook book;
    book.setHoldTimeoutMs(5);
    book.setHeld(Stage::Data, true);
    QString error;
    QVERIFY(book.fromJson(jsonObject(R"({"format":"hookscope-rules","version":1})"), &error));
    QVERIFY(book.rules().isEmpty());
    QVERIFY(book.heldStages().isEmpty());
    QCOMPARE(book.holdTimeoutMs(), 30000);
    QCOMPARE(book.mtaTimeoutMs(), 30000);
    QCOMPARE(book.draftAnswerDialect(), Dialect::Draft01);

    // A minimal rule: no conditions, no answer given (accept).
    QVERIFY(book.fromJson(
        jsonObject(R"({"format":"hookscope-rules","version":1,"draftAnswerDialect":"draft-02",
                      "rules":[{"name":"x"}]})"),
        &error));
    QCOMPARE(book.draftAnswerDialect(), Dialect::Draft02);
    QCOMPARE(book.rules().size(), 1);
    QVERIFY(book.rules().first().enabled);
    QCOMPARE(book.rules().first().answer, Answer::fromPreset(Preset::Accept));
    QCOMPARE(book.rules().first().describeConditions(), u"always"_s);
}

void TestRulebook::rulesFileErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    const auto wrap = [](const char *rules) -> QByteArray {
        return QByteArray(R"({"format":"hookscope-rules","version":1,"rules":[)") + rules + "]}";
    };
    QTest::addRow("not ours")
        << QByteArray(R"({"rules":[]})")
        << u"not a Hookscope rules file (\"format\" is not \"hookscope-rules\")"_s;
    QTest::addRow("newer version") << QByteArray(R"({"format":"hookscope-rules","version":2})")
                                   << u"unsupported rules file version 2"_s;
    QTest::addRow("default stage")
        << QByteArray(R"({"format":"hookscope-rules","version":1,"defaults":{"helo":{}}})")
        << u"defaults: unknown stage \"helo\""_s;
    QTest::addRow("default answer") << QByteArray(
        R"({"format":"hookscope-rules","version":1,"defaults":{"data":{"preset":"nope"}}})")
                                    << u"defaults/data: unknown preset \"nope\""_s;
    QTest::addRow("hold stage") << QByteArray(
        R"({"format":"hookscope-rules","version":1,"hold":["DATA"]})")
                                << u"hold: unknown stage \"DATA\""_s;
    QTest::addRow("rule stage") << wrap(R"({"name":"a"},{"when":{"stages":["rcpt","rctp"]}})")
                                << u"rules/1: unknown stage \"rctp\""_s;
    QTest::addRow("dialect") << wrap(R"({"when":{"dialect":"draft-03"}})")
                             << u"rules/0: unknown dialect \"draft-03\""_s;
    QTest::addRow("regex") << wrap(
        R"({"when":{"pointer":{"path":"/stage","matches":"(unclosed"}}})")
                           << u"rules/0: invalid regular expression: (unclosed"_s;
    QTest::addRow("pointer") << wrap(R"({"when":{"pointer":{"path":"stage","equals":"rcpt"}}})")
                             << u"rules/0: a JSON Pointer starts with '/': stage"_s;
    QTest::addRow("pointer without path")
        << wrap(R"({"when":{"pointer":{"equals":"rcpt"}}})")
        << u"rules/0: a pointer condition needs a \"path\" (a JSON Pointer such as /context/stage)"_s;
    QTest::addRow("header without name")
        << wrap(R"({"when":{"header":{"naMe":"Subject","contains":"x"}}})")
        << u"rules/0: a header condition needs a \"name\" (such as Subject)"_s;
    QTest::addRow("preset") << wrap(R"({"answer":{"preset":"bounce"}})")
                            << u"rules/0: unknown preset \"bounce\""_s;
    QTest::addRow("fault") << wrap(R"({"answer":{"fault":"slow"}})")
                           << u"rules/0: unknown fault \"slow\""_s;
    QTest::addRow("status") << wrap(R"({"answer":{"status":42}})")
                            << u"rules/0: status must be an HTTP status code"_s;
    QTest::addRow("delay range") << wrap(R"({"answer":{"delay":{"min":500,"max":100}}})")
                                 << u"rules/0: delay max is below min"_s;
}

void TestRulebook::rulesFileErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);

    Rulebook book;
    const Rule keep = rule(u"keep me"_s, [](Mock::RuleMatch &) {});
    book.setRules({keep});
    book.setHoldTimeoutMs(1234);
    QSignalSpy changed(&book, &Rulebook::changed);
    QString message;
    QVERIFY(!book.fromJson(jsonObject(json), &message));
    QCOMPARE(message, error);
    // A file that fails changes nothing.
    QCOMPARE(book.rules(), QList<Rule> {keep});
    QCOMPARE(book.holdTimeoutMs(), 1234);
    QCOMPARE(changed.count(), 0);

    // The same through a file.
    QTemporaryDir dir;
    QFile file(dir.filePath(u"bad.json"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(json);
    file.close();
    QVERIFY(!book.load(file.fileName(), &message));
    QCOMPARE(message, error);
}

void TestRulebook::rulesFileUnreadable()
{
    QTemporaryDir dir;
    Rulebook book;
    QString error;
    const QString missing = dir.filePath(u"missing.json"_s);
    QVERIFY(!book.load(missing, &error));
    QVERIFY2(error.startsWith(u"cannot read "_s + missing), qPrintable(error));

    QFile file(dir.filePath(u"broken.json"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format":"hookscope-rules",)");
    file.close();
    QVERIFY(!book.load(file.fileName(), &error));
    QVERIFY2(error.startsWith(file.fileName() + u": parse error at line 1"_s), qPrintable(error));

    QVERIFY(!book.save(dir.filePath(u"no/such/dir/rules.json"_s), &error));
    QVERIFY2(error.startsWith(u"cannot write "_s), qPrintable(error));
}

void TestRulebook::globs_data()
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

void TestRulebook::globs()
{
    QFETCH(QString, glob);
    QFETCH(QString, text);
    QFETCH(bool, matches);
    QCOMPARE(Mock::globMatches(glob, text), matches);
}

void TestRulebook::describesConditions()
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

void TestRulebook::editingEmitsChanged()
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

QTEST_GUILESS_MAIN(TestRulebook)
#include "tst_scanner_rulebook.moc"

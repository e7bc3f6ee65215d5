// SPDX-License-Identifier: GPL-3.0-or-later
// Rules answered by JavaScript (QJSEngine): the call a script sees, the answers it builds, "not
// me", state across a session, failures that answer with the stage default, and the budgets.
#include "mock/protocol/document.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/scannertest.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Decision;
using Mock::Rule;
using ScannerTest::request;

namespace {

Rule scriptRule(const QString &name, const QString &source)
{
    Rule rule;
    rule.name = name;
    rule.answer.kind = Answer::Kind::Script;
    rule.answer.script = source;
    return rule;
}

bool hasProblemWith(const Decision &decision, const QString &text)
{
    for (const Problem &problem : decision.problems) {
        if (problem.message.contains(text))
            return true;
    }
    return false;
}

} // namespace

class TestScripts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answersInEveryDialect_data();
    void answersInEveryDialect();
    void nullTriesTheNextRule();
    void callCarriesTheFacts();
    void messageIsReadable();
    void stateIsPerSession();
    void exceptionAnswersTheDefault();
    void badReturnValue_data();
    void badReturnValue();
    void endlessLoopIsStopped();
    void memoryHogIsStopped();
    void logWritesNotes();
    void holdSuggestsTheScriptedAnswer();
    void delayAndFault();
    void noFileOrNetworkAccess();
    void rulesFileScripts();
    void brokenScriptFileRefusesTheRules();
    void scriptFileEditedOutsideIsReloaded();

private:
    Decision decideWith(const QString &source, const HookRequest &call, const QString &session = {})
    {
        m_rules.setRules({scriptRule(u"scripted"_s, source)});
        return m_rules.decide(call, session);
    }
    Mock::Rulebook m_rules;
};

void TestScripts::answersInEveryDialect_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addRow("stalwart") << u"stalwart/data.json"_s;
    QTest::addRow("draft-01") << u"draft01/data.json"_s;
}

void TestScripts::answersInEveryDialect()
{
    QFETCH(QString, fixture);
    const HookRequest call = request(fixture);
    const Decision decision = decideWith(u"function answer(call) {"
                                         "  return reject(554, '5.7.0', 'No thanks')"
                                         "      .addHeader('X-Score', '9'); }"_s,
        call);
    QVERIFY2(decision.problems.isEmpty(), qPrintable(decision.problems.value(0).message));
    QCOMPARE(decision.ruleName, u"scripted"_s);
    QCOMPARE(decision.answer.kind, Answer::Kind::Plan);
    QCOMPARE(decision.answer.plan.verdict, AnswerPlan::Verdict::Reject);
    QCOMPARE(decision.answer.plan.reply.code, 554);
    QCOMPARE(decision.answer.plan.edits.size(), 1);
    const Mock::RenderedAnswer rendered = m_rules.render(decision.answer, call);
    QVERIFY2(rendered.body.contains("554"), rendered.body.constData());
    QVERIFY(rendered.body.contains("No thanks"));
    QVERIFY(rendered.body.contains("X-Score"));
}

void TestScripts::nullTriesTheNextRule()
{
    Rule fallback;
    fallback.name = u"fallback"_s;
    fallback.answer = Answer::fromPreset(Preset::Tempfail);
    m_rules.setRules(
        {scriptRule(u"picky"_s,
             u"function answer(call) { return call.stage === 'data' ? discard() : null; }"_s),
            fallback});
    const Decision rcpt = m_rules.decide(request(u"draft01/rcpt.json"_s));
    QCOMPARE(rcpt.ruleName, u"fallback"_s);
    QVERIFY2(rcpt.trace.join(u'\n').contains(u"picky: the script answered null"_s),
        qPrintable(rcpt.trace.join(u'\n')));
    const Decision data = m_rules.decide(request(u"draft01/data.json"_s));
    QCOMPARE(data.ruleName, u"picky"_s);
    QCOMPARE(data.answer.plan.verdict, AnswerPlan::Verdict::Discard);
}

void TestScripts::callCarriesTheFacts()
{
    const HookRequest call = request(u"draft01/rcpt.json"_s);
    // The facts come back as the reply text, so the test reads what the script saw.
    const Decision decision = decideWith(
        u"function answer(call) { return reject(550, '5.7.1', JSON.stringify({"
        "stage: call.stage, dialect: call.dialect, session: call.session, ip: call.client.ip,"
        "from: call.envelope.from, to: call.envelope.to, message: call.message,"
        "stageInRequest: call.request.stage})); }"_s,
        call, u"session-7"_s);
    QVERIFY2(decision.problems.isEmpty(), qPrintable(decision.problems.value(0).message));
    const QJsonObject seen
        = QJsonDocument::fromJson(decision.answer.plan.reply.message.toUtf8()).object();
    QCOMPARE(seen.value(u"stage"_s).toString(), u"rcpt"_s);
    QCOMPARE(seen.value(u"dialect"_s).toString(), dialectName(call.dialect));
    QCOMPARE(seen.value(u"session"_s).toString(), u"session-7"_s);
    QCOMPARE(seen.value(u"ip"_s).toString(), call.client.ip);
    QCOMPARE(seen.value(u"from"_s).toString(), call.envelope.from.address);
    QCOMPARE(seen.value(u"to"_s).toArray().size(), call.envelope.to.size());
    QVERIFY(seen.value(u"message"_s).isNull()); // before data there is none
    QCOMPARE(seen.value(u"stageInRequest"_s).toString(), u"rcpt"_s);
}

void TestScripts::messageIsReadable()
{
    const HookRequest call = request(u"draft01/data.json"_s);
    QVERIFY(call.hasMessage);
    const Decision decision
        = decideWith(u"function answer(call) { var m = call.message; return reject(550, '5.7.1', "
                     "JSON.stringify({subject: m.subject, priority: m.header('x-priority'),"
                     "missing: m.header('X-Nothing'), all: m.headers('To'), size: m.size,"
                     "text: m.text, attachments: m.attachments.length})); }"_s,
            call);
    QVERIFY2(decision.problems.isEmpty(), qPrintable(decision.problems.value(0).message));
    const QJsonObject seen
        = QJsonDocument::fromJson(decision.answer.plan.reply.message.toUtf8()).object();
    QCOMPARE(seen.value(u"subject"_s).toString(), u"Café order"_s); // RFC 2047 decoded
    QCOMPARE(seen.value(u"priority"_s).toString(), u"1 (urgent)"_s);
    QVERIFY(seen.value(u"missing"_s).isNull());
    QCOMPARE(seen.value(u"all"_s).toArray().size(), 1);
    QCOMPARE(seen.value(u"size"_s).toInteger(), call.rawMessage.size());
    QVERIFY(!seen.value(u"text"_s).toString().isEmpty());
    QCOMPARE(seen.value(u"attachments"_s).toInt(), 0);
}

void TestScripts::stateIsPerSession()
{
    const QString counter = u"function answer(call) {"
                            "  call.state.n = (call.state.n || 0) + 1;"
                            "  globalState.n = (globalState.n || 0) + 1;"
                            "  return call.state.n === 2 ? tempfail() : accept()"
                            "      .addHeader('X-Count', call.state.n + '/' + globalState.n); }"_s;
    m_rules.setRules({scriptRule(u"counter"_s, counter)});
    const HookRequest call = request(u"draft01/rcpt.json"_s);
    QCOMPARE(m_rules.decide(call, u"a"_s).answer.plan.verdict, AnswerPlan::Verdict::Accept);
    QCOMPARE(m_rules.decide(call, u"a"_s).answer.plan.verdict, AnswerPlan::Verdict::Tempfail);
    const Decision other = m_rules.decide(call, u"b"_s);
    QCOMPARE(other.answer.plan.edits.value(0).value, u"1/3"_s); // own session, shared global
    m_rules.resetHits(); // resets what scripts counted too
    QCOMPARE(m_rules.decide(call, u"a"_s).answer.plan.edits.value(0).value, u"1/1"_s);
}

void TestScripts::exceptionAnswersTheDefault()
{
    m_rules.setDefaultAnswer(Stage::Rcpt, Answer::fromPreset(Preset::Quarantine));
    const Decision decision = decideWith(u"function answer(call) {\n"
                                         "  return call.nothing.here;\n}"_s,
        request(u"draft01/rcpt.json"_s));
    QCOMPARE(decision.answer, Answer::fromPreset(Preset::Quarantine));
    QVERIFY2(hasProblemWith(decision, u"line 2"_s), qPrintable(decision.problems.value(0).message));
    QVERIFY(hasProblemWith(decision, u"TypeError"_s));
    QCOMPARE(decision.problems.value(0).origin, ProblemOrigin::Answer);
    m_rules.setDefaultAnswer(Stage::Rcpt, Answer::fromPreset(Preset::Accept));
    // A value thrown that is not an Error is caught the same way.
    QVERIFY(hasProblemWith(
        decideWith(u"function answer(call) { throw 'nope'; }"_s, request(u"draft01/rcpt.json"_s)),
        u"nope"_s));
}

void TestScripts::badReturnValue_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("problem");
    QTest::addRow("a string") << u"return 'accept';"_s << u"returned accept"_s;
    QTest::addRow("a plain object") << u"return {verdict: 'reject'};"_s << u"return accept()"_s;
    QTest::addRow("reply code") << u"return reject(99);"_s << u"reply code"_s;
    QTest::addRow("fault name") << u"return accept().fault('slow');"_s << u"unknown fault"_s;
    QTest::addRow("negative delay") << u"return accept().delay(-1);"_s << u"delay(ms)"_s;
}

void TestScripts::badReturnValue()
{
    QFETCH(QString, body);
    QFETCH(QString, problem);
    const Decision decision = decideWith(
        u"function answer(call) { "_s + body + u" }"_s, request(u"draft01/rcpt.json"_s));
    QVERIFY2(hasProblemWith(decision, problem), qPrintable(decision.problems.value(0).message));
    QCOMPARE(decision.answer, m_rules.defaultAnswer(Stage::Rcpt));
}

void TestScripts::endlessLoopIsStopped()
{
    QElapsedTimer clock;
    clock.start();
    const Decision decision
        = decideWith(u"function answer(call) { for (;;) {} }"_s, request(u"draft01/rcpt.json"_s));
    QVERIFY2(hasProblemWith(decision, u"budget of 50 ms"_s),
        qPrintable(decision.problems.value(0).message));
    QVERIFY(clock.elapsed() < 5000);
    // The engine is usable afterwards.
    QCOMPARE(decideWith(
                 u"function answer(call) { return discard(); }"_s, request(u"draft01/rcpt.json"_s))
                 .answer.plan.verdict,
        AnswerPlan::Verdict::Discard);
}

void TestScripts::memoryHogIsStopped()
{
#ifdef __SANITIZE_ADDRESS__
    QSKIP("under AddressSanitizer the resident size says nothing of the script: no memory budget");
#endif
    m_rules.scripts().setBudget(20000, 32 * 1024 * 1024);
    const Decision decision = decideWith(u"function answer(call) { var keep = [];"
                                         "  for (;;) keep.push(new Array(100000).fill(7)); }"_s,
        request(u"draft01/rcpt.json"_s));
    m_rules.scripts().setBudget(50, 64 * 1024 * 1024);
    QVERIFY2(hasProblemWith(decision, u"past its budget of 32 MB"_s),
        qPrintable(decision.problems.value(0).message));
}

void TestScripts::logWritesNotes()
{
    const Decision decision
        = decideWith(u"function answer(call) { log('seen', call.stage, 3); return accept(); }"_s,
            request(u"draft01/rcpt.json"_s));
    QCOMPARE(decision.notes, QStringList {u"scripted: seen rcpt 3"_s});
}

void TestScripts::holdSuggestsTheScriptedAnswer()
{
    const Decision decision = decideWith(
        u"function answer(call) { return reject().hold(); }"_s, request(u"draft01/rcpt.json"_s));
    QCOMPARE(decision.answer.kind, Answer::Kind::Hold);
    QCOMPARE(decision.suggested.kind, Answer::Kind::Plan);
    QCOMPARE(decision.suggested.plan.verdict, AnswerPlan::Verdict::Reject);
}

void TestScripts::delayAndFault()
{
    const Decision decision
        = decideWith(u"function answer(call) { return accept().delay(250).fault('http-503'); }"_s,
            request(u"draft01/rcpt.json"_s));
    QVERIFY2(decision.problems.isEmpty(), qPrintable(decision.problems.value(0).message));
    QCOMPARE(decision.answer.delay.kind, Mock::Delay::Kind::Fixed);
    QCOMPARE(decision.answer.delay.ms, 250);
    QCOMPARE(decision.answer.fault, Mock::Fault::Http503);
}

void TestScripts::noFileOrNetworkAccess()
{
    const Decision decision
        = decideWith(u"function answer(call) { return reject(550, '5.7.1', [typeof XMLHttpRequest,"
                     "typeof require, typeof Qt, typeof console, typeof readFile].join(',')); }"_s,
            request(u"draft01/rcpt.json"_s));
    QVERIFY2(decision.problems.isEmpty(), qPrintable(decision.problems.value(0).message));
    QCOMPARE(
        decision.answer.plan.reply.message, u"undefined,undefined,undefined,undefined,undefined"_s);
}

void TestScripts::rulesFileScripts()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QDir(dir.path()).mkdir(u"scripts"_s);
    QFile script(dir.filePath(u"scripts/tag.js"_s));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("function answer(call) { return accept().setSubject('[seen]'); }\n");
    script.close();
    QFile rules(dir.filePath(u"rules.json"_s));
    QVERIFY(rules.open(QIODevice::WriteOnly));
    rules.write(R"({"format":"hookscope-rules","version":1,"rules":[
        {"name":"inline","when":{"stages":["rcpt"]},
         "answer":{"script":"function answer(call) { return null; }"}},
        {"name":"from file","answer":{"scriptFile":"scripts/tag.js"}}]})");
    rules.close();
    Mock::Rulebook book;
    QString error;
    QVERIFY2(book.load(rules.fileName(), &error), qPrintable(error));
    const Decision decision = book.decide(request(u"draft01/rcpt.json"_s));
    QCOMPARE(decision.ruleName, u"from file"_s);
    QCOMPARE(decision.answer.plan.edits.value(0).value, u"[seen]"_s);
    // Saved as it was written: the file's name, not its source.
    const QJsonArray saved = book.toJson().value(u"rules"_s).toArray();
    QCOMPARE(saved.at(1).toObject().value(u"answer"_s).toObject().value(u"scriptFile"_s).toString(),
        u"scripts/tag.js"_s);
    QVERIFY(saved.at(0).toObject().value(u"answer"_s).toObject().contains(u"script"_s));

    // Saved where the window keeps its rulebook (another folder), the script is still found:
    // its name is made relative to the new place, or absolute when it lies outside.
    const auto reread = [&book](const QString &target) {
        QString saveError;
        if (!book.save(target, &saveError))
            return QString(u"not saved: "_s + saveError);
        Mock::Rulebook again;
        QString loadError;
        if (!again.load(target, &loadError))
            return QString(u"not loaded: "_s + loadError);
        const Decision reloaded = again.decide(request(u"draft01/rcpt.json"_s));
        QFile file(target);
        file.open(QIODevice::ReadOnly);
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        const QString name = json.value(u"rules"_s)
                                 .toArray()
                                 .at(1)
                                 .toObject()
                                 .value(u"answer"_s)
                                 .toObject()
                                 .value(u"scriptFile"_s)
                                 .toString();
        return reloaded.answer.plan.edits.value(0).value == u"[seen]"_s ? name : u"lost"_s;
    };
    QTemporaryDir elsewhere;
    QCOMPARE(reread(elsewhere.filePath(u"rules.json"_s)),
        QDir::cleanPath(dir.filePath(u"scripts/tag.js"_s)));
    QVERIFY(QDir(dir.path()).mkpath(u"nested"_s));
    // A name that would climb out of the rules file's folder ("../scripts") is written whole.
    QCOMPARE(reread(dir.filePath(u"nested/rules.json"_s)),
        QDir::cleanPath(dir.filePath(u"scripts/tag.js"_s)));
    QCOMPARE(reread(dir.filePath(u"rules-copy.json"_s)), u"scripts/tag.js"_s);
}

void TestScripts::brokenScriptFileRefusesTheRules()
{
    QTemporaryDir dir;
    QFile script(dir.filePath(u"broken.js"_s));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("function answer(call) {\n  return accept(;\n}\n");
    script.close();
    Mock::Rulebook book;
    book.setRules({scriptRule(u"kept"_s, u"function answer(c) { return accept(); }"_s)});
    book.setBaseDir(dir.path());
    QString error;
    const QJsonObject json {{u"format"_s, u"hookscope-rules"_s}, {u"version"_s, 1},
        {u"rules"_s,
            QJsonArray {
                QJsonObject {{u"answer"_s, QJsonObject {{u"scriptFile"_s, u"broken.js"_s}}}}}}};
    QVERIFY(!book.fromJson(json, &error));
    QVERIFY2(error.startsWith(u"rules/0: script broken.js line 2"_s), qPrintable(error));
    QCOMPARE(book.rules().value(0).name, u"kept"_s); // all or nothing
    QVERIFY(!book.fromJson(QJsonObject {{u"format"_s, u"hookscope-rules"_s}, {u"version"_s, 1},
                               {u"rules"_s,
                                   QJsonArray {QJsonObject {{u"answer"_s,
                                       QJsonObject {{u"script"_s, u"var x = 1;"_s}}}}}}},
        &error));
    QVERIFY2(error.contains(u"defines no function answer"_s), qPrintable(error));
}

void TestScripts::scriptFileEditedOutsideIsReloaded()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"live.js"_s);
    auto write = [&path](const QByteArray &source) {
        QFile file(path);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(source) == source.size();
    };
    QVERIFY(write("function answer(call) { return discard(); }\n"));
    Mock::Rulebook book;
    book.setBaseDir(dir.path());
    QString error;
    QVERIFY2(book.fromJson(QJsonObject {{u"format"_s, u"hookscope-rules"_s}, {u"version"_s, 1},
                               {u"rules"_s,
                                   QJsonArray {QJsonObject {{u"answer"_s,
                                       QJsonObject {{u"scriptFile"_s, u"live.js"_s}}}}}}},
                 &error),
        qPrintable(error));
    const HookRequest call = request(u"draft01/rcpt.json"_s);
    QCOMPARE(book.decide(call).answer.plan.verdict, AnswerPlan::Verdict::Discard);

    QSignalSpy reloaded(&book, &Mock::Rulebook::scriptReloaded);
    QSignalSpy failed(&book, &Mock::Rulebook::scriptReloadFailed);
    QVERIFY(write("function answer(call) { return quarantine(); }\n"));
    QVERIFY(reloaded.wait(10000));
    QCOMPARE(book.decide(call).answer.plan.verdict, AnswerPlan::Verdict::Quarantine);
    // A broken edit is reported and the last good script goes on answering.
    QVERIFY(write("function answer(call) { return quarantine(; }\n"));
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed.last().at(1).toString().contains(u"line 1"_s),
        qPrintable(failed.last().at(1).toString()));
    QCOMPARE(book.decide(call).answer.plan.verdict, AnswerPlan::Verdict::Quarantine);
    // The file saved the way editors do (a new file renamed over it) is still followed.
    const QString temporary = dir.filePath(u"live.js.tmp"_s);
    {
        QFile file(temporary);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function answer(call) { return tempfail(); }\n");
    }
    QVERIFY(QFile::remove(path));
    QVERIFY(QFile::rename(temporary, path));
    QTRY_COMPARE_WITH_TIMEOUT(
        book.decide(call).answer.plan.verdict, AnswerPlan::Verdict::Tempfail, 10000);
}

QTEST_GUILESS_MAIN(TestScripts)
#include "tst_scanner_scripts.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The rule editor's "Try on the selected call" (issue 13 §5): the answer a rule's script gives a
// captured call, the trace, the log and what the message becomes, without touching the live
// rules; a script's error marked on its line.
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"
#include "ui/answereditor.h"
#include "ui/ruleeditordialog.h"
#include "ui/scripttrypane.h"
#include "ui/widgets/responseeditor.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>

#include <Qsci/qsciscintilla.h>

using namespace Qt::StringLiterals;

namespace {

// A Stalwart data-stage request, after the protocol reference's legacy/req-data.json.
const QByteArray DataRequest = R"({
  "context": {
    "stage": "data",
    "client": {"ip": "203.0.113.7", "port": 50412, "ptr": "mx.example.org",
               "helo": "mx.example.org", "activeConnections": 1},
    "server": {"name": "Stalwart", "port": 25, "ip": "198.51.100.2"},
    "queue": {"id": "2e4bb2b71203601"},
    "protocol": {"version": 1}
  },
  "envelope": {"from": {"address": "alice@example.org"}, "to": [{"address": "bob@example.com"}]},
  "message": {
    "headers": [["From", " Alice <alice@example.org>\r\n"], ["To", " bob@example.com\r\n"],
                ["Subject", " Lunch\r\n"], ["Message-ID", " <lunch-1@example.org>\r\n"]],
    "contents": "See you at noon.\r\n",
    "size": 120
  }
})";

Mock::Exchange dataCall()
{
    Mock::Exchange exchange;
    exchange.id = 7;
    exchange.sessionKey = u"session-1"_s;
    exchange.method = "POST";
    exchange.path = "/hook";
    exchange.requestHeaders = {{"Content-Type", "application/json"}};
    exchange.requestBody = DataRequest;
    exchange.kind = Mock::ExchangeKind::Hook;
    exchange.dialect = MtaHooks::Dialect::Stalwart;
    exchange.stage = MtaHooks::Stage::Data;
    exchange.stageName = u"data"_s;
    exchange.mailFrom = u"alice@example.org"_s;
    exchange.httpStatus = 200;
    exchange.responseHeaders = {{"Content-Type", "application/json"}};
    exchange.responseBody = R"({"action":"accept"})";
    return exchange;
}

// Counts its runs in globalState: the count tells which engine ran it.
const QString TaggingScript = uR"(function answer(call) {
    globalState.runs = (globalState.runs || 0) + 1;
    log("runs=" + globalState.runs + " subject=" + call.message.subject);
    return accept().addHeader("X-Tried", "yes");
})"_s;

const QString ThrowingScript = u"function answer(call) {\n"
                               u"    var tag = \"x\";\n"
                               u"    throw new Error(\"boom \" + tag);\n"
                               u"}\n"_s;

Mock::Rule scriptRule(const QString &source)
{
    Mock::Rule rule;
    rule.name = u"tagger"_s;
    rule.when.stages = {MtaHooks::Stage::Data};
    rule.answer.kind = Mock::Answer::Kind::Script;
    rule.answer.script = source;
    return rule;
}

} // namespace

class TestScriptTry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsAnswerTraceAndDiffWithoutTouchingLiveRules();
    void marksTheThrowingLine();
    void marksCompileErrors();
    void disabledWithoutAHookCall();
};

void TestScriptTry::showsAnswerTraceAndDiffWithoutTouchingLiveRules()
{
    Mock::Rulebook live;
    live.setRules({scriptRule(TaggingScript)});
    RuleEditorDialog dialog(live.rules().constFirst());
    dialog.setTryContext(&live, [] { return std::optional<Mock::Exchange>(dataCall()); });
    dialog.resize(1280, 800);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    ScriptTryPane *pane = dialog.tryPane();
    QVERIFY(pane->tryButton()->isEnabled());
    QVERIFY2(
        pane->tryButton()->toolTip().contains(u"data"_s), qPrintable(pane->tryButton()->toolTip()));

    QTest::mouseClick(pane->tryButton(), Qt::LeftButton);
    QTRY_VERIFY(pane->answerView()->text().contains(u"X-Tried"_s));
    QVERIFY2(pane->answerView()->text().contains(u"\"action\""_s),
        qPrintable(pane->answerView()->text()));
    const QString trace = pane->traceView()->toPlainText();
    QVERIFY2(trace.contains(u"Answered by: tagger"_s), qPrintable(trace));
    QVERIFY2(trace.contains(u"runs=1 subject=Lunch"_s), qPrintable(trace));
    const QString diff = pane->diffView()->text();
    QVERIFY2(diff.contains(u"+X-Tried: yes"_s), qPrintable(diff));
    QVERIFY2(pane->summaryLabel()->text().contains(u"accept"_s),
        qPrintable(pane->summaryLabel()->text()));
    QVERIFY(dialog.answerEditor()->bodyEditor()->problemLines().isEmpty());
    // For a human to look at: HOOKSCOPE_SHOT_DIR=/tmp/shots ./tst_ui_scripttry
    if (const QString dir = qEnvironmentVariable("HOOKSCOPE_SHOT_DIR"); !dir.isEmpty()) {
        QCoreApplication::sendPostedEvents(); // the layouts, for the new texts' heights
        QVERIFY(dialog.grab().save(dir + u"/ruleeditor-try.png"_s));
    }

    // The live rulebook's counters and script state are as they were: its own first run is 1.
    QCOMPARE(live.rules().constFirst().hits, 0);
    const MtaHooks::HookRequest request = MtaHooks::decodeRequest(DataRequest, "application/json");
    const Mock::Decision decision = live.decide(request, u"session-1"_s);
    QVERIFY2(decision.notes.value(0).contains(u"runs=1 "_s), qPrintable(decision.notes.value(0)));

    // A rule that does not match: the trace says why and the stage default answers.
    Mock::Rule rcptOnly = scriptRule(TaggingScript);
    rcptOnly.when.stages = {MtaHooks::Stage::Rcpt};
    const RuleTry missed = tryRule(rcptOnly, dataCall(), live);
    QVERIFY2(missed.trace.value(0).contains(u"stage data is not rcpt"_s),
        qPrintable(missed.trace.value(0)));
    QVERIFY(missed.diff.isEmpty());
    QVERIFY(!missed.noDiff.isEmpty());
}

void TestScriptTry::marksTheThrowingLine()
{
    Mock::Rulebook live;
    RuleEditorDialog dialog(scriptRule(ThrowingScript));
    dialog.setTryContext(&live, [] { return std::optional<Mock::Exchange>(dataCall()); });
    dialog.resize(1280, 800);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    ScriptTryPane *pane = dialog.tryPane();
    ResponseEditor *editor = dialog.answerEditor()->bodyEditor();
    QVERIFY(editor->problemLines().isEmpty()); // it compiles: nothing marked yet

    QTest::mouseClick(pane->tryButton(), Qt::LeftButton);
    QTRY_VERIFY(pane->summaryLabel()->text().contains(u"boom x"_s));
    QVERIFY2(pane->summaryLabel()->text().contains(u"line 3"_s),
        qPrintable(pane->summaryLabel()->text()));
    QVERIFY2(pane->traceView()->toPlainText().contains(u"line 3"_s),
        qPrintable(pane->traceView()->toPlainText()));
    QCOMPARE(editor->problemLines(), QList<int> {2});
    QVERIFY(editor->editor()->markersAtLine(2) != 0);
    QCOMPARE(editor->editor()->markersAtLine(1), 0u);
    QVERIFY(editor->problemsOnLine(2).value(0).message.contains(u"boom"_s));
    if (const QString dir = qEnvironmentVariable("HOOKSCOPE_SHOT_DIR"); !dir.isEmpty()) {
        QCoreApplication::sendPostedEvents(); // the layouts, for the new texts' heights
        QVERIFY(dialog.grab().save(dir + u"/ruleeditor-error.png"_s));
    }

    // Editing the script clears the mark: it was about the text before the edit.
    editor->editor()->setText(ThrowingScript + u"// edited\n"_s);
    QTRY_VERIFY(editor->problemLines().isEmpty());
    QCOMPARE(editor->editor()->markersAtLine(2), 0u);
}

void TestScriptTry::marksCompileErrors()
{
    RuleEditorDialog dialog(scriptRule(u"function answer(call) {\n  return (;\n}\n"_s));
    ResponseEditor *editor = dialog.answerEditor()->bodyEditor();
    QVERIFY(!dialog.answerEditor()->isValid());
    QCOMPARE(editor->problemLines(), QList<int> {1});
    QVERIFY(editor->editor()->markersAtLine(1) != 0);
    editor->editor()->setText(u"function answer(call) {\n  return null;\n}\n"_s);
    QTRY_VERIFY(editor->problemLines().isEmpty());
    QVERIFY(dialog.answerEditor()->isValid());
}

void TestScriptTry::disabledWithoutAHookCall()
{
    Mock::Rulebook live;
    RuleEditorDialog alone(scriptRule(TaggingScript));
    QVERIFY(!alone.tryPane()->tryButton()->isEnabled());
    QVERIFY(!alone.tryPane()->tryButton()->toolTip().isEmpty());

    RuleEditorDialog noSelection(scriptRule(TaggingScript));
    noSelection.setTryContext(&live, [] { return std::optional<Mock::Exchange>(); });
    QVERIFY(!noSelection.tryPane()->tryButton()->isEnabled());
    QVERIFY2(noSelection.tryPane()->tryButton()->toolTip().contains(u"Select"_s),
        qPrintable(noSelection.tryPane()->tryButton()->toolTip()));

    RuleEditorDialog discovery(scriptRule(TaggingScript));
    discovery.setTryContext(&live, [] {
        Mock::Exchange exchange = dataCall();
        exchange.kind = Mock::ExchangeKind::Discovery;
        return std::optional<Mock::Exchange>(exchange);
    });
    QVERIFY(!discovery.tryPane()->tryButton()->isEnabled());
    QVERIFY2(discovery.tryPane()->tryButton()->toolTip().contains(u"not a hook call"_s),
        qPrintable(discovery.tryPane()->tryButton()->toolTip()));
}

QTEST_MAIN(TestScriptTry)
#include "tst_ui_scripttry.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tst_ui_widgetdata.h"

#include "mock/capture/curlcommand.h"
#include "mock/protocol/document.h"
#include "ui/widgets/answerpage.h"
#include "ui/widgets/exchangeanalysis.h"
#include "ui/widgets/exchangedetail.h"
#include "ui/widgets/mimeview.h"
#include "ui/widgets/overviewpage.h"
#include "ui/widgets/problemspage.h"
#include "ui/widgets/requestpage.h"
#include "ui/widgets/responseeditor.h"

#include <QAbstractItemModel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

#include <Qsci/qsciscintilla.h>

using namespace Qt::StringLiterals;

class TestExchangeDetail : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void overviewOfStalwartData();
    void overviewOfRcptAndDraft();
    void requestTabShowsPrettyJson();
    void requestTabShowsCborNote();
    void messageTab();
    void answerTabShowsDiff();
    void answerTabOfDraftReject();
    void problemsTab();
    void problemActivationJumpsToPointer();
    void curlCommand();
    void heldAndNonHookCalls();
    void undecodableBody();
    void envelopeComparison();
};

void TestExchangeDetail::overviewOfStalwartData()
{
    ExchangeDetail detail;
    detail.resize(1000, 700);
    detail.showExchange(WidgetData::stalwartData());
    QCOMPARE(detail.currentTab(), ExchangeDetail::OverviewTab);
    const QString text = detail.overviewTab()->toPlainText();
    for (const QString &expected : {u"ACCEPT"_s, u"192.0.2.44 port 41822"_s, u"gw.example.net"_s,
             u"TLSv1.3, TLS13_CHACHA20_POLY1305_SHA256"_s, u"not authenticated"_s,
             u"Stalwart v0.16.19"_s, u"5F1C09A2B3"_s, u"<bounces+q3@lists.example.net>"_s,
             u"<frank@example.com>"_s, u"<grace@example.com>"_s, u"tag-lists"_s,
             u"envelope sender matches"_s, u"block-spammers: client ip"_s, u"1.8 ms"_s,
             u"Stalwart (legacy format), JSON"_s, u"after the whole message was received"_s}) {
        QVERIFY2(text.contains(expected), qPrintable(expected + u" not in:\n"_s + text));
    }
    // The envelope against the headers: the list bounce address, the Bcc and the Cc.
    QVERIFY(text.contains(u"differs"_s));
    QVERIFY(text.contains(u"bounce address"_s));
    QVERIFY(text.contains(u"In the envelope but not in To:/Cc: grace@example.com"_s));
    QVERIFY(text.contains(u"In To:/Cc: but not in this envelope: heidi@example.org"_s));
    // The problems are announced at the top, with a way to them.
    QVERIFY(text.contains(u"1 error(s)"_s) || text.contains(u"1 error"_s));
    QVERIFY(OverviewPage::html(ExchangeAnalysis::analyse(WidgetData::stalwartData()), QPalette())
                .contains(u"hookscope:problems"_s));
}

void TestExchangeDetail::overviewOfRcptAndDraft()
{
    ExchangeDetail detail;
    detail.showExchange(WidgetData::stalwartRcpt());
    QString text = detail.overviewTab()->toPlainText();
    QVERIFY2(text.contains(u"REJECT"_s), qPrintable(text));
    QVERIFY(text.contains(u"550 5.1.1 No such user here"_s));
    QVERIFY(text.contains(u"being checked"_s));
    QVERIFY(text.contains(u"none yet"_s)); // no queue id before data

    detail.showExchange(WidgetData::draft01Cbor());
    text = detail.overviewTab()->toPlainText();
    QVERIFY2(text.contains(u"REJECT"_s), qPrintable(text));
    QVERIFY(text.contains(u"550 5.7.1 Spam detected"_s));
    QVERIFY(text.contains(u"IETF draft-01, CBOR"_s));
    QVERIFY(text.contains(u"alice (PLAIN)"_s));
    QVERIFY(text.contains(u"spf-mail pass"_s) && text.contains(u"dmarc pass"_s));
    QVERIFY(text.contains(u"SIZE=262"_s) && text.contains(u"BODY=8BITMIME"_s));
    QVERIFY(text.contains(u"NOTIFY=FAILURE"_s));
    // What a draft MTA would do without an answer.
    QVERIFY(text.contains(u"accept (250 2.0.0 Message queued for delivery)"_s));
}

void TestExchangeDetail::requestTabShowsPrettyJson()
{
    ExchangeDetail detail;
    detail.resize(1000, 700);
    const Mock::Exchange exchange = WidgetData::stalwartData();
    detail.showExchange(exchange);
    ResponseEditor *editor = detail.requestTab()->editor();
    QVERIFY(editor->isReadOnly());
    const QString text = editor->text();
    QVERIFY(text.startsWith(u"{\n  \"context\": {\n    \"stage\": \"data\""_s));
    QVERIFY(editor->note().isEmpty()); // JSON needs no note
    // Problems with pointers are marked in the text.
    QVERIFY(!editor->problemLines().isEmpty());
    QVERIFY(!editor->problemsOnLine(editor->problemLines().constFirst()).isEmpty());
    // HTTP headers table.
    QAbstractItemModel *headers = detail.requestTab()->headersView()->model();
    QCOMPARE(headers->rowCount(), exchange.requestHeaders.size());
    QCOMPARE(headers->index(1, 0).data().toString(), u"Content-Type"_s);
    QCOMPARE(headers->index(1, 1).data().toString(), u"application/json"_s);
    QVERIFY(detail.requestTab()->summary().contains(u"POST /hook"_s));
}

void TestExchangeDetail::requestTabShowsCborNote()
{
    ExchangeDetail detail;
    const Mock::Exchange exchange = WidgetData::draft01Cbor();
    detail.showExchange(exchange);
    ResponseEditor *editor = detail.requestTab()->editor();
    QVERIFY2(editor->note().contains(u"Decoded from CBOR"_s), qPrintable(editor->note()));
    QVERIFY(editor->note().contains(u"(%1 bytes)"_s.arg(exchange.requestBody.size()))
        || editor->note().contains(u"%1 bytes"_s.arg(exchange.requestBody.size())));
    QVERIFY(editor->text().contains(u"\"stage\": \"data\""_s));
    // The byte string of the raw message is shown as base64 text.
    QVERIFY(editor->text().contains(u"\"rawMessage\": \"RnJvbTog"_s));
}

void TestExchangeDetail::messageTab()
{
    ExchangeDetail detail;
    detail.showExchange(WidgetData::stalwartData());
    QVERIFY(detail.noMessageText().isEmpty());
    MimeView *mime = detail.mimeView();
    QAbstractItemModel *tree = mime->treeView()->model();
    QCOMPARE(tree->rowCount(), 1);
    QCOMPARE(tree->index(0, 0).data().toString().contains(u"multipart/mixed"_s), true);
    QVERIFY(tree->rowCount(tree->index(0, 0)) == 2);
    QCOMPARE(mime->message().subject, u"Quarterly figures"_s);

    detail.showExchange(WidgetData::stalwartRcpt());
    QVERIFY(detail.noMessageText().contains(u"This stage carries no message"_s));
    QVERIFY(detail.noMessageText().contains(u"rcpt"_s));
    QCOMPARE(mime->treeView()->model()->rowCount(), 0);

    detail.showExchange(WidgetData::draft01Cbor());
    QVERIFY(detail.noMessageText().isEmpty());
    QCOMPARE(mime->message().subject, u"Lunch plans ✓"_s);
}

void TestExchangeDetail::answerTabShowsDiff()
{
    ExchangeDetail detail;
    detail.resize(1000, 700);
    detail.showExchange(WidgetData::stalwartData());
    AnswerPage *answer = detail.answerTab();
    QVERIFY(answer->answerEditor()->text().contains(u"\"type\": \"addHeader\""_s));
    QCOMPARE(answer->statusText().section(u"  ·  "_s, 0, 0), u"HTTP 200 OK"_s);
    QVERIFY(answer->outcomeText().contains(u"The MTA will accept"_s));
    QVERIFY(answer->outcomeText().contains(u"changes the message"_s));
    const QString diff = answer->diffEditor()->text();
    QVERIFY2(diff.contains(u"\n+X-Spam-Status: No, score=0.4\n"_s), qPrintable(diff));
    QVERIFY(diff.startsWith(u"--- before the answer"_s));
    QVERIFY(!answer->diffEditor()->isHidden());
    QCOMPARE(answer->headersView()->model()->rowCount(), 2);
}

void TestExchangeDetail::answerTabOfDraftReject()
{
    ExchangeDetail detail;
    detail.showExchange(WidgetData::draft01Cbor());
    AnswerPage *answer = detail.answerTab();
    QVERIFY(answer->answerEditor()->note().contains(u"CBOR"_s));
    QVERIFY(answer->answerEditor()->text().contains(u"\"path\": \"/action\""_s));
    QVERIFY(answer->outcomeText().contains(u"reject"_s));
    QVERIFY(answer->outcomeText().contains(u"550 5.7.1 Spam detected"_s));

    // A rejected rcpt: the recipient being checked leaves the envelope.
    detail.showExchange(WidgetData::stalwartRcpt());
    const QString diff = answer->diffEditor()->text();
    QVERIFY2(diff.contains(u"\n-RCPT TO:<grace@example.com>"_s), qPrintable(diff));
    QVERIFY(diff.contains(u"\n RCPT TO:<frank@example.com>"_s));
}

void TestExchangeDetail::problemsTab()
{
    ExchangeDetail detail;
    const Mock::Exchange exchange = WidgetData::stalwartData();
    QVERIFY(exchange.problems.size() >= 3);
    detail.showExchange(exchange);
    QCOMPARE(detail.tabs()->tabText(ExchangeDetail::ProblemsTab),
        u"Problems (%1)"_s.arg(exchange.problems.size()));
    QVERIFY(!detail.tabs()->tabIcon(ExchangeDetail::ProblemsTab).isNull());
    QTreeWidget *list = detail.problemsTab()->list();
    QCOMPARE(list->topLevelItemCount(), exchange.problems.size());
    // Errors come first.
    QCOMPARE(list->topLevelItem(0)->text(ProblemsPage::SeverityColumn), u"error"_s);
    QCOMPARE(list->topLevelItem(0)->text(ProblemsPage::WhereColumn),
        u"request /context/protocol/version"_s);

    detail.showExchange(WidgetData::stalwartRcpt());
    QCOMPARE(detail.tabs()->tabText(ExchangeDetail::ProblemsTab), u"Problems"_s);
    detail.clear();
    QCOMPARE(detail.tabs()->tabText(ExchangeDetail::ProblemsTab), u"Problems"_s);
    QVERIFY(!detail.tabs()->isTabEnabled(ExchangeDetail::RequestTab));
}

void TestExchangeDetail::problemActivationJumpsToPointer()
{
    ExchangeDetail detail;
    detail.resize(1000, 700);
    detail.showExchange(WidgetData::stalwartData());
    QSignalSpy spy(&detail, &ExchangeDetail::problemActivated);
    detail.setCurrentTab(ExchangeDetail::ProblemsTab);
    QTreeWidget *list = detail.problemsTab()->list();
    int row = -1;
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        if (list->topLevelItem(i)->text(ProblemsPage::WhereColumn) == u"request /message/size"_s)
            row = i;
    }
    QVERIFY(row >= 0);
    // A real activation: Enter on the current row.
    list->setCurrentItem(list->topLevelItem(row));
    Q_EMIT list->itemActivated(list->topLevelItem(row), 0);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), u"/message/size"_s);
    QCOMPARE(detail.currentTab(), ExchangeDetail::RequestTab);
    QCOMPARE(detail.requestTab()->editor()->editor()->selectedText(), u"1000"_s);

    detail.problemsTab()->activate(0); // errors come first: /context/protocol/version
    QCOMPARE(detail.requestTab()->editor()->editor()->selectedText(), u"\"1.0\""_s);

    // A missing member (a required field left out): its closest ancestor is shown.
    Mock::Exchange missing = WidgetData::stalwartData();
    missing.problems = {{u"/context/client/nothing"_s, MtaHooks::Severity::Error, u"absent"_s}};
    detail.showExchange(missing);
    detail.problemsTab()->activate(0);
    QCOMPARE(detail.currentTab(), ExchangeDetail::RequestTab);
    QVERIFY(detail.requestTab()->editor()->editor()->selectedText().startsWith(u"{\n"_s));
    QCOMPARE(spy.constLast().at(0).toString(), u"/context/client/nothing"_s);

    // Problems go where they happened, by their origin, never by their text: the answer's open
    // the Answer tab (at their pointer into the answer), the transport's the request's headers.
    missing.problems = {{QString(), MtaHooks::Severity::Warning, u"request: looks like an answer"_s,
        MtaHooks::ProblemOrigin::Answer}};
    detail.showExchange(missing);
    detail.setCurrentTab(ExchangeDetail::ProblemsTab);
    detail.problemsTab()->activate(0);
    QCOMPARE(detail.currentTab(), ExchangeDetail::AnswerTab);
    QCOMPARE(list->topLevelItem(0)->text(ProblemsPage::WhereColumn), u"answer"_s);

    missing.problems = {{u"/action"_s, MtaHooks::Severity::Error, u"unknown action"_s,
        MtaHooks::ProblemOrigin::Answer}};
    detail.showExchange(missing);
    QCOMPARE(list->topLevelItem(0)->text(ProblemsPage::WhereColumn), u"answer /action"_s);
    detail.problemsTab()->activate(0);
    QCOMPARE(detail.currentTab(), ExchangeDetail::AnswerTab);
    QCOMPARE(detail.answerTab()->answerEditor()->editor()->selectedText(), u"\"accept\""_s);
    QCOMPARE(spy.constLast().at(0).toString(), u"/action"_s);

    missing.problems = {{QString(), MtaHooks::Severity::Error, u"answer: 401 without credentials"_s,
        MtaHooks::ProblemOrigin::Transport}};
    detail.showExchange(missing);
    detail.setCurrentTab(ExchangeDetail::ProblemsTab);
    detail.problemsTab()->activate(0);
    QCOMPARE(detail.currentTab(), ExchangeDetail::RequestTab);
}

void TestExchangeDetail::curlCommand()
{
    const Mock::Exchange json = WidgetData::stalwartData();
    const QString command = Mock::curlCommand(json, u"http://127.0.0.1:8025/"_s);
    QVERIFY2(command.startsWith(u"curl -X POST 'http://127.0.0.1:8025/hook' -H 'Content-Type: "
                                "application/json' -H 'Accept: */*' --data-binary '{\"context\""_s),
        qPrintable(command));
    QVERIFY(!command.contains(u"Content-Length"_s));
    QVERIFY(!command.contains(u"Host:"_s));

    // Without a base URL, the Host header the client used.
    QVERIFY(Mock::curlCommand(json, QString())
                .startsWith(u"curl -X POST 'http://127.0.0.1:8025/hook'"_s));

    // Single quotes in the body survive the shell.
    Mock::Exchange quoted = json;
    quoted.requestBody = "{\"a\":\"it's\"}";
    QVERIFY(Mock::curlCommand(quoted, u"http://h"_s)
                .endsWith(u"--data-binary '{\"a\":\"it'\\''s\"}'"_s));

    // Binary bodies go through base64 on stdin.
    const Mock::Exchange cbor = WidgetData::draft01Cbor();
    const QString binary = Mock::curlCommand(cbor, u"http://127.0.0.1:8025"_s);
    QVERIFY2(binary.startsWith(u"echo "_s), qPrintable(binary));
    QVERIFY(binary.contains(u" | base64 -d | curl -X POST 'http://127.0.0.1:8025/hook'"_s));
    QVERIFY(binary.contains(u"-H 'Content-Type: application/cbor'"_s));
    QVERIFY(binary.contains(u"-H 'X-MTA-Hooks-Request-Id: 01JB8Z3M4N5P6Q7R8S9T0V1W2X'"_s));
    QVERIFY(binary.endsWith(u"--data-binary @-"_s));
    const QString encoded = binary.section(u' ', 1, 1);
    QCOMPARE(QByteArray::fromBase64(encoded.toLatin1()), cbor.requestBody);

    // A GET has no body.
    QCOMPARE(Mock::curlCommand(WidgetData::discovery(), u"http://h"_s),
        u"curl -X GET 'http://h/.well-known/mta-hooks'"_s);
}

void TestExchangeDetail::heldAndNonHookCalls()
{
    ExchangeDetail detail;
    detail.showExchange(WidgetData::heldCall());
    QVERIFY(detail.overviewTab()->toPlainText().contains(u"HELD"_s));
    QVERIFY(detail.answerTab()->answerEditor()->note().contains(u"Held"_s));
    QVERIFY(detail.answerTab()->outcomeText().contains(u"Held"_s));
    QVERIFY(detail.answerTab()->diffEditor()->isHidden());

    detail.showExchange(WidgetData::discovery());
    QVERIFY(detail.overviewTab()->toPlainText().contains(u"DISCOVERY"_s));
    QVERIFY(detail.overviewTab()->toPlainText().contains(u"what this scanner offers"_s));
    QVERIFY(detail.noMessageText().contains(u"not a hook call"_s));
    QVERIFY(detail.requestTab()->editor()->note().contains(u"No body"_s));
    QVERIFY(detail.answerTab()->answerEditor()->text().contains(u"\"registration\""_s));
    QCOMPARE(detail.exchange().kind, Mock::ExchangeKind::Discovery);
}

void TestExchangeDetail::undecodableBody()
{
    Mock::Exchange exchange = WidgetData::stalwartData();
    exchange.requestBody = QByteArray("\x00\x01\x02 not json at all", 20);
    exchange.requestHeaders = {{"Content-Type", "application/octet-stream"}};
    ExchangeDetail detail;
    detail.showExchange(exchange);
    ResponseEditor *editor = detail.requestTab()->editor();
    QVERIFY2(editor->note().contains(u"could not be decoded"_s), qPrintable(editor->note()));
    QVERIFY(editor->text().startsWith(u"00000000  00 01 02 20"_s));
    QVERIFY(detail.noMessageText().contains(u"could not be decoded"_s));
}

void TestExchangeDetail::envelopeComparison()
{
    MtaHooks::Envelope envelope;
    envelope.present = true;
    envelope.from.address = u"Erin@Example.net"_s;
    envelope.to = {{u"frank@example.com"_s, false, {}, {}, 0}};
    const ExchangeAnalysis analysis = ExchangeAnalysis::analyse(WidgetData::stalwartData());
    EnvelopeComparison c = compareEnvelope(envelope, analysis.message);
    QVERIFY(c.available);
    QVERIFY(!c.senderDiffers); // addresses compare case-insensitively
    QVERIFY(c.onlyInEnvelope.isEmpty());
    QCOMPARE(c.onlyInHeaders, QStringList {u"heidi@example.org"_s});
    envelope.present = false;
    QVERIFY(!compareEnvelope(envelope, analysis.message).available);
}

QTEST_MAIN(TestExchangeDetail)
#include "tst_ui_exchangedetail.moc"

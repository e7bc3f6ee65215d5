// SPDX-License-Identifier: GPL-3.0-or-later
// What the mock scanner sends once a rule has answered: {{pointer}} templates, every preset in
// every dialect and encoding as an MTA of the request's dialect reads it, canned bodies, and
// delays.
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rulebooktest.h"
#include "tests/scanner/scannertest.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::Answer;
using Mock::Delay;
using Mock::Rulebook;
using RulebookTest::bodyAnswer;
using ScannerTest::request;

namespace {

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

class TestScannerAnswers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void templates_data();
    void templates();
    void templateEscapesInsideStrings();
    void presets_data();
    void presets();
    void bodyAnswers_data();
    void bodyAnswers();
    void delays_data();
    void delays();
};

void TestScannerAnswers::templates_data()
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

void TestScannerAnswers::templates()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, expected);
    const HookRequest req = request(u"draft01/rcpt.json"_s);
    QCOMPARE(Mock::renderTemplate(text, req.document), expected);
}

void TestScannerAnswers::templateEscapesInsideStrings()
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

void TestScannerAnswers::presets_data()
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

void TestScannerAnswers::presets()
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

void TestScannerAnswers::bodyAnswers_data()
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

void TestScannerAnswers::bodyAnswers()
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

void TestScannerAnswers::delays_data()
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

void TestScannerAnswers::delays()
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

QTEST_GUILESS_MAIN(TestScannerAnswers)
#include "tst_scanner_answers.moc"

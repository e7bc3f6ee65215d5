// SPDX-License-Identifier: GPL-3.0-or-later
// The rules file: tests/data/scanner/rules/complete.json read in full, written back the same and
// working as documented, docs/rules-format.md showing that very file, defaults for what a file
// leaves out, and errors that say where they are and leave the rulebook as it was.
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rulebooktest.h"
#include "tests/scanner/scannertest.h"

#include <QFile>
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
using RulebookTest::rule;
using ScannerTest::request;

namespace {

QJsonObject jsonObject(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

} // namespace

class TestScannerRulesFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rulesFileRoundTrip();
    void documentedExampleIsTheFixture();
    void rulesFileDefaultsWhenAbsent();
    void rulesFileErrors_data();
    void rulesFileErrors();
    void rulesFileUnreadable();
};

void TestScannerRulesFile::rulesFileRoundTrip()
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

void TestScannerRulesFile::documentedExampleIsTheFixture()
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

void TestScannerRulesFile::rulesFileDefaultsWhenAbsent()
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

void TestScannerRulesFile::rulesFileErrors_data()
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

void TestScannerRulesFile::rulesFileErrors()
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

void TestScannerRulesFile::rulesFileUnreadable()
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

QTEST_GUILESS_MAIN(TestScannerRulesFile)
#include "tst_scanner_rulesfile.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// The sample scripts in resources/samples/scripts/, each answering sessions the mock MTA replays
// to the mock scanner: what the MTA did with the answers is what each script promises.
#include "mock/mta/requestbuilder.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/replayertest.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ReplayerTest;
using Mock::SessionRecording;

namespace {

QString samplesDir()
{
    return QDir(TestSupport::dataPath(u"../../resources/samples/scripts"_s)).absolutePath();
}

QByteArray message(const QString &from, const QString &subject, const QByteArray &attachment = {})
{
    QByteArray raw = "From: " + from.toUtf8() + "\r\nTo: someone@example.com\r\nSubject: "
        + subject.toUtf8() + "\r\nMessage-ID: <sample@example.org>\r\nMIME-Version: 1.0\r\n";
    if (attachment.isEmpty())
        return raw + "Content-Type: text/plain\r\n\r\nHello.\r\n";
    return raw
        + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
          "See attached.\r\n--b\r\nContent-Type: application/octet-stream\r\n"
          "Content-Disposition: attachment; filename=\""
        + attachment
        + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n";
}

SessionRecording session(const QByteArray &raw, const QString &from, const QStringList &to)
{
    SessionRecording recording = Mock::sessionFromMessage(raw, from, to);
    recording.client.ip = u"203.0.113.9"_s;
    return recording;
}

const Mock::StageResult &stage(const Mock::ReplayResult &result, Stage which)
{
    static const Mock::StageResult none;
    const Mock::StageResult *found = findStage(result, which);
    return found ? *found : none;
}

} // namespace

class TestScriptSamples : public ReplayerTest::Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void init() { setUp(); }
    void cleanup() { tearDown(); }
    void samplesRulesFileLoads();
    void greylist();
    void greylistAcceptsAfterTheDelay();
    void spamScore_data();
    void spamScore();
    void rewriteRecipients();
    void quarantineExecutables();

private:
    // The sample as the only rule (its source edited by `edit` when given).
    void useSample(const QString &file, const std::function<QString(QString)> &edit = {})
    {
        QFile script(QDir(samplesDir()).filePath(file));
        QVERIFY2(script.open(QIODevice::ReadOnly), qPrintable(script.fileName()));
        Mock::Rule rule;
        rule.name = file;
        rule.answer.kind = Mock::Answer::Kind::Script;
        rule.answer.script = QString::fromUtf8(script.readAll());
        if (edit)
            rule.answer.script = edit(rule.answer.script);
        QVERIFY(!m_rulebook->scripts().check(rule.answer.script));
        m_rulebook->setRules({rule});
    }
    Mock::ReplayResult replayOne(const SessionRecording &recording, Dialect dialect)
    {
        if (!replay({recording}, target(dialect)))
            qWarning("the replay did not finish");
        return m_results.value(0);
    }
};

void TestScriptSamples::samplesRulesFileLoads()
{
    Mock::Rulebook book;
    QString error;
    QVERIFY2(book.load(QDir(samplesDir()).filePath(u"rules.json"_s), &error), qPrintable(error));
    QCOMPARE(book.rules().size(), 4);
}

void TestScriptSamples::greylist()
{
    useSample(u"greylist.js"_s);
    const SessionRecording recording = session(
        message(u"ann@example.org"_s, u"Hi"_s), u"ann@example.org"_s, {u"bob@example.com"_s});
    const Mock::ReplayResult first = replayOne(recording, Dialect::Draft01);
    QCOMPARE(stage(first, Stage::Rcpt).outcome.verdict, Verdict::Tempfail);
    QCOMPARE(stage(first, Stage::Rcpt).outcome.reply.code, 451);
    // A retry within the minimum delay is greylisted again.
    const Mock::ReplayResult early = replayOne(recording, Dialect::Draft01);
    QCOMPARE(stage(early, Stage::Rcpt).outcome.verdict, Verdict::Tempfail);
    // Another triplet is greylisted on its own.
    const SessionRecording other = session(
        message(u"cy@example.org"_s, u"Hi"_s), u"cy@example.org"_s, {u"bob@example.com"_s});
    QCOMPARE(
        stage(replayOne(other, Dialect::Stalwart), Stage::Rcpt).outcome.verdict, Verdict::Tempfail);
}

void TestScriptSamples::greylistAcceptsAfterTheDelay()
{
    useSample(u"greylist.js"_s, [](QString source) {
        return source.replace(
            u"var minimumDelayMs = 5 * 60 * 1000;"_s, u"var minimumDelayMs = 0;"_s);
    });
    const SessionRecording recording = session(
        message(u"ann@example.org"_s, u"Hi"_s), u"ann@example.org"_s, {u"bob@example.com"_s});
    QCOMPARE(stage(replayOne(recording, Dialect::Draft01), Stage::Rcpt).outcome.verdict,
        Verdict::Tempfail);
    const Mock::ReplayResult retry = replayOne(recording, Dialect::Draft01);
    QCOMPARE(stage(retry, Stage::Rcpt).outcome.verdict, Verdict::Accept);
    QVERIFY(retry.messageQueued);
}

void TestScriptSamples::spamScore_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addRow("stalwart") << Dialect::Stalwart;
    QTest::addRow("draft-01") << Dialect::Draft01;
    QTest::addRow("draft-02") << Dialect::Draft02;
}

void TestScriptSamples::spamScore()
{
    QFETCH(Dialect, dialect);
    useSample(u"spam-score.js"_s);
    // Subject words (1.5 + 2 + 2) and a header From that is not the sender (2): 7.5 > 5.
    const Mock::ReplayResult spam
        = replayOne(session(message(u"prizes@lottery.example"_s, u"FREE bitcoin for the WINNER"_s),
                        u"bounce@mailer.example"_s, {u"bob@example.com"_s}),
            dialect);
    QCOMPARE(stage(spam, Stage::Data).outcome.verdict, Verdict::Reject);
    QVERIFY(stage(spam, Stage::Data).outcome.reply.message.contains(u"score 7.5"_s));
    QVERIFY(!spam.messageQueued);
    // A clean message goes through, scored.
    const Mock::ReplayResult clean = replayOne(session(message(u"ann@example.org"_s, u"Minutes"_s),
                                                   u"ann@example.org"_s, {u"bob@example.com"_s}),
        dialect);
    QCOMPARE(stage(clean, Stage::Data).outcome.verdict, Verdict::Accept);
    QVERIFY2(clean.messageAfter.contains("X-Spam-Score: 0.0"), clean.messageAfter.constData());
}

void TestScriptSamples::rewriteRecipients()
{
    useSample(u"rewrite-recipients.js"_s);
    const Mock::ReplayResult result
        = replayOne(session(message(u"ann@example.org"_s, u"Moved"_s), u"ann@example.org"_s,
                        {u"Bob@old.example.com"_s, u"cy@example.com"_s}),
            Dialect::Draft01);
    QStringList after;
    for (const EnvelopeAddress &to : result.envelopeAfter.to)
        after << to.address;
    after.sort();
    QCOMPARE(after,
        QStringList({u"archive@example.com"_s, u"bob@new.example.com"_s, u"cy@example.com"_s}));
}

void TestScriptSamples::quarantineExecutables()
{
    useSample(u"quarantine-executables.js"_s);
    const Mock::ReplayResult program
        = replayOne(session(message(u"ann@example.org"_s, u"Invoice"_s, "invoice.pdf.exe"),
                        u"ann@example.org"_s, {u"bob@example.com"_s}),
            Dialect::Draft01);
    QCOMPARE(stage(program, Stage::Data).outcome.verdict, Verdict::Quarantine);
    QVERIFY2(program.messageAfter.contains("X-Quarantine-Reason: executable attachment: "
                                           "invoice.pdf.exe"),
        program.messageAfter.constData());
    // A document is not this script's business: the stage default answers.
    const Mock::ReplayResult document
        = replayOne(session(message(u"ann@example.org"_s, u"Invoice"_s, "invoice.pdf"),
                        u"ann@example.org"_s, {u"bob@example.com"_s}),
            Dialect::Draft01);
    QCOMPARE(stage(document, Stage::Data).outcome.verdict, Verdict::Accept);
    QVERIFY(!document.messageAfter.contains("X-Quarantine-Reason"));
}

QTEST_GUILESS_MAIN(TestScriptSamples)
#include "tst_mta_scriptsamples.moc"

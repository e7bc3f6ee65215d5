// SPDX-License-Identifier: GPL-3.0-or-later
// What a Stalwart MTA does with an answer: its replies and verdicts, what a stopping action does at
// each stage, the tempFailOnError switch, and the byte-exact header, envelope and contents
// modifications it applies at data only; and the default replies of each dialect.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

namespace {

const QByteArray stalwartBody = "Numbers are in.\r\nRevenue is up 4%.\r\n"_ba;

// The header block of stalwart/req-data.eml, field by field.
const QByteArray sFrom = "From: Carol <carol@example.net>\r\n"_ba;
const QByteArray sTo = "To: dave@example.com,\r\n erin@example.com\r\n"_ba;
const QByteArray sSubject = "Subject: Quarterly\r\n report\r\n"_ba;
const QByteArray sDate = "Date: Thu, 01 Oct 2026 16:20:00 +0000\r\n"_ba;
const QByteArray sMessageId = "Message-ID: <q3-report@example.net>\r\n"_ba;
const QByteArray sRef2 = "References: <q2-report@example.net>\r\n"_ba;
const QByteArray sRef1 = "References: <q1-report@example.net>\r\n"_ba;
const QByteArray sMailer = "X-Mailer: Ledger 4.2\r\n"_ba;
const QByteArray sTag = "X-Tag:no-space-after-colon\r\n"_ba;
const QByteArray sTagRewritten = "X-Tag: no-space-after-colon\r\n"_ba;
const QByteArray sMime = "MIME-Version: 1.0\r\n"_ba;
const QByteArray sType = "Content-Type: text/plain; charset=utf-8\r\n"_ba;

QByteArray stalwartMessage(const QByteArrayList &headers, const QByteArray &body = stalwartBody)
{
    return headers.join() + "\r\n" + body;
}

QByteArray stalwartOriginal()
{
    return stalwartMessage(
        {sFrom, sTo, sSubject, sDate, sMessageId, sRef2, sRef1, sMailer, sTag, sMime, sType});
}

QByteArray stalwartAnswer(const QByteArray &modifications)
{
    return R"({"action":"accept","modifications":[)" + modifications + "]}";
}

} // namespace

class TestProtocolApplyStalwart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stalwartReplies_data();
    void stalwartReplies();
    void stalwartStageEffects_data();
    void stalwartStageEffects();
    void stalwartTempFailOff();
    void stalwartModifications_data();
    void stalwartModifications();
    void stalwartEnvelopeModifications();
    void stalwartModificationsOnlyAtData();
    void defaultReplies();
};

void TestProtocolApplyStalwart::stalwartReplies_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<Action>("action");
    QTest::addColumn<QString>("reply");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<bool>("queued");
    QTest::addColumn<bool>("malformed");
    const QString data = u"stalwart/req-data.json"_s;
    auto row = [&data](const char *response, Action action, const QString &reply, Verdict verdict,
                   bool queued, bool malformed) {
        QTest::addRow("%s", response) << data << QString::fromLatin1(response) << action << reply
                                      << verdict << queued << malformed;
    };
    row("stalwart/resp-accept.json", Action::Accept, u"250 2.0.0 Message queued for delivery."_s,
        Verdict::Accept, true, false);
    row("stalwart/resp-response-null.json", Action::Accept,
        u"250 2.0.0 Message queued for delivery."_s, Verdict::Accept, true, false);
    row("stalwart/resp-reject-custom.json", Action::Reject,
        u"550 5.7.1 Quarterly reports must be encrypted"_s, Verdict::Reject, false, false);
    row("stalwart/resp-tempfail.json", Action::Reject, u"451 4.7.1 Scanner busy, try again later"_s,
        Verdict::Tempfail, false, false);
    // Any status passes through verbatim, even one that is no SMTP reply class.
    row("stalwart/resp-reply-321.json", Action::Reject, u"321 Keep talking"_s, Verdict::Reject,
        false, false);
    // A custom reply needs both status and message.
    row("stalwart/resp-reject-status-only.json", Action::Reject, u"503 5.5.3 Message rejected."_s,
        Verdict::Reject, false, false);
    // enhancedStatus is ignored: the reply goes out without an enhanced code.
    row("stalwart/resp-enhancedStatus.json", Action::Reject, u"550 Camel case loses the code"_s,
        Verdict::Reject, false, false);
    row("stalwart/resp-discard.json", Action::Discard, u"250 2.0.0 Message queued for delivery."_s,
        Verdict::Discard, false, false);
    row("stalwart/resp-discard-custom.json", Action::Discard, u"250 2.0.0 Dropped quietly"_s,
        Verdict::Discard, false, false);
    // Quarantine takes discard's path in Stalwart 0.16 (reference §c.1).
    row("stalwart/resp-quarantine.json", Action::Quarantine,
        u"250 2.0.0 Message queued for delivery."_s, Verdict::Quarantine, false, false);
    row("stalwart/resp-disconnect-true.json", Action::Reject, u"421 4.3.0 Closing"_s,
        Verdict::Tempfail, false, false);
    // Every answer Stalwart cannot parse is a hook error: 451 4.3.5 with tempFailOnError.
    const QString tempfail = u"451 4.3.5 Unable to accept message at this time."_s;
    for (const char *invalid : {"empty-object", "missing-action", "action-uppercase",
             "action-tempfail", "action-disconnect", "modifications-null", "parameters-null",
             "numeric-parameter", "addRcpt", "deleteRcpt", "negative-index", "status-string",
             "disconnect-null", "array"}) {
        const QString fixture = u"stalwart/resp-INVALID-%1.json"_s.arg(QLatin1String(invalid));
        QTest::addRow("%s", qPrintable(fixture))
            << data << fixture << Action::Reject << tempfail << Verdict::Tempfail << false << true;
    }
}

void TestProtocolApplyStalwart::stalwartReplies()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    QFETCH(Action, action);
    QFETCH(QString, reply);
    QFETCH(Verdict, verdict);
    QFETCH(bool, queued);
    QFETCH(bool, malformed);
    const Outcome outcome = applyFixture(requestFixture, responseFixture);
    QCOMPARE(outcome.dialect, Dialect::Stalwart);
    QCOMPARE(outcome.stage, Stage::Data);
    QCOMPARE(outcome.action, action);
    QCOMPARE(outcome.reply.toString(), reply);
    QCOMPARE(outcome.verdict, verdict);
    QCOMPARE(outcome.hasMessage, queued);
    QCOMPARE(outcome.malformed, malformed);
    // Stalwart parses disconnect but never acts on it.
    QCOMPARE(outcome.disconnect, false);
    QVERIFY(!outcome.messageChanged);
    if (queued)
        QCOMPARE(outcome.message, stalwartOriginal());
}

void TestProtocolApplyStalwart::stalwartStageEffects_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<bool>("disconnect");
    QTest::addColumn<bool>("envelopePresent");
    QTest::addColumn<QStringList>("recipients");
    QTest::addColumn<QString>("reply");
    const QStringList both {u"dave@example.com"_s, u"erin@example.com"_s};
    const QStringList dave {u"dave@example.com"_s};
    QTest::addRow("connect/reject")
        << u"stalwart/req-connect.json"_s << u"stalwart/resp-reject-custom.json"_s << true << false
        << QStringList() << u"550 5.7.1 Quarterly reports must be encrypted"_s;
    QTest::addRow("connect/accept")
        << u"stalwart/req-connect.json"_s << u"stalwart/resp-accept.json"_s << false << false
        << QStringList() << u"220 Service ready"_s;
    QTest::addRow("ehlo/reject") << u"stalwart/req-ehlo.json"_s << u"stalwart/resp-tempfail.json"_s
                                 << false << false << QStringList()
                                 << u"451 4.7.1 Scanner busy, try again later"_s;
    // MAIL FROM is forgotten.
    QTest::addRow("mail/reject") << u"stalwart/req-mail.json"_s
                                 << u"stalwart/resp-reject-custom.json"_s << false << false
                                 << QStringList()
                                 << u"550 5.7.1 Quarterly reports must be encrypted"_s;
    QTest::addRow("mail/accept") << u"stalwart/req-mail.json"_s << u"stalwart/resp-accept.json"_s
                                 << false << true << QStringList() << u"250 2.1.0 OK"_s;
    // The recipient being checked (the last) is removed, even for discard's 250.
    QTest::addRow("rcpt/reject") << u"stalwart/req-rcpt.json"_s
                                 << u"stalwart/resp-reject-custom.json"_s << false << true << dave
                                 << u"550 5.7.1 Quarterly reports must be encrypted"_s;
    QTest::addRow("rcpt/discard") << u"stalwart/req-rcpt.json"_s << u"stalwart/resp-discard.json"_s
                                  << false << true << dave
                                  << u"250 2.0.0 Message queued for delivery."_s;
    QTest::addRow("rcpt/quarantine")
        << u"stalwart/req-rcpt.json"_s << u"stalwart/resp-quarantine.json"_s << false << true
        << dave << u"250 2.0.0 Message queued for delivery."_s;
    QTest::addRow("rcpt/accept") << u"stalwart/req-rcpt.json"_s << u"stalwart/resp-accept.json"_s
                                 << false << true << both << u"250 2.1.5 OK"_s;
    // A hook error (tempFailOnError) takes the same path as a reject: Stalwart pops the
    // recipient, forgets MAIL FROM, closes the connection at connect.
    QTest::addRow("rcpt/invalid") << u"stalwart/req-rcpt.json"_s
                                  << u"stalwart/resp-INVALID-empty-object.json"_s << false << true
                                  << dave << u"451 4.3.5 Unable to accept message at this time."_s;
    QTest::addRow("mail/invalid") << u"stalwart/req-mail.json"_s
                                  << u"stalwart/resp-INVALID-array.json"_s << false << false
                                  << QStringList()
                                  << u"451 4.3.5 Unable to accept message at this time."_s;
    QTest::addRow("connect/invalid")
        << u"stalwart/req-connect.json"_s << u"stalwart/resp-INVALID-action-uppercase.json"_s
        << true << false << QStringList() << u"451 4.3.5 Unable to accept message at this time."_s;
}

void TestProtocolApplyStalwart::stalwartStageEffects()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    QFETCH(bool, disconnect);
    QFETCH(bool, envelopePresent);
    QFETCH(QStringList, recipients);
    QFETCH(QString, reply);
    const HookRequest decoded = request(requestFixture);
    const Outcome outcome = apply(decoded, response(responseFixture, decoded));
    QCOMPARE(outcome.disconnect, disconnect);
    QCOMPARE(outcome.envelope.present, envelopePresent);
    QCOMPARE(outcome.envelope.recipients(), recipients);
    QCOMPARE(outcome.envelopeChanged, outcome.envelope != decoded.envelope);
    QCOMPARE(outcome.reply.toString(), reply);
    QVERIFY(!outcome.hasMessage);
}

void TestProtocolApplyStalwart::stalwartTempFailOff()
{
    const HookRequest decoded = request(u"stalwart/req-data.json"_s);
    const HookResponse answer
        = response(u"stalwart/resp-INVALID-modifications-null.json"_s, decoded);
    QVERIFY(answer.malformed);
    ApplyOptions options;
    options.tempFailOnError = false;
    // The hook is skipped: the chain goes on as if it had accepted, without its edits.
    const Outcome outcome = apply(decoded, answer, options);
    QVERIFY(outcome.malformed);
    QCOMPARE(outcome.action, Action::Accept);
    QCOMPARE(outcome.reply.code, 250);
    QCOMPARE(outcome.message, stalwartOriginal());
    // An empty body (even 204) is a hook error too.
    const Outcome empty = apply(decoded, response(QByteArray(), decoded, 204));
    QVERIFY(empty.malformed);
    QCOMPARE(empty.reply.toString(), u"451 4.3.5 Unable to accept message at this time."_s);
}

void TestProtocolApplyStalwart::stalwartModifications_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("stalwart/resp-modifications.json")
        << fixture(u"stalwart/resp-modifications.json"_s)
        << stalwartMessage(
               {"X-Scanned: clean\r\n"_ba, sFrom, sTo, "Subject: [EXT] Quarterly report\r\n"_ba,
                   sDate, sMessageId, sRef2, "References: <q0-report@example.net>\r\n"_ba, sRef1,
                   sTagRewritten, sMime, sType},
               "Numbers withheld.\r\n"_ba);
    // Only addHeaders: prepended in order to the untouched header block ("Name: value", no CRLF
    // added to a value that ends with one).
    QTest::addRow("stalwart/resp-add-headers.json")
        << fixture(u"stalwart/resp-add-headers.json"_s)
        << "X-Scanned: clean\r\nX-Score: 0.1\r\n"_ba + stalwartOriginal();
    // Two replaceContents in one answer are concatenated; the header block stays byte-exact.
    QTest::addRow("stalwart/resp-replace-twice.json")
        << fixture(u"stalwart/resp-replace-twice.json"_s)
        << stalwartMessage(
               {sFrom, sTo, sSubject, sDate, sMessageId, sRef2, sRef1, sMailer, sTag, sMime, sType},
               "Part one.\r\nPart two.\r\n"_ba);
    // insertHeader 0 is the top; N beyond the existing ones goes before the last of that name.
    QTest::addRow("insert-0-and-beyond")
        << stalwartAnswer(R"({"type":"insertHeader","index":0,"name":"X-Top","value":"1"},
            {"type":"insertHeader","index":7,"name":"References","value":"<q9@example.net>"})")
        << stalwartMessage({"X-Top: 1\r\n"_ba, sFrom, sTo, sSubject, sDate, sMessageId, sRef2,
               "References: <q9@example.net>\r\n"_ba, sRef1, sMailer, sTagRewritten, sMime, sType});
    // insertHeader of a name that does not exist goes to the top.
    QTest::addRow("insert-unknown-name")
        << stalwartAnswer(R"({"type":"insertHeader","index":3,"name":"X-New","value":"n"})")
        << stalwartMessage({"X-New: n\r\n"_ba, sFrom, sTo, sSubject, sDate, sMessageId, sRef2,
               sRef1, sMailer, sTagRewritten, sMime, sType});
    // changeHeader/deleteHeader count occurrences from 1; each sees the previous edits.
    QTest::addRow("delete-then-change-same-name")
        << stalwartAnswer(R"({"type":"deleteHeader","index":1,"name":"references"},
            {"type":"changeHeader","index":1,"name":"References","value":"<z@example.net>"})")
        << stalwartMessage({sFrom, sTo, sSubject, sDate, sMessageId,
               "References: <z@example.net>\r\n"_ba, sMailer, sTagRewritten, sMime, sType});
    QTest::addRow("change-second-occurrence")
        << stalwartAnswer(R"({"type":"changeHeader","index":2,"name":"References","value":" <x>"})")
        << stalwartMessage({sFrom, sTo, sSubject, sDate, sMessageId, sRef2,
               "References: <x>\r\n"_ba, sMailer, sTagRewritten, sMime, sType});
    // Index 0 or out of range changes nothing - but the block is still rewritten, so a header
    // without a space after its colon gains one, as in Stalwart.
    QTest::addRow("change-index-0") << stalwartAnswer(R"({"type":"changeHeader","index":0,
            "name":"Subject","value":"ignored"})")
                                    << stalwartMessage({sFrom, sTo, sSubject, sDate, sMessageId,
                                           sRef2, sRef1, sMailer, sTagRewritten, sMime, sType});
    QTest::addRow("delete-out-of-range")
        << stalwartAnswer(R"({"type":"deleteHeader","index":3,
            "name":"References"})")
        << stalwartMessage({sFrom, sTo, sSubject, sDate, sMessageId, sRef2, sRef1, sMailer,
               sTagRewritten, sMime, sType});
    // changeHeader of a missing header with a value is an addHeader (no rewrite).
    QTest::addRow("change-missing-header")
        << stalwartAnswer(R"({"type":"changeHeader","index":1,"name":"X-Absent","value":"v"})")
        << "X-Absent: v\r\n"_ba + stalwartOriginal();
    // The ":" / ": " rule when rewriting: a value starting with ASCII whitespace (Rust's
    // is_ascii_whitespace: space, tab, LF, FF, CR) gets ":" only.
    QTest::addRow("rewrite-colon-rule")
        << stalwartAnswer(
               R"({"type":"changeHeader","index":1,"name":"X-Mailer","value":"\tLedger 5"},
            {"type":"changeHeader","index":1,"name":"Message-ID","value":"\f<ff>"},
            {"type":"changeHeader","index":1,"name":"Date","value":"now\n"})")
        << stalwartMessage({sFrom, sTo, sSubject, "Date: now\n"_ba, "Message-ID:\f<ff>\r\n"_ba,
               sRef2, sRef1, "X-Mailer:\tLedger 5\r\n"_ba, sTagRewritten, sMime, sType});
    // With a rewrite, addHeaders are inserted at position 0 one after the other: reversed.
    QTest::addRow("add-headers-with-rewrite")
        << stalwartAnswer(R"({"type":"addHeader","name":"X-A","value":"1"},
            {"type":"addHeader","name":"X-B","value":"2"},
            {"type":"deleteHeader","index":1,"name":"X-Tag"})")
        << stalwartMessage({"X-B: 2\r\n"_ba, "X-A: 1\r\n"_ba, sFrom, sTo, sSubject, sDate,
               sMessageId, sRef2, sRef1, sMailer, sMime, sType});
    // Without header changes the original block is kept byte for byte (X-Tag unchanged).
    QTest::addRow("replace-only") << stalwartAnswer(R"({"type":"replaceContents","value":"x"})")
                                  << stalwartMessage({sFrom, sTo, sSubject, sDate, sMessageId,
                                                         sRef2, sRef1, sMailer, sTag, sMime, sType},
                                         "x"_ba);
}

void TestProtocolApplyStalwart::stalwartModifications()
{
    QFETCH(QByteArray, answer);
    QFETCH(QByteArray, expected);
    const HookRequest decoded = request(u"stalwart/req-data.json"_s);
    QCOMPARE(decoded.rawMessage, stalwartOriginal());
    const HookResponse parsed = response(answer, decoded);
    QVERIFY2(!parsed.malformed, qPrintable(describe(parsed.problems)));
    const Outcome outcome = apply(decoded, parsed);
    QCOMPARE(outcome.action, Action::Accept);
    QVERIFY(outcome.hasMessage);
    QCOMPARE(outcome.message, expected);
    QCOMPARE(outcome.messageChanged, expected != stalwartOriginal());
}

void TestProtocolApplyStalwart::stalwartEnvelopeModifications()
{
    const HookRequest decoded = request(u"stalwart/req-data.json"_s);
    const Outcome outcome
        = apply(decoded, response(u"stalwart/resp-modifications.json"_s, decoded));
    QVERIFY(outcome.envelopeChanged);
    // <…> stripped and lower-cased, as Stalwart stores it.
    QCOMPARE(outcome.envelope.from.address, u"bounces@example.net"_s);
    QCOMPARE(outcome.envelope.from.parameters,
        (Parameters {{u"RET"_s, u"HDRS"_s}, {u"ENVID"_s, u"q3-77"_s}}));
    QCOMPARE(outcome.envelope.recipients(),
        (QStringList {u"dave@example.com"_s, u"audit@example.com"_s}));

    // Recipients without '@', duplicates and mixed-case deletes are ignored.
    const Outcome ignored = apply(decoded,
        response(stalwartAnswer(R"({"type":"addRecipient","value":"postmaster"},
            {"type":"addRecipient","value":"<DAVE@example.com>"},
            {"type":"deleteRecipient","value":"Erin@Example.com"})"),
            decoded));
    QCOMPARE(ignored.envelope.recipients(), decoded.envelope.recipients());
    QVERIFY(!ignored.envelopeChanged);
    QVERIFY(!ignored.messageChanged);
}

void TestProtocolApplyStalwart::stalwartModificationsOnlyAtData()
{
    const HookRequest rcpt = request(u"stalwart/req-rcpt.json"_s);
    const Outcome outcome = apply(rcpt, response(u"stalwart/resp-modifications.json"_s, rcpt));
    QCOMPARE(outcome.action, Action::Accept);
    QVERIFY(!outcome.envelopeChanged);
    QCOMPARE(outcome.envelope, rcpt.envelope);
    QVERIFY(!outcome.messageChanged);
    QVERIFY(hasProblem(outcome.problems, u"/modifications"_s, Severity::Info));
    // A stopping action drops the modifications of the same answer.
    const HookRequest data = request(u"stalwart/req-data.json"_s);
    QByteArray rejecting = fixture(u"stalwart/resp-modifications.json"_s);
    rejecting.replace(R"("action": "accept")", R"("action": "reject")");
    const Outcome rejected = apply(data, response(rejecting, data));
    QCOMPARE(rejected.action, Action::Reject);
    QVERIFY(!rejected.envelopeChanged);
    QVERIFY(!rejected.messageChanged);
}

void TestProtocolApplyStalwart::defaultReplies()
{
    QCOMPARE(defaultReply(Dialect::Stalwart, Stage::Data, Action::Reject).toString(),
        u"503 5.5.3 Message rejected."_s);
    QCOMPARE(defaultReply(Dialect::Stalwart, Stage::Rcpt, Action::Discard).toString(),
        u"250 2.0.0 Message queued for delivery."_s);
    QCOMPARE(defaultReply(Dialect::Stalwart, Stage::Data, Action::Quarantine).toString(),
        u"250 2.0.0 Message queued for delivery."_s);
    QCOMPARE(defaultReply(Dialect::Draft01, Stage::Data, Action::Reject).code, 550);
    QVERIFY(defaultReply(Dialect::Draft01, Stage::Delivery, Action::Cancel).isEmpty());
    QCOMPARE(verdictFor(Action::Reject, 451), Verdict::Tempfail);
    QCOMPARE(verdictFor(Action::Reject, 321), Verdict::Reject);
}

QTEST_GUILESS_MAIN(TestProtocolApplyStalwart)
#include "tst_protocol_applystalwart.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
// What an MTA does with an answer: Stalwart's replies, stage effects and byte-exact modifications;
// the drafts' patch order, no-op forms, message and envelope edits, and their failure rules.
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

class TestProtocolApply : public QObject
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
    void draftNoOpFormsAreIdentical_data();
    void draftNoOpFormsAreIdentical();
    void draftReplies_data();
    void draftReplies();
    void draftOrderIsSetAddDelete();
    void draftDeleteIndexShifting_data();
    void draftDeleteIndexShifting();
    void draftAddWithAndWithoutIndex();
    void draftMessageEdits_data();
    void draftMessageEdits();
    void draftRawMessageBeatsMessage();
    void draftEnvelopeEdits();
    void draftRcptRejectDropsRecipient();
    void draftDowngradeRefused_data();
    void draftDowngradeRefused();
    void draftSkipsFailedOperation();
    void draftMalformedAppliesNothing_data();
    void draftMalformedAppliesNothing();
    void draftEscapedPointer();
    void draftRecheckedAgainstRequest_data();
    void draftRecheckedAgainstRequest();
    void crossDialectAnswers_data();
    void crossDialectAnswers();
    void draftDeletingJmapViewKeepsMessage();
    void draftSetDoesNotAppendToArrays();
    void draftResultingActionMustBeValid_data();
    void draftResultingActionMustBeValid();
    void draftNonAsciiSubjectIsEncoded();
    void draftJmapHeadersNotMirroringRaw();
    void outboundFailedSilent();
    void outboundCancel();
    void dsnSuppression();
    void draft02Operations_data();
    void draft02Operations();
    void draft02IsAtomic_data();
    void draft02IsAtomic();
    void defaultReplies();
};

void TestProtocolApply::stalwartReplies_data()
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

void TestProtocolApply::stalwartReplies()
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

void TestProtocolApply::stalwartStageEffects_data()
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

void TestProtocolApply::stalwartStageEffects()
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

void TestProtocolApply::stalwartTempFailOff()
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

void TestProtocolApply::stalwartModifications_data()
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

void TestProtocolApply::stalwartModifications()
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

void TestProtocolApply::stalwartEnvelopeModifications()
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

void TestProtocolApply::stalwartModificationsOnlyAtData()
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

void TestProtocolApply::draftNoOpFormsAreIdentical_data()
{
    QTest::addColumn<QString>("requestFixture");
    for (const char *name : {"data", "data-quarantined", "rcpt", "connect", "delivery", "dsn"}) {
        const QString fixture = u"draft01/req-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
    }
}

void TestProtocolApply::draftNoOpFormsAreIdentical()
{
    QFETCH(QString, requestFixture);
    const HookRequest decoded = request(requestFixture);
    const Outcome reference = apply(decoded, response(QByteArray(), decoded, 204));
    QVERIFY2(!reference.malformed, qPrintable(describe(reference.problems)));
    QCOMPARE(reference.action, decoded.action);
    QCOMPARE(reference.document, decoded.document);
    QCOMPARE(reference.message, decoded.rawMessage);
    QCOMPARE(reference.envelope, decoded.envelope);
    QVERIFY(!reference.messageChanged);
    QVERIFY(!reference.envelopeChanged);
    if (decoded.direction() == Direction::Inbound)
        QCOMPARE(reference.reply, decoded.reply);
    for (const char *form : {"draft01/resp-empty.json", "draft01/resp-null-arrays.json",
             "draft01/resp-empty-arrays.json", "draft02/resp-empty.json"}) {
        const HookResponse answer = response(QString::fromLatin1(form), decoded);
        QVERIFY2(!answer.malformed, form);
        const Outcome outcome = apply(decoded, answer);
        QVERIFY2(!outcome.malformed, form);
        QCOMPARE(outcome.action, reference.action);
        QCOMPARE(outcome.verdict, reference.verdict);
        QCOMPARE(outcome.reply, reference.reply);
        QCOMPARE(outcome.document, reference.document);
        QCOMPARE(outcome.message, reference.message);
        QCOMPARE(outcome.hasMessage, reference.hasMessage);
        QCOMPARE(outcome.envelope, reference.envelope);
        QCOMPARE(outcome.messageChanged, false);
        QCOMPARE(outcome.envelopeChanged, false);
        QCOMPARE(outcome.disconnect, reference.disconnect);
    }
}

void TestProtocolApply::draftReplies_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<Action>("action");
    QTest::addColumn<QString>("reply");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<bool>("disconnect");
    const QString data = u"draft01/req-data.json"_s;
    const QString queued = u"250 2.0.0 Queued as q3-8812"_s;
    auto row = [](const QString &request, const char *answer, Action action, const QString &reply,
                   Verdict verdict, bool disconnect) {
        QTest::addRow("%s", answer)
            << request << QString::fromLatin1(answer) << action << reply << verdict << disconnect;
    };
    row(data, "draft01/resp-accept.json", Action::Accept, queued, Verdict::Accept, false);
    row(data, "draft01/resp-reject-custom.json", Action::Reject,
        u"550 5.7.1 Unencrypted reports refused"_s, Verdict::Reject, false);
    // A reject that leaves the 250 of the request gets the MTA's default failure reply.
    row(data, "draft01/resp-reject-default.json", Action::Reject, u"550 5.7.1 Rejected by policy"_s,
        Verdict::Reject, false);
    row(data, "draft01/resp-tempfail-fields.json", Action::Reject, u"451 4.7.1 Scanner busy"_s,
        Verdict::Tempfail, false);
    // discard and quarantine: the client sees success.
    row(data, "draft01/resp-discard.json", Action::Discard, queued, Verdict::Discard, false);
    row(data, "draft01/resp-quarantine.json", Action::Quarantine, queued, Verdict::Quarantine,
        false);
    row(data, "draft01/resp-disconnect.json", Action::Disconnect,
        u"421 4.7.0 Connection closed by policy"_s, Verdict::Disconnect, true);
    row(data, "draft02/resp-reject-custom.json", Action::Reject, u"554 5.7.1 Report refused"_s,
        Verdict::Reject, false);
    row(data, "draft02/resp-accept.json", Action::Accept, queued, Verdict::Accept, false);
    row(data, "draft02/resp-tempfail.json", Action::Reject, u"451 4.7.1 Scanner busy"_s,
        Verdict::Tempfail, false);
    row(data, "draft02/resp-discard.json", Action::Discard, queued, Verdict::Discard, false);
    row(data, "draft02/resp-quarantine.json", Action::Quarantine, queued, Verdict::Quarantine,
        false);
    row(u"draft01/req-connect.json"_s, "draft01/resp-disconnect.json", Action::Disconnect,
        u"421 4.7.0 Connection closed by policy"_s, Verdict::Disconnect, true);
    row(u"draft01/req-mail.json"_s, "draft01/resp-tempfail-fields.json", Action::Reject,
        u"451 4.7.1 Scanner busy"_s, Verdict::Tempfail, false);
    // Outbound stages have no SMTP reply to the client.
    row(u"draft01/req-delivery.json"_s, "draft01/resp-outbound-cancel.json", Action::Cancel,
        QString(), Verdict::Cancel, false);
}

void TestProtocolApply::draftReplies()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    QFETCH(Action, action);
    QFETCH(QString, reply);
    QFETCH(Verdict, verdict);
    QFETCH(bool, disconnect);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(responseFixture, decoded);
    QVERIFY2(!answer.malformed, qPrintable(describe(answer.problems)));
    const Outcome outcome = apply(decoded, answer);
    QVERIFY(!outcome.malformed);
    QCOMPARE(outcome.action, action);
    QCOMPARE(outcome.reply.toString(), reply);
    QCOMPARE(outcome.verdict, verdict);
    QCOMPARE(outcome.disconnect, disconnect);
    QCOMPARE(outcome.document.value(u"/action").toString(), actionName(action));
}

void TestProtocolApply::draftOrderIsSetAddDelete()
{
    // The answer lists delete, add, set. Applied set -> add -> delete, the From value changes, the
    // added X-Scan lands at index 0 and the delete of index 0 removes it again. Applied in
    // document order the From header would be gone and X-Scan would carry Carol's address.
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome = apply(decoded, response(u"draft01/resp-ordering.json"_s, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.document.value(u"/message/headers/0/name").toString(), u"From"_s);
    QCOMPARE(outcome.document.value(u"/message/headers/0/value").toString(),
        u" Carol Example <carol@example.net>"_s);
    QCOMPARE(outcome.document.value(u"/message/headers").size(), 9);
    QByteArray expected = fixture(u"draft01/req-data.eml"_s);
    expected.replace("From: Carol <carol@", "From: Carol Example <carol@");
    QCOMPARE(outcome.message, expected);
    QVERIFY(outcome.messageChanged);
    QVERIFY(!atSeverity(outcome.problems, Severity::Warning).size());
}

void TestProtocolApply::draftDeleteIndexShifting_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<QStringList>("headers");
    // Original: From(0) To(1) Subject(2) Date(3) Message-ID(4) X-Mailer(5) X-Report-Tags(6) ...
    const QStringList tail {
        u"X-Mailer"_s, u"X-Report-Tags"_s, u"MIME-Version"_s, u"Content-Type"_s};
    // Highest index first removes Date and To, as intended.
    QTest::addRow("draft01/resp-delete-3-then-1.json")
        << u"draft01/resp-delete-3-then-1.json"_s
        << QStringList {u"From"_s, u"Subject"_s, u"Message-ID"_s} + tail;
    // Lowest first: after deleting To, index 3 is Message-ID.
    QTest::addRow("draft01/resp-delete-1-then-3.json")
        << u"draft01/resp-delete-1-then-3.json"_s
        << QStringList {u"From"_s, u"Subject"_s, u"Date"_s} + tail;
}

void TestProtocolApply::draftDeleteIndexShifting()
{
    QFETCH(QString, responseFixture);
    QFETCH(QStringList, headers);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome = apply(decoded, response(responseFixture, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QStringList names;
    const Document list = outcome.document.value(u"/message/headers");
    for (qsizetype i = 0; i < list.size(); ++i)
        names << list.at(i).member(u"name").toString();
    QCOMPARE(names, headers);
    QCOMPARE(headerNames(outcome.message), headers);
    QCOMPARE(bodyOf(outcome.message), bodyOf(decoded.rawMessage));
}

void TestProtocolApply::draftAddWithAndWithoutIndex()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome = apply(decoded, response(u"draft01/resp-add-index.json"_s, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    // index 0 prepends; null or absent index appends; index 2 counts the earlier adds.
    const QStringList expected {u"X-First"_s, u"From"_s, u"X-Third"_s, u"To"_s, u"Subject"_s,
        u"Date"_s, u"Message-ID"_s, u"X-Mailer"_s, u"X-Report-Tags"_s, u"MIME-Version"_s,
        u"Content-Type"_s, u"X-Null-Index"_s, u"X-No-Index"_s};
    QCOMPARE(headerNames(outcome.message), expected);
    QVERIFY(outcome.message.startsWith("X-First: 1\r\nFrom: Carol <carol@example.net>\r\n"
                                       "X-Third: 4\r\nTo: dave@example.com,\r\n erin@"));
    QVERIFY(outcome.message.contains("Content-Type: text/plain; charset=utf-8\r\n"
                                     "X-Null-Index: 2\r\nX-No-Index: 3\r\n\r\nNumbers are in."));
    // An index past the end fails and is skipped (draft-01 skips failed operations).
    const Outcome past = apply(decoded,
        response(
            R"({"add":[{"path":"/message/headers","value":{"name":"X","value":" x"},"index":10}]})"_ba,
            decoded));
    QVERIFY(!past.malformed);
    QVERIFY(hasProblem(past.problems, u"/add/0"_s, Severity::Warning));
    QCOMPARE(past.message, decoded.rawMessage);
}

void TestProtocolApply::draftMessageEdits_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<QByteArray>("from");
    QTest::addColumn<QByteArray>("to");
    // JMAP edits touch only the edited field: the folded To and the tab-folded X-Report-Tags keep
    // their bytes.
    QTest::addRow("draft01/resp-subject-edit.json")
        << u"draft01/resp-subject-edit.json"_s << "Subject: Quarterly report\r\n"_ba
        << "Subject: [EXT] Quarterly report\r\n"_ba;
    QTest::addRow("draft01/resp-header-value-edit.json")
        << u"draft01/resp-header-value-edit.json"_s << "X-Mailer: Ledger 4.2\r\n"_ba
        << "X-Mailer: Ledger 5.0\r\n"_ba;
    QTest::addRow("draft01/resp-body-edit.json")
        << u"draft01/resp-body-edit.json"_s << "Numbers are in.\r\nRevenue is up 4%.\r\n"_ba
        << "Numbers withheld.\r\n"_ba;
    QTest::addRow("draft02/resp-replace-subject.json")
        << u"draft02/resp-replace-subject.json"_s << "Subject: Quarterly report\r\n"_ba
        << "Subject: [EXT] Quarterly report\r\n"_ba;
    QTest::addRow("draft02/resp-test-passing.json")
        << u"draft02/resp-test-passing.json"_s << "Subject: Quarterly report\r\n"_ba
        << "Subject: [EXT] Quarterly report\r\n"_ba;
    QTest::addRow("draft02/resp-add-header.json")
        << u"draft02/resp-add-header.json"_s << "charset=utf-8\r\n\r\n"_ba
        << "charset=utf-8\r\nX-Scan: clean\r\n\r\n"_ba;
    QTest::addRow("draft02/resp-add-header-top.json")
        << u"draft02/resp-add-header-top.json"_s << "From: Carol"_ba
        << "X-Scan: clean\r\nFrom: Carol"_ba;
    QTest::addRow("draft02/resp-move-header.json")
        << u"draft02/resp-move-header.json"_s << "From: Carol <carol@example.net>\r\n"_ba
        << "X-Mailer: Ledger 4.2\r\nFrom: Carol <carol@example.net>\r\n"_ba;
}

void TestProtocolApply::draftMessageEdits()
{
    QFETCH(QString, responseFixture);
    QFETCH(QByteArray, from);
    QFETCH(QByteArray, to);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome = apply(decoded, response(responseFixture, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QByteArray expected = decoded.rawMessage;
    QVERIFY(expected.contains(from));
    expected.replace(from, to);
    if (responseFixture.contains(u"move-header"_s))
        expected.replace("Message-ID: <q3-report@example.net>\r\nX-Mailer: Ledger 4.2\r\n",
            "Message-ID: <q3-report@example.net>\r\n");
    QCOMPARE(outcome.message, expected);
    QVERIFY(outcome.messageChanged);
    QVERIFY(outcome.message.contains("To: dave@example.com,\r\n erin@example.com\r\n"));
    QVERIFY(outcome.message.contains("X-Report-Tags: finance,\r\n\tquarterly\r\n"));
}

void TestProtocolApply::draftRawMessageBeatsMessage()
{
    const QByteArray replacement = fixture(u"draft01/resp-raw-replace.eml"_s);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    for (const char *answer : {"draft01/resp-raw-replace.json", "draft01/resp-raw-and-message.json",
             "draft02/resp-replace-raw.json"}) {
        const Outcome outcome = apply(decoded, response(QString::fromLatin1(answer), decoded));
        QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
        QVERIFY(outcome.hasMessage);
        QVERIFY(outcome.messageChanged);
        QCOMPARE(outcome.message, replacement);
    }
    // Both edited: only the rawMessage edits apply, and the answer is told so.
    const Outcome both = apply(decoded, response(u"draft01/resp-raw-and-message.json"_s, decoded));
    QVERIFY(!both.message.contains("[EXT]"));
    QVERIFY(hasProblem(both.problems, u"/message"_s, Severity::Info));
}

void TestProtocolApply::draftEnvelopeEdits()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome added = apply(decoded, response(u"draft01/resp-add-recipient.json"_s, decoded));
    QVERIFY(added.envelopeChanged);
    QCOMPARE(added.envelope.recipients(),
        (QStringList {u"dave@example.com"_s, u"erin@example.com"_s, u"audit@example.com"_s}));
    QVERIFY(!added.messageChanged);

    const Outcome removed
        = apply(decoded, response(u"draft02/resp-remove-recipient.json"_s, decoded));
    QCOMPARE(removed.envelope.recipients(), QStringList {u"dave@example.com"_s});

    // copy then replace: the copy keeps dave's parameters, the replace renames it.
    const Outcome copied = apply(decoded, response(u"draft02/resp-copy-recipient.json"_s, decoded));
    QVERIFY2(!copied.malformed, qPrintable(describe(copied.problems)));
    QCOMPARE(copied.envelope.recipients(),
        (QStringList {u"dave@example.com"_s, u"erin@example.com"_s, u"audit@example.com"_s}));
    QCOMPARE(copied.envelope.to[2].parameters, decoded.envelope.to[0].parameters);
}

void TestProtocolApply::draftRcptRejectDropsRecipient()
{
    const HookRequest rcpt = request(u"draft01/req-rcpt.json"_s);
    const Outcome rejected = apply(rcpt, response(u"draft01/resp-reject-default.json"_s, rcpt));
    QCOMPARE(rejected.action, Action::Reject);
    QCOMPARE(rejected.envelope.recipients(), QStringList {u"dave@example.com"_s});
    QVERIFY(rejected.envelopeChanged);
    // quarantine is not terminal: the recipient stays.
    const Outcome held = apply(rcpt, response(u"draft01/resp-quarantine.json"_s, rcpt));
    QCOMPARE(held.envelope.recipients(), rcpt.envelope.recipients());
}

void TestProtocolApply::draftDowngradeRefused_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<Action>("action");
    QTest::addColumn<bool>("refused");
    // The request already says quarantine (an earlier scanner): accept would weaken it.
    QTest::addRow("draft01/resp-downgrade.json")
        << u"draft01/resp-downgrade.json"_s << Action::Quarantine << true;
    QTest::addRow("draft01/resp-accept.json")
        << u"draft01/resp-accept.json"_s << Action::Quarantine << true;
    QTest::addRow("draft01/resp-quarantine.json")
        << u"draft01/resp-quarantine.json"_s << Action::Quarantine << false;
    QTest::addRow("draft01/resp-reject-default.json")
        << u"draft01/resp-reject-default.json"_s << Action::Reject << false;
    QTest::addRow("draft01/resp-discard.json")
        << u"draft01/resp-discard.json"_s << Action::Discard << false;
}

void TestProtocolApply::draftDowngradeRefused()
{
    QFETCH(QString, responseFixture);
    QFETCH(Action, action);
    QFETCH(bool, refused);
    const HookRequest decoded = request(u"draft01/req-data-quarantined.json"_s);
    QCOMPARE(decoded.action, Action::Quarantine);
    const Outcome outcome = apply(decoded, response(responseFixture, decoded));
    QCOMPARE(outcome.action, action);
    QCOMPARE(hasProblem(outcome.problems, u"/action"_s, Severity::Warning), refused);
    if (refused) {
        // The whole answer is refused, not only its /action (reference §f.8: our choice).
        QCOMPARE(outcome.document, decoded.document);
        QCOMPARE(outcome.message, decoded.rawMessage);
        QVERIFY(!outcome.messageChanged);
    }
}

void TestProtocolApply::draftSkipsFailedOperation()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome
        = apply(decoded, response(u"draft01/resp-skip-failed-op.json"_s, decoded));
    QVERIFY(!outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, u"/delete/0"_s, Severity::Warning),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Quarantine);
    QVERIFY(!outcome.message.contains("X-Mailer"));
    QVERIFY(outcome.message.contains("X-Report-Tags: finance,\r\n\tquarterly\r\n"));
}

void TestProtocolApply::draftMalformedAppliesNothing_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    const QString data = u"draft01/req-data.json"_s;
    for (const char *name : {"path-outside", "inbound-continue", "unknown-action",
             "header-injection", "header-value-injection", "set-without-value", "stalwart-shape",
             "response-status", "negative-index"}) {
        const QString fixture = u"draft01/resp-INVALID-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << data << fixture;
    }
    QTest::addRow("draft01/resp-INVALID-outbound-reject.json")
        << u"draft01/req-delivery.json"_s << u"draft01/resp-INVALID-outbound-reject.json"_s;
    for (const char *name : {"set-op", "replace-without-value", "index-member", "path-outside",
             "move-from-protected", "header-injection"}) {
        const QString fixture = u"draft02/resp-INVALID-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << data << fixture;
    }
}

void TestProtocolApply::draftMalformedAppliesNothing()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(responseFixture, decoded);
    QVERIFY2(answer.malformed, qPrintable(describe(answer.problems)));
    const Outcome outcome = apply(decoded, answer);
    QVERIFY(outcome.malformed);
    QCOMPARE(outcome.action, decoded.action);
    QCOMPARE(outcome.document, decoded.document);
    QCOMPARE(outcome.message, decoded.rawMessage);
    QCOMPARE(outcome.envelope, decoded.envelope);
    if (decoded.direction() == Direction::Inbound)
        QCOMPARE(outcome.reply, decoded.reply);
}

void TestProtocolApply::draftEscapedPointer()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse answer = response(u"draft01/resp-escaped-pointer.json"_s, decoded);
    QVERIFY2(!answer.malformed, qPrintable(describe(answer.problems)));
    const Outcome outcome = apply(decoded, answer);
    QCOMPARE(
        outcome.document.value(u"/envelope/from/parameters").member(u"X-A/B~C").toString(), u"1"_s);
    QCOMPARE(outcome.envelope.from.parameters.last(), std::make_pair(u"X-A/B~C"_s, u"1"_s));
}

void TestProtocolApply::draftRecheckedAgainstRequest_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<QString>("pointer");
    // Decoded without the stage, these look fine; applied to the request they are not.
    QTest::addRow("continue@data")
        << u"draft01/req-data.json"_s << R"({"set":[{"path":"/action","value":"continue"}]})"_ba
        << u"/set/0/value"_s;
    QTest::addRow("reject@delivery")
        << u"draft01/req-delivery.json"_s
        << R"([{"op":"replace","path":"/action","value":"reject"}])"_ba << u"/0/value"_s;
    // Outbound, only /envelope/to is writable in the envelope.
    QTest::addRow("envelope-from@delivery")
        << u"draft01/req-delivery.json"_s
        << R"({"set":[{"path":"/envelope/from/address","value":"x@example.org"}]})"_ba
        << u"/set/0/path"_s;
}

void TestProtocolApply::draftRecheckedAgainstRequest()
{
    QFETCH(QString, requestFixture);
    QFETCH(QByteArray, answer);
    QFETCH(QString, pointer);
    const HookRequest decoded = request(requestFixture);
    const HookResponse blind = decodeResponse(answer, "application/json");
    QVERIFY2(!blind.malformed, qPrintable(describe(blind.problems)));
    const Outcome outcome = apply(decoded, blind);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, pointer, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, decoded.action);
    QCOMPARE(outcome.document, decoded.document);
    // Decoded knowing the request, the same problem is found up front.
    const HookResponse informed = response(answer, decoded);
    QVERIFY(informed.malformed);
    QVERIFY(hasProblem(informed.problems, pointer, Severity::Error));
}

void TestProtocolApply::crossDialectAnswers_data()
{
    QTest::addColumn<QString>("requestFixture");
    QTest::addColumn<QString>("responseFixture");
    QTest::addRow("stalwart<-draft01")
        << u"stalwart/req-data.json"_s << u"draft01/resp-reject-custom.json"_s;
    QTest::addRow("stalwart<-draft02")
        << u"stalwart/req-data.json"_s << u"draft02/resp-add-header.json"_s;
    QTest::addRow("draft01<-stalwart")
        << u"draft01/req-data.json"_s << u"stalwart/resp-reject-custom.json"_s;
}

void TestProtocolApply::crossDialectAnswers()
{
    QFETCH(QString, requestFixture);
    QFETCH(QString, responseFixture);
    // Decoded without knowing the request, each answer is well-formed in its own dialect.
    const HookRequest decoded = request(requestFixture);
    const HookResponse blind = decodeResponse(fixture(responseFixture), "application/json");
    QVERIFY(!blind.malformed);
    QVERIFY(blind.dialect != decoded.dialect);
    const Outcome outcome = apply(decoded, blind);
    QVERIFY(outcome.malformed);
    QVERIFY(hasErrors(outcome.problems));
    if (decoded.dialect == Dialect::Stalwart) {
        QCOMPARE(outcome.reply.toString(), u"451 4.3.5 Unable to accept message at this time."_s);
    } else {
        QCOMPARE(outcome.action, decoded.action);
        QCOMPARE(outcome.reply, decoded.reply);
    }
}

void TestProtocolApply::draftDeletingJmapViewKeepsMessage()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome
        = apply(decoded, response(R"({"delete":[{"path":"/message"}]})"_ba, decoded));
    QVERIFY(!outcome.malformed);
    QVERIFY(!outcome.document.contains(u"/message"));
    // rawMessage is still there: the message itself is unchanged.
    QVERIFY(outcome.hasMessage);
    QVERIFY(!outcome.messageChanged);
    QCOMPARE(outcome.message, decoded.rawMessage);
    // Without a rawMessage the JMAP view is the message: deleting it removes the message.
    const HookRequest jmapOnly = request(u"draft01/req-data-jmap-only.json"_s);
    const Outcome removed
        = apply(jmapOnly, response(R"({"delete":[{"path":"/message"}]})"_ba, jmapOnly));
    QVERIFY(!removed.hasMessage);
    QVERIFY(removed.messageChanged);
    QVERIFY(removed.message.isEmpty());
}

void TestProtocolApply::draftSetDoesNotAppendToArrays()
{
    // set on a missing object member creates it (reference §f.7, our choice), but set on the
    // index just past the end of an array is no replacement of anything: skipped.
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const Outcome outcome = apply(decoded,
        response(
            R"({"set":[{"path":"/envelope/to/2","value":{"address":"x@example.org","parameters":{}}},
            {"path":"/action","value":"quarantine"}]})"_ba,
            decoded));
    QVERIFY(!outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, u"/set/0"_s, Severity::Warning),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.envelope.recipients(), decoded.envelope.recipients());
    QCOMPARE(outcome.action, Action::Quarantine);
    // A new object member is created.
    const Outcome created = apply(decoded,
        response(
            R"({"set":[{"path":"/envelope/to/1/parameters/RET","value":"HDRS"}]})"_ba, decoded));
    QCOMPARE(created.envelope.to[1].parameters.last(), std::make_pair(u"RET"_s, u"HDRS"_s));
}

void TestProtocolApply::draftResultingActionMustBeValid_data()
{
    QTest::addColumn<QByteArray>("answer");
    // The value reaching /action comes from the document, not from the answer: only the result
    // shows it is no action.
    QTest::addRow("copy-ehlo") << R"([{"op":"copy","from":"/client/ehlo","path":"/action"}])"_ba;
    QTest::addRow("move-response-message")
        << R"([{"op":"move","from":"/response/message","path":"/action"}])"_ba;
    QTest::addRow("copy-continue-from-elsewhere")
        << R"([{"op":"add","path":"/message/keywords","value":"continue"},
              {"op":"move","from":"/message/keywords","path":"/action"}])"_ba;
}

void TestProtocolApply::draftResultingActionMustBeValid()
{
    QFETCH(QByteArray, answer);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse parsed = response(answer, decoded);
    QVERIFY2(!parsed.malformed, qPrintable(describe(parsed.problems)));
    const Outcome outcome = apply(decoded, parsed);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, u"/action"_s, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Accept);
    QCOMPARE(outcome.document, decoded.document);
}

void TestProtocolApply::draftNonAsciiSubjectIsEncoded()
{
    const QString subject = u"Quartalsbericht Q3 – Umsatz +4 % – vertraulich, bitte nicht "
                            u"weiterleiten: Zahlen für Köln, Düsseldorf und Zürich"_s;
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const QByteArray answer
        = R"({"set":[{"path":"/message/subject","value":")" + subject.toUtf8() + R"("}]})";
    const Outcome outcome = apply(decoded, response(answer, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    const qsizetype start = outcome.message.indexOf("\r\nSubject:") + 2;
    const qsizetype end = outcome.message.indexOf("\r\nDate:");
    const QByteArray field = outcome.message.mid(start, end - start);
    // RFC 2047 B words, each at most 75 characters, on folded lines, that decode to the text.
    QByteArray decodedText;
    const QList<QByteArray> lines = field.mid(8).split('\n');
    for (QByteArray line : lines) {
        line = line.trimmed();
        QVERIFY2(line.startsWith("=?UTF-8?B?") && line.endsWith("?="), line.constData());
        QVERIFY(line.size() <= 75);
        decodedText += QByteArray::fromBase64(line.mid(10, line.size() - 12));
    }
    QVERIFY(lines.size() > 1);
    QCOMPARE(QString::fromUtf8(decodedText), subject);
    // Every other field keeps its bytes.
    QByteArray expected = decoded.rawMessage;
    expected.replace("Subject: Quarterly report\r\n", QByteArray(field + "\r\n"));
    QCOMPARE(outcome.message, expected);
}

void TestProtocolApply::draftJmapHeadersNotMirroringRaw()
{
    // A JMAP header list that leaves a raw field out (here X-Report-Tags): an edit of another
    // field must not lose the raw-only field.
    QByteArray body = fixture(u"draft01/req-data.json"_s);
    const Document original = Document::fromJson(body);
    const HookRequest full = decodeRequest(body, "application/json");
    const HookRequest partial = decodeRequest(
        apply(full, response(R"({"delete":[{"path":"/message/headers/6"}]})"_ba, full))
            .document.toJson(),
        "application/json");
    QCOMPARE(partial.document.value(u"/message/headers").size(), 8);
    QCOMPARE(partial.rawMessage, full.rawMessage);
    QVERIFY(original.isValid());
    const Outcome outcome = apply(partial,
        response(
            R"({"set":[{"path":"/message/headers/5/value","value":" Ledger 5.0"}]})"_ba, partial));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QByteArray expected = full.rawMessage;
    expected.replace("X-Mailer: Ledger 4.2\r\n", "X-Mailer: Ledger 5.0\r\n");
    QCOMPARE(outcome.message, expected);
}

void TestProtocolApply::outboundFailedSilent()
{
    const HookRequest decoded = request(u"draft01/req-delivery.json"_s);
    const Outcome outcome
        = apply(decoded, response(u"draft01/resp-outbound-failed-silent.json"_s, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Continue);
    QCOMPARE(outcome.verdict, Verdict::Continue);
    QVERIFY(outcome.reply.isEmpty());
    QVERIFY(outcome.envelopeChanged);
    QStringList statuses;
    for (const EnvelopeAddress &address : outcome.envelope.to)
        statuses << address.status;
    QCOMPARE(statuses, (QStringList {u"delivered"_s, u"deferred"_s, u"failed-silent"_s}));
}

void TestProtocolApply::outboundCancel()
{
    const HookRequest decoded = request(u"draft01/req-defer.json"_s);
    const Outcome outcome
        = apply(decoded, response(u"draft01/resp-outbound-cancel.json"_s, decoded));
    QCOMPARE(outcome.action, Action::Cancel);
    QCOMPARE(outcome.verdict, Verdict::Cancel);
    QVERIFY(isTerminal(outcome.action));
    // continue would weaken cancel: refused when a previous scanner cancelled.
    QByteArray cancelled = fixture(u"draft01/req-defer.json"_s);
    cancelled.replace(R"("action": "continue")", R"("action": "cancel")");
    const HookRequest already = decodeRequest(cancelled, "application/json");
    const Outcome weakened = apply(
        already, response(R"({"set":[{"path":"/action","value":"continue"}]})"_ba, already));
    QCOMPARE(weakened.action, Action::Cancel);
    QVERIFY(hasProblem(weakened.problems, u"/action"_s, Severity::Warning));
}

void TestProtocolApply::dsnSuppression()
{
    const HookRequest decoded = request(u"draft01/req-dsn.json"_s);
    QVERIFY(decoded.hasMessage);
    const Outcome outcome = apply(decoded, response(u"draft01/resp-dsn-suppress.json"_s, decoded));
    QVERIFY(!outcome.malformed);
    QVERIFY(!outcome.hasMessage);
    QVERIFY(outcome.message.isEmpty());
    QVERIFY(outcome.messageChanged);
    QVERIFY(!outcome.document.contains(u"/rawMessage"));
    QVERIFY(hasProblem(outcome.problems, u"/rawMessage"_s, Severity::Info));
    // The request had no /message: that delete fails and is skipped, the rest applies.
    QVERIFY(hasProblem(outcome.problems, u"/delete/1"_s, Severity::Warning));
    QCOMPARE(outcome.action, Action::Continue);
}

void TestProtocolApply::draft02Operations_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("value");
    QTest::addRow("draft02/resp-add-header.json")
        << u"draft02/resp-add-header.json"_s << u"/message/headers/9/name"_s << u"X-Scan"_s;
    QTest::addRow("draft02/resp-add-header-top.json")
        << u"draft02/resp-add-header-top.json"_s << u"/message/headers/0/name"_s << u"X-Scan"_s;
    QTest::addRow("draft02/resp-move-header.json")
        << u"draft02/resp-move-header.json"_s << u"/message/headers/0/name"_s << u"X-Mailer"_s;
    QTest::addRow("draft02/resp-remove-recipient.json")
        << u"draft02/resp-remove-recipient.json"_s << u"/envelope/to/0/address"_s
        << u"dave@example.com"_s;
    QTest::addRow("draft02/resp-copy-recipient.json")
        << u"draft02/resp-copy-recipient.json"_s << u"/envelope/to/2/address"_s
        << u"audit@example.com"_s;
    QTest::addRow("draft02/resp-test-passing.json")
        << u"draft02/resp-test-passing.json"_s << u"/message/subject"_s
        << u"[EXT] Quarterly report"_s;
    QTest::addRow("draft02/resp-reject-custom.json")
        << u"draft02/resp-reject-custom.json"_s << u"/response/message"_s << u"Report refused"_s;
}

void TestProtocolApply::draft02Operations()
{
    QFETCH(QString, responseFixture);
    QFETCH(QString, pointer);
    QFETCH(QString, value);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse answer = response(responseFixture, decoded);
    QCOMPARE(answer.dialect, Dialect::Draft02);
    const Outcome outcome = apply(decoded, answer);
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.document.value(pointer).toString(), value);
    QVERIFY(outcome.document != decoded.document);
}

void TestProtocolApply::draft02IsAtomic_data()
{
    QTest::addColumn<QString>("responseFixture");
    QTest::addColumn<QString>("pointer");
    // The replace of /action comes first and would succeed alone: RFC 6902 voids it with the
    // failing test.
    QTest::addRow("draft02/resp-test-failing.json")
        << u"draft02/resp-test-failing.json"_s << u"/1"_s;
    QTest::addRow("draft02/resp-remove-missing.json")
        << u"draft02/resp-remove-missing.json"_s << u"/1"_s;
}

void TestProtocolApply::draft02IsAtomic()
{
    QFETCH(QString, responseFixture);
    QFETCH(QString, pointer);
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse answer = response(responseFixture, decoded);
    QVERIFY(!answer.malformed); // well-formed; it fails when applied
    const Outcome outcome = apply(decoded, answer);
    QVERIFY(outcome.malformed);
    QVERIFY2(hasProblem(outcome.problems, pointer, Severity::Error),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Accept);
    QCOMPARE(outcome.reply, decoded.reply);
    QCOMPARE(outcome.document, decoded.document);
    QCOMPARE(outcome.message, decoded.rawMessage);
    QVERIFY(!outcome.messageChanged);
}

void TestProtocolApply::defaultReplies()
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

QTEST_GUILESS_MAIN(TestProtocolApply)
#include "tst_protocol_apply.moc"

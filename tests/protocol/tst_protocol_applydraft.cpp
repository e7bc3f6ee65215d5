// SPDX-License-Identifier: GPL-3.0-or-later
// What a draft MTA does with an answer that applies: replies and verdicts, the no-op forms,
// draft-01's set -> add -> delete order and its index shifting, draft-02's JSON Patch operations,
// message edits that keep every other byte, envelope edits, and the outbound stages.
#include "tests/protocol/protocoltest.h"

#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

class TestProtocolApplyDraft : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
    void draftEscapedPointer();
    void draftDeletingJmapViewKeepsMessage();
    void draftSetDoesNotAppendToArrays();
    void draftNonAsciiSubjectIsEncoded();
    void draftJmapHeadersNotMirroringRaw();
    void outboundFailedSilent();
    void outboundCancel();
    void dsnSuppression();
    void draft02Operations_data();
    void draft02Operations();
};

void TestProtocolApplyDraft::draftNoOpFormsAreIdentical_data()
{
    QTest::addColumn<QString>("requestFixture");
    for (const char *name : {"data", "data-quarantined", "rcpt", "connect", "delivery", "dsn"}) {
        const QString fixture = u"draft01/req-%1.json"_s.arg(QLatin1String(name));
        QTest::addRow("%s", qPrintable(fixture)) << fixture;
    }
}

void TestProtocolApplyDraft::draftNoOpFormsAreIdentical()
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

void TestProtocolApplyDraft::draftReplies_data()
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

void TestProtocolApplyDraft::draftReplies()
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

void TestProtocolApplyDraft::draftOrderIsSetAddDelete()
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

void TestProtocolApplyDraft::draftDeleteIndexShifting_data()
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

void TestProtocolApplyDraft::draftDeleteIndexShifting()
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

void TestProtocolApplyDraft::draftAddWithAndWithoutIndex()
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

void TestProtocolApplyDraft::draftMessageEdits_data()
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

void TestProtocolApplyDraft::draftMessageEdits()
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

void TestProtocolApplyDraft::draftRawMessageBeatsMessage()
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

void TestProtocolApplyDraft::draftEnvelopeEdits()
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

void TestProtocolApplyDraft::draftRcptRejectDropsRecipient()
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

void TestProtocolApplyDraft::draftEscapedPointer()
{
    const HookRequest decoded = request(u"draft01/req-data.json"_s);
    const HookResponse answer = response(u"draft01/resp-escaped-pointer.json"_s, decoded);
    QVERIFY2(!answer.malformed, qPrintable(describe(answer.problems)));
    const Outcome outcome = apply(decoded, answer);
    QCOMPARE(
        outcome.document.value(u"/envelope/from/parameters").member(u"X-A/B~C").toString(), u"1"_s);
    QCOMPARE(outcome.envelope.from.parameters.last(), std::make_pair(u"X-A/B~C"_s, u"1"_s));
}

void TestProtocolApplyDraft::draftDeletingJmapViewKeepsMessage()
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

void TestProtocolApplyDraft::draftSetDoesNotAppendToArrays()
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

void TestProtocolApplyDraft::draftNonAsciiSubjectIsEncoded()
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

void TestProtocolApplyDraft::draftJmapHeadersNotMirroringRaw()
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

void TestProtocolApplyDraft::outboundFailedSilent()
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

void TestProtocolApplyDraft::outboundCancel()
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

void TestProtocolApplyDraft::dsnSuppression()
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

void TestProtocolApplyDraft::draft02Operations_data()
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

void TestProtocolApplyDraft::draft02Operations()
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

QTEST_GUILESS_MAIN(TestProtocolApplyDraft)
#include "tst_protocol_applydraft.moc"

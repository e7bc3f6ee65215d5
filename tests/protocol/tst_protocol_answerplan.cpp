// SPDX-License-Identifier: GPL-3.0-or-later
// Answer plans (answerplan.h) written in each dialect and read back by the MTA side (apply), which
// was checked against Stalwart's reference outputs and the drafts: what the message and envelope
// become is what the plan said, in Stalwart's format, draft-01 and draft-02 alike.
#include "mock/protocol/answerplan.h"
#include "mock/protocol/apply.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/presets.h"
#include "tests/protocol/protocoltest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ProtocolTest;
using Kind = AnswerPlan::Edit::Kind;

namespace {

HookRequest dataRequest(Dialect dialect)
{
    HookRequest decoded = request(
        dialect == Dialect::Stalwart ? u"stalwart/req-data.json"_s : u"draft01/req-data.json"_s);
    // Draft-01 and -02 requests have one shape: the answer dialect follows the request's.
    if (dialect == Dialect::Draft02)
        decoded.dialect = Dialect::Draft02;
    return decoded;
}

Outcome applied(const AnswerPlan &plan, Dialect dialect, Document *answer = nullptr)
{
    const HookRequest decoded = dataRequest(dialect);
    const Document document = planAnswer(plan, dialect, decoded);
    if (answer)
        *answer = document;
    return apply(decoded, response(document.toJson(), decoded));
}

qsizetype countOf(const QStringList &names, const QString &name)
{
    return std::count_if(names.cbegin(), names.cend(),
        [&name](const QString &n) { return n.compare(name, Qt::CaseInsensitive) == 0; });
}

QStringList recipients(const Outcome &outcome)
{
    QStringList addresses;
    for (const EnvelopeAddress &to : outcome.envelope.to)
        addresses << to.address;
    return addresses;
}

} // namespace

class TestAnswerPlan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void edits_data();
    void edits();
    void verdicts_data();
    void verdicts();
    void bodyReplacementKeepsHeaderEdits_data() { dialects(); }
    void bodyReplacementKeepsHeaderEdits();
    void removedHeaderIsGoneEverywhere_data() { dialects(); }
    void removedHeaderIsGoneEverywhere();
    void outboundRecipientIsDroppedSilently();
    void keptVerdictAnswersMatchFreshOnes();

private:
    static void dialects()
    {
        QTest::addColumn<Dialect>("dialect");
        QTest::addRow("stalwart") << Dialect::Stalwart;
        QTest::addRow("draft-01") << Dialect::Draft01;
        QTest::addRow("draft-02") << Dialect::Draft02;
    }
};

void TestAnswerPlan::edits_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<AnswerPlan::Edit>("edit");
    for (const auto &[name, dialect] : {std::pair {"stalwart", Dialect::Stalwart},
             std::pair {"draft-01", Dialect::Draft01}, std::pair {"draft-02", Dialect::Draft02}}) {
        QTest::addRow("%s add header", name)
            << dialect << AnswerPlan::Edit {Kind::AddHeader, u"X-Score"_s, u"7.5"_s};
        QTest::addRow("%s set existing header", name)
            << dialect << AnswerPlan::Edit {Kind::SetHeader, u"x-mailer"_s, u"Hookscope"_s};
        QTest::addRow("%s set absent header", name)
            << dialect << AnswerPlan::Edit {Kind::SetHeader, u"X-New"_s, u"yes"_s};
        QTest::addRow("%s set subject", name)
            << dialect << AnswerPlan::Edit {Kind::SetSubject, {}, u"[tagged] Quarterly"_s};
        QTest::addRow("%s add recipient", name)
            << dialect << AnswerPlan::Edit {Kind::AddRecipient, u"archive@example.com"_s, {}};
        QTest::addRow("%s remove recipient", name)
            << dialect << AnswerPlan::Edit {Kind::RemoveRecipient, u"Erin@Example.com"_s, {}};
    }
}

void TestAnswerPlan::edits()
{
    QFETCH(Dialect, dialect);
    QFETCH(AnswerPlan::Edit, edit);
    AnswerPlan plan;
    plan.edits = {edit};
    Document answer = Document::invalid();
    const Outcome outcome = applied(plan, dialect, &answer);
    QVERIFY2(atSeverity(outcome.problems, Severity::Error).isEmpty(),
        qPrintable(describe(outcome.problems) + u"\n"_s + QString::fromUtf8(answer.toJson())));
    QCOMPARE(outcome.verdict, Verdict::Accept);
    const QString message = QString::fromUtf8(outcome.message);
    switch (edit.kind) {
    case Kind::AddHeader:
        QCOMPARE(headerNames(outcome.message).value(0), edit.name);
        QVERIFY2(message.contains(u"X-Score: 7.5\r\n"_s), qPrintable(message));
        break;
    case Kind::SetHeader:
        QCOMPARE(countOf(headerNames(outcome.message), edit.name), 1);
        QVERIFY2(message.contains(u": "_s + edit.value + u"\r\n"_s), qPrintable(message));
        break;
    case Kind::SetSubject:
        QVERIFY2(message.contains(u"Subject: [tagged] Quarterly\r\n"_s), qPrintable(message));
        QVERIFY(!message.contains(u"Subject: Quarterly report"_s));
        break;
    case Kind::AddRecipient:
        QCOMPARE(recipients(outcome).last(), u"archive@example.com"_s);
        QCOMPARE(recipients(outcome).size(), 3);
        break;
    case Kind::RemoveRecipient:
        QCOMPARE(recipients(outcome), QStringList {u"dave@example.com"_s});
        break;
    default:
        QFAIL("no check for this edit");
    }
}

void TestAnswerPlan::verdicts_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<AnswerPlan::Verdict>("planned");
    QTest::addColumn<SmtpReply>("reply");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("code");
    using V = AnswerPlan::Verdict;
    for (const auto &[name, dialect] : {std::pair {"stalwart", Dialect::Stalwart},
             std::pair {"draft-01", Dialect::Draft01}, std::pair {"draft-02", Dialect::Draft02}}) {
        QTest::addRow("%s reject", name)
            << dialect << V::Reject << SmtpReply() << Verdict::Reject << 550;
        QTest::addRow("%s reject 554", name)
            << dialect << V::Reject << SmtpReply {554, u"5.7.0"_s, u"No thanks"_s}
            << Verdict::Reject << 554;
        QTest::addRow("%s tempfail", name)
            << dialect << V::Tempfail << SmtpReply() << Verdict::Tempfail << 451;
        QTest::addRow("%s discard", name)
            << dialect << V::Discard << SmtpReply() << Verdict::Discard << 250;
        QTest::addRow("%s quarantine", name)
            << dialect << V::Quarantine << SmtpReply() << Verdict::Quarantine << 250;
    }
}

void TestAnswerPlan::verdicts()
{
    QFETCH(Dialect, dialect);
    QFETCH(AnswerPlan::Verdict, planned);
    QFETCH(SmtpReply, reply);
    QFETCH(Verdict, verdict);
    QFETCH(int, code);
    AnswerPlan plan;
    plan.verdict = planned;
    plan.reply = reply;
    const Outcome outcome = applied(plan, dialect);
    QVERIFY2(atSeverity(outcome.problems, Severity::Error).isEmpty(),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.verdict, verdict);
    QCOMPARE(outcome.reply.code, code);
    if (!reply.isEmpty())
        QCOMPARE(outcome.reply.message, reply.message);
}

void TestAnswerPlan::bodyReplacementKeepsHeaderEdits()
{
    QFETCH(Dialect, dialect);
    AnswerPlan plan;
    plan.edits = {{Kind::AddHeader, u"X-Replaced"_s, u"yes"_s},
        {Kind::ReplaceBody, {}, u"Removed by policy.\r\n"_s},
        {Kind::SetSubject, {}, u"[replaced]"_s}};
    const Outcome outcome = applied(plan, dialect);
    QVERIFY2(atSeverity(outcome.problems, Severity::Error).isEmpty(),
        qPrintable(describe(outcome.problems)));
    QCOMPARE(bodyOf(outcome.message), QByteArray("Removed by policy.\r\n"));
    QVERIFY(headerNames(outcome.message).contains(u"X-Replaced"_s));
    QVERIFY2(outcome.message.contains("Subject: [replaced]\r\n"), outcome.message.constData());
}

void TestAnswerPlan::removedHeaderIsGoneEverywhere()
{
    QFETCH(Dialect, dialect);
    AnswerPlan plan;
    // Stalwart's request has two References fields; the drafts' one X-Mailer.
    const QString name = dialect == Dialect::Stalwart ? u"references"_s : u"X-Mailer"_s;
    plan.edits = {{Kind::RemoveHeader, name, {}}};
    const HookRequest before = dataRequest(dialect);
    QVERIFY(headerNames(before.rawMessage).contains(name, Qt::CaseInsensitive));
    const Outcome outcome = applied(plan, dialect);
    QVERIFY2(atSeverity(outcome.problems, Severity::Error).isEmpty(),
        qPrintable(describe(outcome.problems)));
    QVERIFY2(!headerNames(outcome.message).contains(name, Qt::CaseInsensitive),
        outcome.message.constData());
    QCOMPARE(headerNames(outcome.message).size(),
        headerNames(before.rawMessage).size() - countOf(headerNames(before.rawMessage), name));
}

void TestAnswerPlan::outboundRecipientIsDroppedSilently()
{
    const HookRequest delivery = request(u"draft01/req-delivery.json"_s);
    QVERIFY(delivery.isDecoded());
    QVERIFY(!delivery.envelope.to.isEmpty());
    AnswerPlan plan;
    plan.edits = {{Kind::RemoveRecipient, delivery.envelope.to.first().address, {}}};
    const Document answer = planAnswer(plan, Dialect::Draft01, delivery);
    QCOMPARE(answer.value(u"/set/0/path").toString(), u"/envelope/to/0/status"_s);
    QCOMPARE(answer.value(u"/set/0/value").toString(), u"failed-silent"_s);
}

QTEST_GUILESS_MAIN(TestAnswerPlan)
// encodePlanAnswer keeps the bytes of plans without edits: whatever came before, each call must
// give what planAnswer and encodeAnswer write for that request, in every dialect and encoding,
// inbound and outbound, and in draft-02 whether the request has /action (replace) or not (add).
void TestAnswerPlan::keptVerdictAnswersMatchFreshOnes()
{
    QList<HookRequest> requests;
    for (const QString &name : {u"stalwart/req-rcpt.json"_s, u"stalwart/req-data.json"_s,
             u"draft01/req-rcpt.json"_s, u"draft01/req-delivery.json"_s})
        requests << request(name);
    // A draft request carries the default action and response; one without them is made too.
    HookRequest draft02WithAction = request(u"draft01/req-rcpt.json"_s);
    draft02WithAction.dialect = Dialect::Draft02;
    QVERIFY(draft02WithAction.document.contains(u"/action"));
    requests << draft02WithAction;
    QJsonObject bare = QJsonDocument::fromJson(fixture(u"draft01/req-rcpt.json"_s)).object();
    bare.remove(u"action"_s);
    bare.remove(u"response"_s);
    HookRequest draft02 = decodeRequest(QJsonDocument(bare).toJson(), "application/json");
    draft02.dialect = Dialect::Draft02;
    QVERIFY(draft02.isDecoded() && !draft02.document.contains(u"/action"));
    requests << draft02;

    using V = AnswerPlan::Verdict;
    QList<AnswerPlan> plans;
    for (V verdict : {V::Accept, V::Reject, V::Tempfail, V::Discard, V::Quarantine, V::Disconnect})
        plans << AnswerPlan {verdict, {}, {}};
    plans << AnswerPlan {V::Reject, {554, u"5.7.0"_s, u"No thanks"_s}, {}};
    plans << AnswerPlan {V::Reject, {554, u"5.7.0"_s, u"Other words"_s}, {}};
    plans << AnswerPlan {V::Accept, {}, {{Kind::AddHeader, u"X-Test"_s, u"1"_s}}};

    int compared = 0;
    for (int pass = 0; pass < 2; ++pass) { // the second pass reads what the first one kept
        for (const HookRequest &decoded : std::as_const(requests)) {
            QVERIFY(decoded.isDecoded());
            const Dialect dialect = answerDialectFor(decoded.dialect, Dialect::Draft01);
            for (const AnswerPlan &plan : std::as_const(plans)) {
                for (Encoding encoding : {Encoding::Json, Encoding::Cbor}) {
                    const QByteArray fresh
                        = encodeAnswer(planAnswer(plan, dialect, decoded), dialect, encoding);
                    QCOMPARE(encodePlanAnswer(plan, dialect, encoding, decoded), fresh);
                    ++compared;
                }
            }
        }
    }
    QCOMPARE(compared, 2 * 6 * 9 * 2);
    // The draft-02 pair differ (replace against add): a key without /action would mix them up.
    const AnswerPlan reject {V::Reject, {}, {}};
    QVERIFY(encodePlanAnswer(reject, Dialect::Draft02, Encoding::Json, draft02)
        != encodePlanAnswer(reject, Dialect::Draft02, Encoding::Json, draft02WithAction));
}

#include "tst_protocol_answerplan.moc"

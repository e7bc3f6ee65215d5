// SPDX-License-Identifier: GPL-3.0-or-later
// The team's shared examples (../shared/protocol/examples) and Stalwart's own reference outputs
// (../shared/mta-hooks-fixtures/stalwart/smtp/milter). Skips cleanly when ../shared is absent.
#include "tests/protocol/protocoltest.h"

#include <QDirIterator>
#include <QTest>
#include <QVariantList>
#include <QVariantMap>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

namespace {

const QString examples = u"protocol/examples/"_s;
const QString milter = u"mta-hooks-fixtures/stalwart/smtp/milter/"_s;

QStringList sharedFixtures(const QString &folder, const QString &pattern)
{
    QStringList result;
    QDirIterator it(TestSupport::sharedPath(examples + folder), {pattern}, QDir::Files);
    while (it.hasNext()) {
        it.next();
        result << folder + u'/' + it.fileName();
    }
    result.sort();
    return result;
}

QByteArray example(const QString &relative)
{
    return TestSupport::readShared(examples + relative);
}

HookRequest exampleRequest(const QString &relative)
{
    return decodeRequest(example(relative), "application/json");
}

// The request an example answer is meant for (examples/README.md).
QString requestFor(const QString &responseFixture)
{
    if (responseFixture.startsWith(u"legacy/"_s))
        return u"legacy/req-data.json"_s;
    if (responseFixture.contains(u"outbound"_s))
        return u"draft01/req-delivery.json"_s;
    if (responseFixture.contains(u"dsn"_s))
        return u"draft01/req-dsn.json"_s;
    return u"draft01/req-data.json"_s;
}

// A request edited by a draft-01 patch, as an earlier scanner in the chain would leave it.
HookRequest edited(const HookRequest &request, const QByteArray &patch)
{
    const Outcome outcome = apply(request, response(patch, request));
    return decodeRequest(outcome.document.toJson(), "application/json");
}

// Stalwart's view of a message: [name, value] with the value from after the colon up to and
// including the line end, folding kept (mail-auth's header ranges), and the raw body.
QVariantMap stalwartMessage(const QByteArray &raw)
{
    QVariantList headers;
    qsizetype pos = 0;
    while (pos < raw.size()) {
        qsizetype end = raw.indexOf('\n', pos);
        end = end < 0 ? raw.size() : end + 1;
        const QByteArray line = raw.mid(pos, end - pos);
        if (line == "\r\n" || line == "\n") {
            pos = end;
            break;
        }
        if ((line.startsWith(' ') || line.startsWith('\t')) && !headers.isEmpty()) {
            QStringList last = headers.takeLast().toStringList();
            last[1] += QString::fromUtf8(line);
            headers << QVariant(last);
        } else {
            const qsizetype colon = line.indexOf(':');
            headers << QVariant(QStringList {
                QString::fromUtf8(line.left(colon)), QString::fromUtf8(line.mid(colon + 1))});
        }
        pos = end;
    }
    return {{u"headers"_s, headers}, {u"contents"_s, QString::fromUtf8(raw.mid(pos))},
        {u"size"_s, raw.size()}};
}

QByteArray stalwartDataRequest(const QByteArray &raw)
{
    const QVariantMap context {{u"stage"_s, u"data"_s},
        {u"client"_s,
            QVariantMap {{u"ip"_s, u"192.0.2.44"_s}, {u"port"_s, 53310},
                {u"ptr"_s, u"mail.example.net"_s}, {u"helo"_s, u"mail.example.net"_s},
                {u"activeConnections"_s, 1}}},
        {u"server"_s,
            QVariantMap {{u"name"_s, u"Stalwart v0.16.19"_s}, {u"port"_s, 25},
                {u"ip"_s, u"198.51.100.9"_s}}},
        {u"queue"_s, QVariantMap {{u"id"_s, u"1a2b3c"_s}}},
        {u"protocol"_s, QVariantMap {{u"version"_s, 1}}}};
    const QVariantMap envelope {{u"from"_s, QVariantMap {{u"address"_s, u"john@example.org"_s}}},
        {u"to"_s,
            QVariantList {QVariant(QVariantMap {{u"address"_s, u"mary.smith@example.org"_s}})}}};
    const QVariantMap request {
        {u"context"_s, context}, {u"envelope"_s, envelope}, {u"message"_s, stalwartMessage(raw)}};
    return Document::fromVariant(request).toJson();
}

// Stalwart's internal milter modification (Rust enum names) as the MTA-hook wire form. The
// milter path's Quarantine{reason} is an X-Quarantine header added at the top.
QVariantMap hookModification(const Document &entry, QString *error)
{
    const QString kind = entry.keys().value(0);
    const Document fields = entry.member(kind);
    if (kind == QLatin1String("AddHeader") || kind == QLatin1String("InsertHeader")
        || kind == QLatin1String("ChangeHeader")) {
        QVariantMap out {{u"type"_s, QString(kind.left(1).toLower() + kind.mid(1))},
            {u"name"_s, fields.member(u"name").toString()},
            {u"value"_s, fields.member(u"value").toString()}};
        if (kind != QLatin1String("AddHeader"))
            out.insert(u"index"_s, fields.member(u"index").toInteger());
        return out;
    }
    if (kind == QLatin1String("ReplaceBody")) {
        QByteArray bytes;
        const Document value = fields.member(u"value");
        for (qsizetype i = 0; i < value.size(); ++i)
            bytes.append(char(value.at(i).toInteger()));
        return {{u"type"_s, u"replaceContents"_s}, {u"value"_s, QString::fromUtf8(bytes)}};
    }
    if (kind == QLatin1String("Quarantine")) {
        return {{u"type"_s, u"addHeader"_s}, {u"name"_s, u"X-Quarantine"_s},
            {u"value"_s, fields.member(u"reason").toString()}};
    }
    *error = u"unmapped modification "_s + kind;
    return {};
}

} // namespace

class TestProtocolFixtures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestsDecode_data();
    void requestsDecode();
    void rebuiltSizesMatch();
    void responsesValidate_data();
    void responsesValidate();
    void invalidLegacyTempfails();
    void draft02RejectCustom();
    void draft02AddHeader();
    void draft02ReplaceRaw();
    void draft02RemoveRecipient();
    void draft02TestGuardedReplace();
    void draft02InvalidHabits();
    void stalwartReference_data();
    void stalwartReference();
};

void TestProtocolFixtures::requestsDecode_data()
{
    HOOKSCOPE_REQUIRE_SHARED();
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    for (const QString &fixture : sharedFixtures(u"legacy"_s, u"req-*.json"_s))
        QTest::addRow("%s", qPrintable(fixture)) << fixture << Dialect::Stalwart;
    for (const QString &fixture : sharedFixtures(u"draft01"_s, u"req-*.json"_s))
        QTest::addRow("%s", qPrintable(fixture)) << fixture << Dialect::Draft01;
}

void TestProtocolFixtures::requestsDecode()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    const HookRequest decoded = exampleRequest(fixture);
    QVERIFY(decoded.isDecoded());
    QCOMPARE(decoded.dialect, dialect);
    QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
    QVERIFY(decoded.stage != Stage::Unknown);
    const QString stem = fixture.section(u'/', 1).section(u'.', 0, 0).mid(4);
    QCOMPARE(decoded.stageName, stem.section(u'-', 0, 0));
    // CBOR carries the same document for the drafts.
    if (dialect == Dialect::Draft01) {
        const HookRequest cbor = decodeRequest(decoded.document.toCbor(), "application/cbor");
        QCOMPARE(cbor.document, decoded.document);
        QCOMPARE(cbor.rawMessage, decoded.rawMessage);
        QVERIFY(!hasErrors(cbor.problems));
    }
}

void TestProtocolFixtures::rebuiltSizesMatch()
{
    HOOKSCOPE_REQUIRE_SHARED();
    // "size 145, which equals the rebuilt message"; draft01's rawMessage is "the exact 230-byte
    // message".
    const HookRequest legacy = exampleRequest(u"legacy/req-data.json"_s);
    QCOMPARE(legacy.rawMessage.size(), 145);
    QCOMPARE(legacy.declaredSize, qint64(145));
    QVERIFY(legacy.rawMessage.contains("Subject: Lunch\r\n =?utf-8?q?plans?=\r\n"));
    const HookRequest draft = exampleRequest(u"draft01/req-data.json"_s);
    QCOMPARE(draft.rawMessage.size(), 230);
    QCOMPARE(draft.declaredSize, qint64(230));
    // A submission with U+FFFD: the size is the original byte count, not the JSON text's.
    const HookRequest submission = exampleRequest(u"legacy/req-data-submission.json"_s);
    QCOMPARE(submission.declaredSize, qint64(120));
    QVERIFY(submission.rawMessage.contains("\xEF\xBF\xBD"));
}

void TestProtocolFixtures::responsesValidate_data()
{
    HOOKSCOPE_REQUIRE_SHARED();
    QTest::addColumn<QString>("fixture");
    for (const QString &folder : {u"legacy"_s, u"draft01"_s, u"draft02"_s}) {
        for (const QString &fixture : sharedFixtures(folder, u"resp-*.json"_s))
            QTest::addRow("%s", qPrintable(fixture)) << fixture;
    }
}

void TestProtocolFixtures::responsesValidate()
{
    QFETCH(QString, fixture);
    const HookRequest decoded = exampleRequest(requestFor(fixture));
    QVERIFY(decoded.isDecoded());
    const HookResponse answer = response(example(fixture), decoded);
    const bool invalid = fixture.contains(u"INVALID"_s);
    QVERIFY2(answer.malformed == invalid, qPrintable(describe(answer.problems)));
    QVERIFY2(hasErrors(answer.problems) == invalid, qPrintable(describe(answer.problems)));
    QCOMPARE(answer.dialect,
        fixture.startsWith(u"legacy/"_s)
            ? Dialect::Stalwart
            : (fixture.startsWith(u"draft02/"_s) ? Dialect::Draft02 : Dialect::Draft01));
    // Applying never throws away the request: a draft answer that applies nothing leaves it as
    // it was.
    const Outcome outcome = apply(decoded, answer);
    if (outcome.malformed && decoded.dialect != Dialect::Stalwart)
        QCOMPARE(outcome.document, decoded.document);
}

void TestProtocolFixtures::invalidLegacyTempfails()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const HookRequest decoded = exampleRequest(u"legacy/req-data.json"_s);
    const HookResponse answer
        = response(example(u"legacy/resp-INVALID-docs-example.json"_s), decoded);
    // Stalwart's own documentation example fails to parse: the numeric parameter and the null
    // parameters are both fatal; enhancedStatus is merely ignored.
    QVERIFY(hasProblem(answer.problems, u"/modifications/0/parameters/size"_s, Severity::Error));
    QVERIFY(hasProblem(answer.problems, u"/modifications/1/parameters"_s, Severity::Error));
    QVERIFY(hasProblem(answer.problems, u"/response/enhancedStatus"_s, Severity::Warning));
    const Outcome outcome = apply(decoded, answer);
    QCOMPARE(outcome.reply.toString(), u"451 4.3.5 Unable to accept message at this time."_s);
    QVERIFY(!outcome.hasMessage);
}

void TestProtocolFixtures::draft02RejectCustom()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const HookRequest decoded = exampleRequest(u"draft01/req-data.json"_s);
    const QByteArray body = example(u"draft02/resp-reject-custom.json"_s);
    const Outcome outcome = apply(decoded, response(body, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.action, Action::Reject);
    const Document reply = Document::fromJson(body).value(u"/1/value");
    QCOMPARE(outcome.reply.code, int(reply.member(u"code").toInteger()));
    QCOMPARE(outcome.reply.enhancedCode, reply.member(u"enhancedCode").toString());
    QCOMPARE(outcome.reply.message, reply.member(u"message").toString());
    QCOMPARE(outcome.verdict, Verdict::Reject);
}

void TestProtocolFixtures::draft02AddHeader()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const HookRequest decoded = exampleRequest(u"draft01/req-data.json"_s);
    const QByteArray body = example(u"draft02/resp-add-header.json"_s);
    const Outcome outcome = apply(decoded, response(body, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    // "/-" appends: the header is the last one, written "Name:" + raw value.
    const Document header = Document::fromJson(body).value(u"/0/value");
    const Document headers = outcome.document.value(u"/message/headers");
    QCOMPARE(headers.at(headers.size() - 1), header);
    const QByteArray line = header.member(u"name").toString().toUtf8() + ':'
        + header.member(u"value").toString().toUtf8() + "\r\n";
    QByteArray expected = decoded.rawMessage;
    expected.insert(expected.indexOf("\r\n\r\n") + 2, line);
    QCOMPARE(outcome.message, expected);
}

void TestProtocolFixtures::draft02ReplaceRaw()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const HookRequest decoded = exampleRequest(u"draft01/req-data.json"_s);
    const QByteArray body = example(u"draft02/resp-replace-raw.json"_s);
    const Outcome outcome = apply(decoded, response(body, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    const QByteArray replacement
        = QByteArray::fromBase64(Document::fromJson(body).value(u"/0/value").toString().toLatin1());
    QCOMPARE(outcome.message, replacement);
    QVERIFY(outcome.messageChanged);
    // The draft-01 counterpart gives the same message.
    const Outcome draft01
        = apply(decoded, response(example(u"draft01/resp-raw-replace.json"_s), decoded));
    QCOMPARE(draft01.message, replacement);
}

void TestProtocolFixtures::draft02RemoveRecipient()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const QByteArray body = example(u"draft02/resp-remove-recipient.json"_s);
    // With one recipient /envelope/to/1 does not exist: the whole patch fails.
    const HookRequest single = exampleRequest(u"draft01/req-data.json"_s);
    QCOMPARE(single.envelope.to.size(), 1);
    const Outcome failed = apply(single, response(body, single));
    QVERIFY(failed.malformed);
    QCOMPARE(failed.envelope, single.envelope);
    QCOMPARE(failed.document, single.document);
    // With a second recipient it removes that one.
    const HookRequest two = edited(single,
        R"({"add":[{"path":"/envelope/to","value":{"address":"carol@example.com","parameters":{}}}]})");
    QCOMPARE(two.envelope.to.size(), 2);
    const Outcome removed = apply(two, response(body, two));
    QVERIFY2(!removed.malformed, qPrintable(describe(removed.problems)));
    QCOMPARE(removed.envelope.recipients(), single.envelope.recipients());
}

void TestProtocolFixtures::draft02TestGuardedReplace()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const QByteArray body = example(u"draft02/resp-test-guarded-replace.json"_s);
    const Document patch = Document::fromJson(body);
    const QString guard = patch.value(u"/0/value").toString();
    const QString replacement = patch.value(u"/1/value").toString();
    const HookRequest decoded = exampleRequest(u"draft01/req-data.json"_s);
    QCOMPARE(decoded.document.value(u"/message/subject").toString(), guard);
    const Outcome outcome = apply(decoded, response(body, decoded));
    QVERIFY2(!outcome.malformed, qPrintable(describe(outcome.problems)));
    QCOMPARE(outcome.document.value(u"/message/subject").toString(), replacement);
    QVERIFY(outcome.message.contains(QByteArray("\r\nSubject: " + replacement.toUtf8() + "\r\n")));
    // An earlier scanner changed the subject: the guard fails and nothing is applied.
    const HookRequest changed
        = edited(decoded, R"({"set":[{"path":"/message/subject","value":"Lunch?"}]})");
    const Outcome guarded = apply(changed, response(body, changed));
    QVERIFY(guarded.malformed);
    QCOMPARE(guarded.document.value(u"/message/subject").toString(), u"Lunch?"_s);
    QCOMPARE(guarded.document, changed.document);
}

void TestProtocolFixtures::draft02InvalidHabits()
{
    HOOKSCOPE_REQUIRE_SHARED();
    const HookRequest decoded = exampleRequest(u"draft01/req-data.json"_s);
    const HookResponse answer
        = response(example(u"draft02/resp-INVALID-draft01-habits.json"_s), decoded);
    QVERIFY(answer.malformed);
    QVERIFY(hasProblem(answer.problems, u"/0/op"_s, Severity::Error));
    QVERIFY(hasProblem(answer.problems, u"/1/value"_s, Severity::Error));
    const Outcome outcome = apply(decoded, answer);
    QCOMPARE(outcome.action, decoded.action);
    QCOMPARE(outcome.reply, decoded.reply);
    QCOMPARE(outcome.document, decoded.document);
}

void TestProtocolFixtures::stalwartReference_data()
{
    HOOKSCOPE_REQUIRE_SHARED();
    QTest::addColumn<int>("entry");
    const Document reference
        = Document::fromJson(TestSupport::readShared(milter + u"message.json"_s));
    QVERIFY(reference.isArray());
    QVERIFY(reference.size() > 0);
    for (qsizetype i = 0; i < reference.size(); ++i)
        QTest::addRow("milter/message.json#%d", int(i)) << int(i);
}

void TestProtocolFixtures::stalwartReference()
{
    QFETCH(int, entry);
    const QByteArray eml = TestSupport::readShared(milter + u"message.eml"_s);
    QVERIFY(!eml.isEmpty());
    const HookRequest decoded = decodeRequest(stalwartDataRequest(eml), "application/json");
    QCOMPARE(decoded.dialect, Dialect::Stalwart);
    QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
    QCOMPARE(decoded.rawMessage, eml);

    const Document reference
        = Document::fromJson(TestSupport::readShared(milter + u"message.json"_s)).at(entry);
    QVariantList modifications;
    const Document list = reference.member(u"modifications");
    for (qsizetype i = 0; i < list.size(); ++i) {
        QString error;
        modifications << hookModification(list.at(i), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    const QByteArray body = Document::fromVariant(
        QVariantMap {{u"action"_s, u"accept"_s},
            {u"modifications"_s,
                modifications}}).toJson();
    const HookResponse answer = response(body, decoded);
    QVERIFY2(!answer.malformed, qPrintable(describe(answer.problems)));
    QCOMPARE(answer.modifications.size(), list.size());
    const Outcome outcome = apply(decoded, answer);
    QCOMPARE(outcome.action, Action::Accept);
    QVERIFY(outcome.hasMessage);
    QCOMPARE(outcome.message, reference.member(u"result").toString().toUtf8());
}

QTEST_GUILESS_MAIN(TestProtocolFixtures)
#include "tst_protocol_fixtures.moc"

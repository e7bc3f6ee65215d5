// SPDX-License-Identifier: GPL-3.0-or-later
// Every trap of the protocol reference (§b.1, §c.1, §c.2, §g) as its own row: where the validator
// points, how bad it says it is, and whether the whole answer is then unusable.
#include "tests/protocol/protocoltest.h"

#include "mock/protocol/validator.h"

#include <QDirIterator>
#include <QTest>

using namespace MtaHooks;
using namespace ProtocolTest;
using namespace Qt::StringLiterals;

namespace {

QStringList fixturesIn(const QString &folder, const QString &pattern)
{
    QStringList result;
    QDirIterator it(TestSupport::dataPath(u"protocol/"_s + folder), {pattern}, QDir::Files);
    while (it.hasNext()) {
        it.next();
        result << folder + u'/' + it.fileName();
    }
    result.sort();
    return result;
}

// The stage a response fixture answers: outbound answers are named so.
Stage stageFor(const QString &responseFixture)
{
    if (responseFixture.contains(u"outbound"_s))
        return Stage::Delivery;
    if (responseFixture.contains(u"dsn"_s))
        return Stage::Dsn;
    return Stage::Data;
}

} // namespace

class TestProtocolValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestTraps_data();
    void requestTraps();
    void responseTraps_data();
    void responseTraps();
    void validRequestsHaveNoErrors_data();
    void validRequestsHaveNoErrors();
    void validResponsesHaveNoErrors_data();
    void validResponsesHaveNoErrors();
    void invalidResponsesAreMalformed_data();
    void invalidResponsesAreMalformed();
    void stalwartModificationsOnlyAtData();
    void stalwartLowerCaseBeyondAsciiIsQuiet();
    void stalwartSizeMismatch();
    void directionDecidesActions_data();
    void directionDecidesActions();
    void pointerSyntax_data();
    void pointerSyntax();
};

// Request traps: fixture or inline body, dialect, pointer, severity.
void TestProtocolValidator::requestTraps_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<Severity>("severity");
    auto row = [](const char *fixture, Dialect dialect, const QString &pointer, Severity severity) {
        QTest::addRow("%s", fixture) << ProtocolTest::fixture(QString::fromLatin1(fixture))
                                     << dialect << pointer << severity;
    };
    // Stalwart's EHLO key is "helo"; "ehlo" is what its docs (and the drafts) say.
    row("stalwart/req-INVALID-ehlo-key.json", Dialect::Stalwart, u"/context/client/ehlo"_s,
        Severity::Error);
    // Stalwart's protocol.version is the integer 1, not the docs' "1.0".
    row("stalwart/req-INVALID-version-string.json", Dialect::Stalwart,
        u"/context/protocol/version"_s, Severity::Error);
    // The stage is lower case.
    row("stalwart/req-INVALID-stage-uppercase.json", Dialect::Stalwart, u"/context/stage"_s,
        Severity::Error);
    // And the mirror images in the drafts.
    row("draft01/req-INVALID-helo-key.json", Dialect::Draft01, u"/client/helo"_s, Severity::Error);
    row("draft01/req-INVALID-version-integer.json", Dialect::Draft01, u"/protocol/version"_s,
        Severity::Error);
    row("draft01/req-INVALID-outbound-action-inbound.json", Dialect::Draft01, u"/action"_s,
        Severity::Error);
    row("draft01/req-unknown-stage.json", Dialect::Draft01, u"/stage"_s, Severity::Warning);

    QByteArray nullParameters = ProtocolTest::fixture(u"stalwart/req-mail.json"_s);
    nullParameters.replace(R"("address": "carol@example.net")",
        R"("address": "carol@example.net", "parameters": null)");
    QTest::addRow("stalwart-parameters-null")
        << nullParameters << Dialect::Stalwart << u"/envelope/from/parameters"_s << Severity::Error;
    QByteArray upperAddress = ProtocolTest::fixture(u"stalwart/req-rcpt.json"_s);
    upperAddress.replace("erin@example.com", "Erin@Example.com");
    QTest::addRow("stalwart-address-case")
        << upperAddress << Dialect::Stalwart << u"/envelope/to/1/address"_s << Severity::Warning;
    QByteArray upperBeyondAscii = ProtocolTest::fixture(u"stalwart/req-rcpt.json"_s);
    upperBeyondAscii.replace("erin@example.com", "\xc3\x89rin@example.com"); // É, no ASCII capital
    QTest::addRow("stalwart-address-case-beyond-ascii")
        << upperBeyondAscii << Dialect::Stalwart << u"/envelope/to/1/address"_s
        << Severity::Warning;
    const QByteArray rcpt
        = Document::fromJson(ProtocolTest::fixture(u"stalwart/req-rcpt.json"_s)).toJson();
    const QByteArray firstRecipient = R"({"address":"dave@example.com"})";
    QTest::addRow("stalwart-address-not-object")
        << QByteArray(rcpt).replace(firstRecipient, R"("dave@example.com")") << Dialect::Stalwart
        << u"/envelope/to/0"_s << Severity::Error;
    QTest::addRow("stalwart-address-missing")
        << QByteArray(rcpt).replace(firstRecipient, "{}") << Dialect::Stalwart
        << u"/envelope/to/0/address"_s << Severity::Error;
    QTest::addRow("stalwart-address-number")
        << QByteArray(rcpt).replace(firstRecipient, R"({"address":7})") << Dialect::Stalwart
        << u"/envelope/to/0/address"_s << Severity::Error;
    QByteArray noTo = ProtocolTest::fixture(u"stalwart/req-rcpt.json"_s);
    noTo = Document::fromJson(noTo).toJson();
    noTo.replace(
        R"("to":[{"address":"dave@example.com"},{"address":"erin@example.com"}])", R"("to":[])");
    QTest::addRow("stalwart-rcpt-without-recipient")
        << noTo << Dialect::Stalwart << u"/envelope/to"_s << Severity::Error;
    QByteArray draftParameter = ProtocolTest::fixture(u"draft01/req-mail.json"_s);
    draftParameter.replace(R"("SIZE": "512")", R"("SIZE": 512)");
    QTest::addRow("draft-numeric-parameter")
        << draftParameter << Dialect::Draft01 << u"/envelope/from/parameters/SIZE"_s
        << Severity::Error;
    QByteArray badBase64
        = Document::fromJson(ProtocolTest::fixture(u"draft01/req-dsn.json"_s)).toJson();
    badBase64.replace(R"("rawMessage":"RnJvb)", R"("rawMessage":"R*nJvb)");
    QTest::addRow("draft-rawMessage-not-base64")
        << badBase64 << Dialect::Draft01 << u"/rawMessage"_s << Severity::Error;
    QByteArray badStatus = ProtocolTest::fixture(u"draft01/req-defer.json"_s);
    badStatus.replace(R"("status": "deferred")", R"("status": "retrying")");
    QTest::addRow("draft-recipient-status")
        << badStatus << Dialect::Draft01 << u"/envelope/to/0/status"_s << Severity::Error;
    QByteArray context = ProtocolTest::fixture(u"draft01/req-ehlo.json"_s);
    context.replace(R"("stage": "ehlo",)", R"("stage": "ehlo", "context": {},)");
    QTest::addRow("draft-with-context")
        << context << Dialect::Draft01 << u"/context"_s << Severity::Error;
}

void TestProtocolValidator::requestTraps()
{
    QFETCH(QByteArray, body);
    QFETCH(Dialect, dialect);
    QFETCH(QString, pointer);
    QFETCH(Severity, severity);
    const Document document = Document::fromJson(body);
    QVERIFY(document.isValid());
    const Problems problems = validateRequest(document, dialect);
    QVERIFY2(hasProblem(problems, pointer, severity), qPrintable(describe(problems)));
    // The trap is reported once, at the severity asked, not also as an error elsewhere.
    if (severity != Severity::Error)
        QVERIFY2(!hasErrors(problems), qPrintable(describe(problems)));
    // decodeRequest reports the same (the dialect forced: a draft document carrying Stalwart's
    // "context" is detected as Stalwart's).
    DecodeOptions options;
    options.dialect = dialect;
    const HookRequest decoded = decodeRequest(body, "application/json", options);
    QCOMPARE(decoded.dialect, dialect);
    QVERIFY(hasProblem(decoded.problems, pointer, severity));
}

// Response traps: body, dialect, stage, pointer, severity, malformed.
void TestProtocolValidator::responseTraps_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<Severity>("severity");
    QTest::addColumn<bool>("malformed");
    auto row = [](const char *fixture, Dialect dialect, Stage stage, const QString &pointer,
                   Severity severity, bool malformed) {
        QTest::addRow("%s", fixture) << ProtocolTest::fixture(QString::fromLatin1(fixture))
                                     << dialect << stage << pointer << severity << malformed;
    };
    const Dialect S = Dialect::Stalwart;
    const Stage data = Stage::Data;
    // §c.1: silently ignored, so only a warning - but the enhanced code is lost.
    row("stalwart/resp-enhancedStatus.json", S, data, u"/response/enhancedStatus"_s,
        Severity::Warning, false);
    row("stalwart/resp-INVALID-parameters-null.json", S, data, u"/modifications/0/parameters"_s,
        Severity::Error, true);
    row("stalwart/resp-INVALID-numeric-parameter.json", S, data,
        u"/modifications/0/parameters/SIZE"_s, Severity::Error, true);
    row("stalwart/resp-INVALID-modifications-null.json", S, data, u"/modifications"_s,
        Severity::Error, true);
    row("stalwart/resp-INVALID-addRcpt.json", S, data, u"/modifications/0/type"_s, Severity::Error,
        true);
    row("stalwart/resp-INVALID-deleteRcpt.json", S, data, u"/modifications/0/type"_s,
        Severity::Error, true);
    row("stalwart/resp-INVALID-action-uppercase.json", S, data, u"/action"_s, Severity::Error,
        true);
    row("stalwart/resp-INVALID-action-tempfail.json", S, data, u"/action"_s, Severity::Error, true);
    row("stalwart/resp-INVALID-action-disconnect.json", S, data, u"/action"_s, Severity::Error,
        true);
    row("stalwart/resp-INVALID-empty-object.json", S, data, u"/action"_s, Severity::Error, true);
    row("stalwart/resp-INVALID-missing-action.json", S, data, u"/action"_s, Severity::Error, true);
    row("stalwart/resp-INVALID-negative-index.json", S, data, u"/modifications/0/index"_s,
        Severity::Error, true);
    row("stalwart/resp-INVALID-status-string.json", S, data, u"/response/status"_s, Severity::Error,
        true);
    row("stalwart/resp-INVALID-disconnect-null.json", S, data, u"/response/disconnect"_s,
        Severity::Error, true);
    row("stalwart/resp-INVALID-array.json", S, data, QString(), Severity::Error, true);
    // Stalwart writes an injected line as is: a warning, the answer itself parses.
    row("stalwart/resp-header-injection.json", S, data, u"/modifications/0/value"_s,
        Severity::Warning, false);
    row("stalwart/resp-reject-status-only.json", S, data, u"/response"_s, Severity::Warning, false);
    row("stalwart/resp-reply-321.json", S, data, u"/response/status"_s, Severity::Warning, false);
    row("stalwart/resp-disconnect-true.json", S, data, u"/response/disconnect"_s, Severity::Info,
        false);
    row("stalwart/resp-quarantine.json", S, data, u"/action"_s, Severity::Info, false);
    QTest::addRow("stalwart/resp-modifications.json@rcpt")
        << ProtocolTest::fixture(u"stalwart/resp-modifications.json"_s) << S << Stage::Rcpt
        << u"/modifications"_s << Severity::Warning << false;
    QTest::addRow("stalwart-index-u32")
        << R"({"action":"accept","modifications":[
        {"type":"deleteHeader","index":4294967296,"name":"X-Mailer"}]})"_ba
        << S << data << u"/modifications/0/index"_s << Severity::Error << true;
    QTest::addRow("stalwart-status-u16") << R"({"action":"reject","response":{"status":70000,
        "message":"too big"}})"_ba << S << data
                                         << u"/response/status"_s << Severity::Error << true;
    QTest::addRow("stalwart-status-float") << R"({"action":"reject","response":{"status":550.0,
        "message":"float"}})"_ba << S << data
                                           << u"/response/status"_s << Severity::Error << true;

    const Dialect D1 = Dialect::Draft01;
    row("draft01/resp-INVALID-path-outside.json", D1, data, u"/set/0/path"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-inbound-continue.json", D1, data, u"/set/0/value"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-outbound-reject.json", D1, Stage::Delivery, u"/set/0/value"_s,
        Severity::Error, true);
    row("draft01/resp-INVALID-unknown-action.json", D1, data, u"/set/0/value"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-header-injection.json", D1, data, u"/add/0/value"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-header-value-injection.json", D1, data, u"/set/0/value"_s,
        Severity::Error, true);
    row("draft01/resp-INVALID-set-without-value.json", D1, data, u"/set/0/value"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-stalwart-shape.json", D1, data, QString(), Severity::Error, true);
    // Draft-01 answers are objects: an RFC 6902 array read as -01 is refused whole.
    row("draft01/resp-INVALID-json-patch-array.json", D1, data, QString(), Severity::Error, true);
    row("draft01/resp-INVALID-response-status.json", D1, data, u"/set/0/value"_s, Severity::Error,
        true);
    row("draft01/resp-INVALID-negative-index.json", D1, data, u"/add/0/index"_s, Severity::Error,
        true);
    QTest::addRow("draft01-root-path") << R"({"set":[{"path":"","value":{}}]})"_ba << D1 << data
                                       << u"/set/0/path"_s << Severity::Error << true;
    QTest::addRow("draft01-bad-escape") << R"({"set":[{"path":"/message/~2x","value":1}]})"_ba << D1
                                        << data << u"/set/0/path"_s << Severity::Error << true;
    QTest::addRow("draft01-unknown-list")
        << R"({"replace":[]})"_ba << D1 << data << u"/replace"_s << Severity::Error << true;
    QTest::addRow("draft01-op-member")
        << R"({"set":[{"op":"replace","path":"/action","value":"reject"}]})"_ba << D1 << data
        << u"/set/0/op"_s << Severity::Error << true;
    QTest::addRow("draft01-index-on-set")
        << R"({"set":[{"path":"/action","value":"reject","index":0}]})"_ba << D1 << data
        << u"/set/0/index"_s << Severity::Warning << false;
    QTest::addRow("draft01-header-name-colon")
        << R"({"add":[{"path":"/message/headers","value":{"name":"Bcc: x","value":" y"}}]})"_ba
        << D1 << data << u"/add/0/value"_s << Severity::Error << true;
    QTest::addRow("draft01-header-name-edit")
        << R"({"set":[{"path":"/message/headers/1/name","value":"To\r\nBcc"}]})"_ba << D1 << data
        << u"/set/0/value"_s << Severity::Error << true;
    QTest::addRow("draft01-folded-header-ok")
        << R"({"add":[{"path":"/message/headers","value":{"name":"X-Long","value":" a,\r\n b"}}]})"_ba
        << D1 << data << QString() << Severity::Info << false;
    QTest::addRow("draft01-response-code-range")
        << R"({"set":[{"path":"/response/code","value":99}]})"_ba << D1 << data << u"/set/0/value"_s
        << Severity::Error << true;
    QTest::addRow("draft01-recipient-status")
        << R"({"set":[{"path":"/envelope/to/0/status","value":"lost"}]})"_ba << D1
        << Stage::Delivery << u"/set/0/value"_s << Severity::Error << true;

    const Dialect D2 = Dialect::Draft02;
    // A draft-01 habit in a -02 patch.
    row("draft02/resp-INVALID-set-op.json", D2, data, u"/0/op"_s, Severity::Error, true);
    row("draft02/resp-INVALID-replace-without-value.json", D2, data, u"/0/value"_s, Severity::Error,
        true);
    // Draft-02 answers are arrays: a -01 object read as -02 is refused whole.
    row("draft02/resp-INVALID-draft01-object.json", D2, data, QString(), Severity::Error, true);
    row("draft02/resp-INVALID-index-member.json", D2, data, u"/0/index"_s, Severity::Error, true);
    row("draft02/resp-INVALID-path-outside.json", D2, data, u"/0/path"_s, Severity::Error, true);
    // A move removes its source: the source must be writable too.
    row("draft02/resp-INVALID-move-from-protected.json", D2, data, u"/0/from"_s, Severity::Error,
        true);
    row("draft02/resp-INVALID-header-injection.json", D2, data, u"/0/value"_s, Severity::Error,
        true);
    QTest::addRow("draft02-copy-missing-from")
        << R"([{"op":"copy","path":"/envelope/to/-"}])"_ba << D2 << data << u"/0/from"_s
        << Severity::Error << true;
    // A test only reads: any pointer may be tested, writable or not.
    QTest::addRow("draft02-test-anywhere")
        << R"([{"op":"test","path":"/client/ip","value":"192.0.2.44"}])"_ba << D2 << data
        << QString() << Severity::Info << false;
    QTest::addRow("draft02-copy-from-anywhere")
        << R"([{"op":"copy","from":"/client/ptr","path":"/message/headers/-"}])"_ba << D2 << data
        << QString() << Severity::Info << false;
}

void TestProtocolValidator::responseTraps()
{
    QFETCH(QByteArray, body);
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    QFETCH(QString, pointer);
    QFETCH(Severity, severity);
    QFETCH(bool, malformed);
    const Document document = Document::fromJson(body);
    QVERIFY(document.isValid());
    const Problems problems = validateResponse(document, dialect, stage);
    // Rows with an Info severity and no pointer assert that the answer is clean.
    if (!(severity == Severity::Info && pointer.isEmpty()))
        QVERIFY2(hasProblem(problems, pointer, severity), qPrintable(describe(problems)));
    QVERIFY2(hasErrors(problems) == malformed, qPrintable(describe(problems)));

    // The invariant: an Error in a response makes the whole answer malformed.
    DecodeOptions options;
    options.dialect = dialect;
    options.requestStage = stage;
    const HookResponse decoded = decodeResponse(body, "application/json", 200, options);
    QCOMPARE(decoded.dialect, dialect);
    QVERIFY2(decoded.malformed == malformed, qPrintable(describe(decoded.problems)));
}

void TestProtocolValidator::validRequestsHaveNoErrors_data()
{
    QTest::addColumn<QString>("fixture");
    for (const QString &folder : {u"stalwart"_s, u"draft01"_s}) {
        for (const QString &fixture : fixturesIn(folder, u"req-*.json"_s)) {
            if (!fixture.contains(u"INVALID"_s))
                QTest::addRow("%s", qPrintable(fixture)) << fixture;
        }
    }
}

void TestProtocolValidator::validRequestsHaveNoErrors()
{
    QFETCH(QString, fixture);
    const HookRequest decoded = request(fixture);
    QVERIFY(decoded.isDecoded());
    QVERIFY2(!hasErrors(decoded.problems), qPrintable(describe(decoded.problems)));
    // Our own fixtures follow the dialects closely: nothing worse than an Info, except the stage
    // that is unknown on purpose.
    const Problems warnings = atSeverity(decoded.problems, Severity::Warning);
    if (fixture.endsWith(u"req-unknown-stage.json"_s))
        QCOMPARE(warnings.size(), 1);
    else
        QVERIFY2(warnings.isEmpty(), qPrintable(describe(warnings)));
}

void TestProtocolValidator::validResponsesHaveNoErrors_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("requestFixture");
    for (const QString &fixture : fixturesIn(u"stalwart"_s, u"resp-*.json"_s)) {
        if (!fixture.contains(u"INVALID"_s))
            QTest::addRow("%s", qPrintable(fixture)) << fixture << u"stalwart/req-data.json"_s;
    }
    for (const QString &folder : {u"draft01"_s, u"draft02"_s}) {
        for (const QString &fixture : fixturesIn(folder, u"resp-*.json"_s)) {
            if (fixture.contains(u"INVALID"_s))
                continue;
            const QString requestFixture = stageFor(fixture) == Stage::Delivery
                ? u"draft01/req-delivery.json"_s
                : (stageFor(fixture) == Stage::Dsn ? u"draft01/req-dsn.json"_s
                                                   : u"draft01/req-data.json"_s);
            QTest::addRow("%s", qPrintable(fixture)) << fixture << requestFixture;
        }
    }
}

void TestProtocolValidator::validResponsesHaveNoErrors()
{
    QFETCH(QString, fixture);
    QFETCH(QString, requestFixture);
    const HookRequest decoded = request(requestFixture);
    const HookResponse answer = response(fixture, decoded);
    QVERIFY2(!answer.malformed, qPrintable(describe(answer.problems)));
    QVERIFY2(!hasErrors(answer.problems), qPrintable(describe(answer.problems)));
}

void TestProtocolValidator::invalidResponsesAreMalformed_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Stage>("stage");
    const std::pair<QString, Dialect> folders[] = {{u"stalwart"_s, Dialect::Stalwart},
        {u"draft01"_s, Dialect::Draft01}, {u"draft02"_s, Dialect::Draft02}};
    for (const auto &[folder, dialect] : folders) {
        for (const QString &fixture : fixturesIn(folder, u"resp-INVALID-*.json"_s))
            QTest::addRow("%s", qPrintable(fixture)) << fixture << dialect << stageFor(fixture);
    }
}

void TestProtocolValidator::invalidResponsesAreMalformed()
{
    QFETCH(QString, fixture);
    QFETCH(Dialect, dialect);
    QFETCH(Stage, stage);
    DecodeOptions options;
    options.dialect = dialect;
    options.requestStage = stage;
    const HookResponse decoded
        = decodeResponse(ProtocolTest::fixture(fixture), "application/json", 200, options);
    QVERIFY2(decoded.malformed, qPrintable(describe(decoded.problems)));
    QVERIFY(hasErrors(decoded.problems));
}

void TestProtocolValidator::stalwartModificationsOnlyAtData()
{
    const Document document = Document::fromJson(fixture(u"stalwart/resp-modifications.json"_s));
    for (Stage stage : {Stage::Connect, Stage::Ehlo, Stage::Mail, Stage::Rcpt}) {
        const Problems problems = validateResponse(document, Dialect::Stalwart, stage);
        QVERIFY2(hasProblem(problems, u"/modifications"_s, Severity::Warning),
            qPrintable(describe(problems)));
    }
    QVERIFY(!hasProblem(validateResponse(document, Dialect::Stalwart, Stage::Data),
        u"/modifications"_s, Severity::Warning));
}

void TestProtocolValidator::stalwartLowerCaseBeyondAsciiIsQuiet()
{
    QByteArray body = ProtocolTest::fixture(u"stalwart/req-rcpt.json"_s);
    body.replace("erin@example.com", "\xc3\xa9rin@example.com"); // é: already lower case
    const Problems problems = validateRequest(Document::fromJson(body), Dialect::Stalwart);
    QVERIFY2(!hasProblem(problems, u"/envelope/to/1/address"_s, Severity::Warning),
        qPrintable(describe(problems)));
}

void TestProtocolValidator::stalwartSizeMismatch()
{
    QByteArray body = fixture(u"stalwart/req-data.json"_s);
    body.replace(R"("size": 402)", R"("size": 400)");
    const Problems problems = validateRequest(Document::fromJson(body), Dialect::Stalwart);
    QVERIFY2(hasProblem(problems, u"/message/size"_s, Severity::Warning),
        qPrintable(describe(problems)));
    // With U+FFFD in the contents the size cannot match the rebuilt text: no warning then.
    const Problems submission = validateRequest(
        Document::fromJson(fixture(u"stalwart/req-data-submission.json"_s)), Dialect::Stalwart);
    QVERIFY(!hasProblem(submission, u"/message/size"_s, Severity::Warning));
    QVERIFY(hasProblem(submission, u"/message/contents"_s, Severity::Info));
}

void TestProtocolValidator::directionDecidesActions_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<Stage>("stage");
    QTest::addColumn<bool>("valid");
    const QStringList inbound {
        u"accept"_s, u"reject"_s, u"discard"_s, u"quarantine"_s, u"disconnect"_s};
    const QStringList outbound {u"continue"_s, u"cancel"_s};
    for (Stage stage : {Stage::Connect, Stage::Rcpt, Stage::Data, Stage::Delivery, Stage::Dsn}) {
        const bool isOutbound = stageDirection(stage) == Direction::Outbound;
        for (const QString &action :
            inbound + outbound + QStringList {u"Accept"_s, u"tempfail"_s}) {
            const bool valid = (isOutbound ? outbound : inbound).contains(action);
            QTest::addRow("%s@%s", qPrintable(action), qPrintable(stageName(stage)))
                << action << stage << valid;
        }
    }
}

void TestProtocolValidator::directionDecidesActions()
{
    QFETCH(QString, action);
    QFETCH(Stage, stage);
    QFETCH(bool, valid);
    const QByteArray draft01
        = R"({"set":[{"path":"/action","value":")" + action.toUtf8() + R"("}]})";
    const Problems problems01
        = validateResponse(Document::fromJson(draft01), Dialect::Draft01, stage);
    QCOMPARE(hasProblem(problems01, u"/set/0/value"_s, Severity::Error), !valid);
    const QByteArray draft02
        = R"([{"op":"replace","path":"/action","value":")" + action.toUtf8() + R"("}])";
    const Problems problems02
        = validateResponse(Document::fromJson(draft02), Dialect::Draft02, stage);
    QCOMPARE(hasProblem(problems02, u"/0/value"_s, Severity::Error), !valid);
}

void TestProtocolValidator::pointerSyntax_data()
{
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<bool>("valid");
    QTest::addRow("root") << QString() << true;
    QTest::addRow("member") << u"/message/subject"_s << true;
    QTest::addRow("escapes") << u"/a~1b/c~0d"_s << true;
    QTest::addRow("dash-in-name") << u"/senderAuth/spf-mail"_s << true;
    QTest::addRow("no-slash") << u"message"_s << false;
    QTest::addRow("bad-escape") << u"/a~2"_s << false;
    QTest::addRow("trailing-tilde") << u"/a~"_s << false;
}

void TestProtocolValidator::pointerSyntax()
{
    QFETCH(QString, pointer);
    QFETCH(bool, valid);
    QCOMPARE(isValidPointer(pointer), valid);
    if (valid) {
        // Escaping a token and appending it is reversible.
        QCOMPARE(unescapePointerToken(escapePointerToken(u"a/b~c"_s)), u"a/b~c"_s);
        QCOMPARE(pointerAppend(u"/envelope/to"_s, 2), u"/envelope/to/2"_s);
        QCOMPARE(pointerAppend(u"/x"_s, u"a/b~c"_s), u"/x/a~1b~0c"_s);
    }
}

QTEST_GUILESS_MAIN(TestProtocolValidator)
#include "tst_protocol_validator.moc"

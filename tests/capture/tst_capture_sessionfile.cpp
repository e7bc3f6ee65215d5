// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturestore.h"
#include "mock/capture/sessionfile.h"
#include "mock/mime/mimedecoder.h"
#include "tests/capture/capturetest.h"
#include "tests/support/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using Mock::Exchange;
using Mock::SessionFile;
using Mock::SessionRecording;
using Mock::SessionStage;
using MtaHooks::Stage;

namespace {

constexpr qint64 t0 = 1772619630000;

SessionRecording fullRecording()
{
    SessionRecording s;
    s.id = u"demo-1"_s;
    s.title = u"Rejected at RCPT"_s;
    s.description = u"The scanner refuses the second recipient.\nThe first one still gets it."_s;
    s.dialect = MtaHooks::Dialect::Draft02;
    s.client = {u"192.0.2.44"_s, 41822, u"gw.example.net"_s, u"gw.example.net"_s, {}, 0};
    s.tls.present = true;
    s.tls.version = u"TLSv1.3"_s;
    s.tls.cipher = u"TLS_AES_128_GCM_SHA256"_s;
    s.auth.present = true;
    s.auth.login = u"erin"_s;
    s.auth.method = u"PLAIN"_s;
    s.server = {u"mx.example.org"_s, u"198.51.100.9"_s, 25};
    s.envelope.present = true;
    s.envelope.from.address = u"erin@example.net"_s;
    s.envelope.from.parameters = {{u"BODY"_s, u"8BITMIME"_s}, {u"SIZE"_s, u"412"_s}};
    MtaHooks::EnvelopeAddress frank;
    frank.address = u"frank@example.com"_s;
    frank.parameters = {{u"NOTIFY"_s, u"FAILURE,DELAY"_s}};
    MtaHooks::EnvelopeAddress grace;
    grace.address = u"grace@example.com"_s;
    s.envelope.to = {frank, grace};
    s.hasMessage = true;
    s.rawMessage = TestSupport::readData(u"capture/stalwart/data.eml"_s) + QByteArray("\xff\0", 2);
    SessionStage connect {Stage::Connect, u"connect"_s, {}, {}};
    SessionStage rcpt {Stage::Rcpt, u"rcpt"_s, u"grace@example.com"_s, {}};
    rcpt.expect.action = MtaHooks::Action::Reject;
    rcpt.expect.verdict = MtaHooks::Verdict::Reject;
    rcpt.expect.replyCode = 550;
    SessionStage custom {Stage::Unknown, u"x-later"_s, {}, {}};
    custom.expect.replyCode = 0;
    s.stages = {connect, rcpt, custom};
    Exchange json = hookCall(u"stalwart/rcpt-2.json"_s, at(t0 + 123));
    json.action = MtaHooks::Action::Reject;
    json.verdict = MtaHooks::Verdict::Reject;
    json.replyCode = 550;
    json.ruleName = u"No Grace"_s;
    json.note = u"the interesting one"_s;
    json.problems = {{u"/envelope"_s, MtaHooks::Severity::Warning, u"odd"_s}};
    Exchange binary = everyField();
    s.exchanges = {json, binary};
    return s;
}

// What survives a session file: everything but what the format leaves out (ids, session keys,
// sequence, summary facts, rule reason, match trace, held).
QString fileDifference(const Exchange &actual, const Exchange &expected)
{
    Exchange a = actual;
    Exchange b = expected;
    for (Exchange *e : {&a, &b}) {
        e->id = 0;
        e->clientCertificate.clear(); // a capture's transport fact, not part of the file format
        e->sessionKey.clear();
        e->sequence = 0;
        e->encoding = MtaHooks::Encoding::Unknown;
        e->clientIp.clear();
        e->clientPort = 0;
        e->clientEhlo.clear();
        e->queueId.clear();
        e->mailFrom.clear();
        e->recipients.clear();
        e->subject.clear();
        e->messageSize = -1;
        e->hasAttachment = false;
        e->ruleReason.clear();
        e->matchTrace.clear();
        e->held = false;
    }
    return difference(a, b, true);
}

QList<Exchange> fixtureSession(const QString &dialect, const QStringList &stages)
{
    QList<Exchange> calls;
    for (int i = 0; i < stages.size(); ++i) {
        Exchange e = hookCall(dialect + u'/' + stages.at(i) + u".json"_s, at(t0 + 100 * i));
        e.sessionKey = dialect + u"-session"_s;
        e.sequence = i + 1;
        calls.append(e);
    }
    return calls;
}

QJsonObject parse(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestCaptureSessionFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void documentShape();
    void minimalSession();
    void rejects_data();
    void rejects();
    void toleratesUnknownMembers();
    void deriveStalwart();
    void deriveDraft01();
    void importFillsSummaries();
    void importIntoStore();
    void documentedExample();
};

void TestCaptureSessionFile::roundTrip()
{
    const SessionRecording original = fullRecording();
    const QByteArray text = SessionFile::write({original, SessionRecording()});
    QString error;
    const auto read = SessionFile::read(text, &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->size(), 2);
    const SessionRecording &s = read->first();
    QCOMPARE(s.id, original.id);
    QCOMPARE(s.title, original.title);
    QCOMPARE(s.description, original.description);
    QCOMPARE(s.dialect, original.dialect);
    QCOMPARE(s.client.ip, original.client.ip);
    QCOMPARE(s.client.port, original.client.port);
    QCOMPARE(s.client.ptr, original.client.ptr);
    QCOMPARE(s.client.ehlo, original.client.ehlo);
    QCOMPARE(s.tls.present, true);
    QCOMPARE(s.tls.version, original.tls.version);
    QCOMPARE(s.tls.cipher, original.tls.cipher);
    QCOMPARE(s.auth.present, true);
    QCOMPARE(s.auth.login, original.auth.login);
    QCOMPARE(s.auth.method, original.auth.method);
    QCOMPARE(s.server.name, original.server.name);
    QCOMPARE(s.server.ip, original.server.ip);
    QCOMPARE(s.server.port, original.server.port);
    QCOMPARE(s.envelope.present, true);
    QCOMPARE(s.envelope.from.address, original.envelope.from.address);
    QCOMPARE(s.envelope.from.isNullSender, false);
    // Parameters are a JSON object: their order is not kept (it carries no meaning in SMTP).
    QCOMPARE(s.envelope.from.parameters, original.envelope.from.parameters); // already sorted
    QCOMPARE(s.envelope.to.size(), 2);
    QCOMPARE(s.envelope.to.at(0).address, u"frank@example.com"_s);
    QCOMPARE(s.envelope.to.at(0).parameters, original.envelope.to.at(0).parameters);
    QCOMPARE(s.envelope.to.at(1).address, u"grace@example.com"_s);
    QCOMPARE(s.hasMessage, true);
    QCOMPARE(s.rawMessage, original.rawMessage);
    QCOMPARE(s.stages, original.stages);
    QCOMPARE(s.exchanges.size(), 2);
    QCOMPARE(fileDifference(s.exchanges.at(0), original.exchanges.at(0)), QString());
    QCOMPARE(fileDifference(s.exchanges.at(1), original.exchanges.at(1)), QString());

    const SessionRecording &empty = read->at(1);
    QVERIFY(empty.id.isEmpty());
    QVERIFY(!empty.tls.present);
    QVERIFY(!empty.auth.present);
    QVERIFY(!empty.envelope.present);
    QVERIFY(!empty.hasMessage);
    QVERIFY(empty.stages.isEmpty());

    // Writing what was read gives the same document (but for the creation time).
    QByteArray again = SessionFile::write(*read);
    const auto created = [](QByteArray json) {
        QJsonObject root = parse(json);
        root.remove(u"created"_s);
        return root;
    };
    QCOMPARE(created(again), created(text));
}

void TestCaptureSessionFile::documentShape()
{
    const QByteArray text = SessionFile::write({fullRecording()});
    // Ordered for people: the file says what it is first.
    QVERIFY2(text.startsWith("{\n  \"format\": \"hookscope-session\",\n  \"version\": 1,\n"),
        text.left(80).constData());
    const QJsonObject root = parse(text);
    QCOMPARE(root.value(u"format"_s).toString(), u"hookscope-session"_s);
    QCOMPARE(root.value(u"version"_s).toInt(), 1);
    QCOMPARE(root.value(u"generator"_s).toString(), u"hookscope " HOOKSCOPE_VERSION ""_s);
    const QDateTime created
        = QDateTime::fromString(root.value(u"created"_s).toString(), Qt::ISODate);
    QVERIFY(created.isValid());
    QVERIFY(root.value(u"created"_s).toString().endsWith(u'Z'));
    const QJsonObject session = root.value(u"sessions"_s).toArray().first().toObject();
    QCOMPARE(session.value(u"dialect"_s).toString(), u"draft-02"_s);
    const QJsonObject connection = session.value(u"connection"_s).toObject();
    QCOMPARE(connection.value(u"client"_s).toObject().value(u"port"_s).toInt(), 41822);
    QCOMPARE(connection.value(u"tls"_s).toObject().value(u"version"_s).toString(), u"TLSv1.3"_s);
    QCOMPARE(session.value(u"envelope"_s)
                 .toObject()
                 .value(u"fromParameters"_s)
                 .toObject()
                 .value(u"SIZE"_s),
        QJsonValue(u"412"_s));
    QVERIFY(!session.value(u"message"_s).toObject().value(u"raw"_s).toString().isEmpty());
    const QJsonArray stages = session.value(u"stages"_s).toArray();
    QCOMPARE(stages.size(), 3);
    QVERIFY(!stages.at(0).toObject().contains(u"recipient"_s));
    QVERIFY(!stages.at(0).toObject().contains(u"expect"_s));
    QCOMPARE(
        stages.at(1).toObject().value(u"expect"_s).toObject().value(u"replyCode"_s).toInt(), 550);
    const QJsonArray exchanges = session.value(u"exchanges"_s).toArray();
    const QJsonObject json = exchanges.at(0).toObject();
    QCOMPARE(json.value(u"requestBody"_s).toObject().value(u"encoding"_s).toString(), u"utf8"_s);
    QVERIFY(json.value(u"requestBody"_s)
                .toObject()
                .value(u"data"_s)
                .toString()
                .startsWith(u"{\"context\""_s));
    QCOMPARE(json.value(u"received"_s).toString(), u"2026-03-04T10:20:30.123Z"_s);
    QCOMPARE(json.value(u"peer"_s).toObject().value(u"port"_s).toInt(), 40100);
    QCOMPARE(json.value(u"requestHeaders"_s).toArray().at(1).toArray().at(0).toString(),
        u"Content-Type"_s);
    QCOMPARE(json.value(u"rule"_s).toString(), u"No Grace"_s);
    QCOMPARE(json.value(u"status"_s).toInt(), 200);
    const QJsonObject binary = exchanges.at(1).toObject();
    QCOMPARE(
        binary.value(u"requestBody"_s).toObject().value(u"encoding"_s).toString(), u"base64"_s);
    QCOMPARE(binary.value(u"problems"_s).toArray().size(), 3);
    QCOMPARE(binary.value(u"problems"_s).toArray().at(1).toObject().value(u"severity"_s),
        QJsonValue(u"warning"_s));
}

void TestCaptureSessionFile::minimalSession()
{
    // The smallest useful hand-written file: everything optional left out.
    const QByteArray text = R"({"format":"hookscope-session","version":1,"sessions":[
        {"id":"hand","connection":{"client":{"ip":"192.0.2.1","port":25}},
         "envelope":{"from":null,"to":[{"address":"a@example.com"}]},
         "stages":[{"stage":"connect"},{"stage":"rcpt","recipient":"a@example.com"}]}]})";
    QString error;
    const auto read = SessionFile::read(text, &error);
    QVERIFY2(read, qPrintable(error));
    const SessionRecording &s = read->first();
    QCOMPARE(s.id, u"hand"_s);
    QCOMPARE(s.dialect, MtaHooks::Dialect::Unknown);
    QVERIFY(!s.tls.present);
    QVERIFY(s.envelope.present);
    QVERIFY(s.envelope.from.isNullSender);
    QCOMPARE(s.envelope.to.size(), 1);
    QVERIFY(!s.hasMessage);
    QCOMPARE(s.stages.size(), 2);
    QCOMPARE(s.stages.at(1).stage, Stage::Rcpt);
    QCOMPARE(s.stages.at(1).recipient, u"a@example.com"_s);
    QVERIFY(s.stages.at(1).expect.isEmpty());
    QVERIFY(s.exchanges.isEmpty());
}

void TestCaptureSessionFile::rejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message");
    const auto wrap = [](const char *session) -> QByteArray {
        return QByteArray(R"({"format":"hookscope-session","version":1,"sessions":[)") + session
            + "]}";
    };
    QTest::addRow("not json") << QByteArray("format: hookscope") << u"not JSON"_s;
    QTest::addRow("empty") << QByteArray() << u"not JSON"_s;
    QTest::addRow("array") << QByteArray("[]") << u"not a Hookscope session file"_s;
    QTest::addRow("no format") << QByteArray(R"({"version":1,"sessions":[]})")
                               << u"no \"format\""_s;
    QTest::addRow("other format") << QByteArray(R"({"format":"har","version":1,"sessions":[]})")
                                  << u"format \"har\""_s;
    QTest::addRow("newer version")
        << QByteArray(R"({"format":"hookscope-session","version":2,"sessions":[]})")
        << u"version 2 is not supported"_s;
    QTest::addRow("version 0") << QByteArray(
        R"({"format":"hookscope-session","version":0,"sessions":[]})")
                               << u"version 0 is not supported"_s;
    QTest::addRow("version as text")
        << QByteArray(R"({"format":"hookscope-session","version":"1","sessions":[]})")
        << u"integer \"version\""_s;
    QTest::addRow("fractional version")
        << QByteArray(R"({"format":"hookscope-session","version":1.5,"sessions":[]})")
        << u"integer \"version\""_s;
    QTest::addRow("no sessions") << QByteArray(R"({"format":"hookscope-session","version":1})")
                                 << u"sessions: missing or not an array"_s;
    QTest::addRow("session not object") << wrap("42") << u"sessions[0]: expected an object"_s;
    QTest::addRow("stages not array")
        << wrap(R"({"id":"x","stages":{}})") << u"sessions[0].stages: expected an array"_s;
    QTest::addRow("stage without name") << wrap(R"({"id":"x","stages":[{"recipient":"a"}]})")
                                        << u"sessions[0].stages[0].stage: missing"_s;
    QTest::addRow("bad raw message") << wrap(R"({"id":"x","message":{"raw":"%%%"}})")
                                     << u"sessions[0].message.raw: invalid base64"_s;
    QTest::addRow("unknown expected action")
        << wrap(R"({"id":"x","stages":[{"stage":"rcpt","expect":{"action":"bounce"}}]})")
        << u"sessions[0].stages[0].expect.action: unknown name \"bounce\""_s;
    QTest::addRow("unknown dialect")
        << wrap(R"({"id":"x","dialect":"draft-09"})") << u"unknown name \"draft-09\""_s;
    QTest::addRow("unknown body encoding")
        << wrap(R"({"id":"x","exchanges":[{"requestBody":{"encoding":"hex","data":"00"}}]})")
        << u"sessions[0].exchanges[0].requestBody.encoding: unknown body encoding \"hex\""_s;
    QTest::addRow("bad base64 body")
        << wrap(R"({"id":"x","exchanges":[{"responseBody":{"encoding":"base64","data":"@@"}}]})")
        << u"sessions[0].exchanges[0].responseBody.data: invalid base64"_s;
    QTest::addRow("bad time") << wrap(R"({"id":"x","exchanges":[{"received":"yesterday"}]})")
                              << u"sessions[0].exchanges[0].received: not an ISO 8601 time"_s;
}

void TestCaptureSessionFile::rejects()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, message);
    QString error;
    QVERIFY(!SessionFile::read(text));
    QVERIFY(!SessionFile::read(text, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestCaptureSessionFile::toleratesUnknownMembers()
{
    QJsonObject root = parse(SessionFile::write({fullRecording()}));
    root.insert(u"x-future"_s, QJsonObject {{u"a"_s, 1}});
    QJsonArray sessions = root.value(u"sessions"_s).toArray();
    QJsonObject session = sessions.first().toObject();
    session.insert(u"labels"_s, QJsonArray {u"one"_s});
    QJsonArray exchanges = session.value(u"exchanges"_s).toArray();
    QJsonObject exchange = exchanges.first().toObject();
    exchange.insert(u"tlsSessionId"_s, u"abc"_s);
    exchanges.replace(0, exchange);
    session.insert(u"exchanges"_s, exchanges);
    sessions.replace(0, session);
    root.insert(u"sessions"_s, sessions);
    QString error;
    const auto read = SessionFile::read(QJsonDocument(root).toJson(), &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->first().exchanges.size(), 2);
    QCOMPARE(read->first().stages, fullRecording().stages);
}

void TestCaptureSessionFile::deriveStalwart()
{
    QList<Exchange> calls = fixtureSession(
        u"stalwart"_s, {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt-1"_s, u"rcpt-2"_s, u"data"_s});
    calls[4].action = MtaHooks::Action::Reject;
    calls[4].verdict = MtaHooks::Verdict::Reject;
    calls[4].replyCode = 550;
    Exchange discovery; // not a hook call: kept as an exchange, no stage
    discovery.kind = Mock::ExchangeKind::Other;
    discovery.method = "GET";
    discovery.path = "/favicon.ico";
    discovery.httpStatus = 404;
    calls.insert(1, discovery);

    const SessionRecording s = Mock::sessionFromExchanges(calls);
    QCOMPARE(s.id, u"stalwart-session"_s);
    QCOMPARE(s.dialect, MtaHooks::Dialect::Stalwart);
    QCOMPARE(s.client.ip, u"192.0.2.44"_s);
    QCOMPARE(s.client.port, 41822);
    // connect carries neither PTR nor HELO; they come from the first call that has them.
    QCOMPARE(s.client.ptr, u"gw.example.net"_s);
    QCOMPARE(s.client.ehlo, u"gw.example.net"_s);
    QVERIFY(s.tls.present); // after STARTTLS
    QCOMPARE(s.tls.version, u"TLSv1.3"_s);
    QCOMPARE(s.tls.cipher, u"TLS13_CHACHA20_POLY1305_SHA256"_s);
    QVERIFY(!s.auth.present);
    QCOMPARE(s.server.name, u"Stalwart v0.16.19"_s);
    QCOMPARE(s.server.ip, u"198.51.100.9"_s);
    QCOMPARE(s.server.port, 25);
    QVERIFY(s.envelope.present);
    QCOMPARE(s.envelope.from.address, u"erin@example.net"_s);
    QCOMPARE(
        s.envelope.recipients(), (QStringList {u"frank@example.com"_s, u"grace@example.com"_s}));
    QVERIFY(s.hasMessage);
    QCOMPARE(s.rawMessage, TestSupport::readData(u"capture/stalwart/data.eml"_s));
    QCOMPARE(s.stages.size(), 6);
    QStringList names;
    for (const SessionStage &stage : s.stages)
        names.append(stage.stageName);
    QCOMPARE(
        names, (QStringList {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"rcpt"_s, u"data"_s}));
    QCOMPARE(s.stages.at(3).recipient, u"frank@example.com"_s);
    QCOMPARE(s.stages.at(4).recipient, u"grace@example.com"_s);
    QVERIFY(s.stages.at(2).recipient.isEmpty());
    QCOMPARE(s.stages.at(4).expect.action, MtaHooks::Action::Reject);
    QCOMPARE(s.stages.at(4).expect.verdict, MtaHooks::Verdict::Reject);
    QCOMPARE(s.stages.at(4).expect.replyCode, 550);
    QCOMPARE(s.stages.at(0).expect.action, MtaHooks::Action::Accept);
    QCOMPARE(s.exchanges.size(), 7);
    QCOMPARE(s.exchanges.at(1).path, QByteArray("/favicon.ico"));

    // And through a file.
    QString error;
    const auto read = SessionFile::read(SessionFile::write({s}), &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->first().rawMessage, s.rawMessage);
    QCOMPARE(read->first().stages, s.stages);
}

void TestCaptureSessionFile::deriveDraft01()
{
    QList<Exchange> calls
        = fixtureSession(u"draft01"_s, {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s});
    const SessionRecording s = Mock::sessionFromExchanges(calls);
    QCOMPARE(s.dialect, MtaHooks::Dialect::Draft01);
    QCOMPARE(s.client.ip, u"2001:db8::25"_s);
    QCOMPARE(s.client.port, 53001);
    QCOMPARE(s.client.ptr, u"laptop.example.org"_s);
    QCOMPARE(s.client.ehlo, u"laptop.example.org"_s); // null at connect
    QVERIFY(s.tls.present);
    QCOMPARE(s.tls.cipher, u"TLS_AES_128_GCM_SHA256"_s);
    QVERIFY(s.auth.present); // from MAIL on: after AUTH
    QCOMPARE(s.auth.login, u"heidi"_s);
    QCOMPARE(s.auth.method, u"PLAIN"_s);
    QCOMPARE(s.server.name, u"submit.example.org"_s);
    QCOMPARE(s.server.port, 587);
    QCOMPARE(s.envelope.from.address, u"heidi@example.org"_s);
    const MtaHooks::Parameters expectedFrom {{u"SIZE"_s, u"412"_s}, {u"BODY"_s, u"8BITMIME"_s}};
    QCOMPARE(s.envelope.from.parameters, expectedFrom); // wire order from the request
    QCOMPARE(s.envelope.to.size(), 1);
    QCOMPARE(
        s.envelope.to.first().parameters, (MtaHooks::Parameters {{u"NOTIFY"_s, u"FAILURE"_s}}));
    QVERIFY(s.hasMessage);
    QCOMPARE(s.rawMessage, TestSupport::readData(u"capture/draft01/data.eml"_s));
    QCOMPARE(s.stages.size(), 5);
    QCOMPARE(s.stages.at(3).recipient, u"ivan@example.com"_s);

    // The endpoint may know better than the request (a draft-02 answer shape).
    calls[0].dialect = MtaHooks::Dialect::Draft02;
    QCOMPARE(Mock::sessionFromExchanges(calls).dialect, MtaHooks::Dialect::Draft02);
    QCOMPARE(Mock::sessionFromExchanges({}).id, u"session"_s);
}

void TestCaptureSessionFile::importFillsSummaries()
{
    // A file's exchanges carry no summary facts: import decodes them again.
    const SessionRecording derived = Mock::sessionFromExchanges(fixtureSession(
        u"stalwart"_s, {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt-1"_s, u"rcpt-2"_s, u"data"_s}));
    const auto read = SessionFile::read(SessionFile::write({derived}));
    QVERIFY(read);
    const QList<Exchange> exchanges = Mock::exchangesFromSession(read->first());
    QCOMPARE(exchanges.size(), 6);
    for (int i = 0; i < exchanges.size(); ++i) {
        const Exchange &e = exchanges.at(i);
        QCOMPARE(e.id, 0);
        QCOMPARE(e.sessionKey, u"file:stalwart-session"_s);
        QCOMPARE(e.sequence, i + 1);
        QCOMPARE(e.dialect, MtaHooks::Dialect::Stalwart);
        QCOMPARE(e.encoding, MtaHooks::Encoding::Json);
        QCOMPARE(e.clientIp, u"192.0.2.44"_s);
        QCOMPARE(e.clientPort, 41822);
    }
    QCOMPARE(exchanges.at(0).stage, Stage::Connect);
    QCOMPARE(exchanges.at(0).messageSize, -1);
    QVERIFY(exchanges.at(0).mailFrom.isEmpty());
    QCOMPARE(exchanges.at(4).stage, Stage::Rcpt);
    QCOMPARE(exchanges.at(4).recipients.size(), 2);
    const Exchange &data = exchanges.at(5);
    QCOMPARE(data.stage, Stage::Data);
    QCOMPARE(data.queueId, u"5f1c09a2b3"_s);
    QCOMPARE(data.mailFrom, u"erin@example.net"_s);
    QCOMPARE(data.clientEhlo, u"gw.example.net"_s);
    QCOMPARE(data.subject, u"Quarterly figures"_s);
    QVERIFY(data.hasAttachment);
    QCOMPARE(data.messageSize, TestSupport::readData(u"capture/stalwart/data.eml"_s).size());

    const SessionRecording draft
        = Mock::sessionFromExchanges(fixtureSession(u"draft01"_s, {u"mail"_s, u"data"_s}));
    const QList<Exchange> drafts = Mock::exchangesFromSession(draft, u"mine"_s);
    QCOMPARE(drafts.at(1).sessionKey, u"mine"_s);
    QCOMPARE(drafts.at(1).subject, u"Caf\u00e9 menu"_s); // RFC 2047 decoded
    QVERIFY(!drafts.at(1).hasAttachment);
    QCOMPARE(drafts.at(1).recipients, QStringList {u"ivan@example.com"_s});
}

void TestCaptureSessionFile::importIntoStore()
{
    const SessionRecording derived = Mock::sessionFromExchanges(
        fixtureSession(u"draft01"_s, {u"connect"_s, u"mail"_s, u"rcpt"_s, u"data"_s}));
    QList<Exchange> exchanges = Mock::exchangesFromSession(derived);
    Mock::CaptureStore store;
    QVERIFY(store.open(u":memory:"_s));
    QVERIFY(store.saveAll(exchanges));
    QCOMPARE(store.sessionCount(), 1);
    const Mock::CaptureQuery subject {{{Mock::CaptureTerm::Field::Text, u"café"_s, false}}};
    QCOMPARE(store.count(subject), 1);
    const QList<Exchange> back = store.loadSession(u"file:draft01-session"_s);
    QCOMPARE(back.size(), 4);
    // Exported again, the session is the same.
    const SessionRecording again = Mock::sessionFromExchanges(back);
    QCOMPARE(again.stages, derived.stages);
    QCOMPARE(again.rawMessage, derived.rawMessage);
}

// docs/session-format.md shows a full file; it must stay one that this build reads.
void TestCaptureSessionFile::documentedExample()
{
    const QByteArray doc = TestSupport::readData(u"../../docs/session-format.md"_s);
    QVERIFY(!doc.isEmpty());
    const qsizetype start = doc.indexOf("```json\n");
    QVERIFY(start >= 0);
    const qsizetype end = doc.indexOf("\n```", start + 8);
    QVERIFY(end > start);
    QString error;
    const auto sessions = SessionFile::read(doc.mid(start + 8, end - start - 8), &error);
    QVERIFY2(sessions, qPrintable(error));
    QCOMPARE(sessions->size(), 1);
    const SessionRecording &s = sessions->first();
    QCOMPARE(s.dialect, MtaHooks::Dialect::Draft01);
    QCOMPARE(s.stages.size(), 4);
    QCOMPARE(s.stages.last().expect.verdict, MtaHooks::Verdict::Tempfail);
    QCOMPARE(s.exchanges.size(), 2);
    const QList<Exchange> imported = Mock::exchangesFromSession(s);
    QCOMPARE(imported.at(0).encoding, MtaHooks::Encoding::Cbor); // the base64 body is CBOR
    QCOMPARE(imported.at(0).mailFrom, u"heidi@example.org"_s);
    QCOMPARE(imported.at(1).recipients, QStringList {u"ivan@example.com"_s});
    QCOMPARE(MtaHooks::Mime::MimeDecoder::decode(s.rawMessage).subject, u"Menu"_s);
}

QTEST_GUILESS_MAIN(TestCaptureSessionFile)
#include "tst_capture_sessionfile.moc"

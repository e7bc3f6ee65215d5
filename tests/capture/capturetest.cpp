// SPDX-License-Identifier: GPL-3.0-or-later
#include "tests/capture/capturetest.h"

#include "mock/protocol/codec.h"
#include "tests/support/testsupport.h"

#include <QDebug>

using namespace Qt::StringLiterals;

namespace CaptureTest {

namespace {

template<typename T>
QString show(const T &value)
{
    QString text;
    QDebug(&text).nospace() << value;
    return text;
}

} // namespace

QDateTime at(qint64 msecs)
{
    return QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
}

Mock::Exchange everyField()
{
    Mock::Exchange e;
    e.sessionKey = u"192.0.2.44:41822@1772619630000"_s;
    e.sequence = 3;
    e.received = at(1772619630123);
    e.peerAddress = u"::1"_s;
    e.peerPort = 50111;
    e.method = "POST";
    e.path = "/hooks/mail?x=1&y=%20two";
    e.requestHeaders = {{"Content-Type", "application/cbor"}, {"X-Dup", "one"}, {"x-dup", "two"},
        {"X-Empty", ""}, {"X-Latin1", "caf\xe9"}};
    QByteArray binary;
    for (int i = 0; i < 256; ++i)
        binary.append(char(i));
    e.requestBody = binary + QByteArray("\0tail", 5);
    e.kind = Mock::ExchangeKind::Hook;
    e.dialect = MtaHooks::Dialect::Draft02;
    e.encoding = MtaHooks::Encoding::Cbor;
    e.stage = MtaHooks::Stage::Rcpt;
    e.stageName = u"rcpt"_s;
    e.clientIp = u"192.0.2.44"_s;
    e.clientPort = 41822;
    e.clientEhlo = u"gw.example.net"_s;
    e.queueId = u"5f1c09a2b3"_s;
    e.mailFrom = u"erin@example.net"_s;
    e.recipients
        = {u"frank@example.com"_s, u"\"last, first\"@example.com"_s, u"grace@example.com"_s};
    e.subject = u"Quarterly figures \u00e9\u4e2d"_s;
    e.messageSize = 4711;
    e.hasAttachment = true;
    e.problems = {{u"/envelope/to/1"_s, MtaHooks::Severity::Error, u"bad \"address\""_s},
        {QString(), MtaHooks::Severity::Warning, u"transport\nwarning"_s},
        {u"/client"_s, MtaHooks::Severity::Info, u"info"_s}};
    e.ruleName = u"Reject the partners"_s;
    e.ruleReason = u"to matches *@example.com"_s;
    e.matchTrace = {u"rule 1: stage differs"_s, u"rule 2: line\nbreak"_s};
    e.action = MtaHooks::Action::Reject;
    e.verdict = MtaHooks::Verdict::Tempfail;
    e.replyCode = 451;
    e.httpStatus = 200;
    e.responseHeaders
        = {{"Content-Type", "application/json"}, {"Set-Thing", "a"}, {"Set-Thing", "b"}};
    e.responseBody = QByteArray("[{\"op\":\"replace\"}]\xff", 19);
    e.fault = u"slow-answer"_s;
    e.latencyUs = 1234567;
    e.held = false;
    e.note = u"multi\nline note"_s;
    e.clientCertificate = u"CN=mta1.example.org, O=Example"_s;
    return e;
}

Mock::Exchange hookCall(
    const QString &fixture, const QDateTime &received, MtaHooks::Action action, int replyCode)
{
    Mock::Exchange e;
    e.received = received;
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = 40100;
    e.method = "POST";
    e.path = "/hook";
    e.requestHeaders = {{"Host", "127.0.0.1:8025"}, {"Content-Type", "application/json"}};
    e.requestBody = TestSupport::readData(u"capture/"_s + fixture);
    const MtaHooks::HookRequest request
        = MtaHooks::decodeRequest(e.requestBody, e.requestHeader("content-type"));
    e.dialect = request.dialect;
    e.encoding = request.encoding;
    e.stage = request.stage;
    e.stageName = request.stageName;
    e.clientIp = request.client.ip;
    e.clientPort = request.client.port;
    e.clientEhlo = request.client.ehlo;
    e.queueId = request.queueId;
    e.mailFrom = request.envelope.from.address;
    e.recipients = request.envelope.recipients();
    e.messageSize = request.hasMessage ? request.rawMessage.size() : -1;
    e.problems = request.problems;
    e.ruleName = u"default"_s;
    e.action = action;
    e.verdict = MtaHooks::verdictFor(action, replyCode);
    e.replyCode = replyCode;
    e.httpStatus = 200;
    e.responseHeaders = {{"Content-Type", "application/json"}};
    e.responseBody = QByteArray(R"({"action":")") + MtaHooks::actionName(action).toUtf8() + "\"}";
    e.latencyUs = 800;
    return e;
}

QString difference(const Mock::Exchange &a, const Mock::Exchange &b, bool withBodies)
{
    QString result;
    const auto check = [&result](const char *field, const auto &actual, const auto &expected) {
        if (result.isEmpty() && !(actual == expected)) {
            result = u"%1: actual %2, expected %3"_s.arg(
                QLatin1StringView(field), show(actual), show(expected));
        }
    };
    check("id", a.id, b.id);
    check("sessionKey", a.sessionKey, b.sessionKey);
    check("sequence", a.sequence, b.sequence);
    check("received", a.received, b.received);
    check("peerAddress", a.peerAddress, b.peerAddress);
    check("peerPort", a.peerPort, b.peerPort);
    check("method", a.method, b.method);
    check("path", a.path, b.path);
    check("kind", int(a.kind), int(b.kind));
    check("dialect", int(a.dialect), int(b.dialect));
    check("encoding", int(a.encoding), int(b.encoding));
    check("stage", int(a.stage), int(b.stage));
    check("stageName", a.stageName, b.stageName);
    check("clientIp", a.clientIp, b.clientIp);
    check("clientPort", a.clientPort, b.clientPort);
    check("clientEhlo", a.clientEhlo, b.clientEhlo);
    check("queueId", a.queueId, b.queueId);
    check("mailFrom", a.mailFrom, b.mailFrom);
    check("recipients", a.recipients, b.recipients);
    check("subject", a.subject, b.subject);
    check("messageSize", a.messageSize, b.messageSize);
    check("hasAttachment", a.hasAttachment, b.hasAttachment);
    check("problems", a.problems.size(), b.problems.size());
    for (qsizetype i = 0; i < std::min(a.problems.size(), b.problems.size()); ++i) {
        check("problem.pointer", a.problems.at(i).pointer, b.problems.at(i).pointer);
        check("problem.severity", int(a.problems.at(i).severity), int(b.problems.at(i).severity));
        check("problem.message", a.problems.at(i).message, b.problems.at(i).message);
    }
    check("ruleName", a.ruleName, b.ruleName);
    check("ruleReason", a.ruleReason, b.ruleReason);
    check("action", int(a.action), int(b.action));
    check("verdict", int(a.verdict), int(b.verdict));
    check("replyCode", a.replyCode, b.replyCode);
    check("httpStatus", a.httpStatus, b.httpStatus);
    check("fault", a.fault, b.fault);
    check("latencyUs", a.latencyUs, b.latencyUs);
    check("held", a.held, b.held);
    check("note", a.note, b.note);
    check("clientCertificate", a.clientCertificate, b.clientCertificate);
    if (withBodies) {
        check("requestHeaders", a.requestHeaders, b.requestHeaders);
        check("requestBody", a.requestBody, b.requestBody);
        check("responseHeaders", a.responseHeaders, b.responseHeaders);
        check("responseBody", a.responseBody, b.responseBody);
        check("matchTrace", a.matchTrace, b.matchTrace);
    }
    return result;
}

Mock::CaptureQuery query(std::initializer_list<Mock::CaptureTerm> terms)
{
    return Mock::CaptureQuery {QList<Mock::CaptureTerm>(terms)};
}

Mock::CaptureTerm term(Mock::CaptureTerm::Field field, const QString &value, bool negated)
{
    return Mock::CaptureTerm {field, value, negated};
}

QStringList notesOf(const QList<Mock::Exchange> &exchanges)
{
    QStringList notes;
    for (const Mock::Exchange &e : exchanges)
        notes.append(e.note);
    return notes;
}

QList<Mock::Exchange> filterSet()
{
    QList<Mock::Exchange> set;
    const auto add = [&set](const QString &note, const auto &change) {
        Mock::Exchange e;
        e.note = note;
        e.received = at(1772600000000 + set.size() * 1000);
        e.kind = Mock::ExchangeKind::Hook;
        e.method = "POST";
        e.path = "/hook";
        e.dialect = MtaHooks::Dialect::Stalwart;
        e.stage = MtaHooks::Stage::Mail;
        e.stageName = u"mail"_s;
        e.clientIp = u"192.0.2.1"_s;
        e.mailFrom = u"someone@example.net"_s;
        e.action = MtaHooks::Action::Accept;
        e.verdict = MtaHooks::Verdict::Accept;
        e.httpStatus = 200;
        e.ruleName = u"default"_s;
        e.sessionKey = u"s1"_s;
        change(e);
        set.append(e);
    };
    add(u"plain"_s, [](Mock::Exchange &) {});
    add(u"rcpt"_s, [](Mock::Exchange &e) {
        e.stage = MtaHooks::Stage::Rcpt;
        e.stageName = u"rcpt"_s;
        e.recipients = {u"Bob@Example.COM"_s, u"carol@other.test"_s};
    });
    add(u"reject"_s, [](Mock::Exchange &e) {
        e.action = MtaHooks::Action::Reject;
        e.verdict = MtaHooks::Verdict::Reject;
        e.replyCode = 550;
        e.ruleName = u"Block Spammers"_s;
        e.mailFrom = u"spam[1]@bad.example"_s;
        e.sessionKey = u"s2"_s;
    });
    add(u"tempfail"_s, [](Mock::Exchange &e) {
        e.action = MtaHooks::Action::Reject;
        e.verdict = MtaHooks::Verdict::Tempfail;
        e.replyCode = 451;
        e.httpStatus = 503;
        e.fault = u"503"_s;
        e.sessionKey = u"s2"_s;
    });
    add(u"held"_s, [](Mock::Exchange &e) {
        e.held = true;
        e.action = MtaHooks::Action::None;
        e.verdict = MtaHooks::Verdict::None;
        e.httpStatus = 0;
        e.dialect = MtaHooks::Dialect::Draft01;
        e.clientIp = u"2001:db8::7"_s;
        e.sessionKey = u"s3"_s;
    });
    add(u"data"_s, [](Mock::Exchange &e) {
        e.stage = MtaHooks::Stage::Data;
        e.stageName = u"data"_s;
        e.subject = u"Invoice MARCH"_s;
        e.messageSize = 2048;
        e.hasAttachment = true;
        e.dialect = MtaHooks::Dialect::Draft02;
        e.recipients = {u"dave@example.com"_s, u"\"last, first\"@example.com"_s};
        e.sessionKey = u"s3"_s;
    });
    add(u"problems"_s, [](Mock::Exchange &e) {
        e.problems = {{u"/x"_s, MtaHooks::Severity::Warning, u"odd"_s}};
        e.httpStatus = 404;
        e.path = "/Wrong/Path";
        e.kind = Mock::ExchangeKind::Other;
        e.dialect = MtaHooks::Dialect::Unknown;
    });
    add(u"errors"_s, [](Mock::Exchange &e) {
        e.problems = {{QString(), MtaHooks::Severity::Error, u"broken"_s}};
        e.kind = Mock::ExchangeKind::Discovery;
        e.stage = MtaHooks::Stage::Unknown;
        e.stageName = u"frobnicate"_s;
        e.clientIp = u"198.51.100.200"_s;
        e.httpStatus = 400;
    });
    return set;
}

} // namespace CaptureTest

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tst_ui_widgetdata.h"

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/callanalysis.h"
#include "tests/support/testsupport.h"

#include <QCborMap>
#include <QCborValue>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace WidgetData {

namespace {

Mock::Exchange compose(const QByteArray &body, const QByteArray &contentType,
    const QByteArray &answer, const QByteArray &answerType, int status)
{
    Mock::Exchange exchange;
    exchange.id = 7;
    exchange.received = QDateTime(QDate(2026, 10, 1), QTime(16, 20, 2, 345), Qt::UTC);
    exchange.peerAddress = u"127.0.0.1"_s;
    exchange.peerPort = 53422;
    exchange.method = "POST";
    exchange.path = "/hook";
    exchange.requestHeaders = {{"Host", "127.0.0.1:8025"}, {"Content-Type", contentType},
        {"Content-Length", QByteArray::number(body.size())}, {"Accept", "*/*"}};
    exchange.requestBody = body;
    const MtaHooks::HookRequest request = MtaHooks::decodeRequest(body, contentType);
    Mock::describeRequest(exchange, request);
    exchange.sessionKey = exchange.clientIp + u':' + QString::number(exchange.clientPort);
    exchange.sequence = 3;
    exchange.httpStatus = status;
    exchange.responseHeaders
        = {{"Content-Type", answerType}, {"Content-Length", QByteArray::number(answer.size())}};
    exchange.responseBody = answer;
    exchange.latencyUs = 1830;
    Mock::judgeAnswer(exchange, request);
    return exchange;
}

} // namespace

Mock::Exchange stalwartData()
{
    Mock::Exchange exchange
        = compose(TestSupport::readData(u"ui/stalwart-data.json"_s), "application/json",
            TestSupport::readData(u"ui/stalwart-data-answer.json"_s), "application/json", 200);
    exchange.ruleName = u"tag-lists"_s;
    exchange.ruleReason = u"envelope sender matches *@lists.example.net"_s;
    exchange.matchTrace = {u"block-spammers: client ip 192.0.2.44 is not in 203.0.113.0/24"_s,
        u"big-messages: size 1380 is below 10 MB"_s};
    return exchange;
}

Mock::Exchange stalwartRcpt()
{
    Mock::Exchange exchange
        = compose(TestSupport::readData(u"ui/stalwart-rcpt.json"_s), "application/json",
            TestSupport::readData(u"ui/stalwart-rcpt-answer.json"_s), "application/json", 200);
    exchange.ruleName = u"unknown-user"_s;
    exchange.ruleReason = u"recipient grace@example.com is not in the user list"_s;
    return exchange;
}

Mock::Exchange draft01Cbor()
{
    // As a CBOR MTA sends it: rawMessage is a byte string, not base64 text. (QJsonObject sorts
    // the members; their order does not matter here.)
    QCborMap request = QCborMap::fromJsonObject(
        QJsonDocument::fromJson(TestSupport::readData(u"ui/draft01-data.json"_s)).object());
    request[u"rawMessage"_s]
        = QByteArray::fromBase64(request.value(u"rawMessage"_s).toString().toLatin1());
    const QByteArray body = QCborValue(request).toCbor();
    const QByteArray answer
        = MtaHooks::Document::fromJson(TestSupport::readData(u"ui/draft01-data-answer.json"_s))
              .toCbor();
    Mock::Exchange exchange = compose(body, "application/cbor", answer, "application/cbor", 200);
    exchange.requestHeaders.append(
        {QByteArray("Authorization"), QByteArray("Bearer s3cr3t-token")});
    exchange.requestHeaders.append(
        {QByteArray("X-MTA-Hooks-Registration"), QByteArray("reg_3f7c2b10")});
    exchange.requestHeaders.append(
        {QByteArray("X-MTA-Hooks-Request-Id"), QByteArray("01JB8Z3M4N5P6Q7R8S9T0V1W2X")});
    exchange.ruleName = u"spam-words"_s;
    exchange.ruleReason = u"subject contains \"lunch\""_s;
    return exchange;
}

Mock::Exchange heldCall()
{
    Mock::Exchange exchange = stalwartData();
    exchange.held = true;
    exchange.httpStatus = 0;
    exchange.responseBody.clear();
    exchange.responseHeaders.clear();
    exchange.verdict = MtaHooks::Verdict::Held;
    exchange.action = MtaHooks::Action::None;
    return exchange;
}

Mock::Exchange discovery()
{
    Mock::Exchange exchange;
    exchange.kind = Mock::ExchangeKind::Discovery;
    exchange.received = QDateTime(QDate(2026, 10, 1), QTime(16, 19, 0), Qt::UTC);
    exchange.method = "GET";
    exchange.path = "/.well-known/mta-hooks";
    exchange.peerAddress = u"127.0.0.1"_s;
    exchange.peerPort = 53400;
    exchange.requestHeaders = {{"Host", "127.0.0.1:8025"}};
    exchange.httpStatus = 200;
    exchange.responseHeaders = {{"Content-Type", "application/json"}};
    exchange.responseBody = "{\"version\":\"1.0\",\"registration\":\"/v1/register\"}";
    return exchange;
}

MtaHooks::Mime::MimeMessage message(const QString &fixture)
{
    return MtaHooks::Mime::MimeDecoder::decode(TestSupport::readData(fixture));
}

} // namespace WidgetData

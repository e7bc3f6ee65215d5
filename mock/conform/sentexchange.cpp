// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/sentexchange_p.h"

#include "mock/protocol/codec.h"
#include "mock/scanner/callanalysis.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Conform::Detail {

namespace {

// Decoding a message walks its MIME tree on this thread; the 413 probe's tens of megabytes would
// hold the window for that long, and its content is filler.
constexpr qsizetype MaxDescribedBody = 4 * 1024 * 1024;

Mock::ExchangeKind kindOf(const SentCall &sent, const Target &target, const ScannerFacts &facts)
{
    const Mock::HttpCall &call = sent.call;
    if (target.dialect == MtaHooks::Dialect::Stalwart)
        return Mock::ExchangeKind::Hook; // one URL, hook calls only
    if (call.url.path().endsWith(u"/.well-known/mta-hooks"_s))
        return Mock::ExchangeKind::Discovery;
    if (call.method == "DELETE")
        return Mock::ExchangeKind::Deregistration;
    if (call.method == "GET")
        return Mock::ExchangeKind::Status;
    // The checks also call hook URLs that are not the registration's (an unknown registration):
    // the registration header marks a hook call.
    const bool hook = (facts.hookUrl.isValid() && call.url == facts.hookUrl)
        || std::any_of(call.headers.cbegin(), call.headers.cend(), [](const auto &header) {
               return header.first.compare("X-MTA-Hooks-Registration", Qt::CaseInsensitive) == 0;
           });
    if (call.method == "POST" && hook)
        return Mock::ExchangeKind::Hook;
    if (call.method == "POST" && call.url == facts.registrationUrl)
        return Mock::ExchangeKind::Registration;
    return Mock::ExchangeKind::Other;
}

QByteArray pathOf(const QUrl &url)
{
    QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    if (path.isEmpty())
        path = "/";
    if (url.hasQuery())
        path += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return path;
}

} // namespace

Mock::Exchange sentExchange(const SentCall &sent, const Target &target, const ScannerFacts &facts)
{
    const Mock::HttpCall &call = sent.call;
    const Mock::HttpResult &result = sent.result;
    Mock::Exchange exchange;
    exchange.received = sent.sent;
    exchange.peerAddress = call.url.host();
    exchange.peerPort = quint16(call.url.port(call.url.scheme() == u"https"_s ? 443 : 80));
    exchange.method = call.method;
    exchange.path = pathOf(call.url);
    // The headers the check chose, with Host and the credentials; the client's own (User-Agent,
    // Accept-Encoding, Content-Length) are left out.
    exchange.requestHeaders.append({"Host", call.url.authority(QUrl::FullyEncoded).toLatin1()});
    if (!sent.authorization.isEmpty())
        exchange.requestHeaders.append({"Authorization", sent.authorization});
    exchange.requestHeaders += call.headers;
    Mock::redactCredentials(exchange.requestHeaders);
    exchange.requestBody = call.body;
    exchange.kind = kindOf(sent, target, facts);
    exchange.httpStatus = result.status;
    exchange.responseHeaders = result.headers;
    exchange.responseBody = result.body;
    exchange.latencyUs = result.latencyUs;
    exchange.ruleName = u"conform"_s;
    exchange.ruleReason = result.status == 0
        ? u"sent by Hookscope to %1: no answer (%2)"_s.arg(call.url.toString(), result.error)
        : u"sent by Hookscope to %1"_s.arg(call.url.toString());
    if (exchange.kind == Mock::ExchangeKind::Hook && call.body.size() <= MaxDescribedBody) {
        MtaHooks::DecodeOptions options;
        if (target.dialect == MtaHooks::Dialect::Stalwart)
            options.dialect = MtaHooks::Dialect::Stalwart;
        const MtaHooks::HookRequest request
            = MtaHooks::decodeRequest(call.body, exchange.requestHeader("Content-Type"), options);
        Mock::describeRequest(exchange, request);
        Mock::judgeAnswer(exchange, request);
    } else if (exchange.kind == Mock::ExchangeKind::Hook) {
        exchange.dialect = target.dialect;
    }
    exchange.note = u"conform: "_s + sent.checkId;
    return exchange;
}

} // namespace Conform::Detail

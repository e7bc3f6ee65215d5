// SPDX-License-Identifier: GPL-3.0-or-later
// Between captured calls and session recordings (declared in sessionfile.h).
#include "mock/capture/sessionfile.h"

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/codec.h"

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

MtaHooks::HookRequest decoded(const Exchange &exchange)
{
    return MtaHooks::decodeRequest(exchange.requestBody, exchange.requestHeader("content-type"));
}

SessionExpectation expectationOf(const Exchange &exchange)
{
    SessionExpectation expect;
    if (exchange.action != MtaHooks::Action::None)
        expect.action = exchange.action;
    if (exchange.verdict != MtaHooks::Verdict::None)
        expect.verdict = exchange.verdict;
    if (exchange.replyCode != 0)
        expect.replyCode = exchange.replyCode;
    return expect;
}

// Each connection fact from the first call that carries it: a Stalwart connect call has no PTR
// or EHLO yet, and TLS starts after STARTTLS, so "the first call" alone would lose them.
void takeConnection(SessionRecording &session, const MtaHooks::HookRequest &request, bool isFirst)
{
    if (isFirst || session.client.ip.isEmpty()) {
        session.client.ip = request.client.ip;
        session.client.port = request.client.port;
    }
    if (session.client.ptr.isEmpty())
        session.client.ptr = request.client.ptr;
    if (session.client.ehlo.isEmpty())
        session.client.ehlo = request.client.ehlo;
    if (!session.tls.present && request.tls.present)
        session.tls = request.tls;
    if (!session.auth.present && request.auth.present)
        session.auth = request.auth;
    if (session.server.name.isEmpty() && session.server.ip.isEmpty() && session.server.port == 0)
        session.server = request.server;
}

} // namespace

SessionRecording sessionFromExchanges(const QList<Exchange> &exchanges)
{
    SessionRecording session;
    if (!exchanges.isEmpty())
        session.id = exchanges.first().sessionKey;
    if (session.id.isEmpty())
        session.id = u"session"_s;
    bool first = true;
    for (const Exchange &exchange : exchanges) {
        session.exchanges.append(exchange);
        if (exchange.kind != ExchangeKind::Hook)
            continue;
        const MtaHooks::HookRequest request = decoded(exchange);
        if (!request.isDecoded())
            continue;
        if (session.dialect == MtaHooks::Dialect::Unknown) {
            // The endpoint knows draft-02 from the answer's shape; the request alone reads as -01.
            session.dialect = exchange.dialect != MtaHooks::Dialect::Unknown ? exchange.dialect
                                                                             : request.dialect;
        }
        takeConnection(session, request, first);
        first = false;
        if (request.envelope.present)
            session.envelope = request.envelope;
        if (request.stage == MtaHooks::Stage::Data && request.hasMessage) {
            session.hasMessage = true;
            session.rawMessage = request.rawMessage;
        }
        SessionStage stage;
        stage.stage = request.stage;
        stage.stageName = request.stageName;
        if (request.stage == MtaHooks::Stage::Rcpt && !request.envelope.to.isEmpty())
            stage.recipient = request.envelope.to.last().address;
        stage.expect = expectationOf(exchange);
        session.stages.append(stage);
    }
    return session;
}

QList<SessionRecording> sessionsFromExchanges(const QList<Exchange> &exchanges)
{
    QStringList order;
    QHash<QString, QList<Exchange>> bySession;
    for (const Exchange &exchange : exchanges) {
        if (!bySession.contains(exchange.sessionKey))
            order.append(exchange.sessionKey);
        bySession[exchange.sessionKey].append(exchange);
    }
    QList<SessionRecording> sessions;
    sessions.reserve(order.size());
    for (const QString &key : std::as_const(order))
        sessions.append(sessionFromExchanges(bySession.value(key)));
    return sessions;
}

QList<Exchange> exchangesFromSession(const SessionRecording &session, const QString &sessionKey)
{
    QList<Exchange> result;
    result.reserve(session.exchanges.size());
    const QString key = sessionKey.isEmpty() ? u"file:"_s + session.id : sessionKey;
    int sequence = 0;
    for (Exchange exchange : session.exchanges) {
        exchange.id = 0;
        exchange.sessionKey = key;
        exchange.sequence = ++sequence;
        exchange.held = false;
        if (exchange.requestBody.trimmed().isEmpty()) {
            result.append(exchange);
            continue;
        }
        const MtaHooks::HookRequest request = decoded(exchange);
        if (!request.document.isValid()) {
            result.append(exchange);
            continue;
        }
        exchange.encoding = request.encoding;
        if (exchange.dialect == MtaHooks::Dialect::Unknown)
            exchange.dialect = request.dialect;
        if (exchange.stageName.isEmpty()) {
            exchange.stage = request.stage;
            exchange.stageName = request.stageName;
        }
        exchange.clientIp = request.client.ip;
        exchange.clientPort = request.client.port;
        exchange.clientEhlo = request.client.ehlo;
        exchange.queueId = request.queueId;
        exchange.mailFrom = request.envelope.from.address;
        exchange.recipients = request.envelope.recipients();
        exchange.messageSize = request.hasMessage ? request.rawMessage.size() : -1;
        if (request.hasMessage && !request.rawMessage.isEmpty()) {
            const MtaHooks::Mime::MimeMessage message
                = MtaHooks::Mime::MimeDecoder::decode(request.rawMessage);
            exchange.subject = message.subject;
            exchange.hasAttachment = message.hasAttachments();
        }
        result.append(exchange);
    }
    return result;
}

} // namespace Mock

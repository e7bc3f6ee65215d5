// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/callanalysis.h"

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/judge.h"
#include "mock/scanner/controlplane.h"

#include <QCryptographicHash>
#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

// The last Authorization header (a client sending two is odd; the last one is what most servers
// read).
QByteArray authorizationValue(const HttpHeaders &headers)
{
    QByteArray authorization;
    for (const auto &[name, value] : headers) {
        if (name.compare("Authorization", Qt::CaseInsensitive) == 0)
            authorization = value.trimmed();
    }
    return authorization;
}

} // namespace

void describeRequest(Exchange &exchange, const HookRequest &request)
{
    exchange.dialect = request.dialect;
    exchange.encoding = request.encoding;
    exchange.stage = request.stage;
    exchange.stageName = request.stageName;
    exchange.clientIp = request.client.ip;
    exchange.clientPort = request.client.port;
    exchange.clientEhlo = request.client.ehlo;
    exchange.queueId = request.queueId;
    if (request.envelope.present) {
        exchange.mailFrom = request.envelope.from.address;
        exchange.recipients = request.envelope.recipients();
    }
    if (request.hasMessage) {
        exchange.messageSize = request.rawMessage.size();
        const Mime::MimeMessage message = Mime::MimeDecoder::decode(request.rawMessage);
        exchange.subject = message.subject;
        exchange.hasAttachment = message.hasAttachments();
    }
    exchange.problems += withOrigin(request.problems, ProblemOrigin::Request);
    // Hand-built and demo sessions explain themselves through this header (the replayer sends it).
    const QByteArray note = exchange.requestHeader("X-Hookscope-Note");
    if (!note.isEmpty())
        exchange.note = QString::fromUtf8(note);
}

Problems checkDraftTransport(const Exchange &exchange)
{
    Problems problems;
    const QByteArray registration = exchange.requestHeader("X-MTA-Hooks-Registration");
    if (registration.isEmpty()) {
        problems.append({QString(), Severity::Error,
            u"header X-MTA-Hooks-Registration is missing (REQUIRED in draft-01)"_s});
    } else {
        const QString fromPath
            = ControlPlane::registrationFromHookPath(QString::fromUtf8(exchange.path));
        if (!fromPath.isEmpty() && fromPath != QString::fromUtf8(registration))
            problems.append({QString(), Severity::Error,
                u"X-MTA-Hooks-Registration %1 does not match the hook endpoint's "
                "registration %2"_s.arg(QString::fromUtf8(registration), fromPath)});
    }
    const QByteArray requestId = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (requestId.isEmpty()) {
        problems.append({QString(), Severity::Error,
            u"header X-MTA-Hooks-Request-Id is missing (REQUIRED in draft-01; "
            "MISSING_REQUEST_ID)"_s});
    } else if (!isValidRequestId(requestId)) {
        problems.append({QString(), Severity::Error,
            u"X-MTA-Hooks-Request-Id must be 1-128 characters of A-Z a-z 0-9 "
            "- . _ ~"_s});
    }
    const QByteArray contentType
        = exchange.requestHeader("Content-Type").split(';').first().trimmed().toLower();
    if (contentType != "application/json" && contentType != "application/cbor")
        problems.append({QString(), Severity::Warning,
            u"Content-Type \"%1\": the drafts require application/json or "
            "application/cbor"_s.arg(QString::fromLatin1(contentType))});
    return withOrigin(problems, ProblemOrigin::Transport);
}

bool isValidRequestId(QByteArrayView id)
{
    if (id.isEmpty() || id.size() > 128)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~';
    });
}

std::optional<AuthFailure> checkAuthorization(
    const EndpointSettings &settings, const HttpHeaders &headers)
{
    if (settings.auth.scheme == HttpAuth::Scheme::None)
        return std::nullopt;
    const QByteArray authorization = authorizationValue(headers);
    const bool bearer = settings.auth.scheme == HttpAuth::Scheme::Bearer;
    const QByteArrayView scheme = bearer ? "Bearer " : "Basic ";
    const QByteArray expected = settings.auth.credentials();
    AuthFailure failure;
    failure.headers.append({"WWW-Authenticate",
        bearer ? QByteArrayLiteral("Bearer realm=\"hookscope\"")
               : QByteArrayLiteral("Basic realm=\"hookscope\"")});
    if (authorization.isEmpty()) {
        failure.body = errorBody(u"AUTHENTICATION_REQUIRED"_s, u"credentials are required"_s);
        failure.problem = u"401: no Authorization header (the endpoint expects %1)"_s.arg(
            settings.authDescription());
        return failure;
    }
    // The scheme is case-insensitive (RFC 9110 §11.1); the credential is compared in constant
    // time whatever the scheme, so a wrong scheme takes as long as a wrong token.
    const bool schemeMatches = authorization.size() >= scheme.size()
        && QByteArrayView(authorization).first(scheme.size()).compare(scheme, Qt::CaseInsensitive)
            == 0;
    const QByteArray presented
        = authorization.mid(qMin(scheme.size(), authorization.size())).trimmed();
    if (!constantTimeEquals(presented, expected) || !schemeMatches) {
        failure.body = errorBody(u"INVALID_CREDENTIALS"_s, u"the credentials are not valid"_s);
        failure.problem = u"401: the Authorization header does not carry the expected %1"_s.arg(
            settings.authDescription());
        return failure;
    }
    return std::nullopt;
}

QByteArray callerIdentity(const EndpointSettings &settings, const HttpHeaders &headers)
{
    if (settings.auth.scheme == HttpAuth::Scheme::None)
        return {};
    return QCryptographicHash::hash(authorizationValue(headers), QCryptographicHash::Sha256);
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Every byte of `a` is looked at whatever the outcome; `b` is read cyclically so that an
    // empty or shorter `b` costs the same.
    unsigned difference = a.size() == b.size() ? 0U : 1U;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const uchar other = b.isEmpty() ? uchar(0) : uchar(b[i % b.size()]);
        difference |= unsigned(uchar(a[i]) ^ other);
    }
    return difference == 0;
}

void judgeAnswer(Exchange &exchange, const HookRequest &request)
{
    if (!request.isDecoded())
        return;
    const Judgement judgement = MtaHooks::judgeAnswer(request,
        {exchange.httpStatus, headerValue(exchange.responseHeaders, "Content-Type"),
            exchange.responseBody, QString()});
    exchange.action = judgement.outcome.action;
    exchange.verdict = judgement.outcome.verdict;
    exchange.replyCode = judgement.outcome.reply.code;
    exchange.problems += judgement.problems;
    // A draft request does not say whether it is -01 or -02 (both look alike); an answer in
    // RFC 6902 form does: the exchange spoke draft-02.
    if (request.dialect == Dialect::Draft01 && judgement.answer.dialect == Dialect::Draft02
        && !judgement.answer.malformed)
        exchange.dialect = Dialect::Draft02;
}

} // namespace Mock

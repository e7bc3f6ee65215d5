// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/checkhelpers_p.h"

#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/judge.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRandomGenerator>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Conform::Detail {

namespace {

const QString Sender = u"alice@example.org"_s;
const QString Recipient = u"bob@example.com"_s;

QByteArray cleanMessage(qint64 bodyBytes = 0)
{
    QByteArray message = "Date: Fri, 02 Oct 2026 09:15:00 +0000\r\n"
                         "From: Alice <alice@example.org>\r\n"
                         "To: bob@example.com\r\n"
                         "Subject: Lunch plans\r\n"
                         "Message-ID: <lunch-1@example.org>\r\n"
                         "MIME-Version: 1.0\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n"
                         "\r\n";
    if (bodyBytes <= 0)
        return message + "See you at noon.\r\n";
    // Lines of 76 characters, as a real body would have them.
    const QByteArray line = QByteArray(76, 'x') + "\r\n";
    QByteArray body;
    body.reserve(bodyBytes + line.size());
    while (body.size() < bodyBytes)
        body += line;
    body.truncate(bodyBytes);
    return message + body;
}

QByteArray buildAt(
    const Mock::SessionRecording &session, Stage stage, const Mock::RequestOptions &options)
{
    for (int i = 0; i < session.stages.size(); ++i) {
        if (session.stages.at(i).stage == stage)
            return Mock::buildRequestBody(session, i, Mock::envelopeAtStage(session, i), options);
    }
    return {};
}

} // namespace

QStringList inboundStageNames()
{
    return {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s};
}

QByteArray cleanRequest(Dialect dialect, Stage stage, Encoding encoding)
{
    static const Mock::SessionRecording session
        = Mock::sessionFromMessage(cleanMessage(), Sender, {Recipient});
    Mock::RequestOptions options;
    options.dialect = dialect;
    options.encoding = encoding;
    return buildAt(session, stage, options);
}

QByteArray dataRequestOfSize(Dialect dialect, qint64 messageBytes)
{
    const QByteArray head = cleanMessage();
    const QByteArray message = cleanMessage(qMax<qint64>(1, messageBytes - head.size() + 18));
    const Mock::SessionRecording session = Mock::sessionFromMessage(message, Sender, {Recipient});
    Mock::RequestOptions options;
    options.dialect = dialect;
    options.includeJmapMessage = false; // the size is the point, not the structure
    return buildAt(session, Stage::Data, options);
}

QByteArray newRequestId()
{
    // ≤128 characters from RFC 3986 "unreserved" (reference §d.2).
    return "conform-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36) + '-'
        + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

Mock::HttpCall hookCall(const ScannerFacts &facts, const QByteArray &body,
    const QByteArray &requestId, Encoding encoding)
{
    Mock::HttpCall call;
    call.url = facts.hookUrl;
    call.body = body;
    call.headers = {{"Content-Type", contentTypeFor(encoding)},
        {"X-MTA-Hooks-Registration", facts.registrationId.toUtf8()}};
    if (!requestId.isEmpty())
        call.headers.append({"X-MTA-Hooks-Request-Id", requestId});
    return call;
}

QByteArray registrationRequest(const QStringList &stages, const QString &serialization)
{
    const QJsonObject body {{u"name"_s, u"hookscope-conform"_s},
        {u"version"_s, QStringLiteral(HOOKSCOPE_VERSION)}, {u"timeoutMs"_s, 10000},
        {u"expiresAt"_s, QJsonValue::Null}, {u"serialization"_s, serialization},
        {u"inbound"_s,
            QJsonObject {{u"stages"_s, QJsonArray::fromStringList(stages)},
                {u"properties"_s, QJsonValue::Null}}},
        {u"outbound"_s, QJsonValue::Null}, {u"filter"_s, QJsonValue::Null},
        {u"metadata"_s, QJsonValue::Null}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QJsonObject jsonObjectOf(const Mock::HttpResult &result, QString *error)
{
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(result.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        *error = u"the body is not JSON (%1)"_s.arg(parseError.errorString());
    else if (!document.isObject())
        *error = u"the body is not a JSON object"_s;
    return document.object();
}

QStringList answerFaults(const QByteArray &request, Encoding encoding,
    const Mock::HttpResult &result, QStringList *paths)
{
    const HookRequest decoded = decodeRequest(request, contentTypeFor(encoding));
    const Judgement judgement = judgeAnswer(decoded,
        HttpAnswer {result.status, result.header("Content-Type"), result.body, result.error});
    QStringList faults;
    if (decoded.dialect != Dialect::Stalwart && result.status != 200 && result.status != 204)
        faults << u"status %1, not 200 or 204"_s.arg(result.status);
    else if (judgement.callFailed)
        faults << u"the call failed: %1"_s.arg(statusText(result));
    // Stalwart does not look at the answer's Content-Type (reference §d.1); the drafts fix it.
    if (decoded.dialect != Dialect::Stalwart && result.status == 200 && !result.body.isEmpty()
        && encodingFromContentType(result.header("Content-Type")) != encoding)
        faults << u"Content-Type \"%1\" is not %2"_s.arg(
            QString::fromLatin1(result.header("Content-Type")),
            QString::fromLatin1(contentTypeFor(encoding)));
    if (judgement.answer.malformed)
        faults << u"the answer is malformed: the MTA applies nothing"_s;
    for (const Problem &problem : judgement.answer.problems) {
        if (problem.severity == Severity::Error)
            faults << problemPlace(problem) + u": "_s + problem.message;
    }
    if (paths) {
        for (const PatchOperation &operation : judgement.answer.operations)
            *paths << operation.path;
    }
    return faults;
}

bool needRegistration(CheckRun &run)
{
    if (run.facts().registered)
        return true;
    run.skip(u"no registration to use (see registration.created)"_s);
    return false;
}

bool needCredentials(CheckRun &run)
{
    if (run.target().auth.isEmpty() || run.target().auth == u"none"_s) {
        run.skip(u"no credentials given (--auth): nothing to withhold"_s);
        return false;
    }
    return true;
}

bool statusIn(int status, std::initializer_list<int> expected)
{
    return std::find(expected.begin(), expected.end(), status) != expected.end();
}

QString statusText(const Mock::HttpResult &result)
{
    return result.status ? u"HTTP %1"_s.arg(result.status) : u"no answer (%1)"_s.arg(result.error);
}

QString stringField(const QJsonObject &object, const QString &name, bool nullable)
{
    const QJsonValue value = object.value(name);
    if (value.isString() && !value.toString().isEmpty())
        return {};
    if (nullable && value.isNull())
        return {};
    if (value.isUndefined())
        return u"\"%1\" is missing"_s.arg(name);
    return u"\"%1\" is not a%2 string"_s.arg(name, nullable ? u" null or"_s : u" non-empty"_s);
}

} // namespace Conform::Detail

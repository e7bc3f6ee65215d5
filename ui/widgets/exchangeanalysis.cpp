// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/exchangeanalysis.h"

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/codec.h"
#include "mock/protocol/judge.h"
#include "ui/widgets/hexdump.h"
#include "ui/widgets/linediff.h"

#include <QCoreApplication>
#include <QHash>
#include <QLocale>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ExchangeAnalysis", text);
}

// Bodies that are neither JSON nor text are dumped up to this size.
constexpr qsizetype HexDumpLimit = 256 * 1024;

QString sizeText(qsizetype bytes)
{
    return QLocale().formattedDataSize(bytes)
        + (bytes >= 1024 ? u" (%1 bytes)"_s.arg(bytes) : QString());
}

QString encodingNote(Encoding encoding, qsizetype bytes)
{
    if (encoding != Encoding::Cbor && encoding != Encoding::MsgPack)
        return {};
    return tr("Decoded from %1 (%2) and shown as JSON; byte strings appear as base64.")
        .arg(encodingName(encoding).toUpper(), sizeText(bytes));
}

// A body that did not decode: its text, or a hex dump when it is binary.
BodyView undecodedBody(const QByteArray &body, const QString &why)
{
    BodyView view;
    if (looksBinary(body)) {
        bool truncated = false;
        view.text = hexDump(body, HexDumpLimit, &truncated);
        view.note = tr("%1 Shown as a hex dump (%2).").arg(why, sizeText(body.size()));
        if (truncated)
            view.note += u' ' + tr("Only the first %1 are shown.").arg(sizeText(HexDumpLimit));
    } else {
        view.text = QString::fromUtf8(body);
        view.note = why;
    }
    return view;
}

Encoding bodyEncoding(const Mock::HttpHeaders &headers, const QByteArray &body)
{
    const Encoding declared = encodingFromContentType(contentTypeOf(headers));
    return declared != Encoding::Unknown ? declared : sniffEncoding(body);
}

// A body that is not a hook request or answer (registration, discovery, error bodies).
BodyView genericBody(const Mock::HttpHeaders &headers, const QByteArray &body)
{
    const Encoding encoding = bodyEncoding(headers, body);
    QString error;
    const Document document = Document::decode(body, encoding, &error);
    if (!document.isValid())
        return undecodedBody(body, QString());
    return {QString::fromUtf8(document.toJson(2)), true, encodingNote(encoding, body.size())};
}

QString parameterText(const Parameters &parameters)
{
    QString text;
    for (const auto &[name, value] : parameters)
        text += u' ' + name + (value.isEmpty() ? QString() : u'=' + value);
    return text;
}

QStringList lowerCased(const QStringList &addresses)
{
    QStringList out;
    for (const QString &address : addresses)
        out.append(address.trimmed().toLower());
    return out;
}

// Lines of a raw message; bodies over the limit are summarised in one line.
QStringList messageLines(const QByteArray &raw, qsizetype bodyLimit, const QByteArray &other)
{
    qsizetype headerEnd = raw.indexOf("\r\n\r\n");
    qsizetype bodyStart = headerEnd < 0 ? -1 : headerEnd + 4;
    if (headerEnd < 0) {
        headerEnd = raw.indexOf("\n\n");
        bodyStart = headerEnd < 0 ? -1 : headerEnd + 2;
    }
    QByteArray shown = raw;
    QString summary;
    if (raw.size() > bodyLimit && bodyStart >= 0) {
        shown = raw.first(bodyStart);
        const qsizetype bodySize = raw.size() - bodyStart;
        summary = raw == other
            ? tr("[body: %1, too large to compare line by line]").arg(sizeText(bodySize))
            : tr("[body: %1, changed; too large to compare line by line]").arg(sizeText(bodySize));
    }
    QStringList lines;
    const QList<QByteArray> rawLines = shown.split('\n');
    for (QByteArray line : rawLines) {
        if (line.endsWith('\r'))
            line.chop(1);
        lines.append(QString::fromUtf8(line));
    }
    if (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    if (!summary.isEmpty())
        lines.append(summary);
    return lines;
}

} // namespace

ExchangeAnalysis ExchangeAnalysis::analyse(const Mock::Exchange &exchange)
{
    ExchangeAnalysis analysis;
    analysis.exchange = exchange;
    analysis.isHook = exchange.kind == Mock::ExchangeKind::Hook;
    analysis.answered = !exchange.held && exchange.httpStatus != 0;
    if (!analysis.isHook || exchange.requestBody.isEmpty())
        return analysis;
    analysis.request = decodeRequest(exchange.requestBody, exchange.requestHeader("Content-Type"));
    if (analysis.request.hasMessage) {
        analysis.message = Mime::MimeDecoder::decode(analysis.request.rawMessage);
        analysis.hasMessage = true;
    }
    if (analysis.request.isDecoded() && analysis.answered) {
        // Read the way the request's MTA reads it, by the same function as the endpoint's, so
        // the tab shows what that MTA would do, not what Hookscope meant.
        const Judgement judgement = judgeAnswer(analysis.request,
            {exchange.httpStatus, contentTypeOf(exchange.responseHeaders), exchange.responseBody,
                QString()});
        analysis.response = judgement.answer;
        analysis.outcome = judgement.outcome;
        analysis.callFailed = judgement.callFailed;
        analysis.hasOutcome = true;
    }
    return analysis;
}

BodyView requestBodyView(const ExchangeAnalysis &analysis)
{
    const Mock::Exchange &exchange = analysis.exchange;
    if (exchange.requestBody.isEmpty())
        return {QString(), false,
            tr("No body: this %1 request carries none.")
                .arg(QString::fromLatin1(exchange.method.isEmpty() ? "HTTP" : exchange.method))};
    if (!analysis.isHook)
        return genericBody(exchange.requestHeaders, exchange.requestBody);
    const HookRequest &request = analysis.request;
    if (!request.document.isValid()) {
        const QString why = request.problems.isEmpty()
            ? tr("The body could not be decoded.")
            : tr("The body could not be decoded: %1.").arg(request.problems.constFirst().message);
        return undecodedBody(exchange.requestBody, why);
    }
    return {QString::fromUtf8(request.document.toJson(2)), true,
        encodingNote(request.encoding, exchange.requestBody.size())};
}

BodyView answerBodyView(const ExchangeAnalysis &analysis)
{
    const Mock::Exchange &exchange = analysis.exchange;
    if (exchange.held)
        return {QString(), false, tr("Held: no answer has been sent yet.")};
    if (!analysis.answered)
        return {
            QString(), false, tr("No answer: the connection was closed without an HTTP response.")};
    if (exchange.responseBody.isEmpty())
        return {
            QString(), false, tr("Empty body (HTTP %1).").arg(httpStatusText(exchange.httpStatus))};
    if (analysis.hasOutcome && analysis.response.document.isValid())
        return {QString::fromUtf8(analysis.response.document.toJson(2)), true,
            encodingNote(analysis.response.encoding, exchange.responseBody.size())};
    BodyView view = genericBody(exchange.responseHeaders, exchange.responseBody);
    if (analysis.callFailed)
        view.note = tr("HTTP %1: an error report, which the MTA does not apply.")
                        .arg(httpStatusText(exchange.httpStatus))
            + (view.note.isEmpty() ? QString() : u' ' + view.note);
    else if (!view.isJson && analysis.hasOutcome && analysis.isHook)
        view.note = tr("The answer is not valid JSON or CBOR.") + u' ' + view.note;
    return view;
}

EnvelopeComparison compareEnvelope(const Envelope &envelope, const Mime::MimeMessage &message)
{
    EnvelopeComparison comparison;
    comparison.available = envelope.present && message.isValid;
    comparison.mailFrom = envelope.from.address;
    comparison.headerFrom = message.from;
    comparison.rcptTo = envelope.recipients();
    comparison.headerTo = message.to;
    comparison.headerCc = message.cc;
    if (!comparison.available)
        return comparison;
    const QString sender = comparison.mailFrom.trimmed().toLower();
    comparison.senderDiffers = !lowerCased(message.from).contains(sender);
    const QStringList envelopeSide = lowerCased(comparison.rcptTo);
    const QStringList headerSide = lowerCased(message.to + message.cc);
    for (const QString &address : comparison.rcptTo) {
        if (!headerSide.contains(address.trimmed().toLower()))
            comparison.onlyInEnvelope.append(address);
    }
    for (const QString &address : message.to + message.cc) {
        if (!envelopeSide.contains(address.trimmed().toLower())
            && !comparison.onlyInHeaders.contains(address))
            comparison.onlyInHeaders.append(address);
    }
    return comparison;
}

QStringList envelopeLines(const Envelope &envelope)
{
    if (!envelope.present)
        return {};
    QStringList lines;
    lines.append(
        u"MAIL FROM:<"_s + envelope.from.address + u'>' + parameterText(envelope.from.parameters));
    for (const EnvelopeAddress &to : envelope.to) {
        QString line = u"RCPT TO:<"_s + to.address + u'>' + parameterText(to.parameters);
        if (!to.status.isEmpty())
            line += u"  [status %1, attempt %2]"_s.arg(to.status).arg(to.attempt);
        lines.append(line);
    }
    return lines;
}

QString outcomeDiff(const ExchangeAnalysis &analysis, qsizetype bodyLimit)
{
    if (!analysis.hasOutcome)
        return {};
    const HookRequest &request = analysis.request;
    const Outcome &outcome = analysis.outcome;
    const bool envelopeKept = outcome.envelope.present || !request.envelope.present;
    const bool messageKept = outcome.hasMessage || !request.hasMessage;
    // A rejected message is not queued at all: listing all of it as removed tells nothing that
    // the verdict does not say already.
    if (!envelopeKept && !messageKept)
        return {};
    // Divider lines on both sides: they are context, so a hunk shows which part it is in.
    const QString envelopeDivider = tr("──── envelope ────");
    const QString messageDivider = tr("──── message ────");
    QStringList before {envelopeDivider};
    QStringList after {envelopeDivider};
    before += envelopeLines(request.envelope);
    after += envelopeLines(outcome.envelope);
    if (messageKept && request.hasMessage) {
        before.append(messageDivider);
        before += messageLines(request.rawMessage, bodyLimit, outcome.message);
    }
    if (messageKept && outcome.hasMessage) {
        after.append(messageDivider);
        after += messageLines(outcome.message, bodyLimit, request.rawMessage);
    }
    return unifiedDiff(before, after,
        {tr("before the answer (as the MTA received it)"),
            tr("after the answer (as the MTA goes on with it)")});
}

QString httpStatusText(int status)
{
    const QByteArray reason = Mock::reasonPhrase(status);
    return reason.isEmpty() ? QString::number(status)
                            : QString::number(status) + u' ' + QString::fromLatin1(reason);
}

QByteArray contentTypeOf(const Mock::HttpHeaders &headers)
{
    return Mock::headerValue(headers, "Content-Type");
}

// SPDX-License-Identifier: GPL-3.0-or-later
// What Stalwart does with a hook's answer (protocol reference §c.1): the reply, the per-stage
// effect, and at data the modifications, applied exactly as Stalwart's
// apply_milter_modifications does (checked against its reference outputs in
// mta-hooks-fixtures/stalwart/smtp/milter/message.json).
#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/patchengine_p.h"

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

struct HeaderChange
{
    qint64 index = 0;
    QByteArray name;
    QByteArray value;
    bool isChange = false;
};

QString stripBrackets(const QString &address)
{
    const QString trimmed = address.trimmed();
    if (!trimmed.startsWith(u'<'))
        return trimmed;
    QString inner = trimmed.mid(1);
    const qsizetype close = inner.lastIndexOf(u'>');
    if (close >= 0)
        inner.truncate(close);
    return inner.trimmed();
}

// Stalwart's "no header changes" and "insert-only" paths prepend headers to the original block.
QByteArray writeHeader(const QByteArray &name, const QByteArray &value, bool rewrite)
{
    QByteArray out = name;
    // Rust's u8::is_ascii_whitespace: space, tab, LF, form feed, CR.
    if (rewrite && !value.isEmpty()
        && (value.front() == ' ' || value.front() == '\t' || value.front() == '\r'
            || value.front() == '\n' || value.front() == '\f'))
        out += ':';
    else
        out += ": ";
    out += value;
    if (value.isEmpty() || value.back() != '\n')
        out += "\r\n";
    return out;
}

bool sameName(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArray applyModifications(const QByteArray &raw, const QList<StalwartModification> &mods,
    Envelope &envelope, bool *envelopeChanged, bool *messageChanged)
{
    const MessageParts parts = splitMessage(raw);
    QByteArray body;
    QList<HeaderChange> changes;
    bool needsRewrite = false;

    using Type = StalwartModification::Type;
    for (const StalwartModification &mod : mods) {
        switch (mod.type) {
        case Type::ChangeFrom: {
            EnvelopeAddress from;
            from.address = stripBrackets(mod.value).toLower();
            for (const auto &[key, value] : mod.parameters)
                from.parameters.append({key, value.value_or(QString())});
            envelope.from = from;
            envelope.present = true;
            *envelopeChanged = true;
            break;
        }
        case Type::AddRecipient: {
            const QString address = stripBrackets(mod.value);
            if (!address.contains(u'@'))
                break;
            EnvelopeAddress rcpt;
            rcpt.address = address.toLower();
            for (const auto &[key, value] : mod.parameters)
                rcpt.parameters.append({key, value.value_or(QString())});
            bool duplicate = false;
            for (const EnvelopeAddress &existing : std::as_const(envelope.to))
                duplicate = duplicate || existing.address == rcpt.address;
            if (!duplicate) {
                envelope.to.append(rcpt);
                *envelopeChanged = true;
            }
            break;
        }
        case Type::DeleteRecipient: {
            const QString address = stripBrackets(mod.value);
            const qsizetype before = envelope.to.size();
            envelope.to.removeIf(
                [&address](const EnvelopeAddress &rcpt) { return rcpt.address == address; });
            *envelopeChanged = *envelopeChanged || before != envelope.to.size();
            break;
        }
        case Type::ReplaceContents:
            body += mod.value.toUtf8();
            break;
        case Type::AddHeader:
            changes.append({0, mod.name.toUtf8(), mod.value.toUtf8(), false});
            break;
        case Type::InsertHeader:
            changes.append({mod.index, mod.name.toUtf8(), mod.value.toUtf8(), false});
            needsRewrite = true;
            break;
        case Type::ChangeHeader:
        case Type::DeleteHeader: {
            const QByteArray name = mod.name.toUtf8();
            const QByteArray value
                = mod.type == Type::DeleteHeader ? QByteArray() : mod.value.toUtf8();
            bool exists = false;
            for (const RawHeader &header : parts.headers)
                exists = exists || sameName(header.name, name);
            if (value.isEmpty() || exists) {
                changes.append({mod.index, name, value, true});
                needsRewrite = true;
            } else {
                changes.append({0, name, value, false});
            }
            break;
        }
        }
    }

    if (changes.isEmpty()) {
        if (body.isEmpty())
            return raw;
        *messageChanged = true;
        return parts.headerBlock + body;
    }
    *messageChanged = true;
    const QByteArray &newBody = body.isEmpty() ? parts.body : body;
    if (!needsRewrite) {
        QByteArray out;
        for (const HeaderChange &change : std::as_const(changes))
            out += writeHeader(change.name, change.value, false);
        return out + parts.headerBlock + newBody;
    }

    QList<RawHeader> headers = parts.headers;
    for (const HeaderChange &change : std::as_const(changes)) {
        if (change.isChange) {
            qint64 count = 0;
            for (qsizetype pos = 0; pos < headers.size(); ++pos) {
                if (!sameName(headers[pos].name, change.name))
                    continue;
                if (++count == change.index) {
                    if (!change.value.isEmpty())
                        headers[pos].value = change.value;
                    else
                        headers.removeAt(pos);
                    break;
                }
            }
        } else {
            qsizetype position = 0;
            if (change.index > 0) {
                qint64 count = 0;
                for (qsizetype pos = 0; pos < headers.size(); ++pos) {
                    if (sameName(headers[pos].name, change.name)) {
                        position = pos;
                        if (++count == change.index)
                            break;
                    }
                }
            }
            headers.insert(position, {change.name, change.value});
        }
    }
    QByteArray out;
    for (const RawHeader &header : std::as_const(headers))
        out += writeHeader(header.name, header.value, true);
    out += "\r\n";
    out += newBody;
    return out;
}

} // namespace

Outcome applyStalwart(
    const HookRequest &request, const HookResponse &response, const ApplyOptions &options)
{
    Outcome outcome;
    outcome.dialect = Dialect::Stalwart;
    outcome.stage = request.stage;
    outcome.envelope = request.envelope;
    outcome.hasMessage = request.hasMessage;
    outcome.message = request.rawMessage;

    // Stalwart reads every answer as its own format; one decoded as a draft patch (without
    // knowing the request) fails its parser all the same.
    if (response.malformed || response.dialect != Dialect::Stalwart) {
        outcome.malformed = true;
        if (!response.malformed)
            outcome.problems.append({QString(), Severity::Error,
                QStringLiteral("a %1 answer: Stalwart cannot parse it")
                    .arg(dialectName(response.dialect).isEmpty() ? u"undecodable"_s
                                                                 : dialectName(response.dialect))});
        if (!options.tempFailOnError) {
            outcome.action = Action::Accept;
            outcome.reply = defaultReply(Dialect::Stalwart, request.stage, Action::Accept);
            outcome.problems.append({QString(), Severity::Info,
                u"hook error ignored (tempFailOnError off): the chain "
                "continues"_s});
            outcome.verdict = verdictFor(outcome.action, outcome.reply.code);
            return outcome;
        }
        // The hook error stops the stage like a reject (every call site handles the Err of
        // run_mta_hooks alike): the stage effects below apply to the 451 too.
        outcome.action = Action::Reject;
        outcome.reply = {451, u"4.3.5"_s, u"Unable to accept message at this time."_s};
        outcome.problems.append({QString(), Severity::Info,
            u"Stalwart treats the answer as a hook error and "
            "tempfails (tempFailOnError)"_s});
    } else {
        outcome.action = response.action;
    }
    if (outcome.action == Action::Accept) {
        outcome.reply = defaultReply(Dialect::Stalwart, request.stage, Action::Accept);
        if (request.stage == Stage::Data && !response.modifications.isEmpty()) {
            outcome.message = applyModifications(request.rawMessage, response.modifications,
                outcome.envelope, &outcome.envelopeChanged, &outcome.messageChanged);
        } else if (!response.modifications.isEmpty()) {
            outcome.problems.append({u"/modifications"_s, Severity::Info,
                u"ignored: Stalwart applies modifications only at data"_s});
        }
    } else {
        if (!outcome.malformed) {
            outcome.reply = defaultReply(Dialect::Stalwart, request.stage, response.action);
            if (response.status && response.replyMessage) {
                outcome.reply.code = *response.status;
                outcome.reply.enhancedCode = response.enhancedStatus.value_or(QString());
                outcome.reply.message = *response.replyMessage;
            }
        }
        outcome.disconnect = request.stage == Stage::Connect;
        if (request.stage == Stage::Rcpt && !outcome.envelope.to.isEmpty()) {
            // The recipient being checked is the last one; it is removed even for discard.
            outcome.envelope.to.removeLast();
            outcome.envelopeChanged = true;
        } else if (request.stage == Stage::Mail) {
            outcome.envelope = Envelope();
            outcome.envelopeChanged = true;
        }
        if (request.stage == Stage::Data)
            outcome.hasMessage = false; // not queued
    }
    outcome.verdict = verdictFor(outcome.action, outcome.reply.code);
    return outcome;
}

} // namespace MtaHooks

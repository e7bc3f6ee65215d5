// SPDX-License-Identifier: GPL-3.0-or-later
// The IETF drafts: -01's flat request document and {set, add, delete} answer, and -02's RFC 6902
// answer (protocol reference §b.2, §c.2, §h). Where the draft contradicts itself (§f.5) an edit
// outside the writable properties makes the whole answer malformed, as its "Error Responses"
// section says; an individual operation that fails at application time is skipped (apply.cpp).
#include "mock/protocol/validator_p.h"

#include <QDateTime>
#include <QRegularExpression>

#include <functional>

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

const QStringList &senderAuthValues()
{
    static const QStringList values {u"pass"_s, u"fail"_s, u"softfail"_s, u"neutral"_s, u"none"_s,
        u"temperror"_s, u"permerror"_s, u"policy"_s};
    return values;
}

const QStringList &recipientStatuses()
{
    static const QStringList values {
        u"pending"_s, u"delivered"_s, u"deferred"_s, u"failed"_s, u"failed-silent"_s};
    return values;
}

bool isUtcDate(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$"));
    return pattern.match(text).hasMatch()
        && QDateTime::fromString(text, Qt::ISODateWithMs).isValid();
}

void checkDate(const Json &object, const QString &base, const char *key, bool nullable,
    bool optional, Checker &c)
{
    const Json *value = c.check(object, base, key, Checker::String | (nullable ? Checker::Null : 0),
        Severity::Error, optional, Severity::Warning);
    if (value && value->is_string() && !isUtcDate(toQString(value->get<std::string>())))
        c.warning(memberPointer(base, key),
            QStringLiteral("a UTCDate is RFC 3339 in UTC with \"Z\", e.g. "
                           "2026-10-02T09:15:00Z"));
}

void checkReplyObject(const Json &reply, const QString &base, Checker &c, Severity severity)
{
    if (const Json *code
        = c.check(reply, base, "code", Checker::Unsigned, severity, false, severity)) {
        const auto value = code->get<std::int64_t>();
        if (value < 200 || value > 599)
            c.add(memberPointer(base, "code"), severity,
                QStringLiteral("%1 is not an SMTP reply code").arg(value));
    }
    if (const Json *enhanced = c.check(reply, base, "enhancedCode", Checker::String | Checker::Null,
            severity, false, Severity::Warning)) {
        static const QRegularExpression pattern(QStringLiteral("^[245]\\.\\d{1,3}\\.\\d{1,3}$"));
        if (enhanced->is_string()
            && !pattern.match(toQString(enhanced->get<std::string>())).hasMatch())
            c.warning(memberPointer(base, "enhancedCode"),
                QStringLiteral("not an RFC 3463 enhanced status code"));
    }
    if (const Json *message
        = c.check(reply, base, "message", Checker::String, severity, false, Severity::Warning)) {
        const std::string &text = message->get_ref<const std::string &>();
        if (text.find_first_of("\r\n") != std::string::npos)
            c.warning(memberPointer(base, "message"),
                QStringLiteral("line breaks in the reply text end up on the SMTP wire"));
    }
    if (Checker::member(reply, "enhanced_status") || Checker::member(reply, "status"))
        c.add(base, severity,
            QStringLiteral("Stalwart's reply members (status, enhanced_status): the drafts "
                           "use {code, enhancedCode, message}"));
}

void checkParameters(const Json &address, const QString &base, Checker &c)
{
    const Json *parameters = c.check(address, base, "parameters", Checker::Object, Severity::Error,
        false, Severity::Warning,
        QStringLiteral("an EnvelopeAddress carries its ESMTP "
                       "parameters, {} when none"));
    if (!parameters)
        return;
    for (auto it = parameters->begin(); it != parameters->end(); ++it) {
        if (!it->is_string())
            c.error(pointerAppend(memberPointer(base, "parameters"), toQString(it.key())),
                QStringLiteral("parameter values are strings, not %1").arg(Checker::typeOf(*it)));
    }
}

void checkEnvelope(const Json &envelope, const QString &base, Stage stage, Checker &c)
{
    const bool outbound = stageDirection(stage) == Direction::Outbound;
    if (const Json *from
        = c.check(envelope, base, "from", Checker::Object, Severity::Error, false)) {
        const QString pointer = memberPointer(base, "from");
        c.check(*from, pointer, "address", Checker::String | Checker::Null, Severity::Error, false);
        checkParameters(*from, pointer, c);
    }
    const Json *to = c.check(envelope, base, "to", Checker::Array, Severity::Error, false);
    if (!to)
        return;
    const QString toPointer = memberPointer(base, "to");
    for (std::size_t i = 0; i < to->size(); ++i) {
        const Json &entry = (*to)[i];
        const QString pointer = pointerAppend(toPointer, qsizetype(i));
        if (!entry.is_object()) {
            c.error(pointer, QStringLiteral("a recipient is an object {address, parameters}"));
            continue;
        }
        c.check(entry, pointer, "address", Checker::String, Severity::Error, false);
        checkParameters(entry, pointer, c);
        if (!outbound)
            continue;
        if (const Json *status
            = c.check(entry, pointer, "status", Checker::String, Severity::Error, false)) {
            if (!recipientStatuses().contains(toQString(status->get<std::string>())))
                c.error(memberPointer(pointer, "status"),
                    QStringLiteral("\"%1\" is not one of %2")
                        .arg(toQString(status->get<std::string>()),
                            recipientStatuses().join(u", "_s)));
        }
        c.check(entry, pointer, "attempt", Checker::Unsigned, Severity::Error, false,
            Severity::Warning);
        if (const Json *last = c.check(entry, pointer, "lastResponse",
                Checker::Object | Checker::Null, Severity::Error, true)) {
            if (last->is_object())
                checkReplyObject(*last, memberPointer(pointer, "lastResponse"), c, Severity::Error);
        }
        checkDate(entry, pointer, "nextAttemptAt", true, true, c);
        checkDate(entry, pointer, "nextDsnAt", true, true, c);
        c.check(
            entry, pointer, "queueName", Checker::String | Checker::Null, Severity::Error, true);
    }
    if (stage == Stage::Rcpt && to->empty())
        c.error(toPointer, QStringLiteral("at rcpt there is at least one recipient"));
}

void checkMessage(const Json &message, Checker &c)
{
    const QString base = u"/message"_s;
    for (const char *key : {"id", "blobId", "threadId", "mailboxIds", "keywords", "receivedAt"}) {
        if (Checker::member(message, key))
            c.warning(memberPointer(base, key),
                QStringLiteral("JMAP metadata the drafts exclude from the hook message"));
    }
    if (const Json *headers
        = c.check(message, base, "headers", Checker::Array, Severity::Error, true)) {
        for (std::size_t i = 0; i < headers->size(); ++i) {
            const QString pointer = pointerAppend(u"/message/headers"_s, qsizetype(i));
            const Json &header = (*headers)[i];
            if (!header.is_object()) {
                c.error(pointer, QStringLiteral("an EmailHeader is an object {name, value}"));
                continue;
            }
            c.check(header, pointer, "name", Checker::String, Severity::Error, false);
            if (const Json *value
                = c.check(header, pointer, "value", Checker::String, Severity::Error, false)) {
                const std::string &text = value->get_ref<const std::string &>();
                if (text.size() >= 2 && text.compare(text.size() - 2, 2, "\r\n") == 0)
                    c.warning(memberPointer(pointer, "value"),
                        QStringLiteral("JMAP raw header values carry no trailing CRLF"));
            }
        }
    }
    // blob instead of blobId inside body parts.
    std::function<void(const Json &, const QString &)> walk = [&](const Json &part,
                                                                  const QString &pointer) {
        if (!part.is_object())
            return;
        if (Checker::member(part, "blobId"))
            c.warning(memberPointer(pointer, "blobId"),
                QStringLiteral("the drafts replace blobId with \"blob\" carrying the "
                               "content"));
        if (const Json *sub = Checker::member(part, "subParts"); sub && sub->is_array()) {
            for (std::size_t i = 0; i < sub->size(); ++i)
                walk((*sub)[i], pointerAppend(memberPointer(pointer, "subParts"), qsizetype(i)));
        }
    };
    if (const Json *structure = Checker::member(message, "bodyStructure"))
        walk(*structure, u"/message/bodyStructure"_s);
}

void checkRawMessage(const Json &raw, Checker &c)
{
    if (raw.is_binary() || raw.is_null())
        return;
    if (!raw.is_string()) {
        c.error(u"/rawMessage"_s,
            QStringLiteral("must be base64 text (JSON) or a byte string (CBOR), not %1")
                .arg(Checker::typeOf(raw)));
        return;
    }
    const std::string &text = raw.get_ref<const std::string &>();
    bool canonical = false;
    if (!checkBase64(QByteArrayView(text.data(), qsizetype(text.size())), &canonical)) {
        c.error(u"/rawMessage"_s, QStringLiteral("not valid base64 (standard alphabet)"));
    } else if (!canonical) {
        c.warning(u"/rawMessage"_s,
            QStringLiteral("not canonical padded base64 without line breaks (rspamd "
                           "refuses it)"));
    }
}

} // namespace

void validateDraftRequest(const Json &root, Checker &c)
{
    Stage stage = Stage::Unknown;
    if (const Json *value
        = c.check(root, QString(), "stage", Checker::String, Severity::Error, false)) {
        const QString name = toQString(value->get<std::string>());
        stage = stageFromName(name);
        if (stage == Stage::Unknown)
            c.warning(u"/stage"_s, QStringLiteral("unknown stage \"%1\" (kept as is)").arg(name));
        else if (stage == Stage::Auth)
            c.warning(u"/stage"_s, QStringLiteral("the drafts define no auth stage"));
        else if (stage == Stage::Route)
            c.info(u"/stage"_s, QStringLiteral("route is a draft-02 proposal (provisional)"));
    }
    const Direction direction = stageDirection(stage);
    if (const Json *action = c.check(root, QString(), "action", Checker::String, Severity::Error,
            false, Severity::Warning)) {
        const auto parsed = actionFromName(toQString(action->get<std::string>()));
        const QList<Action> allowed = direction == Direction::Outbound
            ? QList<Action> {Action::Continue, Action::Cancel}
            : QList<Action> {Action::Accept, Action::Reject, Action::Discard, Action::Quarantine,
                Action::Disconnect};
        if (!parsed || !allowed.contains(*parsed))
            c.error(u"/action"_s,
                QStringLiteral("\"%1\" is not an %2 action")
                    .arg(toQString(action->get<std::string>()),
                        direction == Direction::Outbound ? u"outbound"_s : u"inbound"_s));
    }
    checkDate(root, QString(), "timestamp", false, false, c);
    if (const Json *protocol = c.check(
            root, QString(), "protocol", Checker::Object | Checker::Null, Severity::Error, true)) {
        if (protocol->is_object()) {
            const Json *version = Checker::member(*protocol, "version");
            if (version && version->is_number())
                c.error(u"/protocol/version"_s,
                    QStringLiteral("the drafts use the string \"1.0\"; the integer 1 is "
                                   "Stalwart's"));
            else if (version && !version->is_string())
                c.error(u"/protocol/version"_s, QStringLiteral("must be a string"));
        }
    }
    if (const Json *reply = c.check(
            root, QString(), "response", Checker::Object | Checker::Null, Severity::Error, true)) {
        if (direction == Direction::Outbound)
            c.warning(u"/response"_s, QStringLiteral("response is an inbound-only property"));
        if (reply->is_object())
            checkReplyObject(*reply, u"/response"_s, c, Severity::Error);
    }
    if (const Json *client = c.check(
            root, QString(), "client", Checker::Object | Checker::Null, Severity::Error, true)) {
        if (client->is_object()) {
            const QString base = u"/client"_s;
            c.check(*client, base, "ip", Checker::String, Severity::Error, false);
            c.check(*client, base, "port", Checker::Unsigned, Severity::Error, false);
            c.check(*client, base, "ptr", Checker::String | Checker::Null, Severity::Error, true);
            if (Checker::member(*client, "helo"))
                c.error(u"/client/helo"_s,
                    QStringLiteral("the drafts call it \"ehlo\"; \"helo\" is Stalwart's key"));
            c.check(*client, base, "ehlo", Checker::String, Severity::Error,
                stage == Stage::Connect, Severity::Warning);
            c.check(*client, base, "asn", Checker::Unsigned | Checker::Null, Severity::Error, true);
            if (const Json *country = c.check(*client, base, "country",
                    Checker::String | Checker::Null, Severity::Error, true);
                country && country->is_string() && country->get<std::string>().size() != 2)
                c.warning(u"/client/country"_s,
                    QStringLiteral("an ISO 3166-1 alpha-2 code has two letters"));
            c.check(*client, base, "activeConnections", Checker::Unsigned | Checker::Null,
                Severity::Error, true);
        }
        if (direction == Direction::Outbound)
            c.warning(u"/client"_s, QStringLiteral("client is an inbound-only property"));
    }
    if (const Json *auth = c.check(
            root, QString(), "senderAuth", Checker::Object | Checker::Null, Severity::Error, true);
        auth && auth->is_object()) {
        for (auto it = auth->begin(); it != auth->end(); ++it) {
            const QString pointer = pointerAppend(u"/senderAuth"_s, toQString(it.key()));
            const QString key = toQString(it.key());
            if (!QStringList {u"spf-ehlo"_s, u"spf-mail"_s, u"dkim"_s, u"arc"_s, u"dmarc"_s}
                     .contains(key))
                c.info(pointer, QStringLiteral("not one of spf-ehlo, spf-mail, dkim, arc, dmarc"));
            else if (!it->is_string() && !it->is_null())
                c.error(pointer, QStringLiteral("must be a string or null"));
            else if (it->is_string()
                && !senderAuthValues().contains(toQString(it->get<std::string>())))
                c.warning(pointer,
                    QStringLiteral("\"%1\" is not a result the RFCs define")
                        .arg(toQString(it->get<std::string>())));
        }
    }
    if (const Json *auth
        = c.check(root, QString(), "auth", Checker::Object | Checker::Null, Severity::Error, true);
        auth && auth->is_object()) {
        c.check(*auth, u"/auth"_s, "login", Checker::String, Severity::Error, false);
        c.check(*auth, u"/auth"_s, "method", Checker::String, Severity::Error, false,
            Severity::Warning);
    }
    if (const Json *tls
        = c.check(root, QString(), "tls", Checker::Object | Checker::Null, Severity::Error, true);
        tls && tls->is_object()) {
        c.check(*tls, u"/tls"_s, "version", Checker::String, Severity::Error, false);
        c.check(*tls, u"/tls"_s, "cipher", Checker::String, Severity::Error, false);
        c.check(*tls, u"/tls"_s, "cipherBits", Checker::Unsigned, Severity::Error, false,
            Severity::Warning);
        c.check(
            *tls, u"/tls"_s, "certIssuer", Checker::String | Checker::Null, Severity::Error, true);
        c.check(
            *tls, u"/tls"_s, "certSubject", Checker::String | Checker::Null, Severity::Error, true);
    }
    if (const Json *queue
        = c.check(root, QString(), "queue", Checker::Object | Checker::Null, Severity::Error, true);
        queue && queue->is_object()) {
        c.check(*queue, u"/queue"_s, "id", Checker::String, Severity::Error, false);
        if (direction == Direction::Outbound) {
            checkDate(*queue, u"/queue"_s, "expiresAt", true, false, c);
            c.check(*queue, u"/queue"_s, "attempts", Checker::Unsigned, Severity::Error, false,
                Severity::Warning);
        }
    }
    if (const Json *server = c.check(
            root, QString(), "server", Checker::Object | Checker::Null, Severity::Error, true);
        server && server->is_object()) {
        c.check(*server, u"/server"_s, "name", Checker::String, Severity::Error, false,
            Severity::Warning);
        c.check(*server, u"/server"_s, "ip", Checker::String, Severity::Error, false,
            Severity::Warning);
        c.check(*server, u"/server"_s, "port", Checker::Unsigned, Severity::Error, false,
            Severity::Warning);
    }
    if (const Json *envelope = Checker::member(root, "envelope")) {
        if (!envelope->is_object())
            c.error(u"/envelope"_s, QStringLiteral("must be an object {from, to}"));
        else
            checkEnvelope(*envelope, u"/envelope"_s, stage, c);
    } else if (stage == Stage::Mail || stage == Stage::Rcpt || stage == Stage::Data
        || direction == Direction::Outbound) {
        c.warning(u"/envelope"_s,
            QStringLiteral("no envelope at %1 (unless it was not negotiated)")
                .arg(stageName(stage)));
    }
    const Json *message = Checker::member(root, "message");
    if (message && !message->is_object() && !message->is_null())
        c.error(u"/message"_s, QStringLiteral("must be a JMAP Email object or null"));
    else if (message && message->is_object())
        checkMessage(*message, c);
    if (const Json *raw = Checker::member(root, "rawMessage"))
        checkRawMessage(*raw, c);
    const bool carriesMessage = (message && message->is_object())
        || (Checker::member(root, "rawMessage") && !Checker::member(root, "rawMessage")->is_null());
    if (stage == Stage::Data && !carriesMessage)
        c.warning(QString(),
            QStringLiteral("no message or rawMessage at data (unless neither "
                           "was negotiated)"));
    if (carriesMessage
        && (stage == Stage::Connect || stage == Stage::Ehlo || stage == Stage::Mail
            || stage == Stage::Rcpt))
        c.warning(QString(), QStringLiteral("a message before data"));
    if (Checker::member(root, "context"))
        c.error(u"/context"_s,
            QStringLiteral("\"context\" is Stalwart's envelope; the drafts are flat"));
    c.unknownMembers(root, QString(),
        {"stage", "action", "envelope", "message", "rawMessage", "timestamp", "protocol", "queue",
            "server", "response", "client", "senderAuth", "auth", "tls", "context", "transaction",
            "session", "scannerContext", "ext"},
        Severity::Info, QStringLiteral("not a draft-01 property (extensions belong under /ext/…)"));
}

// Implemented in validator_patch.cpp.
void validatePatchOperations(const Json &root, Dialect dialect, Stage stage, Checker &c);

void validateDraftResponse(const Json &root, Dialect dialect, Stage stage, Checker &c)
{
    validatePatchOperations(root, dialect, stage, c);
}

} // namespace MtaHooks

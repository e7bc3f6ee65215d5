// SPDX-License-Identifier: GPL-3.0-or-later
// Stalwart's legacy format: what its serde types accept, what it silently ignores, and what its
// documentation gets wrong (protocol reference §b.1, §c.1).
#include "mock/protocol/hookresponse.h"
#include "mock/protocol/validator_p.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

bool containsLineBreak(const std::string &text)
{
    return text.find('\r') != std::string::npos || text.find('\n') != std::string::npos;
}

const QRegularExpression &enhancedCodePattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[245]\\.\\d{1,3}\\.\\d{1,3}$"));
    return pattern;
}

void validateStalwartClient(const Json &client, const QString &base, Checker &c)
{
    c.check(client, base, "ip", Checker::String, Severity::Error, false);
    c.check(client, base, "port", Checker::Unsigned, Severity::Error, false);
    c.check(client, base, "ptr", Checker::String | Checker::Null, Severity::Error, false,
        Severity::Warning, QStringLiteral("Stalwart always sends it, null when unknown"));
    if (Checker::member(client, "ehlo")) {
        c.error(memberPointer(base, "ehlo"),
            QStringLiteral("Stalwart's key is \"helo\"; \"ehlo\" is what its documentation and "
                           "the drafts say, and Stalwart-format scanners will not find it"));
    }
    c.check(client, base, "helo", Checker::String | Checker::Null, Severity::Error,
        Checker::member(client, "ehlo") != nullptr, Severity::Warning,
        QStringLiteral("Stalwart always sends it, null before EHLO"));
    if (const Json *active = c.check(client, base, "activeConnections", Checker::Unsigned,
            Severity::Error, false, Severity::Warning)) {
        if (active->get<std::int64_t>() != 1)
            c.info(memberPointer(base, "activeConnections"),
                QStringLiteral("Stalwart hard-codes 1 here"));
    }
    c.unknownMembers(client, base, {"ip", "port", "ptr", "helo", "ehlo", "activeConnections"},
        Severity::Info, QStringLiteral("Stalwart never sends it"));
}

// Whether lower-casing the address would change it; without a QString for the ASCII addresses
// nearly every call carries (the envelope is checked on every call).
bool hasUpperCase(const std::string &address)
{
    bool ascii = true;
    for (const char c : address) {
        if (c >= 'A' && c <= 'Z')
            return true;
        ascii = ascii && uchar(c) < 0x80;
    }
    if (ascii)
        return false;
    const QString value = toQString(address);
    return value != value.toLower();
}

void validateStalwartEnvelope(const Json &envelope, const QString &base, Stage stage, Checker &c)
{
    // The address's pointer is made only for a problem (or a member worth a note).
    auto checkAddress = [&c](const Json &address, const auto &pointerOf) {
        if (!address.is_object()) {
            c.error(pointerOf(), QStringLiteral("an address is an object {address}"));
            return;
        }
        const Json *text = Checker::member(address, "address");
        if (!text || !text->is_string())
            c.check(address, pointerOf(), "address", Checker::String, Severity::Error, false);
        else if (hasUpperCase(text->get_ref<const std::string &>()))
            c.warning(memberPointer(pointerOf(), "address"),
                QStringLiteral("Stalwart sends addresses lower-cased"));
        if (const Json *parameters = Checker::member(address, "parameters")) {
            if (parameters->is_null())
                c.error(memberPointer(pointerOf(), "parameters"),
                    QStringLiteral("null parameters: omit the member instead"));
            else
                c.info(memberPointer(pointerOf(), "parameters"),
                    QStringLiteral("Stalwart never sends ESMTP parameters"));
        }
    };
    if (const Json *from = c.check(envelope, base, "from", Checker::Object, Severity::Error, false))
        checkAddress(*from, [&base] { return memberPointer(base, "from"); });
    if (const Json *to = c.check(envelope, base, "to", Checker::Array, Severity::Error, false)) {
        for (std::size_t i = 0; i < to->size(); ++i) {
            checkAddress((*to)[i],
                [&base, i] { return pointerAppend(memberPointer(base, "to"), qsizetype(i)); });
        }
        if (stage == Stage::Mail && !to->empty())
            c.warning(memberPointer(base, "to"),
                QStringLiteral("at mail Stalwart sends no recipients yet"));
        if ((stage == Stage::Rcpt || stage == Stage::Data) && to->empty())
            c.error(memberPointer(base, "to"),
                QStringLiteral("at %1 there is at least one recipient (at rcpt the one being "
                               "checked is the last)")
                    .arg(stageName(stage)));
    }
}

void validateStalwartMessage(const Json &message, const QString &base, Checker &c)
{
    qint64 rebuilt = 0;
    if (const Json *headers
        = c.check(message, base, "headers", Checker::Array, Severity::Error, false)) {
        const QString headersPointer = memberPointer(base, "headers");
        for (std::size_t i = 0; i < headers->size(); ++i) {
            const Json &pair = (*headers)[i];
            const QString pointer = pointerAppend(headersPointer, qsizetype(i));
            if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()
                || !pair[1].is_string()) {
                c.error(pointer, QStringLiteral("a header is a [name, value] pair of strings"));
                continue;
            }
            const std::string &name = pair[0].get_ref<const std::string &>();
            const std::string &value = pair[1].get_ref<const std::string &>();
            rebuilt += qint64(name.size() + 1 + value.size());
            if (name.empty() || name.find_first_of(": \t\r\n") != std::string::npos)
                c.error(pointer + u"/0"_s,
                    QStringLiteral("invalid header name \"%1\"").arg(toQString(name)));
            if (value.size() < 2 || value.compare(value.size() - 2, 2, "\r\n") != 0)
                c.warning(pointer + u"/1"_s,
                    QStringLiteral("Stalwart's header values keep their trailing CRLF; "
                                   "without it the rebuilt message runs headers together"));
            else if (!value.empty() && value.front() != ' ' && value.front() != '\t')
                c.info(pointer + u"/1"_s,
                    QStringLiteral("value does not start with the space after the colon, as "
                                   "raw header values usually do"));
        }
    }
    if (const Json *server = Checker::member(message, "serverHeaders")) {
        if (!server->is_array())
            c.error(memberPointer(base, "serverHeaders"), QStringLiteral("must be an array"));
        else if (!server->empty())
            c.info(memberPointer(base, "serverHeaders"),
                QStringLiteral("Stalwart never fills serverHeaders"));
    }
    bool replaced = false;
    if (const Json *contents
        = c.check(message, base, "contents", Checker::String, Severity::Error, false)) {
        const std::string &text = contents->get_ref<const std::string &>();
        rebuilt += 2 + qint64(text.size());
        replaced = text.find("\xEF\xBF\xBD") != std::string::npos;
        if (replaced)
            c.info(memberPointer(base, "contents"),
                QStringLiteral("contains U+FFFD: bytes that were not UTF-8 were replaced, the "
                               "message is not byte-exact"));
    }
    if (const Json *size
        = c.check(message, base, "size", Checker::Unsigned, Severity::Error, false)) {
        const qint64 declared = size->get<std::int64_t>();
        if (declared != rebuilt && !replaced)
            c.warning(memberPointer(base, "size"),
                QStringLiteral("size %1 differs from the %2 bytes of the rebuilt message")
                    .arg(declared)
                    .arg(rebuilt));
    }
    c.unknownMembers(message, base, {"headers", "serverHeaders", "contents", "size"},
        Severity::Info, QStringLiteral("Stalwart never sends it"));
}

} // namespace

void validateStalwartRequest(const Json &root, Checker &c)
{
    c.unknownMembers(root, QString(), {"context", "envelope", "message"}, Severity::Warning,
        QStringLiteral("Stalwart's request has only context, envelope and message"));
    const Json *context
        = c.check(root, QString(), "context", Checker::Object, Severity::Error, false);
    if (!context)
        return;
    const QString base = QStringLiteral("/context");
    Stage stage = Stage::Unknown;
    if (const Json *stageValue
        = c.check(*context, base, "stage", Checker::String, Severity::Error, false)) {
        const QString name = toQString(stageValue->get_ref<const std::string &>());
        stage = stageFromName(name);
        if (stage == Stage::Unknown && stageFromName(name.toLower()) != Stage::Unknown) {
            c.error(u"/context/stage"_s,
                QStringLiteral("Stalwart sends the stage in lower case (\"%1\"); the "
                               "documentation's upper case is wrong")
                    .arg(name.toLower()));
            stage = stageFromName(name.toLower());
        } else if (stage == Stage::Unknown) {
            c.warning(
                u"/context/stage"_s, QStringLiteral("unknown stage \"%1\" (kept as is)").arg(name));
        } else if (stageDirection(stage) == Direction::Outbound) {
            c.error(u"/context/stage"_s,
                QStringLiteral("Stalwart's format is inbound only; \"%1\" is a draft stage")
                    .arg(name));
        } else if (stage == Stage::Auth) {
            c.info(u"/context/stage"_s,
                QStringLiteral("Stalwart lists auth in its configuration but never calls it"));
        }
    }
    if (const Json *client
        = c.check(*context, base, "client", Checker::Object, Severity::Error, false))
        validateStalwartClient(*client, u"/context/client"_s, c);
    if (const Json *sasl
        = c.check(*context, base, "sasl", Checker::Object, Severity::Error, true)) {
        c.check(*sasl, u"/context/sasl"_s, "login", Checker::String, Severity::Error, false);
        if (Checker::member(*sasl, "method"))
            c.info(u"/context/sasl/method"_s, QStringLiteral("Stalwart never fills the method"));
    }
    if (const Json *tls = c.check(*context, base, "tls", Checker::Object, Severity::Error, true)) {
        c.check(*tls, u"/context/tls"_s, "version", Checker::String, Severity::Error, false);
        c.check(*tls, u"/context/tls"_s, "cipher", Checker::String, Severity::Error, false);
        for (const char *key : {"cipherBits", "certIssuer", "certSubject"}) {
            if (Checker::member(*tls, key))
                c.info(memberPointer(u"/context/tls"_s, key),
                    QStringLiteral("Stalwart only sends version and cipher"));
        }
    }
    if (const Json *server = c.check(
            *context, base, "server", Checker::Object, Severity::Error, false, Severity::Warning)) {
        c.check(*server, u"/context/server"_s, "name", Checker::String | Checker::Null,
            Severity::Error, false, Severity::Warning);
        c.check(*server, u"/context/server"_s, "port", Checker::Unsigned, Severity::Error, false,
            Severity::Warning);
        c.check(*server, u"/context/server"_s, "ip", Checker::String | Checker::Null,
            Severity::Error, false, Severity::Warning);
    }
    if (const Json *queue
        = c.check(*context, base, "queue", Checker::Object, Severity::Error, true)) {
        if (stage != Stage::Data)
            c.warning(u"/context/queue"_s, QStringLiteral("Stalwart sends a queue only at data"));
        if (const Json *id
            = c.check(*queue, u"/context/queue"_s, "id", Checker::String, Severity::Error, false)) {
            static const QRegularExpression hex(QStringLiteral("^[0-9a-f]+$"));
            if (!hex.match(toQString(id->get<std::string>())).hasMatch())
                c.info(u"/context/queue/id"_s,
                    QStringLiteral("Stalwart's queue ids are lower-case hex"));
        }
    } else if (stage == Stage::Data && !Checker::member(*context, "queue")) {
        c.warning(u"/context/queue"_s,
            QStringLiteral("Stalwart sends the queue id at data (since 0.9, issue #708)"));
    }
    if (const Json *protocol = c.check(*context, base, "protocol", Checker::Object, Severity::Error,
            false, Severity::Warning)) {
        const Json *version = Checker::member(*protocol, "version");
        if (!version)
            c.warning(u"/context/protocol/version"_s, QStringLiteral("\"version\" is missing"));
        else if (version->is_string())
            c.error(u"/context/protocol/version"_s,
                QStringLiteral("Stalwart sends the integer 1; the string \"%1\" is the "
                               "documentation's (and the drafts') form")
                    .arg(toQString(version->get<std::string>())));
        else if (!version->is_number_integer() || version->get<std::int64_t>() != 1)
            c.error(u"/context/protocol/version"_s, QStringLiteral("must be the integer 1"));
    }
    c.unknownMembers(*context, base,
        {"stage", "client", "sasl", "tls", "server", "queue", "protocol"}, Severity::Info,
        QStringLiteral("Stalwart never sends it"));

    const Json *envelope = Checker::member(root, "envelope");
    if (envelope) {
        if (!envelope->is_object())
            c.error(u"/envelope"_s, QStringLiteral("must be an object {from, to}"));
        else
            validateStalwartEnvelope(*envelope, u"/envelope"_s, stage, c);
        if (stage == Stage::Connect || stage == Stage::Ehlo)
            c.warning(u"/envelope"_s,
                QStringLiteral("there is no envelope before MAIL FROM; Stalwart omits it"));
    } else if (stage == Stage::Mail || stage == Stage::Rcpt || stage == Stage::Data) {
        c.error(u"/envelope"_s,
            QStringLiteral("at %1 Stalwart always sends the envelope").arg(stageName(stage)));
    }
    const Json *message = Checker::member(root, "message");
    if (message) {
        if (!message->is_object())
            c.error(u"/message"_s, QStringLiteral("must be an object {headers, contents, size}"));
        else
            validateStalwartMessage(*message, u"/message"_s, c);
        if (stage != Stage::Data && stage != Stage::Unknown)
            c.warning(u"/message"_s, QStringLiteral("Stalwart sends the message only at data"));
    } else if (stage == Stage::Data) {
        c.error(u"/message"_s, QStringLiteral("at data Stalwart always sends the message"));
    }
}

namespace {

void validateStalwartReply(const Json &reply, const QString &base, Action action, Checker &c)
{
    const Json *status = c.check(reply, base, "status", Checker::Integer | Checker::Null,
        Severity::Error, true, Severity::Info, QStringLiteral("Stalwart rejects the whole answer"));
    if (status && status->is_number_integer()) {
        const qint64 code = status->get<std::int64_t>();
        if (code < 0 || code > 65535)
            c.error(memberPointer(base, "status"),
                QStringLiteral("%1 does not fit Stalwart's u16: the whole answer is rejected")
                    .arg(code));
        else if (code < 200 || code > 599)
            c.warning(memberPointer(base, "status"),
                QStringLiteral("%1 is not an SMTP reply code; Stalwart passes it through "
                               "anyway")
                    .arg(code));
        else if (action == Action::Reject && code < 400)
            c.warning(memberPointer(base, "status"),
                QStringLiteral("a reject with a %1 reply tells the client it succeeded").arg(code));
    }
    const Json *enhanced = c.check(
        reply, base, "enhanced_status", Checker::String | Checker::Null, Severity::Error, true);
    if (Checker::member(reply, "enhancedStatus"))
        c.warning(memberPointer(base, "enhancedStatus"),
            QStringLiteral("Stalwart reads \"enhanced_status\" (snake_case) and silently "
                           "ignores \"enhancedStatus\": the enhanced code is lost"));
    if (enhanced && enhanced->is_string()) {
        const QString text = toQString(enhanced->get<std::string>());
        if (!enhancedCodePattern().match(text).hasMatch())
            c.warning(memberPointer(base, "enhanced_status"),
                QStringLiteral("\"%1\" is not an RFC 3463 code (class.subject.detail)").arg(text));
        else if (status && status->is_number_integer()
            && text.front().digitValue() != int(status->get<std::int64_t>() / 100))
            c.warning(memberPointer(base, "enhanced_status"),
                QStringLiteral("class %1 does not match the reply code %2")
                    .arg(text.front())
                    .arg(status->get<std::int64_t>()));
    }
    const Json *message
        = c.check(reply, base, "message", Checker::String | Checker::Null, Severity::Error, true);
    if (message && message->is_string() && containsLineBreak(message->get<std::string>()))
        c.warning(memberPointer(base, "message"),
            QStringLiteral("line breaks in the reply text end up on the SMTP wire"));
    const bool hasStatus = status && status->is_number_integer();
    const bool hasMessage = message && message->is_string();
    if (hasStatus != hasMessage)
        c.warning(base,
            QStringLiteral("Stalwart uses a custom reply only when both status and "
                           "message are given; the default reply goes out"));
    if (const Json *disconnect = Checker::member(reply, "disconnect")) {
        if (!disconnect->is_boolean())
            c.error(memberPointer(base, "disconnect"),
                QStringLiteral("must be a boolean (null is rejected): the whole answer is "
                               "rejected"));
        else if (disconnect->get<bool>())
            c.info(memberPointer(base, "disconnect"),
                QStringLiteral("Stalwart parses disconnect but never acts on it"));
    }
    if (action == Action::Accept && (hasStatus || hasMessage))
        c.info(base, QStringLiteral("Stalwart ignores the reply of an accept"));
    c.unknownMembers(reply, base,
        {"status", "enhanced_status", "enhancedStatus", "message", "disconnect"}, Severity::Info,
        QStringLiteral("ignored by Stalwart"));
}

void validateModification(const Json &entry, const QString &base, Checker &c)
{
    if (!entry.is_object()) {
        c.error(base, QStringLiteral("a modification is an object with a \"type\""));
        return;
    }
    const Json *typeValue = c.check(entry, base, "type", Checker::String, Severity::Error, false,
        Severity::Error, QStringLiteral("Stalwart rejects the whole answer"));
    if (!typeValue)
        return;
    const QString typeName = toQString(typeValue->get<std::string>());
    const auto type = modificationTypeFromName(typeName);
    if (!type) {
        QString hint;
        if (typeName == QLatin1String("addRcpt"))
            hint = QStringLiteral(" (the documentation's heading; the real name is addRecipient)");
        else if (typeName == QLatin1String("deleteRcpt"))
            hint = QStringLiteral(" (the documentation's heading; the real name is "
                                  "deleteRecipient)");
        c.error(memberPointer(base, "type"),
            QStringLiteral("unknown modification \"%1\"%2: Stalwart rejects the whole answer")
                .arg(typeName, hint));
        return;
    }
    using Type = StalwartModification::Type;
    const bool needsName = *type == Type::AddHeader || *type == Type::InsertHeader
        || *type == Type::ChangeHeader || *type == Type::DeleteHeader;
    const bool needsValue = *type != Type::DeleteHeader;
    const bool needsIndex
        = *type == Type::InsertHeader || *type == Type::ChangeHeader || *type == Type::DeleteHeader;
    const bool takesParameters = *type == Type::ChangeFrom || *type == Type::AddRecipient;
    const QString rejected = QStringLiteral("Stalwart rejects the whole answer");
    const Json *name = needsName ? c.check(entry, base, "name", Checker::String, Severity::Error,
                           false, Severity::Error, rejected)
                                 : nullptr;
    const Json *value = needsValue ? c.check(entry, base, "value", Checker::String, Severity::Error,
                            false, Severity::Error, rejected)
                                   : nullptr;
    if (needsIndex) {
        if (const Json *index = c.check(entry, base, "index", Checker::Unsigned, Severity::Error,
                false, Severity::Error, rejected)) {
            const auto number = index->get<std::uint64_t>();
            if (number > 0xffffffffULL)
                c.error(memberPointer(base, "index"),
                    QStringLiteral("does not fit a u32: %1").arg(rejected));
            else if (number == 0 && *type != Type::InsertHeader)
                c.warning(memberPointer(base, "index"),
                    QStringLiteral("the index is a 1-based occurrence; 0 changes nothing"));
        }
    }
    if (name) {
        const std::string &text = name->get_ref<const std::string &>();
        if (text.empty() || text.find_first_of(": \t\r\n") != std::string::npos)
            c.warning(memberPointer(base, "name"),
                QStringLiteral("not a valid header name: Stalwart writes it anyway and "
                               "corrupts the header block"));
    }
    if (value && needsName && containsLineBreak(value->get<std::string>())) {
        const std::string &text = value->get_ref<const std::string &>();
        const bool folded
            = text.find("\r\n ") != std::string::npos || text.find("\r\n\t") != std::string::npos;
        const bool trailing
            = !text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1;
        if (!folded && !trailing)
            c.warning(memberPointer(base, "value"),
                QStringLiteral("a line break that is not folding injects a new header "
                               "line"));
    }
    if (*type == Type::AddRecipient && value
        && value->get<std::string>().find('@') == std::string::npos)
        c.warning(memberPointer(base, "value"),
            QStringLiteral("Stalwart ignores recipients without '@'"));
    if (*type == Type::DeleteRecipient && value) {
        const QString text = toQString(value->get<std::string>());
        if (text != text.toLower())
            c.warning(memberPointer(base, "value"),
                QStringLiteral("compared exactly with the lower-cased stored address: "
                               "this will not match"));
    }
    if (takesParameters) {
        if (const Json *parameters = Checker::member(entry, "parameters")) {
            if (!parameters->is_object()) {
                c.error(memberPointer(base, "parameters"),
                    QStringLiteral("must be an object of strings (%1 is rejected): %2")
                        .arg(Checker::typeOf(*parameters), rejected));
            } else {
                for (auto it = parameters->begin(); it != parameters->end(); ++it) {
                    if (!it->is_string() && !it->is_null())
                        c.error(
                            pointerAppend(memberPointer(base, "parameters"), toQString(it.key())),
                            QStringLiteral("parameter values must be strings (or null), "
                                           "not %1: %2")
                                .arg(Checker::typeOf(*it), rejected));
                }
            }
        }
    }
    c.unknownMembers(entry, base, {"type", "name", "value", "index", "parameters"}, Severity::Info,
        QStringLiteral("ignored by Stalwart"));
}

} // namespace

void validateStalwartResponse(const Json &root, Stage stage, Checker &c)
{
    if (!root.is_object()) {
        c.error(QString(),
            QStringLiteral("Stalwart expects an object {action, response, "
                           "modifications}, not %1")
                .arg(Checker::typeOf(root)));
        return;
    }
    Action action = Action::None;
    const Json *actionValue = Checker::member(root, "action");
    if (!actionValue) {
        c.error(u"/action"_s,
            root.empty() ? QStringLiteral("{} is not a valid answer: \"action\" is required "
                                          "(use {\"action\":\"accept\"})")
                         : QStringLiteral("\"action\" is required: Stalwart rejects the answer"));
    } else if (!actionValue->is_string()) {
        c.error(u"/action"_s, QStringLiteral("must be a string"));
    } else {
        const QString name = toQString(actionValue->get<std::string>());
        const auto parsed = actionFromName(name);
        if (parsed
            && (*parsed == Action::Accept || *parsed == Action::Reject || *parsed == Action::Discard
                || *parsed == Action::Quarantine)) {
            action = *parsed;
        } else if (actionFromName(name.toLower())) {
            c.error(u"/action"_s, QStringLiteral("\"%1\": actions are exact lower case").arg(name));
        } else if (name == QLatin1String("tempfail")) {
            c.error(u"/action"_s,
                QStringLiteral("there is no tempfail action: answer reject with a 451 reply"));
        } else {
            c.error(u"/action"_s,
                QStringLiteral("\"%1\" is not one of accept, reject, discard, quarantine")
                    .arg(name));
        }
    }
    if (const Json *reply = Checker::member(root, "response")) {
        if (reply->is_object())
            validateStalwartReply(*reply, u"/response"_s, action, c);
        else if (!reply->is_null())
            c.error(u"/response"_s, QStringLiteral("must be an object or null"));
    }
    if (action == Action::Quarantine)
        c.info(u"/action"_s,
            QStringLiteral("Stalwart 0.16 handles a hook's quarantine like discard: the "
                           "client gets 250, the message is not queued"));
    if (const Json *modifications = Checker::member(root, "modifications")) {
        if (modifications->is_null()) {
            c.error(u"/modifications"_s,
                QStringLiteral("null is rejected: omit \"modifications\" instead"));
        } else if (!modifications->is_array()) {
            c.error(u"/modifications"_s, QStringLiteral("must be an array"));
        } else {
            for (std::size_t i = 0; i < modifications->size(); ++i)
                validateModification(
                    (*modifications)[i], pointerAppend(u"/modifications"_s, qsizetype(i)), c);
            if (!modifications->empty() && stage != Stage::Data && stage != Stage::Unknown)
                c.warning(u"/modifications"_s,
                    QStringLiteral("Stalwart applies modifications only at data; at %1 "
                                   "they are ignored")
                        .arg(stageName(stage)));
            if (!modifications->empty() && action != Action::Accept && action != Action::None)
                c.info(u"/modifications"_s,
                    QStringLiteral("modifications apply only when every hook accepts"));
        }
    }
    c.unknownMembers(root, QString(), {"action", "response", "modifications"}, Severity::Info,
        QStringLiteral("ignored by Stalwart"));
}

} // namespace MtaHooks

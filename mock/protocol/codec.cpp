// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/codec.h"

#include "mock/protocol/codec_p.h"
#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/patchengine_p.h"
#include "mock/protocol/validator.h"

#include <algorithm>

namespace MtaHooks {

namespace {

constexpr QByteArrayView utf8Bom("\xEF\xBB\xBF");

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A body opening with '{' or '[' (after a BOM and white space) is JSON or nothing: as CBOR or
// MessagePack those bytes begin a scalar, never an object or array.
bool opensJsonContainer(QByteArrayView body)
{
    qsizetype i = body.startsWith(utf8Bom) ? utf8Bom.size() : 0;
    while (i < body.size() && isWhitespace(body[i]))
        ++i;
    return i < body.size() && (body[i] == '{' || body[i] == '[');
}

Document parseBody(
    QByteArrayView body, Encoding *encoding, QString *error, const DecodeLimits &limits)
{
    if (*encoding != Encoding::Unknown)
        return Document::decode(body, *encoding, error, limits);
    if (opensJsonContainer(body)) {
        // Decoded once, not parsed a first time to sniff it.
        *encoding = Encoding::Json;
        return Document::fromJson(body, error, limits);
    }
    *encoding = sniffEncoding(body, limits);
    if (*encoding == Encoding::Unknown) {
        // Not a JSON/CBOR/MessagePack object or array. As JSON it is either a scalar (valid, and
        // the caller says what is wrong with it) or broken (the parser's complaint is the
        // likeliest intent).
        *encoding = Encoding::Json;
        Document json = Document::fromJson(body, error, limits);
        if (json.isValid() || !error)
            return json;
        // Unless a binary reading stopped at a limit: then that is what the sender is told.
        for (const Encoding binary : {Encoding::Cbor, Encoding::MsgPack}) {
            QString binaryError;
            if (!Document::decode(body, binary, &binaryError, limits).isValid()
                && binaryError.contains(QLatin1String("limit"))) {
                *encoding = binary;
                *error = binaryError;
                break;
            }
        }
        return json;
    }
    return Document::decode(body, *encoding, error, limits);
}

// RFC 8259 §8.1: senders must not add a byte order mark; parsers may ignore it (nlohmann does).
void checkByteOrderMark(QByteArrayView body, Encoding encoding, Problems &problems)
{
    if (encoding == Encoding::Json && body.startsWith(utf8Bom))
        problems.append({QString(), Severity::Warning,
            QStringLiteral("the JSON text starts with a UTF-8 byte order mark, which senders "
                           "must not add (RFC 8259 §8.1); ignored")});
}

} // namespace

Encoding encodingFromContentType(QByteArrayView contentType)
{
    // Views until the case is folded, and folded without a copy when it needs none: this runs
    // for every call (twice), where split() and its list cost more than the comparisons.
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView media
        = (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    const bool folded
        = std::none_of(media.begin(), media.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    const QByteArray type = folded ? QByteArray::fromRawData(media.data(), media.size())
                                   : media.toByteArray().toLower();
    if (type.isEmpty())
        return Encoding::Unknown;
    if (type == "application/cbor")
        return Encoding::Cbor;
    if (type == "application/msgpack" || type == "application/x-msgpack"
        || type == "application/vnd.msgpack")
        return Encoding::MsgPack;
    if (type == "application/json" || type == "application/json-patch+json"
        || type.endsWith("+json") || type == "text/json")
        return Encoding::Json;
    if (type == "message/rfc822")
        return Encoding::Rfc5322;
    return Encoding::Unknown;
}

Encoding sniffEncoding(QByteArrayView body, const DecodeLimits &limits)
{
    if (opensJsonContainer(body)) {
        if (Document::fromJson(body, nullptr, limits).isValid())
            return Encoding::Json;
    }
    if (body.isEmpty())
        return Encoding::Unknown;
    const Document cbor = Document::fromCbor(body, nullptr, limits);
    if (cbor.isObject() || cbor.isArray())
        return Encoding::Cbor;
    const Document msgpack = Document::fromMsgPack(body, nullptr, limits);
    if (msgpack.isObject() || msgpack.isArray())
        return Encoding::MsgPack;
    return Encoding::Unknown;
}

QByteArray contentTypeFor(Encoding encoding)
{
    switch (encoding) {
    case Encoding::Cbor:
        return QByteArrayLiteral("application/cbor");
    case Encoding::MsgPack:
        return QByteArrayLiteral("application/msgpack");
    case Encoding::Rfc5322:
        return QByteArrayLiteral("message/rfc822");
    default:
        return QByteArrayLiteral("application/json");
    }
}

Dialect detectRequestDialect(const Document &document)
{
    if (!document.isObject())
        return Dialect::Unknown;
    const Json &json = jsonOf(document);
    if (json.contains("context"))
        return Dialect::Stalwart;
    if (json.contains("stage"))
        return Dialect::Draft01;
    return Dialect::Unknown;
}

Dialect detectResponseDialect(const Document &document)
{
    if (document.isArray())
        return Dialect::Draft02;
    if (!document.isObject())
        return Dialect::Unknown;
    const Json &json = jsonOf(document);
    if (json.contains("action") || json.contains("modifications"))
        return Dialect::Stalwart;
    if (json.empty() || json.contains("set") || json.contains("add") || json.contains("delete"))
        return Dialect::Draft01;
    return Dialect::Unknown;
}

Document stalwartMessage(const QByteArray &raw)
{
    const MessageParts parts = splitMessage(raw);
    Json headers = Json::array();
    for (const RawHeader &header : parts.headers) {
        headers.push_back(Json::array({QString::fromUtf8(header.name).toStdString(),
            QString::fromUtf8(header.value).toStdString()}));
    }
    return makeDocument(Json {{"headers", std::move(headers)},
        {"contents", QString::fromUtf8(parts.body).toStdString()}, {"size", raw.size()}});
}

HookRequest decodeRequest(
    QByteArrayView body, QByteArrayView contentType, const DecodeOptions &options)
{
    HookRequest request;
    request.encoding = options.encoding != Encoding::Unknown ? options.encoding
                                                             : encodingFromContentType(contentType);
    if (request.encoding == Encoding::Rfc5322)
        request.encoding = Encoding::Unknown;
    if (body.trimmed().isEmpty()) {
        request.problems.append({QString(), Severity::Error, QStringLiteral("empty request body")});
        return request;
    }
    QString error;
    request.document = parseBody(body, &request.encoding, &error, options.limits);
    if (!request.document.isValid()) {
        request.problems.append({QString(), Severity::Error,
            QStringLiteral("not valid %1: %2")
                .arg(encodingName(request.encoding).toUpper(), error)});
        return request;
    }
    checkByteOrderMark(body, request.encoding, request.problems);
    if (!request.document.isObject()) {
        request.problems.append({QString(), Severity::Error,
            QStringLiteral("a hook request is an object, this is %1")
                .arg(request.document.typeName())});
        return request;
    }
    const Dialect detected = detectRequestDialect(request.document);
    request.dialect = options.dialect != Dialect::Unknown ? options.dialect : detected;
    if (request.dialect == Dialect::Unknown) {
        request.problems.append({QString(), Severity::Error,
            QStringLiteral("unknown dialect: neither Stalwart's {context, envelope, message} nor a "
                           "draft document with a top-level \"stage\"")});
        return request;
    }
    if (detected != Dialect::Unknown
        && (detected == Dialect::Stalwart) != (request.dialect == Dialect::Stalwart)) {
        request.problems.append({QString(), Severity::Warning,
            QStringLiteral("decoded as %1 as asked, but the document looks like %2")
                .arg(dialectName(request.dialect), dialectName(detected))});
    }
    const Json &root = jsonOf(request.document);
    if (request.dialect == Dialect::Stalwart)
        extractStalwart(root, request);
    else
        extractDraft(root, request);
    if (request.encoding != Encoding::Json && request.dialect == Dialect::Stalwart) {
        request.problems.append({QString(), Severity::Error,
            QStringLiteral("Stalwart's format is JSON only; this body is %1")
                .arg(encodingName(request.encoding).toUpper())});
    }
    if (request.encoding == Encoding::MsgPack && request.dialect != Dialect::Stalwart) {
        request.problems.append({QString(), Severity::Warning,
            QStringLiteral("MessagePack is not an MTA Hooks serialization "
                           "(the drafts define json and cbor)")});
    }
    request.problems += validateRequest(request.document, request.dialect);
    return request;
}

namespace {

void decodeStalwartResponse(const Json &root, HookResponse &response)
{
    response.action = actionFromName(stringAt(root, "action")).value_or(Action::None);
    const Json &reply = memberOf(root, "response");
    if (reply.is_object()) {
        const Json &status = memberOf(reply, "status");
        if (status.is_number_integer())
            response.status = int(status.get<std::int64_t>());
        const Json &enhanced = memberOf(reply, "enhanced_status");
        if (enhanced.is_string())
            response.enhancedStatus = toQString(enhanced.get<std::string>());
        const Json &message = memberOf(reply, "message");
        if (message.is_string())
            response.replyMessage = toQString(message.get<std::string>());
        response.disconnect = memberOf(reply, "disconnect").is_boolean()
            && memberOf(reply, "disconnect").get<bool>();
    }
    const Json &modifications = memberOf(root, "modifications");
    if (!modifications.is_array())
        return;
    for (std::size_t i = 0; i < modifications.size(); ++i) {
        const Json &entry = modifications[i];
        const auto type = modificationTypeFromName(stringAt(entry, "type"));
        if (!type)
            continue;
        StalwartModification modification;
        modification.type = *type;
        modification.pointer = QStringLiteral("/modifications/%1").arg(i);
        modification.name = stringAt(entry, "name");
        modification.value = stringAt(entry, "value");
        modification.index = integerAt(entry, "index");
        const Json &parameters = memberOf(entry, "parameters");
        if (parameters.is_object()) {
            for (auto it = parameters.begin(); it != parameters.end(); ++it) {
                std::optional<QString> value;
                if (it->is_string())
                    value = toQString(it->get<std::string>());
                modification.parameters.append({toQString(it.key()), value});
            }
        }
        response.modifications.append(modification);
    }
}

PatchOperation operationOf(const Json &entry, PatchOperation::Op op, const QString &pointer)
{
    PatchOperation operation;
    operation.op = op;
    operation.pointer = pointer;
    operation.path = stringAt(entry, "path");
    operation.from = stringAt(entry, "from");
    if (entry.is_object() && entry.contains("value"))
        operation.value = makeDocument(entry["value"]);
    const Json &index = memberOf(entry, "index");
    if (index.is_number_integer())
        operation.index = index.get<std::int64_t>();
    return operation;
}

void decodeDraft01Response(const Json &root, HookResponse &response)
{
    const std::pair<const char *, PatchOperation::Op> lists[] = {
        {"set", PatchOperation::Op::Set},
        {"add", PatchOperation::Op::Add},
        {"delete", PatchOperation::Op::Delete},
    };
    for (const auto &[key, op] : lists) {
        const Json &list = memberOf(root, key);
        if (!list.is_array())
            continue;
        for (std::size_t i = 0; i < list.size(); ++i) {
            response.operations.append(
                operationOf(list[i], op, QStringLiteral("/%1/%2").arg(QLatin1String(key)).arg(i)));
        }
    }
}

void decodeDraft02Response(const Json &root, HookResponse &response)
{
    const std::pair<const char *, PatchOperation::Op> ops[] = {
        {"add", PatchOperation::Op::Add},
        {"remove", PatchOperation::Op::Remove},
        {"replace", PatchOperation::Op::Replace},
        {"move", PatchOperation::Op::Move},
        {"copy", PatchOperation::Op::Copy},
        {"test", PatchOperation::Op::Test},
    };
    for (std::size_t i = 0; i < root.size(); ++i) {
        const QString name = stringAt(root[i], "op");
        for (const auto &[key, op] : ops) {
            if (name == QLatin1String(key)) {
                response.operations.append(operationOf(root[i], op, QStringLiteral("/%1").arg(i)));
                break;
            }
        }
    }
}

} // namespace

HookResponse decodeResponse(
    QByteArrayView body, QByteArrayView contentType, int httpStatus, const DecodeOptions &options)
{
    HookResponse response;
    response.httpStatus = httpStatus;
    response.encoding = options.encoding != Encoding::Unknown
        ? options.encoding
        : encodingFromContentType(contentType);
    response.emptyBody = body.trimmed().isEmpty();
    const Dialect context
        = options.dialect != Dialect::Unknown ? options.dialect : options.requestDialect;
    const bool draftRequest = context == Dialect::Draft01 || context == Dialect::Draft02;

    if (response.emptyBody) {
        response.dialect = context;
        if (draftRequest && (httpStatus == 204 || httpStatus == 200)) {
            response.document = Document::emptyObject();
            if (httpStatus == 200) {
                response.malformed = true;
                response.problems.append({QString(), Severity::Error,
                    QStringLiteral("HTTP 200 with an empty body: the drafts want a patch "
                                   "document or 204 No Content")});
            }
        } else {
            response.malformed = true;
            response.problems.append({QString(), Severity::Error,
                context == Dialect::Stalwart
                    ? QStringLiteral("empty body: Stalwart treats an empty answer (even 204) as "
                                     "a hook error and tempfails")
                    : QStringLiteral("empty response body")});
        }
        return response;
    }

    QString error;
    response.document = parseBody(body, &response.encoding, &error, options.limits);
    if (!response.document.isValid()) {
        response.dialect = context;
        response.malformed = true;
        response.problems.append({QString(), Severity::Error,
            QStringLiteral("not valid %1: %2")
                .arg(encodingName(response.encoding).toUpper(), error)});
        return response;
    }
    checkByteOrderMark(body, response.encoding, response.problems);
    const Dialect detected = detectResponseDialect(response.document);
    const bool detectedDraft = detected == Dialect::Draft01 || detected == Dialect::Draft02;
    if (options.dialect != Dialect::Unknown)
        response.dialect = options.dialect;
    else if (options.requestDialect == Dialect::Stalwart)
        response.dialect = Dialect::Stalwart; // Stalwart reads every answer as its own format
    else if (draftRequest)
        response.dialect = detectedDraft ? detected : options.requestDialect;
    else
        response.dialect = detected;
    if (response.dialect == Dialect::Unknown) {
        response.malformed = true;
        response.problems.append({QString(), Severity::Error,
            QStringLiteral("unknown dialect: neither Stalwart's {action, …}, draft-01's "
                           "{set, add, delete} nor a draft-02 JSON Patch array")});
        return response;
    }
    if (httpStatus < 200 || httpStatus > 299) {
        response.malformed = true;
        response.problems.append({QString(), Severity::Error,
            QStringLiteral("HTTP %1: only 2xx answers are applied").arg(httpStatus)});
    }
    if (response.dialect == Dialect::Stalwart && response.encoding != Encoding::Json) {
        response.malformed = true;
        response.problems.append({QString(), Severity::Error,
            QStringLiteral("Stalwart parses answers as JSON only; this body is %1 (a hook error)")
                .arg(encodingName(response.encoding).toUpper())});
    }
    const Json &root = jsonOf(response.document);
    switch (response.dialect) {
    case Dialect::Stalwart:
        decodeStalwartResponse(root, response);
        break;
    case Dialect::Draft01:
        decodeDraft01Response(root, response);
        break;
    case Dialect::Draft02:
        if (root.is_array())
            decodeDraft02Response(root, response);
        break;
    case Dialect::Unknown:
        break;
    }
    const Problems found
        = validateResponse(response.document, response.dialect, options.requestStage);
    response.problems += found;
    if (hasErrors(found))
        response.malformed = true;
    return response;
}

} // namespace MtaHooks

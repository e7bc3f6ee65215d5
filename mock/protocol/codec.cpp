// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/codec.h"

#include "mock/protocol/jsonmapping_p.h"
#include "mock/protocol/logging.h"
#include "mock/protocol/patchengine_p.h"
#include "mock/protocol/validator.h"

namespace MtaHooks {

namespace {

QString stringAt(const Json &object, const char *key)
{
    if (!object.is_object())
        return {};
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return toQString(it->get_ref<const std::string &>());
}

qint64 integerAt(const Json &object, const char *key, qint64 fallback = 0)
{
    if (!object.is_object())
        return fallback;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return fallback;
    return it->get<std::int64_t>();
}

const Json &memberOf(const Json &object, const char *key)
{
    static const Json null;
    if (!object.is_object())
        return null;
    auto it = object.find(key);
    return it == object.end() ? null : *it;
}

Parameters parametersOf(const Json &object)
{
    Parameters result;
    if (!object.is_object())
        return result;
    for (auto it = object.begin(); it != object.end(); ++it) {
        QString value;
        if (it->is_string())
            value = toQString(it->get_ref<const std::string &>());
        else if (!it->is_null())
            value = toQString(it->dump());
        result.append({toQString(it.key()), value});
    }
    return result;
}

EnvelopeAddress addressOf(const Json &object)
{
    EnvelopeAddress address;
    const Json &value = memberOf(object, "address");
    address.isNullSender = value.is_null() && object.is_object() && object.contains("address");
    address.address = stringAt(object, "address");
    address.parameters = parametersOf(memberOf(object, "parameters"));
    address.status = stringAt(object, "status");
    address.attempt = int(integerAt(object, "attempt"));
    return address;
}

} // namespace

Envelope envelopeFromJson(const Json &object)
{
    Envelope envelope;
    if (!object.is_object())
        return envelope;
    envelope.present = true;
    envelope.from = addressOf(memberOf(object, "from"));
    const Json &to = memberOf(object, "to");
    if (to.is_array()) {
        for (const Json &entry : to)
            envelope.to.append(addressOf(entry));
    }
    return envelope;
}

namespace {

void extractStalwart(const Json &root, HookRequest &request)
{
    const Json &context = memberOf(root, "context");
    request.stageName = stringAt(context, "stage");
    request.stage = stageFromName(request.stageName);

    const Json &client = memberOf(context, "client");
    request.client.ip = stringAt(client, "ip");
    request.client.port = int(integerAt(client, "port"));
    request.client.ptr = stringAt(client, "ptr");
    request.client.ehlo = stringAt(client, "helo");

    const Json &sasl = memberOf(context, "sasl");
    request.auth.present = sasl.is_object();
    request.auth.login = stringAt(sasl, "login");
    request.auth.method = stringAt(sasl, "method");

    const Json &tls = memberOf(context, "tls");
    request.tls.present = tls.is_object();
    request.tls.version = stringAt(tls, "version");
    request.tls.cipher = stringAt(tls, "cipher");
    request.tls.cipherBits = int(integerAt(tls, "cipherBits"));
    request.tls.certIssuer = stringAt(tls, "certIssuer");
    request.tls.certSubject = stringAt(tls, "certSubject");

    const Json &server = memberOf(context, "server");
    request.server.name = stringAt(server, "name");
    request.server.ip = stringAt(server, "ip");
    request.server.port = int(integerAt(server, "port"));

    request.queueId = stringAt(memberOf(context, "queue"), "id");
    request.envelope = envelopeFromJson(memberOf(root, "envelope"));

    const Json &message = memberOf(root, "message");
    if (message.is_object()) {
        request.hasMessage = true;
        request.rawMessage = stalwartRawMessage(makeDocument(root));
        request.declaredSize = integerAt(message, "size", -1);
    }
}

// Drafts without rawMessage carry only the JMAP Email: rebuild a raw message from its raw header
// values and, for a single-part message, its body value. Anything richer cannot be rebuilt
// faithfully and is reported.
QByteArray rawFromJmap(const Json &message, Problems &problems)
{
    const Json &headers = memberOf(message, "headers");
    if (!headers.is_array()) {
        problems.append({QStringLiteral("/message"), Severity::Info,
            QStringLiteral("no rawMessage and no /message/headers: the raw message cannot be "
                           "rebuilt from the JMAP message")});
        return {};
    }
    QByteArray raw;
    for (const Json &header : headers) {
        raw += stringAt(header, "name").toUtf8() + ':' + stringAt(header, "value").toUtf8()
            + "\r\n";
    }
    raw += "\r\n";
    const Json &structure = memberOf(message, "bodyStructure");
    const Json &values = memberOf(message, "bodyValues");
    const QString partId = stringAt(structure, "partId");
    if (structure.is_object() && !structure.contains("subParts") && !partId.isEmpty()) {
        const Json &blob = memberOf(structure, "blob");
        if (blob.is_binary() || blob.is_string()) {
            raw += makeDocument(blob).toBytes();
        } else {
            const Json &value = memberOf(values, partId.toUtf8().constData());
            raw += stringAt(value, "value").toUtf8();
        }
    } else {
        problems.append({QStringLiteral("/message"), Severity::Info,
            QStringLiteral("no rawMessage: the multipart body cannot be rebuilt from "
                           "the JMAP message, only its headers")});
    }
    return raw;
}

void extractDraft(const Json &root, HookRequest &request)
{
    request.stageName = stringAt(root, "stage");
    request.stage = stageFromName(request.stageName);
    request.action = actionFromName(stringAt(root, "action")).value_or(Action::None);
    request.timestamp = stringAt(root, "timestamp");

    const Json &response = memberOf(root, "response");
    request.reply.code = int(integerAt(response, "code"));
    request.reply.enhancedCode = stringAt(response, "enhancedCode");
    request.reply.message = stringAt(response, "message");

    const Json &client = memberOf(root, "client");
    request.client.ip = stringAt(client, "ip");
    request.client.port = int(integerAt(client, "port"));
    request.client.ptr = stringAt(client, "ptr");
    request.client.ehlo = stringAt(client, "ehlo");
    request.client.country = stringAt(client, "country");
    request.client.asn = integerAt(client, "asn");

    const Json &auth = memberOf(root, "auth");
    request.auth.present = auth.is_object();
    request.auth.login = stringAt(auth, "login");
    request.auth.method = stringAt(auth, "method");

    const Json &tls = memberOf(root, "tls");
    request.tls.present = tls.is_object();
    request.tls.version = stringAt(tls, "version");
    request.tls.cipher = stringAt(tls, "cipher");
    request.tls.cipherBits = int(integerAt(tls, "cipherBits"));
    request.tls.certIssuer = stringAt(tls, "certIssuer");
    request.tls.certSubject = stringAt(tls, "certSubject");

    const Json &server = memberOf(root, "server");
    request.server.name = stringAt(server, "name");
    request.server.ip = stringAt(server, "ip");
    request.server.port = int(integerAt(server, "port"));

    request.queueId = stringAt(memberOf(root, "queue"), "id");
    request.envelope = envelopeFromJson(memberOf(root, "envelope"));

    const Json &raw = memberOf(root, "rawMessage");
    const Json &message = memberOf(root, "message");
    if (raw.is_string() || raw.is_binary()) {
        request.hasMessage = true;
        request.rawMessage = makeDocument(raw).toBytes();
    } else if (message.is_object()) {
        request.hasMessage = true;
        request.rawMessage = rawFromJmap(message, request.problems);
    }
    if (message.is_object())
        request.declaredSize = integerAt(message, "size", -1);
}

Document parseBody(QByteArrayView body, Encoding *encoding, QString *error)
{
    if (*encoding != Encoding::Unknown)
        return Document::decode(body, *encoding, error);
    *encoding = sniffEncoding(body);
    if (*encoding == Encoding::Unknown) {
        // Report the JSON parser's complaint: it is the likeliest intent.
        Document::fromJson(body, error);
        *encoding = Encoding::Json;
        return Document::invalid();
    }
    return Document::decode(body, *encoding, error);
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

Encoding encodingFromContentType(QByteArrayView contentType)
{
    const QByteArray type = contentType.toByteArray().split(';').first().trimmed().toLower();
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

Encoding sniffEncoding(QByteArrayView body)
{
    qsizetype i = 0;
    while (i < body.size() && isWhitespace(body[i]))
        ++i;
    if (i < body.size() && (body[i] == '{' || body[i] == '[')) {
        if (Document::fromJson(body).isValid())
            return Encoding::Json;
    }
    if (body.isEmpty())
        return Encoding::Unknown;
    const Document cbor = Document::fromCbor(body);
    if (cbor.isObject() || cbor.isArray())
        return Encoding::Cbor;
    const Document msgpack = Document::fromMsgPack(body);
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

QByteArray stalwartRawMessage(const Document &request)
{
    const Json &message = memberOf(jsonOf(request), "message");
    QByteArray raw;
    const Json &headers = memberOf(message, "headers");
    if (headers.is_array()) {
        for (const Json &pair : headers) {
            if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()
                || !pair[1].is_string())
                continue;
            raw += QByteArray::fromStdString(pair[0].get<std::string>()) + ':'
                + QByteArray::fromStdString(pair[1].get<std::string>());
        }
    }
    raw += "\r\n";
    const Json &contents = memberOf(message, "contents");
    if (contents.is_string())
        raw += QByteArray::fromStdString(contents.get<std::string>());
    return raw;
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
    request.document = parseBody(body, &request.encoding, &error);
    if (!request.document.isValid()) {
        request.problems.append({QString(), Severity::Error,
            QStringLiteral("not valid %1: %2")
                .arg(encodingName(request.encoding).toUpper(), error)});
        return request;
    }
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
    response.document = parseBody(body, &response.encoding, &error);
    if (!response.document.isValid()) {
        response.dialect = context;
        response.malformed = true;
        response.problems.append({QString(), Severity::Error,
            QStringLiteral("not valid %1: %2")
                .arg(encodingName(response.encoding).toUpper(), error)});
        return response;
    }
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

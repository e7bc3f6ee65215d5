// SPDX-License-Identifier: GPL-3.0-or-later
// What a decoded request says, whatever its dialect: stage, envelope, client, TLS, SASL, queue and
// the raw message (Stalwart's headers and contents rebuilt, the drafts' rawMessage decoded).
#include "mock/protocol/codec.h"

#include "mock/protocol/codec_p.h"
#include "mock/protocol/patchengine_p.h"

namespace MtaHooks {

namespace {

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
            raw += bytesOf(blob);
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

// The raw message of a Stalwart request's "message" member, sized first and filled straight
// from the document's strings: a 50 MB message is copied once, where copying the document and
// each string on the way took three more copies at the same moment (issue 9: bounded memory).
QByteArray rawOfStalwartMessage(const Json &root)
{
    const Json &message = memberOf(root, "message");
    const Json &headers = memberOf(message, "headers");
    const Json &contents = memberOf(message, "contents");
    const auto text = [](const Json &value) -> const std::string & {
        return value.get_ref<const std::string &>();
    };
    const auto isField = [](const Json &pair) {
        return pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string();
    };
    qsizetype size = 2 + (contents.is_string() ? qsizetype(text(contents).size()) : 0);
    if (headers.is_array()) {
        for (const Json &pair : headers) {
            if (isField(pair))
                size += qsizetype(text(pair[0]).size() + 1 + text(pair[1]).size());
        }
    }
    QByteArray raw;
    raw.reserve(size);
    const auto append
        = [&raw](const std::string &bytes) { raw.append(bytes.data(), qsizetype(bytes.size())); };
    if (headers.is_array()) {
        for (const Json &pair : headers) {
            if (!isField(pair))
                continue;
            append(text(pair[0]));
            raw += ':';
            append(text(pair[1]));
        }
    }
    raw += "\r\n";
    if (contents.is_string())
        append(text(contents));
    return raw;
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

// Authentication, TLS, server and queue: the same members in both generations, under Stalwart's
// "context" or at the drafts' top level; only the authentication member's name differs.
void extractConnection(const Json &holder, const char *authMember, HookRequest &request)
{
    const Json &auth = memberOf(holder, authMember);
    request.auth.present = auth.is_object();
    request.auth.login = stringAt(auth, "login");
    request.auth.method = stringAt(auth, "method");

    const Json &tls = memberOf(holder, "tls");
    request.tls.present = tls.is_object();
    request.tls.version = stringAt(tls, "version");
    request.tls.cipher = stringAt(tls, "cipher");
    request.tls.cipherBits = int(integerAt(tls, "cipherBits"));
    request.tls.certIssuer = stringAt(tls, "certIssuer");
    request.tls.certSubject = stringAt(tls, "certSubject");

    const Json &server = memberOf(holder, "server");
    request.server.name = stringAt(server, "name");
    request.server.ip = stringAt(server, "ip");
    request.server.port = int(integerAt(server, "port"));

    request.queueId = stringAt(memberOf(holder, "queue"), "id");
}

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

    extractConnection(context, "sasl", request);
    request.envelope = envelopeFromJson(memberOf(root, "envelope"));

    const Json &message = memberOf(root, "message");
    if (message.is_object()) {
        request.hasMessage = true;
        request.rawMessage = rawOfStalwartMessage(root);
        request.declaredSize = integerAt(message, "size", -1);
    }
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

    extractConnection(root, "auth", request);
    request.envelope = envelopeFromJson(memberOf(root, "envelope"));

    const Json &raw = memberOf(root, "rawMessage");
    const Json &message = memberOf(root, "message");
    if (raw.is_string() || raw.is_binary()) {
        request.hasMessage = true;
        // Straight from the parsed value: a Document of it would copy megabytes first.
        if (raw.is_binary()) {
            const auto &bytes = raw.get_binary();
            request.rawMessage
                = QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
        } else {
            const std::string &text = raw.get_ref<const std::string &>();
            request.rawMessage = decodeBase64(QByteArrayView(text.data(), qsizetype(text.size())))
                                     .value_or(QByteArray());
        }
    } else if (message.is_object()) {
        request.hasMessage = true;
        request.rawMessage = rawFromJmap(message, request.problems);
    }
    if (message.is_object())
        request.declaredSize = integerAt(message, "size", -1);
}

QByteArray stalwartRawMessage(const Document &request)
{
    return rawOfStalwartMessage(jsonOf(request));
}

} // namespace MtaHooks

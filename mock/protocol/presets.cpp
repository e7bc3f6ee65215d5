// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/presets.h"

#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/jsonmapping_p.h"

#include <array>

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

constexpr std::array<std::pair<Preset, const char *>, 10> presetNames {{
    {Preset::Accept, "accept"},
    {Preset::Reject, "reject"},
    {Preset::Tempfail, "tempfail"},
    {Preset::Discard, "discard"},
    {Preset::Quarantine, "quarantine"},
    {Preset::Disconnect, "disconnect"},
    {Preset::AddHeader, "add-header"},
    {Preset::TagSubject, "tag-subject"},
    {Preset::DropRecipient, "drop-recipient"},
    {Preset::ReplaceBody, "replace-body"},
}};

const char *const replacedBody = "This message was replaced by Hookscope.\r\n";

QString subjectOf(const HookRequest &request)
{
    if (const auto subject = request.document.find(u"/message/subject");
        subject && subject->isString())
        return subject->toString();
    const MessageParts parts = splitMessage(request.rawMessage);
    for (const RawHeader &header : parts.headers) {
        if (header.name.compare("Subject", Qt::CaseInsensitive) == 0)
            return QString::fromUtf8(header.value).simplified();
    }
    return {};
}

Json stalwartReply(int status, const char *enhanced, const char *message)
{
    return Json {{"status", status}, {"enhanced_status", enhanced}, {"message", message},
        {"disconnect", false}};
}

Json draftReply(int code, const char *enhanced, const char *message)
{
    return Json {{"code", code}, {"enhancedCode", enhanced}, {"message", message}};
}

Json stalwartAnswer(Preset preset, const HookRequest &request)
{
    switch (preset) {
    case Preset::Accept:
        return Json {{"action", "accept"}};
    case Preset::Reject:
        return Json {
            {"action", "reject"}, {"response", stalwartReply(550, "5.7.1", "Rejected by policy")}};
    case Preset::Tempfail:
        return Json {
            {"action", "reject"}, {"response", stalwartReply(451, "4.7.1", "Try again later")}};
    case Preset::Disconnect:
        return Json {
            {"action", "reject"}, {"response", stalwartReply(421, "4.7.0", "Closing connection")}};
    case Preset::Discard:
        return Json {{"action", "discard"}};
    case Preset::Quarantine:
        return Json {{"action", "quarantine"}};
    case Preset::AddHeader:
        return Json {{"action", "accept"},
            {"modifications",
                Json::array({Json {
                    {"type", "addHeader"}, {"name", "X-Hookscope"}, {"value", "scanned"}}})}};
    case Preset::TagSubject:
        return Json {{"action", "accept"},
            {"modifications",
                Json::array({Json {{"type", "changeHeader"}, {"index", 1}, {"name", "Subject"},
                    {"value", QString(u"[SPAM] "_s + subjectOf(request)).toStdString()}}})}};
    case Preset::DropRecipient: {
        if (request.envelope.to.isEmpty())
            return Json {{"action", "accept"}};
        return Json {{"action", "accept"},
            {"modifications",
                Json::array({Json {{"type", "deleteRecipient"},
                    {"value", request.envelope.to.last().address.toStdString()}}})}};
    }
    case Preset::ReplaceBody:
        return Json {{"action", "accept"},
            {"modifications",
                Json::array({Json {{"type", "replaceContents"}, {"value", replacedBody}}})}};
    }
    return Json {{"action", "accept"}};
}

// Draft edits as (op, path, value) triples; -01 groups them by list, -02 writes RFC 6902.
struct Edit
{
    const char *op; // "set", "add", "delete"
    std::string path;
    Json value;
    std::optional<int> index; // -01 add into an array
};

QList<Edit> draftEdits(Preset preset, const HookRequest &request)
{
    const bool outbound = request.direction() == Direction::Outbound;
    switch (preset) {
    case Preset::Accept:
        return {};
    case Preset::Reject:
        if (outbound)
            return {{"set", "/action", "cancel", std::nullopt}};
        return {{"set", "/action", "reject", std::nullopt},
            {"set", "/response", draftReply(550, "5.7.1", "Rejected by policy"), std::nullopt}};
    case Preset::Tempfail:
        if (outbound)
            return {{"set", "/action", "cancel", std::nullopt}};
        return {{"set", "/action", "reject", std::nullopt},
            {"set", "/response", draftReply(451, "4.7.1", "Try again later"), std::nullopt}};
    case Preset::Discard:
        return {{"set", "/action", outbound ? "cancel" : "discard", std::nullopt}};
    case Preset::Quarantine:
        return {{"set", "/action", outbound ? "continue" : "quarantine", std::nullopt}};
    case Preset::Disconnect:
        return {{"set", "/action", outbound ? "cancel" : "disconnect", std::nullopt}};
    case Preset::AddHeader:
        return {
            {"add", "/message/headers", Json {{"name", "X-Hookscope"}, {"value", " scanned"}}, 0}};
    case Preset::TagSubject:
        return {{"set", "/message/subject",
            QString(u"[SPAM] "_s + subjectOf(request)).toStdString(), std::nullopt}};
    case Preset::DropRecipient:
        if (request.envelope.to.isEmpty())
            return {};
        if (outbound)
            return {{"set",
                "/envelope/to/" + std::to_string(request.envelope.to.size() - 1) + "/status",
                "failed-silent", std::nullopt}};
        return {{"delete", "/envelope/to/" + std::to_string(request.envelope.to.size() - 1), Json(),
            std::nullopt}};
    case Preset::ReplaceBody: {
        const MessageParts parts = splitMessage(request.rawMessage);
        const QByteArray raw = parts.headerBlock + replacedBody;
        return {{"set", "/rawMessage", raw.toBase64().toStdString(), std::nullopt}};
    }
    }
    return {};
}

Json draft01Answer(const QList<Edit> &edits)
{
    Json answer = Json::object();
    for (const char *list : {"set", "add", "delete"}) {
        Json entries = Json::array();
        for (const Edit &edit : edits) {
            if (qstrcmp(edit.op, list) != 0)
                continue;
            Json entry {{"path", edit.path}};
            if (qstrcmp(list, "delete") != 0)
                entry["value"] = edit.value;
            if (edit.index)
                entry["index"] = *edit.index;
            entries.push_back(std::move(entry));
        }
        if (!entries.empty())
            answer[list] = std::move(entries);
    }
    return answer;
}

Json draft02Answer(const QList<Edit> &edits, const HookRequest &request)
{
    Json patch = Json::array();
    for (const Edit &edit : edits) {
        const QString path = QString::fromStdString(edit.path);
        if (qstrcmp(edit.op, "delete") == 0) {
            patch.push_back(Json {{"op", "remove"}, {"path", edit.path}});
        } else if (qstrcmp(edit.op, "add") == 0) {
            const std::string target
                = edit.path + "/" + (edit.index ? std::to_string(*edit.index) : std::string("-"));
            patch.push_back(Json {{"op", "add"}, {"path", target}, {"value", edit.value}});
        } else {
            // replace needs an existing member; add also creates it (RFC 6902 §4.1).
            const bool exists = request.document.contains(path);
            patch.push_back(Json {
                {"op", exists ? "replace" : "add"}, {"path", edit.path}, {"value", edit.value}});
        }
    }
    return patch;
}

} // namespace

QString presetName(Preset preset)
{
    for (const auto &[candidate, name] : presetNames) {
        if (candidate == preset)
            return QString::fromLatin1(name);
    }
    return {};
}

std::optional<Preset> presetFromName(QStringView name)
{
    for (const auto &[candidate, text] : presetNames) {
        if (name == QLatin1String(text))
            return candidate;
    }
    return std::nullopt;
}

QList<Preset> allPresets()
{
    QList<Preset> result;
    for (const auto &entry : presetNames)
        result.append(entry.first);
    return result;
}

QString presetDescription(Preset preset)
{
    switch (preset) {
    case Preset::Accept:
        return u"Accept"_s;
    case Preset::Reject:
        return u"Reject 550 5.7.1"_s;
    case Preset::Tempfail:
        return u"Tempfail 451 4.7.1"_s;
    case Preset::Discard:
        return u"Discard (the client sees success)"_s;
    case Preset::Quarantine:
        return u"Quarantine"_s;
    case Preset::Disconnect:
        return u"Disconnect"_s;
    case Preset::AddHeader:
        return u"Add header X-Hookscope"_s;
    case Preset::TagSubject:
        return u"Tag the subject [SPAM]"_s;
    case Preset::DropRecipient:
        return u"Drop the last recipient"_s;
    case Preset::ReplaceBody:
        return u"Replace the body"_s;
    }
    return {};
}

Document presetAnswer(Preset preset, Dialect dialect, const HookRequest &request)
{
    switch (dialect) {
    case Dialect::Stalwart:
        return makeDocument(stalwartAnswer(preset, request));
    case Dialect::Draft02:
        return makeDocument(draft02Answer(draftEdits(preset, request), request));
    default:
        return makeDocument(draft01Answer(draftEdits(preset, request)));
    }
}

QByteArray encodeAnswer(const Document &answer, Dialect dialect, Encoding encoding)
{
    if (encoding != Encoding::Cbor)
        return answer.toJson();
    if (dialect == Dialect::Stalwart)
        return answer.toCbor();
    Json json = jsonOf(answer);
    auto toBytes = [](Json &entry) {
        if (!entry.is_object())
            return;
        auto path = entry.find("path");
        auto value = entry.find("value");
        if (path == entry.end() || value == entry.end() || !value->is_string()
            || *path != "/rawMessage")
            return;
        const std::string &text = value->get_ref<const std::string &>();
        const auto decoded
            = QByteArray::fromBase64Encoding(QByteArray(text.data(), qsizetype(text.size())),
                QByteArray::AbortOnBase64DecodingErrors);
        if (decoded)
            *value = Json::binary(
                std::vector<std::uint8_t>(decoded.decoded.cbegin(), decoded.decoded.cend()));
    };
    if (json.is_array()) {
        for (Json &entry : json)
            toBytes(entry);
    } else if (json.is_object()) {
        for (auto &list : json) {
            if (list.is_array()) {
                for (Json &entry : list)
                    toBytes(entry);
            }
        }
    }
    return makeDocument(std::move(json)).toCbor();
}

Dialect answerDialectFor(Dialect requestDialect, Dialect draftPreference)
{
    if (requestDialect == Dialect::Stalwart)
        return Dialect::Stalwart;
    if (requestDialect == Dialect::Draft02)
        return Dialect::Draft02;
    return draftPreference == Dialect::Draft02 ? Dialect::Draft02 : Dialect::Draft01;
}

} // namespace MtaHooks

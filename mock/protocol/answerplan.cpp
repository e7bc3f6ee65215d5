// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/answerplan.h"

#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/jsonmapping_p.h"

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

using PlanVerdict = AnswerPlan::Verdict;
using EditKind = AnswerPlan::Edit::Kind;

std::string text(const QString &value)
{
    return value.toStdString();
}

bool hasReply(PlanVerdict verdict)
{
    return verdict == PlanVerdict::Reject || verdict == PlanVerdict::Tempfail
        || verdict == PlanVerdict::Disconnect;
}

SmtpReply replyOf(const AnswerPlan &plan)
{
    return plan.reply.isEmpty() ? verdictReply(plan.verdict) : plan.reply;
}

bool hasBodyReplacement(const AnswerPlan &plan)
{
    return std::any_of(plan.edits.cbegin(), plan.edits.cend(),
        [](const AnswerPlan::Edit &edit) { return edit.kind == EditKind::ReplaceBody; });
}

// Header fields of the request's message, by name, as (position, field) in order.
QList<int> headerPositions(const QList<RawHeader> &headers, const QString &name)
{
    QList<int> positions;
    for (int i = 0; i < headers.size(); ++i) {
        if (QString::fromUtf8(headers.at(i).name).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            positions.append(i);
    }
    return positions;
}

// ---- Stalwart: "modifications" (protocol reference §c.1) ----

Json stalwartModification(const char *type, const QString &name, const QString &value, int index)
{
    Json modification {{"type", type}, {"name", text(name)}};
    if (index > 0)
        modification["index"] = index;
    if (qstrcmp(type, "deleteHeader") != 0)
        modification["value"] = text(value);
    return modification;
}

Json stalwartAnswer(const AnswerPlan &plan, const HookRequest &request)
{
    static const char *const actions[]
        = {"accept", "reject", "reject", "discard", "quarantine", "reject"};
    Json answer {{"action", actions[int(plan.verdict)]}};
    if (hasReply(plan.verdict)) {
        const SmtpReply reply = replyOf(plan);
        answer["response"]
            = Json {{"status", reply.code}, {"enhanced_status", text(reply.enhancedCode)},
                {"message", text(reply.message)}, {"disconnect", false}};
    }
    const QList<RawHeader> headers = headerFields(request.rawMessage);
    Json modifications = Json::array();
    for (const AnswerPlan::Edit &edit : plan.edits) {
        switch (edit.kind) {
        case EditKind::AddHeader:
            modifications.push_back(stalwartModification("addHeader", edit.name, edit.value, 0));
            break;
        case EditKind::SetHeader:
        case EditKind::SetSubject: {
            // changeHeader adds the field at the top when the message has none of that name.
            const QString name = edit.kind == EditKind::SetSubject ? u"Subject"_s : edit.name;
            modifications.push_back(stalwartModification("changeHeader", name, edit.value, 1));
            break;
        }
        case EditKind::RemoveHeader: {
            // Highest occurrence first, so the numbers hold however the batch is applied.
            const qsizetype count = headerPositions(headers, edit.name).size();
            for (qsizetype n = count; n >= 1; --n)
                modifications.push_back(
                    stalwartModification("deleteHeader", edit.name, {}, int(n)));
            break;
        }
        case EditKind::AddRecipient:
            modifications.push_back(Json {{"type", "addRecipient"}, {"value", text(edit.name)}});
            break;
        case EditKind::RemoveRecipient:
            // Stalwart compares with its stored lower-case address.
            modifications.push_back(
                Json {{"type", "deleteRecipient"}, {"value", text(edit.name.toLower())}});
            break;
        case EditKind::ReplaceBody:
            modifications.push_back(
                Json {{"type", "replaceContents"}, {"value", text(edit.value)}});
            break;
        }
    }
    if (!modifications.empty())
        answer["modifications"] = std::move(modifications);
    return answer;
}

// ---- The drafts: (op, path, value) edits; -01 groups them by list, -02 writes RFC 6902 ----

struct DraftEdit
{
    const char *op; // "set", "add", "delete"
    std::string path;
    Json value;
    std::optional<int> index; // -01 add into an array
};

Json headerEntry(const QString &name, const QString &value)
{
    // The JMAP raw form the requests use: the value as it follows the colon, leading space kept.
    return Json {{"name", text(name)}, {"value", text(u' ' + value)}};
}

// The header edits on the message's own bytes, for an answer that replaces rawMessage (the MTA
// then ignores edits to the structured message).
QByteArray editedHeaderBlock(const AnswerPlan &plan, const MessageParts &parts)
{
    QList<RawHeader> headers = parts.headers;
    const QByteArray eol = parts.lineEnding.isEmpty() ? QByteArray("\r\n") : parts.lineEnding;
    auto field = [&eol](const QString &name, const QString &value) {
        return RawHeader {name.toUtf8(), ' ' + value.toUtf8() + eol};
    };
    for (const AnswerPlan::Edit &edit : plan.edits) {
        const QString name = edit.kind == EditKind::SetSubject ? u"Subject"_s : edit.name;
        const QList<int> positions = headerPositions(headers, name);
        switch (edit.kind) {
        case EditKind::AddHeader:
            headers.prepend(field(name, edit.value));
            break;
        case EditKind::SetHeader:
        case EditKind::SetSubject:
            if (positions.isEmpty())
                headers.prepend(field(name, edit.value));
            else
                headers[positions.first()] = field(name, edit.value);
            break;
        case EditKind::RemoveHeader:
            for (auto it = positions.crbegin(); it != positions.crend(); ++it)
                headers.removeAt(*it);
            break;
        default:
            break;
        }
    }
    QByteArray block;
    for (const RawHeader &header : headers)
        block += header.name + ':' + header.value;
    return block + eol;
}

QList<DraftEdit> draftEdits(const AnswerPlan &plan, const HookRequest &request)
{
    const bool outbound = request.direction() == Direction::Outbound;
    QList<DraftEdit> edits;
    switch (plan.verdict) {
    case PlanVerdict::Accept:
        break;
    case PlanVerdict::Reject:
    case PlanVerdict::Tempfail:
    case PlanVerdict::Disconnect:
        if (outbound) {
            edits.append({"set", "/action", "cancel", std::nullopt});
            break;
        }
        edits.append({"set", "/action",
            plan.verdict == PlanVerdict::Disconnect ? "disconnect" : "reject", std::nullopt});
        if (plan.verdict != PlanVerdict::Disconnect || !plan.reply.isEmpty()) {
            const SmtpReply reply = replyOf(plan);
            edits.append({"set", "/response",
                Json {{"code", reply.code}, {"enhancedCode", text(reply.enhancedCode)},
                    {"message", text(reply.message)}},
                std::nullopt});
        }
        break;
    case PlanVerdict::Discard:
        edits.append({"set", "/action", outbound ? "cancel" : "discard", std::nullopt});
        break;
    case PlanVerdict::Quarantine:
        edits.append({"set", "/action", outbound ? "continue" : "quarantine", std::nullopt});
        break;
    }

    const bool replacesBody = hasBodyReplacement(plan);
    Json headers = Json::array();
    if (const auto found = request.document.find(u"/message/headers"); found && found->isArray())
        headers = jsonOf(*found);
    auto headerIndexes = [&headers](const QString &name) {
        QList<int> indexes;
        for (std::size_t i = 0; i < headers.size(); ++i) {
            const Json &entry = headers[i];
            if (entry.is_object() && entry.contains("name") && entry["name"].is_string()
                && QString::fromStdString(entry["name"].get<std::string>())
                        .compare(name, Qt::CaseInsensitive)
                    == 0)
                indexes.append(int(i));
        }
        return indexes;
    };
    QList<int> removed; // header indexes deleted, highest first at the end
    for (const AnswerPlan::Edit &edit : plan.edits) {
        switch (edit.kind) {
        case EditKind::AddHeader:
            if (!replacesBody)
                edits.append({"add", "/message/headers", headerEntry(edit.name, edit.value), 0});
            break;
        case EditKind::SetHeader: {
            if (replacesBody)
                break;
            const QList<int> at = headerIndexes(edit.name);
            if (at.isEmpty())
                edits.append({"add", "/message/headers", headerEntry(edit.name, edit.value), 0});
            else
                edits.append({"set", "/message/headers/" + std::to_string(at.first()) + "/value",
                    text(u' ' + edit.value), std::nullopt});
            break;
        }
        case EditKind::RemoveHeader:
            if (!replacesBody)
                removed += headerIndexes(edit.name);
            break;
        case EditKind::SetSubject:
            if (!replacesBody)
                edits.append({"set", "/message/subject", text(edit.value), std::nullopt});
            break;
        case EditKind::AddRecipient:
            edits.append({"add", "/envelope/to",
                Json {{"address", text(edit.name)}, {"parameters", Json::object()}}, std::nullopt});
            break;
        case EditKind::RemoveRecipient: {
            int last = -1;
            for (int i = 0; i < request.envelope.to.size(); ++i) {
                if (request.envelope.to.at(i).address.compare(edit.name, Qt::CaseInsensitive) == 0)
                    last = i;
            }
            if (last < 0)
                break;
            const std::string path = "/envelope/to/" + std::to_string(last);
            if (outbound)
                edits.append({"set", path + "/status", "failed-silent", std::nullopt});
            else
                edits.append({"delete", path, Json(), std::nullopt});
            break;
        }
        case EditKind::ReplaceBody: {
            const MessageParts parts = splitMessage(request.rawMessage);
            const QByteArray raw = editedHeaderBlock(plan, parts) + edit.value.toUtf8();
            edits.append({"set", "/rawMessage", raw.toBase64().toStdString(), std::nullopt});
            break;
        }
        }
    }
    // draft-01 evaluates array indexes at each delete: highest first.
    std::sort(removed.begin(), removed.end(), std::greater<>());
    removed.erase(std::unique(removed.begin(), removed.end()), removed.end());
    for (const int index : removed)
        edits.append({"delete", "/message/headers/" + std::to_string(index), Json(), std::nullopt});
    return edits;
}

Json draft01Answer(const QList<DraftEdit> &edits)
{
    Json answer = Json::object();
    for (const char *list : {"set", "add", "delete"}) {
        Json entries = Json::array();
        for (const DraftEdit &edit : edits) {
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

Json draft02Answer(const QList<DraftEdit> &edits, const HookRequest &request)
{
    Json patch = Json::array();
    for (const DraftEdit &edit : edits) {
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

QString verdictName(AnswerPlan::Verdict verdict)
{
    static const char *const names[]
        = {"accept", "reject", "tempfail", "discard", "quarantine", "disconnect"};
    return QString::fromLatin1(names[int(verdict)]);
}

SmtpReply verdictReply(AnswerPlan::Verdict verdict)
{
    switch (verdict) {
    case PlanVerdict::Reject:
        return {550, u"5.7.1"_s, u"Rejected by policy"_s};
    case PlanVerdict::Tempfail:
        return {451, u"4.7.1"_s, u"Try again later"_s};
    case PlanVerdict::Disconnect:
        return {421, u"4.7.0"_s, u"Closing connection"_s};
    default:
        return {};
    }
}

Document planAnswer(const AnswerPlan &plan, Dialect dialect, const HookRequest &request)
{
    switch (dialect) {
    case Dialect::Stalwart:
        return makeDocument(stalwartAnswer(plan, request));
    case Dialect::Draft02:
        return makeDocument(draft02Answer(draftEdits(plan, request), request));
    default:
        return makeDocument(draft01Answer(draftEdits(plan, request)));
    }
}

} // namespace MtaHooks

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/presets.h"

#include "mock/protocol/answerplan.h"

#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/jsonmapping_p.h"

#include <QMutex>

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
    for (const RawHeader &header : headerFields(request.rawMessage)) {
        if (header.name.compare("Subject", Qt::CaseInsensitive) == 0)
            return QString::fromUtf8(header.value).simplified();
    }
    return {};
}

} // namespace

// The presets are plans (answerplan.h), written in each dialect there.
AnswerPlan presetPlan(Preset preset, const HookRequest &request)
{
    using PlanVerdict = AnswerPlan::Verdict;
    using Kind = AnswerPlan::Edit::Kind;
    AnswerPlan plan;
    switch (preset) {
    case Preset::Accept:
        break;
    case Preset::Reject:
        plan.verdict = PlanVerdict::Reject;
        break;
    case Preset::Tempfail:
        plan.verdict = PlanVerdict::Tempfail;
        break;
    case Preset::Discard:
        plan.verdict = PlanVerdict::Discard;
        break;
    case Preset::Quarantine:
        plan.verdict = PlanVerdict::Quarantine;
        break;
    case Preset::Disconnect:
        plan.verdict = PlanVerdict::Disconnect;
        break;
    case Preset::AddHeader:
        plan.edits.append({Kind::AddHeader, u"X-Hookscope"_s, u"scanned"_s});
        break;
    case Preset::TagSubject:
        plan.edits.append({Kind::SetSubject, QString(), u"[SPAM] "_s + subjectOf(request)});
        break;
    case Preset::DropRecipient:
        if (!request.envelope.to.isEmpty())
            plan.edits.append({Kind::RemoveRecipient, request.envelope.to.last().address, {}});
        break;
    case Preset::ReplaceBody:
        plan.edits.append({Kind::ReplaceBody, QString(), QString::fromLatin1(replacedBody)});
        break;
    }
    return plan;
}

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
    return planAnswer(presetPlan(preset, request), dialect, request);
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

namespace {

// What a plan without edits is written from: everything planAnswer and encodeAnswer read then.
struct VerdictAnswerKey
{
    AnswerPlan::Verdict verdict;
    SmtpReply reply;
    Dialect dialect;
    Encoding encoding;
    Direction direction;
    bool hasAction; // draft-02 replaces members that exist and adds the others
    bool hasResponse;

    friend bool operator==(const VerdictAnswerKey &, const VerdictAnswerKey &) = default;
};

} // namespace

QByteArray encodePlanAnswer(
    const AnswerPlan &plan, Dialect dialect, Encoding encoding, const HookRequest &request)
{
    if (!plan.edits.isEmpty())
        return encodeAnswer(planAnswer(plan, dialect, request), dialect, encoding);
    const bool draft02 = dialect == Dialect::Draft02;
    const VerdictAnswerKey key {plan.verdict, plan.reply, dialect, encoding, request.direction(),
        draft02 && request.document.contains(u"/action"),
        draft02 && request.document.contains(u"/response")};
    // Rules may be edited at any time: the key holds everything the bytes depend on, so an entry
    // never goes stale. A few dozen combinations exist in practice; the list is bounded anyway.
    static QMutex mutex;
    static QList<std::pair<VerdictAnswerKey, QByteArray>> kept;
    constexpr qsizetype MaxKept = 64;
    {
        const QMutexLocker lock(&mutex);
        for (const auto &[known, bytes] : std::as_const(kept)) {
            if (known == key)
                return bytes;
        }
    }
    QByteArray bytes = encodeAnswer(planAnswer(plan, dialect, request), dialect, encoding);
    const QMutexLocker lock(&mutex);
    if (kept.size() >= MaxKept)
        kept.clear();
    kept.append({key, bytes});
    return bytes;
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

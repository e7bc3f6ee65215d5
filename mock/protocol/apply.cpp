// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/apply.h"

#include "mock/protocol/patchengine_p.h"
#include "mock/protocol/validator.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

SmtpReply acceptReply(Dialect dialect, Stage stage)
{
    const QString queued = dialect == Dialect::Stalwart ? u"Message queued for delivery."_s
                                                        : u"Message queued for delivery"_s;
    switch (stage) {
    case Stage::Connect:
        return {220, QString(), u"Service ready"_s};
    case Stage::Ehlo:
        return {250, QString(), u"OK"_s};
    case Stage::Auth:
        return {235, u"2.7.0"_s, u"Authentication succeeded"_s};
    case Stage::Mail:
        return {250, u"2.1.0"_s, u"OK"_s};
    case Stage::Rcpt:
        return {250, u"2.1.5"_s, u"OK"_s};
    case Stage::Data:
        return {250, u"2.0.0"_s, queued};
    default:
        return {250, QString(), u"OK"_s};
    }
}

int actionRank(Action action)
{
    switch (action) {
    case Action::Quarantine:
        return 1;
    case Action::Reject:
    case Action::Discard:
    case Action::Disconnect:
    case Action::Cancel:
        return 2;
    default:
        return 0;
    }
}

// A member or a discarded value when absent. Never compare the result with == or !=: nlohmann
// 3.11 makes every comparison with a discarded value false (both == and !=); use sameMember.
const Json &memberOr(const Json &object, const char *key)
{
    static const Json missing = Json(Json::value_t::discarded);
    if (!object.is_object())
        return missing;
    auto it = object.find(key);
    return it == object.end() ? missing : *it;
}

bool isActionOf(Action action, Direction direction)
{
    if (direction == Direction::Outbound)
        return action == Action::Continue || action == Action::Cancel;
    return action == Action::Accept || action == Action::Reject || action == Action::Discard
        || action == Action::Quarantine || action == Action::Disconnect;
}

bool sameMember(const Json &a, const Json &b)
{
    if (a.is_discarded() || b.is_discarded())
        return a.is_discarded() && b.is_discarded();
    return a == b;
}

bool isAbsent(const Json &value)
{
    return value.is_discarded() || value.is_null();
}

SmtpReply replyOf(const Json &response)
{
    SmtpReply reply;
    if (!response.is_object())
        return reply;
    const Json &code = memberOr(response, "code");
    if (code.is_number_integer())
        reply.code = int(code.get<std::int64_t>());
    const Json &enhanced = memberOr(response, "enhancedCode");
    if (enhanced.is_string())
        reply.enhancedCode = toQString(enhanced.get<std::string>());
    const Json &message = memberOr(response, "message");
    if (message.is_string())
        reply.message = toQString(message.get<std::string>());
    return reply;
}

} // namespace

SmtpReply defaultReply(Dialect dialect, Stage stage, Action action)
{
    if (stageDirection(stage) == Direction::Outbound)
        return {};
    switch (action) {
    case Action::Reject:
        return dialect == Dialect::Stalwart ? SmtpReply {503, u"5.5.3"_s, u"Message rejected."_s}
                                            : SmtpReply {550, u"5.7.1"_s, u"Rejected by policy"_s};
    case Action::Disconnect:
        return {421, u"4.7.0"_s, u"Connection closed by policy"_s};
    case Action::Discard:
    case Action::Quarantine:
        if (dialect == Dialect::Stalwart)
            return {250, u"2.0.0"_s, u"Message queued for delivery."_s};
        return acceptReply(dialect, stage);
    default:
        return acceptReply(dialect, stage);
    }
}

namespace {

// The first path the answer modifies outside the negotiated update properties (prefixes, as
// the validator reads the discovery example's list); nullopt when it keeps within them.
std::optional<QString> outsideUpdateProperties(
    const HookResponse &response, const QStringList &writable)
{
    auto allowed = [&writable](const QString &path) {
        return std::any_of(writable.cbegin(), writable.cend(), [&path](const QString &prefix) {
            return path == prefix || path.startsWith(prefix + u'/');
        });
    };
    for (const PatchOperation &operation : response.operations) {
        if (operation.op == PatchOperation::Op::Test)
            continue; // reads only
        if (!allowed(operation.path))
            return operation.path;
        // A move empties its source; a copy only reads it.
        if (operation.op == PatchOperation::Op::Move && !allowed(operation.from))
            return operation.from;
    }
    return std::nullopt;
}

} // namespace

Outcome applyDraft(
    const HookRequest &request, const HookResponse &response, const ApplyOptions &options)
{
    Outcome outcome;
    outcome.dialect = response.dialect == Dialect::Unknown ? request.dialect : response.dialect;
    outcome.stage = request.stage;
    const bool outbound = request.direction() == Direction::Outbound;
    const Action defaultAction = request.action != Action::None
        ? request.action
        : (outbound ? Action::Continue : Action::Accept);
    const Json &before = jsonOf(request.document);

    // The answer may have been decoded without knowing the stage (DecodeOptions::requestStage):
    // re-check it against the request it is applied to, so an outbound action at an inbound
    // stage, or an edit outside this direction's writable properties, still voids it.
    bool malformed = response.malformed;
    if (!malformed && !response.emptyBody && response.dialect != Dialect::Draft01
        && response.dialect != Dialect::Draft02) {
        outcome.problems.append({QString(), Severity::Error,
            QStringLiteral("a %1 answer to a draft request: the MTA cannot read it")
                .arg(dialectName(response.dialect))});
        malformed = true;
    } else if (!malformed && !response.emptyBody && response.document.isValid()) {
        const Problems recheck
            = validateResponse(response.document, response.dialect, request.stage);
        for (const Problem &problem : recheck) {
            if (problem.severity == Severity::Error && !response.problems.contains(problem)) {
                outcome.problems.append(problem);
                malformed = true;
            }
        }
    }
    if (!malformed && !response.emptyBody && options.updateProperties) {
        const auto outside = outsideUpdateProperties(response, *options.updateProperties);
        if (outside) {
            outcome.problems.append({*outside, Severity::Error,
                QStringLiteral("the answer modifies %1, outside the negotiated update properties "
                               "(%2): the whole answer is malformed")
                    .arg(outside->isEmpty() ? u"the whole document"_s : *outside,
                        options.updateProperties->join(u", "_s))});
            malformed = true;
        }
    }

    Json after = before;
    if (malformed) {
        outcome.malformed = true;
        outcome.problems.append({QString(), Severity::Info,
            u"malformed answer: the MTA applies nothing and keeps its "
            "default action"_s});
    } else if (!response.emptyBody) {
        PatchResult patched = response.dialect == Dialect::Draft02
            ? applyDraft02Patch(before, jsonOf(response.document))
            : applyDraft01Patch(before, response.operations);
        outcome.problems += patched.problems;
        if (patched.failed)
            outcome.malformed = true;
        else
            after = std::move(patched.document);
    }

    // The verdict is the resulting /action. Its value may come from the document itself (a
    // -02 copy or move) rather than from the answer, so only the result can show that it is
    // no action of this direction: an invalid action voids the answer (reference §g).
    Action action = defaultAction;
    const Json &actionValue = memberOr(after, "action");
    if (!actionValue.is_discarded() && !sameMember(actionValue, memberOr(before, "action"))) {
        const auto parsed = actionValue.is_string()
            ? actionFromName(toQString(actionValue.get<std::string>()))
            : std::nullopt;
        if (parsed && isActionOf(*parsed, request.direction())) {
            action = *parsed;
        } else {
            outcome.problems.append({u"/action"_s, Severity::Error,
                QStringLiteral("the answer leaves %1 in /action, which is no %2 action: the "
                               "whole answer is malformed, nothing is applied")
                    .arg(QString::fromUtf8(actionValue.dump()),
                        outbound ? u"outbound"_s : u"inbound"_s)});
            outcome.malformed = true;
            after = before;
        }
    } else if (actionValue.is_string()) {
        action = actionFromName(toQString(actionValue.get<std::string>())).value_or(defaultAction);
    }
    if (actionRank(action) < actionRank(defaultAction)) {
        outcome.problems.append({u"/action"_s, Severity::Warning,
            QStringLiteral("the answer weakens %1 to %2: an MTA refuses such a downgrade "
                           "unless the scanner is trusted, so nothing is applied")
                .arg(actionName(defaultAction), actionName(action))});
        after = before;
        action = defaultAction;
    }
    outcome.action = action;
    outcome.document = makeDocument(after);

    // The reply: what the resulting /response says, unless the verdict changed and the scanner
    // left a reply that contradicts it (a 250 from the request after a reject).
    if (!outbound) {
        const SmtpReply original = replyOf(memberOr(before, "response"));
        SmtpReply reply = replyOf(memberOr(after, "response"));
        const bool replyEdited = !(reply == original);
        const bool failing = action == Action::Reject || action == Action::Disconnect;
        if (reply.isEmpty() || (!replyEdited && failing != (reply.code >= 400))) {
            reply = defaultReply(outcome.dialect, request.stage, action);
            if (failing && !replyEdited)
                outcome.problems.append({u"/response"_s, Severity::Info,
                    QStringLiteral("%1 without a reply: the MTA sends its "
                                   "default %2")
                        .arg(actionName(action), reply.toString())});
        }
        outcome.reply = reply;
    }
    outcome.disconnect = action == Action::Disconnect;

    // The envelope after edits; a refused recipient leaves the envelope (§f.3: the one being
    // checked is taken to be the last, as in Stalwart's format).
    const Json &envelopeAfter = memberOr(after, "envelope");
    outcome.envelope = envelopeFromJson(envelopeAfter);
    outcome.envelopeChanged = !sameMember(memberOr(before, "envelope"), envelopeAfter);
    if (request.stage == Stage::Rcpt && isTerminal(action) && !outcome.envelope.to.isEmpty()) {
        outcome.envelope.to.removeLast();
        outcome.envelopeChanged = true;
    }

    // The message: a changed rawMessage wins over /message edits (draft-01 §c.2).
    outcome.hasMessage = request.hasMessage;
    outcome.message = request.rawMessage;
    const Json &rawBefore = memberOr(before, "rawMessage");
    const Json &rawAfter = memberOr(after, "rawMessage");
    const Json &messageBefore = memberOr(before, "message");
    const Json &messageAfter = memberOr(after, "message");
    if (!sameMember(rawBefore, rawAfter)) {
        if (isAbsent(rawAfter)) {
            outcome.hasMessage = !isAbsent(messageAfter);
            if (!outcome.hasMessage) {
                outcome.message.clear();
                outcome.problems.append({u"/rawMessage"_s, Severity::Info,
                    request.stage == Stage::Dsn ? u"message removed: the DSN is suppressed"_s
                                                : u"message removed"_s});
            }
        } else {
            outcome.message = bytesOf(rawAfter);
            outcome.hasMessage = true;
        }
        outcome.messageChanged = true;
        if (!sameMember(messageBefore, messageAfter) && !isAbsent(messageAfter))
            outcome.problems.append({u"/message"_s, Severity::Info,
                u"both /message and /rawMessage were edited: only the "
                "rawMessage edits apply"_s});
    } else if (!sameMember(messageBefore, messageAfter)) {
        if (isAbsent(messageAfter)) {
            // Only the JMAP view went away; with rawMessage still there the message stays.
            outcome.hasMessage = request.hasMessage && !isAbsent(rawAfter);
            outcome.messageChanged = outcome.hasMessage != request.hasMessage;
            if (!outcome.hasMessage) {
                outcome.message.clear();
                outcome.problems.append({u"/message"_s, Severity::Info,
                    request.stage == Stage::Dsn ? u"message removed: the DSN is suppressed"_s
                                                : u"message removed"_s});
            }
        } else if (request.hasMessage) {
            outcome.message = rebuildFromJmap(
                request.rawMessage, messageBefore, messageAfter, outcome.problems);
            outcome.messageChanged = outcome.message != request.rawMessage;
        }
    }
    if (isTerminal(action) && request.stage == Stage::Data && action != Action::Discard)
        outcome.problems.append({QString(), Severity::Info,
            QStringLiteral("the message is not queued (%1)").arg(actionName(action))});
    outcome.verdict = verdictFor(outcome.action, outcome.reply.code);
    return outcome;
}

Outcome apply(const HookRequest &request, const HookResponse &response, const ApplyOptions &options)
{
    if (request.dialect == Dialect::Stalwart)
        return applyStalwart(request, response, options);
    if (request.dialect == Dialect::Draft01 || request.dialect == Dialect::Draft02)
        return applyDraft(request, response, options);
    Outcome outcome;
    outcome.malformed = true;
    outcome.problems.append(
        {QString(), Severity::Error, u"the request could not be decoded: nothing to apply"_s});
    return outcome;
}

} // namespace MtaHooks

// SPDX-License-Identifier: GPL-3.0-or-later
// Draft answers: -01's {set, add, delete} lists and -02's RFC 6902 array. Every Error reported here
// makes the whole answer malformed (the MTA applies nothing and keeps its default action).
#include "mock/protocol/validator_p.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace MtaHooks {

void validatePatchOperations(const Json &root, Dialect dialect, Stage stage, Checker &c);

namespace {

// The writable properties of the draft-01 discovery example (updateProperties). The draft leaves
// open whether they are prefixes (§f.6); the examples edit /message/subject with /message
// listed, so they are treated as prefixes.
QStringList writableProperties(Stage stage)
{
    const QStringList inbound {
        u"/action"_s, u"/response"_s, u"/envelope"_s, u"/message"_s, u"/rawMessage"_s};
    const QStringList outbound {u"/action"_s, u"/envelope/to"_s, u"/message"_s, u"/rawMessage"_s};
    if (stage == Stage::Unknown)
        return inbound;
    return stageDirection(stage) == Direction::Outbound ? outbound : inbound;
}

bool isWritable(const QString &path, Stage stage)
{
    const QStringList writable = writableProperties(stage);
    for (const QString &prefix : writable) {
        if (path == prefix || path.startsWith(prefix + u'/'))
            return true;
    }
    return false;
}

void checkValueFor(
    const QString &path, const Json &value, const QString &pointer, Stage stage, Checker &c)
{
    if (path == QLatin1String("/action")) {
        if (!value.is_string()) {
            c.error(pointer,
                QStringLiteral("/action takes an action name, not %1").arg(Checker::typeOf(value)));
            return;
        }
        const QString name = toQString(value.get<std::string>());
        const auto action = actionFromName(name);
        const bool outbound = stageDirection(stage) == Direction::Outbound;
        const bool inboundAction = action
            && (*action == Action::Accept || *action == Action::Reject || *action == Action::Discard
                || *action == Action::Quarantine || *action == Action::Disconnect);
        const bool outboundAction
            = action && (*action == Action::Continue || *action == Action::Cancel);
        if (stage == Stage::Unknown ? !(inboundAction || outboundAction)
                                    : (outbound ? !outboundAction : !inboundAction)) {
            c.error(pointer,
                QStringLiteral("\"%1\" is not a valid %2action: the whole answer is "
                               "malformed")
                    .arg(name,
                        stage == Stage::Unknown ? QString()
                                                : (outbound ? u"outbound "_s : u"inbound "_s)));
        }
        return;
    }
    if (path == QLatin1String("/response")) {
        if (!value.is_object()) {
            c.error(pointer, QStringLiteral("/response takes {code, enhancedCode, message}"));
            return;
        }
        const Json *code = Checker::member(value, "code");
        if (!code || !code->is_number_integer() || code->get<std::int64_t>() < 200
            || code->get<std::int64_t>() > 599)
            c.error(
                pointer + u"/code"_s, QStringLiteral("an SMTP reply code (200-599) is required"));
        if (Checker::member(value, "status") || Checker::member(value, "enhanced_status"))
            c.error(pointer,
                QStringLiteral("Stalwart's reply members: the drafts use code, "
                               "enhancedCode, message"));
        return;
    }
    if (path == QLatin1String("/response/code")) {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 200
            || value.get<std::int64_t>() > 599)
            c.error(pointer, QStringLiteral("an SMTP reply code (200-599) is required"));
        return;
    }
    if (path == QLatin1String("/rawMessage") && value.is_string()) {
        const std::string &text = value.get_ref<const std::string &>();
        bool canonical = false;
        if (!decodeBase64(QByteArrayView(text.data(), qsizetype(text.size())), &canonical))
            c.error(pointer, QStringLiteral("rawMessage must be base64 in JSON"));
        else if (!canonical)
            c.warning(pointer,
                QStringLiteral("not canonical padded base64 without line breaks (rspamd "
                               "refuses it)"));
        return;
    }
    if (path.startsWith(QLatin1String("/message/headers"))) {
        auto checkName = [&c, &pointer](const Json &name) {
            if (name.is_string()
                && (name.get_ref<const std::string &>().empty()
                    || name.get_ref<const std::string &>().find_first_of(": \t\r\n")
                        != std::string::npos))
                c.error(pointer, QStringLiteral("invalid header name (empty, CR/LF or colon)"));
        };
        auto checkText = [&c, &pointer](const Json &text) {
            if (!text.is_string())
                return;
            const std::string &v = text.get_ref<const std::string &>();
            for (std::size_t i = v.find_first_of("\r\n"); i != std::string::npos;
                 i = v.find_first_of("\r\n", i + 1)) {
                // Only CRLF (or LF) followed by a space or tab is folding; a bare CR is never.
                const bool crlf = v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n';
                const std::size_t next = crlf ? i + 2 : i + 1;
                if (v[i] == '\r' && !crlf) {
                    c.error(pointer, QStringLiteral("a bare CR in a header value"));
                    return;
                }
                if (next >= v.size() || (v[next] != ' ' && v[next] != '\t')) {
                    c.error(pointer,
                        QStringLiteral("a header value with a line break that is "
                                       "not folding injects header lines"));
                    return;
                }
                i = next - 1;
            }
        };
        auto checkHeader = [&checkName, &checkText](const Json &header) {
            if (!header.is_object())
                return;
            if (const Json *name = Checker::member(header, "name"))
                checkName(*name);
            if (const Json *text = Checker::member(header, "value"))
                checkText(*text);
        };
        // The list, one header, or one member of a header (/message/headers/N/name|value).
        static const QRegularExpression member(
            QStringLiteral("^/message/headers/(\\d+|-)/(name|value)$"));
        const QRegularExpressionMatch match = member.match(path);
        if (match.hasMatch()) {
            if (match.captured(2) == QLatin1String("name"))
                checkName(value);
            else
                checkText(value);
        } else if (value.is_array()) {
            for (const Json &header : value)
                checkHeader(header);
        } else {
            checkHeader(value);
        }
    }
    if (path.startsWith(QLatin1String("/envelope/to")) && path.endsWith(QLatin1String("/status"))
        && value.is_string()) {
        const QString status = toQString(value.get<std::string>());
        if (!QStringList {
                u"pending"_s, u"delivered"_s, u"deferred"_s, u"failed"_s, u"failed-silent"_s}
                 .contains(status))
            c.error(pointer, QStringLiteral("\"%1\" is not a recipient status").arg(status));
    }
}

void checkPath(
    const Json &entry, const QString &base, Stage stage, Checker &c, const char *key = "path")
{
    const Json *path = c.check(entry, base, key, Checker::String, Severity::Error, false);
    if (!path)
        return;
    const QString text = toQString(path->get<std::string>());
    if (!isValidPointer(text)) {
        c.error(memberPointer(base, key),
            QStringLiteral("\"%1\" is not an RFC 6901 JSON Pointer").arg(text));
    } else if (text.isEmpty()) {
        c.error(memberPointer(base, key), QStringLiteral("the whole document cannot be replaced"));
    } else if (!isWritable(text, stage)) {
        c.error(memberPointer(base, key),
            QStringLiteral("%1 is not a writable property (%2): the whole answer is "
                           "malformed")
                .arg(text, writableProperties(stage).join(u", "_s)));
    }
}

void validateDraft01(const Json &root, Stage stage, Checker &c)
{
    if (root.is_array()) {
        c.error(QString(),
            QStringLiteral("an RFC 6902 array is draft-02; draft-01 answers "
                           "{set, add, delete}"));
        return;
    }
    if (!root.is_object()) {
        c.error(QString(), QStringLiteral("a draft-01 answer is an object {set, add, delete}"));
        return;
    }
    if (Checker::member(root, "action") || Checker::member(root, "modifications"))
        c.error(QString(),
            QStringLiteral("Stalwart's {action, modifications} answer: a draft MTA expects "
                           "{\"set\":[{\"path\":\"/action\",\"value\":…}]}"));
    c.unknownMembers(root, QString(), {"set", "add", "delete", "action", "modifications"},
        Severity::Error, QStringLiteral("a draft-01 answer has only set, add and delete"));
    for (const char *key : {"set", "add", "delete"}) {
        const Json *list
            = c.check(root, QString(), key, Checker::Array | Checker::Null, Severity::Error, true);
        if (!list || list->is_null())
            continue;
        const QString listPointer = u"/"_s + QLatin1String(key);
        for (std::size_t i = 0; i < list->size(); ++i) {
            const Json &entry = (*list)[i];
            const QString pointer = pointerAppend(listPointer, qsizetype(i));
            if (!entry.is_object()) {
                c.error(pointer, QStringLiteral("an operation is an object {path…}"));
                continue;
            }
            checkPath(entry, pointer, stage, c);
            const bool isDelete = qstrcmp(key, "delete") == 0;
            if (!isDelete) {
                const Json *value = Checker::member(entry, "value");
                if (!value)
                    c.error(pointer + u"/value"_s, QStringLiteral("\"value\" is missing"));
                else if (const Json *path = Checker::member(entry, "path");
                         path && path->is_string() && qstrcmp(key, "set") == 0)
                    checkValueFor(toQString(path->get<std::string>()), *value,
                        pointer + u"/value"_s, stage, c);
                else if (path && path->is_string())
                    checkValueFor(toQString(path->get<std::string>()), *value,
                        pointer + u"/value"_s, stage, c);
            }
            if (qstrcmp(key, "add") == 0) {
                c.check(entry, pointer, "index", Checker::Unsigned | Checker::Null, Severity::Error,
                    true);
                c.unknownMembers(entry, pointer, {"path", "value", "index"}, Severity::Warning,
                    QStringLiteral("ignored"));
            } else if (isDelete) {
                c.unknownMembers(
                    entry, pointer, {"path"}, Severity::Warning, QStringLiteral("ignored"));
            } else {
                if (Checker::member(entry, "index"))
                    c.warning(pointer + u"/index"_s,
                        QStringLiteral("set takes no index (only add does)"));
                c.unknownMembers(entry, pointer, {"path", "value", "index"}, Severity::Warning,
                    QStringLiteral("ignored"));
            }
            if (Checker::member(entry, "op"))
                c.error(pointer + u"/op"_s,
                    QStringLiteral("\"op\" is RFC 6902 (draft-02); draft-01 groups "
                                   "operations by list"));
        }
    }
}

void validateDraft02(const Json &root, Stage stage, Checker &c)
{
    if (root.is_object()) {
        const bool draft01 = root.empty() || Checker::member(root, "set")
            || Checker::member(root, "add") || Checker::member(root, "delete");
        c.error(QString(),
            draft01 ? QStringLiteral("{set, add, delete} is draft-01; a draft-02 answer is a "
                                     "JSON Patch array")
                    : QStringLiteral("a draft-02 answer is a JSON Patch array"));
        return;
    }
    if (!root.is_array()) {
        c.error(QString(), QStringLiteral("a draft-02 answer is a JSON Patch array"));
        return;
    }
    for (std::size_t i = 0; i < root.size(); ++i) {
        const Json &entry = root[i];
        const QString pointer = pointerAppend(QString(), qsizetype(i));
        if (!entry.is_object()) {
            c.error(pointer, QStringLiteral("an operation is an object {op, path, …}"));
            continue;
        }
        const Json *op = c.check(entry, pointer, "op", Checker::String, Severity::Error, false);
        if (!op) {
            for (const char *legacy : {"set", "add", "delete"}) {
                if (Checker::member(entry, legacy))
                    c.error(pointer, QStringLiteral("draft-01 lists inside a JSON Patch array"));
            }
            continue;
        }
        const QString name = toQString(op->get<std::string>());
        static const QStringList known {
            u"add"_s, u"remove"_s, u"replace"_s, u"move"_s, u"copy"_s, u"test"_s};
        if (!known.contains(name)) {
            c.error(pointer + u"/op"_s,
                name == QLatin1String("set") || name == QLatin1String("delete")
                    ? QStringLiteral("\"%1\" is draft-01 vocabulary, not an RFC 6902 "
                                     "operation")
                          .arg(name)
                    : QStringLiteral("\"%1\" is not an RFC 6902 operation").arg(name));
            continue;
        }
        const bool needsValue = name == QLatin1String("add") || name == QLatin1String("replace")
            || name == QLatin1String("test");
        const bool needsFrom = name == QLatin1String("move") || name == QLatin1String("copy");
        if (name == QLatin1String("test")) {
            // test reads; any valid pointer may be tested.
            if (const Json *path
                = c.check(entry, pointer, "path", Checker::String, Severity::Error, false);
                path && !isValidPointer(toQString(path->get<std::string>())))
                c.error(pointer + u"/path"_s, QStringLiteral("not an RFC 6901 JSON Pointer"));
        } else {
            checkPath(entry, pointer, stage, c);
        }
        if (needsFrom) {
            if (const Json *from
                = c.check(entry, pointer, "from", Checker::String, Severity::Error, false)) {
                const QString source = toQString(from->get<std::string>());
                if (!isValidPointer(source))
                    c.error(pointer + u"/from"_s, QStringLiteral("not an RFC 6901 JSON Pointer"));
                else if (name == QLatin1String("move") && !isWritable(source, stage))
                    c.error(pointer + u"/from"_s,
                        QStringLiteral("a move removes %1, which is not a writable property "
                                       "(%2): the whole answer is malformed")
                            .arg(source, writableProperties(stage).join(u", "_s)));
            }
        }
        if (needsValue) {
            const Json *value = Checker::member(entry, "value");
            if (!value)
                c.error(
                    pointer + u"/value"_s, QStringLiteral("\"%1\" needs a \"value\"").arg(name));
            else if (const Json *path = Checker::member(entry, "path");
                     path && path->is_string() && name != QLatin1String("test")) {
                QString target = toQString(path->get<std::string>());
                if (target.endsWith(u"/-"_s))
                    target.chop(2);
                checkValueFor(target, *value, pointer + u"/value"_s, stage, c);
            }
        }
        if (Checker::member(entry, "index"))
            c.error(pointer + u"/index"_s,
                QStringLiteral("\"index\" is draft-01's; RFC 6902 puts the index in the "
                               "path (\"/-\" appends)"));
        c.unknownMembers(entry, pointer, {"op", "path", "value", "from", "index"},
            Severity::Warning, QStringLiteral("ignored by RFC 6902"));
    }
}

} // namespace

void validatePatchOperations(const Json &root, Dialect dialect, Stage stage, Checker &c)
{
    if (dialect == Dialect::Draft02)
        validateDraft02(root, stage, c);
    else
        validateDraft01(root, stage, c);
}

} // namespace MtaHooks

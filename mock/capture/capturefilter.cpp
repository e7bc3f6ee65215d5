// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturefilter_p.h"

#include "mock/capture/exchange.h"
#include "mock/protocol/types.h"

using namespace Qt::StringLiterals;

namespace Mock::Detail {

namespace {

// A condition that matches no row (an unknown "has:" word, a malformed status); negated it
// matches every row, which is what "not <something impossible>" means.
const QString matchNothing = u"0"_s;

struct Clause
{
    QString sql;
    QVariantList binds;
};

Clause globClause(const QString &column, const QString &value)
{
    return {u"lower(%1) GLOB ?"_s.arg(column), {sqliteGlob(value)}};
}

Clause textClause(const QString &value)
{
    const QString needle = value.toLower();
    if (needle.isEmpty())
        return {u"1"_s, {}};
    // stage_name rather than stage: the wire text also finds stages the engine does not know.
    static const QStringList columns {u"subject"_s, u"mail_from"_s, u"recipients"_s, u"path"_s,
        u"rule_name"_s, u"client_ip"_s, u"stage_name"_s};
    QStringList parts;
    QVariantList binds;
    for (const QString &column : columns) {
        parts.append(u"instr(lower(%1), ?) > 0"_s.arg(column));
        binds.append(needle);
    }
    return {u"("_s + parts.join(u" OR "_s) + u")"_s, binds};
}

Clause statusClause(const QString &value)
{
    const QString text = value.trimmed().toLower();
    bool ok = false;
    const int code = text.toInt(&ok);
    if (ok && text.size() == 3)
        return {u"http_status = ?"_s, {code}};
    if (text.size() == 3 && text.at(0).isDigit() && text.mid(1) == u"xx"_s) {
        const int base = text.at(0).digitValue() * 100;
        return {u"http_status BETWEEN ? AND ?"_s, {base, base + 99}};
    }
    return {matchNothing, {}};
}

Clause actionClause(const QString &value)
{
    const QString name = value.trimmed().toLower();
    if (name == u"held"_s)
        return {u"(held <> 0 OR verdict = 'held')"_s, {}};
    return {u"(action = ? OR verdict = ?)"_s, {name, name}};
}

Clause hasClause(const QString &value)
{
    const QString what = value.trimmed().toLower();
    if (what == u"attachment"_s)
        return {u"has_attachment <> 0"_s, {}};
    if (what == u"problem"_s)
        return {u"problem_count > 0"_s, {}};
    if (what == u"error"_s)
        return {u"error_count > 0"_s, {}};
    if (what == u"message"_s)
        return {u"message_size >= 0"_s, {}};
    if (what == u"fault"_s)
        return {u"fault <> ''"_s, {}};
    return {matchNothing, {}};
}

Clause dialectClause(const QString &value)
{
    const QString text = value.trimmed().toLower();
    const auto dialect = MtaHooks::dialectFromName(text); // also takes "legacy", "draft01"
    return {u"dialect = ?"_s, {dialect ? MtaHooks::dialectName(*dialect) : text}};
}

Clause kindClause(const QString &value)
{
    const QString text = value.trimmed().toLower();
    // exchangeKindFromName maps unknown words to Other; "kind:foo" must not list "other" rows.
    const QString name = exchangeKindName(exchangeKindFromName(text));
    if (name != text)
        return {matchNothing, {}};
    return {u"kind = ?"_s, {name}};
}

Clause clauseFor(const CaptureTerm &term)
{
    using Field = CaptureTerm::Field;
    switch (term.field) {
    case Field::Text:
        return textClause(term.value);
    case Field::Stage:
        return {u"stage = ?"_s, {term.value.trimmed().toLower()}};
    case Field::From:
        return globClause(u"mail_from"_s, term.value);
    case Field::To:
        return {
            u"EXISTS (SELECT 1 FROM json_each(recipients) WHERE lower(json_each.value) GLOB ?)"_s,
            {sqliteGlob(term.value)}};
    case Field::Action:
        return actionClause(term.value);
    case Field::Status:
        return statusClause(term.value);
    case Field::Has:
        return hasClause(term.value);
    case Field::Dialect:
        return dialectClause(term.value);
    case Field::Session:
        return {u"session_key = ?"_s, {term.value}};
    case Field::Rule:
        return {u"lower(rule_name) = ?"_s, {term.value.toLower()}};
    case Field::Client:
        return globClause(u"client_ip"_s, term.value);
    case Field::Kind:
        return kindClause(term.value);
    }
    return {matchNothing, {}};
}

} // namespace

QString sqliteGlob(QStringView glob)
{
    QString pattern;
    pattern.reserve(glob.size());
    for (const QChar c : glob) {
        if (c == u'[')
            pattern += u"[[]"_s;
        else
            pattern += c.toLower();
    }
    return pattern;
}

SqlFilter sqlFilter(const CaptureQuery &query)
{
    SqlFilter filter;
    if (query.isEmpty())
        return filter;
    QStringList parts;
    for (const CaptureTerm &term : query.terms) {
        const Clause clause = clauseFor(term);
        parts.append(
            term.negated ? u"NOT ("_s + clause.sql + u")"_s : u"("_s + clause.sql + u")"_s);
        filter.binds += clause.binds;
    }
    filter.where = parts.join(u" AND "_s);
    return filter;
}

} // namespace Mock::Detail

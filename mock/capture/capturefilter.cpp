// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/capturefilter_p.h"

#include "mock/capture/exchange.h"
#include "mock/protocol/types.h"

#include <algorithm>

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
    return {column + u" LIKE ? ESCAPE '\\'"_s, {likeGlob(value)}};
}

// Any recipient matches: each element of the JSON array on its own, so "bob*test" does not match
// across "bob@example.com" and "carol@other.test". The plain LIKE over the array's text first
// skips most rows without parsing JSON. It is only sound when the pattern holds no character that
// JSON escapes (a quote, a backslash, a control character), and with each '?' read as any run
// there: the one character '?' matches in a recipient can be several in the array's text (\" for
// a quote, \t for a tab).
Clause recipientClause(const QString &value)
{
    const QString pattern = likeGlob(value);
    const QString exists = u"EXISTS (SELECT 1 FROM json_each(recipients) "
                           "WHERE json_each.value LIKE ? ESCAPE '\\')"_s;
    const bool plain = std::all_of(
        value.cbegin(), value.cend(), [](QChar c) { return c >= u' ' && c != u'"' && c != u'\\'; });
    if (!plain)
        return {exists, {pattern}};
    const QString loose = likeGlob(QString(value).replace(u'?', u'*'));
    return {u"(recipients LIKE ? ESCAPE '\\' AND "_s + exists + u")"_s,
        {QString(u'%' + loose + u'%'), pattern}};
}

Clause textClause(const QString &value)
{
    if (value.isEmpty())
        return {u"1"_s, {}};
    const QString pattern = likeContains(value);
    // stage_name rather than stage: the wire text also finds stages the engine does not know.
    // path is a BLOB (bytes as requested), and LIKE never matches a BLOB: compare it as text.
    static const QStringList columns {u"subject"_s, u"mail_from"_s, u"recipients"_s,
        u"CAST(path AS TEXT)"_s, u"rule_name"_s, u"client_ip"_s, u"stage_name"_s};
    QStringList parts;
    QVariantList binds;
    for (const QString &column : columns) {
        parts.append(column + u" LIKE ? ESCAPE '\\'"_s);
        binds.append(pattern);
    }
    return {u"("_s + parts.join(u" OR "_s) + u")"_s, binds};
}

Clause codeClause(const QString &column, const QString &value)
{
    const QString text = value.trimmed().toLower();
    bool ok = false;
    const int code = text.toInt(&ok);
    if (ok && text.size() == 3)
        return {column + u" = ?"_s, {code}};
    if (text.size() == 3 && text.at(0).isDigit() && text.mid(1) == u"xx"_s) {
        const int base = text.at(0).digitValue() * 100;
        return {column + u" BETWEEN ? AND ?"_s, {base, base + 99}};
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
        return recipientClause(term.value);
    case Field::Action:
        return actionClause(term.value);
    case Field::Status:
    case Field::Http:
        return codeClause(u"http_status"_s, term.value);
    case Field::Smtp:
        return codeClause(u"reply_code"_s, term.value);
    case Field::Has:
        return hasClause(term.value);
    case Field::Dialect:
        return dialectClause(term.value);
    case Field::Session:
        return {u"session_key = ?"_s, {term.value}};
    case Field::Rule:
        return {u"rule_name LIKE ? ESCAPE '\\'"_s, {likeLiteral(term.value)}};
    case Field::Client:
        return globClause(u"client_ip"_s, term.value);
    case Field::Kind:
        return kindClause(term.value);
    }
    return {matchNothing, {}};
}

} // namespace

namespace {

QString likeEscaped(QStringView text, bool glob)
{
    QString pattern;
    pattern.reserve(text.size() + 2);
    for (const QChar c : text) {
        if (c == u'\\' || c == u'%' || c == u'_')
            pattern += u'\\';
        if (glob && c == u'*')
            pattern += u'%';
        else if (glob && c == u'?')
            pattern += u'_';
        else
            pattern += c;
    }
    return pattern;
}

} // namespace

QString likeGlob(QStringView glob)
{
    return likeEscaped(glob, true);
}

QString likeLiteral(QStringView text)
{
    return likeEscaped(text, false);
}

QString likeContains(QStringView text)
{
    return u'%' + likeEscaped(text, false) + u'%';
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
    // Qt binds a null QString as SQL NULL, and "session_key = NULL" matches no row, negated
    // either: an empty value (session:"", a parsed "" is a null QString) is the text ''.
    for (QVariant &bind : filter.binds) {
        if (bind.typeId() == QMetaType::QString && bind.toString().isNull())
            bind = QVariant(u""_s);
    }
    filter.where = parts.join(u" AND "_s);
    return filter;
}

} // namespace Mock::Detail

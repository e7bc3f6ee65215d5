// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/filterlanguage.h"

#include "mock/capture/exchange.h"
#include "mock/protocol/types.h"

#include <array>
#include <optional>
#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

using Field = CaptureTerm::Field;

constexpr std::array<std::pair<Field, const char16_t *>, 13> fieldNames {{
    {Field::Stage, u"stage"},
    {Field::From, u"from"},
    {Field::To, u"to"},
    {Field::Action, u"action"},
    {Field::Status, u"status"},
    {Field::Has, u"has"},
    {Field::Dialect, u"dialect"},
    {Field::Session, u"session"},
    {Field::Rule, u"rule"},
    {Field::Client, u"client"},
    {Field::Kind, u"kind"},
    {Field::Smtp, u"smtp"},
    {Field::Http, u"http"},
}};

std::optional<Field> fieldFromName(QStringView name)
{
    for (const auto &[field, text] : fieldNames) {
        if (name.compare(QStringView(text), Qt::CaseInsensitive) == 0)
            return field;
    }
    return std::nullopt;
}

QString nameOfField(Field field)
{
    for (const auto &[candidate, text] : fieldNames) {
        if (candidate == field)
            return QString::fromUtf16(text);
    }
    return {};
}

QStringList stageValues()
{
    QStringList names;
    for (const MtaHooks::Stage stage : MtaHooks::inboundStages() + MtaHooks::outboundStages())
        names.append(MtaHooks::stageName(stage));
    return names;
}

QStringList actionValues()
{
    // Every verdict name; the action names are a subset (a reject with a 4xx reply is a tempfail).
    using MtaHooks::Verdict;
    QStringList names;
    for (const Verdict verdict :
        {Verdict::Accept, Verdict::Reject, Verdict::Tempfail, Verdict::Discard, Verdict::Quarantine,
            Verdict::Disconnect, Verdict::Continue, Verdict::Cancel, Verdict::Held, Verdict::Error})
        names.append(MtaHooks::verdictName(verdict));
    return names;
}

QStringList kindValues()
{
    QStringList names;
    for (const ExchangeKind kind :
        {ExchangeKind::Hook, ExchangeKind::Discovery, ExchangeKind::Registration,
            ExchangeKind::Status, ExchangeKind::Deregistration, ExchangeKind::Other})
        names.append(exchangeKindName(kind));
    return names;
}

QStringList dialectValues()
{
    using MtaHooks::Dialect;
    return {MtaHooks::dialectName(Dialect::Stalwart), MtaHooks::dialectName(Dialect::Draft01),
        MtaHooks::dialectName(Dialect::Draft02)};
}

QStringList hasValues()
{
    return {u"attachment"_s, u"problem"_s, u"error"_s, u"message"_s, u"fault"_s};
}

bool isStatusValue(const QString &value)
{
    if (value.size() != 3 || !value.at(0).isDigit() || value.at(0) == u'0')
        return false;
    const QStringView rest = QStringView(value).mid(1);
    if (rest == u"xx")
        return true;
    return rest.at(0).isDigit() && rest.at(1).isDigit();
}

struct Checked
{
    QString value; // normalised
    QString error; // empty when valid
};

Checked closedSet(const QString &value, const QStringList &allowed, const QString &field)
{
    const QString lower = value.toLower();
    if (allowed.contains(lower))
        return {lower, {}};
    return {{},
        u"'%1' is not a valid %2: expected one of %3"_s.arg(value, field, allowed.join(u", "_s))};
}

// Closed sets are validated and normalised; open fields (globs, keys, names) are kept as typed.
Checked checkValue(Field field, const QString &value)
{
    switch (field) {
    case Field::Stage:
        return closedSet(value, stageValues(), u"stage"_s);
    case Field::Action:
        return closedSet(value, actionValues(), u"action"_s);
    case Field::Has:
        return closedSet(value, hasValues(), u"has: value"_s);
    case Field::Kind:
        return closedSet(value, kindValues(), u"kind"_s);
    case Field::Dialect: {
        // dialectFromName also knows the aliases "legacy", "draft01" and "draft02".
        const auto dialect = MtaHooks::dialectFromName(value.toLower());
        if (dialect && *dialect != MtaHooks::Dialect::Unknown)
            return {MtaHooks::dialectName(*dialect), {}};
        return {{},
            u"'%1' is not a dialect: expected one of %2"_s.arg(
                value, dialectValues().join(u", "_s))};
    }
    case Field::Status:
    case Field::Http: {
        const QString lower = value.toLower();
        if (field == Field::Http && lower.startsWith(u"//"_s))
            return {{}, u"a URL is not an HTTP status: quote the word to search for it as text"_s};
        if (isStatusValue(lower))
            return {lower, {}};
        return {{},
            u"'%1' is not an HTTP status: expected a code such as 200 or a class such "
            "as 5xx"_s.arg(value)};
    }
    case Field::Smtp: {
        const QString lower = value.toLower();
        if (isStatusValue(lower))
            return {lower, {}};
        return {{},
            u"'%1' is not an SMTP reply code: expected a code such as 550 or a class such "
            "as 5xx"_s.arg(value)};
    }
    case Field::Text:
    case Field::From:
    case Field::To:
    case Field::Session:
    case Field::Rule:
    case Field::Client:
        break;
    }
    return {value, {}};
}

bool isFieldNameChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'-' || c == u'_';
}

// The length of a `name:` prefix at `from` (name only, without the colon), 0 when there is none.
// A name starts with a letter, so "2001:db8::1" and "::1" stay free text.
qsizetype fieldPrefixLength(QStringView text, qsizetype from)
{
    if (from >= text.size() || !text.at(from).isLetter() || !isFieldNameChar(text.at(from)))
        return 0;
    qsizetype i = from;
    while (i < text.size() && isFieldNameChar(text.at(i)))
        ++i;
    return i < text.size() && text.at(i) == u':' ? i - from : 0;
}

class Parser
{
public:
    explicit Parser(const QString &text)
        : m_text(text)
    { }

    FilterParseResult parse()
    {
        while (true) {
            skipSpace();
            if (atEnd())
                break;
            if (m_result.query.terms.size() == MaxFilterTerms) {
                fail(m_pos, m_text.size() - m_pos,
                    u"too many terms: a filter holds at most %1"_s.arg(MaxFilterTerms));
                break;
            }
            if (!term())
                break;
        }
        if (!m_result.isValid())
            m_result.query = {};
        return m_result;
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    bool isSpace(qsizetype at) const { return at < m_text.size() && m_text.at(at).isSpace(); }

    void skipSpace()
    {
        while (isSpace(m_pos))
            ++m_pos;
    }

    bool fail(qsizetype position, qsizetype length, const QString &message)
    {
        m_result.error = message;
        m_result.errorPosition = int(position);
        m_result.errorLength = int(length);
        return false;
    }

    // A quoted string starting at m_pos (on the quote); leaves m_pos after the closing quote.
    std::optional<QString> quoted()
    {
        const qsizetype open = m_pos++;
        QString value;
        while (!atEnd()) {
            const QChar c = m_text.at(m_pos++);
            if (c == u'"') {
                if (!atEnd() && !isSpace(m_pos)) {
                    fail(m_pos, 1, u"expected a space after the closing quote"_s);
                    return std::nullopt;
                }
                return value;
            }
            if (c == u'\\' && !atEnd() && (m_text.at(m_pos) == u'"' || m_text.at(m_pos) == u'\\'))
                value += m_text.at(m_pos++);
            else
                value += c;
        }
        fail(open, m_text.size() - open, u"unterminated quote"_s);
        return std::nullopt;
    }

    QString bare()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && !isSpace(m_pos))
            ++m_pos;
        return m_text.mid(start, m_pos - start);
    }

    // The value as typed (quotes and escapes removed) runs from `valueStart` to m_pos.
    bool isTooLong(const CaptureTerm &term, qsizetype valueStart)
    {
        if (term.value.size() <= MaxFilterValueLength)
            return false;
        return !fail(valueStart, m_pos - valueStart,
            u"value longer than %1 characters"_s.arg(MaxFilterValueLength));
    }

    bool term()
    {
        const qsizetype termStart = m_pos;
        bool negated = false;
        // A lone "-" (or "-" before a space) is the text "-", not an empty negation.
        if (m_text.at(m_pos) == u'-' && m_pos + 1 < m_text.size() && !isSpace(m_pos + 1)) {
            negated = true;
            ++m_pos;
        }
        CaptureTerm term;
        term.negated = negated;
        const qsizetype textStart = m_pos;
        if (m_text.at(m_pos) == u'"') {
            const auto value = quoted();
            if (!value)
                return false;
            term.value = *value;
            if (term.value.isEmpty())
                return fail(termStart, m_pos - termStart, u"empty search text"_s);
            if (isTooLong(term, textStart))
                return false;
            m_result.query.terms.append(term);
            return true;
        }
        const qsizetype nameLength = fieldPrefixLength(m_text, m_pos);
        if (nameLength == 0) {
            term.value = bare();
            if (isTooLong(term, textStart))
                return false;
            m_result.query.terms.append(term);
            return true;
        }
        const QString name = m_text.mid(m_pos, nameLength);
        const auto field = fieldFromName(name);
        if (!field) {
            return fail(m_pos, nameLength,
                u"unknown field '%1' (fields: %2; quote the word to search for it as text)"_s.arg(
                    name, filterFieldNames().join(u", "_s)));
        }
        m_pos += nameLength + 1;
        const qsizetype valueStart = m_pos;
        term.field = *field;
        if (!atEnd() && m_text.at(m_pos) == u'"') {
            const auto value = quoted();
            if (!value)
                return false;
            term.value = *value;
        } else {
            term.value = bare();
            if (term.value.isEmpty()) {
                return fail(termStart, valueStart - termStart,
                    u"missing value after '%1:'"_s.arg(name.toLower()));
            }
        }
        if (isTooLong(term, valueStart))
            return false;
        const Checked checked = checkValue(term.field, term.value);
        if (!checked.error.isEmpty())
            return fail(valueStart, m_pos - valueStart, checked.error);
        term.value = checked.value;
        m_result.query.terms.append(term);
        return true;
    }

    const QString &m_text;
    qsizetype m_pos = 0;
    FilterParseResult m_result;
};

// Quotes a value when the parser would otherwise split it, read it as a field, or lose it.
QString quoteIfNeeded(const QString &value, bool isFreeText)
{
    bool needsQuotes = value.isEmpty() || value.startsWith(u'"');
    for (const QChar c : value) {
        if (c.isSpace())
            needsQuotes = true;
    }
    if (isFreeText) {
        if (value.startsWith(u'-') || fieldPrefixLength(value, 0) > 0)
            needsQuotes = true;
    }
    if (!needsQuotes)
        return value;
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
    return u'"' + escaped + u'"';
}

} // namespace

FilterParseResult parseFilter(const QString &text)
{
    // A control character (NUL above all) cannot be typed and would be read differently by
    // SQLite's LIKE (which stops at NUL) and by the timeline's own matching: refused up front.
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.category() == QChar::Other_Control && !c.isSpace()) {
            FilterParseResult result;
            result.error = QStringLiteral("control character U+%1 in the filter")
                               .arg(c.unicode(), 4, 16, QLatin1Char('0'));
            result.errorPosition = int(i);
            result.errorLength = 1;
            return result;
        }
    }
    return Parser(text).parse();
}

QString filterToString(const CaptureQuery &query)
{
    QStringList parts;
    parts.reserve(query.terms.size());
    for (const CaptureTerm &term : query.terms) {
        QString part = term.negated ? u"-"_s : QString();
        if (term.field == Field::Text) {
            // An empty free-text term matches everything; it has no spelling, so it is dropped.
            if (term.value.isEmpty())
                continue;
            part += quoteIfNeeded(term.value, true);
        } else {
            part += nameOfField(term.field) + u':' + quoteIfNeeded(term.value, false);
        }
        parts.append(part);
    }
    return parts.join(u' ');
}

QStringList filterFieldNames()
{
    QStringList names;
    for (const auto &[field, text] : fieldNames)
        names.append(QString::fromUtf16(text));
    return names;
}

QStringList filterFieldValues(const QString &field)
{
    const auto which = fieldFromName(field);
    if (!which)
        return {};
    switch (*which) {
    case Field::Stage:
        return stageValues();
    case Field::Action:
        return actionValues();
    case Field::Has:
        return hasValues();
    case Field::Dialect:
        return dialectValues();
    case Field::Kind:
        return kindValues();
    case Field::Status:
    case Field::Http:
    case Field::Smtp:
        return {u"2xx"_s, u"4xx"_s, u"5xx"_s};
    case Field::Text:
    case Field::From:
    case Field::To:
    case Field::Session:
    case Field::Rule:
    case Field::Client:
        break;
    }
    return {};
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/querymatcher.h"

#include "mock/protocol/types.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// The store compares with LIKE, which ignores the case of ASCII letters only (SQLite without
// ICU, as Debian builds it): "É" and "é" differ there, so they differ here.
QString foldCase(const QString &text)
{
    QString folded = text;
    for (QChar &c : folded) {
        if (c >= u'A' && c <= u'Z')
            c = QChar(c.unicode() + (u'a' - u'A'));
    }
    return folded;
}

// The store's globs: '*' any run, '?' one character, every other character literal (the store
// escapes LIKE's own '%' and '_').
bool globMatch(QStringView pattern, QStringView text)
{
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype starP = -1;
    qsizetype starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern.at(p) == u'?' || pattern.at(p) == text.at(t))) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern.at(p) == u'*') {
            starP = p++;
            starT = t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == u'*')
        ++p;
    return p == pattern.size();
}

bool globField(const QString &glob, const QString &value)
{
    return globMatch(foldCase(glob), foldCase(value));
}

QString stageColumn(const Exchange &e)
{
    return e.stage != MtaHooks::Stage::Unknown ? MtaHooks::stageName(e.stage) : e.stageName;
}

bool textMatches(const QString &value, const Exchange &e)
{
    const QString needle = foldCase(value);
    if (needle.isEmpty())
        return true;
    // recipients is stored as a compact JSON array and searched as that text.
    const QString recipients = QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(e.recipients)).toJson(QJsonDocument::Compact));
    for (const QString &column : {e.subject, e.mailFrom, recipients, QString::fromUtf8(e.path),
             e.ruleName, e.clientIp, e.stageName}) {
        if (foldCase(column).contains(needle))
            return true;
    }
    return false;
}

bool statusMatches(const QString &value, int status)
{
    const QString text = value.trimmed().toLower();
    bool ok = false;
    const int code = text.toInt(&ok);
    if (ok && text.size() == 3)
        return status == code;
    if (text.size() == 3 && text.at(0).isDigit() && text.mid(1) == u"xx"_s) {
        const int base = text.at(0).digitValue() * 100;
        return status >= base && status <= base + 99;
    }
    return false;
}

bool actionMatches(const QString &value, const Exchange &e)
{
    const QString name = value.trimmed().toLower();
    const QString verdict = MtaHooks::verdictName(e.verdict);
    if (name == u"held"_s)
        return e.held || verdict == name;
    return MtaHooks::actionName(e.action) == name || verdict == name;
}

bool hasMatches(const QString &value, const Exchange &e)
{
    const QString what = value.trimmed().toLower();
    if (what == u"attachment"_s)
        return e.hasAttachment;
    if (what == u"problem"_s)
        return !e.problems.isEmpty();
    if (what == u"error"_s)
        return e.errorCount() > 0;
    if (what == u"message"_s)
        return e.messageSize >= 0;
    if (what == u"fault"_s)
        return !e.fault.isEmpty();
    return false;
}

bool dialectMatches(const QString &value, const Exchange &e)
{
    const QString text = value.trimmed().toLower();
    const auto dialect = MtaHooks::dialectFromName(text);
    return MtaHooks::dialectName(e.dialect) == (dialect ? MtaHooks::dialectName(*dialect) : text);
}

bool kindMatches(const QString &value, const Exchange &e)
{
    const QString text = value.trimmed().toLower();
    const QString name = exchangeKindName(exchangeKindFromName(text));
    return name == text && exchangeKindName(e.kind) == name;
}

} // namespace

bool matchesTerm(const CaptureTerm &term, const Exchange &e)
{
    using Field = CaptureTerm::Field;
    bool matches = false;
    switch (term.field) {
    case Field::Text:
        matches = textMatches(term.value, e);
        break;
    case Field::Stage:
        matches = stageColumn(e) == term.value.trimmed().toLower();
        break;
    case Field::From:
        matches = globField(term.value, e.mailFrom);
        break;
    case Field::To:
        matches = std::any_of(e.recipients.cbegin(), e.recipients.cend(),
            [&term](const QString &recipient) { return globField(term.value, recipient); });
        break;
    case Field::Action:
        matches = actionMatches(term.value, e);
        break;
    case Field::Status:
        matches = statusMatches(term.value, e.httpStatus);
        break;
    case Field::Has:
        matches = hasMatches(term.value, e);
        break;
    case Field::Dialect:
        matches = dialectMatches(term.value, e);
        break;
    case Field::Session:
        matches = e.sessionKey == term.value;
        break;
    case Field::Rule:
        matches = foldCase(e.ruleName) == foldCase(term.value);
        break;
    case Field::Client:
        matches = globField(term.value, e.clientIp);
        break;
    case Field::Kind:
        matches = kindMatches(term.value, e);
        break;
    }
    return matches != term.negated;
}

bool matchesQuery(const CaptureQuery &query, const Exchange &exchange)
{
    return std::all_of(query.terms.cbegin(), query.terms.cend(),
        [&exchange](const CaptureTerm &term) { return matchesTerm(term, exchange); });
}

} // namespace Mock

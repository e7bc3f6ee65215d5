// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/validator.h"

#include "mock/protocol/validator_p.h"

using namespace Qt::StringLiterals;

namespace MtaHooks {

QString Checker::describe(int kinds)
{
    QStringList names;
    if (kinds & String)
        names << QStringLiteral("a string");
    if (kinds & Unsigned)
        names << QStringLiteral("a non-negative integer");
    else if (kinds & Integer)
        names << QStringLiteral("an integer");
    if (kinds & Number)
        names << QStringLiteral("a number");
    if (kinds & Boolean)
        names << QStringLiteral("a boolean");
    if (kinds & Object)
        names << QStringLiteral("an object");
    if (kinds & Array)
        names << QStringLiteral("an array");
    if (kinds & Bytes)
        names << QStringLiteral("a byte string");
    if (kinds & Null)
        names << QStringLiteral("null");
    return names.join(QStringLiteral(" or "));
}

QString Checker::typeOf(const Json &value)
{
    if (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0)
        return QStringLiteral("a negative integer");
    if (value.is_number_integer())
        return QStringLiteral("an integer");
    return makeDocument(value).typeName();
}

const Json *Checker::check(const Json &object, const QString &base, const char *key, int kinds,
    Severity wrongType, bool optional, Severity missing, const QString &why)
{
    // The pointer only for a problem: check() runs for every member a request has.
    const Json *value = member(object, key);
    if (!value) {
        if (!optional)
            add(memberPointer(base, key), missing,
                QStringLiteral("\"%1\" is missing%2")
                    .arg(QString::fromLatin1(key), why.isEmpty() ? QString() : u": "_s + why));
        return nullptr;
    }
    if (!matches(*value, kinds)) {
        add(memberPointer(base, key), wrongType,
            QStringLiteral("must be %1, not %2%3")
                .arg(describe(kinds), typeOf(*value),
                    why.isEmpty() ? QString() : u" ("_s + why + u')'));
        return nullptr;
    }
    return value;
}

void Checker::unknownMembers(const Json &object, const QString &base,
    std::initializer_list<const char *> known, Severity severity, const QString &why)
{
    if (!object.is_object())
        return;
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool found = false;
        for (const char *name : known) {
            if (it.key() == name) {
                found = true;
                break;
            }
        }
        if (!found)
            add(pointerAppend(base, toQString(it.key())), severity,
                QStringLiteral("unknown member \"%1\": %2").arg(toQString(it.key()), why));
    }
}

Problems validateRequest(const Document &request, Dialect dialect)
{
    Checker checker;
    if (!request.isValid())
        return checker.problems;
    if (dialect == Dialect::Stalwart)
        validateStalwartRequest(jsonOf(request), checker);
    else if (dialect == Dialect::Draft01 || dialect == Dialect::Draft02)
        validateDraftRequest(jsonOf(request), checker);
    return checker.problems;
}

Problems validateResponse(const Document &response, Dialect dialect, Stage stage)
{
    Checker checker;
    if (!response.isValid())
        return checker.problems;
    if (dialect == Dialect::Stalwart)
        validateStalwartResponse(jsonOf(response), stage, checker);
    else if (dialect == Dialect::Draft01 || dialect == Dialect::Draft02)
        validateDraftResponse(jsonOf(response), dialect, stage, checker);
    return checker.problems;
}

} // namespace MtaHooks

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by the validator's implementation files: a problem collector with typed member checks.

#include "mock/protocol/jsonmapping_p.h"

#include <initializer_list>

namespace MtaHooks {

class Checker
{
public:
    Problems problems;

    void add(const QString &pointer, Severity severity, const QString &message)
    {
        problems.append({pointer, severity, message});
    }
    void error(const QString &pointer, const QString &message)
    {
        add(pointer, Severity::Error, message);
    }
    void warning(const QString &pointer, const QString &message)
    {
        add(pointer, Severity::Warning, message);
    }
    void info(const QString &pointer, const QString &message)
    {
        add(pointer, Severity::Info, message);
    }

    // The member or nullptr when absent.
    static const Json *member(const Json &object, const char *key)
    {
        if (!object.is_object())
            return nullptr;
        auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }

    enum Kind {
        String = 1,
        Integer = 2,
        Unsigned = 4,
        Boolean = 8,
        Object = 16,
        Array = 32,
        Null = 64,
        Bytes = 128,
        Number = 256
    };

    static bool matches(const Json &value, int kinds)
    {
        if ((kinds & Null) && value.is_null())
            return true;
        if ((kinds & String) && value.is_string())
            return true;
        if ((kinds & Integer) && value.is_number_integer())
            return true;
        if ((kinds & Unsigned) && value.is_number_integer()
            && (value.is_number_unsigned() || value.get<std::int64_t>() >= 0))
            return true;
        if ((kinds & Number) && value.is_number())
            return true;
        if ((kinds & Boolean) && value.is_boolean())
            return true;
        if ((kinds & Object) && value.is_object())
            return true;
        if ((kinds & Array) && value.is_array())
            return true;
        if ((kinds & Bytes) && value.is_binary())
            return true;
        return false;
    }

    static QString describe(int kinds);
    static QString typeOf(const Json &value);

    // Checks the type of a member; reports a missing one with `missing` (no report when
    // missing == Severity::Info and the member is optional: pass optional = true).
    const Json *check(const Json &object, const QString &base, const char *key, int kinds,
        Severity wrongType, bool optional, Severity missing = Severity::Error,
        const QString &why = {});

    // Reports members not in `known` with the given severity.
    void unknownMembers(const Json &object, const QString &base,
        std::initializer_list<const char *> known, Severity severity, const QString &why);
};

// validator_stalwart.cpp
void validateStalwartRequest(const Json &root, Checker &checker);
void validateStalwartResponse(const Json &root, Stage stage, Checker &checker);
// validator_draft.cpp
void validateDraftRequest(const Json &root, Checker &checker);
void validateDraftResponse(const Json &root, Dialect dialect, Stage stage, Checker &checker);

} // namespace MtaHooks

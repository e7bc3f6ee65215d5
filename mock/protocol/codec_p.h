// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by codec.cpp (bodies, dialects, responses) and requestfacts.cpp (what a request says).

#include "mock/protocol/hookrequest.h"
#include "mock/protocol/jsonmapping_p.h"

namespace MtaHooks {

inline QString stringAt(const Json &object, const char *key)
{
    if (!object.is_object())
        return {};
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return toQString(it->get_ref<const std::string &>());
}

inline qint64 integerAt(const Json &object, const char *key, qint64 fallback = 0)
{
    if (!object.is_object())
        return fallback;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return fallback;
    return it->get<std::int64_t>();
}

inline const Json &memberOf(const Json &object, const char *key)
{
    static const Json null;
    if (!object.is_object())
        return null;
    auto it = object.find(key);
    return it == object.end() ? null : *it;
}

// The facts of a request document, per dialect (requestfacts.cpp).
void extractStalwart(const Json &root, HookRequest &request);
void extractDraft(const Json &root, HookRequest &request);

} // namespace MtaHooks

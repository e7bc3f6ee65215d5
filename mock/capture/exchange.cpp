// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/exchange.h"

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// The names are stored in capture databases and session files: never rename one.
constexpr std::array<std::pair<ExchangeKind, QLatin1StringView>, 6> kindNames {{
    {ExchangeKind::Hook, "hook"_L1},
    {ExchangeKind::Discovery, "discovery"_L1},
    {ExchangeKind::Registration, "registration"_L1},
    {ExchangeKind::Status, "status"_L1},
    {ExchangeKind::Deregistration, "deregistration"_L1},
    {ExchangeKind::Other, "other"_L1},
}};

} // namespace

QString exchangeKindName(ExchangeKind kind)
{
    for (const auto &[candidate, name] : kindNames) {
        if (candidate == kind)
            return name;
    }
    return u"other"_s;
}

ExchangeKind exchangeKindFromName(QStringView name)
{
    for (const auto &[candidate, text] : kindNames) {
        if (name.compare(text, Qt::CaseInsensitive) == 0)
            return candidate;
    }
    return ExchangeKind::Other;
}

QByteArray Exchange::requestHeader(QByteArrayView name) const
{
    for (const auto &[headerName, value] : requestHeaders) {
        if (headerName.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace Mock

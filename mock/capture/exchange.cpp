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

bool isScheme(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 32)
        return false;
    for (const char c : text) {
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!letter && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

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
    return headerValue(requestHeaders, name);
}

void redactCredentials(HttpHeaders &headers)
{
    for (auto &[name, value] : headers) {
        if (name.compare("Authorization", Qt::CaseInsensitive) == 0
            || name.compare("Proxy-Authorization", Qt::CaseInsensitive) == 0) {
            // The scheme says how the client authenticated, which is worth seeing. Anything that
            // does not look like a scheme (no space after it, too long, odd bytes) may be the
            // secret itself, so it goes too.
            const QByteArray trimmed = value.trimmed();
            const qsizetype space = trimmed.indexOf(' ');
            const QByteArray scheme = space > 0 ? trimmed.left(space) : QByteArray();
            value = isScheme(scheme) ? scheme + " ***" : QByteArrayLiteral("***");
        } else if (name.compare("Cookie", Qt::CaseInsensitive) == 0) {
            value = QByteArrayLiteral("***");
        }
    }
}

} // namespace Mock

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimedecoder.h"
#include "mock/mime/mimepart.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace MtaHooks::Mime {

// Header fields as the JMAP Email object renders them (RFC 8621 §4.1.2-4.1.3): the "headers"
// list, the parsed forms (Raw, Text, Addresses, …) and "header:{name}" properties.

using Json = nlohmann::ordered_json;

inline std::string str(const QString &text)
{
    return text.toStdString();
}

inline std::string str(const QByteArray &bytes)
{
    // Header bytes may be 8-bit garbage; JSON needs UTF-8.
    return QString::fromUtf8(bytes).toStdString();
}

inline Json stringOrNull(const QString &text)
{
    return text.isEmpty() ? Json(nullptr) : Json(str(text));
}

// The fields named name (case-insensitive), in message order.
QList<const Header *> headersNamed(const QList<Header> &headers, const QString &name);
Json addressesJson(const QList<MailAddress> &addresses);
// One field in a parsed form (RFC 8621 §4.1.2; "" is Raw); null for an unknown form.
Json headerFormValue(const Header &header, const QString &form);
// "header:{name}[:as{Form}][:all]"; nullopt when the property is not of that shape.
std::optional<Json> headerProperty(const QList<Header> &headers, const QString &property);
// The "headers" list; stalwart: names and values as Stalwart renders them (see JmapOptions).
Json headersJson(const QList<Header> &headers, bool stalwart);

} // namespace MtaHooks::Mime

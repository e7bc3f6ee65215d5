// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to mock/protocol: the only place nlohmann/json meets our types.

#include "mock/protocol/document.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace MtaHooks {

using Json = nlohmann::ordered_json;

struct DocumentData
{
    Json json;
    bool invalid = false;
};

inline const Json &jsonOf(const Document &document)
{
    return document.data().json;
}

inline Document makeDocument(Json json)
{
    auto data = std::make_shared<DocumentData>();
    data->json = std::move(json);
    return Document(std::move(data));
}

inline QString toQString(const std::string &text)
{
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

inline std::string toStd(const QString &text)
{
    return text.toStdString();
}

// The pointer of a member inside the document, as the validator reports it.
inline QString memberPointer(const QString &base, const char *key)
{
    return pointerAppend(base, QString::fromUtf8(key));
}

// Base64 as the drafts carry binary data in JSON (reference §d.2, §f.14): the standard alphabet,
// padding optional, ASCII whitespace (MIME-style line breaks) skipped. *canonical is set to
// whether the text was exactly the padded form without whitespace (what rspamd demands).
inline std::optional<QByteArray> decodeBase64(QByteArrayView text, bool *canonical = nullptr)
{
    QByteArray compact;
    compact.reserve(text.size());
    for (char c : text) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            compact.append(c);
    }
    auto decoded = QByteArray::fromBase64Encoding(compact, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    if (canonical)
        *canonical = decoded.decoded.toBase64() == text;
    return std::move(decoded.decoded);
}

// Looks up an RFC 6901 pointer without throwing; nullptr when absent or malformed.
const Json *findPointer(const Json &root, QStringView pointer);

} // namespace MtaHooks

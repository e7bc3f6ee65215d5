// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to mock/protocol: the only place nlohmann/json meets our types.

#include "mock/protocol/document.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>

namespace MtaHooks {

using Json = nlohmann::ordered_json;

// clang-tidy 14 reports that the implicit special members may throw: they only move or destroy
// a basic_json, whose move and destructor are noexcept (its assert_invariant asserts, not throws).
struct DocumentData // NOLINT(bugprone-exception-escape)
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
    // QString::fromUtf8 drops a leading byte order mark; inside a document it is content (a key
    // "\uFEFFaction" is not "action"), so it is kept.
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0)
        return QChar(0xFEFF) + QString::fromUtf8(text.data() + 3, qsizetype(text.size()) - 3);
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
// Accepts and rejects exactly what QByteArray::fromBase64Encoding(AbortOnBase64DecodingErrors)
// does after removing whitespace, in one pass without copies: a data-stage request carries
// megabytes of it, and the decode plus a re-encode for the canonical check took ~100 ms per 5 MB.
// Produce: false only checks (checkBase64), writing nothing.
template<bool Produce>
std::optional<QByteArray> base64Pass(QByteArrayView text, bool *canonical)
{
    static constexpr std::array<qint8, 256> values = [] {
        std::array<qint8, 256> table {};
        table.fill(-1); // invalid
        constexpr char alphabet[]
            = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i)
            table[uchar(alphabet[i])] = qint8(i);
        table[uchar('=')] = -2;
        for (char c : {' ', '\t', '\r', '\n'})
            table[uchar(c)] = -3;
        return table;
    }();
    QByteArray out;
    [[maybe_unused]] char *write = nullptr;
    if constexpr (Produce) {
        out.resize(text.size() / 4 * 3 + 3);
        write = out.data();
    }
    quint32 buffer = 0;
    int bits = 0;
    qsizetype symbols = 0;
    qsizetype padding = 0;
    bool whitespace = false;
    for (const char c : text) {
        const qint8 value = values[uchar(c)];
        if (value >= 0) {
            if (padding > 0)
                return std::nullopt; // data after padding
            buffer = (buffer << 6) | quint32(value);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if constexpr (Produce)
                    *write++ = char(buffer >> bits);
            }
            ++symbols;
        } else if (value == -2) {
            ++padding;
        } else if (value == -3) {
            whitespace = true;
        } else {
            return std::nullopt;
        }
    }
    // Padding, when present, completes the last quantum.
    if (padding > 0 && ((symbols + padding) % 4 != 0 || padding > 2))
        return std::nullopt;
    if constexpr (Produce)
        out.truncate(write - out.constData());
    // Canonical: no whitespace, padded to a multiple of four, unused bits zero (what a re-encode of
    // the decoded bytes would give back).
    if (canonical)
        *canonical = !whitespace && padding == (4 - symbols % 4) % 4
            && (bits == 0 || (buffer & ((1u << bits) - 1)) == 0);
    return out;
}

inline std::optional<QByteArray> decodeBase64(QByteArrayView text, bool *canonical = nullptr)
{
    return base64Pass<true>(text, canonical);
}

// The bytes a value carries: a CBOR byte string as it is, a JSON string as base64; empty for
// anything else or bad base64. Document::toBytes() of the value, without copying it into a
// document first (a message's blob can be its whole size).
inline QByteArray bytesOf(const Json &value)
{
    if (value.is_binary()) {
        const auto &bytes = value.get_binary();
        return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
    }
    if (value.is_string()) {
        const std::string &text = value.get_ref<const std::string &>();
        if (auto decoded = decodeBase64(QByteArrayView(text.data(), qsizetype(text.size()))))
            return *std::move(decoded);
    }
    return {};
}

// Whether decodeBase64() would decode the text, without decoding it: the validator's check of a
// message the extraction decodes anyway.
inline bool checkBase64(QByteArrayView text, bool *canonical = nullptr)
{
    return base64Pass<false>(text, canonical).has_value();
}

// Looks up an RFC 6901 pointer without throwing; nullptr when absent or malformed.
const Json *findPointer(const Json &root, QStringView pointer);

} // namespace MtaHooks

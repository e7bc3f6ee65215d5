// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <limits>
#include <memory>
#include <optional>

namespace MtaHooks {

struct DocumentData;

// What one decoded document may hold. Checked while the bytes are parsed, before any recursive
// code sees the document: every walk of a Document (validator, apply, dumps, tree views) may then
// recurse without a stack overflow, and a body cannot make the tree grow out of proportion.
struct DecodeLimits
{
    int maxDepth = 128; // arrays, maps and CBOR tags nested in one another
    qint64 maxElements = 250000; // values in the whole document
    // Members of one object. nlohmann's order-keeping object finds a key by a linear search,
    // so this also bounds the parse time of a body made of large objects.
    qint64 maxObjectMembers = 1000;
    qint64 maxStringBytes = 64 * 1024 * 1024; // one string or byte string

    // For files the user opens (session files, HAR, rules): only the nesting is bounded, as a
    // capture of many calls is legitimately large.
    static DecodeLimits forFiles()
    {
        return {128, std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max(),
            std::numeric_limits<qint64>::max()};
    }
};

// An immutable JSON-model document (a hook request, a response, a patch value) that keeps member
// order as received. JSON, CBOR and MessagePack decode into it; CBOR byte strings stay binary.
// It is a cheap-to-copy handle: copies share the parsed tree.
class Document
{
public:
    enum class Type {
        Invalid,
        Null,
        Boolean,
        Integer,
        Unsigned,
        Float,
        String,
        Binary,
        Array,
        Object
    };

    Document(); // JSON null
    static Document invalid();
    static Document fromString(const QString &text);
    static Document fromVariant(const QVariant &value);
    static Document emptyObject();

    // Decoders. On failure the result is invalid and *error says why (with a byte offset).
    // Past a limit the result is invalid too, and *error names the limit.
    static Document fromJson(
        QByteArrayView json, QString *error = nullptr, const DecodeLimits &limits = {});
    static Document fromCbor(
        QByteArrayView cbor, QString *error = nullptr, const DecodeLimits &limits = {});
    static Document fromMsgPack(
        QByteArrayView msgpack, QString *error = nullptr, const DecodeLimits &limits = {});
    static Document decode(QByteArrayView bytes, Encoding encoding, QString *error = nullptr,
        const DecodeLimits &limits = {});
    // For JSON read by other parsers (Qt's, for files): false, with *error naming the limit or
    // the line and column of the fault, when the text passes a limit or is not RFC 8259 JSON
    // (Qt's parser accepts raw control characters, unknown escapes and ill-formed UTF-8, and
    // does not read them back as it wrote them). Builds nothing.
    enum class JsonCheck { Passed, NotJson, PastLimit };
    static JsonCheck checkJson(
        QByteArrayView json, QString *error, const DecodeLimits &limits = {});

    Type type() const;
    bool isValid() const { return type() != Type::Invalid; }
    bool isNull() const { return type() == Type::Null; }
    bool isObject() const { return type() == Type::Object; }
    bool isArray() const { return type() == Type::Array; }
    bool isString() const { return type() == Type::String; }
    bool isNumber() const;
    bool isInteger() const;
    bool isBool() const { return type() == Type::Boolean; }
    bool isBinary() const { return type() == Type::Binary; }
    QString typeName() const; // "object", "string", ... as a validator would say it

    // JSON text (binary values become base64 strings, as the drafts carry them in JSON).
    QByteArray toJson(int indent = -1) const;
    QByteArray toCbor() const;
    QByteArray encode(Encoding encoding) const; // Json or Cbor (or MsgPack)

    // Navigation by RFC 6901 pointer ("" is the whole document).
    std::optional<Document> find(QStringView pointer) const;
    bool contains(QStringView pointer) const { return find(pointer).has_value(); }
    Document value(QStringView pointer) const; // invalid when missing

    Document member(QStringView key) const; // invalid when missing
    Document at(qsizetype index) const; // invalid when out of range
    qsizetype size() const; // members of an object, elements of an array
    QStringList keys() const; // object member names in order

    QString toString(const QString &fallback = {}) const; // strings only
    qint64 toInteger(qint64 fallback = 0) const;
    double toDouble(double fallback = 0) const;
    bool toBool(bool fallback = false) const;
    QByteArray toBytes() const; // binary as is; strings base64-decoded when valid
    QVariant toVariant() const;
    // A short human form of a scalar ("550", "reject", "true"); compact JSON for containers.
    QString toDisplayString() const;

    friend bool operator==(const Document &a, const Document &b);
    friend bool operator!=(const Document &a, const Document &b) { return !(a == b); }

    // For the protocol library's own implementation files.
    explicit Document(std::shared_ptr<const DocumentData> data);
    const DocumentData &data() const { return *m_data; }

private:
    std::shared_ptr<const DocumentData> m_data;
};

// RFC 6901 helpers.
QString escapePointerToken(QStringView token);
QString unescapePointerToken(QStringView token);
QString pointerAppend(QStringView base, QStringView token);
QString pointerAppend(QStringView base, qsizetype index);
bool isValidPointer(QStringView pointer);

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::Document)

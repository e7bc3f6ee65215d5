// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/document.h"

#include "mock/protocol/jsonmapping_p.h"

#include <QVariantList>
#include <QVariantMap>

namespace MtaHooks {

namespace {

const std::shared_ptr<const DocumentData> &nullData()
{
    static const auto data = std::make_shared<const DocumentData>();
    return data;
}

const std::shared_ptr<const DocumentData> &invalidData()
{
    static const auto data = [] {
        auto d = std::make_shared<DocumentData>();
        d->invalid = true;
        return std::shared_ptr<const DocumentData>(std::move(d));
    }();
    return data;
}

bool containsBinary(const Json &json)
{
    if (json.is_binary())
        return true;
    if (json.is_structured()) {
        for (const auto &element : json) {
            if (containsBinary(element))
                return true;
        }
    }
    return false;
}

// JSON has no byte strings: the drafts carry binary data as base64 text in JSON.
Json binaryToBase64(const Json &json)
{
    if (json.is_binary()) {
        const auto &bytes = json.get_binary();
        const QByteArray raw(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
        return Json(raw.toBase64().toStdString());
    }
    if (json.is_object()) {
        Json out = Json::object();
        for (auto it = json.begin(); it != json.end(); ++it)
            out[it.key()] = binaryToBase64(it.value());
        return out;
    }
    if (json.is_array()) {
        Json out = Json::array();
        for (const auto &element : json)
            out.push_back(binaryToBase64(element));
        return out;
    }
    return json;
}

Json fromVariantValue(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return nullptr;
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::Short:
        return value.toLongLong();
    case QMetaType::UInt:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
    case QMetaType::UShort:
        return value.toULongLong();
    case QMetaType::Double:
    case QMetaType::Float:
        return value.toDouble();
    case QMetaType::QByteArray: {
        const QByteArray bytes = value.toByteArray();
        return Json::binary(std::vector<std::uint8_t>(bytes.cbegin(), bytes.cend()));
    }
    case QMetaType::QVariantMap: {
        Json out = Json::object();
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            out[toStd(it.key())] = fromVariantValue(it.value());
        return out;
    }
    case QMetaType::QVariantList:
    case QMetaType::QStringList: {
        Json out = Json::array();
        const QVariantList list = value.toList();
        for (const QVariant &element : list)
            out.push_back(fromVariantValue(element));
        return out;
    }
    default:
        if (value.canConvert<Document>())
            return jsonOf(value.value<Document>());
        return toStd(value.toString());
    }
}

QVariant toVariantValue(const Json &json)
{
    switch (json.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
        return {};
    case Json::value_t::boolean:
        return json.get<bool>();
    case Json::value_t::number_integer:
        return qint64(json.get<std::int64_t>());
    case Json::value_t::number_unsigned:
        return quint64(json.get<std::uint64_t>());
    case Json::value_t::number_float:
        return json.get<double>();
    case Json::value_t::string:
        return toQString(json.get_ref<const std::string &>());
    case Json::value_t::binary: {
        const auto &bytes = json.get_binary();
        return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
    }
    case Json::value_t::array: {
        QVariantList list;
        for (const auto &element : json)
            list.append(toVariantValue(element));
        return list;
    }
    case Json::value_t::object: {
        QVariantMap map;
        for (auto it = json.begin(); it != json.end(); ++it)
            map.insert(toQString(it.key()), toVariantValue(it.value()));
        return map;
    }
    }
    return {};
}

bool parseArrayIndex(QStringView token, std::size_t size, std::size_t *index)
{
    if (token.isEmpty() || token.size() > 18)
        return false;
    if (token.size() > 1 && token.front() == QLatin1Char('0'))
        return false; // RFC 6901: no leading zeros
    std::size_t value = 0;
    for (QChar c : token) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
        value = value * 10 + std::size_t(c.unicode() - '0');
    }
    if (value >= size)
        return false;
    *index = value;
    return true;
}

} // namespace

const Json *findPointer(const Json &root, QStringView pointer)
{
    if (pointer.isEmpty())
        return &root;
    if (pointer.front() != QLatin1Char('/'))
        return nullptr;
    const Json *current = &root;
    qsizetype start = 1;
    while (true) {
        qsizetype end = pointer.indexOf(QLatin1Char('/'), start);
        const QStringView raw = pointer.mid(start, end < 0 ? -1 : end - start);
        const QString token = unescapePointerToken(raw);
        if (current->is_object()) {
            auto it = current->find(toStd(token));
            if (it == current->end())
                return nullptr;
            current = &*it;
        } else if (current->is_array()) {
            std::size_t index = 0;
            if (!parseArrayIndex(token, current->size(), &index))
                return nullptr;
            current = &(*current)[index];
        } else {
            return nullptr;
        }
        if (end < 0)
            return current;
        start = end + 1;
    }
}

Document::Document()
    : m_data(nullData())
{ }

Document::Document(std::shared_ptr<const DocumentData> data)
    : m_data(std::move(data))
{ }

Document Document::invalid()
{
    return Document(invalidData());
}

Document Document::fromString(const QString &text)
{
    return makeDocument(Json(toStd(text)));
}

Document Document::fromVariant(const QVariant &value)
{
    return makeDocument(fromVariantValue(value));
}

Document Document::emptyObject()
{
    return makeDocument(Json::object());
}

Document Document::decode(
    QByteArrayView bytes, Encoding encoding, QString *error, const DecodeLimits &limits)
{
    switch (encoding) {
    case Encoding::Json:
        return fromJson(bytes, error, limits);
    case Encoding::Cbor:
        return fromCbor(bytes, error, limits);
    case Encoding::MsgPack:
        return fromMsgPack(bytes, error, limits);
    default:
        if (error)
            *error = QStringLiteral("not a document encoding");
        return invalid();
    }
}

Document::Type Document::type() const
{
    if (m_data->invalid)
        return Type::Invalid;
    switch (m_data->json.type()) {
    case Json::value_t::null:
        return Type::Null;
    case Json::value_t::boolean:
        return Type::Boolean;
    case Json::value_t::number_integer:
        return Type::Integer;
    case Json::value_t::number_unsigned:
        return Type::Unsigned;
    case Json::value_t::number_float:
        return Type::Float;
    case Json::value_t::string:
        return Type::String;
    case Json::value_t::binary:
        return Type::Binary;
    case Json::value_t::array:
        return Type::Array;
    case Json::value_t::object:
        return Type::Object;
    case Json::value_t::discarded:
        return Type::Invalid;
    }
    return Type::Invalid;
}

bool Document::isNumber() const
{
    return !m_data->invalid && m_data->json.is_number();
}

bool Document::isInteger() const
{
    return !m_data->invalid && m_data->json.is_number_integer();
}

QString Document::typeName() const
{
    switch (type()) {
    case Type::Invalid:
        return QStringLiteral("nothing");
    case Type::Null:
        return QStringLiteral("null");
    case Type::Boolean:
        return QStringLiteral("a boolean");
    case Type::Integer:
    case Type::Unsigned:
        return QStringLiteral("an integer");
    case Type::Float:
        return QStringLiteral("a number");
    case Type::String:
        return QStringLiteral("a string");
    case Type::Binary:
        return QStringLiteral("a byte string");
    case Type::Array:
        return QStringLiteral("an array");
    case Type::Object:
        return QStringLiteral("an object");
    }
    return {};
}

QByteArray Document::toJson(int indent) const
{
    if (m_data->invalid)
        return {};
    const Json &json = m_data->json;
    const std::string text = containsBinary(json)
        ? binaryToBase64(json).dump(indent, ' ', false, Json::error_handler_t::replace)
        : json.dump(indent, ' ', false, Json::error_handler_t::replace);
    return QByteArray(text.data(), qsizetype(text.size()));
}

QByteArray Document::toCbor() const
{
    if (m_data->invalid)
        return {};
    const std::vector<std::uint8_t> bytes = Json::to_cbor(m_data->json);
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

QByteArray Document::encode(Encoding encoding) const
{
    switch (encoding) {
    case Encoding::Cbor:
        return toCbor();
    case Encoding::MsgPack: {
        if (m_data->invalid)
            return {};
        const std::vector<std::uint8_t> bytes = Json::to_msgpack(m_data->json);
        return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
    }
    default:
        return toJson();
    }
}

std::optional<Document> Document::find(QStringView pointer) const
{
    if (m_data->invalid)
        return std::nullopt;
    const Json *found = findPointer(m_data->json, pointer);
    if (!found)
        return std::nullopt;
    if (found == &m_data->json)
        return *this;
    return makeDocument(*found);
}

Document Document::value(QStringView pointer) const
{
    return find(pointer).value_or(invalid());
}

Document Document::member(QStringView key) const
{
    if (m_data->invalid || !m_data->json.is_object())
        return invalid();
    auto it = m_data->json.find(toStd(key.toString()));
    if (it == m_data->json.end())
        return invalid();
    return makeDocument(*it);
}

Document Document::at(qsizetype index) const
{
    if (m_data->invalid || !m_data->json.is_array() || index < 0
        || std::size_t(index) >= m_data->json.size())
        return invalid();
    return makeDocument(m_data->json[std::size_t(index)]);
}

qsizetype Document::size() const
{
    if (m_data->invalid || !m_data->json.is_structured())
        return 0;
    return qsizetype(m_data->json.size());
}

QStringList Document::keys() const
{
    QStringList result;
    if (m_data->invalid || !m_data->json.is_object())
        return result;
    for (auto it = m_data->json.begin(); it != m_data->json.end(); ++it)
        result.append(toQString(it.key()));
    return result;
}

QString Document::toString(const QString &fallback) const
{
    if (m_data->invalid || !m_data->json.is_string())
        return fallback;
    return toQString(m_data->json.get_ref<const std::string &>());
}

qint64 Document::toInteger(qint64 fallback) const
{
    if (m_data->invalid || !m_data->json.is_number())
        return fallback;
    if (m_data->json.is_number_float())
        return qint64(m_data->json.get<double>());
    if (m_data->json.is_number_unsigned())
        return qint64(m_data->json.get<std::uint64_t>());
    return qint64(m_data->json.get<std::int64_t>());
}

double Document::toDouble(double fallback) const
{
    if (m_data->invalid || !m_data->json.is_number())
        return fallback;
    return m_data->json.get<double>();
}

bool Document::toBool(bool fallback) const
{
    if (m_data->invalid || !m_data->json.is_boolean())
        return fallback;
    return m_data->json.get<bool>();
}

QByteArray Document::toBytes() const
{
    return m_data->invalid ? QByteArray() : bytesOf(m_data->json);
}

QVariant Document::toVariant() const
{
    if (m_data->invalid)
        return {};
    return toVariantValue(m_data->json);
}

QString Document::toDisplayString() const
{
    if (m_data->invalid)
        return {};
    if (m_data->json.is_string())
        return toQString(m_data->json.get_ref<const std::string &>());
    return QString::fromUtf8(toJson());
}

bool operator==(const Document &a, const Document &b)
{
    if (a.m_data->invalid || b.m_data->invalid)
        return a.m_data->invalid == b.m_data->invalid;
    return a.m_data->json == b.m_data->json;
}

namespace {

void appendEscaped(QString &out, QStringView token)
{
    for (const QChar c : token) {
        if (c == u'~')
            out += u"~0";
        else if (c == u'/')
            out += u"~1";
        else
            out += c;
    }
}

bool needsEscape(QStringView token)
{
    return token.contains(u'~') || token.contains(u'/');
}

} // namespace

// Without QString::replace (a QStringMatcher per call): the validators build a pointer for many of
// the members of every request.
QString escapePointerToken(QStringView token)
{
    if (!needsEscape(token))
        return token.toString();
    QString out;
    out.reserve(token.size() + 4);
    appendEscaped(out, token);
    return out;
}

QString unescapePointerToken(QStringView token)
{
    if (!token.contains(u'~'))
        return token.toString();
    QString out = token.toString();
    out.replace(QLatin1String("~1"), QLatin1String("/"));
    out.replace(QLatin1String("~0"), QLatin1String("~"));
    return out;
}

QString pointerAppend(QStringView base, QStringView token)
{
    QString out;
    out.reserve(base.size() + 1 + token.size() + (needsEscape(token) ? 8 : 0));
    out += base;
    out += u'/';
    if (needsEscape(token))
        appendEscaped(out, token);
    else
        out += token;
    return out;
}

QString pointerAppend(QStringView base, qsizetype index)
{
    return base.toString() + QLatin1Char('/') + QString::number(index);
}

bool isValidPointer(QStringView pointer)
{
    if (pointer.isEmpty())
        return true;
    if (pointer.front() != QLatin1Char('/'))
        return false;
    for (qsizetype i = 0; i < pointer.size(); ++i) {
        if (pointer[i] == QLatin1Char('~')) {
            if (i + 1 >= pointer.size()
                || (pointer[i + 1] != QLatin1Char('0') && pointer[i + 1] != QLatin1Char('1')))
                return false;
        }
    }
    return true;
}

} // namespace MtaHooks

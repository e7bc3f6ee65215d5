// SPDX-License-Identifier: GPL-3.0-or-later
// Document's decoders, bounded by DecodeLimits while they parse (nlohmann's SAX interface), so
// that no recursive code ever sees a document past the limits.
#include "mock/protocol/document.h"

#include "mock/protocol/cborscan_p.h"
#include "mock/protocol/jsonmapping_p.h"
#include "mock/protocol/jsonscan_p.h"

#include <QCborStreamReader>

#include <optional>
#include <vector>

namespace MtaHooks {

namespace {

using Acceptor = nlohmann::detail::json_sax_acceptor<Json>;

// Builds the document as nlohmann's json_sax_dom_parser does, without its copies. That one puts
// each member into its object as the key arrives; an ordered_map is a vector of pairs with a
// const key, which it grows by copying (the move could throw), so every member already there,
// nested objects and all, is deep-copied again each time its object grows (issue 12's profile:
// a third of the parse of a hook request). Here an open object collects its members with movable
// keys, and becomes an object once, when it closes; values are moved, never copied. A repeated
// key keeps its first place and takes the last value, as with nlohmann's builder.
class DomBuilder
{
public:
    explicit DomBuilder(Json &root)
        : m_root(root)
    { }

    bool null() { return put(Json(nullptr)); }
    bool boolean(bool v) { return put(Json(v)); }
    bool number_integer(Json::number_integer_t v) { return put(Json(v)); }
    bool number_unsigned(Json::number_unsigned_t v) { return put(Json(v)); }
    bool number_float(Json::number_float_t v, const Json::string_t &) { return put(Json(v)); }
    bool string(Json::string_t &v) { return put(Json(std::move(v))); }
    bool binary(Json::binary_t &v) { return put(Json(std::move(v))); }
    bool key(Json::string_t &v)
    {
        m_open.back().key = std::move(v);
        return true;
    }
    bool start_object(std::size_t)
    {
        // A finished object's member list is used again, its capacity with it: growing a fresh
        // list for every object was an eighth of the parse (issue 12).
        Members members;
        if (!m_spare.empty()) {
            members = std::move(m_spare.back());
            m_spare.pop_back();
        } else {
            members.reserve(8);
        }
        m_open.push_back({Json(Json::value_t::object), std::move(members), {}});
        return true;
    }
    bool end_object()
    {
        Open done = std::move(m_open.back());
        m_open.pop_back();
        auto &object = done.value.get_ref<Json::object_t &>();
        object.reserve(done.members.size());
        for (auto &[name, value] : done.members) {
            auto found = object.find(name);
            if (found != object.end())
                found->second = std::move(value);
            else
                object.Json::object_t::Container::emplace_back(std::move(name), std::move(value));
        }
        done.members.clear();
        m_spare.push_back(std::move(done.members));
        return put(std::move(done.value));
    }
    bool start_array(std::size_t)
    {
        m_open.push_back({Json(Json::value_t::array), {}, {}});
        return true;
    }
    bool end_array()
    {
        Json done = std::move(m_open.back().value);
        m_open.pop_back();
        return put(std::move(done));
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &)
    {
        m_errored = true;
        return false;
    }
    bool is_errored() const { return m_errored; }

private:
    // An object's members are gathered first and moved in at its end with one reservation: the
    // object's own vector holds pair<const string, Json>, which a growing vector must copy (a
    // const key cannot move); filling it directly cost more than this second list (issue 12).
    using Members = std::vector<std::pair<std::string, Json>>;
    struct Open
    {
        Json value; // an array gets its elements here; an object is filled when it closes
        Members members;
        std::string key;
    };
    bool put(Json &&value)
    {
        if (m_open.empty()) {
            m_root = std::move(value);
            return true;
        }
        Open &top = m_open.back();
        if (top.value.is_array())
            top.value.get_ref<Json::array_t &>().push_back(std::move(value));
        else
            top.members.emplace_back(std::move(top.key), std::move(value));
        return true;
    }

    Json &m_root;
    std::vector<Open> m_open;
    std::vector<Members> m_spare; // emptied member lists of finished objects
    bool m_errored = false;
};

// Counts depth, values, members and string sizes around a SAX consumer (nlohmann's own DOM
// builder, or an acceptor that builds nothing) and stops the parse at the first limit passed:
// nlohmann's binary readers recurse once per nesting level, so the check must come before the
// nested value is read, not after.
template<typename Inner>
class BoundedSax
{
public:
    using number_integer_t = Json::number_integer_t;
    using number_unsigned_t = Json::number_unsigned_t;
    using number_float_t = Json::number_float_t;
    using string_t = Json::string_t;
    using binary_t = Json::binary_t;

    // checkUtf8: for the binary encodings, whose readers take text strings as bytes (JSON's
    // lexer checks UTF-8 itself). A key that is not UTF-8 could not be named by a pointer.
    BoundedSax(Inner &inner, const DecodeLimits &limits, bool checkUtf8 = false)
        : m_inner(inner)
        , m_limits(limits)
        , m_checkUtf8(checkUtf8)
    { }

    bool null() { return value() && m_inner.null(); }
    bool boolean(bool v) { return value() && m_inner.boolean(v); }
    bool number_integer(number_integer_t v) { return value() && m_inner.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) { return value() && m_inner.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t &text)
    {
        return value() && m_inner.number_float(v, text);
    }
    bool string(string_t &v)
    {
        return value() && sized(qint64(v.size())) && utf8(v) && m_inner.string(v);
    }
    bool binary(binary_t &v) { return value() && sized(qint64(v.size())) && m_inner.binary(v); }
    bool key(string_t &v)
    {
        if (++m_members.back() > m_limits.maxObjectMembers)
            return fail(QStringLiteral("an object has more than %1 members (the member limit)")
                            .arg(m_limits.maxObjectMembers));
        return sized(qint64(v.size())) && utf8(v) && m_inner.key(v);
    }
    bool start_object(std::size_t declared)
    {
        if (!value() || !deeper())
            return false;
        if (declared != std::size_t(-1) && qint64(declared) > m_limits.maxObjectMembers)
            return fail(QStringLiteral("an object declares %1 members, more than the limit of %2")
                            .arg(declared)
                            .arg(m_limits.maxObjectMembers));
        m_members.push_back(0);
        return m_inner.start_object(declared);
    }
    bool end_object()
    {
        --m_depth;
        m_members.pop_back();
        return m_inner.end_object();
    }
    bool start_array(std::size_t declared)
    {
        if (!value() || !deeper())
            return false;
        if (declared != std::size_t(-1) && qint64(declared) > m_limits.maxElements)
            return fail(QStringLiteral("an array declares %1 elements, more than the limit of %2")
                            .arg(declared)
                            .arg(m_limits.maxElements));
        return m_inner.start_array(declared);
    }
    bool end_array()
    {
        --m_depth;
        return m_inner.end_array();
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &e)
    {
        if (m_error.isEmpty()) {
            // what() begins with "[json.exception.parse_error.101] ", which says nothing to a user.
            m_error = QString::fromUtf8(e.what());
            if (m_error.startsWith(QLatin1Char('[')))
                m_error = m_error.mid(m_error.indexOf(QLatin1String("] ")) + 2);
            m_syntaxError = true;
        }
        return false;
    }

    const QString &error() const { return m_error; }
    bool syntaxError() const { return m_syntaxError; }

private:
    bool fail(const QString &reason)
    {
        m_error = reason;
        return false;
    }
    bool value()
    {
        if (++m_elements > m_limits.maxElements)
            return fail(QStringLiteral("more than %1 values in the document (the element limit)")
                            .arg(m_limits.maxElements));
        return true;
    }
    bool deeper()
    {
        if (++m_depth > m_limits.maxDepth)
            return fail(QStringLiteral("nested deeper than %1 levels (the nesting depth limit)")
                            .arg(m_limits.maxDepth));
        return true;
    }
    bool utf8(const string_t &text)
    {
        if (!m_checkUtf8 || QByteArrayView(text.data(), qsizetype(text.size())).isValidUtf8())
            return true;
        return fail(QStringLiteral("a text string is not valid UTF-8 (RFC 8949 §3.1)"));
    }
    bool sized(qint64 size)
    {
        if (size > m_limits.maxStringBytes)
            return fail(QStringLiteral("a string of %1 bytes is over the limit of %2")
                            .arg(size)
                            .arg(m_limits.maxStringBytes));
        return true;
    }

    Inner &m_inner;
    const DecodeLimits &m_limits;
    bool m_checkUtf8 = false;
    int m_depth = 0;
    qint64 m_elements = 0;
    std::vector<qint64> m_members;
    QString m_error;
    bool m_syntaxError = false;
};

// nlohmann's CBOR reader skips an ignored tag by calling itself for the tagged item before any
// SAX event, so a run of tags nests its stack with nothing to stop it. Qt's stream reader walks
// CBOR without recursion: it looks at the nesting first (containers and tags alike).
bool cborNestingWithin(QByteArrayView bytes, const DecodeLimits &limits, QString *error)
{
    QCborStreamReader reader(bytes.data(), bytes.size());
    int depth = 0; // containers entered, plus tags on the way to the current item
    std::vector<int> tagsAtLevel {0};
    while (reader.lastError() == QCborError::NoError) {
        if (depth > 0 && !reader.hasNext()) {
            if (!reader.leaveContainer())
                return true; // malformed: nlohmann says where
            tagsAtLevel.pop_back();
            // The container was one item of its parent: the tags before it are done too.
            depth -= 1 + tagsAtLevel.back();
            tagsAtLevel.back() = 0;
            if (tagsAtLevel.size() == 1)
                return true;
            continue;
        }
        if (reader.isTag()) {
            ++tagsAtLevel.back();
            if (++depth > limits.maxDepth)
                break;
            if (!reader.next())
                return true;
            continue;
        }
        if (reader.isArray() || reader.isMap()) {
            if (++depth > limits.maxDepth)
                break;
            if (!reader.enterContainer())
                return true;
            tagsAtLevel.push_back(0);
            continue;
        }
        if (reader.isString() || reader.isByteArray()) {
            // Skipped chunk by chunk: next() copies a string whole to check its UTF-8, 134 MB
            // for a 50 MB message (the SAX consumer checks the UTF-8 of what it is given).
            auto chunk = reader.readStringChunk(nullptr, 0);
            while (chunk.status == QCborStreamReader::Ok)
                chunk = reader.readStringChunk(nullptr, 0);
            if (chunk.status != QCborStreamReader::EndOfString)
                return true;
        } else if (reader.isInvalid() || !reader.next()) {
            return true;
        }
        depth -= tagsAtLevel.back();
        tagsAtLevel.back() = 0;
        if (tagsAtLevel.size() == 1)
            return true; // one complete top-level item
    }
    if (reader.lastError() != QCborError::NoError)
        return true;
    if (error)
        *error = QStringLiteral("nested deeper than %1 levels (the nesting depth limit)")
                     .arg(limits.maxDepth);
    return false;
}

template<typename Parse>
Document buildWith(Parse parse, const DecodeLimits &limits, QString *error, bool binary)
{
    Json root;
    DomBuilder dom(root);
    BoundedSax<DomBuilder> sax(dom, limits, binary);
    bool ok = false;
    try {
        ok = parse(sax) && !dom.is_errored();
    } catch (const Json::exception &e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return Document::invalid();
    }
    if (!ok) {
        if (error)
            *error = sax.error().isEmpty() ? QStringLiteral("not a valid document") : sax.error();
        return Document::invalid();
    }
    return makeDocument(std::move(root));
}

// The document of a fast reader (jsonscan_p.h, cborscan_p.h), or none when it gave up: the
// caller then reads the whole input again with nlohmann, whose reading and errors stay the only
// ones.
template<typename Scan>
std::optional<Document> readFast(Scan scan, const DecodeLimits &limits, bool binary)
{
    Json root;
    DomBuilder dom(root);
    BoundedSax<DomBuilder> sax(dom, limits, binary);
    if (!scan(sax) || dom.is_errored())
        return std::nullopt;
    return makeDocument(std::move(root));
}

} // namespace

Document Document::fromJson(QByteArrayView json, QString *error, const DecodeLimits &limits)
{
    const auto scan
        = [json](auto &sax) { return Detail::scanJson(json, sax) == Detail::JsonScan::Parsed; };
    if (auto fast = readFast(scan, limits, false))
        return *std::move(fast);
    return buildWith([json](auto &sax) { return Json::sax_parse(json.begin(), json.end(), &sax); },
        limits, error, false);
}

Document Document::fromCbor(QByteArrayView cbor, QString *error, const DecodeLimits &limits)
{
    if (!cborNestingWithin(cbor, limits, error))
        return invalid();
    const auto scan
        = [cbor](auto &sax) { return Detail::scanCbor(cbor, sax) == Detail::CborScan::Parsed; };
    if (auto fast = readFast(scan, limits, true))
        return *std::move(fast);
    return buildWith(
        [cbor](auto &sax) {
            // The reader takes its input by rvalue: made in place (a copy would do as well).
            using Input = decltype(nlohmann::detail::input_adapter(cbor.begin(), cbor.end()));
            nlohmann::detail::binary_reader<Json, Input, std::decay_t<decltype(sax)>> reader(
                nlohmann::detail::input_adapter(cbor.begin(), cbor.end()),
                nlohmann::detail::input_format_t::cbor);
            return reader.sax_parse(nlohmann::detail::input_format_t::cbor, &sax, true,
                Json::cbor_tag_handler_t::ignore);
        },
        limits, error, true);
}

Document Document::fromMsgPack(QByteArrayView msgpack, QString *error, const DecodeLimits &limits)
{
    return buildWith(
        [msgpack](auto &sax) {
            return Json::sax_parse(
                msgpack.begin(), msgpack.end(), &sax, nlohmann::detail::input_format_t::msgpack);
        },
        limits, error, true);
}

Document::JsonCheck Document::checkJson(
    QByteArrayView json, QString *error, const DecodeLimits &limits)
{
    Acceptor acceptor;
    BoundedSax<Acceptor> sax(acceptor, limits);
    if (Json::sax_parse(json.begin(), json.end(), &sax))
        return JsonCheck::Passed;
    // Any syntax error refuses the file, not only a limit: Qt's parser lets through what RFC 8259
    // forbids (a raw control character in a string, an escape such as "\." or ill-formed UTF-8),
    // and what it reads from such bytes is not what it writes again (found by fuzz_rules and
    // fuzz_sessions). nlohmann's message names the line and column.
    if (error)
        *error = sax.error();
    return sax.syntaxError() ? JsonCheck::NotJson : JsonCheck::PastLimit;
}

} // namespace MtaHooks

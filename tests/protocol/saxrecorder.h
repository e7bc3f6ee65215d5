// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// For the fast-path suites (tst_protocol_jsonscan, tst_protocol_cborscan): a SAX consumer that
// writes every event down, and random edits of a valid input, so that a fast reader's events can
// be compared with nlohmann's on the same bytes.

#include <QByteArray>
#include <QRandomGenerator>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace SaxTest {

using Json = nlohmann::ordered_json;

// One line per event, values included.
class Recorder
{
public:
    using binary_t = Json::binary_t;
    std::vector<std::string> events;

    bool null() { return add("null"); }
    bool boolean(bool v) { return add(v ? "true" : "false"); }
    bool number_integer(Json::number_integer_t v) { return add("int " + std::to_string(v)); }
    bool number_unsigned(Json::number_unsigned_t v) { return add("uint " + std::to_string(v)); }
    bool number_float(Json::number_float_t v, const std::string &)
    {
        return add("float " + std::to_string(v));
    }
    bool string(std::string &v) { return add("string " + v); }
    bool binary(binary_t &v)
    {
        return add("binary " + std::string(v.begin(), v.end()) + (v.has_subtype() ? " +" : ""));
    }
    bool key(std::string &v) { return add("key " + v); }
    bool start_object(std::size_t n) { return add("{" + std::to_string(n)); }
    bool end_object() { return add("}"); }
    bool start_array(std::size_t n) { return add("[" + std::to_string(n)); }
    bool end_array() { return add("]"); }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &)
    {
        return false;
    }

private:
    bool add(std::string event)
    {
        events.push_back(std::move(event));
        return true;
    }
};

// What the fast reader and nlohmann made of the same bytes.
struct Outcome
{
    bool scanned = false; // the fast reader parsed it itself
    bool parsed = false; // nlohmann parsed it
    std::vector<std::string> scannerEvents;
    std::vector<std::string> nlohmannEvents;
};

// One to three random edits (a byte changed, removed or inserted) of `base`, the bytes coming
// from `pick`.
template<typename Pick>
QByteArray mutated(QRandomGenerator &random, const QByteArray &base, Pick pick)
{
    QByteArray out = base;
    const int edits = 1 + int(random.bounded(3));
    for (int i = 0; i < edits; ++i) {
        const auto at = qsizetype(random.bounded(int(out.size())));
        switch (random.bounded(3)) {
        case 0:
            out[at] = pick();
            break;
        case 1:
            out.remove(at, 1);
            break;
        default:
            out.insert(at, pick());
        }
    }
    return out;
}

} // namespace SaxTest

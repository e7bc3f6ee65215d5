// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A fast path in front of nlohmann's JSON reader, for what hook requests are made of. nlohmann's
// lexer copies every character it reads into a token string for its error messages, then the
// value into a buffer of its own: 90 instructions a byte, a fifth of a small call's whole cost
// and most of a 5 MB data stage's parse (issue 12). This scanner reads a subset of JSON — ASCII
// strings with the short escapes, integers, literals, objects and arrays — and hands the same SAX
// events, in the same order, with the same values, to the same consumer. At anything else (any
// syntax error, a byte past ASCII in a string, \u escapes, fractions and exponents, integers past
// 64 bits, a byte order mark) it gives up, and the caller parses the whole text again with
// nlohmann: its reading and its error messages stay the only ones. Iterative, so nesting costs no
// stack.

#include <QByteArrayView>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace MtaHooks::Detail {

enum class JsonScan {
    Parsed, // the events of the whole document were handed over
    GaveUp, // outside the subset, or the consumer stopped: parse again with nlohmann
};

template<typename Sax>
class JsonScanner
{
public:
    JsonScanner(QByteArrayView text, Sax &sax)
        : m_at(text.data())
        , m_end(text.data() + text.size())
        , m_sax(sax)
    { }

    JsonScan run()
    {
        skipSpace();
        if (m_at == m_end)
            return JsonScan::GaveUp;
        if (!document())
            return JsonScan::GaveUp;
        skipSpace();
        return m_at == m_end ? JsonScan::Parsed : JsonScan::GaveUp;
    }

private:
    // Values and containers without recursion: m_open says, per open container, whether it is
    // an object.
    bool document()
    {
        bool wantKey = false;
        while (true) {
            if (wantKey) {
                skipSpace();
                if (!string() || !m_sax.key(m_text))
                    return false;
                skipSpace();
                if (m_at == m_end || *m_at != ':')
                    return false;
                ++m_at;
            }
            skipSpace();
            if (m_at == m_end)
                return false;
            const char c = *m_at;
            if (c == '{' || c == '[') {
                const bool object = c == '{';
                ++m_at;
                if (!(object ? m_sax.start_object(std::size_t(-1))
                             : m_sax.start_array(std::size_t(-1))))
                    return false;
                skipSpace();
                if (m_at != m_end && *m_at == (object ? '}' : ']')) {
                    ++m_at;
                    if (!(object ? m_sax.end_object() : m_sax.end_array()))
                        return false;
                } else {
                    m_open.push_back(object);
                    wantKey = object;
                    continue;
                }
            } else if (!scalar(c)) {
                return false;
            }
            // A value is complete: close what it completes, then go on to the next one.
            while (true) {
                if (m_open.empty())
                    return true;
                skipSpace();
                if (m_at == m_end)
                    return false;
                const bool object = m_open.back();
                if (*m_at == ',') {
                    ++m_at;
                    wantKey = object;
                    break;
                }
                if (*m_at != (object ? '}' : ']'))
                    return false;
                ++m_at;
                m_open.pop_back();
                if (!(object ? m_sax.end_object() : m_sax.end_array()))
                    return false;
            }
        }
    }

    bool scalar(char c)
    {
        switch (c) {
        case '"':
            return string() && m_sax.string(m_text);
        case 't':
            return literal("true") && m_sax.boolean(true);
        case 'f':
            return literal("false") && m_sax.boolean(false);
        case 'n':
            return literal("null") && m_sax.null();
        default:
            return number();
        }
    }

    bool literal(const char *word)
    {
        const std::size_t size = std::char_traits<char>::length(word);
        if (std::size_t(m_end - m_at) < size || std::char_traits<char>::compare(m_at, word, size))
            return false;
        m_at += size;
        return true;
    }

    // -?(0|[1-9][0-9]*), as nlohmann reads it: unsigned without a sign, signed with one.
    bool number()
    {
        const bool negative = *m_at == '-';
        if (negative)
            ++m_at;
        if (m_at == m_end || *m_at < '0' || *m_at > '9')
            return false;
        const char *digits = m_at;
        std::uint64_t value = 0;
        constexpr std::uint64_t Max = std::numeric_limits<std::uint64_t>::max();
        while (m_at != m_end && *m_at >= '0' && *m_at <= '9') {
            const auto digit = std::uint64_t(*m_at - '0');
            if (value > (Max - digit) / 10)
                return false; // past 64 bits: nlohmann makes it a float
            value = value * 10 + digit;
            ++m_at;
        }
        if (*digits == '0' && m_at - digits > 1)
            return false; // a leading zero is a syntax error
        if (m_at != m_end && (*m_at == '.' || *m_at == 'e' || *m_at == 'E'))
            return false; // a float: nlohmann's strtod has the last word on its value
        if (!negative)
            return m_sax.number_unsigned(value);
        constexpr auto Lowest = std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1;
        if (value > Lowest)
            return false;
        const std::int64_t signedValue
            = value == Lowest ? std::numeric_limits<std::int64_t>::min() : -std::int64_t(value);
        return m_sax.number_integer(signedValue);
    }

    // A string at m_at (its opening quote) into m_text: ASCII and the short escapes only.
    bool string()
    {
        if (m_at == m_end || *m_at != '"')
            return false;
        ++m_at;
        m_text.clear();
        const char *run = m_at;
        while (true) {
            while (m_at != m_end && plain(*m_at))
                ++m_at;
            if (m_at == m_end)
                return false;
            m_text.append(run, std::size_t(m_at - run));
            const char c = *m_at++;
            if (c == '"')
                return true;
            if (c != '\\' || m_at == m_end)
                return false; // a control character or a byte past ASCII
            switch (*m_at++) {
            case '"':
                m_text.push_back('"');
                break;
            case '\\':
                m_text.push_back('\\');
                break;
            case '/':
                m_text.push_back('/');
                break;
            case 'b':
                m_text.push_back('\b');
                break;
            case 'f':
                m_text.push_back('\f');
                break;
            case 'n':
                m_text.push_back('\n');
                break;
            case 'r':
                m_text.push_back('\r');
                break;
            case 't':
                m_text.push_back('\t');
                break;
            default:
                return false; // \u (surrogates and all) and invalid escapes: nlohmann's
            }
            run = m_at;
        }
    }

    static bool plain(char c)
    {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
    }

    void skipSpace()
    {
        while (m_at != m_end && (*m_at == ' ' || *m_at == '\n' || *m_at == '\r' || *m_at == '\t'))
            ++m_at;
    }

    const char *m_at;
    const char *m_end;
    Sax &m_sax;
    std::string m_text;
    std::vector<bool> m_open;
};

template<typename Sax>
JsonScan scanJson(QByteArrayView text, Sax &sax)
{
    return JsonScanner<Sax>(text, sax).run();
}

} // namespace MtaHooks::Detail

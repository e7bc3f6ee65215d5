// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A fast path in front of nlohmann's CBOR reader, for what hook requests are made of. nlohmann
// reads a string one byte at a time into a std::string that grows as it goes: a 50 MB message in
// a data stage was a chain of reallocations, the largest two alive at once, and the largest part
// of the call's peak memory (issue 9: memory stays bounded). Qt's QCborStreamReader tells each
// string's length before its bytes, so this reader sizes the string once and copies it in place,
// then hands the same SAX events, in the same order, with the same values, to the same consumer.
// It reads a subset of CBOR (RFC 8949): arrays and maps of known length with text keys, text and
// byte strings of known length, integers that fit nlohmann's, single and double floats, false,
// true and null. At anything else (tags, half floats, undefined and the other simple values,
// indefinite lengths, a malformed item, bytes after the top-level item) it gives up, and the
// caller parses the whole input again with nlohmann: its reading and its error messages stay the
// only ones. Iterative, so nesting costs no stack.

#include <QByteArrayView>
#include <QCborStreamReader>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace MtaHooks::Detail {

enum class CborScan {
    Parsed, // the events of the whole item were handed over
    GaveUp, // outside the subset, or the consumer stopped: parse again with nlohmann
};

template<typename Sax>
class CborScanner
{
public:
    CborScanner(QByteArrayView bytes, Sax &sax)
        : m_reader(bytes.data(), bytes.size())
        , m_size(bytes.size())
        , m_sax(sax)
    { }

    CborScan run()
    {
        // One item and nothing after it: nlohmann's strict reading.
        const bool whole = m_size > 0 && item() && m_reader.lastError() == QCborError::NoError
            && m_reader.currentOffset() == m_size;
        return whole ? CborScan::Parsed : CborScan::GaveUp;
    }

private:
    struct Open
    {
        bool map = false;
        bool wantKey = false;
    };

    // The top-level item, containers without recursion.
    bool item()
    {
        std::vector<Open> open;
        while (true) {
            if (!open.empty() && !m_reader.hasNext()) {
                const bool map = open.back().map;
                open.pop_back();
                if (!m_reader.leaveContainer() || !(map ? m_sax.end_object() : m_sax.end_array()))
                    return false;
                if (open.empty())
                    return true;
                continue;
            }
            if (!open.empty() && open.back().map && open.back().wantKey) {
                // nlohmann reads a map's keys as text strings and nothing else.
                if (!m_reader.isString() || !text(m_text) || !m_sax.key(m_text))
                    return false;
                open.back().wantKey = false;
                continue;
            }
            if (!open.empty() && open.back().map)
                open.back().wantKey = true; // after this value, the next key
            if (m_reader.isArray() || m_reader.isMap()) {
                if (!m_reader.isLengthKnown())
                    return false;
                const auto declared = std::size_t(m_reader.length());
                const bool map = m_reader.isMap();
                if (!(map ? m_sax.start_object(declared) : m_sax.start_array(declared))
                    || !m_reader.enterContainer())
                    return false;
                open.push_back({map, map});
                continue;
            }
            if (!scalar())
                return false;
            if (open.empty())
                return true;
        }
    }

    bool scalar()
    {
        if (m_reader.isUnsignedInteger()) {
            const quint64 value = m_reader.toUnsignedInteger();
            return m_sax.number_unsigned(value) && m_reader.next();
        }
        if (m_reader.isNegativeInteger()) {
            // -1 - n, as nlohmann computes it, while it fits a signed 64-bit integer.
            const auto n = quint64(m_reader.toNegativeInteger()) - 1;
            if (n > quint64(std::numeric_limits<std::int64_t>::max()))
                return false;
            return m_sax.number_integer(std::int64_t(-1) - std::int64_t(n)) && m_reader.next();
        }
        if (m_reader.isString()) {
            std::string value;
            return text(value) && m_sax.string(value);
        }
        if (m_reader.isByteArray()) {
            std::vector<std::uint8_t> bytes;
            if (!text(bytes))
                return false;
            typename Sax::binary_t value(std::move(bytes));
            return m_sax.binary(value);
        }
        if (m_reader.isFloat()) {
            const double value = m_reader.toFloat();
            return m_sax.number_float(value, std::string()) && m_reader.next();
        }
        if (m_reader.isDouble()) {
            const double value = m_reader.toDouble();
            return m_sax.number_float(value, std::string()) && m_reader.next();
        }
        if (m_reader.isBool()) {
            const bool value = m_reader.toBool();
            return m_sax.boolean(value) && m_reader.next();
        }
        if (m_reader.isNull())
            return m_sax.null() && m_reader.next();
        return false;
    }

    // A text or byte string of known length, sized once. The length is checked against what is
    // left of the input first: a head that promises more than there is allocates nothing.
    template<typename Bytes>
    bool text(Bytes &out)
    {
        if (!m_reader.isLengthKnown())
            return false;
        const qsizetype size = m_reader.currentStringChunkSize();
        if (size < 0 || size > m_size - m_reader.currentOffset())
            return false;
        out.resize(std::size_t(size));
        auto *at = reinterpret_cast<char *>(out.data());
        qsizetype filled = 0;
        // A string of known length is one chunk, then its end (an empty one may end at once).
        for (int call = 0; call < 2; ++call) {
            const auto chunk = m_reader.readStringChunk(at + filled, size - filled);
            if (chunk.status == QCborStreamReader::EndOfString)
                return filled == size;
            if (chunk.status != QCborStreamReader::Ok)
                return false;
            filled += chunk.data;
        }
        return false;
    }

    QCborStreamReader m_reader;
    qsizetype m_size;
    Sax &m_sax;
    std::string m_text;
};

template<typename Sax>
CborScan scanCbor(QByteArrayView bytes, Sax &sax)
{
    return CborScanner<Sax>(bytes, sax).run();
}

} // namespace MtaHooks::Detail

// SPDX-License-Identifier: GPL-3.0-or-later
// The guard's HTTP/1.1 request framing: heads, Content-Length and chunked bodies, pipelining.
//
// Input: two bytes of limits (small, so that every limit is reachable), one byte (bits 0-3: n;
// bit 7: skip bodies as the guard does) and n bytes of slice sizes, then the bytes of the
// connection. The bytes are fed once whole and once in slices of those sizes (cycled), skipping
// Content-Length bodies with skipBody when asked; both readings must agree, and every step must
// keep the invariants.
#include "tests/fuzz/fuzzsupport.h"

#include "mock/scanner/requestframing.h"

#include <vector>

using Mock::RequestFraming;
using Event = RequestFraming::Event;

namespace {

struct Mark
{
    Event event;
    qint64 offset; // after the step, from the start of the connection; the status for Failed
    bool operator==(const Mark &) const = default;
};

class Reader
{
public:
    Reader(const RequestFraming::Limits &limits, bool skipBodies)
        : m_limits(limits)
        , m_framing(limits)
        , m_skipBodies(skipBodies)
    { }

    void feed(QByteArrayView slice)
    {
        qsizetype pos = 0;
        // Each step consumes or moves on; the bound only catches a parser that stops doing so.
        for (int steps = 0;; ++steps) {
            FUZZ_CHECK(steps <= 2 * slice.size() + 4);
            const qint64 remaining = m_framing.contentBodyRemaining();
            FUZZ_CHECK(remaining >= 0);
            if (m_skipBodies && remaining > 1 && pos < slice.size()) {
                // All but the body's last byte, which feed() must see to report the end.
                const qint64 skip = qMin<qint64>(remaining - 1, slice.size() - pos);
                m_framing.skipBody(skip);
                pos += skip;
                m_offset += skip;
                checkState();
            }
            const bool wasFailed = m_framing.failed();
            const RequestFraming::Step step = m_framing.feed(slice.sliced(pos));
            FUZZ_CHECK(step.consumed >= 0 && step.consumed <= slice.size() - pos);
            pos += step.consumed;
            m_offset += step.consumed;
            checkState();
            switch (step.event) {
            case Event::NeedMore:
                FUZZ_CHECK(pos == slice.size()); // documented: everything given was consumed
                return;
            case Event::Failed:
                if (wasFailed) {
                    FUZZ_CHECK(step.consumed == 0);
                } else {
                    const int status = m_framing.error().status;
                    FUZZ_CHECK(status == 400 || status == 413 || status == 431 || status == 501
                        || status == 505);
                    m_marks.push_back({Event::Failed, status});
                }
                FUZZ_CHECK(m_framing.failed());
                return;
            case Event::HeadComplete:
                FUZZ_CHECK(!m_inMessage);
                m_inMessage = true;
                checkHead();
                m_marks.push_back({step.event, m_offset});
                break;
            case Event::MessageComplete:
                FUZZ_CHECK(m_inMessage);
                m_inMessage = false;
                FUZZ_CHECK(m_framing.head().chunked
                    || m_framing.bodyReceived() == m_framing.head().contentLength);
                m_marks.push_back({step.event, m_offset});
                break;
            }
            if (pos == slice.size() && step.event != Event::HeadComplete)
                return;
        }
    }

    const std::vector<Mark> &marks() const { return m_marks; }

private:
    void checkState() const
    {
        FUZZ_CHECK(
            m_framing.bufferedBytes() <= qMax(m_limits.headLimit + 4, m_limits.chunkLineLimit));
        FUZZ_CHECK(m_framing.bodyReceived() >= 0);
        FUZZ_CHECK(m_framing.bodyReceived() <= m_limits.bodyLimit);
    }

    void checkHead() const
    {
        const Mock::RequestHead &head = m_framing.head();
        FUZZ_CHECK(!head.method.isEmpty() && !head.target.isEmpty());
        FUZZ_CHECK(head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
        FUZZ_CHECK(head.headers.size() <= m_limits.maxFields);
        if (head.chunked)
            FUZZ_CHECK(head.contentLength == -1);
        else
            FUZZ_CHECK(head.contentLength >= 0 && head.contentLength <= m_limits.bodyLimit);
    }

    RequestFraming::Limits m_limits;
    RequestFraming m_framing;
    std::vector<Mark> m_marks;
    bool m_skipBodies = false;
    qint64 m_offset = 0;
    bool m_inMessage = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::Input input(data, size);
    const quint8 a = input.byte();
    const quint8 b = input.byte();
    RequestFraming::Limits limits;
    limits.headLimit = 32 + (a % 8) * 32;
    limits.maxFields = 1 + (a >> 3) % 8;
    limits.bodyLimit = b * 4;
    limits.chunkLineLimit = 4 + (b % 16) * 4;
    const quint8 sliceChoice = input.byte();
    std::vector<qsizetype> slices(sliceChoice % 16);
    for (qsizetype &slice : slices)
        slice = 1 + input.byte();
    const QByteArray bytes = input.restCopy();

    Reader whole(limits, false);
    whole.feed(bytes);

    Reader sliced(limits, sliceChoice & 0x80);
    qsizetype pos = 0;
    for (size_t i = 0; pos < bytes.size(); ++i) {
        const qsizetype length = slices.empty() ? 1 : slices[i % slices.size()];
        // A copy per slice: the parser must not keep pointers into bytes it was given.
        const QByteArray slice = bytes.mid(pos, length);
        sliced.feed(slice);
        pos += slice.size();
    }
    FUZZ_CHECK(whole.marks() == sliced.marks());
    return 0;
}

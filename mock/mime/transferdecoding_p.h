// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/bodyscan_p.h"
#include "mock/mime/mimepart_p.h"

#include <QList>

#include <algorithm>
#include <vector>

namespace MtaHooks::Mime {

// Transfer decoding of part bodies (base64, quoted-printable, uuencode) straight from the raw
// bytes, and the choice of decoding that goes with a part's digest.

// The GMime decoder for decoding; declared here because decodeRange() is a template.
GMimeContentEncoding gmimeEncoding(TransferDecoding decoding);

// Streams the transfer-decoded bytes of data[begin, end) to sink(const char *, qint64) in chunks,
// so that a large attachment is never held decoded.
template<typename Sink>
void decodeRange(const char *data, qint64 begin, qint64 end, TransferDecoding decoding, Sink &&sink)
{
    if (end <= begin)
        return;
    if (decoding == TransferDecoding::Identity) {
        sink(data + begin, end - begin);
        return;
    }
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, gmimeEncoding(decoding));
    if (decoding == TransferDecoding::UUEncode) {
        const qint64 start = uuencodedDataStart(data, begin, end);
        if (start < 0)
            return;
        begin = start;
        // The begin line is skipped above; GMime's step decoder expects that.
        state.state |= GMIME_UUDECODE_STATE_BEGIN;
    }
    constexpr qint64 chunk = qint64 {64} * 1024;
    std::vector<char> out(g_mime_encoding_outlen(&state, size_t(chunk)) + 64);
    for (qint64 pos = begin; pos < end; pos += chunk) {
        const qint64 length = std::min(chunk, end - pos);
        const size_t produced
            = g_mime_encoding_step(&state, data + pos, size_t(length), out.data());
        if (produced > 0)
            sink(out.data(), qint64(produced));
        if (decoding == TransferDecoding::UUEncode && (state.state & GMIME_UUDECODE_STATE_END))
            return;
    }
    const size_t produced = g_mime_encoding_flush(&state, nullptr, 0, out.data());
    if (produced > 0)
        sink(out.data(), qint64(produced));
}

// Chooses how to decode a body (checking its transfer encoding), then streams the decoded bytes
// through SHA-256 without keeping them. Touches only d and defects, so bodies can be digested in
// parallel.
void digest(const char *data, MimePart::Data &d, qint64 defectOffset, QList<Defect> &defects);

} // namespace MtaHooks::Mime

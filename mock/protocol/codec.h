// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/hookrequest.h"
#include "mock/protocol/hookresponse.h"

#include <QByteArrayView>

namespace MtaHooks {

// Which wire encoding a body is in: the Content-Type decides when it names one, otherwise the bytes
// are tried as JSON, CBOR and MessagePack in that order (first that parses completely wins).
Encoding encodingFromContentType(QByteArrayView contentType);
Encoding sniffEncoding(QByteArrayView body, const DecodeLimits &limits = {});
QByteArray contentTypeFor(Encoding encoding);

// Dialect of a parsed document: {context: …} is Stalwart; a flat object with "stage" is a draft
// request. A response object with "action" is Stalwart, {set|add|delete} or {} is draft-01, an
// array is draft-02.
Dialect detectRequestDialect(const Document &document);
Dialect detectResponseDialect(const Document &document);

struct DecodeOptions
{
    Dialect dialect = Dialect::Unknown; // forced; Unknown = detect
    Encoding encoding = Encoding::Unknown; // Unknown = from content type, then sniff
    // For responses: the dialect of the request being answered. A Stalwart MTA reads any answer
    // as Stalwart's; a draft MTA takes -01 objects and -02 arrays by their shape.
    Dialect requestDialect = Dialect::Unknown;
    // For responses: the stage answered, which decides the legal actions and edits.
    Stage requestStage = Stage::Unknown;
    DecodeLimits limits; // nesting, values, members and string sizes of the body
};

// Never fails: an undecodable body gives a HookRequest whose document is invalid and whose problems
// say why.
HookRequest decodeRequest(
    QByteArrayView body, QByteArrayView contentType = {}, const DecodeOptions &options = {});

// httpStatus matters for the drafts (204 = no change) and Stalwart (any 2xx; an empty body is an
// error). The request dialect (when known) breaks ties such as "{}" (an error for Stalwart, a no-op
// for draft-01).
HookResponse decodeResponse(QByteArrayView body, QByteArrayView contentType = {},
    int httpStatus = 200, const DecodeOptions &options = {});

// Rebuilds the raw message of a Stalwart request: name ":" value for each header (values carry
// their leading space and CRLF), CRLF, contents.
QByteArray stalwartRawMessage(const Document &request);

// The "message" member of a Stalwart data request for a raw message, as Stalwart writes it:
// header values keep their leading space, folding and CRLF; contents is the raw body (bytes that
// are not UTF-8 become U+FFFD); size is the raw length.
Document stalwartMessage(const QByteArray &raw);

} // namespace MtaHooks

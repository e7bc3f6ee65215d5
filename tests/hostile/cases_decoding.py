# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoding limits: nesting past 128, huge declared lengths, odd encodings (issue 9 §12).

Past a limit the server answers 400 with a JSON error whose text names the limit ("depth" or
"nesting"); never a 5xx, never a crash, memory bounded.
"""
import json

from hostile import CONNECT, case, check

GROUP = "decoding"
DEPTH = ("depth", "nesting", "nested")


def nested_request(depth):
    """A valid connect request whose innermost value sits at the given container depth, the
    request object itself counting as depth 1 (an extra member "x" of nested arrays)."""
    inner = depth - 1  # arrays below the root object
    return (json.dumps(CONNECT, separators=(",", ":"))[:-1] + ',"x":'
            + "[" * inner + "0" + "]" * inner + "}").encode()


def error_json(resp):
    doc = resp.json()
    check(isinstance(doc, (dict, list)), "400 body is not JSON: %r" % (resp,))


@case(GROUP)
def cbor_nested_arrays_200k(ctx):
    """CBOR 0x81 x 200000 (arrays of one) as application/cbor: 400 naming depth/nesting."""
    r = ctx.expect(ctx.req(body=b"\x81" * 200000 + b"\x00", content_type="application/cbor"),
                   400, mentions=DEPTH)
    error_json(r)


@case(GROUP)
def cbor_nested_arrays_text_plain(ctx):
    """The same CBOR nesting sent as text/plain: 400 or 415, never 5xx."""
    ctx.expect(ctx.req(body=b"\x81" * 200000 + b"\x00", content_type="text/plain"), (400, 415))


@case(GROUP)
def cbor_nested_arrays_no_content_type(ctx):
    """The same CBOR nesting with no Content-Type (sniffed): 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=b"\x81" * 200000 + b"\x00", content_type=None), 400, mentions=DEPTH)


@case(GROUP)
def msgpack_nested_arrays_200k(ctx):
    """MessagePack 0x91 x 200000 as application/msgpack: 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=b"\x91" * 200000 + b"\xc0", content_type="application/msgpack"),
               400, mentions=DEPTH)


@case(GROUP)
def msgpack_nested_maps_200k(ctx):
    """MessagePack maps nested 100000 deep ({"a": {"a": ...}}): 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=b"\x81\xa1a" * 100000 + b"\xc0",
                       content_type="application/msgpack"), 400, mentions=DEPTH)


@case(GROUP)
def json_open_brackets_100k(ctx):
    """JSON '[' x 100000, unterminated: 400 (depth or syntax), never 5xx."""
    ctx.expect(ctx.req(body=b"[" * 100000), 400)


@case(GROUP)
def json_balanced_brackets_100k(ctx):
    """JSON '[' x 100000 then ']' x 100000 (well-formed): 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=b"[" * 100000 + b"]" * 100000), 400, mentions=DEPTH)


@case(GROUP)
def json_open_objects_100k(ctx):
    """JSON '{"a":' x 100000, unterminated: 400, never 5xx."""
    ctx.expect(ctx.req(body=b'{"a":' * 100000), 400)


@case(GROUP)
def json_nested_objects_balanced_100k(ctx):
    """JSON {"a":{"a":...0...}} 100000 deep (well-formed): 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=b'{"a":' * 100000 + b"0" + b"}" * 100000), 400, mentions=DEPTH)


@case(GROUP)
def json_depth_128_no_error(ctx):
    """A valid request whose deepest value is at depth 128 (the limit): no 5xx; if 400, not a
    depth error (accepted outcomes: 200 with an action, or a 400 about the unknown member)."""
    r = ctx.expect(ctx.req(body=nested_request(128)), (200, 400))
    if r.status == 400:
        text = r.body.decode("utf-8", "replace").lower()
        check(not any(w in text for w in DEPTH), "depth 128 refused as too deep: %r" % (r,))


@case(GROUP)
def json_depth_129_refused(ctx):
    """The same request one level deeper (129 > 128): 400 naming depth/nesting."""
    ctx.expect(ctx.req(body=nested_request(129)), 400, mentions=DEPTH)


@case(GROUP)
def cbor_depth_129_refused(ctx):
    """CBOR: a map holding arrays 128 deep (129 containers in all): 400 naming depth/nesting."""
    body = b"\xa1\x61x" + b"\x81" * 128 + b"\x00"
    ctx.expect(ctx.req(body=body, content_type="application/cbor"), 400, mentions=DEPTH)


@case(GROUP)
def cbor_indefinite_arrays_nested(ctx):
    """CBOR indefinite-length arrays (0x9f) nested 200000 deep, closed by 0xff: 400 naming
    depth/nesting."""
    ctx.expect(ctx.req(body=b"\x9f" * 200000 + b"\xff" * 200000,
                       content_type="application/cbor"), 400, mentions=DEPTH)


@case(GROUP)
def cbor_indefinite_maps_unterminated(ctx):
    """CBOR indefinite-length maps (0xbf 0x61 'a') nested 100000 deep, never closed: 400."""
    ctx.expect(ctx.req(body=b"\xbf\x61a" * 100000, content_type="application/cbor"), 400)


@case(GROUP)
def cbor_huge_array_length(ctx):
    """CBOR array declaring 2^64-1 items with none following: 400, memory bounded."""
    ctx.expect(ctx.req(body=b"\x9b" + b"\xff" * 8, content_type="application/cbor"), 400)


@case(GROUP)
def cbor_huge_array32_length(ctx):
    """CBOR array declaring 2^32-1 items inside a request map, no data: 400, memory bounded."""
    body = b"\xa1\x67context\x9a\xff\xff\xff\xff"
    ctx.expect(ctx.req(body=body, content_type="application/cbor"), 400)


@case(GROUP)
def cbor_huge_map_length(ctx):
    """CBOR map declaring 2^63 pairs, no data: 400, memory bounded."""
    ctx.expect(ctx.req(body=b"\xbb\x80" + b"\x00" * 7, content_type="application/cbor"), 400)


@case(GROUP)
def cbor_huge_text_length(ctx):
    """CBOR text string declaring 2^64-1 bytes, three present: 400, memory bounded."""
    ctx.expect(ctx.req(body=b"\x7b" + b"\xff" * 8 + b"abc", content_type="application/cbor"),
               400)


@case(GROUP)
def cbor_huge_bytes_length(ctx):
    """CBOR byte string declaring 4 GB (0x5a ffffffff), a few bytes present: 400."""
    ctx.expect(ctx.req(body=b"\x5a\xff\xff\xff\xff" + b"x" * 16,
                       content_type="application/cbor"), 400)


@case(GROUP)
def cbor_nested_tags(ctx):
    """CBOR tag 6 wrapped 200000 times around 0: 400 (nesting or unsupported tag), no 5xx."""
    ctx.expect(ctx.req(body=b"\xc6" * 200000 + b"\x00", content_type="application/cbor"), 400)


@case(GROUP)
def msgpack_huge_array32_length(ctx):
    """MessagePack array32 declaring 2^32-1 items, no data: 400, memory bounded."""
    ctx.expect(ctx.req(body=b"\xdd\xff\xff\xff\xff", content_type="application/msgpack"), 400)


@case(GROUP)
def msgpack_huge_str32_length(ctx):
    """MessagePack str32 declaring 4 GB, a few bytes present: 400, memory bounded."""
    ctx.expect(ctx.req(body=b"\xdb\xff\xff\xff\xff" + b"abc",
                       content_type="application/msgpack"), 400)


@case(GROUP)
def json_many_elements(ctx):
    """A request carrying an array of 450000 numbers (~900 KB, under the 1 MB body limit):
    200 or 400 (element count limit), never 5xx; memory bounded."""
    body = (json.dumps(CONNECT, separators=(",", ":"))[:-1] + ',"x":['
            + "0," * 450000 + "0]}").encode()
    ctx.expect(ctx.req(body=body), (200, 400), seconds=10)


@case(GROUP)
def json_non_utf8(ctx):
    """A connect request whose helo is the bytes ff fe (not UTF-8, RFC 8259 §8.1): 400, or 200
    with an action if decoded leniently; never 5xx."""
    body = CONNECT_BODY_NON_UTF8
    r = ctx.expect(ctx.req(body=body), (200, 400))
    if r.status == 200:
        doc = r.json()
        check(isinstance(doc, dict) and "action" in doc, "200 without an action: %r" % (r,))


CONNECT_BODY_NON_UTF8 = json.dumps(CONNECT, separators=(",", ":")).encode().replace(
    b'"helo":null', b'"helo":"\xff\xfe\xc0\xaf"')


@case(GROUP)
def json_float_exponent_huge(ctx):
    """A number 1e999999999 and a 100000-digit integer in the request: 200 or 400, no 5xx."""
    body = (json.dumps(CONNECT, separators=(",", ":"))[:-1] + ',"x":[1e999999999,'
            + "9" * 100000 + "]}").encode()
    ctx.expect(ctx.req(body=body), (200, 400))


@case(GROUP)
def json_duplicate_keys_deep_strings(ctx):
    """50000 members with the same key and 50000 lone escaped surrogates: 200 or 400, no 5xx."""
    body = (b'{"context":' + json.dumps(CONNECT["context"]).encode()
            + b',"x":{' + b'"k":1,' * 50000 + b'"k":"' + b"\\ud800" * 50000 + b'"}}')
    ctx.expect(ctx.req(body=body), (200, 400), seconds=5)


# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP/1.1 message framing (RFC 9112) and the head's syntax, against a server started with
--body-limit 100000 (issue 9 §12)."""
import select
import time

from hostile import CONNECT_BODY, MiB, case, check, describe, is_hook_answer

GROUP = "framing"
LIMIT = 100000


def head(ctx, lines, host=True):
    """A request head from raw field lines (Host first unless host=False), CRLF endings."""
    out = ["POST /hook HTTP/1.1"]
    if host:
        out.append("Host: " + ctx.host)
    out += [f"{k}: {v}" for k, v in ctx.auth_headers]
    out += lines
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")


def chunked(ctx, chunks_bytes, extra=()):
    return head(ctx, ["Content-Type: application/json", "Transfer-Encoding: chunked"]
                + list(extra)) + chunks_bytes


def chunks(body, size=64, ext=""):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x%s\r\n" % (len(piece), ext.encode()) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


# -- Content-Length and Transfer-Encoding -----------------------------------------------------


@case(GROUP)
def cl_duplicate_huge_then_small(ctx):
    """Content-Length: 1000000000 then Content-Length: 5, followed by 50 MB: 400 (RFC 9112 §6.3:
    then close); the server must not buffer what follows (RSS growth under 20 MB)."""
    ctx.rss_growth_max = 20 * MiB
    data = head(ctx, ["Content-Type: application/json", "Content-Length: 1000000000",
                      "Content-Length: 5"]) + b"{}   "
    conn = ctx.connect()
    sock = conn.sock
    sock.setblocking(False)
    deadline = ctx.deadline(8)
    filler = b"x" * (256 * 1024)
    to_send = 50 * MiB
    sent_total = 0
    received = b""
    pending = memoryview(data)
    closed = None
    while time.monotonic() < deadline and closed is None:
        want_write = sent_total < to_send or pending
        r, w, _ = select.select([sock], [sock] if want_write else [], [], 0.2)
        if r:
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    closed = "closed"
                received += chunk
            except ConnectionResetError:
                closed = "reset"
            except BlockingIOError:
                pass
        if w and closed is None:
            try:
                if pending:
                    n = sock.send(pending)
                    pending = pending[n:]
                else:
                    n = sock.send(filler)
                    sent_total += n
            except (BrokenPipeError, ConnectionResetError):
                closed = "reset while sending"
            except BlockingIOError:
                pass
        if not want_write and not r and b"\r\n\r\n" in received:
            break
    # What the server sent before closing may still be queued here: read it.
    drain_until = time.monotonic() + 1
    while closed != "closed" and time.monotonic() < drain_until:
        if not select.select([sock], [], [], 0.1)[0]:
            if b"\r\n\r\n" in received:
                break
            continue
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BlockingIOError):
            break
        if not chunk:
            break
        received += chunk
    ctx.note("sent %.1f MB after the head before %s" % (sent_total / MiB, closed or "deadline"))
    check(received.startswith(b"HTTP/1.1 400") or received.startswith(b"HTTP/1.0 400"),
          "expected 400, got %r (%s)" % (received[:60], closed or "open at the deadline"))


@case(GROUP)
def cl_list_conflicting(ctx):
    """Content-Length: 5, 6: 400, then close (RFC 9112 §6.3)."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: 5, 6"]) + b"{}   ",
               400, closes_after=True)


@case(GROUP)
def cl_negative(ctx):
    """Content-Length: -1: 400, then close."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: -1"]), 400,
               closes_after=True)


@case(GROUP)
def cl_plus_sign(ctx):
    """Content-Length: +2 (not 1*DIGIT): 400, then close."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: +2"]) + b"{}",
               400, closes_after=True)


@case(GROUP)
def cl_hex(ctx):
    """Content-Length: 0x2: 400, then close."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: 0x2"]) + b"{}",
               400, closes_after=True)


@case(GROUP)
def cl_overflow_64bit(ctx):
    """Content-Length: 99999999999999999999999 (overflows 64 bits): 400 or 413, then close."""
    ctx.expect(head(ctx, ["Content-Type: application/json",
                          "Content-Length: 99999999999999999999999"]), (400, 413),
               closes_after=True)


@case(GROUP)
def te_and_cl(ctx):
    """Transfer-Encoding: chunked with Content-Length: 400, then close (RFC 9112 §6.1, a
    smuggling pattern)."""
    body = chunks(CONNECT_BODY)
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: 5",
                          "Transfer-Encoding: chunked"]) + body, 400, closes_after=True)


@case(GROUP)
def te_gzip(ctx):
    """Transfer-Encoding: gzip (not implemented): 501 (RFC 9112 §6.1)."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Transfer-Encoding: gzip"]), 501)


@case(GROUP)
def te_gzip_chunked(ctx):
    """Transfer-Encoding: gzip, chunked: 501."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Transfer-Encoding: gzip, chunked"])
               + b"0\r\n\r\n", 501)


@case(GROUP)
def te_chunked_not_final(ctx):
    """Transfer-Encoding: chunked, gzip (chunked not last): 400 (RFC 9112 §6.3 item 4) or 501,
    then close."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Transfer-Encoding: chunked, gzip"])
               + b"0\r\n\r\n", (400, 501), closes_after=True)


@case(GROUP)
def te_chunked_twice(ctx):
    """Transfer-Encoding: chunked on two lines (chunked applied twice): 400 or 501."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Transfer-Encoding: chunked",
                          "Transfer-Encoding: chunked"]) + b"0\r\n\r\n", (400, 501))


# -- the head's syntax ---------------------------------------------------------------------------


@case(GROUP)
def bare_lf_line_endings(ctx):
    """A request whose lines end in LF only: 400."""
    data = ctx.ordinary().replace(b"\r\n", b"\n")
    ctx.expect(data, 400)


@case(GROUP)
def bare_cr_in_field(ctx):
    """A field value holding a bare CR: 400 (RFC 9112 §2.2)."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "X-A: a\rb",
                          f"Content-Length: {len(CONNECT_BODY)}"]) + CONNECT_BODY, 400)


@case(GROUP)
def obs_fold(ctx):
    """A header line starting with a space (obs-fold): 400 (RFC 9112 §5.2)."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "X-Folded: a", " b",
                          f"Content-Length: {len(CONNECT_BODY)}"]) + CONNECT_BODY, 400)


@case(GROUP)
def header_without_colon(ctx):
    """A header line without a colon: 400."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "NoColonHere",
                          f"Content-Length: {len(CONNECT_BODY)}"]) + CONNECT_BODY, 400)


@case(GROUP)
def space_before_colon(ctx):
    """'Content-Length : N' (whitespace between name and colon): 400 (RFC 9112 §5.1 MUST)."""
    ctx.expect(head(ctx, ["Content-Type: application/json",
                          f"Content-Length : {len(CONNECT_BODY)}"]) + CONNECT_BODY, 400)


@case(GROUP)
def first_field_starts_with_space(ctx):
    """Whitespace between the request line and the first field (RFC 9112 §2.2): 400 or the
    line ignored; never 5xx. Accepted: 400, or 200 with an action."""
    data = ctx.ordinary().replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\n X-Space: 1\r\n", 1)
    r = ctx.expect(data, (200, 400))
    check(r.status == 400 or is_hook_answer(r), "200 without an action: %r" % (r,))


@case(GROUP)
def request_line_extra_spaces(ctx):
    """'POST  /hook HTTP/1.1' (two spaces) and three spaces at the end: 400."""
    data = ctx.ordinary().replace(b"POST /hook HTTP/1.1", b"POST  /hook HTTP/1.1", 1)
    ctx.expect(data, 400)
    data = ctx.ordinary().replace(b"POST /hook HTTP/1.1", b"POST /hook HTTP/1.1   ", 1)
    ctx.expect(data, 400)


@case(GROUP)
def request_line_garbage(ctx):
    """A request line of control characters and junk: 400 (or close: RFC 9112 §3 allows
    either for an invalid request line)."""
    ctx.expect(b"\x01\x02\x03 garbage \x7f\xfe\r\nHost: x\r\n\r\n", 400, allow_close=True)


@case(GROUP)
def http2_version(ctx):
    """POST /hook HTTP/2.0: 505 (RFC 9110 §15.6.6)."""
    data = ctx.ordinary().replace(b"HTTP/1.1\r\n", b"HTTP/2.0\r\n", 1)
    ctx.expect(data, 505)


@case(GROUP)
def http_version_garbage(ctx):
    """POST /hook HTTP/1.x: 400."""
    data = ctx.ordinary().replace(b"HTTP/1.1\r\n", b"HTTP/1.x\r\n", 1)
    ctx.expect(data, 400)


@case(GROUP)
def missing_host(ctx):
    """HTTP/1.1 without Host: 400 (RFC 9112 §3.2 MUST)."""
    ctx.expect(ctx.req(body=CONNECT_BODY, host=None), 400)


@case(GROUP)
def two_hosts(ctx):
    """Two Host fields: 400 (RFC 9112 §3.2 MUST)."""
    ctx.expect(ctx.req(body=CONNECT_BODY, headers=[("Host", ctx.host)]), 400)


@case(GROUP)
def head_over_64k(ctx):
    """One 70 KB header field (head over 64 KB): 431."""
    ctx.expect(ctx.req(body=CONNECT_BODY, headers=[("X-Big", "a" * 70000)]), 431,
               allow_close=False)


@case(GROUP)
def head_200k_no_end(ctx):
    """200 KB of header lines that never end: 431 or close once 64 KB is passed (not buffered
    until a deadline)."""
    data = b"POST /hook HTTP/1.1\r\nHost: " + ctx.host.encode() + b"\r\n" + \
        b"X-Filler: " + b"b" * 1000 + b"\r\n"
    data += (b"X-More: " + b"c" * 1000 + b"\r\n") * 200
    ctx.expect(data, 431, allow_close=True, seconds=3)


@case(GROUP)
def header_fields_over_128(ctx):
    """150 small header fields (more than 128): 431."""
    fields = [("X-F%d" % i, "v") for i in range(150)]
    ctx.expect(ctx.req(body=CONNECT_BODY, headers=fields), 431)


@case(GROUP)
def nul_in_head(ctx):
    """A NUL byte in a field value: 400."""
    ctx.expect(ctx.req(body=CONNECT_BODY, headers=[("X-Nul", "a\x00b")]), 400)


@case(GROUP)
def nul_in_target(ctx):
    """A NUL byte in the request target: 400."""
    data = ctx.ordinary().replace(b"/hook", b"/ho\x00ok", 1)
    ctx.expect(data, 400)


# -- chunked ------------------------------------------------------------------------------------


@case(GROUP)
def chunked_with_extensions_ok(ctx):
    """A valid chunked request with chunk extensions (;ext=1, ;name="quoted"): 200 with an
    action."""
    body = chunks(CONNECT_BODY, 50, ext=";ext=1").replace(b"0\r\n\r\n", b'0;name="q"\r\n\r\n')
    r = ctx.expect(chunked(ctx, body), 200)
    check(is_hook_answer(r), "200 without an action: %r" % (r,))


@case(GROUP)
def chunk_size_line_over_1k(ctx):
    """A chunk-size line of 2 KB (long extensions): 400."""
    body = b"5;" + b"a=b;" * 500 + b"\r\nhello\r\n0\r\n\r\n"
    ctx.expect(chunked(ctx, body), 400, allow_close=False)


@case(GROUP)
def chunk_size_invalid_hex(ctx):
    """Chunk size 'zz': 400."""
    ctx.expect(chunked(ctx, b"zz\r\nhello\r\n0\r\n\r\n"), 400)


@case(GROUP)
def chunk_size_overflow(ctx):
    """Chunk size ffffffffffffffffffff (overflows 64 bits): 400 or 413."""
    ctx.expect(chunked(ctx, b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), (400, 413))


@case(GROUP)
def chunk_data_without_crlf(ctx):
    """Chunk data not followed by CRLF: 400."""
    ctx.expect(chunked(ctx, b"5\r\nhelloXX0\r\n\r\n"), 400)


@case(GROUP)
def chunked_with_trailer(ctx):
    """A chunked body with a trailer field: 400 (the issue refuses trailers)."""
    body = chunks(CONNECT_BODY).replace(b"0\r\n\r\n", b"0\r\nX-Trailer: 1\r\n\r\n")
    ctx.expect(chunked(ctx, body), 400)


@case(GROUP)
def chunked_over_body_limit(ctx):
    """Chunks totalling 200 KB against --body-limit 100000: 413 (or 413 then close)."""
    body = b"%x\r\n" % 50000 + b" " * 50000 + b"\r\n"
    data = chunked(ctx, body * 4 + b"0\r\n\r\n")
    ctx.expect(data, 413, seconds=4)


@case(GROUP)
def cl_over_limit_not_read(ctx):
    """Content-Length 200000 over the 100000 limit, body never sent: 413 at once (the server
    must not wait for the body)."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: 200000"]), 413,
               seconds=2)


@case(GROUP)
def expect_continue_over_limit(ctx):
    """Expect: 100-continue with Content-Length 200000 over the limit: 413 as the first answer,
    not 100 Continue."""
    ctx.expect(head(ctx, ["Content-Type: application/json", "Content-Length: 200000",
                          "Expect: 100-continue"]), 413, seconds=2)


@case(GROUP)
def expect_continue_within_limit(ctx):
    """Expect: 100-continue within the limit: 100 Continue, then after the body 200 with an
    action."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    conn.send(head(ctx, ["Content-Type: application/json",
                         f"Content-Length: {len(CONNECT_BODY)}", "Expect: 100-continue"]),
              deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and value.status == 100, "expected 100, %s" % describe(kind, value))
    conn.send(CONNECT_BODY, deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and is_hook_answer(value),
          "expected 200 with an action, %s" % describe(kind, value))


# -- connection handling ------------------------------------------------------------------------


@case(GROUP)
def leading_crlfs(ctx):
    """Two empty lines before the request line (RFC 9112 §2.2 SHOULD ignore): 200."""
    r = ctx.expect(b"\r\n\r\n" + ctx.ordinary(), 200)
    check(is_hook_answer(r), "200 without an action: %r" % (r,))


@case(GROUP)
def pipelined_in_order(ctx):
    """Three requests in one write (ordinary, malformed JSON body, ordinary): answered in order
    200, then a 4xx — and after a 4xx about the body (framing intact) the third is 200 or the
    connection is closed."""
    bad = ctx.req(body=b'{"context":')
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    conn.send(ctx.ordinary() + bad + ctx.ordinary(), deadline)
    first = conn.outcome(deadline)
    check(first[0] == "response" and is_hook_answer(first[1]),
          "first: expected 200 with an action, %s" % describe(*first))
    second = conn.outcome(deadline)
    check(second[0] == "response" and 400 <= second[1].status < 500,
          "second: expected a 4xx, %s" % describe(*second))
    third = conn.outcome(deadline)
    check(third[0] == "closed" or (third[0] == "response" and is_hook_answer(third[1])),
          "third: expected 200 or close, %s" % describe(*third))


@case(GROUP)
def pipelined_two_ordinary(ctx):
    """Two ordinary requests in one write: both answered 200 with an action."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    conn.send(ctx.ordinary() + ctx.ordinary(), deadline)
    for i in (1, 2):
        kind, value = conn.outcome(deadline)
        check(kind == "response" and is_hook_answer(value),
              "answer %d: %s" % (i, describe(kind, value)))


@case(GROUP)
def pipelined_garbage_lines(ctx):
    """1000 tiny garbage lines in one write: 400 or close within 3 s; server healthy."""
    data = b"".join(b"x%d\r\n" % i for i in range(1000))
    ctx.expect(data, 400, allow_close=True)


@case(GROUP)
def cl_with_ows(ctx):
    """'Content-Length:   N  ' (optional whitespace around the value is allowed): 200."""
    data = head(ctx, ["Content-Type: application/json",
                      f"Content-Length:   {len(CONNECT_BODY)}  "]) + CONNECT_BODY
    r = ctx.expect(data, 200)
    check(is_hook_answer(r), "200 without an action: %r" % (r,))


@case(GROUP)
def body_longer_than_cl(ctx):
    """A body followed by junk past Content-Length: the request is answered 200, then the junk
    is a bad next request: 400 or close."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    conn.send(ctx.ordinary() + b"JUNK JUNK JUNK\r\n\r\n", deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and is_hook_answer(value), "first: %s" % describe(kind, value))
    kind, value = conn.outcome(deadline)
    check(kind == "closed" or (kind == "response" and value.status == 400),
          "junk: expected 400 or close, %s" % describe(kind, value))


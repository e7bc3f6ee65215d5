# SPDX-License-Identifier: GPL-3.0-or-later
"""Deadlines against slow clients, with a server started with --head-timeout 500
--body-timeout 500 --idle-timeout 800 (issue 9 §12): 408 then close for a late head or a stalled
body; idle keep-alive connections closed."""
import select
import time

from hostile import CONNECT_BODY, case, check, describe, is_hook_answer

GROUP = "deadlines"
HEAD_MS = 500
BODY_MS = 500
IDLE_MS = 800


def expect_408_close(ctx, conn, started, deadline, timeout_ms, allow_silent_close=False):
    """The connection gets a 408 (or, if allowed, is closed silently) at about timeout_ms after
    started, then is closed."""
    kind, value = conn.outcome(deadline)
    elapsed = time.monotonic() - started
    if kind == "closed" and allow_silent_close:
        pass
    else:
        check(kind == "response" and value.status == 408,
              "expected 408, %s after %.2f s" % (describe(kind, value), elapsed))
    lo, hi = timeout_ms / 1000 * 0.8, timeout_ms / 1000 + 1.5
    check(lo <= elapsed <= hi, "answered after %.2f s, expected %.1f–%.1f s" % (elapsed, lo, hi))
    if kind == "response":
        check(conn.wait_closed(ctx.deadline(1.5)), "408 but the connection stayed open")
    ctx.note("closed after %.2f s" % elapsed)


@case(GROUP)
def head_trickle(ctx):
    """A client sending its head one byte every 100 ms: 408 at about the head timeout (500 ms),
    then close — not kept while bytes keep coming."""
    data = ctx.ordinary()
    conn = ctx.connect()
    started = time.monotonic()
    deadline = started + 4
    for byte in data[:-len(CONNECT_BODY)]:
        if time.monotonic() > deadline:
            break
        try:
            conn.sock.send(bytes([byte]))
        except OSError:
            break  # closed by the server: the outcome below says how
        # Pace the trickle at 100 ms, and stop as soon as the server answers or closes.
        readable, _, _ = select.select([conn.sock], [], [], 0.1)
        if readable:
            break
    expect_408_close(ctx, conn, started, deadline, HEAD_MS)


@case(GROUP)
def head_partial_stall(ctx):
    """Request line and Host sent, then nothing: 408 at about 500 ms, then close."""
    conn = ctx.connect()
    started = time.monotonic()
    deadline = started + 3
    conn.send(b"POST /hook HTTP/1.1\r\nHost: " + ctx.host.encode() + b"\r\n", deadline)
    expect_408_close(ctx, conn, started, deadline, HEAD_MS)


@case(GROUP)
def head_nothing_sent(ctx):
    """A connection that sends nothing: closed (408 or silently, as nginx and Go do) at about
    the head timeout."""
    conn = ctx.connect()
    started = time.monotonic()
    expect_408_close(ctx, conn, started, started + 3, HEAD_MS, allow_silent_close=True)


@case(GROUP)
def body_stall(ctx):
    """Content-Length 1000, 10 bytes sent, then nothing: 408 at about the body timeout, then
    close."""
    conn = ctx.connect()
    started = time.monotonic()
    deadline = started + 3
    conn.send(ctx.req(headers=[("Content-Length", "1000")], body=b"", content_length=False)
              + b'{"context"', deadline)
    expect_408_close(ctx, conn, started, deadline, BODY_MS)


@case(GROUP)
def chunked_body_stall(ctx):
    """A chunked head and one chunk, then nothing: 408 at about the body timeout, then close."""
    conn = ctx.connect()
    started = time.monotonic()
    deadline = started + 3
    conn.send(ctx.req(headers=[("Transfer-Encoding", "chunked")], body=b"",
                      content_length=False) + b"5\r\n{\"con\r\n", deadline)
    expect_408_close(ctx, conn, started, deadline, BODY_MS)


@case(GROUP)
def body_progress_kept(ctx):
    """A body trickled one byte every 150 ms (progress within every 500 ms) for about 2 s in all:
    not cut off; 200 with an action (the body deadline is about progress, not total time)."""
    conn = ctx.connect()
    deadline = ctx.deadline(6)
    body = b'{ "context":' + CONNECT_BODY[len(b'{"context":'):]
    data = ctx.req(body=body)
    split = len(data) - len(body) + len(b'{ "context":')
    conn.send(data[:len(data) - len(body)], deadline)
    for byte in data[len(data) - len(body):split]:
        conn.send(bytes([byte]), deadline)
        time.sleep(0.15)  # the pacing of the trickle itself, not a synchronisation
    conn.send(data[split:], deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and is_hook_answer(value),
          "expected 200 with an action, %s" % describe(kind, value))


@case(GROUP)
def idle_keepalive_closed(ctx):
    """After an answered call the idle keep-alive connection is closed at about the idle
    timeout (800 ms)."""
    conn = ctx.connect()
    deadline = ctx.deadline(2)
    conn.send(ctx.ordinary(), deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and is_hook_answer(value), "call: %s" % describe(kind, value))
    started = time.monotonic()
    closed = conn.wait_closed(started + 4)
    elapsed = time.monotonic() - started
    check(closed, "idle connection still open after %.1f s" % elapsed)
    check(elapsed >= IDLE_MS / 1000 * 0.8, "closed after %.2f s, before the idle timeout"
          % elapsed)
    ctx.note("idle connection closed after %.2f s" % elapsed)


@case(GROUP)
def keepalive_reused_within_idle(ctx):
    """Two calls 300 ms apart on one connection (within the idle timeout): both 200."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    for i in (1, 2):
        conn.send(ctx.ordinary(), deadline)
        kind, value = conn.outcome(deadline)
        check(kind == "response" and is_hook_answer(value),
              "call %d: %s" % (i, describe(kind, value)))
        if i == 1:
            time.sleep(0.3)  # the gap under test, not a synchronisation


@case(GROUP)
def head_trickle_many(ctx):
    """Twenty connections each trickling a head (one byte per 100 ms): all closed within about
    the head timeout; an ordinary call meanwhile answered in under 1 s."""
    conns = [ctx.connect() for _ in range(20)]
    prefix = b"POST /hook HTTP/1.1\r\nHost: " + ctx.host.encode() + b"\r\nX-Slow: "
    started = time.monotonic()
    for c in conns:
        c.send(prefix, started + 2)
    took = ctx.ordinary_call(seconds=2)
    check(took < 1.0, "ordinary call took %.2f s" % took)
    open_conns = list(conns)
    while open_conns and time.monotonic() < started + 4:
        for c in list(open_conns):
            try:
                c.sock.send(b"a")
            except OSError:
                open_conns.remove(c)
        time.sleep(0.1)  # the trickle's pace
    elapsed = time.monotonic() - started
    check(not open_conns, "%d of 20 trickling connections still open after %.1f s"
          % (len(open_conns), elapsed))


# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection budget, with a server started with --max-connections-per-peer 8
--max-connections 12 (issue 9 §12). 127.0.0.1 and 127.0.0.2 are two peers on loopback."""
import threading
import time

from hostile import case, check, describe

GROUP = "budget"
PER_PEER = 8
TOTAL = 12


def hold(ctx, n, source="127.0.0.1", partial=True):
    """Opens n connections from source, each with a partial head (so they count as busy
    clients, not just accepted sockets)."""
    conns = []
    for _ in range(n):
        c = ctx.connect(source=source)
        if partial:
            c.send(b"POST /hook HTTP/1.1\r\nHost: " + ctx.host.encode() + b"\r\n",
                   ctx.deadline(1))
        conns.append(c)
    return conns


def refused(ctx, conn, seconds=1.0):
    """The over-budget connection is answered 503 or closed within seconds (even after a
    request is sent on it)."""
    deadline = ctx.deadline(seconds)
    try:
        conn.send(ctx.ordinary(), deadline)
    except Exception:  # closed already: fine
        pass
    kind, value = conn.outcome(deadline)
    ok = kind == "closed" or (kind == "response" and value.status == 503)
    return ok, describe(kind, value)


@case(GROUP)
def other_peer_served_while_idle_budget_held(ctx):
    """127.0.0.1 holds its 8 connections idle (no bytes): an ordinary call from 127.0.0.2 is
    answered 200 in under 1 s."""
    hold(ctx, PER_PEER, partial=False)
    took = ctx.ordinary_call(seconds=2, source="127.0.0.2")
    check(took < 1.0, "took %.2f s" % took)
    ctx.note("other peer answered in %.0f ms" % (took * 1000))


@case(GROUP)
def other_peer_served_while_trickle_budget_held(ctx):
    """127.0.0.1 holds 8 connections trickling a head (a byte every 100 ms from a thread): an
    ordinary call from 127.0.0.2 is answered 200 in under 1 s."""
    conns = hold(ctx, PER_PEER)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for c in conns:
                try:
                    c.sock.send(b"X-Trickle: 1\r\n"[:1])
                except OSError:
                    pass
            stop.wait(0.1)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        took = ctx.ordinary_call(seconds=2, source="127.0.0.2")
    finally:
        stop.set()
        t.join()
    check(took < 1.0, "took %.2f s" % took)


@case(GROUP)
def over_peer_cap_refused(ctx):
    """With 127.0.0.1's 8 connections held, four more from 127.0.0.1 are each refused (503 or
    closed) within 1 s."""
    hold(ctx, PER_PEER)
    for i in range(4):
        extra = ctx.connect(source="127.0.0.1")
        ok, what = refused(ctx, extra)
        check(ok, "connection %d over the cap: expected 503 or close, %s"
              % (PER_PEER + i + 1, what))


@case(GROUP)
def over_total_cap_refused(ctx):
    """127.0.0.1 holds 8 and 127.0.0.2 holds 4 (12, the total cap): a 13th from 127.0.0.2 is
    refused (503 or closed) within 1 s."""
    hold(ctx, PER_PEER)
    hold(ctx, TOTAL - PER_PEER, source="127.0.0.2")
    extra = ctx.connect(source="127.0.0.2")
    ok, what = refused(ctx, extra)
    check(ok, "connection over the total cap: expected 503 or close, %s" % what)


@case(GROUP)
def budget_released_on_close(ctx):
    """Fill 127.0.0.1's budget, close it all, three times: each time an ordinary call from
    127.0.0.1 is then answered (within 2 s, the server noticing the closes)."""
    for round_ in range(3):
        conns = hold(ctx, PER_PEER)
        for c in conns:
            c.close()
        deadline = time.monotonic() + 2
        while True:
            try:
                ctx.ordinary_call(seconds=1)
                break
            except Exception as e:  # refused while the closes are being noticed
                if time.monotonic() > deadline:
                    check(False, "round %d: budget not released: %s" % (round_ + 1, e))
                time.sleep(0.05)  # nothing to await: the server's bookkeeping is internal


@case(GROUP)
def rapid_connects_over_cap(ctx):
    """60 connections opened at once from 127.0.0.1 without closing: at most 8 are served, the
    rest refused (503 or closed) within 2 s; 127.0.0.2 still answered."""
    conns = [ctx.connect(source="127.0.0.1") for _ in range(60)]
    deadline = ctx.deadline(2)
    for c in conns:
        try:
            c.send(ctx.ordinary(), deadline)
        except Exception:
            pass
    served = refused_n = 0
    for c in conns:
        kind, value = c.outcome(deadline)
        if kind == "response" and value.status == 200:
            served += 1
        elif kind == "closed" or (kind == "response" and value.status == 503):
            refused_n += 1
    ctx.note("served %d, refused %d of 60" % (served, refused_n))
    check(served <= PER_PEER, "served %d connections at once from one peer" % served)
    check(served + refused_n == 60, "%d connections neither served nor refused in 2 s"
          % (60 - served - refused_n))
    took = ctx.ordinary_call(seconds=2, source="127.0.0.2")
    check(took < 1.0, "127.0.0.2 took %.2f s" % took)

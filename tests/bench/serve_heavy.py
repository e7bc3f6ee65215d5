#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Heavy calls against small ones (issue 9 §9): "a 50 MB data call being decoded adds no more
than 50 ms to concurrent small calls".

  serve_heavy.py --binary build/release/app/hookscope
                 [--bare build/release/tests/bench/bench_bare_server] [--seconds 8]
                 [--connections 4] [--interval-ms 10] [--heavy-mb 50]

Starts `hookscope serve --db FILE --body-limit 70000000` on a free loopback port. Small calls
(a Stalwart rcpt-stage request) go out on a few keep-alive connections, each paced at one call
per interval (open loop per connection: a late answer delays only its own next call); first
alone, then while another connection posts 50 MB data-stage calls in a loop, alternating a
Stalwart request (message contents in JSON) and a draft-01 request (rawMessage in base64). The
latency distribution (p50/p99/max) of both runs, and of the small calls that overlapped a heavy
one, is printed with the added latency against the 50 ms goal. With --bare, the same runs go
against a bare QHttpServer route first: what Qt's engine and this machine cost by themselves. A
benchmark, not a test: it prints figures and whether this run met the goal; the exit status is 0
unless it could not run.
Python 3 standard library only.
"""
import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

GOAL_MS = 50.0

# The small call: the same rcpt request as the other serve benchmarks.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_request import rcpt_request  # noqa: E402

RCPT = rcpt_request()

MESSAGE_HEAD = (
    "From: Bench Sender <sender@example.net>\r\n"
    "To: rcpt@example.com\r\n"
    "Subject: Heavy\r\n"
    "Message-ID: <heavy-1@example.net>\r\n"
    "Date: Thu, 05 Mar 2026 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n")


def message(size):
    line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    return MESSAGE_HEAD + line * max(1, (size - len(MESSAGE_HEAD)) // len(line))


def stalwart_data(size):
    """A Stalwart data-stage request whose JSON body is about size bytes (CRLFs escaped)."""
    contents = message(size * 74 // 76)  # "\r\n" costs four bytes in JSON
    doc = json.loads(json.dumps(RCPT))
    doc["context"]["stage"] = "data"
    doc["context"]["queue"] = {"id": "2e4bb2b71203601"}
    doc["message"] = {"headers": [["From", " Bench Sender <sender@example.net>\r\n"],
                                  ["To", " rcpt@example.com\r\n"],
                                  ["Subject", " Heavy\r\n"],
                                  ["Message-ID", " <heavy-1@example.net>\r\n"]],
                      "contents": contents, "size": len(contents)}
    return json.dumps(doc).encode()


def draft01_data(size):
    """A draft-01 data-stage request whose JSON body is about size bytes (rawMessage base64)."""
    raw = message(size * 3 // 4).encode()
    doc = {
        "stage": "data", "action": "accept", "timestamp": "2026-03-05T10:00:02Z",
        "response": {"code": 250, "enhancedCode": "2.0.0", "message": "Queued"},
        "protocol": {"version": "1.0"}, "queue": {"id": "q-heavy"},
        "server": {"name": "mx1.example.com", "ip": "198.51.100.25", "port": 25},
        "client": {"ip": "192.0.2.17", "port": 40125, "ptr": "mx.example.net",
                   "ehlo": "mx.example.net"},
        "envelope": {"from": {"address": "sender@example.net", "parameters": {}},
                     "to": [{"address": "rcpt@example.com", "parameters": {}}]},
        "message": {"size": len(raw), "subject": "Heavy"},
        "rawMessage": base64.b64encode(raw).decode(),
    }
    return json.dumps(doc).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, db):
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--db", db,
                             "--body-limit", "70000000"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            sys.exit("serve exited: " + log.read().decode("utf-8", "replace")[-500:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.05)  # waiting for the listening socket to appear
    proc.kill()
    sys.exit("serve did not listen within 15 s")


def post(conn, body):
    conn.request("POST", "/hook", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    # Stalwart answers carry an action; a draft-01 answer may be {} (no change: accept).
    if resp.status != 200 or (b'"action"' not in data and data.strip() != b"{}"):
        raise RuntimeError("unexpected answer %d %r" % (resp.status, data[:100]))


class SmallCalls:
    """Paced small calls on n keep-alive connections; records (start, latency) per call."""

    def __init__(self, port, connections, interval):
        self.port = port
        self.connections = connections
        self.interval = interval
        self.samples = []
        self.errors = []
        self.lock = threading.Lock()

    def run(self, seconds):
        self.samples = []
        stop_at = time.monotonic() + seconds
        body = json.dumps(RCPT).encode()

        def lane(offset):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            next_at = time.monotonic() + offset
            mine = []
            try:
                while True:
                    now = time.monotonic()
                    if now < next_at:
                        time.sleep(next_at - now)  # the pacing of an open-loop client
                    if time.monotonic() >= stop_at:
                        break
                    t0 = time.monotonic()
                    post(conn, body)
                    mine.append((t0, time.monotonic() - t0))
                    next_at = max(next_at + self.interval, time.monotonic())
            except Exception as e:  # report, do not hide
                self.errors.append(repr(e))
            finally:
                conn.close()
            with self.lock:
                self.samples.extend(mine)

        threads = [threading.Thread(target=lane, args=(i * self.interval / self.connections,))
                   for i in range(self.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [lat for _, lat in self.samples]


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(values):
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99),
            "max": max(ms) if ms else float("nan"),
            "mean": statistics.fmean(ms) if ms else float("nan")}


def fmt(s):
    return "n=%5d  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms" % (s["n"], s["p50"], s["p99"],
                                                              s["max"])


def vm(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def measure(binary, args, heavy):
    """Small calls alone, then with the heavy calls posted in a loop, against one server."""
    with tempfile.TemporaryDirectory(prefix="serve-heavy-") as tmp:
        proc, port = start_server(binary, os.path.join(tmp, "captures.sqlite"))
        try:
            small = SmallCalls(port, args.connections, args.interval_ms / 1000)
            small.run(1.0)  # warm-up: connections, caches, the database's first pages
            alone = summary(small.run(args.seconds))

            heavy_spans = []
            heavy_errors = []
            stop = threading.Event()

            def heavy_loop():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                i = 0
                try:
                    while not stop.is_set():
                        name, body = heavy[i % len(heavy)]
                        t0 = time.monotonic()
                        post(conn, body)
                        heavy_spans.append((name, t0, time.monotonic()))
                        i += 1
                except Exception as e:
                    heavy_errors.append(repr(e))
                finally:
                    conn.close()

            ht = threading.Thread(target=heavy_loop)
            ht.start()
            small.run(args.seconds)
            stop.set()
            ht.join()
            loaded_samples = list(small.samples)
            hwm = vm(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(10)
    loaded = summary([lat for _, lat in loaded_samples])
    overlapping = summary([lat for t0, lat in loaded_samples
                           if any(a <= t0 + lat and t0 <= b for _, a, b in heavy_spans)])
    return {"alone": alone, "loaded": loaded, "overlapping": overlapping, "spans": heavy_spans,
            "errors": small.errors + heavy_errors, "hwm": hwm,
            "add_p99": loaded["p99"] - alone["p99"], "add_max": loaded["max"] - alone["max"]}


def report(title, result, heavy):
    print()
    print(title)
    if result["errors"]:
        print("  errors: %s" % "; ".join(result["errors"]))
    print("  alone                   " + fmt(result["alone"]))
    print("  with heavy calls        " + fmt(result["loaded"]))
    print("  overlapping a heavy one " + fmt(result["overlapping"]))
    for name, _ in heavy:
        spans = [b - a for n, a, b in result["spans"] if n == name]
        if spans:
            print("  heavy %-18s %d calls, median %.0f ms" % (name, len(spans),
                                                           statistics.median(spans) * 1000))
    print("  VmHWM %.0f MB" % result["hwm"])
    print("  added latency: p99 %+.1f ms, max %+.1f ms" % (result["add_p99"], result["add_max"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--bare", help="bench_bare_server: measure Qt's engine alone first")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--interval-ms", type=float, default=10.0,
                        help="pace of each small-call connection")
    parser.add_argument("--heavy-mb", type=float, default=50.0)
    args = parser.parse_args()

    heavy_size = int(args.heavy_mb * 1000 * 1000)
    print("building the heavy requests (%.0f MB each)…" % args.heavy_mb, flush=True)
    heavy = [("stalwart-json", stalwart_data(heavy_size)),
             ("draft01-rawMessage", draft01_data(heavy_size))]
    for name, body in heavy:
        print("  %-20s %.1f MB" % (name, len(body) / 1e6))
    print("small calls: %d connections, one call per %.0f ms each, %.0f s per run"
          % (args.connections, args.interval_ms, args.seconds))

    if args.bare:
        bare = measure(args.bare, args, heavy)
        report("a bare QHttpServer route (Qt's engine alone, answers without reading the body)",
               bare, heavy)
    result = measure(args.binary, args, heavy)
    report("hookscope serve --db FILE", result, heavy)
    print()
    print("goal: a 50 MB call adds at most %.0f ms to concurrent small calls (p99 and max)"
          % GOAL_MS)
    met = (result["add_p99"] <= GOAL_MS and result["add_max"] <= GOAL_MS and result["spans"]
           and not result["errors"])
    print("goal %s" % ("met" if met else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

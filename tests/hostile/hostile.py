# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared machinery of the hostile-client suite (run_hostile.py): the server under test, a raw
HTTP/1.1 client with deadlines, memory sampling, the case registry and small CBOR/MessagePack
encoders. Python 3 standard library only; loopback only.

Written from RFC 9110/9112 and the issue, not from Hookscope's code.
"""
import json
import os
import select
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time

MiB = 1024 * 1024

# A Stalwart connect-stage request: the ordinary call of every health check.
CONNECT = {
    "context": {
        "stage": "connect",
        "client": {"ip": "203.0.113.7", "port": 50412, "ptr": None, "helo": None,
                   "activeConnections": 1},
        "server": {"name": "demo", "port": 25, "ip": "198.51.100.2"},
        "protocol": {"version": 1},
    }
}
CONNECT_BODY = json.dumps(CONNECT, separators=(",", ":")).encode()


class CaseFailed(Exception):
    """A case's expectation did not hold; the message is the reason printed after FAIL."""


def check(condition, reason):
    if not condition:
        raise CaseFailed(reason)


# ---------------------------------------------------------------------------------------------
# Case registry


class Case:
    def __init__(self, name, group, func, doc):
        self.name = name
        self.group = group
        self.func = func
        self.doc = doc


CASES = []


def case(group, name=None):
    """Registers a case: a function f(ctx) that raises CaseFailed (or AssertionError) on failure.
    Its docstring states the accepted outcomes."""
    def register(func):
        CASES.append(Case(name or func.__name__, group, func, (func.__doc__ or "").strip()))
        return func
    return register


# ---------------------------------------------------------------------------------------------
# Process memory


def proc_status(pid):
    """(VmRSS, VmHWM) in bytes, or (None, None) when the process is gone."""
    rss = hwm = None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return rss, hwm


class RssSampler:
    """Samples VmRSS every few milliseconds in a thread while a case runs; keeps the peak."""

    def __init__(self, pid, period=0.01):
        self.pid = pid
        self.period = period
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            rss, _ = proc_status(self.pid)
            if rss is not None and rss > self.peak:
                self.peak = rss
            self._stop.wait(self.period)

    def __enter__(self):
        rss, _ = proc_status(self.pid)
        self.start_rss = rss or 0
        self.peak = self.start_rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        rss, _ = proc_status(self.pid)
        if rss is not None and rss > self.peak:
            self.peak = rss
        return False


# ---------------------------------------------------------------------------------------------
# The server under test


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`hookscope serve --listen 127.0.0.1:PORT --db :memory: OPTIONS`, output to a temp file."""

    def __init__(self, binary, options, tls=None):
        self.binary = binary
        self.options = list(options)
        self.tls = tls  # ssl.SSLContext for clients, or None
        self.proc = None
        self.port = None
        self.log = None
        self.start_error = None

    def start(self, timeout=15.0):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        argv = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--db", ":memory:"]
        argv += self.options
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.start_error = (f"exited with {self.proc.returncode} at start: "
                                    + self.log_tail())
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                # Nothing to wait on but the listening socket appearing: poll it briefly.
                time.sleep(0.05)
        self.start_error = "did not listen within %.0f s: %s" % (timeout, self.log_tail())
        self.stop()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def death(self):
        rc = self.proc.returncode if self.proc else None
        if rc is not None and rc < 0:
            try:
                return "killed by %s" % signal.Signals(-rc).name
            except ValueError:
                return "killed by signal %d" % -rc
        return "exited with %s" % rc

    def log_tail(self, n=300):
        if not self.log:
            return ""
        self.log.flush()
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - n))
        text = self.log.read().decode("utf-8", "replace").strip().replace("\n", " | ")
        return text

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def rss(self):
        return proc_status(self.proc.pid)


# ---------------------------------------------------------------------------------------------
# A raw HTTP/1.1 client with deadlines


class Closed(Exception):
    """The server closed (EOF or reset) before a whole response arrived."""

    def __init__(self, how, partial=b""):
        super().__init__(how)
        self.how = how
        self.partial = partial


class TimedOut(Exception):
    def __init__(self, partial=b""):
        super().__init__("timed out")
        self.partial = partial


class Response:
    def __init__(self, status, reason, headers, body, raw_head):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lower-case name, value)
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def __repr__(self):
        body = self.body[:120].decode("utf-8", "replace")
        return f"{self.status} {self.reason} {body!r}"


class Conn:
    """One TCP (optionally TLS) connection to the server; every call takes an absolute deadline
    (time.monotonic()) and never blocks past it."""

    def __init__(self, port, deadline, source=None, host="127.0.0.1", tls=None, rcvbuf=None,
                 server_hostname="localhost"):
        self.buf = b""
        self.eof = None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            sock.bind((source, 0))
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            sock.connect((host, port))
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=server_hostname)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self):
        """Close with SO_LINGER 0: the kernel sends RST instead of FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data, deadline):
        """Sends everything; raises TimedOut if the server stops reading until the deadline,
        Closed if it closed or reset the connection."""
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut()
            self.sock.settimeout(remaining)
            try:
                n = self.sock.send(view[:256 * 1024])
            except (socket.timeout, ssl.SSLWantWriteError):
                raise TimedOut()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
                raise Closed("send failed: %s" % e.__class__.__name__)
            view = view[n:]

    def _fill(self, deadline):
        """Reads more bytes into buf; False at EOF/reset (self.eof says which)."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut(self.buf)
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimedOut(self.buf)
        except ConnectionResetError:
            self.eof = "reset"
            return False
        except ssl.SSLError as e:
            self.eof = "tls error: %s" % (e.reason or e)
            return False
        except OSError as e:
            self.eof = "error: %s" % e
            return False
        if not chunk:
            self.eof = "closed"
            return False
        self.buf += chunk
        return True

    def read_response(self, deadline, head_request=False):
        """One response (a 1xx counts as one). Raises Closed or TimedOut."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise Closed(self.eof, self.buf)
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise CaseFailed("malformed status line %r" % lines[0][:80])
        status = int(parts[1])
        reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.strip().lower().decode("latin-1"),
                            value.strip().decode("latin-1")))
        self.buf = rest
        hdict = {}
        for k, v in headers:
            hdict.setdefault(k, v)
        body = b""
        if 100 <= status < 200 or status in (204, 304) or head_request:
            pass
        elif "chunked" in hdict.get("transfer-encoding", "").lower():
            body = self._read_chunked(deadline)
        elif "content-length" in hdict:
            length = int(hdict["content-length"])
            while len(self.buf) < length:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            body, self.buf = self.buf[:length], self.buf[length:]
        else:
            while self._fill(deadline):
                pass
            body, self.buf = self.buf, b""
        return Response(status, reason, headers, body, head)

    def _read_chunked(self, deadline):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            line, _, self.buf = self.buf.partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while b"\r\n" not in self.buf:
                    if not self._fill(deadline):
                        raise Closed(self.eof, self.buf)
                # trailers end with an empty line
                while not self.buf.startswith(b"\r\n"):
                    _, _, self.buf = self.buf.partition(b"\r\n")
                    while b"\r\n" not in self.buf:
                        if not self._fill(deadline):
                            raise Closed(self.eof, self.buf)
                self.buf = self.buf[2:]
                return body
            while len(self.buf) < size + 2:
                if not self._fill(deadline):
                    raise Closed(self.eof, self.buf)
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]

    def wait_closed(self, deadline):
        """True if the server closes (EOF or reset) before the deadline; bytes received in the
        meantime are kept in buf."""
        try:
            while self._fill(deadline):
                pass
            return True
        except TimedOut:
            return False

    def outcome(self, deadline):
        """('response', Response) | ('closed', how) | ('timeout', None)."""
        try:
            return "response", self.read_response(deadline)
        except Closed as e:
            return "closed", e.how
        except TimedOut:
            return "timeout", None


# ---------------------------------------------------------------------------------------------
# Requests


def request(host, method="POST", target="/hook", headers=None, body=b"",
            content_type="application/json", version="HTTP/1.1", content_length=True):
    """The bytes of a request. headers: list of (name, value) added after Host."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    for name, value in headers or []:
        lines.append(f"{name}: {value}")
    if content_length and body is not None and method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def is_hook_answer(resp):
    """A 200 whose body is a JSON object with an "action" member — or, when the answer says it
    is CBOR (an answer in the request's format), a CBOR map with an "action" key."""
    if resp is None or resp.status != 200:
        return False
    if "cbor" in (resp.header("content-type") or "").lower():
        major = resp.body[:1] and resp.body[0] >> 5
        return major == 5 and cbor("action") in resp.body
    doc = resp.json()
    return isinstance(doc, dict) and "action" in doc


def describe(kind, value):
    if kind == "response":
        return "got %r" % (value,)
    if kind == "closed":
        return "connection %s without an answer" % value
    return "no answer before the deadline"


# ---------------------------------------------------------------------------------------------
# CBOR (RFC 8949) and MessagePack encoders for the cases' bodies


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


def cbor(value):
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return cbor_head(3, len(data)) + data
    if isinstance(value, (list, tuple)):
        return cbor_head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return cbor_head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


def msgpack(value):
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        if value >= 0:
            return b"\xcf" + struct.pack(">Q", value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        if len(data) < 32:
            return bytes([0xa0 | len(data)]) + data
        return b"\xdb" + struct.pack(">I", len(data)) + data
    if isinstance(value, (list, tuple)):
        head = bytes([0x90 | len(value)]) if len(value) < 16 else \
            b"\xdd" + struct.pack(">I", len(value))
        return head + b"".join(msgpack(v) for v in value)
    if isinstance(value, dict):
        head = bytes([0x80 | len(value)]) if len(value) < 16 else \
            b"\xdf" + struct.pack(">I", len(value))
        return head + b"".join(msgpack(k) + msgpack(v) for k, v in value.items())
    raise TypeError(type(value))


# ---------------------------------------------------------------------------------------------
# What a case sees


class Ctx:
    """A case's view of its server. Connections it opens are closed when the case ends."""

    def __init__(self, server, group):
        self.server = server
        self.group = group
        self.port = server.port
        self.host = f"127.0.0.1:{server.port}"
        self.tls = server.tls
        self.auth_headers = group.auth_headers
        self.conns = []
        self.notes = []
        self.rss_growth_max = None  # a case may tighten its memory bound

    def note(self, text):
        self.notes.append(text)

    @staticmethod
    def deadline(seconds):
        return time.monotonic() + seconds

    def connect(self, seconds=2.0, tls=True, **kw):
        conn = Conn(self.port, self.deadline(seconds), tls=self.tls if tls else None, **kw)
        self.conns.append(conn)
        return conn

    def close_all(self):
        for conn in self.conns:
            conn.close()
        self.conns = []

    def req(self, headers=None, auth=True, **kw):
        """A request to this server: Host 127.0.0.1:PORT, the group's credentials."""
        extra = list(self.auth_headers) if auth else []
        kw.setdefault("host", self.host)
        host = kw.pop("host")
        return request(host, headers=extra + list(headers or []), **kw)

    def ordinary(self, **kw):
        kw.setdefault("body", CONNECT_BODY)
        return self.req(**kw)

    def exchange(self, data, seconds=3.0, **connkw):
        """Connects, sends data, waits for one response: (kind, value, conn)."""
        deadline = self.deadline(seconds)
        conn = self.connect(seconds, **connkw)
        try:
            conn.send(data, deadline)
        except Closed as e:
            # The server may answer and close before reading everything we send.
            kind, value = conn.outcome(deadline)
            if kind == "timeout":
                return "closed", e.how, conn
            return kind, value, conn
        except TimedOut:
            return "timeout", None, conn
        kind, value = conn.outcome(deadline)
        return kind, value, conn

    def expect(self, data, statuses, seconds=3.0, allow_close=False, closes_after=False,
               mentions=None, **connkw):
        """Sends data on a new connection and checks the answer's status is in statuses (or,
        with allow_close, that the server closed without one). closes_after: the server must
        also close the connection after the answer. mentions: words of which the body must
        contain one (case-insensitive). Returns the Response (None when closed)."""
        statuses = set([statuses] if isinstance(statuses, int) else statuses)
        t0 = time.monotonic()
        kind, value, conn = self.exchange(data, seconds, **connkw)
        want = "/".join(str(s) for s in sorted(statuses)) + (" or close" if allow_close else "")
        if kind == "closed" and allow_close:
            return None
        check(kind == "response", "expected %s, %s" % (want, describe(kind, value)))
        check(value.status in statuses, "expected %s, got %r" % (want, value))
        if mentions:
            text = value.body.decode("utf-8", "replace").lower()
            check(any(w in text for w in mentions),
                  "answer %r names none of %s" % (value, "/".join(mentions)))
        if closes_after:
            rest = self.deadline(max(1.0, seconds - (time.monotonic() - t0)))
            check(conn.wait_closed(rest), "answered %d but kept the connection open"
                  % value.status)
            check(not conn.buf, "answered %d, then read on and sent %r (request smuggling)"
                  % (value.status, conn.buf[:40]))
        return value

    def ordinary_call(self, seconds=3.0, **connkw):
        """An ordinary hook call on a new connection; returns its duration in seconds."""
        t0 = time.monotonic()
        kind, value, conn = self.exchange(self.ordinary(), seconds, **connkw)
        conn.close()
        check(kind == "response" and is_hook_answer(value),
              "ordinary call: expected 200 with an action, %s" % describe(kind, value))
        return time.monotonic() - t0


class Group:
    """Cases sharing one server and its options."""

    def __init__(self, name, options, rss_bound, auth_headers=(), tls=None, setup=None,
                 health_retry=0.0):
        self.name = name
        self.options = options          # list, or a function(workdir) -> list
        self.rss_bound = rss_bound      # bytes of VmRSS the server must stay under
        self.auth_headers = list(auth_headers)
        self.tls = tls                  # function(workdir) -> client SSLContext, or None
        self.health_retry = health_retry

# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS: --tls-cert/--tls-key (group "tls", with --head-timeout 1000) and --tls-client-ca
(group "mtls"). Certificates are made with the openssl command line at run time: a CA, a
server certificate for 127.0.0.1/localhost/::1, a client certificate, and a second CA with a
client certificate of its own (issue 9 §12)."""
import os
import socket
import ssl
import subprocess
import time

from hostile import Conn, case, check, describe

TLS = "tls"
MTLS = "mtls"
HEAD_MS = 1000


def _openssl(workdir, *args):
    subprocess.run(["openssl", *args], cwd=workdir, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


def make_pki(workdir):
    """Writes ca.crt, server.{crt,key}, client.{crt,key}, other-ca.crt, other.{crt,key};
    once per workdir."""
    if os.path.exists(os.path.join(workdir, "other.crt")):
        return
    for ca in ("ca", "other-ca"):
        _openssl(workdir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 ca + ".key", "-out", ca + ".crt", "-days", "2", "-subj",
                 "/CN=Hookscope hostile suite " + ca, "-addext",
                 "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign")
    leaves = [("server", "ca", "localhost",
               "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
               "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"),
              ("client", "ca", "mta-client",
               "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n"),
              ("other", "other-ca", "mta-client",
               "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")]
    for name, ca, cn, ext in leaves:
        with open(os.path.join(workdir, name + ".ext"), "w", encoding="ascii") as f:
            f.write(ext)
        _openssl(workdir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                 "-out", name + ".csr", "-subj", "/CN=" + cn)
        _openssl(workdir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey",
                 ca + ".key", "-CAcreateserial", "-out", name + ".crt", "-days", "2",
                 "-extfile", name + ".ext")


def tls_options(workdir):
    make_pki(workdir)
    return ["--tls-cert", os.path.join(workdir, "server.crt"),
            "--tls-key", os.path.join(workdir, "server.key"),
            "--head-timeout", str(HEAD_MS), "--body-limit", "1000000"]


def mtls_options(workdir):
    return tls_options(workdir) + ["--tls-client-ca", os.path.join(workdir, "ca.crt")]


def client_context(workdir, cert=None):
    context = ssl.create_default_context(cafile=os.path.join(workdir, "ca.crt"))
    if cert:
        context.load_cert_chain(os.path.join(workdir, cert + ".crt"),
                                os.path.join(workdir, cert + ".key"))
    return context


def tls_client(workdir):
    make_pki(workdir)
    return client_context(workdir)


def mtls_client(workdir):
    make_pki(workdir)
    return client_context(workdir, "client")


def client_hello(workdir):
    """The bytes of a real ClientHello, from an SSLObject on memory BIOs."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_context(workdir).wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def raw(ctx, seconds=2.0):
    return ctx.connect(seconds, tls=False)


# -- tls ----------------------------------------------------------------------------------------


@case(TLS)
def tls_ordinary_call(ctx):
    """An HTTPS ordinary call (certificate verified against the suite's CA): 200, action."""
    ctx.ordinary_call()


@case(TLS)
def tls_keepalive_two_calls(ctx):
    """Two calls on one TLS connection: both 200 with an action."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    for i in (1, 2):
        conn.send(ctx.ordinary(), deadline)
        kind, value = conn.outcome(deadline)
        check(kind == "response" and value.status == 200, "call %d: %s"
              % (i, describe(kind, value)))


@case(TLS)
def tls_plain_http_to_tls_port(ctx):
    """A plain-HTTP request to the TLS port: closed (or a plain 400) within 2 s."""
    conn = raw(ctx)
    deadline = ctx.deadline(2)
    try:
        conn.send(ctx.ordinary(), deadline)
    except Exception:
        pass
    t0 = time.monotonic()
    closed = conn.wait_closed(deadline)
    check(closed, "connection still open after %.1f s" % (time.monotonic() - t0))
    check(not conn.buf or conn.buf.startswith(b"HTTP/1.") and b" 400 " in conn.buf[:20]
          or conn.buf[:1] == b"\x15",  # a TLS alert record
          "unexpected bytes %r" % conn.buf[:40])


@case(TLS)
def tls_stall_mid_handshake(ctx):
    """Half a ClientHello, then nothing: closed by the head deadline (1 s) within 2.5 s."""
    hello = client_hello(ctx.group.workdir)
    conn = raw(ctx)
    started = time.monotonic()
    conn.send(hello[:len(hello) // 2], started + 1)
    closed = conn.wait_closed(started + 2.5)
    elapsed = time.monotonic() - started
    check(closed, "stalled handshake still open after %.1f s" % elapsed)
    ctx.note("stalled handshake closed after %.2f s" % elapsed)


@case(TLS)
def tls_connect_nothing_sent(ctx):
    """A TCP connection to the TLS port that sends nothing: closed within 2.5 s."""
    conn = raw(ctx)
    started = time.monotonic()
    check(conn.wait_closed(started + 2.5), "silent connection still open after 2.5 s")


@case(TLS)
def tls_stall_after_handshake(ctx):
    """A completed handshake, then half a request head and nothing: 408 or close within 2.5 s."""
    conn = ctx.connect()
    started = time.monotonic()
    conn.send(b"POST /hook HTTP/1.1\r\nHost: " + ctx.host.encode() + b"\r\n", started + 1)
    kind, value = conn.outcome(started + 2.5)
    check(kind == "closed" or (kind == "response" and value.status == 408),
          "expected 408 or close, %s" % describe(kind, value))


@case(TLS)
def tls_garbage_record(ctx):
    """A TLS handshake record header declaring 16 KB followed by random bytes: closed within
    2 s, no crash."""
    conn = raw(ctx)
    deadline = ctx.deadline(2)
    try:
        conn.send(b"\x16\x03\x01\x40\x00" + os.urandom(16384), deadline)
    except Exception:
        pass
    check(conn.wait_closed(deadline), "connection still open after 2 s")


@case(TLS)
def tls_many_aborted_handshakes(ctx):
    """200 connections that send a ClientHello and close (RST) at once: server healthy."""
    hello = client_hello(ctx.group.workdir)
    for i in range(200):
        # As in connect_close_600: a loopback connect that times out (the client's kernel reused
        # a source port still in TIME-WAIT) is tried again, a bounded number of times.
        for attempt in range(3):
            try:
                c = raw(ctx, 1)
                break
            except (socket.timeout, TimeoutError):
                check(attempt < 2, "three connects in a row timed out at handshake %d" % i)
        try:
            c.sock.send(hello)
        except OSError:
            pass
        c.reset()
    ctx.conns = []


# -- mtls ---------------------------------------------------------------------------------------


def handshake_refused(ctx, context):
    """True (and how) if the server refuses this client: at the handshake, or (TLS 1.3, where
    the client finishes first) by an alert/close instead of an answer."""
    deadline = ctx.deadline(3)
    try:
        conn = Conn(ctx.port, deadline, tls=context)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError, socket.timeout) as e:
        return True, "handshake: %s" % e.__class__.__name__
    ctx.conns.append(conn)
    try:
        conn.send(ctx.ordinary(), deadline)
    except Exception as e:
        return True, "send: %s" % e
    kind, value = conn.outcome(deadline)
    return kind == "closed", describe(kind, value)


@case(MTLS)
def mtls_no_client_cert_refused(ctx):
    """--tls-client-ca set, a client without a certificate: refused at the handshake (or by an
    alert before any answer)."""
    ok, how = handshake_refused(ctx, client_context(ctx.group.workdir))
    check(ok, "not refused: %s" % how)
    ctx.note(how)


@case(MTLS)
def mtls_foreign_ca_cert_refused(ctx):
    """A client certificate from another CA: refused."""
    ok, how = handshake_refused(ctx, client_context(ctx.group.workdir, "other"))
    check(ok, "not refused: %s" % how)


@case(MTLS)
def mtls_server_cert_as_client_refused(ctx):
    """The server's own certificate (signed by the right CA, but serverAuth only) presented as
    a client certificate: refused."""
    ok, how = handshake_refused(ctx, client_context(ctx.group.workdir, "server"))
    check(ok, "not refused: %s" % how)


@case(MTLS)
def mtls_right_client_cert_200(ctx):
    """The suite's client certificate: 200 with an action."""
    ctx.ordinary_call()


# SPDX-License-Identifier: GPL-3.0-or-later
"""Browsers kept out (Origin, DNS rebinding through Host) with a server started with
--allow-origin https://allowed.example, and credentials with --auth bearer:SECRET
(issue 9 §12)."""
from hostile import CONNECT_BODY, case, check, describe, is_hook_answer

GROUP = "browser"
ALLOWED = "https://allowed.example"


def ok(ctx, data):
    r = ctx.expect(data, 200)
    check(is_hook_answer(r), "200 without an action: %r" % (r,))


@case(GROUP)
def origin_foreign_403(ctx):
    """An ordinary call with Origin: https://evil.example: 403."""
    ctx.expect(ctx.ordinary(headers=[("Origin", "https://evil.example")]), 403)


@case(GROUP)
def origin_null_403(ctx):
    """Origin: null (sandboxed frames, file: pages): 403."""
    ctx.expect(ctx.ordinary(headers=[("Origin", "null")]), 403)


@case(GROUP)
def origin_allowed_200(ctx):
    """Origin: https://allowed.example, allowed by --allow-origin: 200 with an action."""
    ok(ctx, ctx.ordinary(headers=[("Origin", ALLOWED)]))


@case(GROUP)
def origin_allowed_prefix_403(ctx):
    """Origin: https://allowed.example.evil.net (the allowed origin as a prefix): 403."""
    ctx.expect(ctx.ordinary(headers=[("Origin", ALLOWED + ".evil.net")]), 403)


@case(GROUP)
def origin_loopback_page_403(ctx):
    """Origin: http://127.0.0.1:8080 (a page served from another local port) is still a
    browser: 403."""
    ctx.expect(ctx.ordinary(headers=[("Origin", "http://127.0.0.1:8080")]), 403)


@case(GROUP)
def text_plain_with_origin_403(ctx):
    """A text/plain POST with an Origin (a CORS 'simple request' a web page can send without a
    preflight): 403."""
    ctx.expect(ctx.ordinary(content_type="text/plain",
                            headers=[("Origin", "https://evil.example")]), 403)


@case(GROUP)
def form_post_with_origin_403(ctx):
    """An application/x-www-form-urlencoded POST with an Origin (an HTML form): 403."""
    ctx.expect(ctx.ordinary(content_type="application/x-www-form-urlencoded",
                            headers=[("Origin", "https://evil.example")]), 403)


@case(GROUP)
def preflight_options_foreign_origin(ctx):
    """OPTIONS preflight from a foreign origin: 403 (or 404/405), never a grant: no
    Access-Control-Allow-Origin for it."""
    data = ctx.req(method="OPTIONS", body=None, content_type=None,
                   headers=[("Origin", "https://evil.example"),
                            ("Access-Control-Request-Method", "POST")])
    r = ctx.expect(data, (403, 404, 405))
    acao = r.header("access-control-allow-origin")
    check(acao not in ("*", "https://evil.example"), "preflight granted: ACAO %r" % acao)


@case(GROUP)
def host_evil_403(ctx):
    """Host: evil.example while bound to 127.0.0.1 (DNS rebinding): 403."""
    ctx.expect(ctx.ordinary(host="evil.example"), 403)


@case(GROUP)
def host_attacker_with_port_403(ctx):
    """Host: attacker.com:8025: 403."""
    ctx.expect(ctx.ordinary(host="attacker.com:8025"), 403)


@case(GROUP)
def host_loopback_prefix_403(ctx):
    """Host: 127.0.0.1.evil.example and localhost.evil.example:PORT (loopback names as
    prefixes): 403."""
    ctx.expect(ctx.ordinary(host="127.0.0.1.evil.example"), 403)
    ctx.expect(ctx.ordinary(host=f"localhost.evil.example:{ctx.port}"), 403)


@case(GROUP)
def host_changed_on_kept_alive_connection_403(ctx):
    """A loopback Host, answered, then Host: evil.example on the same kept-alive connection
    (the guard remembers the Host it admitted; a different one is checked again): 200, then
    403."""
    conn = ctx.connect()
    deadline = ctx.deadline(3)
    conn.send(ctx.ordinary(), deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and is_hook_answer(value), "first call: %s" % describe(kind, value))
    conn.send(ctx.ordinary(host="evil.example"), deadline)
    kind, value = conn.outcome(deadline)
    check(kind == "response" and value.status == 403,
          "evil Host after a good one: %s" % describe(kind, value))


@case(GROUP)
def host_localhost_ok(ctx):
    """Host: localhost:PORT: 200 with an action."""
    ok(ctx, ctx.ordinary(host=f"localhost:{ctx.port}"))


@case(GROUP)
def host_ipv6_loopback_ok(ctx):
    """Host: [::1]:PORT: 200 with an action."""
    ok(ctx, ctx.ordinary(host=f"[::1]:{ctx.port}"))


@case(GROUP)
def host_loopback_no_port_ok(ctx):
    """Host: 127.0.0.1 (no port) and Host: localhost: 200 with an action."""
    ok(ctx, ctx.ordinary(host="127.0.0.1"))
    ok(ctx, ctx.ordinary(host="localhost"))


@case(GROUP)
def host_empty_400_or_403(ctx):
    """An empty Host field: 400 (RFC 9112 §3.2: invalid) or 403."""
    ctx.expect(ctx.ordinary(host=""), (400, 403))


# -- credentials ----------------------------------------------------------------------------

AUTH = "auth"
SECRET = "s3cret-t0ken-hostile"


@case(AUTH)
def auth_missing_401(ctx):
    """No Authorization with --auth bearer:SECRET: 401."""
    ctx.expect(ctx.ordinary(auth=False), 401)


@case(AUTH)
def auth_wrong_401(ctx):
    """Authorization: Bearer wrong: 401."""
    ctx.expect(ctx.ordinary(auth=False, headers=[("Authorization", "Bearer wrong")]), 401)


@case(AUTH)
def auth_prefix_of_secret_401(ctx):
    """The secret's first half, and the secret plus one character: 401 each."""
    ctx.expect(ctx.ordinary(auth=False, headers=[("Authorization", "Bearer " + SECRET[:8])]),
               401)
    ctx.expect(ctx.ordinary(auth=False, headers=[("Authorization", "Bearer " + SECRET + "x")]),
               401)


@case(AUTH)
def auth_wrong_scheme_401(ctx):
    """The secret sent as Basic credentials: 401."""
    ctx.expect(ctx.ordinary(auth=False, headers=[("Authorization", "Basic " + SECRET)]), 401)


@case(AUTH)
def auth_right_200(ctx):
    """Authorization: Bearer SECRET: 200 with an action."""
    ok(ctx, ctx.ordinary())


@case(AUTH)
def auth_401_without_reading_large_body(ctx):
    """Missing credentials with a 900 KB body: 401 (not 5xx), connection usable or closed."""
    body = CONNECT_BODY[:-1] + b',"x":"' + b"a" * 900000 + b'"}'
    ctx.expect(ctx.ordinary(auth=False, body=body), 401, seconds=4)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small draft-01 MTA Hooks scanner for `hookscope conform` tests.

Written from the protocol reference (../shared/protocol/README.md §b.3, §c.2, §d.2), not from
Hookscope's code: discovery, registration (201 + Location), status, deregistration (then 410),
hook calls with bearer authentication, request-id deduplication, 404 for unknown registrations,
413 over maxMessageSize, 400 for malformed bodies. `--break NAME` makes it violate exactly one
rule. It prints its port on stdout once listening on 127.0.0.1.
"""
import argparse
import base64
import hmac
import itertools
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BREAKS = {
    "wrong-discovery-field": "discovery says version \"1\"",
    "registration-no-auth": "registration without credentials is accepted",
    "registration-200": "registration answers 200, not 201",
    "registration-bad-id": "registration ids contain a '.'",
    "negotiated-superset": "negotiation adds a stage nobody asked for",
    "status-404": "the status endpoint does not know the registration",
    "stage-invalid-answer": "rcpt is answered with an unknown action",
    "touches-non-update-property": "data answers also set /message/subject",
    "no-auth-check": "hook calls without credentials are answered",
    "wrong-credentials-accepted": "hook calls with a wrong bearer token are answered",
    "no-404": "hook calls for unknown registrations are answered",
    "no-request-id-check": "hook calls without a request id are answered",
    "accepts-malformed": "malformed hook bodies get 200 {}",
    "no-413": "messages over maxMessageSize are answered",
    "dedup-differs": "a retry with the same request id is scanned again",
    "dereg-204": "deregistration answers 204 without a body",
    "no-410": "hook calls after deregistration get 404, not 410",
}

INBOUND = ["connect", "ehlo", "mail", "rcpt", "data"]
UPDATE_PROPERTIES = ["/action", "/response", "/message/headers"]


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.registrations = {}
        self.answers = {}  # (registration, request id) -> (status, body)
        self.ids = itertools.count(1)
        self.scans = itertools.count(1)

    def broken(self, name):
        return self.args.break_name == name


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "scanner-double/1"

    def log_message(self, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def reply(self, status, document=None, headers=()):
        body = b"" if document is None else json.dumps(document).encode()
        self.send_response(status)
        if document is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message, headers=()):
        self.reply(status, {"error": {"code": code, "message": message}}, headers)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def credentials(self):
        """'ok', 'missing' or 'wrong'."""
        value = self.headers.get("Authorization")
        if value is None:
            return "missing"
        expected = "Bearer " + self.state.args.token
        return "ok" if hmac.compare_digest(value.encode(), expected.encode()) else "wrong"

    def refuse_credentials(self, allow_missing=False, allow_wrong=False):
        seen = self.credentials()
        if seen == "ok" or (seen == "missing" and allow_missing) or (seen == "wrong" and allow_wrong):
            return False
        code = "AUTHENTICATION_REQUIRED" if seen == "missing" else "INVALID_CREDENTIALS"
        self.error(401, code, "bearer token required", [("WWW-Authenticate", "Bearer")])
        return True

    # -- control plane (§b.3) --------------------------------------------------------------

    def discovery(self):
        self.reply(200, {
            "version": "1" if self.state.broken("wrong-discovery-field") else "1.0",
            "endpoints": {"registration": "/v1/register",
                          "deregistration": "/v1/registrations/{registration_id}"},
            "serialization": ["json"],
            "capabilities": {
                "inbound": {"stages": INBOUND,
                            "actions": ["accept", "reject", "discard", "quarantine", "disconnect"],
                            "fetchProperties": ["/stage", "/action", "/envelope", "/message",
                                                "/rawMessage", "/client", "/response"],
                            "updateProperties": UPDATE_PROPERTIES},
                "outbound": None},
            "limits": {"maxMessageSize": self.state.args.max_message_size,
                       "maxRegistrations": 100, "timeoutMs": 5000},
            "extensions": None,
        })

    def register(self):
        body = self.body()
        if self.refuse_credentials(allow_missing=self.state.broken("registration-no-auth")):
            return
        try:
            request = json.loads(body)
            stages = request["inbound"]["stages"]
            assert isinstance(stages, list) and stages
            assert request.get("serialization", "json") == "json"
        except (ValueError, KeyError, TypeError, AssertionError):
            return self.error(400, "INVALID_REQUEST", "need JSON serialization and inbound stages")
        stages = [s for s in stages if s in INBOUND]
        if not stages:
            return self.error(400, "NO_STAGES_REQUESTED", "no known inbound stage")
        separator = "." if self.state.broken("registration-bad-id") else "_"
        with self.state.lock:
            rid = "reg%s%d" % (separator, next(self.state.ids))
            self.state.registrations[rid] = {"status": "active", "createdAt": now(),
                                             "invocations": 0, "deregisteredAt": None}
        negotiated = stages + (["delivery"] if self.state.broken("negotiated-superset") else [])
        status = 200 if self.state.broken("registration-200") else 201
        self.reply(status, {
            "registrationId": rid, "status": "active", "createdAt": now(), "expiresAt": None,
            "hookEndpoint": "hooks/" + rid,  # relative: resolved against /v1/register
            "negotiated": {"serialization": "json",
                           "inbound": {"stages": negotiated, "properties": None},
                           "outbound": None},
            "endpoints": {"deregistration": "/v1/registrations/" + rid,
                          "status": "/v1/registrations/" + rid},
        }, [("Location", "/v1/registrations/" + rid)])

    def registration_call(self, rid):
        self.body()
        if self.refuse_credentials():
            return
        with self.state.lock:
            entry = self.state.registrations.get(rid)
            if entry is None or (self.command == "GET" and self.state.broken("status-404")):
                return self.error(404, "REGISTRATION_NOT_FOUND", rid)
            if self.command == "DELETE":
                entry["status"] = "deregistered"
                entry["deregisteredAt"] = now()
                if self.state.broken("dereg-204"):
                    return self.reply(204)
                return self.reply(200, {"registrationId": rid, "status": "deregistered",
                                        "deregisteredAt": entry["deregisteredAt"]})
            counts = {"total": entry["invocations"], "last24h": entry["invocations"],
                      "last7d": entry["invocations"], "last30d": entry["invocations"]}
            zero = {"total": 0, "last24h": 0, "last7d": 0, "last30d": 0}
            self.reply(200, {
                "registrationId": rid, "status": entry["status"], "createdAt": entry["createdAt"],
                "expiresAt": None, "lastInvocation": None,
                "statistics": {"invocations": counts, "errors": zero, "averageResponseMs": 1},
                "health": {"status": "healthy", "lastCheck": now(), "consecutiveFailures": 0}})

    # -- hook calls (§c.2, §d.2) -----------------------------------------------------------

    def hook(self, rid):
        state = self.state
        limit = state.args.max_message_size
        length = int(self.headers.get("Content-Length") or 0)
        if length > 2 * limit + 65536 and not state.broken("no-413"):
            # Not read: the connection closes after the answer.
            self.close_connection = True
            return self.error(413, "REQUEST_TOO_LARGE", "over maxMessageSize")
        body = self.body()
        if self.refuse_credentials(allow_missing=state.broken("no-auth-check"),
                                   allow_wrong=state.broken("wrong-credentials-accepted")):
            return
        header_id = self.headers.get("X-MTA-Hooks-Registration")
        with state.lock:
            entry = state.registrations.get(rid)
        if entry is None or header_id != rid:
            if not state.broken("no-404"):
                return self.error(404, "REGISTRATION_NOT_FOUND", "unknown registration")
        elif entry["status"] == "deregistered":
            if state.broken("no-410"):
                return self.error(404, "REGISTRATION_NOT_FOUND", "unknown registration")
            return self.error(410, "REGISTRATION_DEREGISTERED", "deregistered")
        request_id = self.headers.get("X-MTA-Hooks-Request-Id")
        if not request_id and not state.broken("no-request-id-check"):
            return self.error(400, "MISSING_REQUEST_ID", "X-MTA-Hooks-Request-Id is required")
        try:
            request = json.loads(body)
            assert isinstance(request, dict)
            assert isinstance(request.get("stage"), str) and isinstance(request.get("action"), str)
            assert isinstance(request.get("envelope", {}), dict)
            raw = request.get("rawMessage")
            size = len(base64.b64decode(raw, validate=True)) if isinstance(raw, str) else 0
        except (ValueError, TypeError, AssertionError):
            if state.broken("accepts-malformed"):
                return self.reply(200, {})
            return self.error(400, "INVALID_REQUEST", "not a hook request")
        if size > limit and not state.broken("no-413"):
            return self.error(413, "REQUEST_TOO_LARGE", "over maxMessageSize")
        # Under the lock, so that calls racing with one request id get one answer.
        with state.lock:
            key = (rid, request_id)
            if key in state.answers and not state.broken("dedup-differs"):
                status, document = state.answers[key]
            else:
                status, document = self.scan(request)
                state.answers[key] = (status, document)
            if entry is not None:
                entry["invocations"] += 1
        self.reply(status, document)

    def scan(self, request):
        stage = request["stage"]
        if stage == "rcpt":
            action = "maybe" if self.state.broken("stage-invalid-answer") else "accept"
            return 200, {"set": [{"path": "/action", "value": action}]}
        if stage == "data":
            answer = {"add": [{"path": "/message/headers",
                               "value": {"name": "X-Scan-Id", "value": " %d" % next(self.state.scans)},
                               "index": 0}]}
            if self.state.broken("touches-non-update-property"):
                answer["set"] = [{"path": "/message/subject", "value": "[scanned] Lunch plans"}]
            return 200, answer
        return 204, None

    # -- routing ----------------------------------------------------------------------------

    def route(self):
        path = self.path.split("?", 1)[0]
        if path == "/.well-known/mta-hooks" and self.command == "GET":
            return self.discovery()
        if path == "/v1/register" and self.command == "POST":
            return self.register()
        if path.startswith("/v1/registrations/") and self.command in ("GET", "DELETE"):
            return self.registration_call(path[len("/v1/registrations/"):])
        if path.startswith("/v1/hooks/") and self.command == "POST":
            return self.hook(path[len("/v1/hooks/"):])
        self.body()
        self.error(404, "NOT_FOUND", path)

    do_GET = do_POST = do_DELETE = route


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--break", dest="break_name", choices=sorted(BREAKS))
    parser.add_argument("--token", default="conform-double-token")
    parser.add_argument("--max-message-size", type=int, default=65536)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

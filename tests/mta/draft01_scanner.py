#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A draft-01 scanner for testing the mock MTA, written from the protocol reference
(/work/shared/protocol/README.md §b.3 discovery and registration, §c.2 answers, §d.2 transport
and error codes), not from Hookscope's code. Standard library only.

Usage: draft01_scanner.py CONFIG.json LOG.jsonl
Prints "PORT <n>" once it listens on 127.0.0.1. Every request it receives is appended to LOG as
one JSON object (monotonic time "t" in seconds, method, path, headers, body, status answered).

CONFIG:
  discovery         bool (default true): serve GET /.well-known/mta-hooks
  registrationPath  str (default "/v1/register")
  registrationStatus  int|null: answer every registration with this status (a failing scanner)
  offer             {"inbound": DirectionCapabilities|null, "outbound": ...|null}
  provisioned       {"<registration id>": {"inbound": {"stages": [...]}}}: registrations made
                    out of band; their hook endpoint is /provisioned
  acceptUnregistered  bool (default false): serve hook calls with "X-MTA-Hooks-Registration:
                    unregistered" for every offered stage (a manually configured scanner)
  answers           {"<stage>": [Answer, ...]}: answered in turn, the last one repeats
                    Answer = {"status": int, "body": any JSON (omitted: no body),
                              "headers": {name: value}}
Hook calls for stages the registration did not negotiate are answered 400 INVALID_STAGE.
"""
import http.server
import json
import sys
import threading
import time
import uuid

CONFIG = json.load(open(sys.argv[1]))
LOG = open(sys.argv[2], "a", encoding="utf-8")
LOCK = threading.Lock()
REGISTRATIONS = dict(CONFIG.get("provisioned") or {})
ANSWERED = {}  # stage -> answers used so far
REG_PATH = CONFIG.get("registrationPath", "/v1/register")


def offer():
    return CONFIG.get("offer") or {"inbound": None, "outbound": None}


def discovery_document():
    return {
        "version": "1.0",
        "endpoints": {"registration": REG_PATH,
                      "deregistration": REG_PATH + "/{registration_id}"},
        "serialization": ["json"],
        "capabilities": offer(),
        "limits": None,
        "extensions": None,
    }


def error(code, message):
    return {"error": {"code": code, "message": message}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None, record=None):
        data = b"" if body is None else json.dumps(body).encode()
        # Logged before the answer goes out: once the MTA has it, the log shows the request.
        if record is not None:
            record["status"] = status
            with LOCK:
                LOG.write(json.dumps(record) + "\n")
                LOG.flush()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = {"t": time.monotonic(), "method": self.command, "path": self.path,
                  "headers": {k: v for k, v in self.headers.items()}, "body": body}
        path = self.path.split("?")[0]
        if path == "/.well-known/mta-hooks" and self.command == "GET":
            if not CONFIG.get("discovery", True):
                return self.reply(404, error("NOT_FOUND", "no discovery here"), record=record)
            return self.reply(200, discovery_document(), record=record)
        if path == REG_PATH and self.command == "POST":
            return self.register(body, record)
        if path.startswith(REG_PATH + "/") and self.command == "DELETE":
            rid = path[len(REG_PATH) + 1:]
            if REGISTRATIONS.pop(rid, None) is None:
                return self.reply(404, error("REGISTRATION_NOT_FOUND", rid), record=record)
            return self.reply(200, {"registrationId": rid, "status": "deregistered",
                                    "deregisteredAt": "2026-01-01T00:00:00Z"}, record=record)
        if self.command == "POST" and (path.startswith("/hooks/") or path == "/provisioned"):
            return self.hook(body, record)
        return self.reply(404, error("INVALID_REQUEST", "unknown path " + path), record=record)

    do_GET = do_POST = do_DELETE = handle_any

    def register(self, body, record):
        forced = CONFIG.get("registrationStatus")
        if forced:
            return self.reply(forced, error("INTERNAL_ERROR", "registration is refused"),
                              record=record)
        if not isinstance(body, dict):
            return self.reply(400, error("INVALID_REQUEST", "not a JSON object"), record=record)
        negotiated = {"serialization": body.get("serialization", "json")}
        any_stage = False
        for direction in ("inbound", "outbound"):
            asked = body.get(direction)
            offered = offer().get(direction)
            if asked is None:
                negotiated[direction] = None
                continue
            stages = asked.get("stages") or []
            offered_stages = (offered or {}).get("stages") or []
            missing = [s for s in stages if s not in offered_stages]
            if missing:
                return self.reply(400, error("CAPABILITY_MISMATCH",
                                             "%s stages not offered: %s"
                                             % (direction, ", ".join(missing))), record=record)
            props = asked.get("properties")
            offered_props = (offered or {}).get("fetchProperties")
            if props is not None and offered_props is not None:
                extra = [p for p in props if p not in offered_props]
                if extra:
                    return self.reply(400, error("CAPABILITY_MISMATCH",
                                                 "properties not offered: " + ", ".join(extra)),
                                      record=record)
            any_stage = any_stage or bool(stages)
            negotiated[direction] = {"stages": stages,
                                     "properties": props if props is not None else offered_props}
        if not any_stage:
            return self.reply(400, error("NO_STAGES_REQUESTED", "no stages"), record=record)
        rid = "reg_" + uuid.uuid4().hex
        REGISTRATIONS[rid] = negotiated
        return self.reply(201, {
            "registrationId": rid, "status": "active", "createdAt": "2026-01-01T00:00:00Z",
            "expiresAt": None, "hookEndpoint": "/hooks/" + rid, "negotiated": negotiated,
            "endpoints": {"deregistration": REG_PATH + "/" + rid,
                          "status": REG_PATH + "/" + rid}},
            headers={"Location": REG_PATH + "/" + rid}, record=record)

    def hook(self, body, record):
        rid = self.headers.get("X-MTA-Hooks-Registration", "")
        registration = REGISTRATIONS.get(rid)
        if registration is None and rid == "unregistered" and CONFIG.get("acceptUnregistered"):
            registration = offer()
        if registration is None:
            return self.reply(404, error("REGISTRATION_NOT_FOUND", rid), record=record)
        stage = body.get("stage") if isinstance(body, dict) else None
        record["stage"] = stage
        directions = [registration.get(d) or {} for d in ("inbound", "outbound")]
        if not any(stage in (d.get("stages") or []) for d in directions):
            return self.reply(400, error("INVALID_STAGE", "%s is not negotiated" % stage),
                              record=record)
        answers = (CONFIG.get("answers") or {}).get(stage) or [{"status": 204}]
        with LOCK:
            used = ANSWERED.get(stage, 0)
            ANSWERED[stage] = used + 1
        answer = answers[min(used, len(answers) - 1)]
        return self.reply(answer.get("status", 200), answer.get("body"),
                          answer.get("headers"), record=record)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

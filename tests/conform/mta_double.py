#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A draft-01 MTA for tst_conform_mta, written from the protocol reference (§b.2, §b.3, §d.2),
not from Hookscope's code. It discovers the scanner, registers for the inbound stages, sends one
session's hook calls (connect, ehlo, mail, rcpt, data) with X-MTA-Hooks-Registration and
X-MTA-Hooks-Request-Id, retries 5xx/429 (at most 3 retries, Retry-After honoured, else 100 ms
doubling), registers again after 404 REGISTRATION_NOT_FOUND, stops after 410
REGISTRATION_DEREGISTERED and deregisters at the end. Each option breaks one rule:

  --no-request-id     no X-MTA-Hooks-Request-Id header
  --new-id-on-retry   a retry gets a fresh request id
  --ignore-410        keeps calling after 410
  --no-retry-after    retries at once, whatever Retry-After says
  --ignore-404        takes 404 as any other 4xx (default action) instead of registering again
  --bad-shape         the mail stage's envelope.from is a string, not an EnvelopeAddress
  --text-plain        hook calls are sent as text/plain

Standard library only; loopback HTTP.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

SERVER = {"name": "mx1.example.com", "ip": "198.51.100.25", "port": 25}
CLIENT = {"ip": "203.0.113.7", "port": 50412, "ptr": "mx.example.org", "ehlo": "",
          "activeConnections": 1}
FROM = {"address": "alice@example.org", "parameters": {}}
TO = {"address": "bob@example.com", "parameters": {}}
RAW = b"From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nHello.\r\n"


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def stage_body(stage, args):
    body = {"stage": stage, "action": "accept", "timestamp": now(),
            "protocol": {"version": "1.0"}, "server": SERVER, "client": dict(CLIENT)}
    if stage == "connect":
        body["response"] = {"code": 220, "enhancedCode": None, "message": "mx1 ESMTP ready"}
        return body
    body["client"]["ehlo"] = "mx.example.org"
    body["response"] = {"code": 250, "enhancedCode": None, "message": "OK"}
    if stage == "ehlo":
        return body
    body["envelope"] = {"from": FROM, "to": []}
    if stage == "mail":
        if args.bad_shape:
            body["envelope"]["from"] = "alice@example.org"
        return body
    body["envelope"]["to"] = [TO]
    if stage == "data":
        import base64
        body["queue"] = {"id": "q-1"}
        body["rawMessage"] = base64.b64encode(RAW).decode("ascii")
    return body


class Mta:
    def __init__(self, args):
        self.args = args
        self.base = args.url.rstrip("/")
        self.registration = None
        self.hook_url = None
        self.deregistration_url = None

    def http(self, method, url, body=None, headers=None):
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def register(self):
        status, _, body = self.http("GET", self.base + "/.well-known/mta-hooks")
        if status != 200:
            sys.exit("discovery: HTTP %d" % status)
        discovery = json.loads(body)
        offered = discovery["capabilities"]["inbound"]["stages"]
        url = urllib.parse.urljoin(self.base + "/", discovery["endpoints"]["registration"])
        wanted = [s for s in ("connect", "ehlo", "mail", "rcpt", "data") if s in offered]
        request = {"name": "mta-double", "version": "1", "timeoutMs": 10000, "expiresAt": None,
                   "serialization": "json",
                   "inbound": {"stages": wanted, "properties": None}}
        status, _, body = self.http("POST", url, json.dumps(request).encode(),
                                    {"Content-Type": "application/json"})
        if status != 201:
            sys.exit("registration: HTTP %d %s" % (status, body[:200]))
        answer = json.loads(body)
        self.registration = answer["registrationId"]
        self.hook_url = urllib.parse.urljoin(url, answer["hookEndpoint"])
        self.deregistration_url = urllib.parse.urljoin(url, answer["endpoints"]["deregistration"])
        return wanted

    def call(self, stage):
        """One logical hook call, retried as §d.2 recommends. Returns the final HTTP status."""
        body = json.dumps(stage_body(stage, self.args)).encode()
        request_id = uuid.uuid4().hex
        delay = 0.1
        for attempt in range(4):
            headers = {"Content-Type": "text/plain" if self.args.text_plain
                       else "application/json",
                       "X-MTA-Hooks-Registration": self.registration}
            if not self.args.no_request_id:
                headers["X-MTA-Hooks-Request-Id"] = request_id
            status, answer_headers, _ = self.http("POST", self.hook_url, body, headers)
            print("%s attempt %d: HTTP %d" % (stage, attempt + 1, status), flush=True)
            if status == 404 and not self.args.ignore_404:
                self.register()
                continue
            if status != 429 and status < 500:
                return status
            retry_after = answer_headers.get("Retry-After")
            if retry_after and not self.args.no_retry_after:
                time.sleep(min(float(retry_after), 5.0))
            elif not self.args.no_retry_after:
                time.sleep(delay)
            delay = min(delay * 2, 5.0)
            if self.args.new_id_on_retry:
                request_id = uuid.uuid4().hex
        return status

    def run(self):
        stages = self.register()
        for stage in stages:
            if self.call(stage) == 410 and not self.args.ignore_410:
                print("deregistered by the scanner: stopping", flush=True)
                return
        self.http("DELETE", self.deregistration_url)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the scanner's base URL")
    for flag in ("--no-request-id", "--new-id-on-retry", "--ignore-410", "--ignore-404",
                 "--no-retry-after", "--bad-shape", "--text-plain"):
        parser.add_argument(flag, action="store_true")
    Mta(parser.parse_args()).run()


if __name__ == "__main__":
    main()

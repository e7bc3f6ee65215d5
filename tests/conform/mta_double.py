#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A draft-01 MTA for tst_conform_mta, written from the protocol reference (§b.2, §b.3, §c.2,
§d.2), not from Hookscope's code. It discovers the scanner, registers for the inbound stages and
sends SMTP sessions (connect, ehlo, mail, one rcpt per recipient, data), each from its own client
port, until the scanner ends its registration (410) or --sessions have been sent. Hook calls carry
X-MTA-Hooks-Registration and X-MTA-Hooks-Request-Id; 5xx/429 are retried (at most 3 retries,
Retry-After honoured, else 100 ms doubling); 404 REGISTRATION_NOT_FOUND registers again and sends
the call again; 410 REGISTRATION_DEREGISTERED stops all calls; the end deregisters. --stages
names the stages it registers for (default all five).

Answers are applied as §c.2 says: a 200 body is a patch of the request document ({set, add,
delete}, applied set, then add, then delete; an -02 RFC 6902 array is applied in order), 204 or
an empty patch changes nothing, and the MTA acts on the resulting document: a reject (or discard,
disconnect) at mail ends the transaction, at rcpt refuses that recipient; the envelope as the
answer left it is what later calls of the transaction carry. The recipient a rcpt call is about is
the last of envelope.to (the accepted ones come before it). Each option breaks one rule:

  --no-request-id            no X-MTA-Hooks-Request-Id header
  --new-id-on-retry          a retry gets a fresh request id
  --ignore-410               keeps calling after 410
  --no-retry-after           retries at once, whatever Retry-After says
  --ignore-404               takes 404 as any other 4xx (default action) instead of registering again
  --bad-shape                the ehlo stage's client.ehlo is a number, not a String
  --text-plain               hook calls are sent as text/plain
  --ignore-sender-change     edits of /envelope/from are not applied
  --ignore-added-recipients  recipients added to /envelope/to are not applied
  --keep-rejected-recipients a recipient rejected at rcpt is kept
  --continue-after-reject    a reject at mail does not end the transaction

Standard library only; loopback HTTP.
"""
import argparse
import base64
import copy
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
TO = [{"address": "bob@example.com", "parameters": {}},
      {"address": "carol@example.com", "parameters": {}}]
RAW = (b"From: alice@example.org\r\nTo: bob@example.com, carol@example.com\r\nSubject: hi\r\n"
       b"\r\nHello.\r\n")
TERMINAL = ("reject", "discard", "disconnect")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class PatchError(Exception):
    pass


def parse_pointer(path):
    """RFC 6901: "" is the whole document, "/a/b" its tokens, ~1 is / and ~0 is ~."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("not a pointer: %r" % path)
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def locate(document, tokens):
    """The container holding the last token, and that token (an int for arrays)."""
    node = document
    for token in tokens[:-1]:
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise PatchError("no %r" % token)
    last = tokens[-1]
    if isinstance(node, list):
        return node, (len(node) if last == "-" else int(last))
    if not isinstance(node, dict):
        raise PatchError("not a container")
    return node, last


def draft01_set(document, path, value):
    container, key = locate(document, parse_pointer(path))
    if isinstance(container, list):
        container[key] = value
    else:
        container[key] = value


def draft01_add(document, path, value, index):
    """§c.2: on an array the path names the array; index inserts, absent/null appends."""
    tokens = parse_pointer(path)
    container, key = locate(document, tokens)
    target = container[key] if (isinstance(container, dict) and key in container) else None
    if isinstance(target, list):
        if index is None:
            target.append(value)
        else:
            target.insert(index, value)
    elif isinstance(container, list):
        container.insert(key, value)
    else:
        container[key] = value


def draft01_delete(document, path):
    container, key = locate(document, parse_pointer(path))
    del container[key]


def apply_answer(document, answer):
    """The document after the answer. A failed operation is skipped (§c.2: log, skip, go on)."""
    result = copy.deepcopy(document)
    if isinstance(answer, list):  # -02: RFC 6902, in order
        for op in answer:
            try:
                if op["op"] == "remove":
                    draft01_delete(result, op["path"])
                elif op["op"] == "replace":
                    draft01_set(result, op["path"], op["value"])
                elif op["op"] == "add":
                    container, key = locate(result, parse_pointer(op["path"]))
                    if isinstance(container, list):
                        container.insert(key, op["value"])
                    else:
                        container[key] = op["value"]
            except (PatchError, KeyError, IndexError, ValueError, TypeError) as error:
                print("patch op %r skipped: %s" % (op, error), flush=True)
        return result
    for name in ("set", "add", "delete"):
        for op in answer.get(name) or []:
            try:
                if name == "set":
                    draft01_set(result, op["path"], op["value"])
                elif name == "add":
                    draft01_add(result, op["path"], op["value"], op.get("index"))
                else:
                    draft01_delete(result, op["path"])
            except (PatchError, KeyError, IndexError, ValueError, TypeError) as error:
                print("%s %r skipped: %s" % (name, op, error), flush=True)
    return result


class Session:
    """One SMTP connection with one transaction: the envelope as the MTA has it."""

    def __init__(self, number):
        self.client = dict(CLIENT, port=CLIENT["port"] + number)
        self.sender = copy.deepcopy(FROM)
        self.accepted = []


def stage_body(stage, session, args, recipient=None):
    body = {"stage": stage, "action": "accept", "timestamp": now(),
            "protocol": {"version": "1.0"}, "server": SERVER, "client": dict(session.client)}
    if stage == "connect":
        body["response"] = {"code": 220, "enhancedCode": None, "message": "mx1 ESMTP ready"}
        return body
    body["client"]["ehlo"] = "mx.example.org"
    body["response"] = {"code": 250, "enhancedCode": None, "message": "OK"}
    if stage == "ehlo":
        if args.bad_shape:
            body["client"]["ehlo"] = 42
        return body
    body["envelope"] = {"from": copy.deepcopy(session.sender), "to": []}
    if stage == "mail":
        return body
    body["envelope"]["to"] = copy.deepcopy(session.accepted)
    if stage == "rcpt":
        body["envelope"]["to"].append(copy.deepcopy(recipient))
    if stage == "data":
        body["queue"] = {"id": "q-%d" % session.client["port"]}
        body["rawMessage"] = base64.b64encode(RAW).decode("ascii")
    return body


class Mta:
    def __init__(self, args):
        self.args = args
        self.base = args.url.rstrip("/")
        self.registration = None
        self.hook_url = None
        self.deregistration_url = None
        self.gone = False

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
        wanted = [s for s in self.args.stages.split(",") if s in offered]
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

    def call(self, stage, document):
        """One logical hook call, retried as §d.2 recommends. Returns the HTTP status and the
        document as the answer left it (the request itself when nothing applies)."""
        body = json.dumps(document).encode()
        request_id = uuid.uuid4().hex
        delay = 0.1
        for attempt in range(4):
            headers = {"Content-Type": "text/plain" if self.args.text_plain
                       else "application/json",
                       "X-MTA-Hooks-Registration": self.registration}
            if not self.args.no_request_id:
                headers["X-MTA-Hooks-Request-Id"] = request_id
            status, answer_headers, answer = self.http("POST", self.hook_url, body, headers)
            print("%s attempt %d: HTTP %d" % (stage, attempt + 1, status), flush=True)
            if status == 404 and not self.args.ignore_404:
                self.register()
                continue
            if status == 200 and answer.strip():
                try:
                    return status, apply_answer(document, json.loads(answer))
                except ValueError:
                    print("%s: malformed answer, default action" % stage, flush=True)
            if status != 429 and status < 500:
                return status, document
            retry_after = answer_headers.get("Retry-After")
            if retry_after and not self.args.no_retry_after:
                time.sleep(min(float(retry_after), 5.0))
            elif not self.args.no_retry_after:
                time.sleep(delay)
            delay = min(delay * 2, 5.0)
            if self.args.new_id_on_retry:
                request_id = uuid.uuid4().hex
        return status, document

    def stage(self, stage, session, recipient=None):
        """Calls a stage (when registered for it). Returns whether calls go on (False once the
        registration ended) and the document as the answer left it (None: nothing to apply)."""
        if stage not in self.stages:
            return True, None
        status, result = self.call(stage, stage_body(stage, session, self.args, recipient))
        if status == 410 and not self.args.ignore_410:
            print("deregistered by the scanner: stopping", flush=True)
            self.gone = True
            return False, None
        return True, result if 200 <= status < 300 else None

    def session(self, number):
        """One connection, one transaction. Returns False once calls must stop."""
        session = Session(number)
        for stage in ("connect", "ehlo"):
            going, _ = self.stage(stage, session)
            if not going:
                return False
        going, result = self.stage("mail", session)
        if not going:
            return False
        if result is not None:
            if result.get("action") in TERMINAL and not self.args.continue_after_reject:
                print("mail refused (%s): transaction ends" % result["action"], flush=True)
                return True
            sender = result.get("envelope", {}).get("from")
            if isinstance(sender, dict) and not self.args.ignore_sender_change:
                session.sender = sender
        for recipient in TO:
            going, result = self.stage("rcpt", session, recipient)
            if not going:
                return False
            self.accept_recipient(session, recipient, result)
        if not session.accepted:
            print("no recipient accepted: DATA not sent", flush=True)
            return True
        going, _ = self.stage("data", session)
        return going

    def accept_recipient(self, session, recipient, result):
        if result is None:
            session.accepted.append(recipient)
            return
        envelope = result.get("envelope", {})
        if isinstance(envelope.get("from"), dict) and not self.args.ignore_sender_change:
            session.sender = envelope["from"]
        to = envelope.get("to")
        if not isinstance(to, list):
            to = session.accepted + [recipient]
        before = [r["address"] for r in session.accepted] + [recipient["address"]]
        kept = []
        for entry in to:
            if entry.get("address") not in before and self.args.ignore_added_recipients:
                continue
            kept.append(entry)
        refused = result.get("action") in TERMINAL and not self.args.keep_rejected_recipients
        if refused:
            # The recipient this call was about is refused; edits to the others still hold.
            kept = [r for r in kept if r.get("address") != recipient["address"]]
        session.accepted = kept

    def run(self):
        self.stages = self.register()
        for number in range(self.args.sessions):
            if not self.session(number):
                return
        self.http("DELETE", self.deregistration_url)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the scanner's base URL")
    parser.add_argument("--sessions", type=int, default=6, help="the most sessions sent")
    parser.add_argument("--stages", default="connect,ehlo,mail,rcpt,data",
                        help="the inbound stages to register for")
    for flag in ("--no-request-id", "--new-id-on-retry", "--ignore-410", "--ignore-404",
                 "--no-retry-after", "--bad-shape", "--text-plain", "--ignore-sender-change",
                 "--ignore-added-recipients", "--keep-rejected-recipients",
                 "--continue-after-reject"):
        parser.add_argument(flag, action="store_true")
    Mta(parser.parse_args()).run()


if __name__ == "__main__":
    main()

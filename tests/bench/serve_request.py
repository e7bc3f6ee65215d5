#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes hook requests for the serve benchmarks (tests/bench/serve_*.sh).

  serve_request.py rcpt FILE            a small Stalwart rcpt-stage request (wrk's body)
  serve_request.py data FILE [BYTES]    a draft-01 data-stage request whose JSON body is about
                                        BYTES long (default 5 MB): a multipart message with a
                                        text part and a base64 attachment, carried as rawMessage
"""
import base64
import json
import random
import sys


def rcpt_request():
    return {
        "context": {
            "stage": "rcpt",
            "client": {"ip": "192.0.2.17", "port": 40125, "ptr": "mx.example.net",
                       "helo": "mx.example.net", "activeConnections": 1},
            "tls": {"version": "TLSv1.3", "cipher": "TLS13_AES_256_GCM_SHA384"},
            "server": {"name": "Stalwart v0.16.19", "port": 25, "ip": "198.51.100.2"},
            "protocol": {"version": 1},
        },
        "envelope": {"from": {"address": "sender@example.net"},
                     "to": [{"address": "rcpt@example.com"}]},
    }


def data_request(body_bytes):
    # rawMessage is base64 (4/3 of the message) plus a few hundred bytes of JSON around it.
    message_bytes = max(1024, (body_bytes - 1200) * 3 // 4)
    head = (
        "From: Bench Sender <sender@example.net>\r\n"
        "To: rcpt@example.com\r\n"
        "Subject: Quarterly figures\r\n"
        "Message-ID: <bench-1@example.net>\r\n"
        "Date: Thu, 05 Mar 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "The figures are attached.\r\n"
        "--b1\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename=\"figures.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
    ).encode()
    tail = b"\r\n--b1--\r\n"
    rng = random.Random(7)
    attachment_len = (message_bytes - len(head) - len(tail)) * 3 // 4 * 76 // 78
    payload = bytes(rng.getrandbits(8) for _ in range(max(0, attachment_len)))
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = head + encoded + tail
    return {
        "stage": "data", "action": "accept", "timestamp": "2026-03-05T10:00:02Z",
        "response": {"code": 250, "enhancedCode": "2.0.0", "message": "Queued"},
        "protocol": {"version": "1.0"}, "queue": {"id": "q-bench"},
        "server": {"name": "mx1.example.com", "ip": "198.51.100.25", "port": 25},
        "client": {"ip": "192.0.2.17", "port": 40125, "ptr": "mx.example.net",
                   "ehlo": "mx.example.net"},
        "envelope": {"from": {"address": "sender@example.net", "parameters": {}},
                     "to": [{"address": "rcpt@example.com", "parameters": {}}]},
        "message": {"size": len(raw), "subject": "Quarterly figures"},
        "rawMessage": base64.b64encode(raw).decode(),
    }


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("rcpt", "data"):
        sys.exit(__doc__)
    if sys.argv[1] == "rcpt":
        document = rcpt_request()
    else:
        document = data_request(int(sys.argv[3]) if len(sys.argv) > 3 else 5 * 1000 * 1000)
    with open(sys.argv[2], "w", encoding="ascii") as out:
        json.dump(document, out, separators=(",", ":"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoding a large message: Hookscope's MIME layer against Python's email package.

Writes a 25 MB message with ten base64 attachments, then times
  * Python: email.message_from_binary_file() and get_payload(decode=True) plus SHA-256 of every
    part (what MimeDecoder computes for each part),
  * mime_decode_bench (MimeDecoder::decodeFile + the JMAP JSON), built from this checkout,
  * `hookscope decode --json FILE` (the figure the goal is about).
Each command runs --runs times; the best wall time counts (CPU time, user + system, is shown too:
on a busy machine it is the steadier figure, but MimeDecoder digests large attachments on
several threads, so its CPU time exceeds its wall time). Peak RSS comes from wait4().

The targets: at least 10x faster than Python, peak RSS under 3x the message size. The exit
status is 1 when a measured Hookscope command misses them.

  tests/bench/mime_decode_bench.py --build-dir BUILD [--hookscope BUILD/app/hookscope]
"""

import argparse
import base64
import os
import random
import subprocess
import sys
import tempfile
import time

PYTHON_BASELINE = r"""
import email, hashlib, sys
from email import policy
with open(sys.argv[1], 'rb') as f:
    message = email.message_from_binary_file(f, policy=policy.default)
for part in message.walk():
    if not part.is_multipart():
        hashlib.sha256(part.get_payload(decode=True) or b'').hexdigest()
"""


def write_message(path, attachments=10, attachment_size=1_850_000):
    # Streamed to the file: the driver must stay small, because a child's peak RSS counts the
    # parent's pages it was forked with.
    rng = random.Random(25)
    with open(path, "wb") as f:
        def lines(*items):
            for item in items:
                f.write(item.encode("ascii") + b"\r\n")

        lines("From: Bench Sender <bench@example.com>",
              "To: Bench Recipient <rcpt@example.org>",
              "Subject: =?UTF-8?Q?Gro=C3=9Fe_Nachricht?=",
              "Date: Tue, 06 Oct 2026 14:03:09 +0200",
              "Message-ID: <bench-25mb@example.com>",
              "MIME-Version: 1.0",
              'Content-Type: multipart/mixed; boundary="bench-outer"',
              "",
              "--bench-outer",
              'Content-Type: multipart/alternative; boundary="bench-alt"',
              "",
              "--bench-alt",
              "Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: quoted-printable",
              "")
        for _ in range(100):
            lines("Zeile =C3=BCber den Anhang, lang genug f=C3=BCr einen weichen Umbruch in QP=", ".")
        lines("--bench-alt", "Content-Type: text/html; charset=utf-8", "")
        for _ in range(200):
            lines("<p>Absatz &uuml;ber den Anhang</p>")
        lines("--bench-alt--", "")
        for i in range(attachments):
            lines("--bench-outer",
                  f'Content-Type: application/octet-stream; name="file{i}.bin"',
                  "Content-Transfer-Encoding: base64",
                  f'Content-Disposition: attachment; filename="file{i}.bin"',
                  "")
            for offset in range(0, attachment_size, 57 * 1024):
                chunk = rng.randbytes(min(57 * 1024, attachment_size - offset))
                f.write(base64.encodebytes(chunk).replace(b"\n", b"\r\n"))
        lines("--bench-outer--")


def measure(command, runs):
    best = None
    cpu = None
    peak = 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(command)} failed with {status}")
        best = elapsed if best is None else min(best, elapsed)
        used = usage.ru_utime + usage.ru_stime
        cpu = used if cpu is None else min(cpu, used)
        peak = max(peak, usage.ru_maxrss * 1024)
    return best, cpu, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", required=True, help="a configured build folder of this checkout")
    parser.add_argument("--hookscope", help="the hookscope binary whose `hookscope decode --json` is "
                        "timed (default: BUILD/app/hookscope, built when missing)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="write the message here instead of a temporary folder")
    args = parser.parse_args()

    subprocess.run(["cmake", "--build", args.build_dir, "--target", "mime_decode_bench"], check=True,
                   stdout=subprocess.DEVNULL)
    found = [os.path.join(root, "mime_decode_bench") for root, _, files in os.walk(args.build_dir)
             if "mime_decode_bench" in files]
    if not found:
        sys.exit(f"mime_decode_bench not found under {args.build_dir}")
    bench = found[0]
    if not args.hookscope:
        subprocess.run(["cmake", "--build", args.build_dir, "--target", "hookscope"], check=True,
                       stdout=subprocess.DEVNULL)
        args.hookscope = os.path.join(args.build_dir, "app", "hookscope")

    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or os.path.join(folder, "large.eml")
        write_message(path)
        size = os.path.getsize(path)
        print(f"message: {size / 1e6:.1f} MB, 10 base64 attachments")

        python_time, python_cpu, python_rss = measure([sys.executable, "-c", PYTHON_BASELINE, path],
                                                      args.runs)
        print(f"{'python email':26} {python_time * 1000:7.1f} ms wall {python_cpu * 1000:7.1f} ms CPU "
              f"{python_rss / 1e6:6.1f} MB RSS")

        commands = {
            "mime_decode_bench": [bench, path],
            "mime_decode_bench --json": [bench, path, "--json"],
        }
        if args.hookscope:
            commands["hookscope decode --json"] = [args.hookscope, "decode", "--json", path]
        failed = False
        for name, command in commands.items():
            elapsed, cpu, rss = measure(command, args.runs)
            speedup = python_time / elapsed
            ok = speedup >= 10 and rss < 3 * size
            failed |= not ok
            print(f"{name:26} {elapsed * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU "
                  f"{rss / 1e6:6.1f} MB RSS  {speedup:5.1f}x python (CPU {python_cpu / cpu:4.1f}x), "
                  f"RSS {rss / size:.2f}x message  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

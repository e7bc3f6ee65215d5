#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Throughput benchmark of the mock MTA (not a ctest test): `hookscope replay` replays SESSIONS
# small Stalwart sessions (connect, ehlo, mail, one rcpt, data: 5 hook calls each) with
# CONCURRENCY sessions at a time to `hookscope serve` with captures on; then wrk posts a small
# rcpt request over as many keep-alive connections to the same target. Prints the replayer's
# sessions/s and calls/s, wrk's requests/s and the ratio calls/s : requests/s.
# Goal: the replayer is not the bottleneck, i.e. it reaches at least half of wrk's rate. (No
# nginx comparison: a replayer is measured against scanners that do work, issue 12.)
#
#   tests/bench/replay_bench.sh [BUILD_DIR]
#
# BUILD_DIR defaults to $HOOKSCOPE_BUILD_DIR or build/release. Environment: SESSIONS (2000),
# CONCURRENCY (32), DURATION (wrk, 10s), THREADS (wrk, 2).
# Installs wrk with apt-get when missing (as installer/dev.sh does).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-${HOOKSCOPE_BUILD_DIR:-$top/build/release}}
hookscope=$build/app/hookscope
sessions=${SESSIONS:-2000}
concurrency=${CONCURRENCY:-32}
duration=${DURATION:-10s}
threads=${THREADS:-2}

[ -x "$hookscope" ] || { echo "no hookscope binary at $hookscope (build first)" >&2; exit 2; }

# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
bench_install wrk python3 curl
bench_scratch

# The replayed message: small, one recipient.
printf 'From: Bench <sender@example.net>\r\nTo: rcpt@example.com\r\nSubject: bench\r\nMessage-ID: <bench@example.net>\r\n\r\nHello.\r\n' \
    > "$tmp/small.eml"
# wrk's request: the rcpt call of the same session, as the replayer sends it (Stalwart).
cat > "$tmp/rcpt.json" <<'JSON'
{"context":{"stage":"rcpt","client":{"ip":"192.0.2.10","port":40125,"ptr":"client.example.net","helo":"client.example.net","activeConnections":1},"server":{"name":"Hookscope","port":25,"ip":"127.0.0.1"},"protocol":{"version":1}},"envelope":{"from":{"address":"sender@example.net"},"to":[{"address":"rcpt@example.com"}]}}
JSON
{
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    printf 'wrk.body = [[%s]]\n' "$(tr -d '\n' < "$tmp/rcpt.json")"
} > "$tmp/post.lua"

# replay NAME URL -> "sessions/s calls/s p50 p99 errors"
run_replay() {
    echo "== $1: hookscope replay --repeat $sessions --concurrency $concurrency --to $2" >&2
    /usr/bin/time -f "%U %S" -o "$tmp/$1.time" \
        "$hookscope" replay "$tmp/small.eml" --mail-from sender@example.net \
        --rcpt rcpt@example.com --dialect stalwart --repeat "$sessions" \
        --concurrency "$concurrency" --to "$2" --json --quiet > "$tmp/$1.replay" \
        2> "$tmp/$1.replay.err" || true
    python3 - "$tmp/$1.replay" "$tmp/$1.time" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
user, system = (float(x) for x in open(sys.argv[2]).read().split()[-2:])
calls = summary["calls"]
cpu_us = (user + system) * 1e6 / max(1, calls)
print("%.0f %.0f %.2f %.2f %d %.0f" % (summary["sessionsPerSecond"], summary["callsPerSecond"],
      summary["latencyMs"]["median"], summary["latencyMs"]["p99"],
      summary["transportErrors"] + summary["malformedAnswers"], cpu_us))
PY
    cat "$tmp/$1.replay.err" >&2
}

run_wrk() { # name url -> "requests/s"
    echo "== $1: wrk -t$threads -c$concurrency -d$duration $2" >&2
    wrk -t"$threads" -c"$concurrency" -d"$duration" -s "$tmp/post.lua" "$2" > "$tmp/$1.wrk"
    cat "$tmp/$1.wrk" >&2
    awk '/^Requests\/sec:/ {print $2}' "$tmp/$1.wrk"
}

# --- hookscope serve, captures on --------------------------------------------------------------
hs_port=$(free_port)
"$hookscope" serve --listen "127.0.0.1:$hs_port" --db "$tmp/captures.sqlite" \
    > /dev/null 2> "$tmp/serve.err" &
pids+=($!)
wait_for "http://127.0.0.1:$hs_port/"
read -r hs_sps hs_cps hs_p50 hs_p99 hs_bad hs_cpu <<< "$(run_replay serve "http://127.0.0.1:$hs_port/hook")"
hs_wrk=$(run_wrk serve "http://127.0.0.1:$hs_port/hook")

# --- summary -----------------------------------------------------------------------------------
echo
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $sessions sessions x 5 calls, concurrency $concurrency; wrk -t$threads -c$concurrency -d$duration"
printf '%-22s %11s %9s %8s %8s %7s %11s %11s %7s\n' "target" "sessions/s" "calls/s" "p50 ms" "p99 ms" \
    "failed" "cpu us/call" "wrk req/s" "ratio"
row() { # name sps cps p50 p99 bad cpu wrk
    awk -v n="$1" -v s="$2" -v c="$3" -v p="$4" -v q="$5" -v b="$6" -v u="$7" -v w="$8" 'BEGIN {
        printf "%-22s %11s %9s %8s %8s %7s %11s %11s %7.2f\n", n, s, c, p, q, b, u, w, c / w }'
}
row "hookscope serve --db" "$hs_sps" "$hs_cps" "$hs_p50" "$hs_p99" "$hs_bad" "$hs_cpu" "$hs_wrk"
awk -v a="$hs_cps" -v b="$hs_wrk" 'BEGIN {
    printf "goal: replayer calls/s >= 0.50 x wrk requests/s: %s\n", (a / b >= 0.5 ? "met" : "NOT met") }'

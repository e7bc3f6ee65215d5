#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Large-message benchmark of the mock scanner (not a ctest test): curl posts a draft-01 data-stage
# request of about 5 MB (a multipart message with a base64 attachment, carried as rawMessage) to
# `hookscope serve` with captures on, several times, and prints curl's total time and the
# endpoint's own latency for each. Goal: answered in under 100 ms end to end.
#
#   tests/bench/serve_large.sh [BUILD_DIR]
#
# BUILD_DIR defaults to $HOOKSCOPE_BUILD_DIR or build/release. Environment: RUNS (7), BYTES
# (5000000, the request body size). curl sends "Expect: 100-continue" for bodies this large; the
# endpoint answers it at once (ConnectionGuard). "server cpu ms" is the CPU time hookscope used
# for the call (from /proc): unlike wall times it hardly moves when other work shares the machine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-${HOOKSCOPE_BUILD_DIR:-$top/build/release}}
hookscope=$build/app/hookscope
runs=${RUNS:-7}
bytes=${BYTES:-5000000}

[ -x "$hookscope" ] || { echo "no hookscope binary at $hookscope (build first)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 2; }

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

python3 "$here/serve_request.py" data "$tmp/data.json" "$bytes"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$hookscope" serve --listen "127.0.0.1:$port" --db "$tmp/captures.sqlite" --json \
    > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/.well-known/mta-hooks" && break
    sleep 0.1
done

echo "request: $(stat -c %s "$tmp/data.json") bytes (draft-01 data stage); host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
cpu_ms() { # utime + stime of hookscope, in ms
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat"
}
printf '%4s %8s %10s %12s %15s\n' run status "curl ms" "endpoint ms" "server cpu ms"
for run in $(seq 1 "$runs"); do
    cpu_before=$(cpu_ms)
    result=$(curl -s -o "$tmp/answer" -w '%{http_code} %{time_total}' \
        -H 'Content-Type: application/json' \
        -H 'X-MTA-Hooks-Registration: bench' -H "X-MTA-Hooks-Request-Id: large-$run" \
        --data-binary @"$tmp/data.json" "http://127.0.0.1:$port/v1/hooks/invoke/bench")
    status=${result%% *}
    total_ms=$(awk -v s="${result#* }" 'BEGIN { printf "%.1f", s * 1000 }')
    # The endpoint's latency (arrival to answer written) is the last --json line's latencyMs.
    for _ in $(seq 1 50); do
        [ "$(wc -l < "$tmp/serve.out")" -ge "$run" ] && break
        sleep 0.1
    done
    endpoint_ms=$(tail -n 1 "$tmp/serve.out" | python3 -c 'import json, sys; print("%.1f" % json.load(sys.stdin)["latencyMs"])')
    cpu=$(( $(cpu_ms) - cpu_before ))
    printf '%4s %8s %10s %12s %15s\n' "$run" "$status" "$total_ms" "$endpoint_ms" "$cpu"
    echo "$total_ms" >> "$tmp/times"
done
sort -n "$tmp/times" | awk '{ v[NR] = $1 } END {
    printf "curl total: min %.1f ms, median %.1f ms, max %.1f ms (goal < 100 ms: %s)\n",
        v[1], v[int((NR + 1) / 2)], v[NR], (v[int((NR + 1) / 2)] < 100 ? "met" : "NOT met") }'

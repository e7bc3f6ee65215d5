#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Throughput benchmark of the mock scanner (not a ctest test): wrk posts a small Stalwart
# rcpt-stage request over keep-alive connections to `hookscope serve` with captures on, then to
# nginx answering a static JSON body on the same machine, and prints requests/s, p50 and p99 of
# both and the ratio. Goal: hookscope at least half of nginx's requests/s, p99 under 5 ms.
#
#   tests/bench/serve_wrk.sh [BUILD_DIR]
#
# BUILD_DIR defaults to $HOOKSCOPE_BUILD_DIR or build/release. Environment: DURATION (10s),
# CONNECTIONS (32), THREADS (2), NGINX_WORKERS (auto, as Debian's nginx.conf; 1 for one core).
# Installs wrk and nginx with apt-get when missing (as installer/dev.sh does).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-${HOOKSCOPE_BUILD_DIR:-$top/build/release}}
hookscope=$build/app/hookscope
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
nginx_workers=${NGINX_WORKERS:-auto}

[ -x "$hookscope" ] || { echo "no hookscope binary at $hookscope (build first)" >&2; exit 2; }

# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
bench_install wrk nginx python3 curl
bench_scratch

python3 "$here/serve_request.py" rcpt "$tmp/rcpt.json"
{
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    printf 'wrk.body = [[%s]]\n' "$(cat "$tmp/rcpt.json")"
} > "$tmp/post.lua"

# wrk prints "Requests/sec: N" and, with --latency, "50% 1.23ms" … "99% 4.56ms".
run_wrk() { # name url
    echo "== $1: wrk -t$threads -c$connections -d$duration $2" >&2
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$tmp/post.lua" "$2" \
        > "$tmp/$1.wrk"
    cat "$tmp/$1.wrk" >&2
}

to_ms() { # "812.00us" | "1.23ms" | "1.01s"
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

figures() { # name -> "rps p50 p99 non2xx"
    local file=$tmp/$1.wrk
    local rps p50 p99 bad
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$file")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$file")")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$file")
    echo "$rps $p50 $p99 ${bad:-0}"
}

# --- hookscope serve, captures on --------------------------------------------------------------
hs_port=$(free_port)
"$hookscope" serve --listen "127.0.0.1:$hs_port" --db "$tmp/captures.sqlite" \
    > /dev/null 2> "$tmp/serve.err" &
pids+=($!)
wait_for "http://127.0.0.1:$hs_port/"
run_wrk hookscope "http://127.0.0.1:$hs_port/hook"
read -r hs_rps hs_p50 hs_p99 hs_bad <<< "$(figures hookscope)"
kill -TERM "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
stored=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from exchanges").fetchone()[0])' \
    "$tmp/captures.sqlite" 2>/dev/null || echo "?")

# --- nginx, static answer ----------------------------------------------------------------------
ng_port=$(free_port)
start_nginx "$ng_port" "$nginx_workers"
run_wrk nginx "http://127.0.0.1:$ng_port/hook"
read -r ng_rps ng_p50 ng_p99 ng_bad <<< "$(figures nginx)"

# --- summary -----------------------------------------------------------------------------------
echo
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$connections -d$duration; nginx worker_processes $nginx_workers"
printf '%-22s %12s %9s %9s %8s\n' "" "requests/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-22s %12s %9s %9s %8s\n' "hookscope serve --db" "$hs_rps" "$hs_p50" "$hs_p99" "$hs_bad"
printf '%-22s %12s %9s %9s %8s\n' "nginx static" "$ng_rps" "$ng_p50" "$ng_p99" "$ng_bad"
awk -v a="$hs_rps" -v b="$ng_rps" -v p="$hs_p99" 'BEGIN {
    r = a / b
    printf "ratio hookscope/nginx: %.2f (goal >= 0.50: %s); hookscope p99 %.2f ms (goal < 5: %s)\n",
        r, (r >= 0.5 ? "met" : "NOT met"), p, (p < 5 ? "met" : "NOT met") }'
echo "exchanges stored by hookscope: $stored"

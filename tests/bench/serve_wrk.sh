#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Throughput benchmark of the mock scanner (not a ctest test, issue 12). wrk posts a small
# Stalwart rcpt-stage request over keep-alive connections, in turn, to:
#   nginx        a static JSON answer (for reference only)
#   bare         a bare QHttpServer route returning a constant (bench_bare_server): the yardstick
#   durable      the same engine committing each body to a one-table SQLite file before its
#                constant answer (bench_durable_server): what durability alone costs, the ceiling
#   serve-file   `hookscope serve --db FILE` (every answered call committed before it is answered)
#   serve-memory `hookscope serve --db :memory:`
#   serve-json   `hookscope serve --db FILE --json` (a JSON line per call on stdout)
#   window       the window (offscreen) on the same endpoint, live timeline on, --db FILE
# for ROUNDS rounds, and prints the median requests/s, p50 and p99 of each, their ratio to the
# bare route (of the medians, and within each round), and whether the goals are met: serve-file
# >= 0.5 x bare with p99 < 5 ms, serve-json >= 0.4 x, window >= 0.4 x. It also checks that a file
# database holds at least every call wrk saw answered (a call is committed before its answer
# leaves).
#
#   tests/bench/serve_wrk.sh [BUILD_DIR]
#
# BUILD_DIR defaults to $HOOKSCOPE_BUILD_DIR or build/release. Environment: DURATION (10s),
# CONNECTIONS (32), THREADS (1), ROUNDS (3), NGINX_WORKERS (auto), ONLY (a space-separated subset
# of the names above). Installs wrk and nginx with apt-get when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-${HOOKSCOPE_BUILD_DIR:-$top/build/release}}
hookscope=$build/app/hookscope
bare=$build/tests/bench/bench_bare_server
durable=$build/tests/bench/bench_durable_server
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-1}
rounds=${ROUNDS:-3}
nginx_workers=${NGINX_WORKERS:-auto}
names=${ONLY:-nginx bare durable serve-file serve-memory serve-json window}

[ -x "$hookscope" ] || { echo "no hookscope binary at $hookscope (build first)" >&2; exit 2; }
[ -x "$bare" ] || { echo "no bench_bare_server at $bare (build first)" >&2; exit 2; }
[ -x "$durable" ] || { echo "no bench_durable_server at $durable (build first)" >&2; exit 2; }

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

to_ms() { # "812.00us" | "1.23ms" | "1.01s"
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

stored_count() { # database file, table
    python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from " + sys.argv[2]).fetchone()[0])' \
        "$1" "$2" 2>/dev/null || echo 0
}

# start NAME PORT DB — starts the server under test; sets server_pid
start() {
    local name=$1 port=$2 db=$3
    case $name in
    nginx)
        start_nginx "$port" "$nginx_workers"
        server_pid=${pids[-1]}
        return ;;
    bare) "$bare" --listen "127.0.0.1:$port" > /dev/null 2>&1 & ;;
    durable) "$durable" --listen "127.0.0.1:$port" --db "$db" > /dev/null 2>&1 & ;;
    serve-file) "$hookscope" serve --listen "127.0.0.1:$port" --db "$db" > /dev/null 2>&1 & ;;
    serve-memory) "$hookscope" serve --listen "127.0.0.1:$port" --db :memory: > /dev/null 2>&1 & ;;
    serve-json)
        "$hookscope" serve --listen "127.0.0.1:$port" --db "$db" --json > "$tmp/json.out" 2>&1 & ;;
    window)
        QT_QPA_PLATFORM=offscreen "$hookscope" --listen "127.0.0.1:$port" --db "$db" \
            > /dev/null 2>&1 & ;;
    esac
    server_pid=$!
    pids+=("$server_pid")
    wait_for "http://127.0.0.1:$port/hook"
}

stop() {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# One run: "rps p50 p99 non2xx answered stored"
run() { # name round
    local name=$1 round=$2 port db out
    port=$(free_port)
    db=$tmp/$name-$round.sqlite
    start "$name" "$port" "$db"
    # wait_for's own probe is one call; warm up briefly so every run starts alike.
    wrk -t1 -c4 -d1s -s "$tmp/post.lua" "http://127.0.0.1:$port/hook" > /dev/null
    out=$tmp/$name-$round.wrk
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$tmp/post.lua" \
        "http://127.0.0.1:$port/hook" > "$out"
    stop
    local rps p50 p99 bad answered stored=-
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    answered=$(awk '/requests in/ {print $1}' "$out")
    case $name in
    serve-file | serve-json | window) stored=$(stored_count "$db" exchanges) ;;
    durable) stored=$(stored_count "$db" calls) ;;
    esac
    echo "$rps $p50 $p99 ${bad:-0} $answered $stored"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for round in $(seq 1 "$rounds"); do
    for name in $names; do
        echo "== round $round: $name (wrk -t$threads -c$connections -d$duration)" >&2
        run "$name" "$round" >> "$tmp/$name.results"
        tail -n 1 "$tmp/$name.results" >&2
    done
done

echo
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$connections -d$duration; $rounds rounds, medians"
printf '%-14s %11s %8s %8s %8s %9s %11s %s\n' "" "requests/s" "p50 ms" "p99 ms" "non-2xx" "vs bare" \
    "vs durable" "stored >= answered"
bare_rps= durable_rps=
[ -f "$tmp/bare.results" ] && bare_rps=$(cut -d' ' -f1 "$tmp/bare.results" | median)
[ -f "$tmp/durable.results" ] && durable_rps=$(cut -d' ' -f1 "$tmp/durable.results" | median)
ratio_to() { # rps yardstick
    if [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo -; fi
}
for name in $names; do
    file=$tmp/$name.results
    rps=$(cut -d' ' -f1 "$file" | median)
    p50=$(cut -d' ' -f2 "$file" | median)
    p99=$(cut -d' ' -f3 "$file" | median)
    bad=$(cut -d' ' -f4 "$file" | sort -n | tail -n 1)
    kept=$(awk '$6 == "-" { next } { n++; if ($6 + 0 >= $5 + 0) ok++ }
        END { if (n == 0) print "-"; else printf "%s (%d/%d runs)", (ok == n ? "yes" : "NO"), ok, n }' "$file")
    ratio=$(ratio_to "$rps" "$bare_rps")
    printf '%-14s %11.0f %8s %8s %8s %9s %11s %s\n' "$name" "$rps" "$p50" "$p99" "$bad" "$ratio" \
        "$(ratio_to "$rps" "$durable_rps")" "$kept"
    echo "$name $rps $p99 $ratio" >> "$tmp/summary"
done
# The machine's speed drifts between rounds (a VM: ±25% here); a round runs every server within
# a minute or two, so the ratio within each round shows how much of the spread is the machine's.
if [ -n "$bare_rps" ]; then
    echo
    echo "vs bare within each round:"
    for name in $names; do
        [ "$name" = bare ] && continue
        ratios=$(paste -d' ' <(cut -d' ' -f1 "$tmp/$name.results") <(cut -d' ' -f1 "$tmp/bare.results") |
            awk '{ printf "%.3f\n", $1 / $2 }')
        printf '%-14s%s (median %.2f)\n' "$name" "$(echo "$ratios" | awk '{ printf " %.2f", $1 }')" \
            "$(echo "$ratios" | median)"
    done
    echo
fi
[ -n "$bare_rps" ] && awk '
    function goal(name, want, ratio, p99, checkp99) {
        ok = ratio >= want && (!checkp99 || p99 < 5)
        printf "goal %-12s >= %.1f x bare%s: %s\n", name, want, (checkp99 ? ", p99 < 5 ms" : ""),
            (ok ? "met" : "NOT met")
    }
    $1 == "serve-file" { goal($1, 0.5, $4, $3, 1) }
    $1 == "serve-json" { goal($1, 0.4, $4, $3, 0) }
    $1 == "window" { goal($1, 0.4, $4, $3, 0) }' "$tmp/summary"

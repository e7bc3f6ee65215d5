# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the network benchmarks share (sourced, not run): installing their tools, a scratch folder
# and the processes to stop at exit, a free loopback port, waiting for an answer, and nginx
# answering a static {"action":"accept"} as the reference server.

# bench_install TOOL... — apt-get installs the tools that are missing (as installer/dev.sh does).
bench_install() {
    local tool missing=()
    for tool in "$@"; do
        command -v "$tool" >/dev/null && continue
        [ "$tool" = nginx ] && [ -x /usr/sbin/nginx ] && continue
        missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "installing: ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

# Sets tmp (a scratch folder) and pids (processes to stop); both go at exit.
bench_scratch() {
    tmp=$(mktemp -d)
    pids=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # url
    local i
    for i in $(seq 1 100); do
        curl -s -o /dev/null -X POST --data '{}' "$1" && return 0
        sleep 0.1
    done
    echo "nothing answers at $1" >&2
    exit 1
}

# start_nginx PORT WORKERS — nginx on 127.0.0.1:PORT answering every request with Stalwart's
# {"action":"accept"}, keep-alive without limit; returns once it answers.
start_nginx() {
    local port=$1 workers=$2 nginx_bin
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$tmp/nginx"
    cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$port;
        location / {
            default_type application/json;
            return 200 '{"action":"accept"}';
        }
    }
}
CONF
    "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2> "$tmp/nginx/stderr" &
    pids+=($!)
    wait_for "http://127.0.0.1:$port/"
}

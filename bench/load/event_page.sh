#!/usr/bin/env bash
# Load test of the public event page (/e/<id>) beside nginx serving the same page as a static
# file. Everything runs on 127.0.0.1 and everything started here is stopped on exit.
#
#   bench/load/event_page.sh
#
# Settings (environment):
#   REPEATS=3          rounds; each round runs wrk against nginx, then against Rollcall.
#                      The table reports the median of the rounds.
#   DURATION=10s       wrk -d per run
#   THREADS=2          wrk -t
#   CONNECTIONS=32     wrk -c
#   WARMUP=2s          one short unmeasured wrk run against each server before the rounds
#   NGINX_WORKERS=1    nginx worker_processes (Rollcall always uses tokio's default runtime:
#                      one worker thread per core plus its blocking pool for SQLite)
#   SKIP_INSTALL=1     do not try apt-get when wrk/nginx are missing
#   SKIP_BUILD=1       use the existing target/release/rollcall
#   KEEP_TMP=1         keep the temporary folder (data dir, nginx config, wrk outputs)
#
# Caveat printed with the results: wrk runs on the same machine as the server under test, so
# on a small machine (the development box has 2 shared cores) the load generator and the
# server compete for the CPU. Compare the ratio, not the absolute numbers.

set -euo pipefail

REPEATS=${REPEATS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-2s}
NGINX_WORKERS=${NGINX_WORKERS:-1}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'event_page.sh: %s\n' "$*" >&2; exit 1; }

# --- tools ----------------------------------------------------------------------------------

NGINX_BIN=$(command -v nginx || true)
[[ -z "$NGINX_BIN" && -x /usr/sbin/nginx ]] && NGINX_BIN=/usr/sbin/nginx
if ! command -v wrk >/dev/null || [[ -z "$NGINX_BIN" ]]; then
    [[ "${SKIP_INSTALL:-}" == 1 ]] && die "wrk and nginx are needed (SKIP_INSTALL=1 is set)"
    [[ $(id -u) == 0 ]] || die "wrk and nginx are needed: apt-get install -y wrk nginx-light"
    log "installing wrk and nginx"
    apt-get update -qq
    apt-cache policy wrk nginx-light nginx >&2
    pkgs=()
    command -v wrk >/dev/null || pkgs+=(wrk)
    if [[ -z "$NGINX_BIN" ]]; then
        # nginx-light where the release still has it as a real package, else nginx.
        if apt-cache policy nginx-light | grep -q 'Candidate: [0-9]'; then
            pkgs+=(nginx-light)
        else
            pkgs+=(nginx)
        fi
    fi
    # policy-rc.d usually stops the package from starting a system nginx in a container; if
    # one does start, it listens on :80 and does not disturb this script's own ports.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
    NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
fi
for tool in curl wrk ss; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done
[[ -x "$NGINX_BIN" ]] || die "nginx is needed"

# --- build ----------------------------------------------------------------------------------

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    log "cargo build --release -p rollcall-local --bin rollcall"
    cargo build --release -p rollcall-local --bin rollcall >&2
fi
BIN="$ROOT/target/release/rollcall"
[[ -x "$BIN" ]] || die "$BIN is missing"

# --- temporary folder, cleanup --------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-load.XXXXXX")
ROLLCALL_PID=""
NGINX_PID=""

stop() {
    local pid=$1 name=$2 i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$name (pid $pid) did not stop within 5 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop "$NGINX_PID" nginx
    stop "$ROLLCALL_PID" rollcall
    wait 2>/dev/null || true
    if [[ "${KEEP_TMP:-}" == 1 || $status != 0 ]]; then
        log "temporary files kept in $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- free loopback ports --------------------------------------------------------------------

TAKEN=" "
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 40000))
        [[ "$TAKEN" == *" $p "* ]] && continue
        if [[ -z $(ss -Htan "sport = :$p" 2>/dev/null) ]]; then
            TAKEN+="$p "
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}
HTTP_PORT=$(free_port)
TAKEN+="$HTTP_PORT "
SMTP_PORT=$(free_port)
TAKEN+="$SMTP_PORT "
NGINX_PORT=$(free_port)

wait_http() { # url, seconds
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# --- Rollcall with one event ----------------------------------------------------------------

DATA="$TMP/data"
mkdir -p "$DATA" "$TMP/static"
log "starting rollcall serve (http 127.0.0.1:$HTTP_PORT, smtp 127.0.0.1:$SMTP_PORT)"
# wrk is one client on one address: no per-client connection cap, so CONNECTIONS may pass it.
ROLLCALL_LOG=warn "$BIN" serve --data-dir "$DATA" \
    --http-addr "127.0.0.1:$HTTP_PORT" --smtp-addr "127.0.0.1:$SMTP_PORT" \
    --http-max-connections-per-client 0 \
    >"$TMP/rollcall.log" 2>&1 &
ROLLCALL_PID=$!
if ! wait_http "http://127.0.0.1:$HTTP_PORT/healthz" 30; then
    cat "$TMP/rollcall.log" >&2
    die "rollcall did not answer /healthz within 30 s"
fi

log "sending examples/google-invite.eml over SMTP"
curl -sS --url "smtp://127.0.0.1:$SMTP_PORT" --mail-from grace@example.com \
    --mail-rcpt invites@rollcall.localhost --upload-file examples/google-invite.eml

EVENT_ID=""
for ((i = 0; i < 300; i++)); do
    # The acknowledgement carries the page link; undo quoted-printable soft breaks first.
    if compgen -G "$DATA/outbox/*.eml" >/dev/null; then
        EVENT_ID=$(cat "$DATA"/outbox/*.eml | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' |
            grep -o '/e/[A-Za-z0-9_-]*' | head -n 1 | cut -c4- || true)
    fi
    if [[ -z "$EVENT_ID" ]]; then
        EVENT_ID=$("$BIN" inbox --json --data-dir "$DATA" 2>/dev/null |
            grep -o 'created event [A-Za-z0-9_-]*' | head -n 1 | cut -d' ' -f3 || true)
    fi
    [[ -n "$EVENT_ID" ]] && break
    sleep 0.1
done
[[ -n "$EVENT_ID" ]] || { "$BIN" inbox --data-dir "$DATA" >&2 || true; die "no event after 30 s"; }
ROLLCALL_URL="http://127.0.0.1:$HTTP_PORT/e/$EVENT_ID"
log "event $EVENT_ID: $ROLLCALL_URL"

# --- nginx serving the same page as a static file -------------------------------------------

curl -fsS "$ROLLCALL_URL" >"$TMP/static/page.html"
PAGE_BYTES=$(wc -c <"$TMP/static/page.html")
# nginx workers drop to `nobody` when started as root: let them read the page.
chmod 755 "$TMP" "$TMP/static"
chmod 644 "$TMP/static/page.html"
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/html;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/static;
        location = /page.html { }
    }
}
EOF
log "starting nginx ($NGINX_WORKERS worker(s), 127.0.0.1:$NGINX_PORT)"
"$NGINX_BIN" -e "$TMP/nginx/error.log" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
    >"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
STATIC_URL="http://127.0.0.1:$NGINX_PORT/page.html"
if ! wait_http "$STATIC_URL" 10; then
    cat "$TMP/nginx/error.log" "$TMP/nginx/stdout.log" >&2 || true
    die "nginx did not serve the page within 10 s"
fi
STATIC_BYTES=$(curl -fsS "$STATIC_URL" | wc -c)
DYNAMIC_BYTES=$(curl -fsS "$ROLLCALL_URL" | wc -c)

# --- wrk ------------------------------------------------------------------------------------

# Sets RPS and P99 (ms) from one wrk run; stops the script on non-2xx answers.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}
run_wrk() { # name, url, duration, output file
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency "$2" >"$4" 2>&1 ||
        { cat "$4" >&2; die "wrk failed against $1"; }
    if grep -q 'Non-2xx or 3xx responses' "$4"; then
        cat "$4" >&2
        die "$1 answered non-2xx responses under load"
    fi
    if grep -q 'Socket errors' "$4"; then
        log "$1: $(grep 'Socket errors' "$4" | sed 's/^ *//')"
    fi
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$4")
    P99=$(awk '$1 == "99%" { print $2 }' "$4")
    [[ -n "$RPS" && -n "$P99" ]] || { cat "$4" >&2; die "cannot read wrk output for $1"; }
    P99=$(to_ms "$P99")
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

NPROC=$(nproc)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $NPROC core(s); wrk runs on the same machine as the servers and competes with them"
if [[ -n "$WARMUP" && "$WARMUP" != 0 ]]; then
    log "warm-up: $WARMUP against each"
    run_wrk nginx "$STATIC_URL" "$WARMUP" "$TMP/warmup-static.txt"
    run_wrk rollcall "$ROLLCALL_URL" "$WARMUP" "$TMP/warmup-rollcall.txt"
fi

S_RPS=() S_P99=() R_RPS=() R_P99=()
for ((round = 1; round <= REPEATS; round++)); do
    run_wrk nginx "$STATIC_URL" "$DURATION" "$TMP/wrk-static-$round.txt"
    S_RPS+=("$RPS") S_P99+=("$P99")
    log "round $round/$REPEATS nginx:    $RPS req/s, p99 $P99 ms"
    run_wrk rollcall "$ROLLCALL_URL" "$DURATION" "$TMP/wrk-rollcall-$round.txt"
    R_RPS+=("$RPS") R_P99+=("$P99")
    log "round $round/$REPEATS rollcall: $RPS req/s, p99 $P99 ms"
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
S_RPS_M=$(median "${S_RPS[@]}") S_P99_M=$(median "${S_P99[@]}")
R_RPS_M=$(median "${R_RPS[@]}") R_P99_M=$(median "${R_P99[@]}")
RATIO=$(awk -v a="$R_RPS_M" -v b="$S_RPS_M" 'BEGIN { printf "%.2f", a / b }')
P99_RATIO=$(awk -v a="$R_P99_M" -v b="$S_P99_M" 'BEGIN { printf "%.1f", a / b }')
VERDICT=$(awk -v r="$RATIO" 'BEGIN { print (r >= 0.5 ? "meets" : "BELOW") }')

echo
echo "Public event page under load, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, median of $REPEATS round(s)" \
    "(nginx then Rollcall each round)"
echo "page: $PAGE_BYTES bytes (nginx serves $STATIC_BYTES, Rollcall $DYNAMIC_BYTES per view)"
echo "nginx $("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///'): worker_processes $NGINX_WORKERS," \
    "access_log off, sendfile on; Rollcall: release build, ROLLCALL_LOG=warn," \
    "tokio multi-thread runtime ($NPROC workers)"
echo
printf '| %-28s | %12s | %10s |\n' server "requests/s" "p99 (ms)"
printf '| %-28s | %12s | %10s |\n' ---------------------------- ------------ ----------
printf '| %-28s | %12.0f | %10.2f |\n' "nginx, static page.html" "$S_RPS_M" "$S_P99_M"
printf '| %-28s | %12.0f | %10.2f |\n' "Rollcall /e/<id> (dynamic)" "$R_RPS_M" "$R_P99_M"
echo
echo "Rollcall / nginx throughput: $RATIO (target >= 0.50: $VERDICT); p99 ratio: ${P99_RATIO}x"
echo "all rounds nginx req/s:    ${S_RPS[*]}   p99 ms: ${S_P99[*]}"
echo "all rounds Rollcall req/s: ${R_RPS[*]}   p99 ms: ${R_P99[*]}"
echo
echo "load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (includes wrk and the servers)"
echo "Caveat: $NPROC core(s), shared with other work, and wrk runs on the same machine:" \
    "load generator and server compete for the CPU, so absolute numbers are low and noisy;" \
    "the ratio is what to compare."

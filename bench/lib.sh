# bench/lib.sh: what every benchmark shares; source it from bench/<name>.
# shellcheck shell=bash
#
#   bench_init [BASE_URL]    base URL (argument, else $VP_BENCH_URL, else
#                            http://127.0.0.1:8080); checks wrk and that the
#                            server answers; prints the run's settings
#   bench_baseline           measures GET /static.txt (200 bytes, served by the
#                            same httpd; script/stack creates it): the baseline
#   bench_run NAME PATH [-H 'Name: value']... [-s SCRIPT.lua] [-- SCRIPT ARGS]
#                            measures one target. PATH is appended to the base
#                            URL (or is a whole http:// URL). -s composes a
#                            request-building Lua script with bench/report.lua
#                            (see there); arguments after -- reach its init().
#   bench_login              logs the bench user in (bench-user@example.com,
#                            created by its signup when missing): sets
#                            BENCH_TOKEN; dies when the rate limits of
#                            bench/bench.conf are not in force
#   bench_table              prints name, connections, req/s, p50, p99, the
#                            ratios to the baseline, non-2xx responses and
#                            socket errors; returns 1 when any run had a
#                            non-2xx response or a socket error (the run is
#                            invalid)
#
# A run is compared with the latest bench_baseline before it, so a
# benchmark that changes BENCH_CONNECTIONS measures a baseline at each
# count (bench/all's connections sweep).
#
# Settings (environment):
#   BENCH_DURATION     per target, a wrk duration (10s)
#   BENCH_THREADS      wrk threads (2: the machine has 2 cores, and wrk shares
#                      them with httpd and PostgreSQL)
#   BENCH_CONNECTIONS  open keep-alive connections (16). On 2 cores more
#                      connections add queueing, not throughput; bench/all
#                      sweeps 16 to 256 against script/stack's httpd (2
#                      children x 256 threads, DBDMax 64 a child: README,
#                      "Workers and tunnels").
#   BENCH_WARMUP       an unmeasured run before each target (2s; 0 skips it):
#                      httpd threads and pooled database connections start
#   BENCH_TIMEOUT      wrk's per-request timeout (2s); a timeout is an error
#   BENCH_VERBOSE=1    also prints wrk's own report of each run

# sourced once (bench/all sources lib.sh through several benchmarks)
[ -n "${bench_lib_loaded:-}" ] && return 0
bench_lib_loaded=1
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
BENCH_WARMUP=${BENCH_WARMUP:-2s}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-2s}
BENCH_URL=

# one entry per measured run, same index in each array
BENCH_NAMES=() BENCH_RPS=() BENCH_P50=() BENCH_P99=() BENCH_NON2XX=()
BENCH_STATUSES=() BENCH_SOCKERR=() BENCH_ERRCOUNT=() BENCH_CONNS=() BENCH_BASEOF=()
BENCH_BASE= # index of the latest baseline run
BENCH_TOKEN=
BENCH_EMAIL=bench-user@example.com BENCH_PASSWORD='bench password 1'

bench_die() { echo "bench: $*" >&2; exit 1; }
bench_warmup_on() { [[ ! $BENCH_WARMUP =~ ^0+[a-z]*$ ]]; }

bench_init() {
    BENCH_URL=${1:-${VP_BENCH_URL:-http://127.0.0.1:8080}}
    BENCH_URL=${BENCH_URL%/}
    case $BENCH_URL in
        http://*|https://*) ;;
        *) bench_die "base URL must start with http:// or https:// (got '$BENCH_URL')" ;;
    esac
    command -v wrk >/dev/null || bench_die "wrk is not installed (apt-get install wrk; script/server installs it)"
    command -v curl >/dev/null || bench_die "curl is not installed"
    [[ $BENCH_THREADS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_THREADS must be a positive number"
    [[ $BENCH_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_CONNECTIONS must be a positive number"
    [ "$BENCH_CONNECTIONS" -ge "$BENCH_THREADS" ] || bench_die "BENCH_CONNECTIONS must be at least BENCH_THREADS"

    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BENCH_URL/api/health") \
        || bench_die "nothing answers at $BENCH_URL (curl: $code); start the server with script/server"
    [ "$code" = 200 ] || bench_die "$BENCH_URL/api/health answered $code, not 200: is this mod_vplanet?"

    local load cores warmup="no warm-up"
    read -r load _ < /proc/loadavg
    cores=$(nproc)
    bench_warmup_on && warmup="+$BENCH_WARMUP warm-up"
    printf 'bench: %s, %s per target (%s), %s threads, %s connections; %s cores, load %s\n' \
        "$BENCH_URL" "$BENCH_DURATION" "$warmup" "$BENCH_THREADS" "$BENCH_CONNECTIONS" "$cores" "$load"
    if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
        echo "bench: warning: the load average ($load) is above the number of cores ($cores); expect noisy numbers" >&2
    fi
}

bench_login() {
    [ -n "$BENCH_URL" ] || bench_die "call bench_init first"
    local body tmp headers
    body=$(printf '{"email":"%s","password":"%s"}' "$BENCH_EMAIL" "$BENCH_PASSWORD")
    # the bench user: created on the first run, a 409 afterwards
    curl -s -o /dev/null -H 'Content-Type: application/json' -X POST \
        --data "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"nickname\":\"bench-user\"}" \
        "$BENCH_URL/api/v1/auth/signup" || true
    tmp=$(mktemp)
    headers=$(curl -s -D - -o "$tmp" -H 'Content-Type: application/json' -X POST \
              --data "$body" "$BENCH_URL/api/v1/auth/login") || true
    BENCH_TOKEN=$(perl -MJSON::PP -e 'local $/; my $j = eval { decode_json(<STDIN>) };
                                      print $j ? $j->{data}{access_token} // "" : ""' < "$tmp")
    rm -f "$tmp"
    if grep -qi '^RateLimit-Limit:' <<<"$headers"; then
        bench_die "the rate limits are on; start the server with
  VP_HTTPD_EXTRA=\"Include $BENCH_DIR/bench.conf\" script/server"
    fi
    [ -n "$BENCH_TOKEN" ] || bench_die "cannot log in the bench user at $BENCH_URL"
}

bench_baseline() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BENCH_URL/static.txt") || true
    [ "$code" = 200 ] || bench_die "$BENCH_URL/static.txt answered $code, not 200: the baseline needs the 200-byte file script/stack puts in htdocs/"
    BENCH_BASE=${#BENCH_NAMES[@]} # the baseline is its own reference
    bench_run "static file (baseline)" /static.txt
}

# bench_wrk DURATION URL LUA_SCRIPT|"" [wrk options] [-- script args]:
# one wrk run with the reporter; prints wrk's output
bench_wrk() {
    local duration=$1 url=$2 script=$3; shift 3
    local wrk_opts=() rest=()
    while [ $# -gt 0 ]; do
        if [ "$1" = -- ]; then shift; rest=("$@"); break; fi
        wrk_opts+=("$1"); shift
    done
    VP_BENCH_SCRIPT=$script wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "$duration" \
        --timeout "$BENCH_TIMEOUT" -s "$BENCH_DIR/report.lua" "${wrk_opts[@]}" "$url" \
        ${rest[@]+-- "${rest[@]}"} 2>&1
}

bench_run() {
    local name=${1:?bench_run NAME PATH [options]} path=${2:?bench_run NAME PATH [options]}
    shift 2
    [ -n "$BENCH_URL" ] || bench_die "call bench_init first"
    local url script="" opts=()
    case $path in
        http://*|https://*) url=$path ;;
        *) url=$BENCH_URL$path ;;
    esac
    while [ $# -gt 0 ]; do
        case $1 in
            -H) [ $# -ge 2 ] || bench_die "$name: -H needs a header"; opts+=(-H "$2"); shift 2 ;;
            -s) { [ $# -ge 2 ] && [ -f "$2" ]; } || bench_die "$name: -s needs a Lua file"
                script=$(realpath "$2"); shift 2 ;;
            --) opts+=("$@"); break ;;
            *) bench_die "$name: unknown option $1" ;;
        esac
    done

    printf 'bench: %-28s ' "$name" >&2
    if bench_warmup_on; then
        bench_wrk "$BENCH_WARMUP" "$url" "$script" "${opts[@]}" >/dev/null || true
    fi
    local out line
    if ! out=$(bench_wrk "$BENCH_DURATION" "$url" "$script" "${opts[@]}") \
       || ! line=$(grep '^VPBENCH ' <<<"$out"); then
        echo >&2
        printf '%s\n' "$out" >&2
        bench_die "$name: wrk failed"
    fi
    [ "${BENCH_VERBOSE:-}" = 1 ] && printf '\n%s\n' "$out" >&2

    local field fields requests=0 rps=0 p50=0 p99=0 non2xx=0 statuses=-
    local connect=0 read=0 write=0 timeout=0
    read -ra fields <<<"${line#VPBENCH }"
    for field in "${fields[@]}"; do
        case ${field%%=*} in
            requests) requests=${field#*=} ;;
            rps) rps=${field#*=} ;;
            p50_us) p50=${field#*=} ;;
            p99_us) p99=${field#*=} ;;
            non2xx) non2xx=${field#*=} ;;
            statuses) statuses=${field#*=} ;;
            connect) connect=${field#*=} ;;
            read) read=${field#*=} ;;
            write) write=${field#*=} ;;
            timeout) timeout=${field#*=} ;;
        esac
    done
    if [ "$requests" = 0 ]; then
        echo >&2
        printf '%s\n' "$out" >&2
        bench_die "$name: not one request completed"
    fi
    BENCH_NAMES+=("$name") BENCH_RPS+=("$rps") BENCH_P50+=("$p50") BENCH_P99+=("$p99")
    BENCH_NON2XX+=("$non2xx") BENCH_STATUSES+=("$statuses")
    BENCH_CONNS+=("$BENCH_CONNECTIONS") BENCH_BASEOF+=("$BENCH_BASE")
    BENCH_ERRCOUNT+=("$((connect + read + write + timeout))")
    if [ $((connect + read + write + timeout)) -gt 0 ]; then
        BENCH_SOCKERR+=("connect $connect, read $read, write $write, timeout $timeout")
    else
        BENCH_SOCKERR+=("")
    fi
    printf '%s req/s\n' "$rps" >&2
}

bench_table() {
    local i width=4 bad=0
    for i in "${!BENCH_NAMES[@]}"; do
        [ ${#BENCH_NAMES[i]} -gt "$width" ] && width=${#BENCH_NAMES[i]}
    done
    echo
    printf "%-${width}s %5s %10s %9s %9s %11s %9s %8s %9s\n" \
        name conns req/s p50 p99 "req/s ratio" "p99 ratio" non-2xx "sock err"
    for i in "${!BENCH_NAMES[@]}"; do
        local mark="" b=${BENCH_BASEOF[i]} base_rps="" base_p99=""
        if [ -n "$b" ]; then base_rps=${BENCH_RPS[b]} base_p99=${BENCH_P99[b]}; fi
        if [ "${BENCH_NON2XX[i]}" != 0 ] || [ -n "${BENCH_SOCKERR[i]}" ]; then mark=" !!"; bad=1; fi
        awk -v w="$width" -v name="${BENCH_NAMES[i]}" -v c="${BENCH_CONNS[i]}" -v rps="${BENCH_RPS[i]}" \
            -v p50="${BENCH_P50[i]}" -v p99="${BENCH_P99[i]}" -v n="${BENCH_NON2XX[i]}" \
            -v e="${BENCH_ERRCOUNT[i]}$mark" -v brps="$base_rps" -v bp99="$base_p99" 'BEGIN {
                rr = (brps > 0) ? sprintf("%.2f", rps / brps) : "-"
                pr = (bp99 > 0) ? sprintf("%.2f", p99 / bp99) : "-"
                printf "%-" w "s %5d %10.0f %7.2fms %7.2fms %11s %9s %8s %9s\n",
                    name, c, rps, p50 / 1000, p99 / 1000, rr, pr, n, e
            }'
    done
    if [ -n "$BENCH_BASE" ]; then
        echo
        echo "req/s ratio: the target's req/s over the static file's at the same connections"
        echo "             (1.00 = as fast as a static file)."
        echo "p99 ratio:   the target's p99 latency over the static file's (2.00 = twice as slow)."
        echo "sock err:    wrk's connect, read, write and timeout errors ($BENCH_TIMEOUT timeout)."
    fi
    [ "$bad" = 0 ] && return 0
    echo
    for i in "${!BENCH_NAMES[@]}"; do
        if [ "${BENCH_NON2XX[i]}" != 0 ]; then
            echo "!! ${BENCH_NAMES[i]} (${BENCH_CONNS[i]} conns): ${BENCH_NON2XX[i]} responses were not 2xx (status:count ${BENCH_STATUSES[i]})"
        fi
        if [ -n "${BENCH_SOCKERR[i]}" ]; then
            echo "!! ${BENCH_NAMES[i]} (${BENCH_CONNS[i]} conns): socket errors: ${BENCH_SOCKERR[i]}"
        fi
    done
    echo "!! the runs marked !! measured errors, not the endpoint: their numbers are not a benchmark"
    return 1
}

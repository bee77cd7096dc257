# t/lib/stack.sh: the private stack of the integration suite, for whoever
# needs one (t/run-suite, script/chaos). Source it, then
#
#   private_stack_up BUILD_DIR [HTTPD_EXTRA [SIDECAR_EXTRA]]
#       starts PostgreSQL, httpd with BUILD_DIR's module, the SMTP sink and
#       BUILD_DIR's vplanetd (script/stack up) in a throwaway folder on free
#       ports, and exports the VP_* environment t/lib/VP.pm reads. The extra
#       lines go after the suite's own httpd and vplanetd settings (later
#       ones win). Sets STATE.
#   private_stack_down RC NAME
#       stops the stack; removes the folder when RC is 0 (and VP_KEEP is
#       unset), else names it on stderr as NAME
# shellcheck shell=bash

STACK_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

stack_free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp")->sockport'; }

private_stack_up() {
    local build=$1 httpd_extra=${2:-} sidecar_extra=${3:-}
    # shellcheck disable=SC1091
    . "$build/t/config.sh"
    export VP_HTTPD_BIN VP_ASAN_LIB VP_APXS_LIBEXECDIR
    local module="$build/.libs/mod_vplanet.so" vplanetd="$build/vplanetd/vplanetd"
    [ -f "$module" ] || { echo "$module not built" >&2; return 1; }
    [ -x "$vplanetd" ] || { echo "$vplanetd not built" >&2; return 1; }

    STATE=$(mktemp -d /tmp/vplanet-test.XXXXXX)
    chmod 755 "$STATE"
    local http_port pg_port smtp_port ws_port
    http_port=$(stack_free_port) pg_port=$(stack_free_port)
    smtp_port=$(stack_free_port) ws_port=$(stack_free_port)

    export VP_LOGLEVEL="warn vplanet:info"
    # The suite is one client behind a trusted proxy: each test file chooses
    # its client address through X-Forwarded-For, so per-IP limits hold their
    # production defaults.
    export VP_HTTPD_EXTRA="VPlanetDiagnostics On
LoadModule remoteip_module ${VP_APXS_LIBEXECDIR:-/usr/lib/apache2/modules}/mod_remoteip.so
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
# t/11-session.t outwaits the refresh reuse window: 2 s, not 10
VPlanetRefreshReuseGrace 2
$httpd_extra"
    export VP_PG_FSYNC=off      # a throwaway cluster: durability buys nothing here
    # Mail retries in seconds, not minutes: t/30-mail.t stops the SMTP sink and
    # waits for the retries (1 s, then 2 s apart; 8 attempts take ~13 s).
    export VP_SIDECAR_EXTRA="ws_queue_max = 20
mail_backoff_base = 1
mail_backoff_max = 2
mail_poll_interval = 5
smtp_timeout = 10
smtp_connect_timeout = 5
mail_sending_timeout = 30
# Encoding in seconds, not minutes: the fastest x264 preset, and a worker
# that died is noticed after 6 s (t/51-encoding.t kills one mid-encode).
encode_preset = ultrafast
encode_stale = 6
encode_poll_interval = 5
# Digest periods in seconds, not hours (t/64-notify-delivery.t waits for
# them), looked for every second; links in the notification emails.
digest_hourly_seconds = 4
digest_daily_seconds = 8
digest_check_interval = 1
public_url = http://app.vplanet.invalid
$sidecar_extra"
    # the document the build generated (tools/vp-openapi), served by Apache
    export VP_OPENAPI="$build/openapi.json"
    "$STACK_SRC/script/stack" up "$STATE" "$http_port" "$pg_port" "$module" "$vplanetd" "$smtp_port" "$ws_port"

    export VP_SRC="$STACK_SRC" VP_STATE="$STATE" VP_STACK="$STACK_SRC/script/stack" VP_MODULE="$module" VP_BUILD="$build"
    export VP_BASE="http://127.0.0.1:$http_port"
    export VP_VPLANETD="$vplanetd" VP_SMTP_PORT="$smtp_port" VP_MAILDIR="$STATE/mail" VP_WS_PORT="$ws_port"
    export VP_SIDECAR_CONF="$STATE/vplanetd/vplanetd.conf" VP_SIDECAR_LOG="$STATE/vplanetd/vplanetd.log"
}

private_stack_down() {
    local rc=$1 name=$2
    [ -n "${STATE:-}" ] || return 0
    "$STACK_SRC/script/stack" down "$STATE" >/dev/null 2>&1 || true
    if [ "$rc" = 0 ] && [ -z "${VP_KEEP:-}" ]; then
        rm -rf "$STATE"
    else
        echo "$name: state and logs kept in $STATE" >&2
    fi
}

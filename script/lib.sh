# Shared by script/server and script/test: Debian packages and the build.
# shellcheck shell=bash

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the stack, the tests and the benchmarks use.
PACKAGES=(
    build-essential autoconf automake libtool pkg-config
    apache2 apache2-dev libaprutil1-dbd-pgsql
    libjansson-dev libjwt-dev libargon2-dev libssl-dev libpq-dev
    postgresql-15 postgresql-client-15
    perl libwww-perl curl wrk linux-perf
    # vplanetd: libcurl (SMTP), libwebsockets (its WebSocket part); the
    # SMTP sink of the test and development stacks
    libcurl4-openssl-dev libwebsockets-dev python3-aiosmtpd
    # vplanetd's video encoding (ffmpeg and ffprobe)
    ffmpeg
    # t/52-tus.t: a tus client nobody here wrote (tus-js-client, which the
    # test installs from npm into the build folder) under Node
    nodejs npm
    # t/71-calendar-feed.t: an iCalendar parser nobody here wrote
    python3-icalendar
    # Unicode normal forms, case folding and PRECIS classes (the core)
    libunistring-dev
    # libFuzzer harnesses of the core (script/fuzz)
    clang libclang-rt-14-dev
    # the plan's PDF (cairo, pango, a Korean font) and t/80-planning.t's
    # reading of it (pdfinfo, pdftotext, pdffonts)
    libcairo2-dev libpango1.0-dev fonts-nanum poppler-utils
    # script/test-packages: the package build and its checks, and what
    # README.Debian's first run uses (jq, a WebSocket client)
    # (iproute2: ss for free ports; openssl: the TLS site's certificate)
    debhelper dpkg-dev fakeroot lintian jq python3-websockets iproute2 openssl
)

say() { printf '==> %s\n' "$*"; }

# Packages a command of the same use may stand for: a machine may carry
# Node.js from elsewhere (NodeSource's nodejs bundles npm and conflicts
# with Debian's npm package).
declare -A PACKAGE_COMMAND=([nodejs]=node [npm]=npm)

ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        [ -n "${PACKAGE_COMMAND[$p]:-}" ] && command -v "${PACKAGE_COMMAND[$p]}" >/dev/null && continue
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]}; run as root or install them" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # several checkouts may install at once: wait for dpkg's lock
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [configure options]: an out-of-tree build of the source.
build() {
    local dir=$1; shift
    if [ ! -x "$SRC/configure" ] || [ "$SRC/configure.ac" -nt "$SRC/configure" ] \
       || [ "$SRC/Makefile.am" -nt "$SRC/Makefile.in" ]; then
        say "autoreconf"
        (cd "$SRC" && autoreconf -fi >/dev/null 2>&1) || { (cd "$SRC" && autoreconf -fi); exit 1; }
    fi
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ "$SRC/configure" -nt "$dir/config.status" ]; then
        say "configure $* (in $dir)"
        (cd "$dir" && "$SRC/configure" -q "$@")
    fi
    say "make (in $dir)"
    make -C "$dir" -s -j"$(nproc)" >/dev/null
}

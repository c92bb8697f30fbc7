#!/usr/bin/env bash
# Screenshots of the generated feeds, as a browser shows them, for the documentation.
#
#   scripts/screenshots.sh [FEEDS_DIR] [OUT_DIR]        (defaults: feeds/ and docs/)
#
# Serves FEEDS_DIR on a free port of 127.0.0.1 with Python's http.server, then takes headless
# Chromium screenshots of:
#   index.html             -> OUT_DIR/index.png      (skipped with a message if missing)
#   the first *.rss        -> OUT_DIR/feed-rss.png
#   the first *.atom       -> OUT_DIR/feed-atom.png
# The feeds are styled by feed.xsl (their <?xml-stylesheet?> instruction), which must sit in
# FEEDS_DIR next to them. The server stops when the script exits, whatever happens.
#
# Needs chromium and python3; installs nothing. Environment:
#   CHROMIUM=/path/to/chromium   the browser to use (default: first of chromium, chromium-browser)
#   WINDOW_SIZE=1100,1400        the viewport of the screenshots
#   COLOR_SCHEME=dark            screenshots in dark mode (default: light)
#
# Two things the server and browser have to get right for the XSLT view:
# - .rss and .atom are served as application/xml. Chromium shows application/rss+xml and
#   application/atom+xml (what http.server and most web servers send) as plain text and never
#   applies the stylesheet; a web server hosting the feeds needs the same mapping for the
#   styled view to appear in Chrome.
# - Chromium 14x+ paints a red "XSLT is being removed" banner over pages that use XSLT; it is
#   turned off here (--disable-features=GenerateXSLTWarningBanner) so that the screenshots show
#   the page itself. Visitors with a current Chrome do see it.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac
if [ "$#" -gt 2 ]; then
    usage >&2
    exit 2
fi

feeds_dir=${1:-feeds}
out_dir=${2:-docs}
window_size=${WINDOW_SIZE:-1100,1400}

# ---- prerequisites: report everything that is missing, then stop ----
missing=()
chromium=${CHROMIUM:-}
if [ -n "$chromium" ]; then
    if ! command -v "$chromium" > /dev/null 2>&1; then
        missing+=("chromium (CHROMIUM=$chromium is not an executable)")
    fi
else
    for candidate in chromium chromium-browser; do
        if command -v "$candidate" > /dev/null 2>&1; then
            chromium=$candidate
            break
        fi
    done
    if [ -z "$chromium" ]; then
        missing+=("chromium (Debian/Ubuntu: apt-get install chromium; or set CHROMIUM=/path/to/chrome)")
    fi
fi
if ! command -v python3 > /dev/null 2>&1; then
    missing+=("python3 (Debian/Ubuntu: apt-get install python3)")
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "screenshots.sh: missing required tools:" >&2
    for m in "${missing[@]}"; do
        echo "  - $m" >&2
    done
    echo "Nothing was installed; install them and run again." >&2
    exit 1
fi

if command -v fc-list > /dev/null 2>&1 && [ -z "$(fc-list :lang=zh family 2> /dev/null)" ]; then
    echo "screenshots.sh: warning: no Chinese font installed; titles will show as boxes" \
        "(Debian/Ubuntu: apt-get install fonts-noto-cjk)" >&2
fi

if [ ! -d "$feeds_dir" ]; then
    echo "screenshots.sh: feeds folder '$feeds_dir' does not exist (run feedwright first, or pass the folder as 1st argument)" >&2
    exit 1
fi
feeds_dir=$(cd "$feeds_dir" && pwd)
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

# ---- cleanup on exit ----
work=$(mktemp -d "${TMPDIR:-/tmp}/feedwright-shots.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2> /dev/null; then
        kill "$server_pid" 2> /dev/null || true
        wait "$server_pid" 2> /dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the temporary server: port 0 lets the system pick a free port, printed to a file ----
python3 -u - "$feeds_dir" "$work/port" > "$work/server.log" 2>&1 <<'PY' &
import functools, http.server, os, sys

directory, port_file = sys.argv[1], sys.argv[2]


class Handler(http.server.SimpleHTTPRequestHandler):
    # Chromium renders the feed MIME types as plain text and would not apply feed.xsl.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".rss": "application/xml",
        ".atom": "application/xml",
        ".xml": "application/xml",
        ".xsl": "application/xml",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))


server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Handler, directory=directory)
)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
PY
server_pid=$!

port=
for _ in $(seq 1 100); do
    if [ -s "$work/port" ]; then
        port=$(cat "$work/port")
        break
    fi
    if ! kill -0 "$server_pid" 2> /dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "screenshots.sh: the HTTP server did not start:" >&2
    cat "$work/server.log" >&2 || true
    exit 1
fi
base="http://127.0.0.1:$port"
echo "Serving $feeds_dir at $base"

# ---- screenshots ----
timeout_cmd=()
if command -v timeout > /dev/null 2>&1; then
    timeout_cmd=(timeout 120)
fi
color_flags=()
if [ "${COLOR_SCHEME:-light}" = dark ]; then
    color_flags=(--force-dark-mode)
fi

failures=0
shoot() { # shoot NAME-IN-FEEDS-DIR OUTPUT.png
    local page=$1 png=$2 profile log
    profile=$(mktemp -d "$work/profile.XXXXXX")
    log="$work/chromium-$(basename "$png" .png).log"
    rm -f "$png"
    ${timeout_cmd[@]+"${timeout_cmd[@]}"} "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --disable-features=GenerateXSLTWarningBanner --hide-scrollbars \
        ${color_flags[@]+"${color_flags[@]}"} --user-data-dir="$profile" --window-size="$window_size" \
        --screenshot="$png" "$base/$page" > "$log" 2>&1 || true
    if [ -s "$png" ]; then
        echo "  $page -> $png"
    else
        echo "screenshots.sh: no screenshot of $page; chromium said:" >&2
        grep -v 'dbus\|unexpected operator' "$log" | tail -n 5 >&2 || true
        failures=$((failures + 1))
    fi
}

first_match() { # first_match PATTERN: the first file of FEEDS_DIR matching PATTERN, sorted
    local f
    for f in "$feeds_dir"/$1; do
        if [ -f "$f" ]; then
            basename "$f"
            return 0
        fi
    done
    return 0
}

check_styled() { # warn when the browser will show raw XML instead of the styled page
    local feed=$1
    if ! head -c 4096 "$feeds_dir/$feed" | grep -q '<?xml-stylesheet'; then
        echo "  note: $feed has no <?xml-stylesheet?> instruction; the screenshot shows raw XML" >&2
    elif [ ! -f "$feeds_dir/feed.xsl" ]; then
        echo "  note: $feeds_dir/feed.xsl is missing; the screenshot shows raw XML" >&2
    fi
}

echo "Screenshots into $out_dir:"
if [ -f "$feeds_dir/index.html" ]; then
    shoot index.html "$out_dir/index.png"
else
    echo "  skipped index.html: $feeds_dir/index.html does not exist (this version of feedwright writes none)"
fi

rss=$(first_match '*.rss')
if [ -n "$rss" ]; then
    check_styled "$rss"
    shoot "$rss" "$out_dir/feed-rss.png"
else
    echo "  skipped RSS: no *.rss file in $feeds_dir"
fi

atom=$(first_match '*.atom')
if [ -n "$atom" ]; then
    check_styled "$atom"
    shoot "$atom" "$out_dir/feed-atom.png"
else
    echo "  skipped Atom: no *.atom file in $feeds_dir"
fi

if [ "$failures" -gt 0 ]; then
    echo "screenshots.sh: $failures screenshot(s) failed" >&2
    exit 1
fi

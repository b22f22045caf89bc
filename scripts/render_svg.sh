#!/usr/bin/env bash
# Renders SVG or HTML files to PNG with headless Chromium, to look at plots.
#
#   scripts/render_svg.sh [-w WIDTH] [-h HEIGHT] FILE...
#
# Each FILE.svg / FILE.html becomes FILE.png next to it. Without -w/-h an SVG
# is shot at the size its root element declares; an HTML page at 1000×2400.
# Produce sample plots first with
#   NABLA_PLOT_SAMPLES=/tmp/nabla-plots swift test --filter NablaPlotTests.writeSamples
set -euo pipefail

width="" height=""
while getopts "w:h:" opt; do
    case "$opt" in
        w) width="$OPTARG" ;;
        h) height="$OPTARG" ;;
        *) echo "usage: $0 [-w WIDTH] [-h HEIGHT] FILE..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-w WIDTH] [-h HEIGHT] FILE..." >&2; exit 2; }

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
if [ -z "$browser" ]; then
    echo "chromium not found; installing it from the Debian packages" >&2
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -q && apt-get install -y -q chromium
    else
        sudo apt-get update -q && sudo apt-get install -y -q chromium
    fi
    browser=chromium
fi

for file in "$@"; do
    path="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
    out="${path%.*}.png"
    w="$width" h="$height"
    if [ -z "$w" ] || [ -z "$h" ]; then
        case "$path" in
            *.svg)
                # width="640" height="420" on the root element
                root="$(head -c 400 "$path")"
                [ -n "$w" ] || w="$(printf '%s' "$root" | sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p')"
                [ -n "$h" ] || h="$(printf '%s' "$root" | sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p')"
                ;;
        esac
        w="${w:-1000}" h="${h:-2400}"
    fi
    "$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars --force-device-scale-factor=1 \
        --screenshot="$out" --window-size="$w,$h" "file://$path" >/dev/null 2>&1 || {
        echo "chromium failed on $file" >&2
        exit 1
    }
    echo "$out"
done

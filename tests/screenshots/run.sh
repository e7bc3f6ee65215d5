#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes the README's screenshots under Xvfb: bash tests/screenshots/run.sh [BUILD_DIR] [OUT_DIR]
# (the window at 1440×900, and its timeline once more at 1280×800: timeline-1280x800.png)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$top/build/release}
out=${2:-$top/docs/screenshots}
cmake --build "$build" --target hookscope_screenshots
command -v xvfb-run >/dev/null || { echo "needs xvfb-run (apt-get install xvfb xauth)"; exit 2; }
xvfb-run -a -s '-screen 0 1600x1000x24' "$build/tests/screenshots/hookscope_screenshots" "$out"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Everything a fresh Debian 12 machine needs, in one place:
#   bash installer/dev.sh run [ARGS…]   install what is missing, build, start Hookscope
#   bash installer/dev.sh test          install what is missing, build, run every test
#   bash installer/dev.sh build         install what is missing, build
#   bash installer/dev.sh deps          install what is missing
# HOOKSCOPE_BUILD_DIR overrides the build folder (default: build/release).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HOOKSCOPE_BUILD_DIR:-$top/build/release}

build_packages=(
    cmake ninja-build g++ pkg-config dpkg-dev
    qt6-base-dev qt6-httpserver-dev qt6-websockets-dev libqscintilla2-qt6-dev
    nlohmann-json3-dev libgmime-3.0-dev libqt6sql6-sqlite libdtl-dev libssl-dev
    libgl1-mesa-dev libxkbcommon-dev fonts-dejavu-core
)
# Tests drive the GUI headless and talk HTTP on loopback.
test_packages=(xvfb xauth curl python3)

install_missing() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "installing: ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

build_all() {
    local generator=()
    [ -f "$build/CMakeCache.txt" ] || generator=(-G Ninja)
    # ccache, where it is installed, makes a second build folder (sanitizers, fuzzing) cheap.
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$top" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "${launcher[@]}" "$@"
    cmake --build "$build" --parallel "$(nproc)"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    deps)
        install_missing "${build_packages[@]}" "${test_packages[@]}"
        ;;
    build)
        install_missing "${build_packages[@]}"
        build_all "$@"
        ;;
    run)
        install_missing "${build_packages[@]}"
        build_all
        exec "$build/app/hookscope" "$@"
        ;;
    test)
        install_missing "${build_packages[@]}" "${test_packages[@]}"
        build_all "$@"
        cd "$build"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure --parallel "$(nproc)" --timeout 600
        ;;
    *)
        sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac

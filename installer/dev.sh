#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Everything a fresh Debian 12 machine needs, in one place:
#   bash installer/dev.sh run [ARGS…]   install what is missing, build, start Hookscope
#   bash installer/dev.sh test          install what is missing, build, run every test
#   bash installer/dev.sh build         install what is missing, build
#   bash installer/dev.sh deps          install what is missing
#   bash installer/dev.sh fuzz [TARGET] [SECONDS]   build the libFuzzer targets with clang in
#                                       build/fuzz and run TARGET (or each in turn) for SECONDS
#                                       (default 60) each; see tests/fuzz/README.md
# HOOKSCOPE_BUILD_DIR overrides the build folder (default: build/release).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HOOKSCOPE_BUILD_DIR:-$top/build/release}

build_packages=(
    cmake ninja-build g++ pkg-config dpkg-dev ccache
    qt6-base-dev qt6-declarative-dev qt6-httpserver-dev qt6-websockets-dev libqscintilla2-qt6-dev
    nlohmann-json3-dev libgmime-3.0-dev libqt6sql6-sqlite libsqlite3-dev libdtl-dev libssl-dev
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

fuzz_targets=(request answer mime framing rules sessions filter)

# Runs one fuzzer over a scratch copy of its corpus, so that the repository's corpus only grows
# by what someone adds on purpose; crashes land in the scratch folder and are listed at the end.
fuzz_one() {
    local name=fuzz_$1 seconds=$2 scratch=$3 max_len=65536
    [ "$1" = mime ] && max_len=1048576
    mkdir -p "$scratch/$name/crashes"
    rm -rf "$scratch/$name/corpus"
    cp -r "$top/tests/fuzz/corpus/$name" "$scratch/$name/corpus"
    echo "== $name: ${seconds}s, scratch $scratch/$name"
    # The exit status is the run's verdict, reported below; one crash must not stop the others.
    UBSAN_OPTIONS=print_stacktrace=1 "$top/build/fuzz/tests/fuzz/$name" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=25 -print_final_stats=1 \
        -dict="$top/tests/fuzz/$name.dict" -artifact_prefix="$scratch/$name/crashes/" \
        "$scratch/$name/corpus" >"$scratch/$name/log" 2>&1 || true
    local rate crashes
    rate=$(grep -o 'exec/s: [0-9]*' "$scratch/$name/log" | tail -n 1 | cut -d' ' -f2)
    crashes=$(find "$scratch/$name/crashes" -type f | wc -l)
    printf '%-14s %8s exec/s %6s corpus %3s crashes\n' "$name" "${rate:-?}" \
        "$(find "$scratch/$name/corpus" -type f | wc -l)" "$crashes" >>"$scratch/summary"
    if [ "$crashes" -gt 0 ]; then
        grep -m 1 -A 30 -E '^==[0-9]+==ERROR|runtime error|invariant failed|deadly signal' \
            "$scratch/$name/log" || true
        find "$scratch/$name/crashes" -type f
    fi
}

fuzz_all() {
    local target=${1:-all} seconds=${2:-60} fuzz_build=$top/build/fuzz
    local names=()
    case "$target" in
        all) names=("${fuzz_targets[@]}") ;;
        *)
            target=${target#fuzz_}
            [[ " ${fuzz_targets[*]} " == *" $target "* ]] \
                || { echo "unknown fuzz target $target (${fuzz_targets[*]})"; exit 2; }
            names=("$target")
            ;;
    esac
    local generator=() launcher=()
    [ -f "$fuzz_build/CMakeCache.txt" ] || generator=(-G Ninja)
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # clang's warnings differ from g++'s, which the code is held to: no -Werror here.
    CC=clang-14 CXX=clang++-14 cmake -S "$top" -B "$fuzz_build" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKSCOPE_FUZZ=ON -DHOOKSCOPE_WERROR=OFF \
        "${launcher[@]}"
    cmake --build "$fuzz_build" --parallel "$(nproc)" --target "${names[@]/#/fuzz_}"
    local scratch
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/hookscope-fuzz.XXXXXX")
    for target in "${names[@]}"; do
        fuzz_one "$target" "$seconds" "$scratch"
    done
    echo "== summary (logs, grown corpora and crashes in $scratch)"
    cat "$scratch/summary"
    ! grep -qv ' 0 crashes$' "$scratch/summary"
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
    fuzz)
        install_missing "${build_packages[@]}" clang-14 libclang-rt-14-dev
        fuzz_all "$@"
        ;;
    *)
        sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac

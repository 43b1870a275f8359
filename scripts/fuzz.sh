#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ for a given time each, on the stable toolchain.
#
#   scripts/fuzz.sh                     # every target, 10 minutes each, one after another
#   scripts/fuzz.sh -t 60 search        # one target for 60 seconds
#   scripts/fuzz.sh -j 2 -t 600         # two targets at a time (one per core)
#   scripts/fuzz.sh --minimise          # shrink each committed corpus to what adds coverage
#   scripts/fuzz.sh --coverage search   # what the corpus reaches (cargo fuzz coverage)
#
# Installs cargo-fuzz when it is missing. libFuzzer needs nightly features, unlocked on
# the stable toolchain with RUSTC_BOOTSTRAP=1. New inputs that add coverage are written
# to fuzz/corpus/<target>/ (commit them after `--minimise`); a crash, hang (-timeout) or
# out-of-memory (-rss_limit_mb) stops the target and leaves its input in
# fuzz/artifacts/<target>/. Each run's last status line is kept in
# target/fuzz-logs/<target>.log: executions (#N), coverage (cov:, ft:) and corpus size.
# Replay a finding with `scripts/fuzz.sh --replay fuzz/artifacts/<target>/<file> <target>`;
# once fixed, commit it to fuzz/regressions/<target>/ (never minimised away). The seeded
# pass over every corpus and regression runs in `cargo test` (tests/api/fuzzing.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(request mutation search dataset)
SECONDS_EACH=600
JOBS=1
MODE=run
REPLAY=""
# Inputs longer than this are not tried: the server's own limits refuse far smaller ones.
declare -A MAX_LEN=([request]=16384 [mutation]=4096 [search]=1024 [dataset]=65536)

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        -t|--time) SECONDS_EACH="$2"; shift 2 ;;
        -j|--jobs) JOBS="$2"; shift 2 ;;
        --minimise|--minimize) MODE=minimise; shift ;;
        --coverage) MODE=coverage; shift ;;
        --replay) MODE=replay; REPLAY="$2"; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage 2 ;;
        *) break ;;
    esac
done
if [ $# -gt 0 ]; then
    TARGETS=("$@")
fi
for target in "${TARGETS[@]}"; do
    if [ -z "${MAX_LEN[$target]:-}" ]; then
        echo "unknown target $target: the targets are request, mutation, search and dataset" >&2
        exit 2
    fi
done

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
# Release with debug assertions, as cargo-fuzz builds by default; one build for all targets.
cargo fuzz build

mkdir -p target/fuzz-logs

run_one() {
    local target="$1"
    local log="target/fuzz-logs/$target.log"
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    echo "fuzzing $target for ${SECONDS_EACH}s (log: $log)" >&2
    # -timeout: an input that takes longer is a hang; -rss_limit_mb: more is out-of-memory.
    local seeds=()
    if [ -d "fuzz/regressions/$target" ]; then
        seeds=("fuzz/regressions/$target")
    fi
    # New inputs go to the first directory; the regressions are read as seeds only.
    cargo fuzz run "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len="${MAX_LEN[$target]}" -dict="fuzz/dict/$target.dict" \
        -print_final_stats=1 >"$log" 2>&1
    local status=$?
    grep -E '^#[0-9]+' "$log" | tail -1 >&2 || true
    grep -E '^stat::' "$log" >&2 || true
    if [ $status -ne 0 ]; then
        echo "$target: a finding (exit $status): see $log and fuzz/artifacts/$target/" >&2
    fi
    return $status
}

case "$MODE" in
    minimise)
        for target in "${TARGETS[@]}"; do
            before=$(ls "fuzz/corpus/$target" | wc -l)
            cargo fuzz cmin "$target" "fuzz/corpus/$target" -- \
                -max_len="${MAX_LEN[$target]}" >"target/fuzz-logs/$target-cmin.log" 2>&1
            echo "$target: $before inputs -> $(ls "fuzz/corpus/$target" | wc -l)" >&2
        done
        ;;
    coverage)
        for target in "${TARGETS[@]}"; do
            cargo fuzz coverage "$target" "fuzz/corpus/$target" >&2
        done
        ;;
    replay)
        cargo fuzz run "${TARGETS[0]}" "$REPLAY" -- -runs=1
        ;;
    run)
        failed=0
        pids=()
        for target in "${TARGETS[@]}"; do
            run_one "$target" &
            pids+=($!)
            if [ "${#pids[@]}" -ge "$JOBS" ]; then
                wait "${pids[0]}" || failed=1
                pids=("${pids[@]:1}")
            fi
        done
        for pid in "${pids[@]}"; do
            wait "$pid" || failed=1
        done
        exit $failed
        ;;
esac

#!/usr/bin/env bash
# Runs every benchmark of the module against the emulators and writes a
# report of medians and ratios to the floors, then the load figures
# (cmd/valet-bench: a bounded loopback load against the local stack,
# each figure beside its floor), and prints the report (docs/benchmarks.md).
# Usage: scripts/bench.sh [PACKAGES...]   (default ./...)
#   BENCHTIME (default 200x)  go test -benchtime
#   COUNT     (default 3)     go test -count: the report takes the median
#   BENCH     (default .)     go test -bench pattern
#   GOBENCH   (default 1)     0 skips the go test benchmarks
#   LOAD      (default 1)     0 skips the load figures
#   BENCH_ARGS            flags of cmd/valet-bench, e.g.
#                             "-figures 2,6 -claim-jobs 300 -list-big 5000 -big-mib 64"
# With FIRESTORE_EMULATOR_HOST set the benchmarks use that emulator;
# otherwise bin/valet-dev exec starts one for the run.
# Output: .bench/raw.txt (go test output), .bench/load.md (load figures)
# and .bench/report.md (both reports).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
mkdir -p .bench

exec_emulators=()
if [ -z "${FIRESTORE_EMULATOR_HOST:-}" ]; then
  [ -x bin/valet-dev ] || go build -o bin/valet-dev ./cmd/valet-dev
  exec_emulators=(bin/valet-dev exec --)
fi

status=0
: >.bench/report.md
if [ "${GOBENCH:-1}" != 0 ]; then
  # -p 1: one package at a time, so a package's figures and the floors are
  # measured on an otherwise idle machine rather than against each other.
  cmd=("${exec_emulators[@]}" go test -p 1 -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-200x}" -count "${COUNT:-3}" -timeout 60m "${pkgs[@]}")
  echo "bench: ${cmd[*]}" >&2
  "${cmd[@]}" >.bench/raw.txt 2>&1 || status=$?
  if ! go run ./scripts/benchreport <.bench/raw.txt >.bench/report.md; then
    echo "bench: no report; the raw output is in .bench/raw.txt" >&2
    exit 1
  fi
  if [ "$status" -ne 0 ]; then
    echo "bench: go test failed (exit $status): see the Failures section of the report" >&2
  fi
fi

if [ "${LOAD:-1}" != 0 ]; then
  # shellcheck disable=SC2206 # BENCH_ARGS is a list of flags
  load=("${exec_emulators[@]}" go run ./cmd/valet-bench ${BENCH_ARGS:-})
  echo "bench: ${load[*]}" >&2
  load_status=0
  "${load[@]}" >.bench/load.md || load_status=$?
  if [ "$load_status" -ne 0 ]; then
    echo "bench: the load figures failed (exit $load_status)" >&2
    status=$load_status
  fi
  { echo; cat .bench/load.md; } >>.bench/report.md
fi

cat .bench/report.md
echo "bench: report in .bench/report.md (raw output in .bench/raw.txt)" >&2
exit "$status"

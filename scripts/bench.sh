#!/usr/bin/env bash
# Runs every benchmark of the module against the emulators and writes a
# report of medians and ratios to the floors (docs/benchmarks.md).
# Usage: scripts/bench.sh [PACKAGES...]   (default ./...)
#   BENCHTIME (default 200x)  go test -benchtime
#   COUNT     (default 3)     go test -count: the report takes the median
#   BENCH     (default .)     go test -bench pattern
# With FIRESTORE_EMULATOR_HOST set the benchmarks use that emulator;
# otherwise bin/valet-dev exec starts one for the run.
# Output: .bench/raw.txt (go test output) and .bench/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
mkdir -p .bench

# -p 1: one package at a time, so a package's figures and the floors are
# measured on an otherwise idle machine rather than against each other.
cmd=(go test -p 1 -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-200x}" -count "${COUNT:-3}" -timeout 60m "${pkgs[@]}")
if [ -z "${FIRESTORE_EMULATOR_HOST:-}" ]; then
  [ -x bin/valet-dev ] || go build -o bin/valet-dev ./cmd/valet-dev
  cmd=(bin/valet-dev exec -- "${cmd[@]}")
fi

echo "bench: ${cmd[*]}" >&2
status=0
"${cmd[@]}" >.bench/raw.txt 2>&1 || status=$?
if ! go run ./scripts/benchreport <.bench/raw.txt >.bench/report.md; then
  echo "bench: no report; the raw output is in .bench/raw.txt" >&2
  exit 1
fi
echo "bench: report in .bench/report.md (raw output in .bench/raw.txt)" >&2
if [ "$status" -ne 0 ]; then
  echo "bench: go test failed (exit $status): see the Failures section of the report" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Runs every fuzz target in the module for a short time each.
# Usage: scripts/fuzz.sh [FUZZTIME]   (default 10s); `make fuzz` runs it under
# `valet-dev exec`, so the targets that send requests through the handlers
# to the Firestore emulator have one.
set -euo pipefail
fuzztime="${1:-10s}"
cd "$(dirname "$0")/.."
status=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" || status=1
  done
done
exit $status

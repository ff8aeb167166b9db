#!/usr/bin/env bash
# govulncheck over the module against Go's vulnerability database, offline.
#
# vuln.go.dev cannot be reached from every machine that runs `make test`,
# but the Go module proxy can, and it serves the database's source
# repository (golang.org/x/vulndb: one OSV JSON file per report in
# data/osv). We download a pinned snapshot of it, index it into the layout
# govulncheck reads with `-db file://` (vulndb's own cmd/indexdb), cache the
# result, and scan. Bump VULNDB to the newest pseudo-version the proxy lists
# (go list -m -versions is empty for pseudo-versions; `go list -m
# golang.org/x/vulndb@master` names it) to pick up new reports.
set -euo pipefail

GO="${GO:-go}"
VULNDB="${VULNDB:-v0.0.0-20261105234957-e22db6528018}"
GOVULNCHECK="${GOVULNCHECK:-golang.org/x/vuln/cmd/govulncheck@v1.9.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/valet/vulndb/$VULNDB"

if [ ! -f "$cache/index/db.json" ]; then
  echo "vulncheck: indexing golang.org/x/vulndb@$VULNDB into $cache" >&2
  src=$("$GO" mod download -json "golang.org/x/vulndb@$VULNDB" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
    echo "vulncheck: could not download golang.org/x/vulndb@$VULNDB through the module proxy" >&2
    exit 1
  fi
  tmp=$(mktemp -d "${cache%/*}.XXXXXX" 2>/dev/null || { mkdir -p "${cache%/*}"; mktemp -d "${cache%/*}/tmp.XXXXXX"; })
  "$GO" run "golang.org/x/vulndb/cmd/indexdb@$VULNDB" -vulns "$src/data/osv" -out "$tmp"
  mkdir -p "${cache%/*}"
  rm -rf "$cache" && mv "$tmp" "$cache"
fi
echo "vulncheck: $("$GO" version | cut -d' ' -f3), database golang.org/x/vulndb@$VULNDB" >&2
exec "$GO" run "$GOVULNCHECK" -db "file://$cache" ./...

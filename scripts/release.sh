#!/usr/bin/env bash
# make release [RELEASE_DIR=.release]
#
# Builds the source archive Cloud Functions builds every function from,
# reproducibly, and says which release it is:
#
#   scripts/release.sh [DIR]            DIR/valet-source-<version>.zip, its
#                                       SHA-256 in DIR/...zip.sha256 and the
#                                       version in DIR/VERSION; prints
#                                       "version <v>" and "sha256 <hash>"
#   scripts/release.sh archive OUT.zip  only the archive, at OUT.zip
#
# The archive holds the committed HEAD, never uncommitted changes: go.mod,
# go.sum, the files of every package the module root imports and the files
# they embed, nothing else (a change to docs or tests does not redeploy the functions), plus
# shared/version/version.txt holding the version, which package version
# embeds (served in /healthz, logged at start).
#
# Version: `git describe --tags --always --abbrev=12 HEAD` (a tag vX.Y.Z on
# the commit gives "vX.Y.Z"; after it "vX.Y.Z-N-g<hash>"; without tags the
# commit hash). No "-dirty": the archive never holds the working tree.
#
# Reproducible: `git archive` writes the files in the tree's order, with the
# commit's time as every file's time and the modes git records, so two
# builds of one commit (with the same git) are byte-identical
# (scripts/release_test.go checks it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version_file=shared/version/version.txt

release_version() {
  git describe --tags --always --abbrev=12 HEAD
}

# archive OUT
archive() {
  local out=$1
  local -a paths=(go.mod go.sum ":(exclude)$version_file")
  local kind path rel
  # D: a package's directory (its files, not its subdirectories); E: a file
  # it embeds, which may sit in a subdirectory (the console's web/).
  while read -r kind path; do
    rel=${path#"$root"}
    rel=${rel#/}
    if [ "$kind" = E ]; then
      paths+=(":(literal)$rel")
    elif [ -z "$rel" ]; then
      paths+=(":(glob)*.go")
    else
      paths+=(":(glob)$rel/*")
    fi
  done < <(go list -deps -f '{{if .Module}}{{if eq .Module.Path "valet.dev/valet"}}D {{.Dir}}{{"\n"}}{{$d := .Dir}}{{range .EmbedFiles}}E {{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}' . | sed '/^$/d')
  mkdir -p "$(dirname "$out")"
  git archive --format=zip -o "$out" \
    --add-virtual-file="$version_file:$(release_version)
" HEAD -- "${paths[@]}"
}

if [ "${1:-}" = archive ]; then
  archive "${2:?usage: scripts/release.sh archive OUT.zip}"
  exit 0
fi

dir=${1:-$root/.release}
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release: uncommitted changes are NOT in the release: the archive holds HEAD ($(git rev-parse --short HEAD))" >&2
fi
version=$(release_version)
zip=$dir/valet-source-$version.zip
archive "$zip"
sum=$(sha256sum "$zip" | cut -d' ' -f1)
echo "$sum  $(basename "$zip")" >"$zip.sha256"
echo "$version" >"$dir/VERSION"
echo "archive $zip"
echo "version $version"
echo "sha256 $sum"

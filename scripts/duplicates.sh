#!/bin/sh
# duplicates.sh [--most N]: repeated code in the tree, counted twice with
# the `duplicates` command of the team's tool library (docs/architecture.md,
# "Repeated code"):
#   1. over the tree as it is;
#   2. over a throwaway copy in which each grouped Go import block is
#      written as single import lines, which the tool passes over as it
#      does any import line; so the second count lists repeated code only,
#      not files that import the same packages.
# It reads and writes nothing in the checkout.
set -eu
command -v duplicates >/dev/null || { echo "duplicates.sh: the duplicates command is not on PATH" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
(cd "$root" && git ls-files -co --exclude-standard | tar cf - -T -) | (cd "$copy" && tar xf -)
python3 - "$copy" <<'PY'
import os, re, sys
block = re.compile(r'^import \((.*?)^\)', re.S | re.M)
def single(m):
    return '\n'.join('import ' + l.strip() for l in m.group(1).split('\n')
                     if l.strip() and not l.strip().startswith('//'))
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith('.go'):
            p = os.path.join(root, f)
            with open(p) as r:
                s = r.read()
            with open(p, 'w') as w:
                w.write(block.sub(single, s))
PY
echo "== the tree as it is"
duplicates --repo "$root" --seconds 300 "$@"
echo "== grouped imports as single import lines"
duplicates --repo "$copy" --seconds 300 "$@" | sed "s#$copy/##g"

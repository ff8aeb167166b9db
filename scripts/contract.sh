#!/usr/bin/env bash
# contract.sh DIR: after the emulator-backed tests ran with
# VALET_CONTRACT_LOG=DIR (make test), fail when an exchange with a function
# did not match the OpenAPI document (shared/openapi/openapi.json; the
# stacks append them to DIR/violations.log, see emulators/contract), or
# when no exchange was checked at all (the check would be vacuous), or when a documented
# operation was never answered 2xx (its success answer went unchecked).
set -euo pipefail
dir=${1:?usage: contract.sh DIR}
if [ -s "$dir/violations.log" ]; then
	echo "contract: exchanges with the functions that do not match shared/openapi/openapi.json:" >&2
	sed 's/^[^:]*: //' "$dir/violations.log" | sort | uniq -c | sort -rn | head -50 >&2
	exit 1
fi
n=0 stacks=0
if [ -f "$dir/exchanges.log" ]; then
	n=$(awk '{ s += $2 } END { print s + 0 }' "$dir/exchanges.log")
	stacks=$(wc -l <"$dir/exchanges.log")
fi
if [ "$n" -eq 0 ]; then
	echo "contract: no exchange with a function was checked (is VALET_CONTRACT_LOG reaching the tests?)" >&2
	exit 1
fi
echo "contract: $n exchanges of $stacks stacks with the functions match the OpenAPI document"
# Operations no test had answered 2xx fail the run: their success answers
# would go unchecked, so the document could drift there unseen.
if [ -f "$dir/documented.log" ]; then
	missing=$(comm -23 <(grep -v '^$' "$dir/documented.log" | sort -u) <(grep -v '^$' "$dir/answered.log" 2>/dev/null | sort -u))
	total=$(grep -v '^$' "$dir/documented.log" | sort -u | wc -l)
	echo "contract: $((total - $(printf '%s' "$missing" | grep -c .))) of $total operations were answered 2xx at least once"
	if [ -n "$missing" ]; then
		echo "contract: never answered 2xx, so no test checked their success answers against the document; add a test that calls them:" >&2
		printf '%s\n' "$missing" | sed 's/^/  /' >&2
		exit 1
	fi
fi

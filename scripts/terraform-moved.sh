#!/usr/bin/env bash
# scripts/terraform-moved.sh [BASE]: would a deployment applied with BASE's
# terraform/ (default: main) keep every object with the working tree's?
# Applies BASE's configuration and then plans this one on the same state,
# both with `terraform test` against the mocked providers of
# terraform/tests/policy.tftest.hcl (nothing is created, no Google account
# is needed), prints the moves, in-place updates and the plan's summary, and
# fails on any create, destroy or replacement: an address that changed
# needs a moved block (terraform/moved.tf).
# Needs the google and time providers (terraform/README.md, "Checks").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-main}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$root/terraform/." "$work/"
rm -rf "$work/tests" "$work/.terraform" "$work/.terraform.lock.hcl" "$work"/*.tfstate*
mkdir -p "$work/tests" "$work/before"
git -C "$root" archive "$base" terraform | tar -x -C "$work/before" --strip-components=1
rm -rf "$work/before/tests"

# The mocks and variables of the policy test, then the two runs.
awk '/^run /{exit} {print}' "$root/terraform/tests/policy.tftest.hcl" >"$work/tests/moved.tftest.hcl"
cat >>"$work/tests/moved.tftest.hcl" <<'EOF'
run "before" {
  command   = apply
  state_key = "deployment"

  module {
    source = "./before"
  }
}

run "after" {
  command   = plan
  state_key = "deployment"
}
EOF

cd "$work"
terraform init -input=false -no-color >init.log || { cat init.log; exit 1; }
terraform test -verbose -no-color >test.log 2>&1 || { cat test.log; exit 1; }
plan=$(sed -n '/run "after"/,$p' test.log)
grep -E '# .* (has moved to|will be updated in-place)|^Plan: ' <<<"$plan" || true
changes=$(grep -E '# .* (will be created|will be destroyed|must be replaced)' <<<"$plan" || true)
if [ -n "$changes" ]; then
  printf 'Not kept across %s -> working tree:\n%s\n' "$base" "$changes"
  exit 1
fi
echo "ok: a deployment of $base keeps every object ($(grep -c 'has moved to' <<<"$plan" || true) moved)"

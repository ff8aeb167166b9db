#!/usr/bin/env bash
# make deploy PROJECT=my-project [TFVARS=terraform/my-project.tfvars]
#
# Deploys valet with Terraform as terraform/README.md describes: builds the
# release's source archive from the committed code (scripts/release.sh,
# which warns about uncommitted changes), runs terraform init and apply
# (Terraform asks before changing anything), then says what is left to do
# by hand (the signing key's first version).
#
#   scripts/deploy.sh archive OUT.zip   only build the source archive
#                                       (= scripts/release.sh archive OUT.zip)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${1:-}" = archive ]; then
  exec scripts/release.sh archive "${2:?usage: scripts/deploy.sh archive OUT.zip}"
fi

project=${1:-}
if [ -z "$project" ]; then
  echo "usage: make deploy PROJECT=my-project [TFVARS=terraform/my-project.tfvars]" >&2
  exit 2
fi
tfvars=${2:-terraform/$project.tfvars}

for tool in terraform git go; do
  command -v "$tool" >/dev/null || { echo "deploy: $tool is not on PATH (terraform/README.md, Prerequisites)" >&2; exit 1; }
done
if [ ! -f "$tfvars" ]; then
  echo "deploy: $tfvars does not exist: write it first (terraform/README.md, step 3), or pass TFVARS=path" >&2
  exit 1
fi
if command -v gcloud >/dev/null && ! gcloud auth application-default print-access-token >/dev/null 2>&1; then
  echo "deploy: no application default credentials: run gcloud auth application-default login" >&2
  exit 1
fi

release=$(scripts/release.sh "$root/.deploy")
zip=$(sed -n 's/^archive //p' <<<"$release")
echo "deploy: source archive $zip, $(grep '^version ' <<<"$release"), $(grep '^sha256 ' <<<"$release")" >&2

terraform -chdir=terraform init -input=false
terraform -chdir=terraform apply \
  -var "project=$project" \
  -var "source_archive=$zip" \
  -var-file="$(cd "$(dirname "$tfvars")" && pwd)/$(basename "$tfvars")"

secret=$(terraform -chdir=terraform output -raw workflow_key_secret)
if command -v gcloud >/dev/null && [ -z "$(gcloud secrets versions list "$secret" --project="$project" --filter=state=ENABLED --format='value(name)' 2>/dev/null)" ]; then
  echo "deploy: the signing key $secret has no version yet: add one (terraform/README.md, step 5)" >&2
fi
echo "deploy: done; terraform -chdir=terraform output -raw cli_stack > valet-$project.json points the CLI at it (README step 6)" >&2

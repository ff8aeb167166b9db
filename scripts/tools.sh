#!/usr/bin/env bash
# Checks what `make dev` and `make test` need and says what to install.
# Go modules (fake-gcs-server included, run in process) come through the
# module proxy on first build; gcloud and Java cannot be installed by a
# script on every machine, so their absence is reported, not hidden.
set -euo pipefail

missing=0
if ! command -v go >/dev/null; then
  echo "tools: Go is not on PATH; install Go 1.26 or newer (https://go.dev/dl)" >&2
  exit 1
fi
if ! command -v gcc >/dev/null && ! command -v cc >/dev/null; then
  echo "tools: a C compiler is needed for go test -race; installing gcc" >&2
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq gcc >/dev/null
  else
    echo "tools: install gcc (Debian: apt-get install gcc)" >&2; missing=1
  fi
fi
if ! command -v gcloud >/dev/null; then
  echo "tools: gcloud is not on PATH: the Firestore and Pub/Sub emulators need the Google Cloud SDK" >&2
  echo "       with the cloud-firestore-emulator and pubsub-emulator components (https://cloud.google.com/sdk/docs/install)." >&2
  missing=1
fi
if ! command -v java >/dev/null; then
  echo "tools: java is not on PATH: the gcloud emulators need Java 11+ (Debian: apt-get install openjdk-17-jre-headless)" >&2
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && [ "${CI:-}" = true ]; then
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  fi
  command -v java >/dev/null || missing=1
fi
# The console's browser tests drive Debian's Chromium (functions/console).
if ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "tools: installing chromium for the console's browser tests" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || true
  fi
  if ! command -v chromium >/dev/null; then
    echo "tools: chromium is not on PATH: the console's browser tests need it (Debian: apt-get install chromium)" >&2
    missing=1
  fi
fi
if [ "$missing" = 1 ]; then
  if [ "${CI:-}" = true ]; then
    echo "tools: CI=true and prerequisites are missing" >&2
    exit 1
  fi
  echo "tools: continuing; emulator-backed and browser tests will skip and say why" >&2
fi
exit 0

#!/usr/bin/env bash
# Plays CI on merge twice in a row against the Cloud Storage fake, the way publish.yml runs it:
# two fresh clones of this repository (no registry, no Nx cache, no keys on disk) publish into
# one bucket registry (MODEL_REGISTRY=gs://<bucket>/models). Run 1 publishes 1.0.0; run 2, a new
# clone of the same commit, finds nothing to publish; run 2 then changes the model and gets the
# next minor. Ends with validate-registry against the bucket. Needs the network the README's
# install needs (npm, PyPI); talks to nothing but 127.0.0.1 otherwise.
set -euo pipefail

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ci-replay-XXXXXX")"
fakes_pid=""
cleanup() { [ -n "$fakes_pid" ] && kill "$fakes_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
say() { printf '\n=== %s\n' "$*"; }

say "starting the Firebase / Cloud Storage fakes on 127.0.0.1"
(cd "$repo" && exec node --import tsx tools/firebase-fakes/src/cli/serve.ts) >"$work/fakes.env" 2>"$work/fakes.log" &
fakes_pid=$!
for _ in $(seq 1 100); do grep -q FIREBASE_STORAGE_BUCKET "$work/fakes.env" 2>/dev/null && break; sleep 0.2; done
# shellcheck disable=SC1091
source "$work/fakes.env"
# The bucket registry talks to the fake's Cloud Storage route in emulator mode (no token).
storage_route="$(tr ',' '\n' <<<"$ODT_GOOGLE_API_ROUTES" | sed -n 's/^storage\.googleapis\.com=//p')"
export STORAGE_EMULATOR_HOST="http://${storage_route}"
export MODEL_REGISTRY="gs://${FIREBASE_STORAGE_BUCKET}/models"

say "a release signing key, as CI takes it from a secret"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/signing.pem" 2>/dev/null
openssl pkey -in "$work/signing.pem" -pubout -out "$work/signing.pub.pem"
export MODEL_SIGNING_KEY_FILE="$work/signing.pem" MODEL_SIGNING_PUBLIC_KEY_FILE="$work/signing.pub.pem" MODEL_SIGNING_REQUIRE_KEY=1
export CI=true

ci_run() {
  local name="$1"
  say "CI run $name: fresh clone, npm ci, npx nx run model:publish"
  git clone -q "$repo" "$work/$name"
  (cd "$work/$name" && npm ci --no-audit --no-fund >/dev/null && npx nx run model:publish --outputStyle=static) | tee "$work/$name.log" | grep -E '^publish:|nothing to publish|error\['
}

ci_run run-1
ci_run run-2

say "run 2 changes the model (epochs 10 -> 9) and publishes again"
(cd "$work/run-2" && sed -i 's/"epochs": 10/"epochs": 9/' apps/model/model.config.json \
  && npx nx run model:publish --outputStyle=static | grep -E '^publish:|nothing to publish|error\[')

say "the bucket registry validates (index, versions, sha256, manifest.sig, model.sig, channel documents)"
(cd "$work/run-2" && npx nx run model:validate-registry --outputStyle=static | grep -E 'valid|error\[|warning')

say "time of a no-op publish against the bucket (run 1's clone, everything cached)"
TIMEFORMAT='no-op publish: %R s wall'
time (cd "$work/run-1" && npx nx run model:publish --outputStyle=static | grep -E 'nothing to publish')

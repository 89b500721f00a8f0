#!/usr/bin/env bash
# README's test command: set everything up (packages, the Python reference implementations, Chromium, real
# PostgreSQL and Kafka on loopback), regenerate the golden vectors, type-check and lint, then every test. Jest's results
# are also written to test-results.json. The services this script starts are stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/services/install.sh
trap 'bash scripts/services/stop.sh postgres redis kafka >/dev/null 2>&1 || true' EXIT
bash scripts/services/start.sh postgres redis kafka
bash scripts/golden/generate.sh
pnpm run --silent typecheck
pnpm run --silent lint
# The fault tests restart the services, so they run after everything else, one file at a time. Arguments narrow the
# first pass only (and skip the second).
status=0
npx jest --ci --json --outputFile=test-results.json --testPathIgnorePatterns /node_modules/ /dist/ /test/chaos/ "$@" || status=$?
rm -f test-results-chaos.json
if [ $# -eq 0 ]; then npx jest --ci --runInBand --json --outputFile=test-results-chaos.json test/chaos || status=$?; fi
exit $status

#!/usr/bin/env bash
# README's test command: set everything up, type-check and lint, then every test (results also in test-results.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/golden/generate.sh
pnpm run --silent typecheck
pnpm run --silent lint
npx jest --ci --json --outputFile=test-results.json "$@"

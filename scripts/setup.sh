#!/usr/bin/env bash
# Sets up a checkout on a machine that has Node 20, Java 17 and Python 3.11: pnpm, the workspace's packages, a
# build of every package. With --tests it also prepares what the tests need: the Python reference
# implementations (golden vectors) and Chromium (HTML screenshot tests). Idempotent and quiet when done already.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PNPM_VERSION=9.15.9

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  # Corepack would be the natural route, but the corepack shipped with Node 20 fails to verify the signatures of
  # current pnpm releases; a pinned global install through npm works everywhere.
  corepack disable pnpm >/dev/null 2>&1 || true
  npm install --global --force --silent "pnpm@$PNPM_VERSION" >/dev/null
  hash -r
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm run --silent build

if [ "${1:-}" = "--tests" ]; then
  bash scripts/setup-python.sh
  if [ ! -x /usr/bin/chromium ]; then bash scripts/install-chromium.sh; fi
fi

#!/usr/bin/env bash
# Sets up a checkout on a machine that has Node 20, Java 17 and Python 3.11: pnpm, the workspace's packages, a
# build of every package, and the `vigil` command on PATH (a link in npm's global bin directory, which it names,
# saying whether that is machine-wide or the user's own npm prefix; --no-link skips it). With --tests it also prepares what the tests need: the Python reference
# implementations (golden vectors) and Chromium (HTML screenshot tests). Idempotent and quiet when done already.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PNPM_VERSION=9.15.9
tests=no
link=yes
for arg in "$@"; do
  case "$arg" in
    --tests) tests=yes ;;
    --no-link) link=no ;;
    *) echo "setup: unknown option $arg (options: --tests, --no-link)" >&2; exit 2 ;;
  esac
done

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  # Corepack would be the natural route, but the corepack shipped with Node 20 fails to verify the signatures of
  # current pnpm releases; a pinned global install through npm works everywhere.
  corepack disable pnpm >/dev/null 2>&1 || true
  npm install --global --force --silent "pnpm@$PNPM_VERSION" >/dev/null
  hash -r
  echo "setup: installed pnpm $PNPM_VERSION with npm install --global (in $(npm prefix --global)/bin; undo: npm uninstall --global pnpm)" >&2
fi

# Quiet when it works; when it does not, pnpm's own error is shown (the silent reporter would swallow it).
if ! pnpm install --frozen-lockfile --reporter=silent; then
  pnpm install --frozen-lockfile --reporter=default >&2 || true
  echo "setup: pnpm install failed (above)" >&2
  exit 1
fi
pnpm run --silent build

# `vigil` on PATH: a link in npm's global bin directory (scripts/link-vigil.sh says where, for whom, and how to
# undo it). --no-link skips it.
if [ "$link" = yes ]; then bash scripts/link-vigil.sh; fi

if [ "$tests" = yes ]; then
  bash scripts/setup-python.sh
  if [ ! -x /usr/bin/chromium ]; then bash scripts/install-chromium.sh; fi
fi
# Without the link, say how to run it (with the link, link-vigil.sh has said where `vigil` is).
if [ "$link" = no ]; then echo "setup: done; vigil is not linked (--no-link): run it from here as pnpm --silent vigil, e.g. pnpm --silent vigil demo" >&2; fi

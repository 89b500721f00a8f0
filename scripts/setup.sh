#!/usr/bin/env bash
# Sets up a checkout on a machine that has Node 20, Java 17 and Python 3.11: pnpm, the workspace's packages, a
# build of every package, and the `vigil` command on PATH. With --tests it also prepares what the tests need: the Python reference
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

# Quiet when it works; when it does not, pnpm's own error is shown (the silent reporter would swallow it).
if ! pnpm install --frozen-lockfile --reporter=silent; then
  pnpm install --frozen-lockfile --reporter=default >&2 || true
  echo "setup: pnpm install failed (above)" >&2
  exit 1
fi
pnpm run --silent build

# `vigil` on PATH: a link to packages/daemon/bin/vigil in npm's global bin directory, where `npm install --global`
# puts commands (so on PATH wherever npm's global commands work; pnpm above is one). A link to another checkout is
# moved here; anything else of that name is left alone.
bin_dir="$(npm prefix --global)/bin"
vigil_bin="$root/packages/daemon/bin/vigil"
if [ "$(readlink "$bin_dir/vigil" 2>/dev/null || true)" != "$vigil_bin" ]; then
  if [ -e "$bin_dir/vigil" ] && [ ! -L "$bin_dir/vigil" ]; then
    echo "setup: $bin_dir/vigil is not Vigil's link, so it was left alone; run $vigil_bin or pnpm --silent vigil" >&2
  elif ! { mkdir -p "$bin_dir" && ln -sfn "$vigil_bin" "$bin_dir/vigil"; } 2>/dev/null; then
    echo "setup: cannot link $bin_dir/vigil (permission?); run $vigil_bin or pnpm --silent vigil, or link it yourself" >&2
  fi
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "setup: $bin_dir is not on PATH; add it to use the vigil command (or run pnpm --silent vigil)" >&2 ;;
esac

if [ "${1:-}" = "--tests" ]; then
  bash scripts/setup-python.sh
  if [ ! -x /usr/bin/chromium ]; then bash scripts/install-chromium.sh; fi
fi

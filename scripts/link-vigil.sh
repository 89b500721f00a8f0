#!/usr/bin/env bash
# Links the `vigil` command of this checkout machine-wide: a symlink in npm's global bin directory
# ($(npm prefix --global)/bin, where `npm install --global` puts commands: /usr/bin or /usr/local/bin on many
# machines, so every user's PATH finds it). scripts/setup.sh runs it unless given --no-link. It says what it links,
# where, and how to undo it; quiet when the link is already there. `--unlink` removes the link (only Vigil's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir="$(npm prefix --global)/bin"
link="$bin_dir/vigil"
vigil_bin="$root/packages/daemon/bin/vigil"

if [ "${1:-}" = "--unlink" ]; then
  if [ -L "$link" ] && [[ "$(readlink "$link")" == */packages/daemon/bin/vigil ]]; then
    rm -f "$link"
    echo "setup: removed the link $link" >&2
  else
    echo "setup: $link is not a link to Vigil; nothing removed" >&2
  fi
  exit 0
fi

# A link to another checkout of Vigil is moved here; anything else of that name is left alone.
if [ "$(readlink "$link" 2>/dev/null || true)" != "$vigil_bin" ]; then
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "setup: $link is not Vigil's link, so it was left alone; run $vigil_bin or pnpm --silent vigil" >&2
  elif { mkdir -p "$bin_dir" && ln -sfn "$vigil_bin" "$link"; } 2>/dev/null; then
    echo "setup: linked $link -> $vigil_bin (npm's global bin directory, for every user of this machine; undo: bash scripts/link-vigil.sh --unlink, or rm $link)" >&2
  else
    echo "setup: cannot link $link (permission?); run $vigil_bin or pnpm --silent vigil, or link it yourself" >&2
  fi
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "setup: $bin_dir is not on PATH; add it to use the vigil command (or run pnpm --silent vigil)" >&2 ;;
esac

#!/usr/bin/env bash
# Links the `vigil` command of this checkout into npm's global bin directory ($(npm prefix --global)/bin, where
# `npm install --global` puts commands): machine-wide when that is a system directory (/usr/bin or /usr/local/bin on
# many machines, so every user's PATH finds it, or npm's default prefix beside node), the user's own when npm's prefix
# is under $HOME (as nvm or `npm config set prefix ~/.npm-global` make it), else only for whoever has its bin on PATH. scripts/setup.sh runs it unless given
# --no-link. It says what it links, where, for whom, and how to undo it; quiet when the link is already there.
# `--unlink` removes the link (only Vigil's).
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
    # Whose command it now is: machine-wide only in a system directory every user's PATH has, or in npm's own
    # default prefix (where node is installed); a prefix in the home directory is that user's; any other prefix
    # (NPM_CONFIG_PREFIX=/opt/tools, say) serves whoever puts its bin directory on their PATH, nothing more.
    default_bin="$(dirname "$(dirname "$(node -p process.execPath)")")/bin"
    if [[ -n "${HOME:-}" && "$bin_dir" == "$HOME"/* ]]; then
      whose="your own npm prefix, for you only, not every user of this machine"
    elif [ "$bin_dir" = /usr/local/bin ] || [ "$bin_dir" = /usr/bin ] || [ "$bin_dir" = "$default_bin" ]; then
      whose="npm's global bin directory, for every user of this machine"
    else
      case ":$PATH:" in
        *":$bin_dir:"*) whose="in $bin_dir, not a system directory: found by whoever has it on PATH, as you do" ;;
        *)
          whose="in $bin_dir, not a system directory and not on your PATH: add it to PATH to use the vigil command"
          path_said=1
          ;;
      esac
    fi
    echo "setup: linked $link -> $vigil_bin ($whose; undo: bash scripts/link-vigil.sh --unlink, or rm $link)" >&2
  else
    echo "setup: cannot link $link (permission?); run $vigil_bin or pnpm --silent vigil, or link it yourself" >&2
  fi
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) [ -n "${path_said:-}" ] || echo "setup: $bin_dir is not on PATH; add it to use the vigil command (or run pnpm --silent vigil)" >&2 ;;
esac

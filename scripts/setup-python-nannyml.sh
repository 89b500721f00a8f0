#!/usr/bin/env bash
# Creates .venv-nannyml with NannyML (scripts/requirements-nannyml.txt), the reference for the CBPE golden vectors;
# kept apart from .venv (see that file). Idempotent: does nothing when the installed set already matches it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-nannyml"
req="$root/scripts/requirements-nannyml.txt"
stamp="$venv/.requirements.sha"
want=$(cat "$req" "$root/scripts/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"

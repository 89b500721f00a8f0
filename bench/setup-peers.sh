#!/usr/bin/env bash
# Creates bench/.venv with the peer tools the benchmarks compare against (Evidently) and the
# libraries make-data.py needs. Idempotent: re-running with the venv already in place and the
# pins satisfied does nothing but a quick check.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

# Pinned versions. Evidently 0.7.x has the new API: `from evidently import Report`,
# `from evidently.presets import DataDriftPreset`.
pins=(
  "evidently==0.7.23"
  "pandas==2.2.3"
  "numpy==2.2.6"
  "pyarrow==21.0.0"
  "scipy==1.15.3"
)

if [[ ! -x "$venv/bin/python" ]]; then
  echo "[setup-peers] creating $venv with $($python --version)"
  "$python" -m venv "$venv"
fi

stamp="$venv/.pins"
want="$(printf '%s\n' "${pins[@]}")"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c 'import evidently, pandas, numpy, pyarrow, scipy' 2>/dev/null; then
  echo "[setup-peers] $venv is up to date ($(tr '\n' ' ' < "$stamp"))"
  exit 0
fi

echo "[setup-peers] installing ${pins[*]}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
"$venv/bin/python" -c 'import evidently, pandas, numpy, pyarrow, scipy; print("[setup-peers] evidently", evidently.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__, "pyarrow", pyarrow.__version__)'
printf '%s\n' "$want" > "$stamp"

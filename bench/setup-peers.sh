#!/usr/bin/env bash
# Creates bench/.venv with the peer tools the benchmarks compare against (Evidently, NannyML, scipy) and
# the libraries make-data.py needs. NannyML is installed after the others and may fail on its own: the
# script then says what failed and carries on (bench/batch-peers.mjs leaves NannyML out). Idempotent:
# re-running with the venv already in place and the pins satisfied does nothing but a quick check.
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
else
  echo "[setup-peers] installing ${pins[*]}"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
  "$venv/bin/python" -c 'import evidently, pandas, numpy, pyarrow, scipy; print("[setup-peers] evidently", evidently.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__, "pyarrow", pyarrow.__version__)'
  printf '%s\n' "$want" > "$stamp"
fi

# NannyML (univariate drift; bench/nannyml-drift.py). 0.13.1 installs on Python 3.11 next to the pins above
# without changing numpy, pandas or scipy (it brings lightgbm, xgboost, matplotlib, cloud filesystems:
# roughly 1.2 GB more in the venv).
nannyml_pin="nannyml==0.13.1"
nannyml_stamp="$venv/.pins-nannyml"
if [[ -f "$nannyml_stamp" && "$(cat "$nannyml_stamp")" == "$nannyml_pin" ]] && NML_DISABLE_USAGE_LOGGING=1 "$venv/bin/python" -c 'import nannyml' 2>/dev/null; then
  echo "[setup-peers] $nannyml_pin is installed"
  exit 0
fi
echo "[setup-peers] installing $nannyml_pin"
if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$nannyml_pin" "${pins[@]}" 2> "$venv/nannyml-install.log" \
  && NML_DISABLE_USAGE_LOGGING=1 "$venv/bin/python" -c 'import nannyml, numpy, pandas, scipy; print("[setup-peers] nannyml", nannyml.__version__, "numpy", numpy.__version__, "pandas", pandas.__version__, "scipy", scipy.__version__)' 2>> "$venv/nannyml-install.log"; then
  printf '%s\n' "$nannyml_pin" > "$nannyml_stamp"
else
  rm -f "$nannyml_stamp"
  echo "[setup-peers] NannyML could not be installed; the other peers are in place. What failed ($venv/nannyml-install.log):" >&2
  tail -n 20 "$venv/nannyml-install.log" >&2
fi

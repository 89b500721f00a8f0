#!/usr/bin/env bash
# Regenerates every golden vector from the reference implementations (scipy, scikit-learn, fairlearn) in .venv,
# and NannyML in .venv-nannyml.
# The generators are seeded and the library versions pinned (scripts/requirements.txt), so the output equals the
# committed files; if it does not, the tests run against what the reference implementations say here, and the
# difference is shown.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
for script in scripts/golden/*_vectors.py; do
  .venv/bin/python "$script"
done
# Logged SHAP values on UCI Adult for the attribution end-to-end test (shap, pinned in scripts/requirements.txt).
.venv/bin/python scripts/golden/shap_adult.py
# NannyML (the CBPE reference) has its own venv: it cannot join .venv without changing that venv's versions.
bash scripts/setup-python-nannyml.sh
.venv-nannyml/bin/python scripts/golden/cbpe_nannyml.py
# Reads the report scenarios' CSV files that report_vectors.py has just written, so it runs after the loop.
.venv/bin/python scripts/golden/report_extras.py
if ! git diff --quiet -- packages/*/test/golden 2>/dev/null; then
  echo "note: regenerated golden vectors differ from the committed ones:" >&2
  git diff --stat -- packages/*/test/golden >&2
fi

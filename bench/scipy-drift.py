#!/usr/bin/env python3
"""Per-column drift with plain scipy: the floor a Python user would write by hand (the scipy side of
bench/batch-peers.mjs).

Reads both CSV files with pandas.read_csv, then for each numerical column (NaN dropped):
  scipy.stats.ks_2samp(reference, current)            KS statistic and two-sided p-value (method='auto': exact up
                                                       to 10,000 rows per sample, asymptotic above)
  scipy.stats.wasserstein_distance(reference, current) Wasserstein-1
and for each categorical column: scipy.stats.chi2_contingency on the 2 x k table of category counts (reference
row, current row; categories seen in either file; scipy's default correction, which only applies when k = 2).

Prints one JSON object on stdout: timings in seconds by phase (import, read, compute), the per-column values,
and the peak RSS of this process. Run with bench/.venv/bin/python.
"""
from __future__ import annotations

import time

_t0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance  # noqa: E402

_t_import = time.perf_counter() - _t0


def finite(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--current", required=True)
    parser.add_argument("--numeric", required=True, help="comma-separated numerical columns")
    parser.add_argument("--categorical", default="", help="comma-separated categorical columns")
    args = parser.parse_args()
    numeric = [c for c in args.numeric.split(",") if c]
    categorical = [c for c in args.categorical.split(",") if c]

    t = time.perf_counter()
    ref = pd.read_csv(args.reference)
    cur = pd.read_csv(args.current)
    t_read = time.perf_counter() - t

    t = time.perf_counter()
    columns: dict[str, dict] = {}
    for c in numeric:
        r = ref[c].dropna().to_numpy(dtype=np.float64)
        k = cur[c].dropna().to_numpy(dtype=np.float64)
        ks = ks_2samp(r, k)
        columns[c] = {
            "kind": "numeric",
            "ks": float(ks.statistic),
            "ksPValue": float(ks.pvalue),
            "wasserstein": float(wasserstein_distance(r, k)),
            "n": [int(r.size), int(k.size)],
        }
    for c in categorical:
        table = pd.concat([ref[c].value_counts(), cur[c].value_counts()], axis=1).fillna(0).to_numpy().T
        res = chi2_contingency(table)
        columns[c] = {"kind": "categorical", "chi2": float(res.statistic), "chi2PValue": float(res.pvalue), "dof": int(res.dof), "categories": int(table.shape[1])}
    t_compute = time.perf_counter() - t

    print(json.dumps({
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "rows": {"reference": len(ref), "current": len(cur)},
        "seconds": {"import": _t_import, "read": t_read, "compute": t_compute},
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "columns": columns,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

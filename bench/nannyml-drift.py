#!/usr/bin/env python3
"""NannyML's univariate drift on two CSV files, timed by phase (the NannyML side of bench/batch-peers.mjs).

  UnivariateDriftCalculator(column_names=numeric + categorical, treat_as_categorical=categorical,
      continuous_methods=['kolmogorov_smirnov', 'jensen_shannon', 'wasserstein', 'hellinger'],
      categorical_methods=['chi2', 'jensen_shannon', 'hellinger'], chunk_number=--chunks)
  .fit(reference).calculate(current)

With --chunks 1 (the default here) the whole current file is one chunk, so each value compares the whole
reference with the whole current file, as `vigil report` and the scipy script do. NannyML's own default splits
the data into 10 chunks (one value per chunk); --chunks 10 measures that. fit() also computes every method on
the reference's own chunks (for its alert thresholds): that is part of NannyML's cost and is timed in "fit".

Phases: import (nannyml, pandas), read (pandas.read_csv of both files), fit, calculate. Prints one JSON object on
stdout: timings, the values of the first analysis chunk per column and method, and the peak RSS of this process.
Usage logging is switched off (NML_DISABLE_USAGE_LOGGING=1): this machine has no network beyond package registries.
Run with bench/.venv/bin/python.
"""
from __future__ import annotations

import os

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

import time  # noqa: E402

_t0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import pandas as pd  # noqa: E402
import nannyml as nml  # noqa: E402

_t_import = time.perf_counter() - _t0

CONTINUOUS = ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger"]
CATEGORICAL = ["chi2", "jensen_shannon", "hellinger"]


class Errors(logging.Handler):
    """NannyML logs a method's exception and goes on: collect them so a missing value is explained."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--current", required=True)
    parser.add_argument("--numeric", required=True, help="comma-separated numerical columns")
    parser.add_argument("--categorical", default="", help="comma-separated categorical columns")
    parser.add_argument("--chunks", type=int, default=1, help="chunk_number (NannyML's default chunker makes 10)")
    args = parser.parse_args()
    numeric = [c for c in args.numeric.split(",") if c]
    categorical = [c for c in args.categorical.split(",") if c]
    errors = Errors()
    logging.getLogger("nannyml").addHandler(errors)
    warnings.simplefilter("ignore")

    t = time.perf_counter()
    ref = pd.read_csv(args.reference)
    cur = pd.read_csv(args.current)
    t_read = time.perf_counter() - t

    calc = nml.UnivariateDriftCalculator(
        column_names=numeric + categorical,
        treat_as_categorical=categorical,
        continuous_methods=CONTINUOUS,
        categorical_methods=CATEGORICAL,
        chunk_number=args.chunks,
    )
    t = time.perf_counter()
    calc.fit(ref)
    t_fit = time.perf_counter() - t
    t = time.perf_counter()
    result = calc.calculate(cur)
    t_calculate = time.perf_counter() - t

    df = result.filter(period="analysis").to_df()
    columns: dict[str, dict] = {}
    for c in numeric + categorical:
        methods = CATEGORICAL if c in categorical else CONTINUOUS
        values = {}
        for m in methods:
            try:
                v = float(df[(c, m, "value")].iloc[0])
            except KeyError:
                v = float("nan")
            values[m] = v if math.isfinite(v) else None
        columns[c] = {"kind": "categorical" if c in categorical else "numeric", **values}

    print(json.dumps({
        "nannyml": nml.__version__,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
        "rows": {"reference": len(ref), "current": len(cur)},
        "chunks": {"analysis": int(len(df)), "requested": args.chunks},
        "seconds": {"import": _t_import, "read": t_read, "fit": t_fit, "calculate": t_calculate},
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "errors": errors.messages[:20],
        "columns": columns,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

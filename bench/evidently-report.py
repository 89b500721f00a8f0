#!/usr/bin/env python3
"""Evidently's data drift report on two CSV files, timed by phase (the peer side of report-vs-evidently.mjs).

Phases: import (evidently, pandas), read (pandas.read_csv of both files), run (Report([DataDriftPreset()]).run),
json (snapshot.json() written to --snapshot, the counterpart of `vigil report --json`).
Prints one JSON object on stdout: timings in seconds, Evidently's per-column drift values and methods, and the
peak RSS of this process. Run with bench/.venv/bin/python (evidently 0.7.x API).
"""
from __future__ import annotations

import time

_t0 = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import pandas as pd  # noqa: E402
import evidently  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

_t_import = time.perf_counter() - _t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--current", required=True)
    parser.add_argument("--numeric", required=True, help="comma-separated numerical columns")
    parser.add_argument("--categorical", default="", help="comma-separated categorical columns")
    parser.add_argument("--snapshot", default=None, help="write the report's JSON here")
    args = parser.parse_args()
    numeric = [c for c in args.numeric.split(",") if c]
    categorical = [c for c in args.categorical.split(",") if c]

    t = time.perf_counter()
    ref = pd.read_csv(args.reference)
    cur = pd.read_csv(args.current)
    t_read = time.perf_counter() - t

    t = time.perf_counter()
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    t_dataset = time.perf_counter() - t

    t = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(current_data=cur_ds, reference_data=ref_ds)
    t_run = time.perf_counter() - t

    t = time.perf_counter()
    text = snapshot.json()
    if args.snapshot:
        with open(args.snapshot, "w") as fh:
            fh.write(text)
    t_json = time.perf_counter() - t

    columns = {}
    drifted_count = None
    for m in snapshot.dict()["metrics"]:
        config = m.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            columns[config["column"]] = {"method": config.get("method"), "threshold": config.get("threshold"), "value": m["value"]}
        elif config.get("type", "").endswith("DriftedColumnsCount"):
            drifted_count = m["value"]

    print(json.dumps({
        "evidently": evidently.__version__,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
        "rows": {"reference": len(ref), "current": len(cur)},
        "seconds": {"import": _t_import, "read": t_read, "dataset": t_dataset, "run": t_run, "json": t_json},
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "driftedColumns": drifted_count,
        "columns": columns,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

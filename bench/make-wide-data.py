#!/usr/bin/env python3
"""Writes the wide benchmark's reference and current files: N rows × C numeric columns, as CSV and Parquet.

Each file has N rows (default 100,000) of:
  f0000..f0999  numeric features (C of them, default 1,000) cycling through a few shapes (normal, log-normal,
                exponential, uniform, Student-t, Poisson counts), rounded to 4 decimals (about 7.5 bytes per
                CSV value, as such exports usually are); about 1% missing in every tenth column; the current file
                drifts on every seventh column (a shift of 0.3 standard deviations)
  score         predicted probability in [0, 1] from a logistic model of three features
  label         0/1 ground truth drawn from the score
  segment       5 values;  region  12 values

Written in batches of rows (pyarrow's CSV and Parquet writers), so memory stays at one batch whatever N and C.
Seeded: the same --rows, --columns and --seed give the same files. Run with a Python that has numpy and pyarrow
(bench/.venv, or the repository's .venv).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SEGMENTS = np.array(["retail", "smb", "corporate", "public", "private-banking"])
REGIONS = np.array(["north", "south", "east", "west", "central", "north-east",
                    "north-west", "south-east", "south-west", "islands", "capital", "overseas"])


def batch(rng: np.random.Generator, n: int, columns: int, drift: bool) -> pa.Table:
    d = 1.0 if drift else 0.0
    arrays = {}
    for j in range(columns):
        shift = 0.3 * d if j % 7 == 0 else 0.0
        shape = j % 6
        if shape == 0:
            x = rng.normal(shift, 1.0, n)
        elif shape == 1:
            x = rng.lognormal(1.0 + shift, 0.5, n)
        elif shape == 2:
            x = rng.exponential(2.0 * (1 + shift), n)
        elif shape == 3:
            x = rng.uniform(shift, 1.0 + shift, n)
        elif shape == 4:
            x = rng.standard_t(4, n) + shift
        else:
            x = rng.poisson(3.0 + shift, n).astype(np.float64)
        x = np.round(x, 4)
        if j % 10 == 9:
            x[rng.random(n) < 0.01] = np.nan
        arrays[f"f{j:04d}"] = x
    first = [arrays[f"f{j:04d}"] for j in range(min(3, columns))]
    z = sum(np.nan_to_num(f - np.nanmean(f)) for f in first) * 0.8 - 0.2
    score = np.round(1.0 / (1.0 + np.exp(-z)), 6)
    arrays["score"] = score
    arrays["label"] = (rng.random(n) < np.clip(score * 0.9 + 0.05, 0, 1)).astype(np.int64)
    arrays["segment"] = SEGMENTS[rng.integers(0, len(SEGMENTS), n)]
    arrays["region"] = REGIONS[rng.integers(0, len(REGIONS), n)]
    # NaN as null: an empty CSV cell and a Parquet null, the way missing values are usually written.
    return pa.table({k: pa.array(v, from_pandas=True) for k, v in arrays.items()})


def write(path_csv: str | None, path_parquet: str | None, rows: int, columns: int, seed: int, drift: bool,
          batch_rows: int) -> None:
    rng = np.random.default_rng([seed, int(drift)])
    csv_writer = None
    pq_writer = None
    done = 0
    try:
        while done < rows:
            n = min(batch_rows, rows - done)
            table = batch(rng, n, columns, drift)
            if done == 0:
                if path_csv is not None:
                    options = pacsv.WriteOptions(quoting_style="none")
                    csv_writer = pacsv.CSVWriter(path_csv, table.schema, write_options=options)
                if path_parquet is not None:
                    pq_writer = pq.ParquetWriter(path_parquet, table.schema, compression="snappy")
            if csv_writer is not None:
                csv_writer.write_table(table)
            if pq_writer is not None:
                pq_writer.write_table(table, row_group_size=n)
            done += n
    finally:
        if csv_writer is not None:
            csv_writer.close()
        if pq_writer is not None:
            pq_writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", required=True, help="directory for reference/current .csv and .parquet")
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument("--formats", default="csv,parquet",
                        help="which files to write: csv, parquet or both (the 1M-row CSVs take 12.5 GB)")
    parser.add_argument("--only", choices=["reference", "current"], help="write one of the two files (two processes write both at once)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, drift in (("reference", False), ("current", True)):
        if args.only is not None and name != args.only:
            continue
        t = time.perf_counter()
        formats = set(args.formats.split(","))
        paths = {f: os.path.join(args.out, f"{name}.{f}") if f in formats else None for f in ("csv", "parquet")}
        write(paths["csv"], paths["parquet"], args.rows, args.columns, args.seed, drift, args.batch_rows)
        sizes = ", ".join(f"{f.upper() if f == 'csv' else f.capitalize()} {os.path.getsize(p) / 1e9:.2f} GB"
                          for f, p in paths.items() if p is not None)
        print(f"[make-wide-data] {name}: {args.rows} rows x {args.columns} columns, {sizes}, "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the benchmark's reference and current files (CSV, and Parquet copies).

Each file has N rows (default 1,000,000) of:
  f00..f19  numeric features of mixed shapes (normal, log-normal, exponential, uniform, Student-t, bimodal,
            Poisson counts, beta, a near-constant discrete one, ...), about 1% missing in some of them;
            the current file drifts on some features (shifts, rescaling, a new mode, more missing values)
  score     predicted probability in [0, 1] from a logistic model of a few features
  label     0/1 ground truth drawn from a slightly mis-calibrated version of the score
  segment   5 values;  region  12 values (the current file shifts the mix of both a little)

Seeded: the same --rows and --seed give byte-identical files.
Run with bench/.venv/bin/python (needs numpy, pandas, pyarrow).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

SEGMENTS = np.array(["retail", "smb", "corporate", "public", "private-banking"])
REGIONS = np.array([
    "north", "south", "east", "west", "central", "north-east",
    "north-west", "south-east", "south-west", "islands", "capital", "overseas",
])


def features(rng: np.random.Generator, n: int, drift: bool) -> dict[str, np.ndarray]:
    d = 1.0 if drift else 0.0
    f: dict[str, np.ndarray] = {}
    f["f00"] = rng.normal(0.0 + 0.6 * d, 1.0, n)                       # strong mean shift (PSI > 0.2)
    f["f01"] = rng.normal(50.0, 10.0 * (1 + 0.3 * d), n)                # variance change
    f["f02"] = rng.lognormal(10.5, 0.6, n)                              # income-like, no drift
    f["f03"] = rng.exponential(2.0 + 0.4 * d, n)                        # scale drift
    f["f04"] = rng.uniform(0.0, 1.0, n)                                 # no drift
    f["f05"] = rng.standard_t(3, n)                                     # heavy tails, no drift
    mix = rng.random(n) < (0.3 + 0.25 * d)                              # bimodal, mixture weight drifts
    f["f06"] = np.where(mix, rng.normal(-2.0, 0.5, n), rng.normal(2.0, 0.7, n))
    f["f07"] = rng.poisson(3.0, n).astype(np.float64)                   # discrete counts, no drift
    f["f08"] = rng.poisson(1.0 + 0.2 * d, n).astype(np.float64)         # discrete counts, drift
    f["f09"] = rng.beta(2.0, 5.0, n)                                    # bounded, no drift
    f["f10"] = rng.gamma(2.0, 3.0, n) + 5.0 * d * (rng.random(n) < 0.05)  # a new small mode
    f["f11"] = np.round(rng.normal(40.0, 12.0, n)).clip(18, 90)        # age-like integers
    f["f12"] = rng.normal(0.0, 1.0, n) + 0.02 * d                       # tiny shift (significant only at large n)
    f["f13"] = rng.choice([0.0, 1.0, 2.0, 5.0], n, p=[0.7, 0.2, 0.07, 0.03])  # near-constant discrete
    f["f14"] = rng.weibull(1.5, n) * 10.0
    f["f15"] = rng.normal(100.0, 15.0, n)
    f["f16"] = rng.laplace(0.0, 2.0, n) * (1 + 0.5 * d)                # scale drift
    f["f17"] = rng.pareto(3.0, n)
    f["f18"] = rng.uniform(-1.0, 1.0, n) ** 3
    f["f19"] = rng.normal(0.0, 1.0, n)
    # Missing values: about 1% in a few columns, and more in f15 in the current file.
    for name, rate in (("f02", 0.01), ("f05", 0.005), ("f11", 0.01), ("f15", 0.01 + 0.04 * d)):
        f[name][rng.random(n) < rate] = np.nan
    return f


def table(n: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = features(rng, n, drift)
    seg_p = np.array([0.45, 0.25, 0.15, 0.1, 0.05]) if not drift else np.array([0.40, 0.28, 0.16, 0.1, 0.06])
    reg_p = np.linspace(2.0, 1.0, len(REGIONS)); reg_p /= reg_p.sum()
    if drift:
        reg_p = np.roll(reg_p, 1)
    segment = SEGMENTS[rng.choice(len(SEGMENTS), n, p=seg_p)]
    region = REGIONS[rng.choice(len(REGIONS), n, p=reg_p)]
    z = (0.8 * f["f00"] + 0.03 * (f["f01"] - 50) + 0.5 * np.log1p(f["f03"]) - 0.6 * f["f06"] / 2
         + 0.3 * f["f09"] - 1.0 + 0.2 * (segment == "smb") + rng.normal(0, 0.3, n))
    score = 1.0 / (1.0 + np.exp(-z))
    # The truth is a little less confident than the model (mis-calibration grows in the current file).
    temp = 1.2 if not drift else 1.5
    p_true = 1.0 / (1.0 + np.exp(-z / temp)) + 0.02 * (region == "overseas")
    label = (rng.random(n) < np.clip(p_true, 0, 1)).astype(np.int8)
    df = pd.DataFrame(f)
    df["score"] = score
    df["label"] = label
    df["segment"] = segment
    df["region"] = region
    return df


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    parser.add_argument("--no-parquet", action="store_true", help="skip the Parquet copies")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, seed, drift in (("reference", args.seed, False), ("current", args.seed + 1, True)):
        t0 = time.perf_counter()
        df = table(args.rows, seed, drift)
        csv = os.path.join(args.out, f"{name}.csv")
        tmp = csv + ".tmp"
        # 7 significant digits keeps the files compact; both tools read the same text, so nothing is lost for the comparison.
        df.to_csv(tmp, index=False, float_format="%.7g", na_rep="")
        os.replace(tmp, csv)
        written = [csv]
        if not args.no_parquet:
            # The Parquet copy is read back from the CSV so both formats hold the same (rounded) numbers.
            back = pd.read_csv(csv, dtype={"segment": "string", "region": "string"})
            pq = os.path.join(args.out, f"{name}.parquet")
            back.to_parquet(pq + ".tmp", index=False, engine="pyarrow")
            os.replace(pq + ".tmp", pq)
            written.append(pq)
        sizes = ", ".join(f"{os.path.basename(p)} {os.path.getsize(p) / 1e6:.1f} MB" for p in written)
        print(f"[make-data] {name}: {args.rows} rows -> {sizes} ({time.perf_counter() - t0:.1f} s)", flush=True)
    with open(os.path.join(args.out, "ROWS"), "w") as fh:
        fh.write(f"{args.rows} {args.seed}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Golden vectors for the drift statistics of packages/analyzers/src/stats, from scipy (the reference).

Run from the repository root:  .venv/bin/python scripts/golden/drift_vectors.py
Writes packages/analyzers/test/golden/drift.json. Deterministic: one fixed numpy seed, and the large samples
are not stored but described by a seed-free formula (see `generate`) that the TypeScript test evaluates with the
same IEEE-754 operations in the same order, so both sides see bit-identical inputs (the JSON carries a few
generated values as a check).
"""

from __future__ import annotations

import json
import math
import pathlib
import sys
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

SEED = 20240611
OUT = pathlib.Path(__file__).resolve().parents[2] / "packages/analyzers/test/golden/drift.json"

rng = np.random.default_rng(SEED)


# ---------------------------------------------------------------------------------------------------------------
# Seed-free sample formulas, mirrored by `generate` in packages/analyzers/test/stats/drift-golden.ts.
#   weyl:  x_i = offset + scale * ((frac(i*a) + frac(i*b)) + frac(i*c)),  i = 1..n   (bell-shaped, Irwin-Hall)
#   weylInt: x_i = floor(frac(i*a) * levels)                                         (heavy ties)
#   grid:  x_i = offset + scale * ((i + 0.5) / n),  i = 0..n-1                      (uniform, controlled shift)
# frac(v) = v - floor(v). Every operation is a single IEEE double operation, identical in numpy and V8.
# ---------------------------------------------------------------------------------------------------------------
def generate(spec: dict) -> np.ndarray:
    n = spec["n"]
    if spec["kind"] == "weyl":
        i = np.arange(1, n + 1, dtype=np.float64)
        a, b, c = spec["multipliers"]
        fa = i * a - np.floor(i * a)
        fb = i * b - np.floor(i * b)
        fc = i * c - np.floor(i * c)
        return spec["offset"] + spec["scale"] * ((fa + fb) + fc)
    if spec["kind"] == "weylInt":
        i = np.arange(1, n + 1, dtype=np.float64)
        a = spec["multiplier"]
        return np.floor((i * a - np.floor(i * a)) * spec["levels"])
    if spec["kind"] == "grid":
        i = np.arange(0, n, dtype=np.float64)
        return spec["offset"] + spec["scale"] * ((i + 0.5) / n)
    raise ValueError(spec["kind"])


def checks(values: np.ndarray) -> list[float]:
    """A few generated values (first, middle, last) the test compares bit for bit."""
    n = len(values)
    return [float(values[0]), float(values[n // 2]), float(values[n - 1])]


def ks_method(n1: int, n2: int) -> str:
    return "exact" if max(n1, n2) <= 10000 else "asymp"


sample_cases: list[dict] = []


def add_samples(name: str, ref, cur) -> None:
    """ref/cur: an explicit array (stored) or a generator spec (stored as the spec)."""
    entry: dict = {"name": name}
    arrays = []
    for key, value in (("ref", ref), ("cur", cur)):
        if isinstance(value, dict):
            data = generate(value)
            entry[key] = {"generate": value, "check": checks(data)}
        else:
            data = np.asarray(value, dtype=np.float64)
            entry[key] = [float(v) for v in data]
        arrays.append(data)
    u, v = arrays
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = stats.ks_2samp(u, v, alternative="two-sided", method="auto")
    # scipy warns when the exact p-value fails (falls outside [0, 1] by rounding) and it falls back to asymp.
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    entry["n1"], entry["n2"] = len(u), len(v)
    entry["ksMethod"] = "asymp" if fell_back else ks_method(len(u), len(v))
    entry["ksStatistic"] = float(result.statistic)
    entry["ksPValue"] = float(result.pvalue)
    entry["wasserstein"] = float(stats.wasserstein_distance(u, v))
    sample_cases.append(entry)


# --- small samples: exact KS branch -----------------------------------------------------------------------------
add_samples("normal 20 vs shifted normal 35", rng.normal(0, 1, 20), rng.normal(0.5, 1, 35))
add_samples("normal 35 vs normal 20 (swapped sizes)", rng.normal(0, 1, 35), rng.normal(0, 1, 20))
add_samples("normal 500 vs shifted normal 700", rng.normal(0, 1, 500), rng.normal(0.1, 1, 700))
add_samples("normal 500 vs far-shifted normal 700", rng.normal(0, 1, 500), rng.normal(1.5, 1, 700))
add_samples("normal 1000 vs normal 1000 (equal sizes)", rng.normal(0, 1, 1000), rng.normal(0.05, 1.1, 1000))
add_samples("equal sizes 300, strong drift", rng.normal(0, 1, 300), rng.normal(1, 1, 300))
add_samples("heavy ties: poisson 300 vs 400", rng.poisson(3, 300), rng.poisson(3.5, 400))
add_samples("heavy ties: 5 integers, 50 vs 60", rng.integers(0, 5, 50), rng.integers(0, 5, 60))
same = rng.normal(0, 1, 200)
add_samples("identical samples", same, same.copy())
add_samples(
    "discrete feature with 3 levels",
    rng.choice([0.0, 1.5, 2.5], 400, p=[0.5, 0.3, 0.2]),
    rng.choice([0.0, 1.5, 2.5], 250, p=[0.4, 0.3, 0.3]),
)
add_samples("disjoint supports", rng.uniform(0, 1, 40), rng.uniform(2, 3, 45))
add_samples("one value each", [1.0], [2.0])
add_samples("5 vs 5 where the exact p rounds above 1 (scipy falls back to asymp)", [1, 2, 3, 4, 5], [1.5, 2, 3, 4, 5])
add_samples("1 vs 5", [0.3], rng.normal(0, 1, 5))
add_samples("3 vs 4", [0.1, 0.5, 0.9], [0.2, 0.4, 0.6, 1.5])
add_samples("exponential 123 vs lognormal 77", rng.exponential(1, 123), rng.lognormal(0, 0.5, 77))
add_samples("negative and positive zeros, infinities absent", [-0.0, 0.0, 1.0, -1.0], [0.0, 0.0, -0.0, 2.0])
add_samples(
    "10000 vs 10000 (largest exact)",
    {"kind": "weyl", "n": 10000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 10000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.48, "scale": 1.0},
)
add_samples(
    "9000 vs 10000 (exact, unequal)",
    {"kind": "weyl", "n": 9000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 10000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.45, "scale": 1.02},
)

# --- large samples: asymptotic KS branch -----------------------------------------------------------------------
add_samples(
    "10000 vs 10001 (smallest asymptotic)",
    {"kind": "weyl", "n": 10000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 10001, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.49, "scale": 1.0},
)
add_samples(
    "12000 vs 15000 shifted",
    {"kind": "weyl", "n": 12000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 15000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.45, "scale": 1.0},
)
add_samples(
    "12000 vs 15000 barely shifted",
    {"kind": "weyl", "n": 12000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 15000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.499, "scale": 1.0},
)
add_samples(
    "15000 vs 12000 heavy ties (20 levels)",
    {"kind": "weylInt", "n": 15000, "multiplier": 0.6180339887498949, "levels": 20},
    {"kind": "weylInt", "n": 12000, "multiplier": 0.41421356237309515, "levels": 19},
)
add_samples(
    "200000 vs 300000 slightly scaled",
    {"kind": "weyl", "n": 200000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 300000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.503, "scale": 1.002},
)
add_samples(
    "1000000 vs 1000000",
    {"kind": "weyl", "n": 1000000, "multipliers": [0.6180339887498949, 0.41421356237309515, 0.7320508075688772],
     "offset": -1.5, "scale": 1.0},
    {"kind": "weyl", "n": 1000000, "multipliers": [0.2360679774997898, 0.3166247903554, 0.6457513110645907],
     "offset": -1.5, "scale": 1.001},
)
# A small current window against a large reference: effective n = round(n1 n2 / (n1 + n2)) ≤ 140 selects scipy's
# small-n kstwo methods (Durbin matrix, Pomeranz, 2·smirnov, Ruben-Gambino) depending on D.
for n_small, shift in [(100, 0.004), (100, 0.03), (100, 0.06), (100, 0.12), (100, 0.3), (100, 0.6), (100, 0.995),
                       (3, 0.2), (7, 0.5), (141, 0.05), (141, 0.2)]:
    add_samples(
        f"grid {n_small} vs grid 20000 shifted by {shift}",
        {"kind": "grid", "n": n_small, "offset": shift, "scale": 1.0},
        {"kind": "grid", "n": 20000, "offset": 0.0, "scale": 1.0},
    )
# Larger effective n, D swept across the kstwo regions (Durbin, Pelz-Good, 2·smirnov, 0).
for n1, n2, shift in [(3000, 12000, 0.002), (3000, 12000, 0.02), (3000, 12000, 0.05), (3000, 12000, 0.3),
                      (20000, 30000, 0.001), (20000, 30000, 0.011), (20000, 30000, 0.03),
                      (150000, 160000, 0.0007), (150000, 160000, 0.004)]:
    add_samples(
        f"grid {n1} vs grid {n2} shifted by {shift}",
        {"kind": "grid", "n": n1, "offset": shift, "scale": 1.0},
        {"kind": "grid", "n": n2, "offset": 0.0, "scale": 1.0},
    )


# --- ksPValue on given (D, n1, n2) --------------------------------------------------------------------------------
# ks_2samp needs data, so these call the two pieces ks_2samp itself calls for method='auto', two-sided:
# _attempt_exact_2kssamp for max(n1, n2) <= 10000 and kstwo.sf(D, round(n1 n2 / (n1 + n2))) above.
from scipy.stats._stats_py import _attempt_exact_2kssamp  # noqa: E402

p_value_cases: list[dict] = []
for n1, n2 in [(5, 5), (20, 35), (100, 100), (500, 700), (999, 1000), (7, 10000), (2500, 10000), (10000, 10000)]:
    g = math.gcd(n1, n2)
    lcm = n1 // g * n2
    for fraction in [0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.0]:
        h = round(fraction * lcm)
        d = h / lcm
        ok, _, p = _attempt_exact_2kssamp(n1, n2, g, d, "two-sided")
        method = "exact"
        if not ok:  # as ks_2samp: an exact result outside [0, 1] (rounding) falls back to the asymptotic one
            p, method = stats.kstwo.sf(d, np.round(n1 * n2 / (n1 + n2))), "asymp"
        p_value_cases.append({"d": d, "n1": n1, "n2": n2, "p": float(np.clip(p, 0, 1)), "method": method})
for n1, n2 in [(10001, 10001), (1, 20000), (60, 30000), (140, 15000), (300, 12000), (12000, 15000),
               (40000, 60000), (250000, 250000), (1000000, 1000000), (3000000, 3000000)]:
    en = round(n1 * n2 / (n1 + n2))  # no .5 ties among these sizes
    for d in [1e-4, 0.5 / en, 0.9 / en, 1.5 / en, 0.3 / math.sqrt(en), 0.8 / math.sqrt(en), 1.2 / math.sqrt(en),
              1.6 / math.sqrt(en), 2.5 / math.sqrt(en), 5 / math.sqrt(en), 10 / math.sqrt(en), 0.4, 0.5, 0.7,
              1 - 1.5 / en, 1.0]:
        if not 0 <= d <= 1:
            continue
        p = stats.kstwo.sf(d, np.round(n1 * n2 / (n1 + n2)))
        p_value_cases.append({"d": d, "n1": n1, "n2": n2, "p": float(np.clip(p, 0, 1)), "method": "asymp"})


# --- count vectors ---------------------------------------------------------------------------------------------
def psi_reference(r: np.ndarray, c: np.ndarray) -> float:
    rp = r / r.sum()
    cp = c / c.sum()
    rp = np.where(rp == 0, 1e-4, rp)
    cp = np.where(cp == 0, 1e-4, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def count_case(name: str, ref, cur) -> dict:
    r = np.asarray(ref, dtype=np.float64)
    c = np.asarray(cur, dtype=np.float64)
    p, q = r / r.sum(), c / c.sum()
    keep = (r + c) > 0
    table = np.vstack([r[keep], c[keep]])
    if keep.sum() >= 2:
        chi = stats.chi2_contingency(table, correction=False)
        chi2 = {"statistic": float(chi.statistic), "pValue": float(chi.pvalue), "dof": int(chi.dof)}
    else:
        chi2 = {"statistic": 0.0, "pValue": 1.0, "dof": 0}
    entry = {
        "name": name,
        "ref": [float(v) for v in r],
        "cur": [float(v) for v in c],
        "psi": psi_reference(r, c),
        "js": float(distance.jensenshannon(r, c)),
        "hellinger": float(distance.euclidean(np.sqrt(p), np.sqrt(q)) / np.sqrt(2)),
        "chi2": chi2,
    }
    # Binned KS against ks_2samp on data where each bin index is one distinct value.
    if r.sum() + c.sum() <= 2_000_000 and np.all(r == np.round(r)) and np.all(c == np.round(c)):
        bins = np.arange(len(r), dtype=np.float64)
        entry["ksBinned"] = float(stats.ks_2samp(np.repeat(bins, r.astype(int)), np.repeat(bins, c.astype(int))).statistic)
    return entry


count_cases = [
    count_case("10 bins, no zeros", rng.multinomial(1000, np.full(10, 0.1)), rng.multinomial(800, np.full(10, 0.1))),
    count_case(
        "10 bins, shifted",
        rng.multinomial(5000, np.full(10, 0.1)),
        rng.multinomial(3000, [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.12, 0.14, 0.16, 0.18]),
    ),
    count_case("zeros on one side", [10, 0, 30, 40, 5], [12, 7, 0, 35, 9]),
    count_case("zeros on both sides in one bin", [100, 0, 50, 25], [80, 0, 60, 40]),
    count_case("new category in current", [500, 300, 200, 0], [450, 320, 180, 50]),
    count_case("identical counts", [5, 10, 15, 20], [5, 10, 15, 20]),
    count_case("proportional counts", [5, 10, 15, 20], [10, 20, 30, 40]),
    count_case("disjoint supports", [10, 20, 0, 0], [0, 0, 5, 5]),
    count_case("single category", [100], [40]),
    count_case("single non-empty category among empty ones", [0, 100, 0], [0, 40, 0]),
    count_case("two categories", [30, 70], [55, 45]),
    count_case("large counts", rng.multinomial(1_000_000, np.full(12, 1 / 12)), rng.multinomial(900_000, np.full(12, 1 / 12))),
    count_case(
        "tiny p-value chi2",
        [10000, 10000, 10000, 10000],
        [9000, 11000, 8000, 12500],
    ),
    count_case("50 categories, sparse", rng.poisson(2, 50), rng.poisson(2.5, 50)),
    count_case("near-identical large counts", [1_000_000, 2_000_000, 3_000_000], [1_000_001, 2_000_000, 2_999_999]),
    count_case("non-integer weights", [0.5, 1.25, 3.0, 0.0], [1.0, 0.75, 2.5, 0.25]),
]

# --- chi2.sf -------------------------------------------------------------------------------------------------------
chi2_sf_cases = []
for dof in [0.5, 1, 2, 2.5, 3, 5, 10, 30, 100, 1000, 10000, 100000, 1000000]:
    for x in sorted({0.0, 1e-8, 0.01 * dof, 0.5 * dof, 0.9 * dof, dof - 1, dof, dof + 1, 1.1 * dof,
                     dof + 3 * math.sqrt(2 * dof), dof + 8 * math.sqrt(2 * dof), 2 * dof, 5 * dof + 20,
                     10 * dof + 100, 150.0, 700.0}):
        if x < 0:
            continue
        chi2_sf_cases.append({"x": float(x), "dof": dof, "p": float(stats.chi2.sf(x, dof))})
# p-values near 1e-30 and far beyond.
for dof in [1, 4, 9, 50, 500]:
    x = float(stats.chi2.isf(1e-30, dof))
    chi2_sf_cases.append({"x": x, "dof": dof, "p": float(stats.chi2.sf(x, dof))})
    x = float(stats.chi2.isf(1e-200, dof))
    chi2_sf_cases.append({"x": x, "dof": dof, "p": float(stats.chi2.sf(x, dof))})


# --- Benjamini-Hochberg (statsmodels multipletests(method='fdr_bh'), re-implemented in numpy) ----------------------
def fdr_bh(pvals: np.ndarray) -> np.ndarray:
    order = np.argsort(pvals)
    sorted_p = pvals[order]
    n = len(pvals)
    ecdffactor = np.arange(1, n + 1) / float(n)
    raw = sorted_p / ecdffactor
    corrected = np.minimum.accumulate(raw[::-1])[::-1]
    corrected[corrected > 1] = 1
    out = np.empty_like(corrected)
    out[order] = corrected
    return out


bh_cases = []
for name, pvals, fdr in [
    ("mix of signals and noise", np.concatenate([rng.uniform(0, 0.01, 8), rng.uniform(0, 1, 30)]), 0.05),
    ("ties and ones", np.array([0.01, 0.01, 0.02, 0.5, 1.0, 1.0, 0.03, 0.04]), 0.05),
    ("all null", rng.uniform(0, 1, 25), 0.05),
    ("single", np.array([0.03]), 0.05),
    ("tiny p-values", np.array([1e-30, 1e-12, 3e-8, 0.0, 0.2, 0.049]), 0.01),
    ("step-up rescues larger p", np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]), 0.05),
    ("fdr 0.1", rng.uniform(0, 0.2, 40), 0.1),
]:
    adjusted = fdr_bh(pvals)
    # The same family through scipy's own implementation (its multiplication order differs by an ulp at most).
    np.testing.assert_allclose(adjusted, stats.false_discovery_control(pvals, method="bh"), rtol=1e-14)
    bh_cases.append({
        "name": name,
        "pValues": [float(v) for v in pvals],
        "fdr": fdr,
        "adjusted": [float(v) for v in adjusted],
        "rejected": [bool(v) for v in adjusted <= fdr],
    })

# --- special functions used by the tests of special-functions.ts ------------------------------------------------------
special_cases = {
    "kolmogorov": [{"x": float(x), "sf": float(special.kolmogorov(x))}
                   for x in [0.01, 0.04, 0.1, 0.3, 0.5, 0.8, 0.82, 0.83, 1.0, 1.36, 2.0, 3.0, 5.0, 10.0]],
    "smirnov": [{"n": n, "x": float(x), "sf": float(special.smirnov(n, x))}
                for n in [1, 2, 5, 10, 50, 141, 1000, 6000, 100000, 500000, 2000000]
                for x in [0.5 / n, 1.0 / n, 1.5 / n, 0.5 / math.sqrt(n), 1 / math.sqrt(n), 3 / math.sqrt(n),
                          8 / math.sqrt(n), 0.3, 0.5, 0.9, 1 - 0.5 / n]
                if 0 <= x <= 1],
    "kstwo": [{"n": n, "x": float(x), "sf": float(stats.kstwo.sf(x, n))}
              for n in [1, 2, 3, 10, 40, 100, 140, 141, 500, 6000, 100000, 100001, 500000]
              for x in [0.4 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.3 / math.sqrt(n), 0.7 / math.sqrt(n),
                        0.9 / math.sqrt(n), 1.2 / math.sqrt(n), 1.6 / math.sqrt(n), 2.2 / math.sqrt(n),
                        4 / math.sqrt(n), 15 / math.sqrt(n), 0.45, 0.5, 0.75, 1 - 1.2 / n, 1.0]
              if 0 <= x <= 1],
    "gammaincc": [{"a": a, "x": x, "q": float(special.gammaincc(a, x)), "p": float(special.gammainc(a, x))}
                  for a in [0.25, 1, 3.5, 12, 80, 2000, 250000]
                  for x in [0.001, 0.1 * a, 0.7 * a, a, 1.3 * a, 3 * a + 10, 30 * a + 100]],
    "gammaln": [{"x": x, "value": float(special.gammaln(x))}
                for x in [1e-10, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 9.99, 10.0, 14.5, 15.0, 100.5, 1e4, 1e7]],
}

doc = {
    "generator": "scripts/golden/drift_vectors.py",
    "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
    "seed": SEED,
    "samples": sample_cases,
    "ksPValue": p_value_cases,
    "counts": count_cases,
    "chi2Survival": chi2_sf_cases,
    "benjaminiHochberg": bh_cases,
    "special": special_cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":"), allow_nan=False) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): {len(sample_cases)} sample cases, "
      f"{len(p_value_cases)} p-value cases, {len(count_cases)} count cases, {len(chi2_sf_cases)} chi2.sf cases, "
      f"{len(bh_cases)} BH cases, {sum(len(v) for v in special_cases.values())} special-function cases")

"""Golden vectors for the reference binning of numeric features (docs/metrics.md "Binning"), computed with numpy
and scipy independently of packages/analyzers/src/profile/binning.ts.

The rule, implemented here from its documented definition:
- the finite non-missing reference values x (n of them) are considered, sorted;
- a point mass is a finite value v occurring at least twice and in at least 1/k of them (count * k >= n); each
  gets the bin [v, nextafter(v, inf)), which holds v only;
- the other values (every occurrence of a point mass removed) are cut at numpy's linear quantiles j/r,
  j = 1..r-1, of their own sample, with r = k - (number of point masses);
- the interior edges are the union of those quantiles, every point mass v and its nextafter(v, inf) (when
  finite), sorted and made unique; bin i holds edges[i-1] <= x < edges[i] (searchsorted side="right").
Without a point mass this is np.unique(np.quantile(x, np.arange(1, k) / k)): the plain deciles.

Run from the repository root:  .venv/bin/python scripts/golden/binning_vectors.py
Writes packages/analyzers/test/golden/binning.json. Deterministic (one fixed seed).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import scipy
from scipy.spatial.distance import jensenshannon

SEED = 20261205
OUT = pathlib.Path(__file__).resolve().parents[2] / "packages/analyzers/test/golden/binning.json"
K_COARSE, K_FINE = 10, 100


def reference_edges(ref: np.ndarray, k: int) -> np.ndarray:
    x = np.sort(ref[~np.isnan(ref)])
    n = len(x)
    if n == 0:
        return np.array([])
    values, counts = np.unique(x, return_counts=True)
    mass = (counts >= 2) & (counts * k >= n) & np.isfinite(values)
    masses = values[mass]
    rest = x[~np.isin(x, masses)]
    r = k - len(masses)
    quantiles = np.quantile(rest, np.arange(1, r) / r) if len(rest) > 0 and r > 1 else np.array([])
    ups = np.nextafter(masses, np.inf)
    edges = np.unique(np.concatenate([quantiles, masses, ups[np.isfinite(ups)]]))
    return edges[np.isfinite(edges)]


def plain_deciles(ref: np.ndarray, k: int) -> np.ndarray:
    x = ref[~np.isnan(ref)]
    return np.unique(np.quantile(x, np.arange(1, k) / k))


def counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    v = values[~np.isnan(values)]
    return np.bincount(np.searchsorted(edges, v, side="right"), minlength=len(edges) + 1)


def props(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, float)
    return c / c.sum()


def psi(r: np.ndarray, c: np.ndarray) -> float:
    r, c = props(r), props(c)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def hellinger(r: np.ndarray, c: np.ndarray) -> float:
    return float(np.sqrt(max(0.0, 1 - np.sum(np.sqrt(props(r) * props(c))))))


def metrics(r: np.ndarray, c: np.ndarray) -> dict:
    return dict(psi=psi(r, c), js=float(jensenshannon(props(r), props(c))), hellinger=hellinger(r, c))


def case(name: str, description: str, ref: np.ndarray, cur: np.ndarray) -> dict:
    edges = reference_edges(ref, K_COARSE)
    fine = reference_edges(ref, K_FINE)
    plain = plain_deciles(ref, K_COARSE)
    rc, cc = counts(ref, edges), counts(cur, edges)
    prc, pcc = counts(ref, plain), counts(cur, plain)
    finite = ref[~np.isnan(ref)]
    values, value_counts = np.unique(finite, return_counts=True)
    masses = values[(value_counts >= 2) & (value_counts * K_COARSE >= len(finite))]
    return dict(
        name=name,
        description=description,
        # NaN is written as null (a missing value).
        reference=[None if np.isnan(v) else float(v) for v in ref],
        current=[None if np.isnan(v) else float(v) for v in cur],
        pointMasses=[float(v) for v in masses],
        edges=[float(e) for e in edges],
        fineEdges=[float(e) for e in fine],
        plainEdges=[float(e) for e in plain],
        referenceCounts=rc.tolist(),
        currentCounts=cc.tolist(),
        fineReferenceCounts=counts(ref, fine).tolist(),
        fineCurrentCounts=counts(cur, fine).tolist(),
        metrics=metrics(rc, cc),
        plainMetrics=metrics(prc, pcc),
    )


def zero_inflated(rng: np.random.Generator, n: int, zeros: float) -> np.ndarray:
    """Like a capital-gain column: a share `zeros` of exact zeros, the rest whole amounts from a lognormal."""
    x = np.round(np.exp(rng.normal(8.0, 1.0, n)))
    x[rng.random(n) < zeros] = 0.0
    return x


def main() -> None:
    rng = np.random.default_rng(SEED)
    cases = []
    ref = np.round(rng.normal(0.0, 1.0, 2000), 6)
    cur = np.round(rng.normal(0.3, 1.1, 1500), 6)
    cases.append(case("continuous", "normal, no point mass: the plain deciles", ref, cur))

    ref = rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 7.0], 2000, p=[0.3, 0.25, 0.2, 0.15, 0.06, 0.04])
    cur = rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 7.0, 5.0], 1500, p=[0.2, 0.25, 0.2, 0.2, 0.07, 0.04, 0.04])
    cases.append(case("discrete", "six levels, four of them point masses; the current adds a level the reference lacks", ref, cur))

    ref = zero_inflated(rng, 3000, 0.94)
    cur = zero_inflated(rng, 2500, 0.887)
    cases.append(case("zero-inflated", "94% zeros in the reference, 88.7% in the current (plain deciles: PSI 0)", ref, cur))

    def mixed(n: int, shift: float) -> np.ndarray:
        x = np.round(rng.normal(shift, 2.0, n), 6)
        u = rng.random(n)
        x[u < 0.3 - shift / 5] = 0.0
        x[(u >= 0.3) & (u < 0.42)] = 1.5
        x[u > 0.97] = np.nan
        return x

    cases.append(case("mixed", "continuous values around a mass at 0 (30%) and one at 1.5 (12%), 3% missing", mixed(2500, 0.0), mixed(2000, 0.5)))

    ref = np.full(500, 5.0)
    cur = np.where(rng.random(400) < 0.8, 5.0, 6.0)
    cases.append(case("constant", "one value in the reference; the current has 20% of another", ref, cur))

    ref = np.array([1.0, 1.0, 2.0, 3.0, 4.0])
    cur = np.array([1.0, 2.0, 2.0, 3.0, 9.0])
    cases.append(case("tiny", "five rows: a value seen twice is a point mass, values seen once are not", ref, cur))

    doc = dict(
        generator="scripts/golden/binning_vectors.py",
        versions=dict(numpy=np.__version__, scipy=scipy.__version__),
        k=K_COARSE,
        fineK=K_FINE,
        cases=cases,
    )
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

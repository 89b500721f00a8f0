"""Golden vectors for packages/analyzers/src/stats/ndcg.ts and protected-share.ts.

NDCG is SageMaker Clarify's attribution-drift definition, written out here in plain Python from that definition
(not taken from a library): F ranks the features by reference importance, F' by current importance, a(f) is the
reference importance, DCG = sum_{i<=k} a(F'_i) / log2(i + 1), iDCG = sum_{i<=k} a(F_i) / log2(i + 1),
NDCG = DCG / iDCG (None when iDCG is 0). Features are the union of both sides (absent = 0); ties are ordered by
feature name. sklearn.metrics.ndcg_score is the same quantity only when the current importances have no ties
(it averages over tied orders); the script checks that equality on every tie-free case, and records sklearn's value
beside each case so the tied cases show where they differ.

Run: .venv/bin/python scripts/golden/attribution_vectors.py
Writes packages/analyzers/test/golden/attribution.json. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import ndcg_score

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "analyzers", "test", "golden", "attribution.json")


def rank(importance: dict[str, float]) -> list[str]:
    return sorted(importance, key=lambda f: (-importance[f], f))


def clarify_ndcg(reference: dict[str, float], current: dict[str, float], k: int | None) -> float | None:
    names = sorted(set(reference) | set(current))
    ref = {f: reference.get(f, 0.0) for f in names}
    cur = {f: current.get(f, 0.0) for f in names}
    top = len(names) if k is None else min(k, len(names))
    ideal, actual = rank(ref), rank(cur)
    dcg = sum(ref[actual[i]] / math.log2(i + 2) for i in range(top))
    idcg = sum(ref[ideal[i]] / math.log2(i + 2) for i in range(top))
    return dcg / idcg if idcg > 0 else None


def sklearn_ndcg(reference: dict[str, float], current: dict[str, float], k: int | None) -> float | None:
    names = sorted(set(reference) | set(current))
    if len(names) < 2:
        return None  # ndcg_score needs at least two documents
    y_true = np.array([[reference.get(f, 0.0) for f in names]])
    y_score = np.array([[current.get(f, 0.0) for f in names]])
    if y_true.sum() == 0:
        return None
    return float(ndcg_score(y_true, y_score, k=k))


def share(totals: dict[str, float], protected: list[str], proxies: list[str]) -> dict[str, float | None]:
    total = float(np.sum(np.array(list(totals.values()), dtype=np.float64)))
    if total == 0:
        return {"protected": None, "proxies": None}
    return {"protected": sum(totals.get(f, 0.0) for f in set(protected)) / total,
            "proxies": sum(totals.get(f, 0.0) for f in set(proxies)) / total}


def case(name, note, reference, current, k=None, protected=(), proxies=()):
    has_ties = len(set(current.values()) | ({0.0} if set(reference) - set(current) else set())) < len(set(reference) | set(current))
    expected = clarify_ndcg(reference, current, k)
    sk = sklearn_ndcg(reference, current, k)
    if not has_ties and expected is not None and sk is not None:
        assert abs(expected - sk) < 1e-12, (name, expected, sk)
    return {"name": name, "note": note, "reference": reference, "current": current, "k": k,
            "protected": list(protected), "proxies": list(proxies),
            "expected": {"ndcg": expected, "share": share(current, list(protected), list(proxies))},
            "sklearnNdcg": sk, "currentHasTies": has_ties}


def cases():
    rng = np.random.default_rng(20261205)
    out = [
        case("identical", "same ranking: 1", {"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 0.3, "b": 0.2, "c": 0.1}),
        case("reversed", "worst order of three", {"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 0.1, "b": 0.2, "c": 0.3}),
        case("top swap k=1", "only the first place counts", {"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 0.2, "b": 0.3, "c": 0.1}, k=1),
        case("tail swap k=1", "a swap below k is free", {"a": 3.0, "b": 2.0, "c": 1.0}, {"a": 0.3, "b": 0.1, "c": 0.2}, k=1),
        case("k above m", "k larger than the feature count means all", {"a": 3.0, "b": 2.0}, {"a": 0.2, "b": 0.3}, k=10),
        case("equal relevance swap", "features of equal reference importance swap for free", {"a": 1.0, "b": 1.0, "c": 0.5}, {"a": 0.1, "b": 0.9, "c": 0.05}),
        case("new feature", "a feature absent from the reference has relevance 0", {"a": 3.0, "b": 1.0}, {"a": 0.5, "b": 0.1, "z": 0.9}),
        case("dropped feature", "a reference feature absent now has importance 0", {"a": 3.0, "b": 1.0, "c": 0.5}, {"b": 0.5, "c": 0.1}),
        case("ties by name", "tied current importances are ordered by name", {"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 0.5, "b": 0.5, "c": 0.5}),
        case("zero reference", "no reference importance: undefined", {"a": 0.0, "b": 0.0}, {"a": 0.5, "b": 0.1}),
        case("zero current", "no current attribution: ties everywhere, share undefined", {"a": 2.0, "b": 1.0}, {"a": 0.0, "b": 0.0}, protected=["a"]),
        case("share", "protected and proxy shares", {"age": 1.0, "sex": 0.2, "zip": 0.3, "income": 2.0},
             {"age": 1.0, "sex": 0.6, "zip": 0.4, "income": 2.0}, protected=["sex", "race"], proxies=["zip"]),
        case("share overlap", "a feature in both lists counts in both", {"sex": 1.0, "zip": 1.0},
             {"sex": 1.0, "zip": 3.0}, protected=["sex", "zip"], proxies=["zip", "zip"]),
    ]
    for i in range(40):
        m = int(rng.integers(1, 15))
        names = [f"f{j:02d}" for j in range(m)]
        ref = {f: float(v) for f, v in zip(names, rng.exponential(1.0, m))}
        noise = rng.lognormal(0.0, [0.05, 0.3, 1.0][i % 3], m)
        cur = {f: float(ref[f] * s) for f, s in zip(names, noise)}
        if i % 5 == 0:  # rounded: ties in both rankings
            ref = {f: round(v, 1) for f, v in ref.items()}
            cur = {f: round(v, 1) for f, v in cur.items()}
        if i % 7 == 3 and m > 1:
            del cur[names[-1]]
        k = None if i % 4 == 0 else int(rng.integers(1, m + 3))
        protected = [n for n in names if rng.random() < 0.2]
        proxies = [n for n in names if rng.random() < 0.2]
        out.append(case(f"random {i}", f"{m} features, noise {['small', 'medium', 'large'][i % 3]}", ref, cur, k, protected, proxies))
    return out


def main():
    doc = {
        "generator": "scripts/golden/attribution_vectors.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "sklearn": sklearn.__version__},
        "cases": cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()

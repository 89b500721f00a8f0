"""Golden vectors for the outcome statistics of packages/analyzers/src/stats: calibration, classification,
regression, Wilson intervals and group fairness.

References: scikit-learn (brier_score_loss, roc_auc_score, log_loss, accuracy/precision/recall, confusion_matrix,
mean_absolute_error, mean_squared_error), fairlearn (MetricFrame and the demographic-parity / equalized-odds /
equal-opportunity functions), and numpy implementations written here from the definitions in docs/metrics.md for ECE
(equal-width and equal-mass) and for statsmodels' Wilson interval (statsmodels is not installed).

Run: .venv/bin/python scripts/golden/outcome_vectors.py
Writes packages/analyzers/test/golden/outcomes.json. Deterministic (fixed seed). NaN is written as null.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings

import fairlearn
import numpy as np
import scipy
import sklearn
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from scipy.stats import norm
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "packages", "analyzers", "test", "golden", "outcomes.json")
BIN_COUNTS = [10, 7, 100]

rng = np.random.default_rng(20261122)


def num(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def arr(a: np.ndarray) -> list:
    return [num(v) for v in a]


# ---------------------------------------------------------------- independent ECE implementations (numpy)


def ece_equal_width(s: np.ndarray, y: np.ndarray, n_bins: int) -> tuple[float, float, list[dict]]:
    """Bin b = [b/n, (b+1)/n) on float64 edges, last bin closed, out-of-range scores in the outer bins."""
    edges = np.arange(n_bins + 1) / n_bins
    idx = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, n_bins - 1)
    total = len(s)
    ece, mce, bins = 0.0, 0.0, []
    for b in range(n_bins):
        mask = idx == b
        count = int(mask.sum())
        bins.append({"count": count, "sumScore": float(s[mask].sum()), "sumLabel": float(y[mask].sum())})
        if count == 0:
            continue
        gap = abs(y[mask].mean() - s[mask].mean())
        ece += count / total * gap
        mce = max(mce, gap)
    return float(ece), float(mce), bins


def ece_equal_mass(s: np.ndarray, y: np.ndarray, n_bins: int) -> float:
    if len(s) == 0:
        return 0.0
    order = np.argsort(s, kind="stable")
    total = len(s)
    ece = 0.0
    for chunk in np.array_split(order, n_bins):
        if len(chunk) == 0:
            continue
        ece += len(chunk) / total * abs(y[chunk].mean() - s[chunk].mean())
    return float(ece)


# ---------------------------------------------------------------- statsmodels' Wilson interval, in numpy

Z95 = float(norm.isf(0.025))


def wilson(k: int, n: int) -> list[float]:
    """statsmodels.stats.proportion.proportion_confint(k, n, alpha=0.05, method='wilson'), its formula verbatim."""
    if n == 0:
        return [0.0, 1.0]
    q_ = k / n
    crit = Z95
    crit2 = crit**2
    denom = 1 + crit2 / n
    center = (q_ + crit2 / (2 * n)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / n + crit2 / (4.0 * n**2))
    dist /= denom
    return [float(center - dist), float(center + dist)]


# ---------------------------------------------------------------- classification & calibration datasets


def with_unlabelled(y: np.ndarray, fraction: float) -> np.ndarray:
    y = y.astype(float)
    y[rng.random(len(y)) < fraction] = np.nan
    return y


def binary_case(name: str, s: np.ndarray, y: np.ndarray, predictions: np.ndarray, note: str) -> dict:
    s = s.astype(float)
    y = y.astype(float)
    predictions = predictions.astype(float)
    lab = ~np.isnan(y)
    sl, yl, pl = s[lab], y[lab], predictions[lab]
    in_range = bool(np.all((sl >= 0) & (sl <= 1)))
    both_classes = len(np.unique(yl)) == 2

    expected: dict = {"labelled": int(lab.sum())}
    for n_bins in BIN_COUNTS:
        ece, mce, bins = ece_equal_width(sl, yl, n_bins)
        expected[f"bins{n_bins}"] = {"ece": ece, "mce": mce, "bins": bins, "eceEqualMass": ece_equal_mass(sl, yl, n_bins)}
    # scikit-learn refuses scores outside [0, 1]; the definition mean (s − y)² is used there instead.
    expected["brier"] = float(brier_score_loss(yl, sl)) if in_range else float(np.mean((sl - yl) ** 2))
    expected["brierReference"] = "sklearn" if in_range else "numpy"
    expected["auc"] = float(roc_auc_score(yl, sl)) if both_classes else None
    expected["logLoss"] = float(log_loss(yl, sl, labels=[0, 1]))
    tn, fp, fn, tp = confusion_matrix(yl, pl, labels=[0, 1]).ravel()
    expected["confusion"] = {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}
    expected["accuracy"] = float(accuracy_score(yl, pl))
    expected["precision"] = float(precision_score(yl, pl, zero_division=0))
    expected["recall"] = float(recall_score(yl, pl, zero_division=0))
    return {"name": name, "note": note, "scores": arr(s), "labels": arr(y), "predictions": arr(predictions),
            "expected": expected}


def miscalibrated(n: int, a: float, b: float, skew: float) -> tuple[np.ndarray, np.ndarray]:
    s = rng.beta(a, b, n)
    p = np.clip(s**skew, 0, 1)
    return s, (rng.random(n) < p).astype(float)


def binary_cases() -> list[dict]:
    cases = []

    s, y = miscalibrated(2000, 2, 3, 1.3)
    s = np.round(s, 6)
    cases.append(binary_case("continuous-n2000", s, with_unlabelled(y, 0.1), (s >= 0.5), "beta scores, 10% unlabelled"))

    s, y = miscalibrated(37, 1, 1, 0.8)
    cases.append(binary_case("small-n37", s, y, (s >= 0.3), "full-precision scores, threshold 0.3"))

    s, y = miscalibrated(3000, 2, 2, 1.0)
    s = np.round(s, 1)
    cases.append(binary_case("ties-1dp-n3000", s, with_unlabelled(y, 0.05), (s >= 0.5),
                             "scores rounded to 0.1 (heavy ties, exact 0 and 1, decimal bin edges)"))

    s = rng.choice([0.0, 0.5, 1.0], 1000, p=[0.3, 0.4, 0.3])
    y = (rng.random(1000) < np.where(s == 0.5, 0.5, np.where(s == 1, 0.9, 0.15))).astype(float)
    cases.append(binary_case("three-values-n1000", s, y, (s >= 0.5),
                             "scores in {0, 0.5, 1}: log-loss clipping, mixed tie runs cut by equal-mass chunks"))

    s = rng.integers(0, 101, 800) / 100
    y = (rng.random(800) < s).astype(float)
    cases.append(binary_case("decimal-edges-n800", s, y, (s >= 0.5), "scores k/100: every bin edge of 10, 7, 100 bins"))

    s, y = miscalibrated(20000, 0.7, 0.7, 1.0)
    s = np.round(s, 2)
    cases.append(binary_case("ties-2dp-n20000", s, with_unlabelled(y, 0.2), (s >= 0.5), "large, scores rounded to 0.01"))

    s = rng.random(300)
    cases.append(binary_case("one-class-n300", s, np.zeros(300), (s >= 0.5),
                             "all labels 0: AUC undefined, precision and recall 0/0"))

    s, y = miscalibrated(6, 2, 2, 1.0)
    cases.append(binary_case("tiny-n6", s, np.array([1, 0, 1, 1, 0, 0], dtype=float), (s >= 0.5),
                             "fewer rows than bins: empty equal-mass chunks"))

    s, y = miscalibrated(500, 2, 2, 1.0)
    cases.append(binary_case("no-positive-predictions-n500", s, y, np.zeros(500), "all predictions 0: precision 0/0"))

    s = np.round(rng.normal(0.5, 0.45, 1500), 4)
    y = (rng.random(1500) < np.clip(s, 0.05, 0.95)).astype(float)
    cases.append(binary_case("out-of-range-n1500", s, y, (s >= 0.5),
                             "scores outside [0, 1]: clamped into the outer bins, Brier from the definition"))

    s, y = miscalibrated(400, 3, 2, 1.0)
    p = (rng.random(400) < 0.4).astype(float)
    cases.append(binary_case("random-predictions-n400", s, with_unlabelled(y, 0.3), p, "predictions independent of scores"))
    return cases


# ---------------------------------------------------------------- regression


def regression_cases() -> list[dict]:
    cases = []
    for name, n, scale, unlabelled in [("reg-n1000", 1000, 10.0, 0.1), ("reg-n50", 50, 1000.0, 0.0),
                                        ("reg-n5000", 5000, 0.01, 0.3)]:
        label = rng.normal(3 * scale, scale, n)
        prediction = label + rng.normal(0.1 * scale, 0.5 * scale, n)
        label = np.round(label, 6)
        prediction = np.round(prediction, 6)
        y = label.copy()
        y[rng.random(n) < unlabelled] = np.nan
        lab = ~np.isnan(y)
        cases.append({
            "name": name, "predictions": arr(prediction), "labels": arr(y),
            "expected": {
                "mae": float(mean_absolute_error(y[lab], prediction[lab])),
                "rmse": float(math.sqrt(mean_squared_error(y[lab], prediction[lab]))),
                "bias": float(np.mean(prediction[lab] - y[lab])),
                "n": int(lab.sum()),
            },
        })
    return cases


# ---------------------------------------------------------------- Wilson


def wilson_cases() -> list[dict]:
    grid = [(0, 1), (1, 1), (0, 5), (3, 5), (5, 5), (0, 30), (1, 30), (15, 30), (29, 30), (30, 30), (7, 113),
            (500, 1000), (1, 1000), (999, 1000), (12345, 54321), (0, 1000000), (314159, 1000000), (0, 0)]
    grid += [(int(k), int(n)) for n in rng.integers(1, 5000, 12) for k in [rng.integers(0, n + 1)]]
    return [{"successes": k, "n": n, "expected": wilson(k, n)} for k, n in grid]


# ---------------------------------------------------------------- fairness


def fairness_case(name: str, spec: list[tuple[str, int, float, float, float]], min_group_size: int,
                  threshold: float, note: str) -> dict:
    """spec: (group, size, base rate, score shift of the group, unlabelled fraction)."""
    groups, scores, labels = [], [], []
    for group, size, base_rate, shift, unlabelled in spec:
        y = (rng.random(size) < base_rate).astype(float)
        s = np.clip(rng.normal(0.35 + 0.3 * y + shift, 0.18), 0, 1)
        s = np.round(s, 4)
        y[rng.random(size) < unlabelled] = np.nan
        groups += [group] * size
        scores.append(s)
        labels.append(y)
    order = rng.permutation(len(groups))
    g = np.array(groups, dtype=object)[order]
    s = np.concatenate(scores)[order]
    y = np.concatenate(labels)[order]
    yhat = (s >= threshold).astype(float)
    lab = ~np.isnan(y)

    per_group = []
    for group, *_ in spec:
        m = g == group
        ml = m & lab
        yl, pl, sl = y[ml], yhat[ml], s[ml]
        n, labelled = int(m.sum()), int(ml.sum())
        tn, fp, fn, tp = confusion_matrix(yl, pl, labels=[0, 1]).ravel() if labelled else (0, 0, 0, 0)
        pos, neg, pp = tp + fn, fp + tn, tp + fp
        ece, _, _ = ece_equal_width(sl, yl, 10)
        per_group.append({
            "group": group, "n": n, "labelled": labelled,
            # selection rate is over all rows of the group, labelled or not (y_true is not used by it).
            "selectionRate": float(selection_rate(np.zeros(n), yhat[m])),
            "tpr": float(true_positive_rate(yl, pl, pos_label=1)) if pos else None,
            "fpr": float(false_positive_rate(yl, pl, pos_label=1)) if neg else None,
            "fnr": float(false_negative_rate(yl, pl, pos_label=1)) if pos else None,
            "ppv": float(precision_score(yl, pl, zero_division=0)) if pp else None,
            "ece": ece if labelled else None,
            "ciSelectionRate": wilson(int(yhat[m].sum()), n),
            "ciTpr": wilson(int(tp), int(pos)) if pos else None,
            "ciFpr": wilson(int(fp), int(neg)) if neg else None,
            "ciFnr": wilson(int(fn), int(pos)) if pos else None,
            "ciPpv": wilson(int(tp), int(pp)) if pp else None,
            "sufficient": n >= min_group_size,
            "sufficientLabelled": labelled >= min_group_size,
        })

    # The differences use only the sufficient groups: fairlearn is run on those groups' rows alone.
    sufficient = [r["group"] for r in per_group if r["sufficient"]]
    sufficient_labelled = [r["group"] for r in per_group if r["sufficientLabelled"]]
    ms = np.isin(g, sufficient)
    ml = np.isin(g, sufficient_labelled) & lab
    differences: dict = {}
    if len(sufficient) >= 2:
        dummy = np.zeros(int(ms.sum()))
        differences["statisticalParityDifference"] = float(
            demographic_parity_difference(dummy, yhat[ms], sensitive_features=g[ms]))
        differences["disparateImpactRatio"] = float(
            demographic_parity_ratio(dummy, yhat[ms], sensitive_features=g[ms]))
    else:
        differences["statisticalParityDifference"] = None
        differences["disparateImpactRatio"] = None
    if len(sufficient_labelled) >= 2:
        yl, pl, gl = y[ml], yhat[ml], g[ml]
        differences["equalOpportunityDifference"] = float(equal_opportunity_difference(yl, pl, sensitive_features=gl))
        differences["equalizedOddsDifference"] = float(equalized_odds_difference(yl, pl, sensitive_features=gl))
        frame = MetricFrame(metrics={"ppv": lambda t, p: precision_score(t, p, zero_division=0),
                                     "tpr": true_positive_rate, "fpr": false_positive_rate,
                                     "fnr": false_negative_rate},
                            y_true=yl, y_pred=pl, sensitive_features=gl)
        differences["predictiveParityDifference"] = float(frame.difference()["ppv"])
        # Cross-check of the per-group rates through MetricFrame (the path fairlearn users take).
        for r in per_group:
            if r["group"] in frame.by_group.index:
                row = frame.by_group.loc[r["group"]]
                for key in ("tpr", "fpr", "fnr", "ppv"):
                    assert abs(float(row[key]) - r[key]) < 1e-15, (name, r["group"], key)
    else:
        for key in ("equalOpportunityDifference", "equalizedOddsDifference", "predictiveParityDifference"):
            differences[key] = None
    return {"name": name, "note": note, "minGroupSize": min_group_size, "groups": list(g), "scores": arr(s),
            "labels": arr(y), "predictions": arr(yhat), "expected": {"groups": per_group, **differences}}


def fairness_cases() -> list[dict]:
    return [
        fairness_case("three-groups", [("A", 1200, 0.3, 0.0, 0.1), ("B", 600, 0.5, 0.05, 0.2), ("C", 250, 0.15, -0.05, 0.0)],
                      30, 0.5, "3 groups, different sizes and base rates"),
        fairness_case("five-groups", [("north", 900, 0.4, 0.0, 0.0), ("south", 500, 0.25, 0.1, 0.1),
                                      ("east", 320, 0.6, -0.1, 0.3), ("west", 140, 0.35, 0.0, 0.05),
                                      ("(missing)", 60, 0.5, 0.05, 0.0)],
                      30, 0.5, "5 groups incl. (missing)"),
        fairness_case("small-groups", [("x", 800, 0.3, 0.0, 0.1), ("y", 400, 0.45, 0.08, 0.1), ("z", 20, 0.5, 0.2, 0.0),
                                       ("w", 80, 0.4, -0.1, 0.8)],
                      50, 0.45, "z below minGroupSize; w sufficient but not for the label-based rates"),
        fairness_case("four-groups-threshold", [("a", 700, 0.2, 0.0, 0.0), ("b", 700, 0.2, 0.15, 0.0),
                                                ("c", 300, 0.7, -0.15, 0.15), ("d", 90, 0.05, 0.0, 0.0)],
                      30, 0.6, "threshold 0.6, a rare-positive group"),
    ]


def main() -> None:
    warnings.simplefilter("ignore")
    doc = {
        "generator": "scripts/golden/outcome_vectors.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__, "fairlearn": fairlearn.__version__},
        "z95": Z95,
        "binCounts": BIN_COUNTS,
        "binary": binary_cases(),
        "regression": regression_cases(),
        "wilson": wilson_cases(),
        "fairness": fairness_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()

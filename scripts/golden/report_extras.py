"""Golden vectors for the report's curves, confusion matrix and data-quality figures.

1. packages/analyzers/test/golden/curves.json: score/label vectors (ties, unlabelled rows, few distinct scores) with
   scikit-learn's roc_curve (drop_intermediate True and False), precision_recall_curve (False and True),
   average_precision_score and roc_auc_score; value vectors with numpy's default (linear) quantiles; and value
   pairs binned into the report's equal-width distribution bins, counted with numpy.histogram.
2. packages/daemon/test/golden/large/extras.json: for the `large` report scenario (written by report_vectors.py,
   which generate.sh runs first), the same figures computed from its CSV files with pandas, numpy and scikit-learn.

Run: .venv/bin/python scripts/golden/report_extras.py  (deterministic; NaN is written as null)
"""
import json
import math
import os

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve, roc_auc_score, roc_curve

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


def clean(x):
    """JSON without NaN or infinity: both become null."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def curves(scores, labels):
    s, y = np.asarray(scores, float), np.asarray(labels, float)
    ok = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[ok], y[ok]
    out = {}
    for drop in (True, False):
        fpr, tpr, _ = roc_curve(y, s, drop_intermediate=drop)
        out["roc" if drop else "rocAll"] = dict(fpr=fpr.tolist(), tpr=tpr.tolist())
        precision, recall, _ = precision_recall_curve(y, s, drop_intermediate=drop)
        out["prDropped" if drop else "pr"] = dict(precision=precision.tolist(), recall=recall.tolist())
    out["averagePrecision"] = float(average_precision_score(y, s))
    out["auc"] = float(roc_auc_score(y, s))
    return out


def curve_cases():
    rng = np.random.default_rng(2024)
    cases = []

    def add(name, note, scores, labels):
        cases.append(dict(name=name, note=note, scores=list(map(float, scores)), labels=list(map(float, labels)),
                          expected=curves(scores, labels)))

    n = 1500
    y = (rng.random(n) < 0.35).astype(float)
    s = 1 / (1 + np.exp(-(1.4 * y - 0.7 + rng.normal(0, 1, n))))
    add("distinct", "1500 rows, distinct scores: more thresholds than the report keeps", s, y)
    s2 = np.round(s, 2)
    y2 = y.copy()
    y2[rng.random(n) < 0.1] = np.nan
    s2[rng.random(n) < 0.02] = np.nan
    add("ties-unlabelled", "scores rounded to 0.01 (ties), 10% unlabelled, 2% without a score", s2, y2)
    s3 = rng.integers(0, 5, 400) / 4
    y3 = (rng.random(400) < 0.2 + 0.6 * s3).astype(float)
    add("five-scores", "five distinct scores: collinear points to drop", s3, y3)
    add("tiny", "scikit-learn's docstring example", [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    add("perfect", "perfect separation", [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
    return cases


def quantile_cases():
    rng = np.random.default_rng(99)
    cases = []
    for name, values in [
        ("normal", rng.normal(3, 2, 1001)),
        ("gamma-missing", np.where(rng.random(777) < 0.07, np.nan, rng.gamma(2.0, 3.0, 777))),
        ("integers", rng.integers(0, 6, 250).astype(float)),
        ("two", np.array([1.5, -2.25])),
        ("one", np.array([42.0])),
    ]:
        finite = values[~np.isnan(values)]
        cases.append(dict(name=name, values=values.tolist(), expected=dict(
            rows=len(values), missing=int(np.isnan(values).sum()), min=float(finite.min()), max=float(finite.max()),
            mean=float(finite.mean()), quantiles=np.quantile(finite, QUANTILES).tolist())))
    return cases


def nice_step(rough):
    power = 10.0 ** math.floor(math.log10(rough))
    return next((m for m in [1, 2, 2.5, 5, 10] if m * power >= rough * (1 - 1e-12)), 10) * power


def distribution(ref, cur):
    """Equal-width bins as docs/report.md defines them, counted with numpy.histogram (last bin closed)."""
    sides = [x for x in (ref, cur) if len(x)]
    q = lambda p, pick: pick(np.quantile(x, p) for x in sides)
    lo, hi = q(0, min), q(1, max)
    if all(np.all(x == np.round(x)) for x in sides) and hi - lo <= 40 and max(abs(lo), abs(hi)) < 2.0 ** 51:
        edges = np.arange(lo - 0.5, hi + 1.0, 1.0)
    else:
        if hi - lo > 5 * (q(0.99, max) - q(0.01, min)):
            lo, hi = q(0.005, min), q(0.995, max)
        if hi == lo:
            half = max(0.5, abs(lo) * 1e-9)
            edges = np.array([lo - half, lo + half])
        else:
            step = nice_step((hi - lo) / 20)
            first = math.floor(lo / step)
            bins = max(1, math.ceil(hi / step - 1e-9) - first)
            edges = np.array([float(f"{(first + i) * step:.12g}") for i in range(bins + 1)])
            edges[-1] = max(edges[-1], hi)
    inside = lambda x: x[(x >= edges[0]) & (x <= edges[-1])]
    return dict(edges=edges.tolist(), reference=np.histogram(inside(ref), edges)[0].tolist(),
                current=np.histogram(inside(cur), edges)[0].tolist(),
                outside=dict(reference=int(len(ref) - len(inside(ref))), current=int(len(cur) - len(inside(cur)))))


def distribution_cases():
    rng = np.random.default_rng(5)
    heavy_ref, heavy_cur = rng.lognormal(0, 0.5, 2000), rng.lognormal(0.2, 0.5, 1500)
    heavy_ref[:3] = [400.0, 900.0, 2500.0]
    cases = [("outliers", "far outliers: the range is trimmed to the 0.5%-99.5% quantiles", heavy_ref, heavy_cur),
             ("integers", "small integers: one bin per value", rng.integers(-3, 9, 500).astype(float), rng.integers(0, 12, 400).astype(float)),
             ("normal", "20 bins with a round width", rng.normal(10, 3, 1000), rng.normal(11, 3.5, 800)),
             ("constant", "one value on both sides", np.full(50, 0.25), np.full(20, 0.25)),
             ("current-empty", "no current values", rng.uniform(0, 1, 100), np.array([]))]
    return [dict(name=n, note=note, reference=r.tolist(), current=c.tolist(), expected=distribution(r, c)) for n, note, r, c in cases]


def large_extras():
    d = os.path.join(ROOT, "packages", "daemon", "test", "golden", "large")
    ref = pd.read_csv(os.path.join(d, "reference.csv"), keep_default_na=False, na_values=[""])
    cur = pd.read_csv(os.path.join(d, "current.csv"), keep_default_na=False, na_values=[""])
    quality = []
    for f in ["x1", "x2", "x3"]:
        sides = {}
        for side, df in [("reference", ref), ("current", cur)]:
            v = df[f].to_numpy(float)
            fin = v[~np.isnan(v)]
            q = np.quantile(fin, QUANTILES)
            sides[side] = dict(rows=len(v), missing=int(np.isnan(v).sum()), missingShare=float(np.isnan(v).mean()),
                               min=float(fin.min()), max=float(fin.max()), mean=float(fin.mean()),
                               p5=q[0], p25=q[1], p50=q[2], p75=q[3], p95=q[4])
        rv = ref[f].dropna().to_numpy(float)
        cv = cur[f].dropna().to_numpy(float)
        below, above = int((cv < rv.min()).sum()), int((cv > rv.max()).sum())
        quality.append(dict(feature=f, kind="numeric", **sides,
                            outsideReferenceRange=dict(below=below, above=above, share=(below + above) / len(cv))))
    for f in ["c1", "c2"]:
        r, c = ref[f], cur[f]
        seen = set(r.dropna())
        new = c.dropna()[~c.dropna().isin(seen)]
        counts = new.value_counts()
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        side = lambda s: dict(rows=len(s), missing=int(s.isna().sum()), missingShare=float(s.isna().mean()),
                              categories=int(s.nunique()))
        quality.append(dict(feature=f, kind="categorical", reference=side(r), current=side(c), newCategories=dict(
            rows=len(new), share=len(new) / c.notna().sum(), distinct=len(counts),
            top=[dict(category=k, rows=int(v)) for k, v in top])))

    lab = cur["label"].notna()
    y, s = cur["label"][lab].to_numpy(float), cur["score"][lab].to_numpy(float)
    yhat = (s >= 0.5).astype(float)
    tn, fp, fn, tp = confusion_matrix(y, yhat, labels=[0, 1]).ravel()
    confusion = dict(threshold=0.5, tp=tp, fp=fp, tn=tn, fn=fn, tpr=tp / (tp + fn), fpr=fp / (fp + tn),
                     tnr=tn / (tn + fp), fnr=fn / (fn + tp), precision=tp / (tp + fp), npv=tn / (tn + fn))
    c = curves(s, y)
    # The report keeps scikit-learn's default (dropped) curves; the full ones are checked on curves.json.
    dist = {f: distribution(ref[f].dropna().to_numpy(float), cur[f].dropna().to_numpy(float)) for f in ["x1", "x2", "x3", "score"]}
    return dict(dataQuality=quality, confusion=confusion, distributions=dist,
                curves=dict(roc=c["roc"], prDropped=c["prDropped"], averagePrecision=c["averagePrecision"], auc=c["auc"]))


def write(path, doc):
    with open(path, "w") as f:
        json.dump(clean(doc), f, indent=1)
        f.write("\n")


write(os.path.join(ROOT, "packages", "analyzers", "test", "golden", "curves.json"),
      dict(curves=curve_cases(), quantiles=quantile_cases(), quantileLevels=QUANTILES, distributions=distribution_cases()))
write(os.path.join(ROOT, "packages", "daemon", "test", "golden", "large", "extras.json"), large_extras())

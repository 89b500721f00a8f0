"""End-to-end golden vectors for `vigil report`: two small CSV scenarios and every report number computed
independently with numpy, scipy, scikit-learn and fairlearn from the definitions in docs/metrics.md.

Run: .venv/bin/python scripts/golden/report_vectors.py  (writes packages/daemon/test/golden/<scenario>/...)
"""
import json
import os

import numpy as np
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate, true_positive_rate
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, false_discovery_control, ks_2samp, wasserstein_distance
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.metrics import (accuracy_score, brier_score_loss, log_loss, mean_absolute_error, mean_squared_error,
                             precision_score, recall_score, roc_auc_score)

from binning_vectors import reference_edges  # the binning rule of docs/metrics.md, in numpy

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "daemon", "test", "golden")
Z = 1.959963984540054


def make(rng, n, shift):
    x1 = rng.normal(0.0 + shift, 1.0, n)
    x2 = rng.gamma(2.0, 2.0 + shift, n)
    x2[rng.random(n) < 0.05] = np.nan
    x3 = rng.integers(0, 5 + int(shift > 0), n).astype(float)
    cats = np.array(["alpha", "beta", "gamma", "delta, inc", "eps"])
    p = np.array([0.4, 0.3, 0.2, 0.1, 0.0]) if shift == 0 else np.array([0.25, 0.3, 0.2, 0.15, 0.1])
    c1 = cats[rng.choice(5, n, p=p)]
    c2 = np.where(rng.random(n) < 0.03, "", np.where(rng.random(n) < 0.5 + shift / 4, "yes", "no"))
    sex = np.where(rng.random(n) < 0.45, "F", "M")
    race = rng.choice(["A", "B", "C", "D"], n, p=[0.6, 0.25, 0.14, 0.01])
    z = 0.9 * x1 - 0.1 * np.nan_to_num(x2, nan=4.0) + 0.4 * (sex == "M") + 0.3 * (race == "A")
    score = 1 / (1 + np.exp(-z))
    true_p = 1 / (1 + np.exp(-(1.3 * z - 0.2 + shift)))
    label = (rng.random(n) < true_p).astype(float)
    label[rng.random(n) < 0.1] = np.nan  # unlabelled rows
    return dict(x1=x1, x2=x2, x3=x3, c1=c1, c2=c2, sex=sex, race=race, score=score, label=label)


def write_csv(path, d):
    cols = list(d.keys())
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for i in range(len(d["x1"])):
            cells = []
            for c in cols:
                v = d[c][i]
                if isinstance(v, str) or isinstance(v, np.str_):
                    cells.append(f'"{v}"' if "," in v else str(v))
                else:
                    cells.append("" if np.isnan(v) else repr(float(v)))
            f.write(",".join(cells) + "\n")


def bh(p):
    p = np.asarray(p, float)
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adj, 1.0)
    return out


def props(c):
    c = np.asarray(c, float)
    return c / c.sum()


def psi(r, c):
    r, c = props(r), props(c)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def hellinger(r, c):
    return float(np.sqrt(max(0.0, 1 - np.sum(np.sqrt(props(r) * props(c))))))


def numeric(ref, cur):
    rf, cf = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    edges = reference_edges(rf, 10)  # deciles, and a bin of its own for each point mass
    rc = np.bincount(np.searchsorted(edges, rf, side="right"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cf, side="right"), minlength=len(edges) + 1)
    ks = ks_2samp(rf, cf, method="auto")
    w = wasserstein_distance(rf, cf)
    return dict(psi=psi(rc, cc), js=float(jensenshannon(props(rc), props(cc))), hellinger=hellinger(rc, cc),
                ks=float(ks.statistic), ksPValue=float(ks.pvalue), wasserstein=float(w),
                wassersteinNormed=float(w / np.std(rf)), missingRate=float(np.isnan(cur).mean()),
                referenceMissingRate=float(np.isnan(ref).mean())), rc.tolist(), cc.tolist(), len(rf), len(cf)


def categorical(ref, cur):
    rp, cp = ref[ref != ""], cur[cur != ""]
    cats = sorted(set(rp))
    rc = [int(np.sum(rp == c)) for c in cats]
    cc = [int(np.sum(cp == c)) for c in cats]
    new = int(np.sum(~np.isin(cp, cats)))
    if new:
        rc.append(0)
        cc.append(new)
    table = np.array([rc, cc])
    table = table[:, table.sum(axis=0) > 0]
    chi = chi2_contingency(table, correction=False)
    return dict(chi2=float(chi.statistic), chi2PValue=float(chi.pvalue), psi=psi(rc, cc),
                js=float(jensenshannon(props(rc), props(cc))), hellinger=hellinger(rc, cc),
                newCategoryRate=new / len(cp), missingRate=float(np.mean(cur == "")),
                referenceMissingRate=float(np.mean(ref == ""))), rc, cc, len(rp), len(cp)


def wilson(k, n):
    if n == 0:
        return [0.0, 1.0]
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return [float(centre - half), float(centre + half)]


def ece_bins(s, y, idx, nb):
    e, m = 0.0, 0.0
    for b in range(nb):
        sel = idx == b
        if sel.sum() == 0:
            continue
        gap = abs(y[sel].mean() - s[sel].mean())
        e += sel.sum() / len(s) * gap
        m = max(m, gap)
    return e, m


def scenario(name, n_ref, n_cur, seed):
    rng = np.random.default_rng(seed)
    ref, cur = make(rng, n_ref, 0.0), make(rng, n_cur, 0.5)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    write_csv(os.path.join(d, "reference.csv"), ref)
    write_csv(os.path.join(d, "current.csv"), cur)
    write_parquet(os.path.join(d, "current.parquet"), cur)

    drift = []
    for f in ["x1", "x2", "x3"]:
        m, rc, cc, nr, nc = numeric(ref[f], cur[f])
        drift.append(dict(feature=f, kind="numeric", metrics=m, reference=rc, current=cc, small=min(nr, nc) <= 1000))
    for f in ["c1", "c2"]:
        m, rc, cc, nr, nc = categorical(ref[f], cur[f])
        drift.append(dict(feature=f, kind="categorical", metrics=m, reference=rc, current=cc, small=min(nr, nc) <= 1000))
    pm, _, _, _, _ = numeric(ref["score"], cur["score"])
    # One family for every test the report makes: each feature's test and the score's KS (prediction drift), adjusted
    # by scipy's Benjamini-Hochberg (false_discovery_control, the adjusted p-values of statsmodels' fdr_bh).
    family = [x["metrics"].get("ksPValue", x["metrics"].get("chi2PValue")) for x in drift] + [pm["ksPValue"]]
    adjusted = false_discovery_control(family, method="bh")
    np.testing.assert_allclose(adjusted, bh(family), rtol=1e-14)
    prediction_adjusted = float(adjusted[-1])
    for x, a in zip(drift, adjusted[:-1]):
        x["pValueAdjusted"] = float(a)
        if x["small"]:
            x["method"] = "ks" if x["kind"] == "numeric" else "chi2"
            x["drifted"] = bool(a <= 0.05)
        else:
            x["method"] = "psi"
            x["drifted"] = bool(x["metrics"]["psi"] >= 0.2)

    s, y = cur["score"], cur["label"]
    lab = ~np.isnan(y)
    sl, yl = s[lab], y[lab]
    # bin b holds b/10 <= s < (b+1)/10 on the float edges; a score of 1 falls in the last bin
    idx = np.minimum(np.searchsorted(np.arange(11) / 10, sl, side="right") - 1, 9)
    ece, mce = ece_bins(sl, yl, idx, 10)
    order = np.argsort(sl, kind="stable")
    em_idx = np.empty(len(sl), int)
    for b, chunk in enumerate(np.array_split(order, 10)):
        em_idx[chunk] = b
    ece_m, _ = ece_bins(sl, yl, em_idx, 10)
    yhat = (s >= 0.5).astype(float)
    calibration = dict(ece=ece, eceEqualMass=ece_m, mce=mce, brier=float(brier_score_loss(yl, sl)))
    performance = dict(accuracy=float(accuracy_score(yl, yhat[lab])), precision=float(precision_score(yl, yhat[lab], zero_division=0)),
                       recall=float(recall_score(yl, yhat[lab], zero_division=0)), auc=float(roc_auc_score(yl, sl)),
                       logLoss=float(log_loss(yl, sl)))

    fairness = []
    for attr in ["sex", "race"]:
        g = cur[attr]
        groups = []
        for v in sorted(set(g), key=lambda v: (-np.sum(g == v), v)):
            sel = g == v
            n = int(sel.sum())
            pp = int(yhat[sel].sum())
            sl_ = sel & lab
            tp = int(np.sum((yhat == 1) & (y == 1) & sl_))
            fp = int(np.sum((yhat == 1) & (y == 0) & sl_))
            fn = int(np.sum((yhat == 0) & (y == 1) & sl_))
            tn = int(np.sum((yhat == 0) & (y == 0) & sl_))
            groups.append(dict(group=str(v), n=n, labelled=int(sl_.sum()), selectionRate=pp / n, ciSelectionRate=wilson(pp, n),
                               tpr=tp / (tp + fn) if tp + fn else None, ciTpr=wilson(tp, tp + fn) if tp + fn else None,
                               fpr=fp / (fp + tn) if fp + tn else None,
                               ppv=tp / (tp + fp) if tp + fp else None, sufficient=n >= 30, sufficientLabelled=int(sl_.sum()) >= 30))
        # fairlearn on the sufficient groups only, as docs/metrics.md ("Fairness") says
        ok = np.isin(g, [x["group"] for x in groups if x["sufficient"]])
        okl = np.isin(g, [x["group"] for x in groups if x["sufficientLabelled"]]) & lab
        sr = MetricFrame(metrics=selection_rate, y_true=np.zeros(ok.sum()), y_pred=yhat[ok], sensitive_features=g[ok]).by_group
        mf = MetricFrame(metrics={"tpr": true_positive_rate, "fpr": false_positive_rate, "fnr": false_negative_rate},
                         y_true=y[okl], y_pred=yhat[okl], sensitive_features=g[okl]).by_group
        ppv = MetricFrame(metrics=lambda a, b: precision_score(a, b, zero_division=0), y_true=y[okl], y_pred=yhat[okl], sensitive_features=g[okl]).by_group
        fairness.append(dict(attribute=attr, groups=groups,
                             statisticalParityDifference=float(sr.max() - sr.min()),
                             disparateImpactRatio=float(sr.min() / sr.max()),
                             equalOpportunityDifference=float(mf["tpr"].max() - mf["tpr"].min()),
                             equalizedOddsDifference=float(max(mf["tpr"].max() - mf["tpr"].min(), mf["fpr"].max() - mf["fpr"].min())),
                             predictiveParityDifference=float(ppv.max() - ppv.min())))

    expected = dict(rows=dict(reference=n_ref, current=n_cur), drift=drift, prediction=pm, predictionPValueAdjusted=prediction_adjusted, calibration=calibration,
                    calibrationRows=int(lab.sum()), performance=performance, fairness=fairness)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


def write_parquet(path, d):
    """The same data as the CSV, as Parquet with ZSTD pages (missing values as nulls)."""
    cols = {}
    for k, v in d.items():
        if v.dtype.kind in "US":
            cols[k] = pa.array([None if x == "" else str(x) for x in v], pa.string())
        else:
            cols[k] = pa.array(v, pa.float64(), mask=np.isnan(v))
    pq.write_table(pa.table(cols), path, compression="zstd")


def regression(seed):
    """A regression model: score is the predicted value, label the truth (some unlabelled)."""
    rng = np.random.default_rng(seed)
    d = os.path.join(OUT, "regression")
    os.makedirs(d, exist_ok=True)
    sides = {}
    for name, n, shift in [("reference", 800, 0.0), ("current", 600, 1.0)]:
        x1 = rng.normal(shift, 1.0, n)
        x2 = rng.uniform(0, 10, n)
        score = 3 * x1 + 0.5 * x2 + rng.normal(0, 0.5, n)
        label = 3 * x1 + 0.5 * x2 + shift + rng.normal(0, 1, n)
        label[rng.random(n) < 0.1] = np.nan
        sides[name] = dict(x1=x1, x2=x2, score=score, label=label)
        write_csv(os.path.join(d, f"{name}.csv"), sides[name])
    cur = sides["current"]
    lab = ~np.isnan(cur["label"])
    err = cur["score"][lab] - cur["label"][lab]
    expected = dict(performance=dict(mae=float(mean_absolute_error(cur["label"][lab], cur["score"][lab])),
                                     rmse=float(np.sqrt(mean_squared_error(cur["label"][lab], cur["score"][lab]))),
                                     bias=float(err.mean()), rows=int(lab.sum())),
                    prediction=numeric(sides["reference"]["score"], cur["score"])[0])
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


scenario("large", 3000, 2500, 7)
scenario("small", 400, 300, 11)
regression(13)

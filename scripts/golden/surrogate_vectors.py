"""Golden vectors for the linear surrogate (packages/analyzers/src/stats/surrogate.ts).

Each case holds a reference and a current table (columns of numbers or category names; null is missing), and what
numpy says about the current one: the design columns of the documented encoding (docs/explanations.md#without-logged-attributions-the-linear-surrogate:
z = (x - reference mean) / reference population std; drop-first one-hot of the reference's 10 most frequent
categories, ties by name, plus one "(other)" indicator; target logit(clip(score, 1e-6, 1 - 1e-6)) for a binary
model, the score for a regression; rows with anything missing left out), the least-squares coefficients from
np.linalg.lstsq on [1 | X] (intercept first), R^2 from the residuals, and per feature the standard deviation of
its contribution to the fitted logit (|beta| * sigma for a numeric feature).

Also packages/daemon/test/golden/large/surrogate.json: the same figures for both files of the `large` report
scenario (committed CSV files, read with pandas), with the NDCG of the current ranking against the reference's
and the shares of c1 (protected) and x3 (proxy), for `vigil report --protected c1 --proxies x3`.

Run: .venv/bin/python scripts/golden/surrogate_vectors.py  (deterministic; pinned numpy in scripts/requirements.txt)
"""
import json
import math
import os

import numpy as np
import pandas as pd

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "packages", "analyzers", "test", "golden", "surrogate.json")
TOP = 10
OTHER = "(other)"
CLIP = 1e-6


def design(ref, cur, features, task):
    """The design matrix and target of `cur`, encoded from `ref`, and the complete-row mask."""
    n = len(cur["score"])
    cols, names, groups = [], [], []
    complete = np.ones(n, bool)
    for f in features:
        name, kind = f["name"], f["kind"]
        start = len(names)
        if kind == "numeric":
            r = np.array([np.nan if v is None else v for v in ref[name]], float)
            r = r[~np.isnan(r)]
            mean, std = float(r.mean()), float(r.std())
            scale = std if std > 0 else 1.0
            c = np.array([np.nan if v is None else v for v in cur[name]], float)
            complete &= ~np.isnan(c)
            cols.append(np.where(np.isnan(c), 0.0, (c - mean) / scale))
            names.append(name)
        else:
            counts = {}
            for v in ref[name]:
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
            top = [k for k, _ in ranked]
            indicators = top[1:]
            values = cur[name]
            complete &= np.array([v is not None for v in values])
            for k in indicators:
                cols.append(np.array([1.0 if v == k else 0.0 for v in values]))
                names.append(f"{name}={k}")
            cols.append(np.array([1.0 if (v is not None and v not in top) else 0.0 for v in values]))
            names.append(f"{name}={OTHER}")
        groups.append((name, start, len(names)))
    s = np.array([np.nan if v is None else v for v in cur["score"]], float)
    complete &= ~np.isnan(s)
    if task == "binary":
        p = np.clip(s, CLIP, 1 - CLIP)
        y = np.log(p / (1 - p))
    else:
        y = s
    x = np.column_stack(cols)[complete]
    return x, y[complete], names, groups, int((~complete).sum())


def expected(ref, cur, features, task):
    x, y, names, groups, skipped = design(ref, cur, features, task)
    a = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    resid = y - a @ coef
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((resid ** 2).sum()) / sst
    importances = []
    for name, lo, hi in groups:
        contribution = x[:, lo:hi] @ coef[1 + lo:1 + hi]
        importances.append(dict(feature=name, importance=float(contribution.std())))
    return dict(columns=names, rows=int(len(y)), skipped=skipped, intercept=float(coef[0]),
                coefficients=[float(v) for v in coef[1:]], r2=r2, importances=importances)


def to_json(v):
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(f"{float(v):.10g}")
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def table(columns):
    return {k: [to_json(v) for v in vs] for k, vs in columns.items()}


def logistic(t):
    return 1 / (1 + np.exp(-t))


def generate(rng, n, shift, categories, weights):
    age = rng.normal(40 + shift, 12, n)
    income = rng.lognormal(10 + 0.1 * shift, 0.5, n)
    hours = rng.normal(40, 8, n)
    score_noise = rng.normal(0, 0.6, n)
    cat = rng.choice(categories, size=n, p=weights)
    effect = {c: 0.3 * i - 0.5 for i, c in enumerate(categories)}
    t = 0.04 * (age - 40) + 0.5 * np.log(income / 20000) - 0.02 * (hours - 40) + np.array([effect[c] for c in cat]) + score_noise
    return age, income, hours, cat, logistic(t), t


def main():
    rng = np.random.default_rng(1515)
    cases = []

    def add(name, note, features, task, ref, cur):
        # Ten significant digits keep the JSON small; the expectations are computed on the rounded values.
        ref, cur = table(ref), table(cur)
        case = dict(name=name, note=note, task=task, features=features, reference=ref, current=cur)
        case["expected"] = expected(ref, cur, features, task)
        cases.append(case)

    numeric = [dict(name="age", kind="numeric"), dict(name="income", kind="numeric"), dict(name="hours", kind="numeric")]
    cats = ["a", "b", "c", "d"]
    w = [0.4, 0.3, 0.2, 0.1]

    age, income, hours, cat, score, _ = generate(rng, 600, 0, cats, w)
    ref = dict(age=age, income=income, hours=hours, race=list(cat), score=score)
    age, income, hours, cat, score, _ = generate(rng, 500, 3, cats, w)
    cur = dict(age=age, income=income, hours=hours, race=list(cat), score=score)
    add("numeric", "three numeric features, binary score: logit target", numeric, "binary", ref, cur)
    add("mixed", "numeric and a categorical feature (drop-first one-hot)", numeric + [dict(name="race", kind="categorical")], "binary", ref, cur)

    # Many categories: only the reference's 10 most frequent get indicators; the rest and unseen ones are "(other)".
    many = [f"k{i:02d}" for i in range(14)]
    mw = np.linspace(2, 1, 14)
    mw = mw / mw.sum()
    age, income, hours, cat, score, _ = generate(rng, 900, 0, many, mw)
    ref2 = dict(age=age, income=income, hours=hours, zip=list(cat), score=score)
    age, income, hours, cat, score, _ = generate(rng, 700, 0, many, mw)
    cat = list(cat)
    for i in range(0, 700, 9):
        cat[i] = "unseen"
    cur2 = dict(age=age, income=income, hours=hours, zip=cat, score=score)
    add("many-categories", "14 categories, 10 kept, the rest and an unseen one in (other)",
        [dict(name="age", kind="numeric"), dict(name="zip", kind="categorical")], "binary", ref2, cur2)

    # A category of the reference absent from the current rows: an all-zero column, coefficient 0 in lstsq too.
    age, income, hours, cat, score, t = generate(rng, 400, 0, cats, [0.5, 0.3, 0.2, 0.0])
    cur3 = dict(age=age, income=income, hours=hours, race=list(cat), score=score)
    add("absent-category", "the current rows never hold category d: its indicator is all zeros",
        numeric + [dict(name="race", kind="categorical")], "binary", ref, cur3)

    # Missing values and saturated scores.
    age, income, hours, cat, score, t = generate(rng, 500, 0, cats, w)
    age = age.astype(object)
    cat = list(cat)
    score = score.copy()
    for i in range(0, 500, 23):
        age[i] = None
    for i in range(5, 500, 31):
        cat[i] = None
    for i in range(7, 500, 37):
        score[i] = np.nan
    score[1], score[2], score[3] = 0.0, 1.0, 1e-9
    cur4 = dict(age=list(age), income=income, hours=hours, race=cat, score=score)
    add("missing-and-saturated", "rows with a missing feature or score left out; scores 0 and 1 clipped to 1e-6",
        numeric + [dict(name="race", kind="categorical")], "binary", ref, cur4)

    # Regression: the score itself is the target.
    age, income, hours, cat, score, t = generate(rng, 450, 1, cats, w)
    cur5 = dict(age=age, income=income, hours=hours, race=list(cat), score=100 * t + 50)
    ref5 = dict(ref)
    ref5["score"] = 100 * np.log(ref["score"] / (1 - ref["score"])) + 50
    add("regression", "regression model: the target is the score, not its logit",
        numeric + [dict(name="race", kind="categorical")], "regression", ref5, cur5)

    with open(OUT, "w") as f:
        json.dump(dict(versions=dict(numpy=np.__version__), cases=cases), f, indent=1)
        f.write("\n")


def ndcg(reference, current):
    """SageMaker Clarify's NDCG of the current ranking against the reference's (ties by name), all features."""
    names = sorted(set(reference) | set(current))
    ideal = sorted(names, key=lambda f: (-reference.get(f, 0.0), f))
    actual = sorted(names, key=lambda f: (-current.get(f, 0.0), f))
    dcg = sum(reference.get(f, 0.0) / math.log2(i + 2) for i, f in enumerate(actual))
    idcg = sum(reference.get(f, 0.0) / math.log2(i + 2) for i, f in enumerate(ideal))
    return dcg / idcg


def report_scenario():
    root = os.path.join(ROOT, "packages", "daemon", "test", "golden", "large")
    read = lambda name: pd.read_csv(os.path.join(root, name), keep_default_na=False, na_values=[""])
    ref, cur = read("reference.csv"), read("current.csv")
    features = [dict(name=n, kind="numeric") for n in ("x1", "x2", "x3")] + [dict(name=n, kind="categorical") for n in ("c1", "c2")]
    as_columns = lambda d: {c: [None if (isinstance(v, float) and math.isnan(v)) else v for v in d[c].tolist()] for c in d.columns}
    r, c = as_columns(ref), as_columns(cur)
    sides = dict(reference=expected(r, r, features, "binary"), current=expected(r, c, features, "binary"))
    imp = {k: {i["feature"]: i["importance"] for i in v["importances"]} for k, v in sides.items()}
    share = lambda side, names: sum(imp[side][n] for n in names) / sum(imp[side].values())
    out = dict(
        importances=imp,
        r2={k: v["r2"] for k, v in sides.items()},
        rows={k: v["rows"] for k, v in sides.items()},
        ndcg=ndcg(imp["reference"], imp["current"]),
        protectedShare={k: share(k, ["c1"]) for k in sides},
        proxyShare={k: share(k, ["x3"]) for k in sides},
    )
    with open(os.path.join(root, "surrogate.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
    report_scenario()

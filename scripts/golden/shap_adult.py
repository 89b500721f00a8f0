"""Logged SHAP values on UCI Adult, for the attribution end-to-end test (packages/daemon/test/run/run-attributions.test.ts).

Two small random forests (scikit-learn) on packages/demo/data/adult/adult.data, explained by `shap`'s exact
TreeExplainer. For a scikit-learn forest classifier TreeExplainer's raw output is the predicted probability, so the
SHAP values are in score units and add up to the score (checked below).
- Model A uses age, education-num, hours-per-week and capital-gain: its events carry those four attributions.
- Model B, the planted change, also uses sex (Male = 1): the model "starts using sex", and its events carry a fifth
  attribution, sex.
Events: 1,000 reference rows scored and explained by model A (reference.csv, the model's reference file), then
one hour of 600 rows by model A and one hour of 600 rows by model B (events.ndjson), and a last event four hours
after the start that closes both hours. expected.json holds, per hour, numpy's mean and mean |attribution| per
feature, the protected share of sex, and the reference ranking's NDCG (Clarify's formula, as in
attribution_vectors.py).

Run: .venv/bin/python scripts/golden/shap_adult.py   (shap, numba and llvmlite pinned in scripts/requirements.txt)
Deterministic (fixed seeds).
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pandas as pd
import shap
import sklearn
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DATA = os.path.join(ROOT, "packages", "demo", "data", "adult", "adult.data")
OUT = os.path.join(ROOT, "packages", "daemon", "test", "golden", "shap-adult")
T0 = 1772323200000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000
BASE = ["age", "education-num", "hours-per-week", "capital-gain"]
WITH_SEX = BASE + ["sex"]


def load() -> pd.DataFrame:
    df = pd.read_csv(DATA, skipinitialspace=True)
    df["label"] = (df["Salary"].str.strip() == ">50K").astype(int)
    df["sex_male"] = (df["sex"] == "Male").astype(float)
    return df


def explain(model: RandomForestClassifier, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(x, check_additivity=True))
    values = values[:, :, 1] if values.ndim == 3 else values[1]
    scores = model.predict_proba(x)[:, 1]
    base = np.asarray(explainer.expected_value).reshape(-1)[-1]
    # Additive, in score units: base value + Σ attributions = the score.
    assert np.max(np.abs(base + values.sum(axis=1) - scores)) < 1e-9, "SHAP values do not add up to the score"
    return values, scores


def rank(importance: dict[str, float]) -> list[str]:
    return sorted(importance, key=lambda f: (-importance[f], f))


def clarify_ndcg(reference: dict[str, float], current: dict[str, float]) -> float:
    names = sorted(set(reference) | set(current))
    ref = {f: reference.get(f, 0.0) for f in names}
    cur = {f: current.get(f, 0.0) for f in names}
    ideal, actual = rank(ref), rank(cur)
    dcg = sum(ref[actual[i]] / math.log2(i + 2) for i in range(len(names)))
    idcg = sum(ref[ideal[i]] / math.log2(i + 2) for i in range(len(names)))
    return dcg / idcg


def events(df: pd.DataFrame, rows: np.ndarray, model, columns: list[str], start_ms: int, step_ms: int, prefix: str) -> tuple[list[dict], np.ndarray]:
    x = df.loc[rows, [c if c != "sex" else "sex_male" for c in columns]].to_numpy(float)
    values, scores = explain(model, x)
    out = []
    for i, row in enumerate(rows):
        r = df.loc[row]
        out.append({
            "model": "adult-income",
            "id": f"{prefix}-{i}",
            "ts": start_ms + i * step_ms,
            "features": {"age": int(r["age"]), "education-num": int(r["education-num"]), "hours-per-week": int(r["hours-per-week"]),
                         "capital-gain": int(r["capital-gain"]), "sex": r["sex"]},
            "score": float(scores[i]),
            "groups": {"sex": r["sex"]},
            "attributions": {c: float(values[i, j]) for j, c in enumerate(columns)},
        })
    return out, values


def summary(values: np.ndarray, columns: list[str], sex: np.ndarray) -> dict:
    mean_abs = {c: float(np.mean(np.abs(values[:, j]))) for j, c in enumerate(columns)}
    total = float(np.sum(np.abs(values)))
    share = float(np.sum(np.abs(values[:, columns.index("sex")]))) / total if "sex" in columns else 0.0
    by_group = {}
    if "sex" in columns:
        for g in ("Female", "Male"):
            by_group[g] = float(np.mean(np.abs(values[sex == g, columns.index("sex")])))
    return {"rows": int(values.shape[0]), "mean": {c: float(np.mean(values[:, j])) for j, c in enumerate(columns)},
            "meanAbs": mean_abs, "protectedShare": share, "sexMeanAbsByGroup": by_group}


def main():
    df = load()
    rng = np.random.default_rng(20261205)
    order = rng.permutation(len(df))
    train, reference, first, second = order[:8000], order[8000:9000], order[9000:9600], order[9600:10200]
    y = df.loc[train, "label"].to_numpy()
    model_a = RandomForestClassifier(n_estimators=25, max_depth=6, random_state=0).fit(df.loc[train, BASE].to_numpy(float), y)
    model_b = RandomForestClassifier(n_estimators=25, max_depth=6, random_state=0).fit(
        df.loc[train, BASE + ["sex_male"]].to_numpy(float), y)

    ref_events, ref_values = events(df, reference, model_a, BASE, T0 - 24 * HOUR, 60_000, "ref")
    a_events, a_values = events(df, first, model_a, BASE, T0, 5_000, "a")
    b_events, b_values = events(df, second, model_b, WITH_SEX, T0 + HOUR, 5_000, "b")
    closer, _ = events(df, order[10200:10201], model_a, BASE, T0 + 4 * HOUR, 1, "closer")

    ref_summary = summary(ref_values, BASE, df.loc[reference, "sex"].to_numpy())
    windows = []
    for start, values, columns, rows in ((T0, a_values, BASE, first), (T0 + HOUR, b_values, WITH_SEX, second)):
        s = summary(values, columns, df.loc[rows, "sex"].to_numpy())
        s["start"] = start
        s["ranking"] = rank(s["meanAbs"])
        s["ndcg"] = clarify_ndcg(ref_summary["meanAbs"], s["meanAbs"])
        windows.append(s)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "events.ndjson"), "w") as f:
        for e in a_events + b_events + closer:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    # The reference file: features, score and attributions.<feature> columns (docs/explanations.md). repr() keeps
    # every double exact.
    header = ["age", "education-num", "hours-per-week", "capital-gain", "sex", "score"] + [f"attributions.{c}" for c in BASE]
    with open(os.path.join(OUT, "reference.csv"), "w") as f:
        f.write(",".join(header) + "\n")
        for e in ref_events:
            cells = [e["features"][c] for c in header[:5]] + [e["score"]] + [e["attributions"][c] for c in BASE]
            f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in cells) + "\n")
    doc = {
        "generator": "scripts/golden/shap_adult.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "sklearn": sklearn.__version__, "shap": shap.__version__,
                     "pandas": pd.__version__},
        "reference": ref_summary,
        "windows": windows,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(json.dumps({w["start"]: [w["protectedShare"], w["ndcg"], w["ranking"]] for w in windows}))


if __name__ == "__main__":
    main()

"""Golden vectors for the reference chunk statistics of packages/analyzers/src/stats/reference-chunks.ts (the
thresholds of `threshold: reference` rules).

References: scikit-learn (accuracy_score, precision_score / recall_score / f1_score with zero_division=0,
roc_auc_score) per consecutive chunk, and numpy's mean and std (ddof=0, NannyML's StandardDeviationThreshold) over
the chunks.

Run: .venv/bin/python scripts/golden/reference_chunks_vectors.py
Writes packages/analyzers/test/golden/reference-chunks.json. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

SIZES = [100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000]
MIN_CHUNKS = 6


def chunk_statistics(scores: np.ndarray, labels: np.ndarray, predicted: np.ndarray) -> list[dict]:
    out = []
    for size in SIZES:
        chunks = len(scores) // size
        if chunks < MIN_CHUNKS:
            break
        values: dict[str, list[float]] = {m: [] for m in ["accuracy", "precision", "recall", "f1", "auc"]}
        for c in range(chunks):
            s, y, p = (a[c * size : (c + 1) * size] for a in (scores, labels, predicted))
            values["accuracy"].append(accuracy_score(y, p))
            values["precision"].append(precision_score(y, p, zero_division=0))
            values["recall"].append(recall_score(y, p, zero_division=0))
            values["f1"].append(f1_score(y, p, zero_division=0))
            if len(np.unique(y)) == 2:
                values["auc"].append(roc_auc_score(y, s))
        out.append(
            {
                "rows": size,
                "chunks": chunks,
                "metrics": {m: {"mean": float(np.mean(v)), "std": float(np.std(v))} for m, v in values.items()},
            }
        )
    return out


def case(name: str, n: int, seed: int, positive_rate: float) -> dict:
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < positive_rate).astype(float)
    # A score that ranks positives higher, with noise; the class at 0.5.
    scores = np.clip(0.5 + (labels - positive_rate) * 0.4 + rng.normal(0, 0.2, n), 0, 1)
    predicted = (scores >= 0.5).astype(float)
    return {
        "name": name,
        "scores": scores.tolist(),
        "labels": labels.tolist(),
        "predicted": predicted.tolist(),
        "expected": chunk_statistics(scores, labels, predicted),
    }


def main() -> None:
    cases = [case("balanced", 6_300, 7, 0.5), case("rare-positives", 3_000, 8, 0.04)]
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    path = os.path.join(root, "packages", "analyzers", "test", "golden", "reference-chunks.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/golden/reference_chunks_vectors.py", "sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()

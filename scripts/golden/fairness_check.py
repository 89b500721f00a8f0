"""Independent per-group rates for a scored CSV, with fairlearn: the check `vigil demo`'s fairness numbers are
compared with. Usage: fairness_check.py FILE ATTRIBUTE [ATTRIBUTE...]  → JSON on stdout."""
import json
import sys

import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, demographic_parity_difference, demographic_parity_ratio,
                               equalized_odds_difference, false_negative_rate, false_positive_rate, selection_rate,
                               true_positive_rate)
from sklearn.metrics import precision_score



def rate_range(frame, metric, g, denominator_rows, groups):
    defined = [k for k in groups if np.sum(denominator_rows & (g == k)) > 0]
    values = frame.by_group.loc[defined, metric]
    return float(values.max() - values.min())


path, attributes = sys.argv[1], sys.argv[2:]
df = pd.read_csv(path, keep_default_na=False, na_values=[""])
y = df["label"].to_numpy(float)
yhat = (df["score"].to_numpy(float) >= 0.5).astype(int)
out = {}
for attr in attributes:
    g = df[attr].astype(str).to_numpy()
    frame = MetricFrame(
        metrics={"selectionRate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
                 "fnr": false_negative_rate, "ppv": lambda a, b: precision_score(a, b, zero_division=0)},
        y_true=y, y_pred=yhat, sensitive_features=g)
    sizes = pd.Series(g).value_counts()
    big = sizes[sizes >= 30].index.to_numpy()
    keep = np.isin(g, big)
    out[attr] = {
        "groups": {k: {m: float(v) for m, v in row.items()} | {"n": int(sizes[k])} for k, row in frame.by_group.iterrows()},
        "statisticalParityDifference": float(demographic_parity_difference(y[keep], yhat[keep], sensitive_features=g[keep])),
        "disparateImpactRatio": float(demographic_parity_ratio(y[keep], yhat[keep], sensitive_features=g[keep])),
        # fairlearn's equalized_odds_difference counts an undefined TPR (a group without positives) as 0; Vigil
        # leaves undefined rates out (docs/metrics.md), so the gaps are taken over fairlearn's per-group rates of
        # the groups where each rate is defined.
        "equalizedOddsDifference": max(rate_range(frame, "tpr", g, y == 1, big), rate_range(frame, "fpr", g, y == 0, big)),
        "equalizedOddsDifferenceFairlearn": float(equalized_odds_difference(y[keep], yhat[keep], sensitive_features=g[keep])),
    }
print(json.dumps(out))

"""Golden vectors for confidence-based performance estimation (CBPE), from NannyML 0.13.

packages/analyzers/test/golden/cbpe.json: seeded binary scenarios, each a labelled reference and a current sample
whose features shifted so that the model's performance changed without the labels saying so. For each: NannyML's
`CBPE` (chunk_number=1, so the whole current sample is one chunk) estimated accuracy, precision, recall, F1 and ROC
AUC with their sampling errors and confidence bounds, whether NannyML decided the score needs calibration, and
scikit-learn's `IsotonicRegression(out_of_bounds='clip')` fitted on the reference and evaluated on a grid (to check
Vigil's isotonic calibrator on its own). The realized metrics (from the current labels, which Vigil's estimate does
not see) are written too, to show the estimates track them.

Run: bash scripts/setup-python-nannyml.sh && .venv-nannyml/bin/python scripts/golden/cbpe_nannyml.py  (deterministic)
NannyML lives in its own venv, .venv-nannyml (scripts/requirements-nannyml.txt): it needs python-dateutil < 3, and
installing it into .venv would change that venv's versions.
"""
import json
import os
import warnings

# NannyML sends usage analytics unless told not to; a golden-vector script must not phone home.
os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
import nannyml as nml  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from nannyml.calibration import IsotonicCalibrator, NoopCalibrator, needs_calibration  # noqa: E402
from nannyml.performance_estimation.confidence_based import metrics as cbpe_metrics  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "packages", "analyzers", "test", "golden", "cbpe.json")
METRICS = {"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1": "f1", "auc": "roc_auc"}
GRID = np.linspace(-0.05, 1.05, 111)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sample(rng, n, shift, prevalence_offset, distort):
    """Two features; the true probability is logistic in them, the score a distorted (miscalibrated) view of it."""
    x1 = rng.normal(shift, 1, n)
    x2 = rng.normal(0, 1, n)
    p = sigmoid(1.5 * x1 - 1.0 * x2 + prevalence_offset)
    labels = (rng.random(n) < p).astype(int)
    score = np.round(distort(p), 6)
    return score, labels


def _needs_calibration_seeded(labels, scores, seed):
    """needs_calibration with another StratifiedShuffleSplit seed (NannyML fixes random_state=42)."""
    from nannyml.calibration import _calculate_expected_calibration_error, _get_bin_index_edges
    from sklearn.model_selection import StratifiedShuffleSplit

    truth, raw, calibrated = [], [], []
    for train, test in StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=seed).split(scores, labels):
        iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(scores[train], labels[train])
        truth.append(labels[test])
        raw.append(scores[test])
        calibrated.append(iso.predict(scores[test]))
    truth, raw, calibrated = np.concatenate(truth), np.concatenate(raw), np.concatenate(calibrated)
    edges = _get_bin_index_edges(len(raw), 10)
    return _calculate_expected_calibration_error(truth, raw, edges) > _calculate_expected_calibration_error(truth, calibrated, edges)


def scenario(name, note, seed, n_ref, n_cur, shift, prevalence_offset, distort):
    rng = np.random.default_rng(seed)
    ref_score, ref_label = sample(rng, n_ref, 0.0, prevalence_offset, distort)
    cur_score, cur_label = sample(rng, n_cur, shift, prevalence_offset, distort)
    ref = pd.DataFrame(dict(score=ref_score, pred=(ref_score >= 0.5).astype(int), label=ref_label))
    cur = pd.DataFrame(dict(score=cur_score, pred=(cur_score >= 0.5).astype(int)))
    cur_pred = cur["pred"].to_numpy()
    est = nml.CBPE(
        problem_type="classification_binary",
        y_pred_proba="score",
        y_pred="pred",
        y_true="label",
        metrics=list(METRICS.values()),
        chunk_number=1,
    )
    est.fit(ref.copy())
    row = est.estimate(cur.copy()).filter(period="analysis").to_df().iloc[0]
    expected = {}
    for key, metric in METRICS.items():
        expected[key] = dict(
            value=float(row[(metric, "value")]),
            samplingError=float(row[(metric, "sampling_error")]),
            band=[float(row[(metric, "lower_confidence_boundary")]), float(row[(metric, "upper_confidence_boundary")])],
        )
    realized = dict(
        accuracy=accuracy_score(cur_label, cur_pred),
        precision=precision_score(cur_label, cur_pred),
        recall=recall_score(cur_label, cur_pred),
        f1=f1_score(cur_label, cur_pred),
        auc=roc_auc_score(cur_label, cur_score),
    )
    # NannyML's calibration decision draws its splits at random (random_state=42); over 20 other seeds it shows how
    # firm the decision is: for a calibrated score it is a toss-up, and Vigil's own seeded splits may go either way.
    votes = sum(needs_calibration(ref_label, ref_score, IsotonicCalibrator(), split_count=10) if seed == 42 else
                _needs_calibration_seeded(ref_label, ref_score, seed) for seed in range(20))
    # NannyML's estimates under each decision (its estimate_* functions on the calibrated probabilities), so Vigil is
    # compared under the same decision it made when the decision is a toss-up.
    by_decision = {}
    for decision, calibrator in (("isotonic", IsotonicCalibrator()), ("identity", NoopCalibrator())):
        calibrator.fit(ref_score, ref_label)
        q = np.asarray(calibrator.calibrate(cur_score))
        by_decision[decision] = dict(
            accuracy=float(cbpe_metrics.estimate_accuracy(cur_pred, q)),
            precision=float(cbpe_metrics.estimate_precision(cur_pred, q)),
            recall=float(cbpe_metrics.estimate_recall(cur_pred, q)),
            f1=float(cbpe_metrics.estimate_f1(cur_pred, q)),
            auc=float(cbpe_metrics.estimate_roc_auc(q, cur_score)),
        )
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(ref_score, ref_label)
    return dict(
        name=name,
        note=note,
        reference=dict(scores=ref_score.tolist(), labels=ref_label.tolist(), predicted=ref["pred"].tolist()),
        current=dict(scores=cur_score.tolist(), predicted=cur_pred.tolist(), labels=cur_label.tolist()),
        needsCalibration=bool(est.needs_calibration),
        calibrationVotes=int(votes),
        byDecision=by_decision,
        expected=expected,
        realized={k: float(v) for k, v in realized.items()},
        isotonic=dict(grid=GRID.tolist(), predicted=iso.predict(GRID).tolist()),
    )


def main():
    cases = [
        scenario("overconfident", "score = p² (too low for every row but the surest): NannyML calibrates", 14, 4000, 1500,
                 0.8, 0.0, lambda p: p ** 2),
        scenario("calibrated", "score = the true probability: NannyML keeps it as it is", 15, 4000, 1500,
                 -0.8, 0.0, lambda p: p),
        scenario("majority-positive", "three in four labels positive, sharpened score: the AUC components flip classes",
                 16, 4000, 1500, -1.0, 1.2, lambda p: sigmoid(3 * (p - 0.5) * 2)),
    ]
    doc = dict(generator="scripts/golden/cbpe_nannyml.py", nannyml=nml.__version__, cases=cases)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

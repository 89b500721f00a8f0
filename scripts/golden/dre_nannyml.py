"""Golden vectors for multivariate drift by data reconstruction (DRE), from NannyML 0.13.

packages/analyzers/test/golden/dre.json: a seeded reference and analysis set whose features keep their marginal
distributions while the way two of them move together changes (the correlation of x1 and x2 goes from +0.9 to
-0.9 halfway through the analysis set), so univariate drift sees nothing (the two-sample KS p-values are written
too) and the reconstruction error jumps. Three numeric features (one with missing values, imputed by the mean) and
one categorical (with missing values, imputed by the most frequent value, then count-encoded as NannyML does).

For it: NannyML's `DataReconstructionDriftCalculator` (n_components=0.65, chunk_size=CHUNK) reconstruction error
per reference and analysis chunk, its thresholds (mean ± 3σ of the reference chunks), the number of principal
components kept, and the error of every analysis row (from the calculator's own fitted imputers, encoder, scaler
and PCA, the steps of its `_calculate_dre_results`).

Run: bash scripts/setup-python-nannyml.sh && .venv-nannyml/bin/python scripts/golden/dre_nannyml.py  (deterministic)
"""
import json
import os
import warnings

# NannyML sends usage analytics unless told not to; a golden-vector script must not phone home.
os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
import nannyml as nml  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import ks_2samp  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "packages", "analyzers", "test", "golden", "dre.json")
CHUNK = 500
FEATURES = ["x1", "x2", "x3", "colour"]


def sample(rng, n, rho):
    """x1, x2 standard normal with correlation rho; x3 independent; colour depends weakly on x3."""
    z1 = rng.normal(0, 1, n)
    z2 = rng.normal(0, 1, n)
    x1 = z1
    x2 = rho * z1 + np.sqrt(1 - rho**2) * z2
    x3 = rng.normal(5, 2, n)
    colour = np.where(x3 + rng.normal(0, 2, n) > 6, "red", np.where(rng.random(n) < 0.6, "green", "blue")).astype(object)
    x3 = np.round(x3, 6)
    x3[rng.random(n) < 0.03] = np.nan
    colour[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame(dict(x1=np.round(x1, 6), x2=np.round(x2, 6), x3=x3, colour=colour))


def column(series):
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in series.tolist()]


def main():
    rng = np.random.default_rng(21)
    reference = sample(rng, 5000, 0.9)
    analysis = pd.concat([sample(rng, 2500, 0.9), sample(rng, 2500, -0.9)], ignore_index=True)
    calc = nml.DataReconstructionDriftCalculator(column_names=FEATURES, chunk_size=CHUNK)
    calc.fit(reference.copy())
    result = calc.calculate(analysis.copy()).to_df()
    ref_rows = result[result[("chunk", "period")] == "reference"]
    ana_rows = result[result[("chunk", "period")] == "analysis"]

    # The per-row errors, by the calculator's own fitted steps (as in its _calculate_dre_results).
    data = analysis.copy()
    data[calc.categorical_column_names] = calc._imputer_categorical.transform(data[calc.categorical_column_names])
    data[calc.continuous_column_names] = calc._imputer_continuous.transform(data[calc.continuous_column_names])
    x = calc._scaler.transform(calc._encoder.transform(data[calc.column_names]).to_numpy())
    rows = np.linalg.norm(x - calc._pca.inverse_transform(calc._pca.transform(x)), axis=1)

    ks = {f: float(ks_2samp(reference[f].dropna(), analysis[f].iloc[2500:].dropna()).pvalue) for f in ["x1", "x2", "x3"]}
    doc = dict(
        generator="scripts/golden/dre_nannyml.py",
        nannyml=nml.__version__,
        chunkSize=CHUNK,
        features=[dict(name=f, kind="categorical" if f == "colour" else "numeric") for f in FEATURES],
        reference={f: column(reference[f]) for f in FEATURES},
        analysis={f: column(analysis[f]) for f in FEATURES},
        expected=dict(
            components=int(calc._pca.n_components_),
            explainedVarianceRatio=[float(v) for v in calc._pca.explained_variance_ratio_],
            referenceChunks=[float(v) for v in ref_rows[("reconstruction_error", "value")]],
            analysisChunks=[float(v) for v in ana_rows[("reconstruction_error", "value")]],
            lowerThreshold=float(calc.lower_threshold_value),
            upperThreshold=float(calc.upper_threshold_value),
            analysisRows=[float(v) for v in rows],
            alerts=[bool(v) for v in ana_rows[("reconstruction_error", "alert")]],
        ),
        univariateKsPValueShifted=ks,
    )
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()

/**
 * Report fixtures for the HTML renderer's tests: shaped like what `analyzeReport` produces for a credit-risk model,
 * with hostile strings in feature, category and group names.
 */
import type {
  BinaryPerformance,
  CalibrationBin,
  CategoricalDriftMetrics,
  Explanations,
  FairnessResult,
  FeatureDrift,
  FeatureQuality,
  GroupRates,
  Histogram,
  NumericDriftMetrics,
  NumericSummary,
  Report,
  ReportSections,
  ValueDistribution,
} from '@vigil/analyzers';

export const HOSTILE_FEATURE = '<script>alert("pwned")</script>';
export const QUOTED_FEATURE = `channel "web" & 'app'`;
export const HOSTILE_GROUP = `<img src=x onerror=alert(1)> "&'`;

/** Reference counts spread evenly over `edges.length + 1` bins; current counts tilted by `shift` (0 = same). */
function numericHistogram(edges: number[], shift: number, refRows: number, curRows: number): Histogram {
  const bins = edges.length + 1;
  const labels = Array.from({ length: bins }, (_, i) => {
    const lo = i === 0 ? '−∞' : String(edges[i - 1]);
    const hi = i === bins - 1 ? '∞' : String(edges[i]);
    return `[${lo}, ${hi})`;
  });
  const weights = Array.from(
    { length: bins },
    (_, i) => Math.exp((shift * (i - (bins - 1) / 2)) / bins) * (1 + 0.15 * Math.sin(i * 1.7)),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  return {
    labels,
    reference: Array.from({ length: bins }, (_, i) => Math.round((refRows / bins) * (1 + 0.05 * Math.cos(i)))),
    current: weights.map((w) => Math.round((curRows * w) / total)),
  };
}

/** Equal-width bins over [lo, hi] of a bell shape, the current side moved by `shift` bins; `outside` values beyond. */
function valueDistribution(lo: number, hi: number, shift: number, outside = 0): ValueDistribution {
  const bins = 20;
  const bell = (centre: number): number[] =>
    Array.from({ length: bins }, (_, i) => Math.round(1000 * Math.exp(-(((i - centre) / 4) ** 2))));
  return {
    edges: Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins),
    reference: bell(9.5),
    current: bell(9.5 + shift),
    outside: { reference: 0, current: outside },
  };
}

function categoricalHistogram(labels: string[], reference: number[], current: number[]): Histogram {
  return { labels, reference, current };
}

function numericMetrics(psi: number, ks: number, ksPValue: number, missingRate = 0): NumericDriftMetrics {
  return {
    psi,
    js: Math.sqrt(psi) / 3,
    hellinger: Math.sqrt(psi) / 2.6,
    ks,
    ksPValue,
    wasserstein: psi * 12.3,
    wassersteinNormed: psi * 0.7,
    missingRate,
    referenceMissingRate: missingRate / 2,
  };
}

function categoricalMetrics(
  chi2: number,
  chi2PValue: number,
  psi: number,
  newCategoryRate = 0,
): CategoricalDriftMetrics {
  return {
    chi2,
    chi2PValue,
    psi,
    js: Math.sqrt(psi) / 3,
    hellinger: Math.sqrt(psi) / 2.6,
    newCategoryRate,
    missingRate: 0.004,
    referenceMissingRate: 0.003,
  };
}

const REF = 10000;
const CUR = 8000;

function numeric(
  feature: string,
  edges: number[],
  shift: number,
  psi: number,
  ks: number,
  p: number,
  pAdj: number,
  drifted: boolean,
  method: 'psi' | 'ks' = 'psi',
  missing = 0,
): FeatureDrift {
  return {
    feature,
    kind: 'numeric',
    method,
    value: method === 'psi' ? psi : ks,
    threshold: method === 'psi' ? 0.2 : 0.1,
    ...(method === 'ks' ? { pValue: p, pValueAdjusted: pAdj } : {}),
    drifted,
    metrics: numericMetrics(psi, ks, p, missing),
    histogram: numericHistogram(edges, shift, REF, CUR),
  };
}

function categorical(
  feature: string,
  histogram: Histogram,
  chi2: number,
  p: number,
  pAdj: number,
  psi: number,
  drifted: boolean,
  newRate = 0,
): FeatureDrift {
  return {
    feature,
    kind: 'categorical',
    method: 'chi2',
    value: chi2,
    threshold: 0.05,
    pValue: p,
    pValueAdjusted: pAdj,
    drifted,
    metrics: categoricalMetrics(chi2, p, psi, newRate),
    histogram,
  };
}

const OCCUPATIONS = [
  'Administrative and support services',
  'Agriculture, forestry and fishing',
  'Construction and skilled trades',
  'Education and training',
  'Finance and insurance',
  'Health care and social assistance',
  'Hospitality and food services',
  'Information technology and telecommunications',
  'Manufacturing',
  'Public administration and defence',
  'Retail trade',
  'Self-employed (sole proprietor)',
  'Transport and logistics',
  'Unemployed or between jobs',
];

function drift(): FeatureDrift[] {
  return [
    numeric('age', [23, 27, 31, 35, 39, 43, 48, 54, 61], 2.2, 0.31, 0.18, 1e-9, 4e-9, true),
    numeric(
      'annual_income_usd',
      [18500, 24250.5, 31000, 38750, 46200, 55000, 66300, 81000, 104500],
      -1.6,
      0.17,
      0.12,
      2.3e-7,
      9.1e-7,
      true,
      'ks',
    ),
    numeric('credit_score', [540, 580, 610, 635, 660, 684, 705, 730, 765], 0.1, 0.012, 0.018, 0.41, 0.62, false),
    numeric(
      'debt_to_income',
      [0.08, 0.13, 0.18, 0.22, 0.27, 0.31, 0.36, 0.42, 0.5],
      0.25,
      0.021,
      0.024,
      0.18,
      0.39,
      false,
    ),
    numeric('employment_years', [1, 2, 3, 5, 7, 10, 14, 20], 0.2, 0.034, 0.03, 0.07, 0.21, false, 'psi', 0.062),
    numeric('open_accounts', [2, 3, 4, 6, 9], -0.1, 0.008, 0.011, 0.88, 0.88, false),
    categorical(
      'region',
      categoricalHistogram(
        ['north', 'south', 'east', 'west', '(new)'],
        [2600, 2400, 2700, 2300, 0],
        [1500, 2100, 2900, 1400, 100],
      ),
      412.6,
      3.1e-88,
      1.9e-87,
      0.14,
      true,
      0.0125,
    ),
    categorical(
      'occupation',
      categoricalHistogram(
        OCCUPATIONS,
        OCCUPATIONS.map((_, i) => 500 + ((i * 137) % 400)),
        OCCUPATIONS.map((_, i) => 380 + ((i * 211) % 520)),
      ),
      96.4,
      2.2e-14,
      8.8e-14,
      0.09,
      true,
    ),
    categorical(
      HOSTILE_FEATURE,
      categoricalHistogram(['"&\'', '<b>bold</b>', 'plain'], [3300, 3300, 3400], [2640, 2700, 2660]),
      1.8,
      0.41,
      0.62,
      0.001,
      false,
    ),
    categorical(
      'loan_purpose',
      categoricalHistogram(
        ['car', 'home', 'education', 'medical', 'other'],
        [2100, 3900, 1200, 800, 2000],
        [1650, 3150, 990, 610, 1600],
      ),
      3.2,
      0.52,
      0.62,
      0.002,
      false,
    ),
    numeric(
      'revolving_utilization_pct',
      [5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 70, 80, 90],
      3.4,
      0.44,
      0.22,
      1e-14,
      6e-14,
      true,
    ),
    categorical(
      QUOTED_FEATURE,
      categoricalHistogram(['web', 'app', 'branch'], [5200, 3800, 1000], [4150, 3050, 800]),
      0.4,
      0.82,
      0.82,
      0.0004,
      false,
    ),
  ];
}

function calibrationBins(): CalibrationBin[] {
  const counts = [1420, 1310, 1105, 930, 780, 640, 505, 400, 280, 130];
  return counts.map((count, i) => {
    const meanScore = i / 10 + 0.05 + (i % 3) * 0.004;
    return {
      lower: i / 10,
      upper: (i + 1) / 10,
      count,
      meanScore,
      positiveRate: Math.min(1, meanScore * (0.78 + 0.02 * i) + 0.02),
    };
  });
}

function group(
  name: string,
  n: number,
  selectionRate: number,
  tpr: number | null,
  fpr: number | null,
  minGroupSize = 30,
): GroupRates {
  const labelled = Math.round(n * 0.85);
  const ci = (p: number, m: number): [number, number] => {
    const half = 1.96 * Math.sqrt((p * (1 - p)) / Math.max(1, m)) + 0.6 / Math.max(1, m);
    return [Math.max(0, p - half), Math.min(1, p + half)];
  };
  return {
    group: name,
    n,
    labelled,
    selectionRate,
    tpr,
    fpr,
    fnr: tpr === null ? null : 1 - tpr,
    ppv: tpr === null ? null : 0.55 + selectionRate / 5,
    ece: tpr === null ? null : 0.03 + 1 / Math.sqrt(n),
    ciSelectionRate: ci(selectionRate, n),
    ciTpr: tpr === null ? null : ci(tpr, labelled * 0.4),
    ciFpr: fpr === null ? null : ci(fpr, labelled * 0.6),
    ciFnr: tpr === null ? null : ci(1 - tpr, labelled * 0.4),
    ciPpv: tpr === null ? null : ci(0.55 + selectionRate / 5, n * selectionRate),
    sufficient: n >= minGroupSize,
    sufficientLabelled: labelled >= minGroupSize,
  };
}

function fairness(): FairnessResult[] {
  return [
    {
      attribute: 'sex',
      groups: [
        group('female', 3910, 0.34, 0.71, 0.19),
        group('male', 4072, 0.41, 0.76, 0.24),
        group('(missing)', 18, 0.5, 0.8, 0.3),
      ],
      statisticalParityDifference: 0.07,
      disparateImpactRatio: 0.83,
      equalOpportunityDifference: 0.05,
      equalizedOddsDifference: 0.05,
      predictiveParityDifference: 0.014,
    },
    {
      attribute: 'age_band',
      groups: [
        group('18-29', 1450, 0.52, 0.84, 0.38),
        group('30-39', 2210, 0.41, 0.77, 0.25),
        group('40-49', 2030, 0.36, 0.72, 0.2),
        group('50-59', 1480, 0.29, 0.66, 0.15),
        group('60 and over', 823, 0.19, 0.55, 0.09),
        group(HOSTILE_GROUP, 7, 0.29, 0.5, 0.2),
      ],
      statisticalParityDifference: 0.33,
      disparateImpactRatio: 0.365,
      equalOpportunityDifference: 0.29,
      equalizedOddsDifference: 0.29,
      predictiveParityDifference: 0.066,
    },
  ];
}

/** Data-quality rows shaped from each feature's histogram: numeric ranges from its edges, categories from its labels. */
function dataQuality(features: FeatureDrift[]): FeatureQuality[] {
  return features.map((f, i): FeatureQuality => {
    const refRows = f.histogram.reference.reduce((a, b) => a + b, 0);
    const curRows = f.histogram.current.reduce((a, b) => a + b, 0);
    const missing = (rows: number, rate: number): { rows: number; missing: number; missingShare: number } => ({
      rows,
      missing: Math.round(rows * rate),
      missingShare: rate,
    });
    if (f.kind === 'numeric') {
      const edges = f.histogram.labels.slice(1, -1).map((l) => Number(l.slice(1, l.indexOf(','))));
      const lo = edges[0] ?? 0;
      const hi = edges[edges.length - 1] ?? 1;
      const side = (shift: number, rows: number, rate: number): NumericSummary => ({
        ...missing(rows, rate),
        min: lo - (hi - lo) * 0.2 + shift,
        max: hi * 1.4 + shift,
        mean: (lo + hi) / 2 + shift,
        p5: lo + shift,
        p25: lo + (hi - lo) * 0.3 + shift,
        p50: (lo + hi) / 2 + shift,
        p75: lo + (hi - lo) * 0.7 + shift,
        p95: hi + shift,
      });
      const below = i % 3 === 0 ? 12 : 0;
      const above = f.drifted ? 140 + i : 0;
      return {
        feature: f.feature,
        kind: 'numeric',
        reference: side(0, refRows, f.metrics.referenceMissingRate),
        current: side(f.drifted ? (hi - lo) * 0.1 : 0, curRows, f.metrics.missingRate),
        outsideReferenceRange: { below, above, share: (below + above) / curRows },
      };
    }
    const newIndex = f.histogram.labels.indexOf('(new)');
    const newRows = newIndex >= 0 ? (f.histogram.current[newIndex] ?? 0) : 0;
    const top = (counts: number[]): { category: string; rows: number } => {
      const k = counts.indexOf(Math.max(...counts));
      return { category: f.histogram.labels[k] ?? '', rows: counts[k] ?? 0 };
    };
    return {
      feature: f.feature,
      kind: 'categorical',
      reference: {
        ...missing(refRows, f.metrics.referenceMissingRate),
        categories: f.histogram.labels.length - (newIndex >= 0 ? 1 : 0),
        top: top(f.histogram.reference),
      },
      current: {
        ...missing(curRows, f.metrics.missingRate),
        categories: f.histogram.labels.length,
        top: top(f.histogram.current),
      },
      newCategories:
        newRows > 0
          ? {
              rows: newRows,
              share: newRows / curRows,
              distinct: 7,
              top: [
                { category: HOSTILE_GROUP, rows: 60 },
                { category: 'north-east', rows: 20 },
                { category: 'Unassigned territory (pending review)', rows: 10 },
                { category: 'x', rows: 6 },
                { category: 'y', rows: 2 },
              ],
            }
          : { rows: 0, share: 0, distinct: 0, top: [] },
    };
  });
}

/**
 * A binormal-looking ROC curve with the given AUC (tpr = fpr^(1/k), whose area is k / (k + 1)), and the
 * precision–recall curve it implies at the given positive rate, in scikit-learn's order (recall descending).
 */
function curves(auc: number, positiveRate: number): Pick<BinaryPerformance, 'roc' | 'pr' | 'averagePrecision'> {
  const k = auc / (1 - auc);
  const fpr = Array.from({ length: 181 }, (_, i) => (i / 180) ** 2);
  const tpr = fpr.map((x) => x ** (1 / k));
  const points = fpr
    .map((x, i) => ({
      recall: tpr[i] ?? 0,
      precision: (positiveRate * (tpr[i] ?? 0)) / (positiveRate * (tpr[i] ?? 0) + (1 - positiveRate) * x),
    }))
    .slice(1)
    .reverse();
  return {
    roc: { fpr, tpr },
    pr: { precision: [...points.map((p) => p.precision), 1], recall: [...points.map((p) => p.recall), 0] },
    averagePrecision: 0.742,
  };
}

const ALL_COMPUTED: ReportSections = {
  prediction: { computed: true },
  calibration: { computed: true },
  performance: { computed: true },
  curves: { computed: true },
  fairness: { computed: true },
  explanations: { computed: true },
};

/**
 * A surrogate's explanations of `features`: the current ranking reverses the reference's and the first feature is
 * protected, its share grown from 5% to 40%; the second is a proxy.
 */
export function explanations(features: readonly string[]): Explanations {
  const n = features.length;
  return {
    source: 'surrogate',
    rows: { reference: 9800, current: 7900 },
    features: features.map((feature, i) => ({
      feature,
      reference: 0.05 + 0.1 * i,
      current: 0.05 + 0.1 * (n - 1 - i),
      referenceRank: n - i,
      currentRank: i + 1,
      protected: i === 0,
      proxy: i === 1,
      permutationReference: 2 * (0.05 + 0.1 * i) ** 2,
      permutationCurrent: 2 * (0.05 + 0.1 * (n - 1 - i)) ** 2,
    })),
    ndcg: 0.62,
    k: n,
    protectedShare: { features: [features[0]!], reference: 0.05, current: 0.4, ratio: 8, grew: true },
    proxyShare: { features: [features[1]!], reference: 0.1, current: 0.12, ratio: 1.2, grew: false },
    surrogateR2: { reference: 0.71, current: 0.43 },
    surrogate: {
      target: 'logit',
      rows: { reference: 9800, current: 7900 },
      ridge: false,
      permutation: { seed: 15, repeats: 5, rows: { reference: 9800, current: 7900 } },
    },
  };
}

export function fullReport(): Report {
  const shapes: Record<string, ValueDistribution> = {
    age: valueDistribution(18, 78, 3),
    annual_income_usd: valueDistribution(0, 200000, -2, 37),
    credit_score: valueDistribution(400, 850, 0.3),
  };
  const features = drift().map((f) => (shapes[f.feature] ? { ...f, distribution: shapes[f.feature] } : f));
  return {
    explanations: explanations(features.map((f) => f.feature)),
    rows: { reference: REF, current: CUR },
    task: 'binary',
    drift: features,
    prediction: {
      metrics: { psi: 0.082, js: 0.09, ks: 0.061, ksPValue: 3.4e-6, wasserstein: 0.021 },
      histogram: numericHistogram([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], 1.1, REF, CUR),
      distribution: valueDistribution(0, 1, 1.5),
    },
    calibration: { ece: 0.043, eceEqualMass: 0.051, mce: 0.112, brier: 0.171, bins: calibrationBins(), rows: 7500 },
    performance: {
      accuracy: 0.812,
      precision: 0.701,
      recall: 0.634,
      auc: 0.861,
      logLoss: 0.421,
      rows: 7500,
      confusion: {
        threshold: 0.5,
        tp: 1902,
        fp: 811,
        tn: 4188,
        fn: 599,
        tpr: 1902 / 2501,
        fpr: 811 / 4999,
        tnr: 4188 / 4999,
        fnr: 599 / 2501,
        precision: 1902 / 2713,
        npv: 4188 / 4787,
      },
      ...curves(0.861, 0.3335),
    },
    fairness: fairness(),
    dataQuality: dataQuality(features),
    sections: ALL_COMPUTED,
    summary: {
      features: features.length,
      drifted: features.filter((f) => f.drifted).map((f) => f.feature),
      falseDiscoveryRate: 0.05,
    },
    options: {
      threshold: 0.5,
      minGroupSize: 30,
      features: features.map((f, i) => ({ name: f.feature, kind: f.kind, inferred: i % 4 === 3 })),
    },
    generatedAt: '2026-11-22T10:15:30.000Z',
  };
}

/** No labels and no group columns: drift and the score distribution only. */
export function minimalReport(): Report {
  const features = drift().slice(0, 3);
  return {
    explanations: explanations(features.map((f) => f.feature)),
    rows: { reference: 2000, current: 1500 },
    task: 'binary',
    drift: features,
    prediction: {
      metrics: { psi: 0.24, js: 0.16, ks: 0.14, ksPValue: 1e-5, wasserstein: 0.05 },
      histogram: numericHistogram([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], 2.5, 2000, 1500),
    },
    fairness: [],
    dataQuality: dataQuality(features),
    sections: {
      ...ALL_COMPUTED,
      calibration: { computed: false, reason: NO_LABELS },
      performance: { computed: false, reason: NO_LABELS },
      curves: { computed: false, reason: NO_LABELS },
      fairness: { computed: false, reason: NO_GROUPS },
    },
    summary: {
      features: features.length,
      drifted: features.filter((f) => f.drifted).map((f) => f.feature),
      falseDiscoveryRate: 0.05,
    },
    options: {
      threshold: 0.5,
      minGroupSize: 30,
      features: features.map((f) => ({ name: f.feature, kind: f.kind, inferred: true })),
    },
    generatedAt: '2026-11-22T11:00:00.000Z',
  };
}

export const NO_LABELS = 'needs labels in the current file';
export const NO_GROUPS = 'needs group columns (--group-columns)';
export const NO_SCORE = 'needs a score column in both the reference and the current file';
export const NO_EXPLANATIONS =
  'needs attributions (attributions.<feature> columns) or a score column in both files for the surrogate';

/** Neither a score nor labels, but a group column: what analyzeReport gives (fairness with no groups) and why. */
export function noScoreReport(): Report {
  const base = minimalReport();
  return {
    ...base,
    prediction: undefined,
    fairness: [
      {
        attribute: 'sex',
        groups: [],
        statisticalParityDifference: null,
        disparateImpactRatio: null,
        equalOpportunityDifference: null,
        equalizedOddsDifference: null,
        predictiveParityDifference: null,
      },
    ],
    sections: {
      prediction: { computed: false, reason: NO_SCORE },
      calibration: { computed: false, reason: NO_SCORE },
      performance: { computed: false, reason: NO_SCORE },
      curves: { computed: false, reason: NO_SCORE },
      fairness: { computed: false, reason: 'needs a score or prediction column' },
      explanations: { computed: false, reason: NO_EXPLANATIONS },
    },
    explanations: undefined,
  };
}

/** A score and group columns but no labels in the current file: drift, score drift and selection rates only. */
export function unlabelledReport(): Report {
  const base = minimalReport();
  const unlabelled = (g: GroupRates): GroupRates => ({
    ...g,
    labelled: 0,
    tpr: null,
    fpr: null,
    fnr: null,
    ppv: null,
    ece: null,
    ciTpr: null,
    ciFpr: null,
    ciFnr: null,
    ciPpv: null,
    sufficientLabelled: false,
  });
  return {
    ...base,
    fairness: fairness().map((r) => ({
      ...r,
      groups: r.groups.map(unlabelled),
      equalOpportunityDifference: null,
      equalizedOddsDifference: null,
      predictiveParityDifference: null,
    })),
    sections: { ...base.sections, fairness: { computed: true } },
  };
}

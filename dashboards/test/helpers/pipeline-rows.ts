import {
  accumulate,
  analyzeSurrogateWindow,
  analyzeWindow,
  emptyAccumulator,
  fitCbpe,
  fitDataReconstruction,
  fitReferenceProfile,
  fitReferenceSurrogate,
  predictedClass,
  reconstructionWindow,
  type AnalysisSpec,
  type ExplainSpec,
  type ReferenceProfile,
} from '@vigil/analyzers';
import { seededRandom, type Column, type Table } from '@vigil/core';
import type { MetricRow } from '@vigil/store';
// The daemon's own conversion of a window analysis into metric rows (not part of its public surface): the
// dashboards must read exactly what the daemon writes, names, keys and details included.
import { windowMetricRows } from '../../../packages/daemon/src/pipeline/window-metrics';

/**
 * Metric rows made the way `vigil run` makes them: a reference profile fitted on a reference period, then per
 * window the additive accumulator over that window's events, `analyzeWindow`, and the daemon's
 * `windowMetricRows`. The events are synthetic but shaped like a credit model's traffic: two numeric features and
 * a categorical one, sex and race groups, a score, and a label; over the windows `income` shifts, a new region
 * appears, `age` goes missing more often, and the labels drift away from the scores (calibration decays).
 */
export const PIPELINE_SPEC: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'age', kind: 'numeric' },
    { name: 'income', kind: 'numeric' },
    { name: 'region', kind: 'categorical' },
  ],
  score: 'score',
  label: 'label',
  groups: ['sex', 'sex*race'],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
  // Attributions as the daemon reads them, with age protected and region a proxy (docs/explanations.md).
  attributions: { prefix: 'attr.', protected: ['age'], proxies: ['region'] },
};

/** The model's `explain` section: the daemon then also fits the linear surrogate (docs/explanations.md). */
const EXPLAIN: ExplainSpec = { protected: ['age'], proxies: ['region'] };

const REGIONS = ['north', 'south', 'east', 'west', 'islands'];

/** `rows` events at drift level `drift` (0 = like the reference, 1 = the end of the day). */
function events(rows: number, drift: number, seed: number): Table {
  const next = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const age = new Float64Array(rows);
  const income = new Float64Array(rows);
  const score = new Float64Array(rows);
  const label = new Float64Array(rows);
  const region = new Int32Array(rows);
  const attrAge = new Float64Array(rows);
  const attrIncome = new Float64Array(rows);
  const attrRegion = new Float64Array(rows);
  const sex = new Int32Array(rows);
  const race = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    age[i] = next() < 0.01 + 0.08 * drift ? NaN : 40 + 11 * normal();
    income[i] = Math.exp(10.6 + 0.35 * drift + 0.5 * normal());
    region[i] = next() < 0.1 * drift ? 4 : Math.floor(next() * 4);
    sex[i] = next() < 0.48 ? 0 : 1;
    // The second race group is rare, so some sex*race groups are too small to judge in a window.
    race[i] = next() < 0.08 ? 1 : 0;
    const z = -0.4 + 0.9 * normal() + 0.35 * (sex[i] as number);
    const s = 1 / (1 + Math.exp(-z));
    score[i] = s;
    // Additive attributions in score units; over the day the model leans more on age.
    attrAge[i] = Number.isNaN(age[i]!) ? NaN : (0.01 + 0.03 * drift) * ((age[i]! - 40) / 11);
    attrIncome[i] = 0.05 * (Math.log(income[i]!) - 10.6);
    attrRegion[i] = region[i] === 4 ? 0.02 : -0.005;
    label[i] = next() < Math.max(0, s - 0.2 * drift) ? 1 : 0;
  }
  const columns: Column[] = [
    { name: 'age', kind: 'numeric', values: age },
    { name: 'income', kind: 'numeric', values: income },
    { name: 'region', kind: 'categorical', codes: region, categories: REGIONS },
    { name: 'sex', kind: 'categorical', codes: sex, categories: ['female', 'male'] },
    { name: 'race', kind: 'categorical', codes: race, categories: ['white', 'black'] },
    { name: 'score', kind: 'numeric', values: score },
    { name: 'label', kind: 'numeric', values: label },
    { name: 'attr.age', kind: 'numeric', values: attrAge },
    { name: 'attr.income', kind: 'numeric', values: attrIncome },
    { name: 'attr.region', kind: 'numeric', values: attrRegion },
  ];
  return { source: `synthetic drift ${drift}`, rowCount: rows, columns: new Map(columns.map((c) => [c.name, c])) };
}

/** Every window of one model version, as the daemon would have written them. */
export async function pipelineMetricRows(
  model: string,
  version: string,
  firstStart: number,
  windows: number,
  windowMs: number,
  rowsPerWindow: number,
): Promise<MetricRow[]> {
  const seed = [...`${model}/${version}`].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7);
  const reference = events(3000, 0, seed);
  // The reference is labelled, so the daemon fits CBPE on it (packages/daemon/src/pipeline/fit-reference.ts).
  const value = (name: string) => (reference.columns.get(name) as { values: Float64Array }).values;
  const cbpe = fitCbpe(value('score'), value('label'), predictedClass(reference, PIPELINE_SPEC)!)!;
  const reconstruction = (await fitDataReconstruction(reference, PIPELINE_SPEC.features)).model;
  const fitted = fitReferenceProfile(reference, PIPELINE_SPEC);
  // As packages/daemon/src/pipeline/fit-reference.ts does for a model with an explain section.
  const surrogate = fitReferenceSurrogate(reference, fitted, PIPELINE_SPEC)!;
  const profile: ReferenceProfile = { ...fitted, cbpe, reconstruction, surrogate };
  const rows: MetricRow[] = [];
  for (let w = 0; w < windows; w++) {
    const table = events(rowsPerWindow, w / windows, seed + w + 1);
    const acc = accumulate(emptyAccumulator(profile, PIPELINE_SPEC), profile, PIPELINE_SPEC, table);
    const analysis = analyzeWindow(profile, acc, PIPELINE_SPEC);
    const surrogateWindow = analyzeSurrogateWindow(profile, acc.surrogate, PIPELINE_SPEC.task, EXPLAIN)!;
    rows.push(
      ...windowMetricRows(
        { model, version, start: firstStart + w * windowMs, end: firstStart + (w + 1) * windowMs },
        acc,
        analysis,
        reconstructionWindow(profile.reconstruction, acc.reconstruction),
        // The events logged attributions: the ranking and share rows are theirs, as in StreamRunner.
        { window: surrogateWindow, rankingRows: !analysis.attributions },
      ),
    );
  }
  return rows;
}

import type { MetricName } from '@vigil/core';
import { type MetricRow, type ReviewWindowItem, type Store } from '@vigil/store';
// The daemon's own review rows of a window (docs/metrics.md, "Human review"), as for windowMetricRows below.
import { reviewMetricRows } from '../../../packages/daemon/src/review/review-metrics';
import { pipelineMetricRows } from './pipeline-rows';

/**
 * Realistic content for the dashboard queries. `credit-risk` (versions 7 and 8) has the metric rows the daemon
 * itself writes (analyzers + the daemon's windowMetricRows over synthetic events whose drift grows over the day);
 * `fraud-score` (binary) and `delivery-eta` (regression, no version) have hand-written rows of the same naming.
 * Around them: the time buckets behind the traffic, window bookkeeping, watermarks, incidents in every state and
 * rule states. There are 24 hourly windows ending in the hour before now, so `now()` in the SQL sees them as recent.
 * The per-model dashboards pick `credit-risk` (the first model), so every one of their panels reads pipeline rows.
 */
export interface Fixture {
  from: Date;
  to: Date;
  models: string[];
}

const HOUR = 3_600_000;
const WINDOWS = 24;

interface ModelSpec {
  model: string;
  version: string;
  task: 'binary' | 'regression';
  /** Events per hour. */
  traffic: number;
  /** Metric rows from the analyzers and the daemon's conversion, or written by hand. */
  rows: 'pipeline' | 'hand-written';
}

const MODELS: ModelSpec[] = [
  { model: 'credit-risk', version: '7', task: 'binary', traffic: 1200, rows: 'pipeline' },
  { model: 'credit-risk', version: '8', task: 'binary', traffic: 400, rows: 'pipeline' },
  { model: 'delivery-eta', version: '', task: 'regression', traffic: 3000, rows: 'hand-written' },
  { model: 'fraud-score', version: '3', task: 'binary', traffic: 9000, rows: 'hand-written' },
];

const GROUPS: Record<string, string[]> = {
  sex: ['female', 'male'],
  'sex*race': ['female*black', 'female*white', 'male*black', 'male*white'],
};

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Wilson score interval at 95%. */
function wilson(p: number, n: number): [number, number] {
  const z = 1.959964;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [round(centre - half), round(centre + half)];
}

function metricRowsOf(spec: ModelSpec, windowStart: number, w: number): MetricRow[] {
  const drift = w / WINDOWS; // 0 → 1 over the day
  const rows = spec.traffic;
  const labelled = Math.round(rows * (w < WINDOWS - 3 ? 0.8 : 0.2));
  const base = {
    model: spec.model,
    version: spec.version,
    windowStart,
    windowEnd: windowStart + HOUR,
    rows,
    labelledRows: labelled,
  };
  const out: MetricRow[] = [];
  const model = (metric: MetricName, value: number | null, details?: unknown) =>
    out.push({ ...base, metric, feature: '', group: '', value, ...(details === undefined ? {} : { details }) });
  const feature = (name: string, metric: MetricName, value: number) =>
    out.push({ ...base, metric, feature: name, group: '', value: round(value) });
  model('rows', rows);
  model('labelledRows', labelled);
  for (const name of ['age', 'income']) {
    const shift = name === 'income' ? drift * 0.5 : drift * 0.05;
    feature(name, 'psi', shift);
    feature(name, 'js', shift / 3);
    feature(name, 'hellinger', shift / 2.5);
    feature(name, 'ks', shift / 2);
    feature(name, 'ksPValue', Math.exp(-40 * shift));
    feature(name, 'wasserstein', shift * 1000);
    feature(name, 'wassersteinNormed', shift / 1.5);
    feature(name, 'missingRate', name === 'age' ? 0.01 + drift * 0.05 : 0);
    feature(name, 'drifted', shift > 0.2 ? 1 : 0);
  }
  feature('region', 'chi2', 3 + drift * 60);
  feature('region', 'chi2PValue', Math.exp(-drift * 30));
  feature('region', 'psi', drift * 0.12);
  feature('region', 'js', drift * 0.05);
  feature('region', 'newCategoryRate', drift * 0.02);
  feature('region', 'missingRate', 0);
  feature('region', 'drifted', drift > 0.6 ? 1 : 0);
  for (const metric of ['psi', 'js', 'ks', 'ksPValue', 'wasserstein'] as const)
    feature('$score', metric, metric === 'ksPValue' ? 1 - drift : drift * 0.1);
  // Multivariate drift: the mean reconstruction error leaves its band (reference mean ± 3σ/√rows) as the day drifts.
  const half = round((3 * 0.45) / Math.sqrt(rows));
  model('reconstructionError', round(0.85 + 0.6 * drift), {
    lower: round(0.85 - half),
    upper: round(0.85 + half),
    referenceMean: 0.85,
    method: 'sampling',
    drifted: 0.6 * drift > half,
    rows,
    samplingError: round(0.45 / Math.sqrt(rows)),
  });
  if (spec.task === 'regression') {
    model('mae', 4 + drift * 2);
    model('rmse', 6 + drift * 3);
    model('bias', drift * 1.5);
    return out;
  }
  const bins = Array.from({ length: 10 }, (_, b) => {
    const meanScore = b / 10 + 0.05;
    return {
      lower: b / 10,
      upper: (b + 1) / 10,
      count: b === 9 ? 0 : Math.round(labelled / 9),
      meanScore: b === 9 ? null : round(meanScore),
      positiveRate: b === 9 ? null : round(Math.max(0, meanScore - 0.1 * drift)),
    };
  });
  model('ece', round(0.02 + 0.1 * drift), { bins });
  model('mce', round(0.05 + 0.15 * drift));
  model('brier', round(0.15 + 0.05 * drift));
  model('logLoss', round(0.45 + 0.1 * drift));
  model('accuracy', round(0.86 - 0.08 * drift));
  model('precision', round(0.74 - 0.05 * drift));
  model('recall', round(0.63 - 0.06 * drift));
  model('auc', round(0.9 - 0.05 * drift));
  // Estimated without labels (CBPE): over every row of the window, each with its band of ± 3 sampling errors.
  const estimated = (metric: MetricName, value: number, samplingError: number) =>
    model(metric, round(value), {
      samplingError,
      band: [round(Math.max(0, value - 3 * samplingError)), round(Math.min(1, value + 3 * samplingError))],
      rows,
    });
  estimated('estimatedAccuracy', 0.855 - 0.075 * drift, 0.01);
  estimated('estimatedPrecision', 0.735 - 0.05 * drift, 0.015);
  estimated('estimatedRecall', 0.625 - 0.055 * drift, 0.018);
  estimated('estimatedF1', 0.675 - 0.05 * drift, 0.014);
  estimated('estimatedAuc', 0.895 - 0.05 * drift, 0.008);
  for (const [attribute, groups] of Object.entries(GROUPS)) {
    const selection: number[] = [];
    groups.forEach((group, g) => {
      const n = Math.round(rows / groups.length);
      const labelledN = Math.round(labelled / groups.length);
      // The last group of sex*race is small: reported, never used in the differences.
      const size = attribute === 'sex*race' && g === groups.length - 1 ? 12 : n;
      const sufficient = size >= 30;
      const rates: Record<string, number> = {
        selectionRate: 0.3 + 0.1 * g + 0.05 * drift * g,
        tpr: 0.7 - 0.04 * g,
        fpr: 0.1 + 0.02 * g,
        fnr: 0.3 + 0.04 * g,
        ppv: 0.65 + 0.01 * g,
        ece: 0.03 + 0.02 * g * drift,
      };
      if (sufficient) selection.push(rates.selectionRate as number);
      for (const [metric, value] of Object.entries(rates)) {
        const denominator = metric === 'selectionRate' ? size : Math.max(1, Math.round(labelledN / 2));
        // As the daemon writes them (packages/daemon/src/pipeline/window-metrics.ts): a group's ECE has no interval.
        const ci = metric === 'ece' ? {} : { ci: wilson(value, denominator) };
        out.push({
          ...base,
          metric: metric as MetricName,
          feature: '',
          group: `${attribute}=${group}`,
          value: round(value),
          details: { n: size, labelled: Math.min(size, labelledN), ...ci, sufficient },
        });
      }
    });
    const spd = Math.max(...selection) - Math.min(...selection);
    const differences: Record<string, number> = {
      statisticalParityDifference: spd,
      disparateImpactRatio: Math.min(...selection) / Math.max(...selection),
      equalOpportunityDifference: 0.04 * (groups.length - 1),
      equalizedOddsDifference: 0.04 * (groups.length - 1),
      predictiveParityDifference: 0.01 * (groups.length - 1),
    };
    for (const [metric, value] of Object.entries(differences))
      out.push({ ...base, metric: metric as MetricName, feature: '', group: attribute, value: round(value) });
  }
  return out;
}

/**
 * Human review of credit-risk: per window twenty flagged predictions (a quarter of them the audit sample), most
 * decided, one in five overridden, the last windows' items still waiting; and the queue itself, five items waiting.
 */
async function fillReview(
  store: Store,
  firstStart: number,
  counts: ReadonlyMap<string, Pick<MetricRow, 'rows' | 'labelledRows'>>,
): Promise<void> {
  const now = firstStart + WINDOWS * HOUR;
  const rows = MODELS.filter((m) => m.model === 'credit-risk').flatMap((spec) =>
    Array.from({ length: WINDOWS }, (_, w) => {
      const start = firstStart + w * HOUR;
      const items: ReviewWindowItem[] = Array.from({ length: 20 }, (_, i) => ({
        status: i === 19 ? 'not_queued' : w >= WINDOWS - 2 && i % 2 === 0 ? 'pending' : 'decided',
        verdict: w >= WINDOWS - 2 && i % 2 === 0 ? null : i % 5 === 0 ? 'override' : 'agree',
        audit: i % 4 === 0,
        groups: { sex: i % 3 === 0 ? 'female' : 'male' },
        flaggedAt: start + HOUR,
      }));
      return reviewMetricRows(
        { model: spec.model, version: spec.version, start, end: start + HOUR },
        { groups: ['sex', 'sex*race'] },
        items.map((i) => (i.status === 'decided' ? i : { ...i, verdict: null })),
        now,
      );
    }).flat(),
  );
  // Stored as the daemon stores them: with their window's counts (one pair a window, docs/storage.md).
  await store.metrics.upsertRows(rows.map((r) => ({ ...r, ...counts.get(`${r.version}@${r.windowStart}`) })));
  const items = Array.from({ length: 5 }, (_, i) => ({
    id: `fixture-${i}`,
    version: '7',
    ts: now - (i + 1) * HOUR,
    score: 0.49 + i / 100,
    prediction: i < 1 ? 0 : 1,
    features: { age: 40 + i },
    groups: { sex: 'female' },
    reasons: [{ policy: i === 0 ? 'audit' : 'borderline' }],
    priority: i === 0 ? 2 : 0.5,
  }));
  await store.transaction((tx) =>
    tx.reviewQueue.queueFlagged(
      [{ model: 'credit-risk', capacityPerHour: 100, ttlMs: 7 * 24 * HOUR, context: {}, items }],
      Date.now() - 3 * HOUR,
    ),
  );
}

/** An incident as the alerts package stores it (migration 0003), in the columns the dashboards read. */
interface IncidentSeed {
  model: string;
  version: string;
  metric: string;
  feature: string;
  group: string;
  severity: 'critical' | 'warning';
  status: 'firing' | 'acknowledged' | 'resolved' | 'silenced';
  value: number;
  threshold: number;
  /** Window index the incident opened in; resolvedAfter: hours it lasted. */
  openedWindow: number;
  resolvedAfter?: number;
  acknowledgedAfter?: number;
}

const INCIDENTS: IncidentSeed[] = [
  {
    model: 'credit-risk',
    version: '7',
    metric: 'psi',
    feature: 'income',
    group: '',
    severity: 'critical',
    status: 'firing',
    value: 0.31,
    threshold: 0.2,
    openedWindow: 10,
  },
  {
    model: 'credit-risk',
    version: '7',
    metric: 'ece',
    feature: '',
    group: '',
    severity: 'warning',
    status: 'acknowledged',
    value: 0.09,
    threshold: 0.08,
    openedWindow: 15,
    acknowledgedAfter: 1,
  },
  {
    model: 'credit-risk',
    version: '8',
    metric: 'statisticalParityDifference',
    feature: '',
    group: 'sex',
    severity: 'warning',
    status: 'resolved',
    value: 0.12,
    threshold: 0.1,
    openedWindow: 4,
    acknowledgedAfter: 1,
    resolvedAfter: 5,
  },
  {
    model: 'fraud-score',
    version: '3',
    metric: 'rows',
    feature: '',
    group: '',
    severity: 'critical',
    status: 'resolved',
    value: 40,
    threshold: 100,
    openedWindow: 2,
    resolvedAfter: 2,
  },
  {
    model: 'fraud-score',
    version: '3',
    metric: 'chi2PValue',
    feature: 'region',
    group: '',
    severity: 'warning',
    status: 'silenced',
    value: 1e-9,
    threshold: 0.01,
    openedWindow: 20,
  },
  {
    model: 'delivery-eta',
    version: '',
    metric: 'rmse',
    feature: '',
    group: '',
    severity: 'critical',
    status: 'firing',
    value: 8.9,
    threshold: 8,
    openedWindow: 22,
  },
];

export async function fillStore(store: Store): Promise<Fixture> {
  const firstStart = Math.floor(Date.now() / HOUR) * HOUR - (WINDOWS + 1) * HOUR;
  for (const spec of MODELS)
    await store.profiles.saveReference(spec.model, spec.version, {
      rows: 10_000,
      features: [{ name: 'age' }, { name: 'income' }, { name: 'region' }],
    });

  const buckets = MODELS.flatMap((spec) =>
    Array.from({ length: WINDOWS * 12 }, (_, i) => ({
      model: spec.model,
      version: spec.version,
      bucketStart: firstStart + i * 300_000,
      accumulator: {},
      rows: Math.round((spec.traffic / 12) * (1 + 0.3 * Math.sin(i / 20))),
    })),
  );
  // One batch as the collector commits it: buckets, the windows they belong to, and each model's watermark.
  const windows = MODELS.flatMap((spec) =>
    Array.from({ length: WINDOWS }, (_, w) => ({
      model: spec.model,
      version: spec.version,
      start: firstStart + w * HOUR,
      end: firstStart + (w + 1) * HOUR,
    })),
  );
  const watermarks = [...new Set(MODELS.map((m) => m.model))].map((model) => ({
    model,
    maxEventTs: firstStart + WINDOWS * HOUR + 20 * 60_000,
  }));
  await store.batches.apply({ groupId: 'dashboards-test', offsets: [], buckets, windows, watermarks }, (a) => a);

  const rows = (
    await Promise.all(
      MODELS.map(async (spec) =>
        spec.rows === 'pipeline'
          ? pipelineMetricRows(spec.model, spec.version, firstStart, WINDOWS, HOUR, spec.traffic)
          : Array.from({ length: WINDOWS }, (_, w) => metricRowsOf(spec, firstStart + w * HOUR, w)).flat(),
      ),
    )
  ).flat();
  await store.metrics.upsertRows(rows);
  const counts = new Map(
    rows
      .filter((r) => r.model === 'credit-risk')
      .map((r) => [`${r.version}@${r.windowStart}`, { rows: r.rows, labelledRows: r.labelledRows }]),
  );
  await fillReview(store, firstStart, counts);

  await store.transaction(async (tx) => {
    // Every window analysed once, except the last three of each version, which wait for their analysis.
    for (const w of windows) {
      if (w.end > firstStart + (WINDOWS - 3) * HOUR) continue;
      const traffic = MODELS.find((m) => m.model === w.model && m.version === w.version)!.traffic;
      await tx.windows.markAnalysed(
        { ...w, changeSeq: 1, analyses: 0 },
        { rows: traffic, labelledRows: Math.round(traffic * 0.8) },
      );
    }
    // Incidents and rule states through the store's own alert functions, as the alerts package writes them.
    for (const [n, i] of INCIDENTS.entries()) {
      const id = `inc-${n + 1}`;
      const opened = firstStart + (i.openedWindow + 1) * HOUR;
      const at = (hours: number | undefined) => (hours === undefined ? null : opened + hours * HOUR);
      const inserted = await tx.incidents.insert({
        id,
        model: i.model,
        version: i.version,
        metric: i.metric,
        feature: i.feature,
        group: i.group,
        kind: 'rule',
        severity: i.severity,
        status: 'firing',
        value: i.value,
        threshold: i.threshold,
        comparison: null,
        windowStart: opened - HOUR,
        windowEnd: opened,
        windowRows: 1000,
        openedAt: opened,
        escalationPolicy: 'default',
        detail: null,
      });
      if (!inserted) throw new Error(`fixture incident ${id} clashes with an open one of the same key`);
      if (i.status !== 'firing') {
        await tx.incidents.update(id, {
          status: i.status,
          updatedAt: at(i.resolvedAfter ?? i.acknowledgedAfter ?? 0) as number,
          acknowledgedAt: at(i.acknowledgedAfter),
          resolvedAt: at(i.resolvedAfter),
        });
      }
    }
    const lastStart = firstStart + (WINDOWS - 1) * HOUR;
    const state = (
      metric: string,
      feature: string,
      group: string,
      s: 'ok' | 'firing' | 'insufficient_data',
      value: number | null,
    ) => ({
      metric,
      feature,
      group,
      severity: 'critical',
      firing: s === 'firing',
      state: s,
      value,
      windowStart: lastStart,
      windowEnd: lastStart + HOUR,
    });
    await tx.ruleWindows.upsertStates(
      'credit-risk',
      '7',
      [state('psi', 'income', '', 'firing', 0.48), state('ece', '', '', 'insufficient_data', null)],
      lastStart + HOUR,
    );
    await tx.ruleWindows.upsertStates(
      'credit-risk',
      '8',
      [state('statisticalParityDifference', '', 'sex', 'ok', 0.05)],
      lastStart + HOUR,
    );
  });

  return {
    from: new Date(firstStart - 2 * HOUR),
    to: new Date(firstStart + (WINDOWS + 2) * HOUR),
    models: [...new Set(MODELS.map((s) => s.model))],
  };
}

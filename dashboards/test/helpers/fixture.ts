import type { MetricRow, Store } from '@vigil/store';
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

const GROUPS: Record<string, string[]> = { sex: ['female', 'male'], 'sex*race': ['female*black', 'female*white', 'male*black', 'male*white'] };

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
  const base = { model: spec.model, version: spec.version, windowStart, windowEnd: windowStart + HOUR, rows, labelledRows: labelled };
  const out: MetricRow[] = [];
  const model = (metric: string, value: number | null, details?: unknown) => out.push({ ...base, metric, feature: '', group: '', value, ...(details === undefined ? {} : { details }) });
  const feature = (name: string, metric: string, value: number) => out.push({ ...base, metric, feature: name, group: '', value: round(value) });
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
  for (const metric of ['psi', 'js', 'ks', 'ksPValue', 'wasserstein']) feature('$score', metric, metric === 'ksPValue' ? 1 - drift : drift * 0.1);
  if (spec.task === 'regression') {
    model('mae', 4 + drift * 2);
    model('rmse', 6 + drift * 3);
    model('bias', drift * 1.5);
    return out;
  }
  const bins = Array.from({ length: 10 }, (_, b) => {
    const meanScore = b / 10 + 0.05;
    return { lower: b / 10, upper: (b + 1) / 10, count: b === 9 ? 0 : Math.round(labelled / 9), meanScore: b === 9 ? null : round(meanScore), positiveRate: b === 9 ? null : round(Math.max(0, meanScore - 0.1 * drift)) };
  });
  model('ece', round(0.02 + 0.1 * drift), { bins });
  model('mce', round(0.05 + 0.15 * drift));
  model('brier', round(0.15 + 0.05 * drift));
  model('logLoss', round(0.45 + 0.1 * drift));
  model('accuracy', round(0.86 - 0.08 * drift));
  model('precision', round(0.74 - 0.05 * drift));
  model('recall', round(0.63 - 0.06 * drift));
  model('auc', round(0.9 - 0.05 * drift));
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
        out.push({ ...base, metric, feature: '', group: `${attribute}=${group}`, value: round(value), details: { n: size, labelled: Math.min(size, labelledN), ...ci, sufficient } });
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
    for (const [metric, value] of Object.entries(differences)) out.push({ ...base, metric, feature: '', group: attribute, value: round(value) });
  }
  return out;
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
  { model: 'credit-risk', version: '7', metric: 'psi', feature: 'income', group: '', severity: 'critical', status: 'firing', value: 0.31, threshold: 0.2, openedWindow: 10 },
  { model: 'credit-risk', version: '7', metric: 'ece', feature: '', group: '', severity: 'warning', status: 'acknowledged', value: 0.09, threshold: 0.08, openedWindow: 15, acknowledgedAfter: 1 },
  { model: 'credit-risk', version: '8', metric: 'statisticalParityDifference', feature: '', group: 'sex', severity: 'warning', status: 'resolved', value: 0.12, threshold: 0.1, openedWindow: 4, acknowledgedAfter: 1, resolvedAfter: 5 },
  { model: 'fraud-score', version: '3', metric: 'rows', feature: '', group: '', severity: 'critical', status: 'resolved', value: 40, threshold: 100, openedWindow: 2, resolvedAfter: 2 },
  { model: 'fraud-score', version: '3', metric: 'chi2PValue', feature: 'region', group: '', severity: 'warning', status: 'silenced', value: 1e-9, threshold: 0.01, openedWindow: 20 },
  { model: 'delivery-eta', version: '', metric: 'rmse', feature: '', group: '', severity: 'critical', status: 'firing', value: 8.9, threshold: 8, openedWindow: 22 },
];

export async function fillStore(store: Store): Promise<Fixture> {
  const firstStart = Math.floor(Date.now() / HOUR) * HOUR - (WINDOWS + 1) * HOUR;
  for (const spec of MODELS) await store.saveReferenceProfile(spec.model, spec.version, { rows: 10_000, features: [{ name: 'age' }, { name: 'income' }, { name: 'region' }] });

  const buckets = MODELS.flatMap((spec) =>
    Array.from({ length: WINDOWS * 12 }, (_, i) => ({
      model: spec.model,
      version: spec.version,
      bucketStart: firstStart + i * 300_000,
      accumulator: {},
      rows: Math.round((spec.traffic / 12) * (1 + 0.3 * Math.sin(i / 20))),
    })),
  );
  await store.applyBatch({ groupId: 'dashboards-test', offsets: [], buckets }, (a) => a);

  const rows = MODELS.flatMap((spec) =>
    spec.rows === 'pipeline'
      ? pipelineMetricRows(spec.model, spec.version, firstStart, WINDOWS, HOUR, spec.traffic)
      : Array.from({ length: WINDOWS }, (_, w) => metricRowsOf(spec, firstStart + w * HOUR, w)).flat(),
  );
  await store.upsertMetricRows(rows);

  await store.transaction(async (tx) => {
    const windows = MODELS.flatMap((spec) => Array.from({ length: WINDOWS }, (_, w) => ({ spec, w })));
    await tx.query(
      `INSERT INTO vigil_windows (model, version, window_start, window_end, rows, labelled_rows, change_seq, analysed_seq, analysed_at)
       SELECT u.m, u.v, u.s::timestamptz, u.e::timestamptz, u.r, u.l, u.c, u.a, u.e::timestamptz
       FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) AS u(m, v, s, e, r, l, c, a)`,
      [
        windows.map((x) => x.spec.model),
        windows.map((x) => x.spec.version),
        windows.map((x) => new Date(firstStart + x.w * HOUR).toISOString()),
        windows.map((x) => new Date(firstStart + (x.w + 1) * HOUR).toISOString()),
        windows.map((x) => x.spec.traffic),
        windows.map((x) => Math.round(x.spec.traffic * 0.8)),
        // Late labels touched the last three windows after their analysis.
        windows.map((x) => (x.w >= WINDOWS - 3 ? 3 : 1)),
        windows.map(() => 1),
      ],
    );
    await tx.query(
      `INSERT INTO vigil_watermarks (model, max_event_ts) SELECT m, $2::timestamptz FROM UNNEST($1::text[]) AS m`,
      [[...new Set(MODELS.map((s) => s.model))], new Date(firstStart + WINDOWS * HOUR + 20 * 60_000).toISOString()],
    );
    for (const [n, i] of INCIDENTS.entries()) {
      const opened = firstStart + (i.openedWindow + 1) * HOUR;
      const at = (hours: number | undefined) => (hours === undefined ? null : new Date(opened + hours * HOUR).toISOString());
      await tx.query(
        `INSERT INTO vigil_incidents (id, escalation_policy, model, version, metric, feature, group_key, severity, status, value, threshold,
                                      window_start, window_end, opened_at, updated_at, acknowledged_at, resolved_at)
         VALUES ($15, 'default', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $11::timestamptz, $12::timestamptz, $13::timestamptz, $14::timestamptz)`,
        [
          i.model, i.version, i.metric, i.feature, i.group, i.severity, i.status, i.value, i.threshold,
          new Date(opened - HOUR).toISOString(), new Date(opened).toISOString(),
          at(i.resolvedAfter ?? i.acknowledgedAfter ?? 0), at(i.acknowledgedAfter), at(i.resolvedAfter), `inc-${n + 1}`,
        ],
      );
    }
    // Rule states (migration 0003): one firing, one waiting for labels, one ok.
    const lastEnd = new Date(firstStart + WINDOWS * HOUR).toISOString();
    const lastStart = new Date(firstStart + (WINDOWS - 1) * HOUR).toISOString();
    for (const [model, version, metric, feature, group, state, value] of [
      ['credit-risk', '7', 'psi', 'income', '', 'firing', 0.48],
      ['credit-risk', '7', 'ece', '', '', 'insufficient_data', null],
      ['credit-risk', '8', 'statisticalParityDifference', '', 'sex', 'ok', 0.05],
    ] as const) {
      await tx.query(
        `INSERT INTO vigil_rule_states (model, version, metric, feature, group_key, severity, firing, state, value, window_start, window_end, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'critical', $6, $7, $8, $9::timestamptz, $10::timestamptz, $10::timestamptz)`,
        [model, version, metric, feature, group, state === 'firing', state, value, lastStart, lastEnd],
      );
    }
  });

  return {
    from: new Date(firstStart - 2 * HOUR),
    to: new Date(firstStart + (WINDOWS + 2) * HOUR),
    models: [...new Set(MODELS.map((s) => s.model))],
  };
}

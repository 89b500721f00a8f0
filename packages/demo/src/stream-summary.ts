/**
 * What the demo's stream found. Read back from the store the pipeline wrote: the analysed windows and their
 * metric rows (drift: the first window each feature drifted), the stored bucket accumulators summed over the whole
 * stream (rates per origin airport), and the incidents the rules opened. Calibration month by month comes from the
 * streamed events grouped by the calendar month of their event time (`calendarMonths`), through the same
 * accumulator and window analysis: the stored buckets are one window slide long (a week by default) and a week
 * that straddles two months cannot be split from its accumulator, so summing the buckets that start in a month
 * would count other months' days (the week of April 26 in April, the week of May 31 in May).
 */
import {
  analyzeWindow,
  emptyAccumulator,
  mergeAccumulators,
  type AnalysisSpec,
  type ReferenceProfile,
  type WindowAccumulator,
  type WindowAnalysis,
} from '@vigil/analyzers';
import type { Incident, Store } from '@vigil/store';

export interface FeatureDriftSummary {
  feature: string;
  /** Windows analysed with a drift decision for the feature, and how many of them drifted. */
  windows: number;
  drifted: number;
  /** Start of the first drifted window, ISO date; null when it never drifted. */
  firstDrifted: string | null;
  /** The feature's PSI in that window, and the largest PSI of any window. */
  psiAtFirst: number | null;
  maxPsi: number | null;
}

export interface PeriodCalibration {
  period: string;
  rows: number;
  labelled: number;
  delayRate: number | null;
  meanScore: number | null;
  ece: number | null;
  brier: number | null;
  auc: number | null;
}

export interface GroupSummary {
  group: string;
  rows: number;
  delayRate: number | null;
  selectionRate: number | null;
  tpr: number | null;
  fpr: number | null;
  ece: number | null;
  /** January's selection rate of the group (the reference period), for comparison. */
  januarySelectionRate: number | null;
}

/** A calendar month of the stream (UTC): the positions, in the times given, of the events in [start, end). */
export interface CalendarMonth {
  /** `YYYY-MM`. */
  period: string;
  start: number;
  end: number;
  positions: Int32Array;
}

/** A calendar month of the stream analysed as one window. */
export interface MonthAnalysis {
  period: string;
  analysis: WindowAnalysis;
  rows: number;
  labelled: number;
}

/** Months with fewer events than this are listed apart, not analysed as a month (too few rows for a rate). */
export const MIN_MONTH_ROWS = 30;

export interface StreamSummary {
  windows: number;
  firstWindow: string | null;
  lastWindow: string | null;
  metricRows: number;
  groupMetricRows: number;
  drift: FeatureDriftSummary[];
  calibration: PeriodCalibration[];
  /** Calendar months with events but fewer than MIN_MONTH_ROWS of them (the flights departing at midnight on July 1). */
  calibrationSkipped: Array<{ period: string; rows: number }>;
  fairness: {
    attribute: string;
    statisticalParityDifference: number | null;
    equalizedOddsDifference: number | null;
    groups: GroupSummary[];
  } | null;
  incidents: Array<
    Pick<Incident, 'id' | 'metric' | 'feature' | 'group' | 'severity' | 'status' | 'value' | 'threshold'> & {
      window: string | null;
      cleared: { value: number | null; clearThreshold: number } | null;
    }
  >;
}

export interface SummaryInput {
  store: Store;
  model: string;
  version: string;
  profile: ReferenceProfile;
  /** The spec the runner analyses stored accumulators with (groups named by attribute). */
  spec: AnalysisSpec;
  from: number;
  to: number;
  /** The January baseline of the same pipeline math (calibration and group rates). */
  january: WindowAnalysis & { rows: number; labelled: number };
  /** The streamed events of each calendar month (event time), analysed as one window each, in month order. */
  months: readonly MonthAnalysis[];
  incidents: Incident[];
  /** Incident id → start of the window that opened it. */
  openedIn: ReadonlyMap<string, number>;
  groupAttribute: string;
}

/** PSI above which the score counts as drifted (the medium tier's PSI rule). */
export const SCORE_PSI = 0.2;

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Event times grouped by their UTC calendar month, months in order; positions keep the order of `times`. */
export function calendarMonths(times: ArrayLike<number>): CalendarMonth[] {
  const byStart = new Map<number, number[]>();
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    if (!Number.isFinite(t)) continue;
    const d = new Date(t);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    let positions = byStart.get(start);
    if (!positions) byStart.set(start, (positions = []));
    positions.push(i);
  }
  return [...byStart]
    .sort(([a], [b]) => a - b)
    .map(([start, positions]) => {
      const d = new Date(start);
      return {
        period: iso(start).slice(0, 7),
        start,
        end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
        positions: Int32Array.from(positions),
      };
    });
}

export async function summarizeStream(input: SummaryInput): Promise<StreamSummary> {
  const { store, model, version, from, to } = input;
  const rows = await store.metrics.rows(model, { from: from - 31 * 86_400_000, to, version });
  const windowStarts = [...new Set(rows.filter((r) => r.metric === 'rows').map((r) => r.windowStart))].sort(
    (a, b) => a - b,
  );

  const drift: FeatureDriftSummary[] = [];
  const features = [...input.profile.features.map((f) => f.name), ...(input.profile.score ? ['$score'] : [])];
  for (const feature of features) {
    const psi = new Map(
      rows.filter((r) => r.metric === 'psi' && r.feature === feature).map((r) => [r.windowStart, r.value]),
    );
    let decided: Array<{ windowStart: number; value: number | null }> = rows
      .filter((r) => r.metric === 'drifted' && r.feature === feature && r.value !== null)
      .sort((a, b) => a.windowStart - b.windowStart);
    // The prediction (`$score`) has no drift decision of its own: judged by PSI against the alert rules' mark.
    if (decided.length === 0)
      decided = [...psi]
        .filter(([, v]) => v !== null)
        .map(([windowStart, v]) => ({ windowStart, value: (v as number) > SCORE_PSI ? 1 : 0 }))
        .sort((a, b) => a.windowStart - b.windowStart);
    const first = decided.find((r) => r.value === 1);
    const psis = [...psi.values()].filter((v): v is number => v !== null);
    drift.push({
      feature,
      windows: decided.length,
      drifted: decided.filter((r) => r.value === 1).length,
      firstDrifted: first ? iso(first.windowStart) : null,
      psiAtFirst: first ? (psi.get(first.windowStart) ?? null) : null,
      maxPsi: psis.length > 0 ? Math.max(...psis) : null,
    });
  }

  const calibration: PeriodCalibration[] = [
    periodCalibration('2001-01 (reference)', input.january, input.january.rows, input.january.labelled),
  ];
  const calibrationSkipped: StreamSummary['calibrationSkipped'] = [];
  for (const month of input.months) {
    if (month.rows < MIN_MONTH_ROWS) calibrationSkipped.push({ period: month.period, rows: month.rows });
    else calibration.push(periodCalibration(month.period, month.analysis, month.rows, month.labelled));
  }
  // Every stored bucket of the stream (the first starts at most one slide before the first event).
  const total = await sumBuckets(store, model, version, from - 31 * 86_400_000, to, input.profile, input.spec);

  const whole = total.rows > 0 ? analyzeWindow(input.profile, total, input.spec) : undefined;
  const fair = whole?.fairness.find((f) => f.attribute === input.groupAttribute);
  const janFair = input.january.fairness.find((f) => f.attribute === input.groupAttribute);
  const groupCounts = total.groups[input.groupAttribute] ?? {};
  const fairness = fair
    ? {
        attribute: fair.attribute,
        statisticalParityDifference: fair.statisticalParityDifference,
        equalizedOddsDifference: fair.equalizedOddsDifference,
        groups: fair.groups
          .map((g): GroupSummary => {
            const counts = groupCounts[g.group] as unknown as
              { tp?: number; fp?: number; tn?: number; fn?: number } | undefined;
            const labelled = counts ? (counts.tp ?? 0) + (counts.fp ?? 0) + (counts.tn ?? 0) + (counts.fn ?? 0) : 0;
            return {
              group: g.group,
              rows: g.n,
              delayRate: counts && labelled > 0 ? ((counts.tp ?? 0) + (counts.fn ?? 0)) / labelled : null,
              selectionRate: finite(g.selectionRate),
              tpr: finite(g.tpr),
              fpr: finite(g.fpr),
              ece: finite(g.ece),
              januarySelectionRate: finite(janFair?.groups.find((j) => j.group === g.group)?.selectionRate),
            };
          })
          .sort((a, b) => b.rows - a.rows),
      }
    : null;

  return {
    windows: windowStarts.length,
    firstWindow: windowStarts.length > 0 ? iso(windowStarts[0] as number) : null,
    lastWindow: windowStarts.length > 0 ? iso(windowStarts[windowStarts.length - 1] as number) : null,
    metricRows: rows.length,
    groupMetricRows: rows.filter((r) => r.group.startsWith(`${input.groupAttribute}=`)).length,
    drift,
    calibration,
    calibrationSkipped,
    fairness,
    incidents: input.incidents
      .map((i) => ({ i, opened: input.openedIn.get(i.id) ?? i.windowStart }))
      .sort(byOpening)
      .map(({ i, opened }) => ({
        id: i.id,
        metric: i.metric,
        feature: i.feature,
        group: i.group,
        severity: i.severity,
        status: i.status,
        value: i.value,
        threshold: i.threshold,
        window: opened === null ? null : iso(opened),
        cleared:
          i.resolution === null ? null : { value: i.resolution.value, clearThreshold: i.resolution.clearThreshold },
      })),
  };
}

/** The stored buckets of [from, to) added up: the accumulator of a window over exactly that period. */
type OpenedIncident = Pick<Incident, 'openedAt' | 'severity' | 'metric' | 'feature' | 'group'>;

/**
 * The summary's order of incidents: by the window that opened them, then by when. Incidents one window opened together
 * (one transaction, on the replay's clock: the same time) go critical first, then by metric, feature and group — not
 * in the store's order of their random ids, so every run prints the same list.
 */
export function byOpening(
  a: { i: OpenedIncident; opened: number | null },
  b: { i: OpenedIncident; opened: number | null },
): number {
  const rank = (i: OpenedIncident) => (i.severity === 'critical' ? 0 : 1);
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    (a.opened ?? 0) - (b.opened ?? 0) ||
    a.i.openedAt - b.i.openedAt ||
    rank(a.i) - rank(b.i) ||
    text(a.i.metric, b.i.metric) ||
    text(a.i.feature, b.i.feature) ||
    text(a.i.group, b.i.group)
  );
}

export async function sumBuckets(
  store: Store,
  model: string,
  version: string,
  from: number,
  to: number,
  profile: ReferenceProfile,
  spec: AnalysisSpec,
): Promise<WindowAccumulator> {
  let acc = emptyAccumulator(profile, spec);
  for (const b of await store.buckets.load<WindowAccumulator>(model, version, from, to))
    acc = mergeAccumulators(acc, b.accumulator);
  return acc;
}

/** A period's row of the calibration table: the delay rate and mean score are the calibration bins' weighted means. */
export function periodCalibration(
  period: string,
  analysis: WindowAnalysis,
  rows: number,
  labelled: number,
): PeriodCalibration {
  const bins = analysis.calibration?.bins ?? [];
  const count = bins.reduce((s, b) => s + b.count, 0);
  const weighted = (pick: (b: (typeof bins)[number]) => number): number | null =>
    count > 0 ? bins.reduce((s, b) => s + (b.count > 0 ? pick(b) * b.count : 0), 0) / count : null;
  const performance = analysis.performance as { auc?: number } | undefined;
  return {
    period,
    rows,
    labelled,
    delayRate: weighted((b) => b.positiveRate),
    meanScore: weighted((b) => b.meanScore),
    ece: finite(analysis.calibration?.ece),
    brier: finite(analysis.calibration?.brier),
    auc: finite(performance?.auc),
  };
}

function finite(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** The summary as the lines the demo prints. */
export function formatStreamSummary(s: StreamSummary): string {
  const out: string[] = [];
  const f3 = (v: number | null): string => (v === null ? '   n/a' : v.toFixed(3).padStart(6));
  const pct = (v: number | null): string => (v === null ? '  n/a' : `${(v * 100).toFixed(1).padStart(4)}%`);
  out.push(
    `Windows analysed: ${s.windows} (starting ${s.firstWindow ?? '—'} … ${s.lastWindow ?? '—'}), ${s.metricRows.toLocaleString('en-US')} metric rows stored`,
  );
  out.push('');
  out.push(
    `Drift (each window against the January reference; $score is the prediction, drifted when PSI > ${SCORE_PSI}):`,
  );
  for (const d of s.drift) {
    const when =
      d.firstDrifted === null
        ? 'never drifted'
        : `first drifted in the window starting ${d.firstDrifted} (PSI ${f3(d.psiAtFirst).trim()})`;
    out.push(
      `  ${d.feature.padEnd(12)} drifted in ${String(d.drifted).padStart(3)} of ${String(d.windows).padStart(3)} windows; ${when}; max PSI ${f3(d.maxPsi).trim()}`,
    );
  }
  out.push('');
  out.push('Calibration month by month (the flights departing in each calendar month, analysed as one window):');
  out.push(
    `  ${'month'.padEnd(20)} ${'flights'.padStart(8)} ${'delayed'.padStart(7)} ${'mean score'.padStart(10)} ${'ECE'.padStart(6)} ${'Brier'.padStart(6)} ${'AUC'.padStart(6)}`,
  );
  for (const c of s.calibration) {
    out.push(
      `  ${c.period.padEnd(20)} ${c.rows.toLocaleString('en-US').padStart(8)} ${pct(c.delayRate).padStart(7)} ${pct(c.meanScore).padStart(10)} ${f3(c.ece)} ${f3(c.brier)} ${f3(c.auc)}`,
    );
  }
  for (const m of s.calibrationSkipped)
    out.push(
      `  ${m.period.padEnd(20)} ${m.rows.toLocaleString('en-US').padStart(8)} flights, too few to analyse as a month (fewer than ${MIN_MONTH_ROWS})`,
    );
  if (s.fairness) {
    const fair = s.fairness;
    out.push('');
    out.push(
      `Groups by ${fair.attribute} over the whole stream (statistical parity difference ${f3(fair.statisticalParityDifference).trim()}, ` +
        `equalized odds difference ${f3(fair.equalizedOddsDifference).trim()}):`,
    );
    out.push(
      `  ${'airport'.padEnd(8)} ${'flights'.padStart(8)} ${'delayed'.padStart(7)} ${'flagged'.padStart(7)} ${'(Jan)'.padStart(6)} ${'TPR'.padStart(6)} ${'FPR'.padStart(6)} ${'ECE'.padStart(6)}`,
    );
    for (const g of fair.groups) {
      out.push(
        `  ${g.group.padEnd(8)} ${g.rows.toLocaleString('en-US').padStart(8)} ${pct(g.delayRate).padStart(7)} ${pct(g.selectionRate).padStart(7)} ${pct(g.januarySelectionRate).padStart(6)} ${f3(g.tpr)} ${f3(g.fpr)} ${f3(g.ece)}`,
      );
    }
  }
  out.push('');
  if (s.incidents.length === 0) out.push('Incidents: none opened.');
  else {
    out.push(`Incidents opened: ${s.incidents.length}`);
    for (const i of s.incidents) {
      const subject = i.feature ? `${i.metric}(${i.feature})` : i.group ? `${i.metric}[${i.group}]` : i.metric;
      out.push(
        `  ${i.severity.padEnd(8)} ${subject.padEnd(38)} opened in the window of ${i.window ?? '—'}, last breach ${f3(i.value).trim()} (threshold ${f3(i.threshold).trim()}), now ${i.status}${i.cleared ? ` (cleared at ${f3(i.cleared.value).trim()}, clear threshold ${f3(i.cleared.clearThreshold).trim()})` : ''}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

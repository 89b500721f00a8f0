/**
 * `vigil report --review-out FILE` (docs/review.md, "Sizing the capacity"): the review policies of a model applied
 * to the rows of the current file, as `vigil run` would apply them to the same events, so a team can see what each
 * policy would queue and size `capacityPerHour` before turning them on.
 */
import type { ReferenceProfile } from '@vigil/analyzers';
import { categoryAt, type ModelConfig, type ReviewConfig, type Table } from '@vigil/core';
import { csvCell } from '../write-csv';
import {
  allotCapacity,
  capacityReserves,
  flagPriority,
  reserveKeys,
  judgeEvent,
  unusualBounds,
  type FlagReason,
  type ReviewCandidate,
} from './flag-policies';

const HOUR_MS = 3_600_000;
const POLICIES = ['audit', 'borderline', 'unusual', 'group'] as const;

export interface FlaggedRow {
  /** 1-based data row of the file. */
  row: number;
  /** The `id` column, else `row-N`: what the random samples are drawn from, as `vigil run` draws from the event id. */
  id: string;
  ts: number | null;
  score: number | null;
  prediction: number | null;
  reasons: FlagReason[];
  priority: number;
  /** Within `capacityPerHour` in its clock hour; null without a time column. */
  queued: boolean | null;
}

export interface ReviewSizing {
  rows: number;
  flagged: FlaggedRow[];
  perPolicy: Record<(typeof POLICIES)[number], number>;
  /** Per clock hour with a flagged row: flagged and what the capacity would queue. Empty without a time column. */
  hours: Array<{ hourStart: number; flagged: number; queued: number }>;
}

export interface ReviewColumns {
  score?: string;
  prediction?: string;
  threshold: number;
}

/** Every row of `table` the model's policies flag, with the capacity applied per clock hour of its time column. */
export function sizeReview(
  model: ModelConfig & { review: ReviewConfig },
  table: Table,
  columns: ReviewColumns,
  profile: ReferenceProfile | undefined,
): ReviewSizing {
  const bounds = unusualBounds(model, model.review, profile);
  const numeric = (name: string | undefined): Float64Array | undefined => {
    const c = name === undefined ? undefined : table.columns.get(name);
    return c?.kind === 'numeric' ? c.values : undefined;
  };
  const text = (name: string) => {
    const c = table.columns.get(name);
    return (i: number): string | null =>
      c === undefined
        ? null
        : c.kind === 'categorical'
          ? categoryAt(c, i)
          : Number.isNaN(c.values[i]!)
            ? null
            : String(c.values[i]);
  };
  const score = numeric(columns.score);
  const prediction = numeric(columns.prediction);
  const idOf = table.columns.has('id') ? text('id') : undefined;
  const timeColumn = ['ts', 'timestamp'].find((n) => table.columns.has(n));
  const timeOf = timeColumn === undefined ? undefined : timeReader(table, timeColumn);
  const features = Object.keys(model.features).map((name) => [name, table.columns.get(name)] as const);
  const attributes = [...new Set(model.groups.flatMap((g) => g.split('*')))].map((a) => [a, text(a)] as const);
  const flagged: FlaggedRow[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    const values: Record<string, number | string | null> = {};
    for (const [name, c] of features)
      values[name] =
        c === undefined
          ? null
          : c.kind === 'numeric'
            ? Number.isNaN(c.values[i]!)
              ? null
              : c.values[i]!
            : categoryAt(c, i);
    const groups: Record<string, string | null> = {};
    for (const [a, read] of attributes) groups[a] = read(i);
    const s = finite(score?.[i]);
    const p =
      finite(prediction?.[i]) ?? (s === null || model.task === 'regression' ? null : s >= columns.threshold ? 1 : 0);
    const candidate: ReviewCandidate = {
      id: idOf?.(i) ?? `row-${i + 1}`,
      ts: timeOf?.(i) ?? 0,
      version: '',
      score: s,
      prediction: p,
      features: values,
      groups,
    };
    const reasons = judgeEvent({ ...model, threshold: columns.threshold }, candidate, bounds);
    if (reasons.length === 0) continue;
    flagged.push({
      row: i + 1,
      id: candidate.id,
      ts: timeOf?.(i) ?? null,
      score: s,
      prediction: p,
      reasons,
      priority: flagPriority(reasons),
      queued: null,
    });
  }
  const perPolicy = Object.fromEntries(
    POLICIES.map((policy) => [policy, flagged.filter((f) => f.reasons.some((r) => r.policy === policy)).length]),
  ) as ReviewSizing['perPolicy'];
  const hours: ReviewSizing['hours'] = [];
  if (timeOf) {
    const byHour = new Map<number, FlaggedRow[]>();
    for (const f of flagged) {
      if (f.ts === null) continue;
      const hour = Math.floor(f.ts / HOUR_MS) * HOUR_MS;
      byHour.set(hour, [...(byHour.get(hour) ?? []), f]);
    }
    for (const [hourStart, list] of [...byHour].sort(([a], [b]) => a - b)) {
      // As `vigil run` within one batch: the audit sample first, then the most urgent (the file as one batch per hour).
      const claims = list.map((f) => ({ id: f.id, priority: f.priority, reserves: reserveKeys(f.reasons), row: f }));
      const { queued } = allotCapacity(model.id, claims, model.review.capacityPerHour, capacityReserves(model.review));
      const chosen = new Set(queued.map((c) => c.row));
      for (const f of list) f.queued = chosen.has(f);
      hours.push({ hourStart, flagged: list.length, queued: queued.length });
    }
  }
  return { rows: table.rowCount, flagged, perPolicy, hours };
}

/** The CSV of `--review-out`: one line per flagged row, its policies, priority, whether it would be queued, and why. */
export function reviewOutCsv(sizing: ReviewSizing): string {
  const lines = ['row,id,ts,score,prediction,policies,priority,queued,reasons'];
  for (const f of sizing.flagged) {
    const policies = [...new Set(f.reasons.map((r) => r.policy))].join(' ');
    lines.push(
      [
        String(f.row),
        csvCell(f.id),
        f.ts === null ? '' : new Date(f.ts).toISOString(),
        f.score ?? '',
        f.prediction ?? '',
        policies,
        String(Number(f.priority.toFixed(6))),
        f.queued === null ? '' : String(f.queued),
        csvCell(JSON.stringify(f.reasons)),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The console lines: flagged rows per policy, and per hour against the capacity. */
export function reviewSummary(sizing: ReviewSizing, capacityPerHour: number): string {
  const share = (n: number) => `${((100 * n) / Math.max(1, sizing.rows)).toFixed(2)}%`;
  const lines = [
    `Review: ${sizing.flagged.length} of ${sizing.rows} rows flagged (${share(sizing.flagged.length)}): ${POLICIES.map((p) => `${p} ${sizing.perPolicy[p]}`).join(', ')}`,
  ];
  if (sizing.hours.length === 0) lines.push('  no ts or timestamp column: the capacity per hour is not simulated');
  else {
    const peak = sizing.hours.reduce((m, h) => Math.max(m, h.flagged), 0);
    const over = sizing.hours.filter((h) => h.flagged > capacityPerHour).length;
    const notQueued = sizing.hours.reduce((s, h) => s + h.flagged - h.queued, 0);
    lines.push(
      `  per hour: at most ${peak} flagged (capacityPerHour ${capacityPerHour}); ${over} of ${sizing.hours.length} hours over capacity, ${notQueued} rows not queued`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function timeReader(table: Table, name: string): (i: number) => number | null {
  const c = table.columns.get(name)!;
  if (c.kind === 'numeric') return (i) => finite(c.values[i]);
  return (i) => {
    const t = categoryAt(c, i);
    const ms = t === null ? Number.NaN : Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  };
}

function finite(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

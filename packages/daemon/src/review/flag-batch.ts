/**
 * The review hook of `vigil run`'s ingest (docs/review.md): a model's decoded batch → the predictions its review
 * policies flag, most urgent first, with what the queue shows beside them. The store queues them in the batch's own
 * transaction (exactly once with it), up to the hour's capacity.
 */
import { categoryAt, type CategoricalColumn, type MetricName, type ModelConfig, type ReviewConfig } from '@vigil/core';
import type { ReferenceProfile } from '@vigil/analyzers';
import { BATCH_COLUMNS, attributionColumnName, groupColumnName, type PredictionBatch } from '@vigil/collector';
import type { FlaggedGroup, FlaggedPrediction, MetricRow, Store } from '@vigil/store';
import {
  capacityReserves,
  eventUniform,
  flagPriority,
  judgeEvent,
  reserveKeys,
  unusualBounds,
  type ReviewCandidate,
  type UnusualBounds,
} from './flag-policies';

/** The metrics a queued item shows of its model's latest analysed window. */
export const CONTEXT_METRICS: readonly MetricName[] = ['psi', 'ece', 'brier', 'accuracy', 'auc'];
/** The model's latest window is looked up again after this long (it changes once per slide at most). */
const CONTEXT_TTL_MS = 30_000;

type ReviewedModel = ModelConfig & { review: ReviewConfig };

export class BatchFlagger {
  private readonly bounds = new Map<string, WeakMap<ReferenceProfile, UnusualBounds>>();
  private readonly contexts = new Map<string, { at: number; context: Record<string, unknown> }>();

  constructor(
    private readonly store: Pick<Store, 'metrics'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The flagged predictions of `batch` (already without repeats), or undefined when the model has no review policy
   * or nothing is flagged. Rows of a version without a profile are not flagged: they are not indexed either, so a
   * reviewer's label could not join them.
   */
  async flag(
    model: ModelConfig,
    batch: PredictionBatch,
    profileFor: (version: string) => ReferenceProfile | undefined,
  ): Promise<FlaggedGroup | undefined> {
    if (!model.review || batch.rowCount === 0) return undefined;
    const items = flagRows({ ...model, review: model.review }, batch, (version) => {
      const profile = profileFor(version);
      return profile === undefined ? undefined : this.boundsOf({ ...model, review: model.review! }, profile);
    });
    if (items.length === 0) return undefined;
    let maxTs = -Infinity;
    for (const item of items) maxTs = Math.max(maxTs, item.ts);
    return {
      model: model.id,
      capacityPerHour: model.review.capacityPerHour,
      reserves: capacityReserves(model.review),
      ttlMs: model.review.ttlMs,
      context: await this.contextOf(model, maxTs),
      items,
    };
  }

  private boundsOf(model: ReviewedModel, profile: ReferenceProfile): UnusualBounds {
    let byProfile = this.bounds.get(model.id);
    if (!byProfile) this.bounds.set(model.id, (byProfile = new WeakMap()));
    let bounds = byProfile.get(profile);
    if (!bounds) byProfile.set(profile, (bounds = unusualBounds(model, model.review, profile)));
    return bounds;
  }

  /** Drift and calibration of the model's latest analysed window at or before `ts` (cached briefly). */
  private async contextOf(model: ModelConfig, ts: number): Promise<Record<string, unknown>> {
    const cached = this.contexts.get(model.id);
    if (cached && this.now() - cached.at < CONTEXT_TTL_MS) return cached.context;
    const span = 3 * model.window.sizeMs;
    const rows = await this.store.metrics.rows(model.id, { from: ts - span, to: ts + 1 });
    const context = latestWindowContext(rows);
    this.contexts.set(model.id, { at: this.now(), context });
    return context;
  }
}

/** The context rows of the latest window among `rows`: `{ window: { start, end, version }, metrics: [...] }`, or `{}`. */
export function latestWindowContext(rows: readonly MetricRow[]): Record<string, unknown> {
  const wanted = rows.filter((r) => CONTEXT_METRICS.includes(r.metric) && r.group === '');
  if (wanted.length === 0) return {};
  const latest = wanted.reduce((a, b) => (b.windowEnd > a.windowEnd ? b : a));
  const of = wanted.filter(
    (r) => r.windowStart === latest.windowStart && r.windowEnd === latest.windowEnd && r.version === latest.version,
  );
  return {
    window: {
      start: latest.windowStart,
      end: latest.windowEnd,
      version: latest.version,
      rows: latest.rows,
      labelledRows: latest.labelledRows,
    },
    metrics: of.map((r) => ({ metric: r.metric, feature: r.feature, value: r.value })),
  };
}

/**
 * The rows of `batch` that the model's policies flag, most urgent first (ties by the event's own draw), as the
 * queue stores them. `boundsFor` gives a version's unusual-value bounds, undefined for a version without profile.
 */
export function flagRows(
  model: ReviewedModel,
  batch: PredictionBatch,
  boundsFor: (version: string) => UnusualBounds | undefined,
): FlaggedPrediction[] {
  const table = batch.table;
  const numeric = (name: string): Float64Array | undefined => {
    const c = table.columns.get(name);
    return c?.kind === 'numeric' ? c.values : undefined;
  };
  const score = numeric(BATCH_COLUMNS.score);
  const prediction = numeric(BATCH_COLUMNS.prediction);
  const features = Object.keys(model.features).map((name) => [name, table.columns.get(name)] as const);
  const attributionColumns = Object.keys(model.features).flatMap((name) => {
    const values = numeric(attributionColumnName(name));
    return values ? [[name, values] as const] : [];
  });
  const attributes = [...new Set(model.groups.flatMap((g) => g.split('*')))].map(
    (a) => [a, table.columns.get(groupColumnName(a)) as CategoricalColumn | undefined] as const,
  );
  const out: (FlaggedPrediction & { draw: number })[] = [];
  for (let i = 0; i < batch.rowCount; i++) {
    const code = batch.version.codes[i] as number;
    const version = code < 0 ? '' : (batch.version.categories[code] as string);
    const bounds = boundsFor(version);
    if (!bounds) continue;
    const values: Record<string, number | string | null> = {};
    for (const [name, column] of features) {
      if (!column) values[name] = null;
      else if (column.kind === 'numeric') values[name] = finite(column.values[i]);
      else values[name] = categoryAt(column, i);
    }
    const groups: Record<string, string | null> = {};
    for (const [attribute, column] of attributes) groups[attribute] = column ? categoryAt(column, i) : null;
    const candidate: ReviewCandidate = {
      id: batch.ids[i] as string,
      ts: batch.ts[i] as number,
      version,
      score: finite(score?.[i]),
      prediction: finite(prediction?.[i]),
      features: values,
      groups,
    };
    const reasons = judgeEvent(model, candidate, bounds);
    if (reasons.length === 0) continue;
    // The event's attributions, shown beside the features (docs/review.md); none is `{}`.
    const attributions: Record<string, number> = {};
    for (const [name, values] of attributionColumns) {
      const a = values[i] as number;
      if (a === a) attributions[name] = a;
    }
    out.push({
      ...candidate,
      attributions,
      reasons,
      priority: flagPriority(reasons),
      reserves: reserveKeys(reasons),
      draw: eventUniform(model.id, candidate.id, 'capacity'),
    });
  }
  out.sort((a, b) => b.priority - a.priority || a.draw - b.draw);
  return out.map(({ draw: _draw, ...item }) => item);
}

function finite(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

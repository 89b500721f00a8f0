/**
 * The review metrics of a window (docs/metrics.md, "Human review"): what was flagged, queued, decided, how often
 * reviewers disagreed with the model, the error rate the audit sample estimates, and the backlog, as metric rows of
 * the window beside its drift and performance rows. Computed when the window is analysed: flagging touches the
 * windows of its predictions (they are in the batch), and a verdict touches them again.
 */
import { wilsonInterval } from '@vigil/analyzers';
import type { MetricName, ModelConfig } from '@vigil/core';
import { type MetricRow, type ReviewWindowItem, type Store, type WindowKey } from '@vigil/store';

export const REVIEW_METRICS = [
  'flaggedRows',
  'queuedRows',
  'notQueuedRows',
  'decidedRows',
  'overrideRate',
  'auditErrorRate',
  'reviewBacklog',
  'oldestPendingAge',
  'groupOverrideRate',
] as const;

/** The review rows of `window`, none for a model without a review section. */
export async function reviewWindowRows(
  store: Pick<Store, 'transaction'>,
  model: ModelConfig,
  window: WindowKey,
  now: number,
): Promise<MetricRow[]> {
  if (!model.review) return [];
  const items = await store.transaction((tx) =>
    tx.reviewQueue.windowItems(window.model, window.version, window.start, window.end),
  );
  return reviewMetricRows(window, model, items, now);
}

/**
 * Model rows (group '') of every metric, and per value of each single group attribute (`age_band=18-25`) the
 * counts and the override rate. A rate's `rows` is its denominator (decided items), so a rule's `minSamples`
 * counts decisions; its details hold the numerator and the Wilson 95% interval.
 */
export function reviewMetricRows(
  window: WindowKey,
  model: Pick<ModelConfig, 'groups'>,
  items: readonly ReviewWindowItem[],
  now: number,
): MetricRow[] {
  const base = {
    model: window.model,
    version: window.version,
    windowStart: window.start,
    windowEnd: window.end,
    feature: '',
    labelledRows: 0,
  };
  const rowsOf = (group: string, list: readonly ReviewWindowItem[], all: boolean): MetricRow[] => {
    const decided = list.filter((i) => i.status === 'decided');
    const count = (metric: MetricName, value: number): MetricRow => ({
      ...base,
      group,
      metric,
      value,
      rows: list.length,
    });
    const rate = (metric: MetricName, of: readonly ReviewWindowItem[]): MetricRow => {
      const overrides = of.filter((i) => i.verdict === 'override').length;
      const [lower, upper] = wilsonInterval(overrides, of.length);
      return {
        ...base,
        group,
        metric,
        value: of.length === 0 ? null : overrides / of.length,
        rows: of.length,
        details: { overrides, decided: of.length, lower, upper },
      };
    };
    const out = [
      count('flaggedRows', list.length),
      count('queuedRows', list.filter((i) => i.status !== 'not_queued').length),
      count('notQueuedRows', list.filter((i) => i.status === 'not_queued').length),
      count('decidedRows', decided.length),
      rate('overrideRate', decided),
    ];
    if (!all) return out;
    const open = list.filter((i) => i.status === 'pending' || i.status === 'claimed');
    const oldest = open.reduce((min, i) => Math.min(min, i.flaggedAt), Number.POSITIVE_INFINITY);
    return [
      ...out,
      rate(
        'auditErrorRate',
        decided.filter((i) => i.audit),
      ),
      { ...base, group, metric: 'reviewBacklog', value: open.length, rows: list.length },
      {
        ...base,
        group,
        metric: 'oldestPendingAge',
        value: open.length === 0 ? null : Math.max(0, (now - oldest) / 1000),
        rows: open.length,
        details: { unit: 'seconds' },
      },
    ];
  };
  const rows = rowsOf('', items, true);
  const attributes = [...new Set(model.groups.filter((g) => !g.includes('*')))];
  for (const attribute of attributes) {
    const byValue = new Map<string, ReviewWindowItem[]>();
    for (const item of items) {
      const value = item.groups[attribute];
      if (value === null || value === undefined) continue;
      byValue.set(value, [...(byValue.get(value) ?? []), item]);
    }
    let worst: MetricRow | undefined;
    for (const [value, list] of [...byValue].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const own = rowsOf(`${attribute}=${value}`, list, false);
      rows.push(...own);
      const rate = own.find((r) => r.metric === 'overrideRate')!;
      if (rate.value !== null && (worst === undefined || rate.value > (worst.value as number))) worst = rate;
    }
    // The attribute's highest override rate, as an alert subject (group key = the attribute, like the fairness
    // differences): a rule `{ metric: groupOverrideRate, group: age_band }` fires when one of its groups breaches.
    rows.push(
      worst
        ? {
            ...worst,
            metric: 'groupOverrideRate',
            group: attribute,
            details: { ...(worst.details as object), group: worst.group },
          }
        : { ...base, metric: 'groupOverrideRate', group: attribute, value: null, rows: 0 },
    );
  }
  return rows;
}

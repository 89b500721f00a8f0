/**
 * The reading of metric rows that GET /api/models/:id/windows answers with, and `vigil model show` prints: the rows
 * of each window together, with the window's times, version and counts (docs/streaming.md, "HTTP API").
 */
import { compositeKey } from '@vigil/core';
import type { MetricRow } from '@vigil/store';

/** One window's values: `feature` and `group` null for the whole model and all rows. */
export interface WindowMetric {
  metric: string;
  feature: string | null;
  group: string | null;
  value: number | null;
  details?: unknown;
}

/** One window, times in ISO-8601. */
export interface MetricWindow {
  version: string;
  start: string;
  end: string;
  rows: number;
  labelledRows: number;
  metrics: WindowMetric[];
}

/** Metric rows grouped per window, as GET /api/models/:id/windows returns them. */
export function groupWindows(rows: readonly MetricRow[]): MetricWindow[] {
  const windows = new Map<string, MetricWindow>();
  for (const r of rows) {
    const key = compositeKey(r.version, r.windowStart, r.windowEnd);
    let w = windows.get(key);
    if (!w) {
      w = {
        version: r.version,
        start: new Date(r.windowStart).toISOString(),
        end: new Date(r.windowEnd).toISOString(),
        rows: 0,
        labelledRows: 0,
        metrics: [],
      };
      windows.set(key, w);
    }
    w.rows = Math.max(w.rows, r.rows);
    w.labelledRows = Math.max(w.labelledRows, r.labelledRows);
    w.metrics.push({
      metric: r.metric,
      feature: r.feature || null,
      group: r.group || null,
      value: r.value,
      ...(r.details !== undefined ? { details: r.details } : {}),
    });
  }
  return [...windows.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

import type { MetricName } from '@vigil/core';
import type { MetricRow } from '@vigil/store';
import type { AnalysedWindow } from '../../src/engine/evaluate-window';
import { HOUR } from './config';

/** A window analysis of credit-risk version 7 ending at `end`, with the given metric values. */
export function analysis(
  end: number,
  metrics: Array<{ metric: string; feature?: string; group?: string; value: number | null; details?: unknown }>,
  o: { rows?: number; labelledRows?: number; model?: string; version?: string } = {},
): AnalysedWindow {
  const model = o.model ?? 'credit-risk';
  const version = o.version ?? '7';
  const rows = o.rows ?? 8000;
  const labelledRows = o.labelledRows ?? 500;
  const windowStart = end - HOUR;
  const metricRows: MetricRow[] = metrics.map((m) => ({
    model,
    version,
    windowStart,
    windowEnd: end,
    metric: m.metric as MetricName,
    feature: m.feature ?? '',
    group: m.group ?? '',
    value: m.value,
    rows,
    labelledRows,
    ...(m.details === undefined ? {} : { details: m.details }),
  }));
  return { model, version, windowStart, windowEnd: end, rows, labelledRows, metricRows };
}

export const psi = (value: number | null, feature = 'age') => ({ metric: 'psi', feature, value });

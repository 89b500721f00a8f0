/**
 * How the dashboards read Vigil's tables (docs/dashboards.md "SQL conventions"):
 * - a window is plotted at its end (`window_end`): the point shows what was known once the window closed;
 * - whole-model rows have `feature = ''` and `group_key = ''` (the store uses '' for "none", never NULL);
 * - feature rows have the feature's name and `group_key = ''`; prediction drift is the pseudo-feature `$score`;
 * - fairness differences have `group_key` = the attribute (`sex`, `sex*race`), per-group rates `sex=female`;
 * - traffic comes from `vigil_buckets` (buckets do not overlap; sliding windows do, so summing windows would
 *   count an event several times).
 *
 * Grafana replaces `$name` in panel SQL with the variable `name` before the query reaches PostgreSQL, so a
 * literal dollar followed by a word character never appears in this SQL: `$score` is written `'$' || 'score'`,
 * and `'$%'` (no word character after the dollar) is left alone by Grafana.
 */
import type { MetricName } from '@vigil/core';

/** `model = '$model'` for a single-value variable; `model IN ($model)` when it is multi-value (Grafana quotes). */
export function modelIs(multi: boolean, column = 'model'): string {
  return multi ? `${column} IN ($model)` : `${column} = '$model'`;
}

/** The version variable is multi-value with "All": Grafana expands it to a quoted list. */
export function versionIn(column = 'version'): string {
  return `${column} IN ($version)`;
}

/** Rows of one metric: `metric = 'psi'`. The name is checked against @vigil/core's METRIC_NAMES. */
export function metricIs(name: MetricName, prefix = ''): string {
  return `${prefix}metric = '${name}'`;
}

/** Rows of any of these metrics: `metric IN ('ece', 'mce')`. */
export function metricIn(names: readonly MetricName[], prefix = ''): string {
  return `${prefix}metric IN (${names.map((n) => `'${n}'`).join(', ')})`;
}

/** Rows of the whole model (no feature, no group). */
export function modelRows(prefix = ''): string {
  return `${prefix}feature = '' AND ${prefix}group_key = ''`;
}

/** Rows of input features (not the `$score` pseudo-feature, not groups). */
export function featureRows(prefix = ''): string {
  return `${prefix}feature <> '' AND ${prefix}feature NOT LIKE '$%' AND ${prefix}group_key = ''`;
}

/** The prediction-drift pseudo-feature `$score`, spelled so Grafana does not take it for a variable. */
export const SCORE_FEATURE = `'$' || 'score'`;

/** A series name that carries the version when there is one: `age v7`, or `age` for unversioned events. */
export function withVersion(expression: string, prefix = ''): string {
  return `CASE WHEN ${prefix}version = '' THEN ${expression} ELSE ${expression} || ' v' || ${prefix}version END`;
}

/** Open incidents: still firing, or acknowledged but not resolved. */
export const OPEN_INCIDENT = `status IN ('firing', 'acknowledged')`;

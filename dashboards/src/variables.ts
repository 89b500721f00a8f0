import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { metricIs } from './sql-conventions';
import { VIGIL_DATASOURCE, dedent } from './sql-query';

const ALL = { selected: true, text: ['All'], value: ['$__all'] };

function queryVariable(name: string, label: string, sql: string): QueryVariableBuilder {
  const text = dedent(sql);
  return new QueryVariableBuilder(name).label(label).datasource(VIGIL_DATASOURCE).query(text).allowCustomValue(false);
}

/**
 * The monitored models. Single-value on the per-model dashboards; multi-value with "All" on the fleet and incident
 * dashboards.
 */
export function modelVariable(multi: boolean): Builder<VariableModel> {
  const v = queryVariable('model', 'Model', 'SELECT model FROM vigil_models ORDER BY model')
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.Disabled);
  return multi ? v.multi(true).includeAll(true).current(ALL) : v.multi(false).includeAll(false);
}

/** Versions of the selected model, newest first; "All" by default. */
export function versionVariable(): Builder<VariableModel> {
  return queryVariable(
    'version',
    'Version',
    "SELECT version FROM vigil_model_versions WHERE model = '$model' ORDER BY first_seen_at DESC, version DESC",
  )
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.Disabled)
    .multi(true)
    .includeAll(true)
    .current(ALL);
}

/** Input features of the selected model that have drift rows in the time range. */
export function featureVariable(): Builder<VariableModel> {
  return queryVariable(
    'feature',
    'Feature',
    `SELECT DISTINCT feature FROM vigil_metric_rows
     WHERE model = '$model' AND ${metricIs('drifted')} AND feature <> '' AND feature NOT LIKE '$%' AND group_key = ''
       AND $__timeFilter(window_end)
     ORDER BY feature`,
  )
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.Disabled)
    .multi(true)
    .includeAll(true)
    .current(ALL);
}

/** Group attributes (`sex`, `sex*race`) of the selected model that have fairness rows in the time range. */
export function groupVariable(): Builder<VariableModel> {
  return queryVariable(
    'group',
    'Group attribute',
    `SELECT DISTINCT group_key FROM vigil_metric_rows
     WHERE model = '$model' AND ${metricIs('statisticalParityDifference')} AND group_key <> ''
       AND $__timeFilter(window_end)
     ORDER BY group_key`,
  )
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.Disabled)
    .multi(true)
    .includeAll(true)
    .current(ALL);
}

/** A fixed list of metric names; `options` are [label, metric name] pairs, the first is the default. */
export function metricChoice(
  name: string,
  label: string,
  options: ReadonlyArray<readonly [string, string]>,
): Builder<VariableModel> {
  const [first] = options;
  if (first === undefined) throw new Error(`variable ${name} needs at least one option`);
  return new CustomVariableBuilder(name)
    .label(label)
    .values(options.map(([text, value]) => `${text} : ${value}`).join(', '))
    .options(options.map(([text, value], i) => ({ selected: i === 0, text, value })))
    .current({ selected: true, text: first[0], value: first[1] })
    .multi(false)
    .includeAll(false);
}

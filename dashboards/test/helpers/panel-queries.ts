/**
 * Running dashboard queries as Grafana would: variables resolved in order, macros expanded, each statement run
 * on the real PostgreSQL schema with its column types, and what each panel type needs of the result.
 */
import type { SqlExecutor, Store } from '@vigil/store';
import type { DashboardJson, PanelJson, SqlTarget } from './dashboard-json';
import { expandGrafanaSql, type GrafanaQueryContext, type GrafanaVariable } from './grafana-sql';

export interface Column {
  name: string;
  type: string;
}

export interface Result {
  columns: Column[];
  rows: Array<Record<string, unknown>>;
}

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);
const TIME = new Set(['timestamp with time zone', 'timestamp without time zone']);
const TEXT = new Set(['text', 'character varying']);

/**
 * Runs one expanded statement and reports its column types too: the statement becomes a temporary view, whose
 * columns PostgreSQL describes in pg_attribute (the store's client returns rows only).
 */
export async function run(store: Store, sql: string): Promise<Result> {
  return store.transaction(async (tx: SqlExecutor) => {
    await tx.query(`CREATE TEMPORARY VIEW vigil_panel_query AS ${sql}`);
    const columns = await tx.query<Column>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = 'vigil_panel_query'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    const rows = await tx.query<Record<string, unknown>>('SELECT * FROM vigil_panel_query');
    await tx.query('DROP VIEW vigil_panel_query');
    return { columns: columns.rows, rows: rows.rows };
  });
}

const timeMs = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value) * 1000);

/** What Grafana needs of a query's result for the panel that shows it. */
export function checkShape(panel: PanelJson, target: SqlTarget, result: Result): void {
  const where = `panel "${panel.title}" (${panel.type})`;
  const names = result.columns.map((c) => c.name);
  expect({ where, duplicateColumns: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({
    where,
    duplicateColumns: [],
  });
  expect({ where, rows: result.rows.length > 0 }).toEqual({ where, rows: true });
  const numeric = result.columns.filter((c) => NUMERIC.has(c.type) && c.name !== 'time');
  expect({ where, numericColumns: numeric.length > 0 }).toEqual({ where, numericColumns: true });
  if (target.format === 'time_series') {
    const time = result.columns.find((c) => c.name === 'time');
    expect({ where, time: time !== undefined && (TIME.has(time.type) || NUMERIC.has(time.type)) }).toEqual({
      where,
      time: true,
    });
    const others = result.columns.filter((c) => c.name !== 'time');
    expect({ where, otherColumns: others.filter((c) => !NUMERIC.has(c.type) && !TEXT.has(c.type)) }).toEqual({
      where,
      otherColumns: [],
    });
    // Sorted by time, and one value per series and time (Grafana turns long rows into one series per label set).
    const times = result.rows.map((r) => timeMs(r.time));
    expect({ where, sorted: times.every((t, i) => i === 0 || (times[i - 1] as number) <= t) }).toEqual({
      where,
      sorted: true,
    });
    const labels = others.filter((c) => TEXT.has(c.type)).map((c) => c.name);
    const keys = result.rows.map((r) => [timeMs(r.time), ...labels.map((l) => r[l])].join('|'));
    expect({ where, duplicatePoints: keys.filter((k, i) => keys.indexOf(k) !== i).slice(0, 3) }).toEqual({
      where,
      duplicatePoints: [],
    });
    // Three columns: time, metric and value; the metric column names the series.
    if (result.columns.length === 3 && labels.length === 1)
      expect({ where, label: labels[0] }).toEqual({ where, label: 'metric' });
  }
  if (panel.type === 'barchart') {
    const xField = panel.options?.xField as string;
    expect({ where, xField: result.columns.some((c) => c.name === xField) }).toEqual({ where, xField: true });
    const xs = result.rows.map((r) => String(r[xField]));
    expect({ where, repeatedBars: xs.filter((x, i) => xs.indexOf(x) !== i) }).toEqual({ where, repeatedBars: [] });
  }
  if (panel.type === 'stat') expect({ where, statRows: result.rows.length }).toEqual({ where, statRows: 1 });
}

/**
 * Resolves the dashboard's variables in order, as Grafana does on load: a query variable runs its SQL (with the
 * variables before it) and takes its first value, or every value for "All"; a custom variable takes `choice`
 * when given, else its first option.
 */
export async function variablesOf(
  store: Store,
  range: { from: Date; to: Date; intervalMs?: number },
  dashboard: DashboardJson,
  choices: Record<string, string> = {},
): Promise<GrafanaQueryContext> {
  const context: GrafanaQueryContext = {
    from: range.from,
    to: range.to,
    intervalMs: range.intervalMs ?? 300_000,
    variables: {},
  };
  const variables = context.variables as Record<string, GrafanaVariable>;
  for (const v of dashboard.templating.list) {
    let values: string[];
    if (v.type === 'query') {
      const result = await run(store, expandGrafanaSql(v.query ?? '', context));
      expect({ variable: `${dashboard.uid}/${v.name}`, columns: result.columns.length }).toEqual({
        variable: `${dashboard.uid}/${v.name}`,
        columns: 1,
      });
      values = result.rows.map((r) => String(Object.values(r)[0]));
    } else if (v.type === 'custom') {
      values = (v.options ?? []).map((o) => o.value);
    } else {
      throw new Error(`${dashboard.uid}: variable ${v.name} has type ${v.type}, which this test does not know`);
    }
    expect({ variable: `${dashboard.uid}/${v.name}`, options: values.length > 0 }).toEqual({
      variable: `${dashboard.uid}/${v.name}`,
      options: true,
    });
    const chosen = choices[v.name] ?? values[0]!;
    if (v.includeAll) variables[v.name] = { value: values, multi: v.multi, includeAll: true };
    else variables[v.name] = { value: v.multi ? [chosen] : chosen, multi: v.multi, includeAll: false };
  }
  return context;
}

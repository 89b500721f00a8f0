import { createStore, type SqlExecutor, type Store } from '@vigil/store';
import { createTestSchema } from '../../packages/store/test/helpers/database';
import { dashboardsJson, type DashboardJson, type PanelJson, type SqlTarget } from './helpers/dashboard-json';
import { fillStore, type Fixture } from './helpers/fixture';
import { expandGrafanaSql, type GrafanaQueryContext, type GrafanaVariable } from './helpers/grafana-sql';

/**
 * Every query of every dashboard — variables, panels, annotations — expanded exactly as Grafana expands it and
 * run against the real PostgreSQL schema (all migrations) filled with realistic rows; each must return rows with
 * the columns its panel type needs.
 */

interface Column {
  name: string;
  type: string;
}

interface Result {
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
async function run(store: Store, sql: string): Promise<Result> {
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
function checkShape(panel: PanelJson, target: SqlTarget, result: Result): void {
  const where = `panel "${panel.title}" (${panel.type})`;
  const names = result.columns.map((c) => c.name);
  expect({ where, duplicateColumns: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({ where, duplicateColumns: [] });
  expect({ where, rows: result.rows.length > 0 }).toEqual({ where, rows: true });
  const numeric = result.columns.filter((c) => NUMERIC.has(c.type) && c.name !== 'time');
  expect({ where, numericColumns: numeric.length > 0 }).toEqual({ where, numericColumns: true });
  if (target.format === 'time_series') {
    const time = result.columns.find((c) => c.name === 'time');
    expect({ where, time: time !== undefined && (TIME.has(time.type) || NUMERIC.has(time.type)) }).toEqual({ where, time: true });
    const others = result.columns.filter((c) => c.name !== 'time');
    expect({ where, otherColumns: others.filter((c) => !NUMERIC.has(c.type) && !TEXT.has(c.type)) }).toEqual({ where, otherColumns: [] });
    // Sorted by time, and one value per series and time (Grafana turns long rows into one series per label set).
    const times = result.rows.map((r) => timeMs(r.time));
    expect({ where, sorted: times.every((t, i) => i === 0 || (times[i - 1] as number) <= t) }).toEqual({ where, sorted: true });
    const labels = others.filter((c) => TEXT.has(c.type)).map((c) => c.name);
    const keys = result.rows.map((r) => [timeMs(r.time), ...labels.map((l) => r[l])].join('|'));
    expect({ where, duplicatePoints: keys.filter((k, i) => keys.indexOf(k) !== i).slice(0, 3) }).toEqual({ where, duplicatePoints: [] });
    // Three columns: time, metric and value; the metric column names the series.
    if (result.columns.length === 3 && labels.length === 1) expect({ where, label: labels[0] }).toEqual({ where, label: 'metric' });
  }
  if (panel.type === 'barchart') {
    const xField = panel.options?.xField as string;
    expect({ where, xField: result.columns.some((c) => c.name === xField) }).toEqual({ where, xField: true });
    const xs = result.rows.map((r) => String(r[xField]));
    expect({ where, repeatedBars: xs.filter((x, i) => xs.indexOf(x) !== i) }).toEqual({ where, repeatedBars: [] });
  }
  if (panel.type === 'stat') expect({ where, statRows: result.rows.length }).toEqual({ where, statRows: 1 });
}

describe('dashboard SQL on the real PostgreSQL schema', () => {
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let store: Store;
  let fixture: Fixture;

  beforeAll(async () => {
    db = await createTestSchema('dashboards');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 2 });
    fixture = await fillStore(store);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /**
   * Resolves the dashboard's variables in order, as Grafana does on load: a query variable runs its SQL (with the
   * variables before it) and takes its first value, or every value for "All"; a custom variable takes `choice`
   * when given, else its first option.
   */
  async function variablesOf(dashboard: DashboardJson, choices: Record<string, string> = {}): Promise<GrafanaQueryContext> {
    const context: GrafanaQueryContext = { from: fixture.from, to: fixture.to, intervalMs: 300_000, variables: {} };
    const variables = context.variables as Record<string, GrafanaVariable>;
    for (const v of dashboard.templating.list) {
      let values: string[];
      if (v.type === 'query') {
        const result = await run(store, expandGrafanaSql(v.query ?? '', context));
        expect({ variable: `${dashboard.uid}/${v.name}`, columns: result.columns.length }).toEqual({ variable: `${dashboard.uid}/${v.name}`, columns: 1 });
        values = result.rows.map((r) => String(Object.values(r)[0]));
      } else if (v.type === 'custom') {
        values = (v.options ?? []).map((o) => o.value);
      } else {
        throw new Error(`${dashboard.uid}: variable ${v.name} has type ${v.type}, which this test does not know`);
      }
      expect({ variable: `${dashboard.uid}/${v.name}`, options: values.length > 0 }).toEqual({ variable: `${dashboard.uid}/${v.name}`, options: true });
      const chosen = choices[v.name] ?? values[0]!;
      if (v.includeAll) variables[v.name] = { value: values, multi: v.multi, includeAll: true };
      else variables[v.name] = { value: v.multi ? [chosen] : chosen, multi: v.multi, includeAll: false };
    }
    return context;
  }

  const dashboards = dashboardsJson();

  it('has the models of the fixture', () => {
    expect(fixture.models).toEqual(['credit-risk', 'delivery-eta', 'fraud-score']);
  });

  describe.each(dashboards.map((d) => [d.uid, d] as const))('%s', (_uid, dashboard) => {
    it('resolves every variable to values from the database', async () => {
      const context = await variablesOf(dashboard);
      for (const v of dashboard.templating.list) expect(context.variables[v.name]).toBeDefined();
      if (context.variables.model && !context.variables.model.includeAll) expect(context.variables.model.value).toBe('credit-risk');
    });

    it('runs every panel query and gets the columns the panel type needs', async () => {
      const custom = dashboard.templating.list.filter((v) => v.type === 'custom');
      // Every choice of every custom variable (drift metric, group rate) is run, not just the default.
      const runs: Array<Record<string, string>> = [{}, ...custom.flatMap((v) => (v.options ?? []).slice(1).map((o) => ({ [v.name]: o.value })))];
      let queries = 0;
      for (const choice of runs) {
        const context = await variablesOf(dashboard, choice);
        for (const panel of dashboard.panels) {
          const usesChoice = Object.keys(choice).every((name) => panel.targets?.some((t) => t.rawSql.includes(`$${name}`)) || panel.title.includes(`$${name}`));
          if (!usesChoice) continue;
          for (const target of panel.targets ?? []) {
            const sql = expandGrafanaSql(target.rawSql, context);
            expect({ panel: panel.title, unexpanded: sql.match(/\$\w+/g) ?? [] }).toEqual({ panel: panel.title, unexpanded: [] });
            const result = await run(store, sql).catch((error: Error) => {
              throw new Error(`${dashboard.uid} / ${panel.title}: ${error.message}\n${sql}`);
            });
            checkShape(panel, target, result);
            queries++;
          }
        }
      }
      expect(queries).toBeGreaterThanOrEqual(dashboard.panels.length);
    }, 60_000);

    it('shows incidents as annotations: time, timeend, text and tags', async () => {
      const context = await variablesOf(dashboard);
      const [annotation] = dashboard.annotations.list;
      expect(annotation?.name).toBe('Incidents');
      const result = await run(store, expandGrafanaSql(annotation!.target!.rawSql, context));
      expect(result.columns).toEqual([
        { name: 'time', type: 'timestamp with time zone' },
        { name: 'timeend', type: 'timestamp with time zone' },
        { name: 'text', type: 'text' },
        { name: 'tags', type: 'text' },
      ]);
      expect(result.rows.length).toBeGreaterThan(0);
      const texts = result.rows.map((r) => String(r.text)).join('\n');
      if (context.variables.model?.includeAll) expect(texts).toMatch(/critical firing: rmse = 8.9 \(threshold 8\)$/m);
      else expect(texts).toMatch(/critical firing: psi of income = 0.31 \(threshold 0.2\), version 7$/m);
    });
  });

  it('shows the reliability diagram of the latest window from the bins the daemon stores in details.bins', async () => {
    const calibration = dashboards.find((d) => d.uid === 'vigil-calibration')!;
    const context = await variablesOf(calibration);
    const diagram = calibration.panels.find((p) => p.type === 'barchart')!;
    const bars = await run(store, expandGrafanaSql(diagram.targets![0]!.rawSql, context));
    const table = calibration.panels.find((p) => p.title === 'Calibration bins (latest window)')!;
    const bins = await run(store, expandGrafanaSql(table.targets![0]!.rawSql, context));
    // Ten equal-width bins; the diagram leaves out the empty ones.
    expect(bins.rows.map((r) => [Number(r.lower).toFixed(1), Number(r.upper).toFixed(1)])).toEqual(Array.from({ length: 10 }, (_, i) => [(i / 10).toFixed(1), ((i + 1) / 10).toFixed(1)]));
    const filled = bins.rows.filter((r) => Number(r.count) > 0);
    expect(bars.rows.map((r) => r.bin)).toEqual(filled.map((r) => `${Number(r.lower).toFixed(2)}–${Number(r.upper).toFixed(2)}`));
    for (const r of filled) expect(Number(r.mean_score) >= Number(r.lower) && Number(r.mean_score) <= Number(r.upper)).toBe(true);
    // The labels of the latest window lag the scores by about 0.2·23/24: observed rates sit below the scores.
    const gaps = filled.filter((r) => Number(r.count) >= 50).map((r) => Number(r.gap));
    expect(gaps.length).toBeGreaterThan(3);
    expect(gaps.reduce((a, g) => a + g, 0) / gaps.length).toBeLessThan(-0.1);
  });

  it('shows each group rate with its Wilson interval, and marks groups too small to judge', async () => {
    const fairness = dashboards.find((d) => d.uid === 'vigil-fairness')!;
    const panel = fairness.panels.find((p) => p.title === 'Groups in the latest window')!;
    const result = await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, await variablesOf(fairness)));
    const groups = [...new Set(result.rows.map((r) => r.group))].sort();
    expect(groups).toEqual(['sex*race=female*black', 'sex*race=female*white', 'sex*race=male*black', 'sex*race=male*white', 'sex=female', 'sex=male']);
    expect([...new Set(result.rows.map((r) => r.rate))].sort()).toEqual(['ece', 'fnr', 'fpr', 'ppv', 'selectionRate', 'tpr']);
    const withInterval = result.rows.filter((r) => r.value !== null && r.ci_lower !== null);
    expect(withInterval.length).toBeGreaterThan(30);
    for (const r of withInterval) expect(Number(r.ci_lower) <= Number(r.value) + 1e-12 && Number(r.value) <= Number(r.ci_upper) + 1e-12).toBe(true);
    // A group's ECE has no interval; the selection rate is judged on the group's rows.
    expect(result.rows.filter((r) => r.rate === 'ece').every((r) => r.ci_lower === null)).toBe(true);
    for (const r of result.rows.filter((x) => x.rate === 'selectionRate')) expect({ group: r.group, sufficient: r.sufficient }).toEqual({ group: r.group, sufficient: Number(r.n) >= 30 });
    expect(result.rows.some((r) => r.sufficient === false)).toBe(true);
  });

  it('draws every incident on the timeline as firing, acknowledged, silenced and closed spans', async () => {
    const incidents = dashboards.find((d) => d.uid === 'vigil-incidents')!;
    const panel = incidents.panels.find((p) => p.type === 'state-timeline')!;
    const result = await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, await variablesOf(incidents)));
    const states = (name: RegExp) => [...new Set(result.rows.filter((r) => name.test(String(r.metric))).map((r) => Number(r.state)))].sort();
    expect(new Set(result.rows.map((r) => r.metric)).size).toBe(6);
    expect(states(/^credit-risk \/ 7 \/ psi \/ income \(critical\)/)).toEqual([0, 1]);
    expect(states(/^credit-risk \/ 7 \/ ece \(warning\)/)).toEqual([0, 1, 2]);
    expect(states(/^credit-risk \/ 8 \/ statisticalParityDifference \/ sex/)).toEqual([0, 1, 2]);
    expect(states(/^fraud-score \/ 3 \/ chi2PValue \/ region/)).toEqual([0, 3]);
  });

  it('counts what the fleet overview promises', async () => {
    const fleet = dashboards.find((d) => d.uid === 'vigil-fleet')!;
    const context = await variablesOf(fleet);
    const value = async (title: string) => {
      const panel = fleet.panels.find((p) => p.title === title)!;
      const [row] = (await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, context))).rows;
      return Number(Object.values(row!)[0]);
    };
    expect(await value('Models')).toBe(3);
    expect(await value('Open incidents')).toBe(3);
    expect(await value('Critical and firing')).toBe(2);
    // The last three windows of each of the four model versions are not analysed yet.
    expect(await value('Windows awaiting analysis')).toBe(12);
    expect(await value('Events')).toBeGreaterThan(24 * (1200 + 400 + 3000 + 9000) * 0.7);
  });
});

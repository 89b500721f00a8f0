import { createStore, type MetricRow, type SqlExecutor, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';
import { dashboardsJson, type DashboardJson } from './helpers/dashboard-json';
import { fillStore, type Fixture } from './helpers/fixture';
import { expandGrafanaSql } from './helpers/grafana-sql';
import { checkShape, run, variablesOf as queryVariables } from './helpers/panel-queries';

/**
 * The fleet panels as they read every input feature's row of every window before migration 0027 (the windows'
 * summary columns): the answers the new SQL must give.
 */
const FLEET_WORST_PSI_BEFORE_0027 = `SELECT window_end AS "time", model AS metric, max(value_max) AS psi
  FROM vigil_metric_points
  WHERE model IN ($model) AND metric = 'psi' AND feature <> '' AND feature NOT LIKE '$%' AND group_key = '' AND $__timeFilter(window_end)
    AND grain <> 'day' AND (grain = 'window' OR window_start >= (SELECT windows_day FROM vigil_metric_seams()))
  GROUP BY 1, 2
  UNION ALL
  SELECT last_window_end, model, max(feature_value_max_max)
  FROM vigil_metric_model_daily
  WHERE model IN ($model) AND metric = 'psi' AND bucket_start < (SELECT windows_day FROM vigil_metric_seams())
    AND bucket_start BETWEEN $__timeFrom()::timestamptz - interval '1 day' AND $__timeTo()::timestamptz AND $__timeFilter(last_window_end)
  GROUP BY 1, 2
  ORDER BY 1`;
const FLEET_MODELS_DRIFT_BEFORE_0027 = `WITH latest AS (
    SELECT DISTINCT ON (model) model, version, window_start, window_end
    FROM vigil_metric_rows
    WHERE model IN ($model) AND metric = 'rows' AND feature = '' AND group_key = '' AND $__timeFilter(window_end)
    ORDER BY model, window_end DESC, version DESC
  ), drift AS (
    SELECT r.model,
           max(r.value) FILTER (WHERE r.metric = 'psi') AS worst_psi,
           (array_agg(r.feature ORDER BY r.value DESC NULLS LAST) FILTER (WHERE r.metric = 'psi'))[1] AS worst_feature,
           sum(r.value) FILTER (WHERE r.metric = 'drifted') AS drifted_features
    FROM vigil_metric_rows AS r
    JOIN latest AS l ON l.model = r.model AND l.version = r.version AND l.window_start = r.window_start AND l.window_end = r.window_end
    WHERE r.metric IN ('psi', 'drifted') AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = ''
    GROUP BY r.model
  )
  SELECT m.model, l.window_end AS latest_window_end, d.worst_feature, d.worst_psi, d.drifted_features
  FROM vigil_models AS m LEFT JOIN latest AS l ON l.model = m.model LEFT JOIN drift AS d ON d.model = m.model
  WHERE m.model IN ($model) ORDER BY m.model`;

/**
 * Every query of every dashboard — variables, panels, annotations — expanded exactly as Grafana expands it and
 * run against the real PostgreSQL schema (all migrations) filled with realistic rows; each must return rows with
 * the columns its panel type needs.
 */

describe('dashboard SQL on the real PostgreSQL schema', () => {
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let store: Store;
  let fixture: Fixture;
  /** Every metric row the fixture wrote, for the table of before the compact storage (migration 0012). */
  const written: MetricRow[] = [];

  beforeAll(async () => {
    db = await createTestSchema('dashboards');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 2 });
    fixture = await fillStore({
      ...store,
      metrics: { ...store.metrics, upsertRows: (rows) => (written.push(...rows), store.metrics.upsertRows(rows)) },
    });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const variablesOf = (dashboard: DashboardJson, choices: Record<string, string> = {}) =>
    queryVariables(store, fixture, dashboard, choices);

  const dashboards = dashboardsJson();

  it('has the models of the fixture', () => {
    expect(fixture.models).toEqual(['credit-risk', 'delivery-eta', 'fraud-score']);
  });

  describe.each(dashboards.map((d) => [d.uid, d] as const))('%s', (_uid, dashboard) => {
    it('resolves every variable to values from the database', async () => {
      const context = await variablesOf(dashboard);
      for (const v of dashboard.templating.list) expect(context.variables[v.name]).toBeDefined();
      if (context.variables.model && !context.variables.model.includeAll)
        expect(context.variables.model.value).toBe('credit-risk');
    });

    it('runs every panel query and gets the columns the panel type needs', async () => {
      const custom = dashboard.templating.list.filter((v) => v.type === 'custom');
      // Every choice of every custom variable (drift metric, group rate) is run, not just the default.
      const runs: Array<Record<string, string>> = [
        {},
        ...custom.flatMap((v) => (v.options ?? []).slice(1).map((o) => ({ [v.name]: o.value }))),
      ];
      let queries = 0;
      for (const choice of runs) {
        const context = await variablesOf(dashboard, choice);
        for (const panel of dashboard.panels) {
          const usesChoice = Object.keys(choice).every(
            (name) => panel.targets?.some((t) => t.rawSql.includes(`$${name}`)) || panel.title.includes(`$${name}`),
          );
          if (!usesChoice) continue;
          for (const target of panel.targets ?? []) {
            const sql = expandGrafanaSql(target.rawSql, context);
            expect({ panel: panel.title, unexpanded: sql.match(/\$\w+/g) ?? [] }).toEqual({
              panel: panel.title,
              unexpanded: [],
            });
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

  it('answers every panel query as it did on the metric-rows table that the compact storage replaced', async () => {
    expect(written.length).toBeGreaterThan(1000);
    // The same rows in a temporary table of the old definition (migration 0001) with the old upsert (the last row of
    // a key wins): a temporary relation comes first in the search path, so the same SQL then reads the table.
    const latest = new Map(
      written.map((r) => [
        [r.model, r.version, r.windowStart, r.windowEnd, r.metric, r.feature, r.group].join('\u0000'),
        r,
      ]),
    );
    let compared = 0;
    for (const dashboard of dashboards) {
      const context = await variablesOf(dashboard);
      const sqls = dashboard.panels
        .flatMap((p) => (p.targets ?? []).map((t) => expandGrafanaSql(t.rawSql, context)))
        .filter((q) => q.includes('vigil_metric_rows') || q.includes('vigil_metric_points'));
      await store.transaction(async (tx: SqlExecutor) => {
        const compact = [];
        for (const q of sqls) compact.push((await tx.query<Record<string, unknown>>(q)).rows);
        await tx.query(`CREATE TEMPORARY TABLE vigil_metric_rows (
          model text NOT NULL, version text NOT NULL, window_start timestamptz NOT NULL, window_end timestamptz NOT NULL, metric text NOT NULL,
          feature text NOT NULL DEFAULT '', group_key text NOT NULL DEFAULT '', value double precision, rows bigint NOT NULL, labelled_rows bigint NOT NULL,
          details jsonb, computed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (model, version, window_start, window_end, metric, feature, group_key)) ON COMMIT DROP`);
        // No retention ran: the points of migration 0025 are the windows.
        await tx.query(`CREATE TEMPORARY VIEW vigil_metric_points AS
          SELECT 'window' AS grain, model, version, metric, feature, group_key, window_start, window_end, value, value AS value_max, 1 AS windows, rows, labelled_rows
          FROM vigil_metric_rows`);
        await tx.query(
          `INSERT INTO vigil_metric_rows (model, version, window_start, window_end, metric, feature, group_key, value, rows, labelled_rows, details)
           SELECT r.model, r.version, to_timestamp(r.ws / 1000.0), to_timestamp(r.we / 1000.0), r.metric, r.feature, r.grp, r.value::float8, r.rows, r.labelled, r.details
           FROM jsonb_to_recordset($1::jsonb) AS r(model text, version text, ws bigint, we bigint, metric text, feature text, grp text, value text, rows bigint, labelled bigint, details jsonb)`,
          [
            JSON.stringify(
              [...latest.values()].map((r) => ({
                model: r.model,
                version: r.version,
                ws: r.windowStart,
                we: r.windowEnd,
                metric: r.metric,
                feature: r.feature,
                grp: r.group,
                value: r.value === null ? null : String(r.value),
                rows: r.rows,
                labelled: r.labelledRows,
                details: r.details ?? null,
              })),
            ),
          ],
        );
        for (const [i, q] of sqls.entries()) {
          const table = (await tx.query<Record<string, unknown>>(q)).rows;
          expect({ dashboard: dashboard.uid, q, rows: table }).toEqual({
            dashboard: dashboard.uid,
            q,
            rows: compact[i],
          });
          compared++;
        }
      });
    }
    expect(compared).toBeGreaterThan(20);
  }, 60_000);

  it('shows the reliability diagram of the latest window from the bins the daemon stores in details.bins', async () => {
    const calibration = dashboards.find((d) => d.uid === 'vigil-calibration')!;
    const context = await variablesOf(calibration);
    const diagram = calibration.panels.find((p) => p.type === 'barchart')!;
    const bars = await run(store, expandGrafanaSql(diagram.targets![0]!.rawSql, context));
    const table = calibration.panels.find((p) => p.title === 'Calibration bins (latest window)')!;
    const bins = await run(store, expandGrafanaSql(table.targets![0]!.rawSql, context));
    // Ten equal-width bins; the diagram leaves out the empty ones.
    expect(bins.rows.map((r) => [Number(r.lower).toFixed(1), Number(r.upper).toFixed(1)])).toEqual(
      Array.from({ length: 10 }, (_, i) => [(i / 10).toFixed(1), ((i + 1) / 10).toFixed(1)]),
    );
    const filled = bins.rows.filter((r) => Number(r.count) > 0);
    expect(bars.rows.map((r) => r.bin)).toEqual(
      filled.map((r) => `${Number(r.lower).toFixed(2)}–${Number(r.upper).toFixed(2)}`),
    );
    for (const r of filled)
      expect(Number(r.mean_score) >= Number(r.lower) && Number(r.mean_score) <= Number(r.upper)).toBe(true);
    // The labels of the latest window lag the scores by about 0.2·23/24: observed rates sit below the scores.
    const gaps = filled.filter((r) => Number(r.count) >= 50).map((r) => Number(r.gap));
    expect(gaps.length).toBeGreaterThan(3);
    expect(gaps.reduce((a, g) => a + g, 0) / gaps.length).toBeLessThan(-0.1);
  });

  it('draws the estimated performance (CBPE) beside the realised one, per metric', async () => {
    const overview = dashboards.find((d) => d.uid === 'vigil-model')!;
    const context = await variablesOf(overview);
    const panel = overview.panels.find((p) => p.title === 'Performance')!;
    const result = await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, context));
    const series = [...new Set(result.rows.map((r) => String(r.metric)))].sort();
    for (const m of ['accuracy', 'auc', 'precision', 'recall']) {
      expect(series.some((s) => s.startsWith(`${m} `) || s === m)).toBe(true);
      const estimated = `estimated${m[0]!.toUpperCase()}${m.slice(1)}`;
      expect(series.some((s) => s.startsWith(`${estimated} `) || s === estimated)).toBe(true);
    }
  });

  it("draws the linear surrogate's R² and its importance per feature, and ranks only from the logged attributions", async () => {
    const explanations = dashboards.find((d) => d.uid === 'vigil-explanations')!;
    const context = await variablesOf(explanations);
    const rowsOf = async (title: string) =>
      (
        await run(
          store,
          expandGrafanaSql(explanations.panels.find((p) => p.title === title)!.targets![0]!.rawSql, context),
        )
      ).rows;
    const r2 = await rowsOf('Linear surrogate: R²');
    // credit-risk versions 7 and 8, one point per window each.
    expect([...new Set(r2.map((r) => r.metric))].sort()).toEqual(['R² v7', 'R² v8']);
    expect(r2.length).toBeGreaterThan(20);
    // The fixture's score follows sex and noise, none of the features: a linear surrogate of them explains little.
    for (const r of r2) expect(Number(r.value) >= 0 && Number(r.value) < 0.2).toBe(true);
    const importance = await rowsOf('Linear surrogate: importance per feature');
    expect([...new Set(importance.map((r) => r.metric))].sort()).toEqual([
      'age v7',
      'age v8',
      'income v7',
      'income v8',
      'region v7',
      'region v8',
    ]);
    for (const r of importance) expect(Number(r.value)).toBeGreaterThanOrEqual(0);
    // The events logged attributions, so the NDCG and the shares are theirs: no surrogate-sourced row behind the panels.
    const sources = await run(
      store,
      `SELECT DISTINCT details ->> 'source' AS source FROM vigil_metric_rows
       WHERE model = 'credit-risk' AND metric IN ('attributionNdcg', 'protectedAttributionShare', 'proxyAttributionShare')`,
    );
    expect(sources.rows).toEqual([{ source: null }]);
  });

  it("shows the review queue now and each group's override rate with its Wilson interval", async () => {
    const review = dashboards.find((d) => d.uid === 'vigil-review')!;
    const context = await variablesOf(review);
    const now = await run(
      store,
      expandGrafanaSql(review.panels.find((p) => p.title === 'Queue now')!.targets![0]!.rawSql, context),
    );
    expect(now.rows).toEqual([expect.objectContaining({ pending: '5', claimed: '0' })]);
    expect(Number(now.rows[0]!['oldest pending (s)'])).toBeGreaterThan(3 * 3600 - 60);
    const groups = await run(
      store,
      expandGrafanaSql(
        review.panels.find((p) => p.title === 'Override rate per group (latest window)')!.targets![0]!.rawSql,
        context,
      ),
    );
    expect([...new Set(groups.rows.map((r) => r.group))].sort()).toEqual(['sex=female', 'sex=male']);
    for (const r of groups.rows) {
      expect(Number(r.override_rate)).toBeCloseTo(Number(r.overrides) / Number(r.decided), 12);
      expect(Number(r.ci_lower) <= Number(r.override_rate) && Number(r.override_rate) <= Number(r.ci_upper)).toBe(true);
    }
  });

  it('shows each group rate with its Wilson interval, and marks groups too small to judge', async () => {
    const fairness = dashboards.find((d) => d.uid === 'vigil-fairness')!;
    const panel = fairness.panels.find((p) => p.title === 'Groups in the latest window')!;
    const result = await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, await variablesOf(fairness)));
    const groups = [...new Set(result.rows.map((r) => r.group))].sort();
    expect(groups).toEqual([
      'sex*race=female*black',
      'sex*race=female*white',
      'sex*race=male*black',
      'sex*race=male*white',
      'sex=female',
      'sex=male',
    ]);
    expect([...new Set(result.rows.map((r) => r.rate))].sort()).toEqual([
      'ece',
      'fnr',
      'fpr',
      'ppv',
      'selectionRate',
      'tpr',
    ]);
    const withInterval = result.rows.filter((r) => r.value !== null && r.ci_lower !== null);
    expect(withInterval.length).toBeGreaterThan(30);
    for (const r of withInterval)
      expect(Number(r.ci_lower) <= Number(r.value) + 1e-12 && Number(r.value) <= Number(r.ci_upper) + 1e-12).toBe(true);
    // A group's ECE has no interval; the selection rate is judged on the group's rows.
    expect(result.rows.filter((r) => r.rate === 'ece').every((r) => r.ci_lower === null)).toBe(true);
    for (const r of result.rows.filter((x) => x.rate === 'selectionRate'))
      expect({ group: r.group, sufficient: r.sufficient }).toEqual({ group: r.group, sufficient: Number(r.n) >= 30 });
    expect(result.rows.some((r) => r.sufficient === false)).toBe(true);
  });

  it('draws every incident on the timeline as firing, acknowledged, silenced and closed spans', async () => {
    const incidents = dashboards.find((d) => d.uid === 'vigil-incidents')!;
    const panel = incidents.panels.find((p) => p.type === 'state-timeline')!;
    const result = await run(store, expandGrafanaSql(panel.targets![0]!.rawSql, await variablesOf(incidents)));
    const states = (name: RegExp) =>
      [...new Set(result.rows.filter((r) => name.test(String(r.metric))).map((r) => Number(r.state)))].sort();
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

  /** The fleet panels' answers (new SQL) and the same from the SQL before migration 0027, comparably ordered. */
  const fleetAnswers = async () => {
    const fleet = dashboards.find((d) => d.uid === 'vigil-fleet')!;
    const context = await variablesOf(fleet);
    const sqlOf = (title: string, type: string) =>
      expandGrafanaSql(fleet.panels.find((p) => p.title === title && p.type === type)!.targets![0]!.rawSql, context);
    const byTimeAndModel = (rows: Array<Record<string, unknown>>) =>
      [...rows].sort(
        (x, y) =>
          (x.time as Date).getTime() - (y.time as Date).getTime() || String(x.metric).localeCompare(String(y.metric)),
      );
    const models = (await run(store, sqlOf('Models', 'table'))).rows
      .map((r) => ({
        model: r.model,
        latest_window_end: r.latest_window_end,
        worst_feature: r.worst_feature,
        worst_psi: r.worst_psi,
        drifted_features: r.drifted_features,
      }))
      .sort((x, y) => String(x.model).localeCompare(String(y.model)));
    return {
      worst: byTimeAndModel((await run(store, sqlOf('Worst feature drift (PSI)', 'timeseries'))).rows),
      worstBefore: byTimeAndModel((await run(store, expandGrafanaSql(FLEET_WORST_PSI_BEFORE_0027, context))).rows),
      models,
      modelsBefore: (await run(store, expandGrafanaSql(FLEET_MODELS_DRIFT_BEFORE_0027, context))).rows,
    };
  };

  it("answers the fleet panels from the windows' summary columns as from every feature row before (migration 0027)", async () => {
    const a = await fleetAnswers();
    expect(a.worst.length).toBeGreaterThan(50);
    expect(a.worst).toEqual(a.worstBefore);
    expect(a.models.filter((m) => m.worst_psi !== null).length).toBeGreaterThanOrEqual(2);
    expect(a.models).toEqual(a.modelsBefore);
    // Both read the windows through their (model, window_end) index and the days through the summary's key.
    const fleet = dashboards.find((d) => d.uid === 'vigil-fleet')!;
    const context = await variablesOf(fleet);
    for (const [title, indexes] of [
      ['Worst feature drift (PSI)', [/Index Scan using vigil_metric_windows\S*_end/, /vigil_metric_model_daily_pkey/]],
      ['Models', [/Index Scan (Backward )?using vigil_metric_windows\S*_end/]],
    ] as const) {
      const panel = fleet.panels.find((p) => p.title === title && p.type !== 'stat')!;
      const plan = await store.transaction(async (tx: SqlExecutor) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        const r = await tx.query<Record<string, string>>(
          `EXPLAIN ${expandGrafanaSql(panel.targets![0]!.rawSql, context)}`,
        );
        return r.rows.map((x) => Object.values(x)[0]).join('\n');
      });
      for (const index of indexes) expect({ title, plan }).toEqual({ title, plan: expect.stringMatching(index) });
    }
  });

  // Last: it deletes windows.
  it('plots the roll-ups where retention deleted the windows, and the windows where it kept them: no gap, nothing twice', async () => {
    const HOUR = 3_600_000;
    const firstStart = fixture.from.getTime() + 2 * HOUR;
    const panels = dashboards.flatMap((d) =>
      d.panels
        .filter((p) => p.targets?.some((t) => t.rawSql.includes('vigil_metric_points')))
        .map((p) => ({ dashboard: d, panel: p })),
    );
    expect(panels.length).toBeGreaterThanOrEqual(20);
    const answers = async () => {
      const out: Array<{ title: string; rows: Array<Record<string, unknown>> }> = [];
      for (const { dashboard, panel } of panels) {
        const context = await variablesOf(dashboard);
        for (const t of panel.targets ?? [])
          out.push({
            title: `${dashboard.uid} / ${panel.title}`,
            rows: (await run(store, expandGrafanaSql(t.rawSql, context))).rows,
          });
      }
      return out;
    };
    const before = await answers();
    const FLEET = 'vigil-fleet / Worst feature drift (PSI)';
    expect(before.some((b) => b.title === FLEET)).toBe(true);
    // Windows ending before half past a midnight within the fixture's hours go (at 10.5 hours in when that midnight
    // is too early or too late): the hour holding the limit is partly deleted and read from its roll-up, whole (every
    // window of the fixture ends on an hour, so an hour holds one window), and the fleet panel reads the day before.
    const DAY = 24 * HOUR;
    const midnight = Math.ceil((firstStart + 4 * HOUR) / DAY) * DAY;
    const limit = midnight <= firstStart + 20 * HOUR ? midnight + 0.5 * HOUR : firstStart + 10.5 * HOUR;
    const seam = limit + 0.5 * HOUR;
    const result = await store.retention.apply(limit + 14 * 24 * HOUR, { metricRowsMs: 14 * 24 * HOUR });
    expect(result?.metrics?.windowsDeleted).toBeGreaterThanOrEqual(4 * 4);
    const left = await run(
      store,
      `SELECT count(*) FILTER (WHERE window_end < '${new Date(limit).toISOString()}')::int AS old, count(*)::int AS kept FROM vigil_metric_windows`,
    );
    expect(left.rows[0]).toMatchObject({ old: 0 });
    const grains = await run(store, `SELECT DISTINCT grain FROM vigil_metric_points ORDER BY 1`);
    expect(grains.rows.map((r) => r.grain)).toEqual(['hour', 'window']);
    const after = await answers();
    // Where retention deleted windows, the fleet panels still answer as the SQL before migration 0027 did.
    const fleetNow = await fleetAnswers();
    expect(fleetNow.worst).toEqual(fleetNow.worstBefore);
    expect(fleetNow.models).toEqual(fleetNow.modelsBefore);
    let older = 0;
    const time = (r: Record<string, unknown>) => (r.time as Date).getTime();
    // The fleet panel reads the days before the windows' first day from the models' daily summary: per model and
    // day, the worst of its windows, at the day's last window.
    const windowsDay = Math.floor(seam / DAY) * DAY;
    const byTime = (rows: Array<Record<string, unknown>>) =>
      [...rows].sort((x, y) => time(x) - time(y) || String(x.metric).localeCompare(String(y.metric)));
    const fleetBefore = before.find((b) => b.title === FLEET)!;
    const days = new Map<string, Record<string, unknown>>();
    for (const r of fleetBefore.rows.filter((r) => time(r) < windowsDay)) {
      const key = `${String(r.metric)} ${Math.floor(time(r) / DAY)}`;
      const d = days.get(key);
      if (!d || time(r) > time(d)) days.set(key, { ...r, psi: Math.max(Number(r.psi), Number(d?.psi ?? -Infinity)) });
      else d.psi = Math.max(Number(r.psi), Number(d.psi));
    }
    if (limit > midnight) expect(days.size).toBeGreaterThanOrEqual(3);
    fleetBefore.rows = byTime([...fleetBefore.rows.filter((r) => time(r) >= windowsDay), ...days.values()]);
    const fleetAfter = after.find((b) => b.title === FLEET)!;
    fleetAfter.rows = byTime(fleetAfter.rows);
    for (const [i, b] of before.entries()) {
      const a = after[i]!;
      older += b.rows.filter((r) => time(r) < seam).length;
      // A band of the reconstruction error is details of a window: gone with it.
      const expected = b.rows.filter((r) => !(time(r) < seam && String(r.metric).startsWith('band ')));
      expect({ panel: a.title, rows: a.rows }).toEqual({ panel: b.title, rows: expected });
    }
    // The roll-ups answered for the first 5 to 21 hours of the 24.
    expect(older).toBeGreaterThan(400);
  }, 60_000);
});

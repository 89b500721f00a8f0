/**
 * The dashboards on what `vigil demo` leaves in a real PostgreSQL schema (issue 5): the built CLI streams every
 * 100th flight of February–June 2001 through the pipeline into a fresh schema, then every variable and every panel
 * query of every dashboard runs there as Grafana would run it over the demo's months.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createStore, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';
import { dashboardsJson } from './helpers/dashboard-json';
import { expandGrafanaSql } from './helpers/grafana-sql';
import { checkShape, run, variablesOf } from './helpers/panel-queries';

const BIN = join(__dirname, '../../packages/daemon/dist/bin.js');
// Six months on a panel about 1,000 pixels wide: Grafana's $__interval is then about 4 hours.
const RANGE = {
  from: new Date('2001-01-01T00:00:00Z'),
  to: new Date('2001-07-01T00:00:00Z'),
  intervalMs: 4 * 3_600_000,
};

describe('dashboards on a demo run', () => {
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let store: Store;
  let out: string;

  beforeAll(async () => {
    db = await createTestSchema('demo-dashboards');
    out = mkdtempSync(join(tmpdir(), 'vigil-demo-sql-'));
    await promisify(execFile)(
      process.execPath,
      [BIN, 'demo', '--every', '100', '--database', db.url, '--schema', db.schema, '--out', out],
      { cwd: out, maxBuffer: 16 * 1024 * 1024 },
    );
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 2 });
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const dashboards = dashboardsJson();

  it.each(dashboards.map((d) => [d.uid, d] as const))(
    '%s: every panel query runs and shows the demo model',
    async (_uid, dashboard) => {
      const context = await variablesOf(store, RANGE, dashboard);
      if (context.variables.model && !context.variables.model.includeAll)
        expect(context.variables.model.value).toBe('flights-delay');
      let withRows = 0;
      const empty: string[] = [];
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const result = await run(store, expandGrafanaSql(target.rawSql, context));
          if (result.rows.length === 0) {
            empty.push(panel.title);
            continue;
          }
          checkShape(panel, target, result);
          withRows++;
        }
      }
      // The demo is a binary model with groups: only panels of what it cannot have (regression errors, say) may be empty.
      // Its review section is small (a few items, no verdicts), and its models have no `explain` section and log no
      // attributions: those two dashboards may stay empty here; panel-sql.test.ts runs every one of their panels on rows.
      const cannotHave =
        dashboard.uid === 'vigil-review' || dashboard.uid === 'vigil-explanations'
          ? /./
          : /regression|MAE|RMSE|silenced|acknowledged/i;
      expect({ dashboard: dashboard.uid, empty: empty.filter((t) => !cannotHave.test(t)) }).toEqual({
        dashboard: dashboard.uid,
        empty: [],
      });
      // Every dashboard but Explanations shows the demo's model somewhere (the demo explains nothing, see above).
      if (dashboard.uid === 'vigil-explanations') expect(withRows).toBe(0);
      else expect(withRows).toBeGreaterThan(0);
    },
    180_000,
  );

  it('shows the demo incidents as annotations on the model dashboard', async () => {
    const model = dashboards.find((d) => d.uid === 'vigil-model')!;
    const context = await variablesOf(store, RANGE, model);
    const result = await run(store, expandGrafanaSql(model.annotations.list[0]!.target!.rawSql, context));
    const texts = result.rows.map((r) => String(r.text));
    expect(texts.some((t) => /statisticalParityDifference/.test(t))).toBe(true);
    expect(texts.some((t) => /\bece\b/.test(t))).toBe(true);
  });
});

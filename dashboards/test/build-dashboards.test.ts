import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_DASHBOARDS_PATH, VIGIL_DATASOURCE_UID, buildDashboards } from '@vigil/dashboards';
import { dashboardsJson, type PanelJson } from './helpers/dashboard-json';
import { parseYaml } from './helpers/yaml';

const EXPECTED_UIDS = [
  'vigil-fleet',
  'vigil-model',
  'vigil-drift',
  'vigil-calibration',
  'vigil-fairness',
  'vigil-explanations',
  'vigil-incidents',
  'vigil-review',
];

/** Variables Grafana defines itself, and the PostgreSQL macros (`$__name(`). */
const BUILT_INS = new Set(['__interval', '__interval_ms', '__from', '__to']);

function overlaps(a: PanelJson['gridPos'], b: PanelJson['gridPos']): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('buildDashboards', () => {
  const { files } = buildDashboards();
  const dashboards = dashboardsJson();

  it('writes the provisioning folder: datasource, dashboard provider, one JSON file per dashboard', () => {
    expect(Object.keys(files).sort()).toEqual(
      [
        'dashboards/vigil.yaml',
        'datasources/vigil.yaml',
        ...EXPECTED_UIDS.map((uid) => `dashboards/vigil/${uid}.json`),
      ].sort(),
    );
  });

  it('is deterministic', () => {
    expect(buildDashboards().files).toEqual(files);
  });

  it.each(Object.keys(files).sort())('%s matches its snapshot', (path) => {
    expect(files[path]).toMatchSnapshot();
  });

  it('gives every dashboard its stable uid, the vigil tag, and incident annotations', () => {
    expect(dashboards.map((d) => d.uid)).toEqual(EXPECTED_UIDS);
    for (const d of dashboards) {
      expect(d.annotations.list.map((a) => [a.name, a.datasource?.uid])).toEqual([['Incidents', VIGIL_DATASOURCE_UID]]);
      expect(d.annotations.list[0]?.target?.rawSql).toMatch(/FROM vigil_incidents/);
    }
  });

  it.each(EXPECTED_UIDS)('%s: every panel reads the Vigil datasource with SQL, and has a unique id', (uid) => {
    const d = dashboards.find((x) => x.uid === uid)!;
    expect(d.panels.length).toBeGreaterThan(3);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    for (const p of d.panels) {
      const where = `${uid} / ${p.title}`;
      expect({ where, datasource: p.datasource }).toEqual({
        where,
        datasource: { type: 'grafana-postgresql-datasource', uid: VIGIL_DATASOURCE_UID },
      });
      expect({ where, targets: (p.targets ?? []).length }).toEqual({ where, targets: 1 });
      for (const t of p.targets ?? []) {
        expect({
          where,
          datasource: t.datasource?.uid,
          sql: t.rawSql.length > 20,
          format: ['time_series', 'table'].includes(t.format),
        }).toEqual({ where, datasource: VIGIL_DATASOURCE_UID, sql: true, format: true });
      }
      expect({ where, described: p.title.length > 0 && (p.description ?? '').length > 20 }).toEqual({
        where,
        described: true,
      });
    }
  });

  it.each(EXPECTED_UIDS)('%s: panels fit the 24-column grid and never overlap', (uid) => {
    const panels = dashboards.find((x) => x.uid === uid)!.panels;
    for (const p of panels) {
      expect(p.gridPos.x).toBeGreaterThanOrEqual(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h).toBeGreaterThan(0);
    }
    const clashes = panels.flatMap((a, i) =>
      panels
        .slice(i + 1)
        .filter((b) => overlaps(a.gridPos, b.gridPos))
        .map((b) => `${a.title} × ${b.title}`),
    );
    expect(clashes).toEqual([]);
  });

  it.each(EXPECTED_UIDS)(
    '%s: every variable a query or title uses is defined on the dashboard, and defined before it is used',
    (uid) => {
      const d = dashboards.find((x) => x.uid === uid)!;
      const names = d.templating.list.map((v) => v.name);
      const used = (text: string) =>
        [...text.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!).filter((n) => !BUILT_INS.has(n) && !n.startsWith('__'));
      for (const p of d.panels)
        for (const n of [...used(p.title), ...(p.targets ?? []).flatMap((t) => used(t.rawSql))])
          expect({ panel: p.title, variable: n, defined: names.includes(n) }).toEqual({
            panel: p.title,
            variable: n,
            defined: true,
          });
      d.templating.list.forEach((v, i) => {
        for (const n of used(v.query ?? ''))
          expect({ variable: v.name, uses: n, before: names.indexOf(n) >= 0 && names.indexOf(n) < i }).toEqual({
            variable: v.name,
            uses: n,
            before: true,
          });
      });
      for (const v of d.templating.list) if (v.type === 'query') expect(v.datasource?.uid).toBe(VIGIL_DATASOURCE_UID);
    },
  );

  it('provisions the datasource the panels use, with secrets from the environment', () => {
    const config = parseYaml(files['datasources/vigil.yaml']!) as {
      apiVersion: number;
      datasources: Array<Record<string, unknown>>;
    };
    expect(config.apiVersion).toBe(1);
    expect(config.datasources).toEqual([
      expect.objectContaining({
        name: 'Vigil',
        uid: VIGIL_DATASOURCE_UID,
        type: 'grafana-postgresql-datasource',
        url: '${VIGIL_PG_HOST}',
        user: '${VIGIL_PG_USER}',
        jsonData: expect.objectContaining({ database: '${VIGIL_PG_DATABASE}', sslmode: '${VIGIL_PG_SSLMODE}' }),
        secureJsonData: { password: '${VIGIL_PG_PASSWORD}' },
      }),
    ]);
    const given = parseYaml(
      buildDashboards({
        datasource: { host: 'db:5432', database: 'vigil', user: 'grafana', password: 'p"w', sslmode: 'require' },
      }).files['datasources/vigil.yaml']!,
    ) as typeof config;
    expect(given.datasources[0]).toEqual(
      expect.objectContaining({ url: 'db:5432', user: 'grafana', secureJsonData: { password: 'p"w' } }),
    );
  });

  it('provisions a file provider that reads the dashboards folder', () => {
    const config = parseYaml(files['dashboards/vigil.yaml']!) as {
      providers: Array<{ type: string; folder: string; options: { path: string } }>;
    };
    expect(config.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        folder: 'Vigil',
        options: { path: DEFAULT_DASHBOARDS_PATH, foldersFromFilesStructure: false },
      }),
    ]);
    expect(DEFAULT_DASHBOARDS_PATH).toBe('/etc/grafana/provisioning/dashboards/vigil');
    const elsewhere = parseYaml(
      buildDashboards({ dashboardsPath: '/var/lib/grafana/vigil' }).files['dashboards/vigil.yaml']!,
    ) as typeof config;
    expect(elsewhere.providers[0]?.options.path).toBe('/var/lib/grafana/vigil');
  });
});

describe('dashboards/provisioning (committed for docker-compose.yml)', () => {
  const folder = join(__dirname, '../provisioning');
  const list = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) =>
      statSync(join(dir, name)).isDirectory() ? list(join(dir, name)) : [relative(folder, join(dir, name))],
    );

  it('is exactly what `vigil dashboards --out dashboards/provisioning` writes (regenerate it when a dashboard changes)', () => {
    const { files } = buildDashboards();
    expect(list(folder).sort()).toEqual(Object.keys(files).sort());
    for (const [path, text] of Object.entries(files))
      expect({ path, upToDate: readFileSync(join(folder, path), 'utf8') === text }).toEqual({ path, upToDate: true });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards } from '@vigil/dashboards';
import type { SchemaDashboard } from './helpers/grafana-schema';
import { schemaErrors, type SchemaError } from './helpers/schema-errors';
import { parseYaml } from './helpers/yaml';

/**
 * Every dashboard Vigil writes is checked against the dashboard schema of the Grafana version docker-compose.yml
 * runs: `@grafana/schema` (a devDependency pinned to that version) publishes the schema as TypeScript types only,
 * so each JSON file is type-checked as an object literal assigned to them (see helpers/grafana-schema.ts).
 */
const ROOT = join(__dirname, '../..');

const show = (errors: SchemaError[]) => errors.map((e) => `${e.file}:${e.line}: ${e.message}`);

/** A field the schema must reject, written where the SDK used to write it (the JSON before the fix). */
interface Wrong {
  name: string;
  /** Makes the dashboard wrong; returns the field's key, which the error names and which is on the error's line. */
  apply(dashboard: DashboardObject): string;
}

type DashboardObject = {
  annotations: { list: Array<Record<string, unknown>> };
  links: Array<Record<string, unknown>>;
  templating: { list: Array<Record<string, unknown>> };
  panels: Array<{
    type: string;
    options: Record<string, unknown>;
    fieldConfig: { defaults: { custom: Record<string, unknown> } };
  }>;
};

const table = (d: DashboardObject) => d.panels.find((p) => p.type === 'table')!;

const WRONG: Wrong[] = [
  {
    name: 'annotation placement (Grafana 13)',
    apply: (d) => ((d.annotations.list[0]!.placement = 'inControlsMenu'), 'placement'),
  },
  { name: 'link placement (Grafana 13)', apply: (d) => ((d.links[0]!.placement = 'inControlsMenu'), 'placement') },
  {
    name: 'table options.footer (before Grafana 12)',
    apply: (d) => ((table(d).options.footer = { show: false, reducer: [], countRows: false }), 'footer'),
  },
  {
    name: 'table footer in the old shape',
    apply: (d) => ((table(d).fieldConfig.defaults.custom.footer = { show: false, reducer: [] }), 'show'),
  },
  {
    name: 'table without custom.cellOptions',
    apply: (d) => (delete table(d).fieldConfig.defaults.custom.cellOptions, 'cellOptions'),
  },
  {
    name: 'interval setting on a query variable',
    apply: (d) => ((d.templating.list[0]!.auto_min = '10s'), 'auto_min'),
  },
  { name: 'unknown panel option', apply: (d) => ((d.panels[0]!.options.colour = 'red'), 'colour') },
];

describe('dashboards against the schema of the Grafana version docker-compose.yml runs', () => {
  const dashboards = Object.fromEntries(
    Object.entries(buildDashboards().files).filter(([path]) => path.endsWith('.json')),
  );

  it('uses @grafana/schema of the Grafana version docker-compose.yml pins', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string }>;
    };
    const image = compose.services.grafana?.image ?? '';
    const pinned = /^grafana\/grafana(?:-oss)?:(\d+)\.(\d+)\.\d+$/.exec(image);
    expect({ image, pinned: pinned !== null }).toEqual({ image, pinned: true });
    const installed = (
      JSON.parse(readFileSync(require.resolve('@grafana/schema/package.json'), 'utf8')) as { version: string }
    ).version;
    expect(installed.split('.').slice(0, 2).join('.')).toBe(`${pinned![1]}.${pinned![2]}`);
  });

  it('finds no field the schema does not know, and no required field missing, in any dashboard', () => {
    expect(Object.keys(dashboards)).toHaveLength(8);
    expect(show(schemaErrors(dashboards))).toEqual([]);
  });

  it('rejects each field the SDK wrote before the fix, and any unknown option, at its line', () => {
    const fleet = dashboards['dashboards/vigil/vigil-fleet.json']!;
    const files: Record<string, string> = {};
    const keys: Record<string, string> = {};
    for (const wrong of WRONG) {
      const dashboard = JSON.parse(fleet) as DashboardObject;
      keys[wrong.name] = wrong.apply(dashboard);
      files[wrong.name] = JSON.stringify(dashboard, null, 2);
    }
    const errors = schemaErrors(files);
    for (const wrong of WRONG) {
      const found = errors.filter((e) => e.file === wrong.name);
      const key = keys[wrong.name]!;
      const lines = files[wrong.name]!.split('\n');
      // Exactly one error, naming the field, on the line that has it (a missing field: the object lacking it).
      expect({
        wrong: wrong.name,
        errors: found.length,
        names: new RegExp(`'"?${key}"?'`).test(found[0]?.message ?? ''),
      }).toEqual({ wrong: wrong.name, errors: 1, names: true });
      if (!found[0]!.message.includes('is missing')) expect(lines[found[0]!.line - 1]).toContain(`"${key}":`);
    }
  });

  it('rejects wrong objects at compile time too (`pnpm run typecheck` fails if one is accepted)', () => {
    const annotation = { name: 'Incidents', datasource: { uid: 'vigil-postgres' }, enable: true, iconColor: 'red' };
    const custom = { align: 'auto', inspect: false, cellOptions: { type: 'auto' }, footer: { reducers: [] } } as const;
    const valid: SchemaDashboard = {
      schemaVersion: 42,
      annotations: { list: [annotation] },
      panels: [
        {
          type: 'table',
          options: { frameIndex: 0, showHeader: true },
          fieldConfig: { defaults: { custom: { ...custom, footer: { reducers: ['sum'] } } }, overrides: [] },
        },
      ],
    };
    const placement: SchemaDashboard = {
      schemaVersion: 42,
      // @ts-expect-error `placement` is a Grafana 13 field
      annotations: { list: [{ ...annotation, placement: 'inControlsMenu' }] },
    };
    const footer: SchemaDashboard = {
      schemaVersion: 42,
      // @ts-expect-error the table footer left `options` in Grafana 12
      panels: [{ type: 'table', options: { frameIndex: 0, showHeader: true, footer: { show: false, reducer: [] } } }],
    };
    const cellOptions: SchemaDashboard = {
      schemaVersion: 42,
      panels: [
        // @ts-expect-error a table's field config requires `cellOptions`
        { type: 'table', fieldConfig: { defaults: { custom: { align: 'auto', inspect: false } }, overrides: [] } },
      ],
    };
    // The same objects, as JSON, through the check the dashboards go through: only the valid one passes.
    const files = Object.fromEntries(
      Object.entries({ valid, placement, footer, cellOptions }).map(([name, d]) => [name, JSON.stringify(d)]),
    );
    const errors = schemaErrors(files);
    expect(errors.map((e) => [e.file, /'"?(\w+)"?'/.exec(e.message)?.[1]]).sort()).toEqual([
      ['cellOptions', 'cellOptions'],
      ['footer', 'footer'],
      ['placement', 'placement'],
    ]);
  });
});

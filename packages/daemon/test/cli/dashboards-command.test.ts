import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboards } from '@vigil/dashboards';
import { runCli } from './run-cli';

describe('vigil dashboards --out DIR', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-dashboards-cli-'));

  it('writes every dashboard and the provisioning files, relative to the working directory', async () => {
    const r = await runCli(['dashboards', '--out', 'grafana'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Wrote 8 dashboards and their provisioning files to .*\/grafana:\n/);
    expect(r.stdout).toContain('  dashboards/vigil/vigil-fleet.json\n');
    const { files } = buildDashboards();
    for (const [path, text] of Object.entries(files))
      expect(readFileSync(join(cwd, 'grafana', path), 'utf8')).toBe(text);
    expect(readdirSync(join(cwd, 'grafana/dashboards/vigil')).sort()).toEqual([
      'vigil-calibration.json',
      'vigil-drift.json',
      'vigil-explanations.json',
      'vigil-fairness.json',
      'vigil-fleet.json',
      'vigil-incidents.json',
      'vigil-model.json',
      'vigil-review.json',
    ]);
    const fleet = JSON.parse(readFileSync(join(cwd, 'grafana/dashboards/vigil/vigil-fleet.json'), 'utf8')) as {
      uid: string;
    };
    expect(fleet.uid).toBe('vigil-fleet');
  });

  it('replaces its own files on a second run and leaves other files alone', async () => {
    writeFileSync(join(cwd, 'grafana/dashboards/vigil/vigil-model.json'), 'stale');
    writeFileSync(join(cwd, 'grafana/notes.txt'), 'mine');
    expect((await runCli(['dashboards', '-o', join(cwd, 'grafana')], '/')).code).toBe(0);
    expect(readFileSync(join(cwd, 'grafana/dashboards/vigil/vigil-model.json'), 'utf8')).toBe(
      buildDashboards().files['dashboards/vigil/vigil-model.json'],
    );
    expect(readFileSync(join(cwd, 'grafana/notes.txt'), 'utf8')).toBe('mine');
  });

  it('points the datasource and the provider where it is told', async () => {
    const r = await runCli(
      [
        'dashboards',
        '--out',
        'custom',
        '--database-url',
        'postgres://grafana@db.internal:6432/vigil?sslmode=require',
        '--dashboards-path',
        '/var/lib/grafana/vigil',
      ],
      cwd,
    );
    expect(r.code).toBe(0);
    const datasource = readFileSync(join(cwd, 'custom/datasources/vigil.yaml'), 'utf8');
    expect(datasource).toContain('url: "db.internal:6432"');
    expect(datasource).toContain('user: "grafana"');
    expect(datasource).toContain('database: "vigil"');
    expect(datasource).toContain('sslmode: "require"');
    expect(datasource).toContain('password: "${VIGIL_PG_PASSWORD}"');
    expect(readFileSync(join(cwd, 'custom/dashboards/vigil.yaml'), 'utf8')).toContain('path: "/var/lib/grafana/vigil"');
  });

  it('refuses bad usage with a reason and exit code 2', async () => {
    const missing = await runCli(['dashboards'], cwd);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      "error [VIGIL_USAGE]: vigil dashboards: --out DIR is required\nRun 'vigil dashboards --help' for usage.\n",
    ]);
    const secret = await runCli(['dashboards', '--out', 'x', '--database-url', 'postgres://u:hunter2@db/vigil'], cwd);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/must not contain a password/);
    expect(secret.stderr).not.toContain('hunter2');
    const notUrl = await runCli(['dashboards', '--out', 'x', '--database-url', 'db:5432'], cwd);
    expect([notUrl.code, notUrl.stderr]).toEqual([2, expect.stringMatching(/must start with postgres:\/\//)]);
    writeFileSync(join(cwd, 'a-file'), '');
    const blocked = await runCli(['dashboards', '--out', 'a-file'], cwd);
    expect([blocked.code, blocked.stderr]).toEqual([2, expect.stringMatching(/cannot write to .*a-file/)]);
    expect((await runCli(['dashboards', '--help'], cwd)).stdout).toMatch(/^Usage: vigil dashboards --out DIR/);
  });
});

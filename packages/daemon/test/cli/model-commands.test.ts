import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlerting } from '@vigil/alerts';
import { loadConfig, silentLogger, type MetricName } from '@vigil/core';
import { createStore, type MetricRow, type Store } from '@vigil/store';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { main } from '../../src/main';
import { runCli } from './run-cli';

/**
 * vigil model list and vigil model show on the embedded database of a fresh working directory: four configured
 * models, three with windows (one with an open incident, one paused, one drifting) and one with no data yet.
 */
describe('vigil model list and vigil model show', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-model-cli-'));
  const config = join(cwd, 'vigil.yaml');
  const env = { USER: 'dana' };
  const HOUR = 3_600_000;
  const T0 = Date.parse('2026-11-22T08:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  writeFileSync(
    config,
    [
      'models:',
      ...['alpha', 'beta', 'gamma', 'delta'].flatMap((id) => [
        `  - id: ${id}`,
        '    task: binary',
        '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
        '    features: { age: numeric, income: numeric, city: categorical, score2: numeric }',
        '    rules: [ { metric: psi, threshold: 0.2, clearThreshold: 0.1 } ]',
      ]),
      '',
    ].join('\n'),
  );
  const openStore = () => createStore({ dataDir: join(cwd, '.vigil/pglite') });

  /** The rows of one analysed window: its counts, and per feature its psi and drifted verdict. */
  const windowRows = (
    model: string,
    version: string,
    start: number,
    rows: number,
    psi: Record<string, number>,
    drifted: readonly string[],
  ): MetricRow[] => {
    const base = { model, version, windowStart: start, windowEnd: start + HOUR, rows, labelledRows: rows / 10 };
    const row = (metric: MetricName, feature: string, value: number | null, group = ''): MetricRow => ({
      ...base,
      metric,
      feature,
      group,
      value,
    });
    return [
      row('rows', '', rows),
      row('labelledRows', '', rows / 10),
      row('ece', '', 0.031),
      row('selectionRate', '', 0.4, 'sex=female'),
      ...Object.entries(psi).flatMap(([feature, value]) => [
        row('psi', feature, value),
        row('drifted', feature, drifted.includes(feature) ? 1 : 0),
        row('missingRate', feature, 0),
      ]),
      // Prediction drift: not an input feature, so not counted among the drifted ones.
      row('psi', '$score', 0.9),
    ];
  };

  /** alpha version 1's window also has rows whose details carry an interval, in the shapes the analyses write. */
  const intervalBase = {
    model: 'alpha',
    version: '1',
    windowStart: T0,
    windowEnd: T0 + HOUR,
    rows: 1000,
    labelledRows: 100,
  };
  const intervalRows: MetricRow[] = [
    {
      ...intervalBase,
      metric: 'selectionRate',
      feature: '',
      group: 'sex=male',
      value: 0.5,
      details: { n: 400, labelled: 40, ci: [0.4512, 0.5488], sufficient: true },
    },
    {
      ...intervalBase,
      metric: 'auditErrorRate',
      feature: '',
      group: '',
      value: 1,
      details: { overrides: 3, decided: 3, lower: 0.2071, upper: 1 },
    },
    {
      ...intervalBase,
      metric: 'estimatedAccuracy',
      feature: '',
      group: '',
      value: 0.9,
      details: { samplingError: 0.01, band: [0.87, 0.93], rows: 1000 },
    },
    // A rate without trials: a null interval, printed without one.
    {
      ...intervalBase,
      metric: 'tpr',
      feature: '',
      group: 'sex=male',
      value: null,
      details: { n: 400, labelled: 0, ci: null, sufficient: false },
    },
  ];

  beforeAll(async () => {
    const store = await openStore();
    try {
      // Registers each model version, as the ingest path does (alpha's version 2 seen after its version 1).
      for (const [model, version] of [
        ['alpha', '1'],
        ['alpha', '2'],
        ['beta', '1'],
        ['gamma', 'v9'],
      ] as const)
        await store.batches.apply(
          { groupId: 'g', offsets: [], buckets: [{ model, version, bucketStart: T0, accumulator: {}, rows: 1 }] },
          (a) => a,
        );
      const alphaLatest = windowRows(
        'alpha',
        '2',
        T0 + HOUR,
        1200,
        { age: 0.05, income: 0.41, city: 0.25, score2: 0.02 },
        ['income', 'city'],
      );
      await store.metrics.upsertRows([
        ...windowRows('alpha', '1', T0, 1000, { age: 0.01, income: 0.12, city: 0.03, score2: 0.02 }, []),
        ...intervalRows,
        ...alphaLatest,
        ...windowRows('beta', '1', T0 + HOUR, 500, { age: 0.05, income: 0.01, city: 0.02 }, []),
        ...windowRows('gamma', 'v9', T0, 800, { age: 0.3, income: 0.1 }, ['age']),
      ]);
      // alpha's psi rule opens an incident on its latest window, as the runner would.
      const alerting = await createAlerting({ config: await loadConfig(config, {}), store });
      const metricRows = alphaLatest.filter((r) => r.metric === 'psi' && r.feature === 'income');
      await store.transaction((tx) =>
        alerting.evaluateIn(tx, {
          model: 'alpha',
          version: '2',
          windowStart: T0 + HOUR,
          windowEnd: T0 + 2 * HOUR,
          rows: 1200,
          labelledRows: 120,
          metricRows,
        }),
      );
      // gamma's windows are below the rule's minSamples (100 by default): its rule cannot judge.
      const gammaRows = windowRows('gamma', 'v9', T0, 60, { age: 0.3 }, ['age']).filter((r) => r.metric === 'psi');
      await store.transaction((tx) =>
        alerting.evaluateIn(tx, {
          model: 'gamma',
          version: 'v9',
          windowStart: T0,
          windowEnd: T0 + HOUR,
          rows: 60,
          labelledRows: 6,
          metricRows: gammaRows.filter((r) => r.feature === 'age'),
        }),
      );
      await alerting.close();
    } finally {
      await store.close();
    }
    expect(await runCli(['model', 'pause', 'beta', '-c', config, '--reason', 'bad deploy'], cwd, env)).toMatchObject({
      code: 0,
    });
  }, 60_000);

  it('lists every model, the worst first, in aligned columns', async () => {
    const list = await runCli(['model', 'list', '-c', config], cwd, env);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const at = (ms: number) => iso(ms).padEnd(24);
    expect(list.stdout).toBe(
      [
        'MODEL  VERSIONS  STATE    LAST WINDOW END           ROWS  LABELLED  DRIFTED  WORST PSI    RULES           OPEN INCIDENTS',
        `alpha  2,1       active   ${at(T0 + 2 * HOUR)}  1200  120       2/4      income 0.41  1 firing        1`,
        `gamma  v9        active   ${at(T0 + HOUR)}  800   80        1/2      age 0.3      1 insufficient  0`,
        `beta   1         paused   ${at(T0 + 2 * HOUR)}  500   50        0/3      age 0.05     -               0`,
        'delta  -         no data  -                         -     -         -        -            -               0',
        '',
      ].join('\n'),
    );
    // Without the configuration: only what the database knows.
    expect((await runCli(['model', 'list'], cwd, env)).stdout).not.toContain('delta');
  }, 60_000);

  it('prints the list as JSON with every version and the window summary', async () => {
    const list = await runCli(['model', 'list', '-c', config, '--json'], cwd, env);
    expect(list.code).toBe(0);
    const models = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(models.map((m) => m.model)).toEqual(['alpha', 'gamma', 'beta', 'delta']);
    expect(models[0]).toEqual({
      model: 'alpha',
      versions: ['2', '1'],
      configured: true,
      hasData: true,
      paused: false,
      latestWindow: {
        version: '2',
        start: iso(T0 + HOUR),
        end: iso(T0 + 2 * HOUR),
        rows: 1200,
        labelledRows: 120,
        psiFeatures: 4,
        driftedFeatures: 2,
        worstPsi: 0.41,
        worstPsiFeature: 'income',
      },
      rules: { ok: 0, firing: 1, insufficientData: 0 },
      openIncidents: 1,
    });
    expect(models[1]).toMatchObject({ model: 'gamma', rules: { ok: 0, firing: 0, insufficientData: 1 } });
    expect(models[2]).toMatchObject({ model: 'beta', paused: true, openIncidents: 0 });
    // Without -c nothing says whether a model is configured.
    const bare = JSON.parse((await runCli(['model', 'list', '--json'], cwd, env)).stdout) as typeof models;
    expect(bare.map((m) => [m.model, m.configured])).toEqual([
      ['alpha', null],
      ['gamma', null],
      ['beta', null],
    ]);
    expect(models[3]).toEqual({
      model: 'delta',
      versions: [],
      configured: true,
      hasData: false,
      paused: false,
      latestWindow: null,
      rules: null,
      openIncidents: 0,
    });
  }, 60_000);

  it("shows the latest window's metrics, with the values GET /api/models/:id/windows reads", async () => {
    const shown = await runCli(['model', 'show', 'alpha', '--json'], cwd, env);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    const cli = JSON.parse(shown.stdout) as { model: string; windows: Array<Record<string, unknown>> };
    expect(cli.windows).toHaveLength(1);
    expect(cli.windows[0]).toMatchObject({ version: '2', start: iso(T0 + HOUR), end: iso(T0 + 2 * HOUR), rows: 1200 });
    // The same window through the HTTP API, on the same database (closed between: the embedded database has one user).
    const store: Store = await openStore();
    const server = createServer(
      createHttpApi({
        store,
        http: { tokens: [], readsRequireToken: false },
        registry: new PrometheusRegistry(),
        notReadyReasons: () => [],
        logger: silentLogger,
      }),
    );
    try {
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as AddressInfo;
      const response = await fetch(
        `http://127.0.0.1:${port}/api/models/alpha/windows?from=${iso(T0)}&to=${iso(T0 + 3 * HOUR)}&version=2`,
      );
      const api = (await response.json()) as { windows: unknown[] };
      expect(api.windows).toEqual(cli.windows);
      // `metric`: only that metric's rows; a name that is no metric is a 400 naming the nearest.
      const psi = (await (
        await fetch(
          `http://127.0.0.1:${port}/api/models/alpha/windows?from=${iso(T0)}&to=${iso(T0 + 3 * HOUR)}&metric=psi`,
        )
      ).json()) as { windows: Array<{ version: string; metrics: Array<{ metric: string }> }> };
      expect(psi.windows.map((w) => w.version)).toEqual(['1', '2']);
      expect(new Set(psi.windows.flatMap((w) => w.metrics.map((m) => m.metric)))).toEqual(new Set(['psi']));
      const typo = await fetch(`http://127.0.0.1:${port}/api/models/alpha/windows?metric=selectionRat`);
      expect(typo.status).toBe(400);
      expect(await typo.json()).toEqual({
        error: 'no metric "selectionRat"; did you mean "selectionRate"?',
        code: 'VIGIL_USAGE',
      });
    } finally {
      await new Promise((done) => server.close(done));
      await store.close();
    }
    const text = await runCli(['model', 'show', 'alpha'], cwd, env);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(
      `alpha version 2, window ${iso(T0 + HOUR)} – ${iso(T0 + 2 * HOUR)}: 1200 rows, 120 labelled; 2 drifted features (city, income)`,
    );
    expect(lines[1]).toMatch(/^METRIC +FEATURE +GROUP +VALUE$/);
    expect(lines).toContain('psi            income   -           0.41   drifted');
    // A drifted feature's data quality is not marked: only what the verdict is about (a missing rate of 0 was).
    expect(lines).toContain('missingRate    income   -           0');
    expect(lines).toContain('psi            age      -           0.05');
    expect(lines).toContain('selectionRate  -        sex=female  0.4');
    // The hint for the series goes to stderr, and -q drops it.
    expect(text.stderr).toBe('Over time: vigil model show alpha --metric psi --feature city\n');
    expect((await runCli(['-q', 'model', 'show', 'alpha'], cwd, env)).stderr).toBe('');
    // --version: that version's latest window; --csv: one line per value.
    const csv = await runCli(['model', 'show', 'alpha', '--version', '1', '--csv'], cwd, env);
    expect(csv.stdout.split('\n')[0]).toBe(
      'window_start,window_end,version,rows,labelled_rows,metric,feature,group,value,lower,upper',
    );
    expect(csv.stdout).toContain(`${iso(T0)},${iso(T0 + HOUR)},1,1000,100,psi,income,,0.12,,\n`);
    expect(csv.stdout).not.toContain(',2,1200,');
  }, 60_000);

  it('prints a series over time with --metric and --feature', async () => {
    const series = await runCli(
      [
        'model',
        'show',
        'alpha',
        '--metric',
        'psi',
        '--feature',
        'income',
        '--from',
        iso(T0),
        '--to',
        iso(T0 + 3 * HOUR),
      ],
      cwd,
      env,
    );
    expect(series).toMatchObject({ code: 0, stderr: '' });
    expect(series.stdout).toBe(
      [
        `2 windows of alpha starting from ${iso(T0)} to ${iso(T0 + 3 * HOUR)} (metric psi, feature income):`,
        'WINDOW END                VERSION  VALUE',
        `${iso(T0 + HOUR)}  1        0.12`,
        `${iso(T0 + 2 * HOUR)}  2        0.41   drifted`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      (await runCli(['model', 'show', 'gamma', '--metric', 'psi', '--from', iso(T0), '--json'], cwd, env)).stdout,
    ) as { windows: Array<{ metrics: Array<{ feature: string | null; value: number }> }> };
    expect(json.windows).toHaveLength(1);
    expect(json.windows[0]?.metrics.map((m) => [m.feature, m.value])).toEqual([
      ['$score', 0.9],
      ['age', 0.3],
      ['income', 0.1],
    ]);
    // Every metric of a range: the columns the lines differ in, and what they share in the heading.
    const all = await runCli(['model', 'show', 'gamma', '--from', iso(T0), '--to', iso(T0 + HOUR)], cwd, env);
    const allLines = all.stdout.split('\n');
    expect(allLines[0]).toBe(`1 window of gamma starting from ${iso(T0)} to ${iso(T0 + HOUR)} (version v9):`);
    expect(allLines[1]).toMatch(/^WINDOW END +METRIC +FEATURE +GROUP +VALUE$/);
    expect(allLines).toContain(`${iso(T0 + HOUR)}  psi            age      -           0.3    drifted`);
    expect(allLines).toContain(`${iso(T0 + HOUR)}  psi            income   -           0.1`);
    expect(allLines).toContain(`${iso(T0 + HOUR)}  missingRate    age      -           0`);
    expect(allLines).toHaveLength(2 + 11 + 1);
    const empty = await runCli(
      ['model', 'show', 'alpha', '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-02T00:00:00Z'],
      cwd,
      env,
    );
    expect(empty).toEqual({
      code: 0,
      stdout: 'No windows of alpha starting from 2020-01-01T00:00:00.000Z to 2020-01-02T00:00:00.000Z.\n',
      stderr: '',
    });
    // A range that holds windows, but none with the metric asked for.
    expect(
      (await runCli(['model', 'show', 'gamma', '--metric', 'auc', '--from', iso(T0), '--to', iso(T0 + HOUR)], cwd, env))
        .stdout,
    ).toBe(`No windows of gamma starting from ${iso(T0)} to ${iso(T0 + HOUR)} with metric auc.\n`);
  }, 60_000);

  it("prints the interval a row's details carry beside its value, and as lower,upper in CSV", async () => {
    const text = await runCli(['model', 'show', 'alpha', '--version', '1'], cwd, env);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines).toContain('selectionRate      -        sex=male    0.5  [0.4512, 0.5488]');
    expect(lines).toContain('auditErrorRate     -        -           1  [0.2071, 1]');
    expect(lines).toContain('estimatedAccuracy  -        -           0.9  [0.87, 0.93]');
    expect(lines).toContain('tpr                -        sex=male    -');
    expect(lines).toContain('psi                income   -           0.12');
    const csv = (await runCli(['model', 'show', 'alpha', '--version', '1', '--csv'], cwd, env)).stdout;
    const at = `${iso(T0)},${iso(T0 + HOUR)},1,1000,100`;
    expect(csv).toContain(`${at},auditErrorRate,,,1,0.2071,1\n`);
    expect(csv).toContain(`${at},selectionRate,,sex=male,0.5,0.4512,0.5488\n`);
    expect(csv).toContain(`${at},estimatedAccuracy,,,0.9,0.87,0.93\n`);
    expect(csv).toContain(`${at},tpr,,sex=male,,,\n`);
    // The series: the interval beside each value.
    const series = await runCli(
      ['model', 'show', 'alpha', '--metric', 'auditErrorRate', '--from', iso(T0), '--to', iso(T0 + 3 * HOUR)],
      cwd,
      env,
    );
    expect(series.stdout.split('\n').slice(1, 3)).toEqual([
      'WINDOW END                VALUE',
      `${iso(T0 + HOUR)}  1  [0.2071, 1]`,
    ]);
  }, 60_000);

  it('refuses a --metric that is no metric, with the nearest name', async () => {
    expect(await runCli(['model', 'show', 'alpha', '--metric', 'estimatedAcuracy'], cwd, env)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error [VIGIL_USAGE]: vigil model show: no metric "estimatedAcuracy"; did you mean "estimatedAccuracy"?\n' +
        "Run 'vigil model show --help' for usage.\n",
    });
    expect(await runCli(['model', 'show', 'alpha', '--metric', 'zzzzzzzz'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no metric "zzzzzzzz" (the metrics: docs/metrics.md, "Metric rows")'),
    });
  }, 60_000);

  it('says when a configured model has no window yet', async () => {
    expect(await runCli(['model', 'show', 'delta', '-c', config], cwd, env)).toEqual({
      code: 0,
      stdout: 'No analysed window of delta yet.\n',
      stderr: '',
    });
  }, 60_000);

  it('refuses an unknown model, an unknown version and a bad time with a code', async () => {
    expect(await runCli(['model', 'show', 'alpah'], cwd, env)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error [VIGIL_NOT_FOUND]: vigil model show: no model "alpah" in the database; did you mean "alpha"?\n',
    });
    expect(await runCli(['model', 'show', 'zzz', '-c', config], cwd, env)).toMatchObject({
      code: 2,
      stderr:
        'error [VIGIL_NOT_FOUND]: vigil model show: no model "zzz" in the database or the configuration (models: alpha, beta, gamma, delta)\n',
    });
    expect(await runCli(['model', 'show', 'alpha', '--version', '3'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('model "alpha" has no version "3" in the database (versions: 1, 2)'),
    });
    expect(await runCli(['model', 'show', 'alpha', '--from', 'yesterday'], cwd, env)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error [VIGIL_USAGE]: vigil model show: --from must be an ISO-8601 instant such as 2026-11-01T00:00:00Z, got "yesterday"\n' +
        "Run 'vigil model show --help' for usage.\n",
    });
    expect(await runCli(['model', 'show', 'alpha', '--json', '--csv'], cwd, env)).toMatchObject({ code: 2 });
    expect(await runCli(['model', 'list', 'alpha'], cwd, env)).toMatchObject({ code: 2 });
  }, 60_000);

  it('colours only a terminal', async () => {
    const run = async (stdoutIsTTY: boolean) => {
      let stdout = '';
      const code = await main(['model', 'list', '-c', config], {
        stdout: (t) => void (stdout += t),
        stderr: () => undefined,
        cwd,
        env,
        stdoutIsTTY,
      });
      return { code, stdout };
    };
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('\x1b[33mpaused ');
    expect((await run(false)).stdout).not.toContain('\x1b[');
  }, 60_000);
});

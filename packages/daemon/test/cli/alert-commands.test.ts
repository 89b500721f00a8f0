import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlerting } from '@vigil/alerts';
import { loadConfig } from '@vigil/core';
import { createStore } from '@vigil/store';
import { runCli } from './run-cli';

/** vigil incidents / review open / model pause|resume on the embedded database of a fresh working directory. */
describe('alert lifecycle commands', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-alert-cli-'));
  const config = join(cwd, 'vigil.yaml');
  const env = { USER: 'dana' };
  let incidentId = '';
  writeFileSync(
    config,
    [
      'models:',
      '  - id: credit-risk',
      '    task: binary',
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { age: numeric }',
      '    rules: [ { metric: psi, threshold: 0.2, clearThreshold: 0.1 } ]',
      '',
    ].join('\n'),
  );

  beforeAll(async () => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const alerting = await createAlerting({ config: await loadConfig(config, {}), store });
      const end = Date.parse('2026-11-22T10:00:00Z');
      const metricRows = [
        {
          model: 'credit-risk',
          version: '7',
          windowStart: end - 3_600_000,
          windowEnd: end,
          metric: 'psi' as const,
          feature: 'age',
          group: '',
          value: 0.35,
          rows: 900,
          labelledRows: 0,
        },
      ];
      await store.metrics.upsertRows(metricRows);
      const summary = await store.transaction((tx) =>
        alerting.evaluateIn(tx, {
          model: 'credit-risk',
          version: '7',
          windowStart: end - 3_600_000,
          windowEnd: end,
          rows: 900,
          labelledRows: 0,
          metricRows,
        }),
      );
      incidentId = summary.opened[0]!;
    } finally {
      await store.close();
    }
  }, 60_000);

  it('lists, acknowledges and resolves, recording the user and the reason', async () => {
    const list = await runCli(['incidents', 'list'], cwd, env);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(
      new RegExp(
        `^${incidentId} {2}firing {7}warning  credit-risk/7 psi\\(age\\) last breach = 0\\.35 > 0\\.2 in window 2026-11-22T09:00:00\\.000Z – 2026-11-22T10:00:00\\.000Z  opened `,
      ),
    );
    const ack = await runCli(['incidents', 'ack', incidentId, '--reason', 'looking'], cwd, env);
    expect(ack).toMatchObject({
      code: 0,
      stdout: `Acknowledged ${incidentId} (credit-risk/7 psi(age)) as cli:dana.\n`,
    });
    expect(await runCli(['incidents', 'ack', incidentId, '--reason', 'again'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('VIGIL_CONFLICT'),
    });
    expect(
      JSON.parse((await runCli(['incidents', 'list', '--status', 'acknowledged', '--json'], cwd, env)).stdout)[0],
    ).toMatchObject({ id: incidentId, acknowledgedBy: 'cli:dana' });
    expect(
      await runCli(['incidents', 'resolve', incidentId, '--reason', 'fixed', '--as', 'ops-bot'], cwd, env),
    ).toMatchObject({ code: 0, stdout: expect.stringContaining('as ops-bot') });
    expect((await runCli(['incidents', 'list', '--status', 'open'], cwd, env)).stdout).toBe('No incidents.\n');
  }, 60_000);

  it('refuses bad input with exit code 2 and a reason, changing nothing', async () => {
    expect(await runCli(['incidents', 'ack', 'inc_nope', '--reason', 'x'], cwd, env)).toMatchObject({
      code: 2,
      stderr: 'error [VIGIL_NOT_FOUND]: no incident "inc_nope"\n',
    });
    expect(await runCli(['incidents', 'ack', incidentId], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reason is required'),
    });
    expect(
      await runCli(['incidents', 'silence', '-c', config, '--model', 'credit-risk', '--reason', 'deploy'], cwd, env),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('silences always expire') });
    expect(
      await runCli(
        ['incidents', 'silence', '-c', config, '--model', 'credit-risk', '--for', 'soon', '--reason', 'deploy'],
        cwd,
        env,
      ),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a duration') });
    expect(await runCli(['incidents', 'list', '--status', 'burning'], cwd, env)).toMatchObject({ code: 2 });
    expect(await runCli(['model', 'pause', 'nope', '-c', config, '--reason', 'x'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no model "nope"'),
    });
    expect(await runCli(['model', 'pause', 'credit-risk', '--reason', 'x'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('-c vigil.yaml is required'),
    });
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const actions = (await store.transaction((tx) => tx.audit.log({}))).map((e) => e.action);
      expect(actions.filter((a) => a.startsWith('silence') || a.startsWith('model'))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('silences a model, opens a review, pauses and resumes the model', async () => {
    expect(
      (
        await runCli(
          [
            'incidents',
            'silence',
            '-c',
            config,
            '--model',
            'credit-risk',
            '--metric',
            'psi',
            '--for',
            '2h',
            '--reason',
            'migration',
          ],
          cwd,
          env,
        )
      ).stdout,
    ).toMatch(/^Silence sil_\S+ until \S+; 0 open incidents silenced\.\n$/);
    const review = await runCli(
      [
        'review',
        'open',
        '-c',
        config,
        '--model',
        'credit-risk',
        '--reason',
        'complaint',
        '--from',
        '2026-11-01T00:00:00Z',
        '--to',
        '2026-11-23T00:00:00Z',
      ],
      cwd,
      env,
    );
    expect(review.stderr).toBe('');
    expect(review.stdout).toMatch(
      /^Opened review rev_\S+ of credit-risk: froze 1 metric rows over 1 windows, 1 incidents, 0 reference profiles/,
    );
    expect(
      await runCli(['model', 'pause', 'credit-risk', '-c', config, '--reason', 'unfair decisions'], cwd, env),
    ).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Paused credit-risk as cli:dana: unfair decisions\./) });
    expect(await runCli(['model', 'resume', 'credit-risk', '-c', config, '--reason', 'fixed'], cwd, env)).toMatchObject(
      { code: 0, stdout: expect.stringMatching(/^Resumed credit-risk/) },
    );
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const entries = await store.transaction((tx) => tx.audit.log({ model: 'credit-risk' }));
      expect(entries.filter((e) => e.actor === 'cli:dana').map((e) => `${e.action}: ${e.reason}`)).toEqual([
        'incident.acknowledged: looking',
        'silence.created: migration',
        'review.opened: complaint',
        'model.paused: unfair decisions',
        'model.resumed: fixed',
      ]);
    } finally {
      await store.close();
    }
  }, 60_000);

  // Last: its incidents would count in the review above.
  it('lists a resolved incident with the window that cleared it beside its last breach', async () => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    let id = '';
    try {
      const alerting = await createAlerting({ config: await loadConfig(config, {}), store });
      const end = Date.parse('2026-11-23T10:00:00Z');
      for (const [windowEnd, value] of [
        [end, 0.31],
        [end + 3_600_000, 0.04],
      ] as const) {
        const metricRows = [
          {
            model: 'credit-risk',
            version: '8',
            windowStart: windowEnd - 3_600_000,
            windowEnd,
            metric: 'psi' as const,
            feature: 'age',
            group: '',
            value,
            rows: 900,
            labelledRows: 0,
          },
        ];
        await store.metrics.upsertRows(metricRows);
        const summary = await store.transaction((tx) =>
          alerting.evaluateIn(tx, {
            model: 'credit-risk',
            version: '8',
            windowStart: windowEnd - 3_600_000,
            windowEnd,
            rows: 900,
            labelledRows: 0,
            metricRows,
          }),
        );
        id ||= summary.opened[0] ?? '';
      }
      await alerting.close();
    } finally {
      await store.close();
    }
    const list = await runCli(['incidents', 'list', '--status', 'resolved', '--model', 'credit-risk'], cwd, env);
    const line = list.stdout.split('\n').find((l) => l.startsWith(id))!;
    expect(line).toContain(
      'credit-risk/8 psi(age) last breach = 0.31 > 0.2 in window 2026-11-23T09:00:00.000Z – 2026-11-23T10:00:00.000Z',
    );
    expect(line).toMatch(
      / by vigil {2}cleared: 0\.04 within the clear threshold 0\.1 in window 2026-11-23T10:00:00\.000Z – 2026-11-23T11:00:00\.000Z$/,
    );
  }, 60_000);

  // An incident lingering between the clear threshold and the threshold: the list shows the last breach, rounded,
  // never the elevated value as a breach (before: `psi(age) = 0.14999 > 0.2`, unrounded and false).
  it('lists an incident kept firing by an elevated window with its last breach, rounded', async () => {
    const evaluate = async (windowEnd: number, value: number) => {
      const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
      try {
        const alerting = await createAlerting({ config: await loadConfig(config, {}), store });
        const metricRows = [
          {
            model: 'credit-risk',
            version: '9',
            windowStart: windowEnd - 3_600_000,
            windowEnd,
            metric: 'psi' as const,
            feature: 'age',
            group: '',
            value,
            rows: 900,
            labelledRows: 0,
          },
        ];
        await store.metrics.upsertRows(metricRows);
        const summary = await store.transaction((tx) =>
          alerting.evaluateIn(tx, {
            model: 'credit-risk',
            version: '9',
            windowStart: windowEnd - 3_600_000,
            windowEnd,
            rows: 900,
            labelledRows: 0,
            metricRows,
          }),
        );
        await alerting.close();
        return summary;
      } finally {
        await store.close();
      }
    };
    const end = Date.parse('2026-11-24T10:00:00Z');
    const id = (await evaluate(end, 0.312345)).opened[0]!;
    expect((await evaluate(end + 3_600_000, 0.14999)).updated).toEqual([id]); // elevated: still firing
    const lineOf = async (status: string) =>
      (await runCli(['incidents', 'list', '--status', status, '--model', 'credit-risk'], cwd, env)).stdout
        .split('\n')
        .find((l) => l.startsWith(id))!;
    const firing = await lineOf('open'); // silenced by the test above, still open
    expect(firing).toContain(
      'credit-risk/9 psi(age) last breach = 0.3123 > 0.2 in window 2026-11-24T09:00:00.000Z – 2026-11-24T10:00:00.000Z  opened ',
    );
    expect(firing).not.toContain('0.15');
    await evaluate(end + 2 * 3_600_000, 0.0412345);
    const resolved = await lineOf('resolved');
    expect(resolved).toContain(
      'last breach = 0.3123 > 0.2 in window 2026-11-24T09:00:00.000Z – 2026-11-24T10:00:00.000Z',
    );
    expect(resolved).toMatch(
      /cleared: 0\.04123 within the clear threshold 0\.1 in window 2026-11-24T11:00:00\.000Z – 2026-11-24T12:00:00\.000Z$/,
    );
  }, 60_000);
});

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

  const HOUR = 3_600_000;
  /** Stores psi(age) = `value` for the hour ending at `windowEnd` of `version` and evaluates the rules, as the runner does. */
  const evaluatePsi = async (version: string, windowEnd: number, value: number) => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const alerting = await createAlerting({ config: await loadConfig(config, {}), store });
      const window = {
        model: 'credit-risk',
        version,
        windowStart: windowEnd - HOUR,
        windowEnd,
        rows: 900,
        labelledRows: 0,
      };
      const metricRows = [{ ...window, metric: 'psi' as const, feature: 'age', group: '', value }];
      await store.metrics.upsertRows(metricRows);
      const summary = await store.transaction((tx) => alerting.evaluateIn(tx, { ...window, metricRows }));
      await alerting.close();
      return summary;
    } finally {
      await store.close();
    }
  };
  // The texts `vigil incidents list` prints for a psi rule of threshold 0.2 and clear threshold 0.1, built once.
  const inWindow = (end: number) => `in window ${new Date(end - HOUR).toISOString()} – ${new Date(end).toISOString()}`;
  const lastBreach = (value: string, end: number) => `last breach = ${value} > 0.2 ${inWindow(end)}`;
  const cleared = (value: string, end: number) => `cleared: ${value} within the clear threshold 0.1 ${inWindow(end)}`;
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const END_7 = Date.parse('2026-11-22T10:00:00Z');

  beforeAll(async () => {
    incidentId = (await evaluatePsi('7', END_7, 0.35)).opened[0]!;
  }, 60_000);

  it('lists, acknowledges and resolves, recording the user and the reason', async () => {
    const list = await runCli(['incidents', 'list'], cwd, env);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(
      new RegExp(
        `^${incidentId} {2}firing {7}warning  ${literal(`credit-risk/7 psi(age) ${lastBreach('0.35', END_7)}`)}  opened `,
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
    const end = Date.parse('2026-11-23T10:00:00Z');
    const id = (await evaluatePsi('8', end, 0.31)).opened[0] ?? '';
    await evaluatePsi('8', end + HOUR, 0.04);
    const list = await runCli(['incidents', 'list', '--status', 'resolved', '--model', 'credit-risk'], cwd, env);
    const line = list.stdout.split('\n').find((l) => l.startsWith(id))!;
    expect(line).toContain(`credit-risk/8 psi(age) ${lastBreach('0.31', end)}`);
    expect(line).toMatch(new RegExp(` by vigil {2}${literal(cleared('0.04', end + HOUR))}$`));
  }, 60_000);

  // An incident lingering between the clear threshold and the threshold: the list shows the last breach, rounded,
  // never the elevated value as a breach (before: `psi(age) = 0.14999 > 0.2`, unrounded and false).
  it('lists an incident kept firing by an elevated window with its last breach, rounded', async () => {
    const evaluate = (windowEnd: number, value: number) => evaluatePsi('9', windowEnd, value);
    const end = Date.parse('2026-11-24T10:00:00Z');
    const id = (await evaluate(end, 0.312345)).opened[0]!;
    expect((await evaluate(end + HOUR, 0.14999)).updated).toEqual([id]); // elevated: still firing
    const lineOf = async (status: string) =>
      (await runCli(['incidents', 'list', '--status', status, '--model', 'credit-risk'], cwd, env)).stdout
        .split('\n')
        .find((l) => l.startsWith(id))!;
    const firing = await lineOf('open'); // silenced by the test above, still open
    expect(firing).toContain(`credit-risk/9 psi(age) ${lastBreach('0.3123', end)}  opened `);
    expect(firing).not.toContain('0.15');
    await evaluate(end + 2 * HOUR, 0.0412345);
    const resolved = await lineOf('resolved');
    expect(resolved).toContain(lastBreach('0.3123', end));
    expect(resolved).toMatch(new RegExp(`${literal(cleared('0.04123', end + 2 * HOUR))}$`));
  }, 60_000);
  it('says on stderr when --limit cut the list of incidents', async () => {
    const all = await runCli(['incidents', 'list', '--limit', '1000', '--json'], cwd, env);
    const n = (JSON.parse(all.stdout) as unknown[]).length;
    expect(all.stderr).toBe('');
    expect(n).toBeGreaterThan(1);
    const cut = await runCli(['incidents', 'list', '--limit', String(n - 1)], cwd, env);
    expect(cut.code).toBe(0);
    expect(cut.stdout.trim().split('\n')).toHaveLength(n - 1);
    expect(cut.stderr).toBe(
      `Showing the newest ${n - 1} incident${n - 1 === 1 ? '' : 's'}; more match: --limit N shows up to 1000, or narrow with --model or --status.\n`,
    );
    const cutJson = await runCli(['incidents', 'list', '--limit', '1', '--json'], cwd, env);
    expect(JSON.parse(cutJson.stdout)).toEqual([JSON.parse(all.stdout)[0]]);
    expect(cutJson.stderr).toContain('Showing the newest 1 incident;');
    expect(await runCli(['incidents', 'list', '--limit', String(n)], cwd, env)).toMatchObject({ code: 0, stderr: '' });
  }, 60_000);
});

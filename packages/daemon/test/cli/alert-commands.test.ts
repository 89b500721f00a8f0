import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
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
  const cleared = (value: string, end: number) => `cleared, ${value} within the clear threshold 0.1 ${inWindow(end)}`;
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const END_7 = Date.parse('2026-11-22T10:00:00Z');

  beforeAll(async () => {
    incidentId = (await evaluatePsi('7', END_7, 0.35)).opened[0]!;
  }, 60_000);

  it('lists, acknowledges and resolves, recording the user and the reason', async () => {
    const list = await runCli(['incidents', 'list'], cwd, env);
    expect(list.stderr).toBe('');
    const [header, line, ...rest] = list.stdout.split('\n');
    expect(header).toMatch(/^ID {40}STATUS {8}SEVERITY {2}OPENED {20}INCIDENT$/);
    expect(line).toMatch(
      new RegExp(
        `^${incidentId} {2}firing {8}warning {3}\\S+Z  ${literal(`credit-risk/7 psi(age) ${lastBreach('0.35', END_7)}`)}$`,
      ),
    );
    expect(rest).toEqual(['']);
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
    // Who did what, not `opened … by cli:dana`, which read as if dana had opened it.
    const acked = (await runCli(['incidents', 'list', '--status', 'acknowledged'], cwd, env)).stdout.split('\n')[1];
    expect(acked).toMatch(
      new RegExp(`^${incidentId} {2}acknowledged {2}warning .*; acknowledged by cli:dana at \\S+Z$`),
    );
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
    expect(await runCli(['model', 'pause', 'credit-rsik', '-c', config, '--reason', 'x'], cwd, env)).toMatchObject({
      code: 2,
      stderr: `error [VIGIL_NOT_FOUND]: vigil model pause: no model "credit-rsik" in ${config}; did you mean "credit-risk"?\n`,
    });
    expect(await runCli(['incidents', 'ack', '--reason', 'x', '-c', config], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`the incident id is required (see vigil incidents list -c ${config})`),
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
      /^Opened review rev_\S+ of credit-risk: froze 1 metric row over 1 window, 1 incident, 0 reference profiles/,
    );
    // The default period (the last 7 days) holds none of these 2026-11 windows: opened, with a warning that says so
    // and names the latest window (one with the model's rows series, as the pipeline writes).
    const db = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      await db.metrics.upsertRows([
        {
          model: 'credit-risk',
          version: '7',
          windowStart: END_7 - HOUR,
          windowEnd: END_7,
          rows: 900,
          labelledRows: 0,
          metric: 'rows',
          feature: '',
          group: '',
          value: 900,
        },
      ]);
    } finally {
      await db.close();
    }
    const empty = await runCli(
      ['review', 'open', '-c', config, '--model', 'credit-risk', '--reason', 'recent'],
      cwd,
      env,
    );
    expect(empty).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Opened review rev_\S+ of credit-risk: froze 0 metric rows over 0 windows, /),
    });
    expect(empty.stderr).toMatch(
      new RegExp(
        `^warning: no metric rows of credit-risk in the default period, the last 7 days \\(\\S+ to \\S+\\), so the review froze no metrics; its latest window is ${literal(`${new Date(END_7 - HOUR).toISOString()} to ${new Date(END_7).toISOString()}`)}: choose the period with --from TIME and --to TIME\n$`,
      ),
    );
    expect(
      await runCli(['model', 'pause', 'credit-risk', '-c', config, '--reason', 'unfair decisions'], cwd, env),
    ).toMatchObject({
      code: 0,
      stdout: `Paused credit-risk as cli:dana: unfair decisions. ${config} has no kafka section and VIGIL_KAFKA_BROKERS is not set: the pause is recorded in the database only, and no control event is published.\n`,
    });
    // A second pause changes nothing: who paused it, since when and why stay, and the audit log has no second entry.
    const again = await runCli(['model', 'pause', 'credit-risk', '-c', config, '--reason', 'still unfair'], cwd, {
      USER: 'erin',
    });
    expect(again).toMatchObject({ code: 2, stdout: '' });
    expect(again.stderr).toMatch(
      /^error \[VIGIL_CONFLICT\]: cannot pause model credit-risk: it is already paused \(by cli:dana since \S+Z: unfair decisions\)\n$/,
    );
    // With a kafka section (the same database), the running daemon publishes the event to its control topic.
    const withKafka = join(cwd, 'vigil-kafka.yaml');
    writeFileSync(
      withKafka,
      `${readFileSync(config, 'utf8')}kafka: { brokers: ["127.0.0.1:9"], topics: { control: ops.control } }\n`,
    );
    // $USER and $LOGNAME unset: the account's name, not cli:unknown.
    expect(
      await runCli(['model', 'resume', 'credit-risk', '-c', withKafka, '--reason', 'fixed'], cwd, {}),
    ).toMatchObject({
      code: 0,
      stdout: `Resumed credit-risk as cli:${userInfo().username}: fixed. The running daemon publishes the control event to ops.control.\n`,
    });
    expect(await runCli(['model', 'resume', 'credit-risk', '-c', config, '--reason', 'twice'], cwd, env)).toMatchObject(
      {
        code: 2,
        stderr: expect.stringMatching(
          /^error \[VIGIL_CONFLICT\]: cannot resume model credit-risk: it is not paused \(resumed by cli:\S+ at \S+Z: fixed\)\n$/,
        ),
      },
    );
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const entries = await store.transaction((tx) => tx.audit.log({ model: 'credit-risk' }));
      expect(
        entries.filter((e) => e.actor.startsWith('cli:')).map((e) => `${e.actor} ${e.action}: ${e.reason}`),
      ).toEqual([
        'cli:dana incident.acknowledged: looking',
        'cli:dana silence.created: migration',
        'cli:dana review.opened: complaint',
        'cli:dana review.opened: recent',
        'cli:dana model.paused: unfair decisions',
        `cli:${userInfo().username} model.resumed: fixed`,
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
    expect(line).toMatch(new RegExp(`; resolved by vigil at \\S+Z: ${literal(cleared('0.04', end + HOUR))}$`));
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
    expect(firing).toContain(`credit-risk/9 psi(age) ${lastBreach('0.3123', end)}`);
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
    expect(cut.stdout.trim().split('\n')).toHaveLength(n); // the header and n - 1 incidents
    expect(cut.stderr).toBe(
      `Showing the first ${n - 1} incident${n - 1 === 1 ? '' : 's'}, open ones first; more match: --limit N shows up to 1000, or narrow with --model or --status.\n`,
    );
    const cutJson = await runCli(['incidents', 'list', '--limit', '1', '--json'], cwd, env);
    expect(JSON.parse(cutJson.stdout)).toEqual([JSON.parse(all.stdout)[0]]);
    expect(cutJson.stderr).toContain('Showing the first 1 incident, open ones first;');
    expect(await runCli(['incidents', 'list', '--limit', String(n)], cwd, env)).toMatchObject({ code: 0, stderr: '' });
  }, 60_000);

  it('warns when --model names no model the database knows, with the nearest id (a typo read as "nothing is firing")', async () => {
    for (const args of [
      ['incidents', 'list', '--model', 'credit-rsik'],
      ['audit', '--model', 'credit-rsik'],
      ['review', 'list', '--model', 'credit-rsik'],
    ]) {
      const r = await runCli(args, cwd, env);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stderr).toBe(
        `warning: vigil ${args.slice(0, args[0] === 'audit' ? 1 : 2).join(' ')}: --model "credit-rsik": no such model in the database; did you mean "credit-risk"?\n`,
      );
    }
    // A model the database knows: no warning.
    expect((await runCli(['audit', '--model', 'credit-risk'], cwd, env)).stderr).toBe('');
  }, 60_000);

  it('lists open incidents first: an older firing one before newer resolved ones', async () => {
    const end = Date.parse('2026-11-25T10:00:00Z');
    const older = (await evaluatePsi('10', end, 0.5)).opened[0]!;
    const newer = (await evaluatePsi('11', end, 0.5)).opened[0]!;
    await evaluatePsi('11', end + HOUR, 0.01);
    const lines = (await runCli(['incidents', 'list', '--model', 'credit-risk'], cwd, env)).stdout.trim().split('\n');
    const statuses = lines.slice(1).map((l) => l.split(/ +/)[1]);
    const firstResolved = statuses.indexOf('resolved');
    expect(firstResolved).toBeGreaterThan(0);
    expect(statuses.slice(firstResolved).every((s) => s === 'resolved')).toBe(true);
    const at = (id: string) => lines.findIndex((l) => l.startsWith(id));
    expect(at(older)).toBeGreaterThan(0);
    expect(at(older)).toBeLessThan(at(newer));
    expect(statuses[at(newer) - 1]).toBe('resolved');
  }, 60_000);
});

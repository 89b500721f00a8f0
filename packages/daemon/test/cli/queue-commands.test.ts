import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@vigil/store';
import { runCli } from './run-cli';

/** vigil queue list|show|claim|verdict on the embedded database of a fresh working directory. */
describe('vigil queue', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-queue-cli-'));
  const config = join(cwd, 'vigil.yaml');
  const env = { USER: 'dana' };
  writeFileSync(
    config,
    [
      'models:',
      '  - id: credit-risk',
      '    task: binary',
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { age: numeric }',
      '    review: { capacityPerHour: 2, borderline: { margin: 0.1 }, audit: { rate: 0.01 } }',
      '',
    ].join('\n'),
  );
  const now = Date.now();

  beforeAll(async () => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const item = (id: string, priority: number, policy: string) => ({
        id,
        version: 'v1',
        ts: now - 60_000,
        score: 0.52,
        prediction: 1,
        features: { age: 41 },
        groups: {},
        attributions: { age: 0.0625 },
        reasons: [policy === 'audit' ? { policy, rate: 0.01 } : { policy, distance: 0.02, margin: 0.1 }],
        priority,
      });
      await store.transaction((tx) =>
        tx.reviewQueue.queueFlagged(
          [
            {
              model: 'credit-risk',
              capacityPerHour: 2,
              ttlMs: 86_400_000,
              context: {},
              items: [item('e1', 2, 'audit'), item('e2', 0.8, 'borderline'), item('e3', 0.1, 'borderline')],
            },
          ],
          now,
        ),
      );
      // e2's prediction event carried its label (1): it is labelled in the prediction index, as ingest writes it.
      await store.transaction((tx) =>
        tx.query(
          `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, label) VALUES ('credit-risk', 'e2', 'v1', $1, NULL, $2, 1)`,
          [now - 60_000, now + 86_400_000],
        ),
      );
    } finally {
      await store.close();
    }
  }, 60_000);

  it('lists, claims the next item, decides it with a label and records both in the audit log', async () => {
    const list = await runCli(['queue', 'list', '-c', config], cwd, env);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
      ['pending', 'credit-risk/v1', 'e1'],
      ['pending', 'credit-risk/v1', 'e2'],
      ['not_queued', 'credit-risk/v1', 'e3'],
    ]);
    expect((await runCli(['queue', 'list', '-c', config, '--reason', 'audit', '--json'], cwd, env)).stdout).toContain(
      '"predictionId": "e1"',
    );
    expect(await runCli(['queue', 'list', '-c', config, '--status', 'gone'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('VIGIL_USAGE'),
    });

    const claimed = await runCli(['queue', 'claim', '--next', '-c', config], cwd, env);
    expect(claimed.code).toBe(0);
    expect(claimed.stdout).toMatch(
      /^\d+ {2}claimed {4}credit-risk\/v1 e1 at \S+ score 0\.52 {2}audit claimed by cli:dana until \S+\n$/,
    );
    const id = claimed.stdout.split(' ')[0]!;
    expect(
      await runCli(
        [
          'queue',
          'verdict',
          id,
          '-c',
          config,
          '--verdict',
          'override',
          '--label',
          '0',
          '--reason',
          'paid in full',
          '--as',
          'ana',
        ],
        cwd,
        env,
      ),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^error \[VIGIL_CONFLICT\]: review item \d+ cannot be decided by ana: it is claimed by cli:dana\n$/,
      ),
    });
    expect(
      await runCli(
        ['queue', 'verdict', id, '-c', config, '--verdict', 'override', '--label', '1', '--reason', 'x'],
        cwd,
        env,
      ),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('use agree') });
    expect(
      await runCli(['queue', 'verdict', id, '-c', config, '--verdict', 'override', '--label', '0'], cwd, env),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason is required') });
    expect(
      await runCli(
        ['queue', 'verdict', id, '-c', config, '--verdict', 'override', '--label', '0', '--reason', 'paid in full'],
        cwd,
        env,
      ),
    ).toMatchObject({
      code: 0,
      stdout: `Decided item ${id} (credit-risk prediction e1) as cli:dana: override, label 0.\n`,
    });
    // What GET /api/review-queue/:id answers (docs/review.md): the item under `item`.
    const { item: shown, ...besides } = JSON.parse(
      (await runCli(['queue', 'show', id, '-c', config, '--json'], cwd, env)).stdout,
    );
    expect(besides).toEqual({});
    expect(shown).toMatchObject({
      status: 'decided',
      verdict: 'override',
      label: 0,
      verdictReason: 'paid in full',
      decidedBy: 'cli:dana',
    });
    // In text: described a field a line, the context too, not the one line of `list`.
    const described = await runCli(['queue', 'show', id, '-c', config], cwd, env);
    expect(described).toMatchObject({ code: 0, stderr: '' });
    expect(described.stdout).toMatch(
      new RegExp(`^Item: +${id}\nStatus: +decided\nModel: +credit-risk, version v1\nPrediction: +e1 at `),
    );
    expect(described.stdout).toContain(
      '\nReasons:\n  - audit: in the uniform random sample (rate 0.01)\nFeatures:\n  age  41\nAttributions:\n  age  0.0625\nModel when flagged:\n  no analysed window yet\nOpen incidents: none\n',
    );
    expect(described.stdout).toMatch(/\nVerdict: +override by cli:dana at \S+, label 0\nReason: +paid in full\n$/);
    // The event's attributions beside its features (docs/review.md).
    expect([shown.features, shown.attributions]).toEqual([{ age: 41 }, { age: 0.0625 }]);
    expect(await runCli(['queue', 'show', '999999', '-c', config], cwd, env)).toMatchObject({
      code: 2,
      stderr: 'error [VIGIL_NOT_FOUND]: no review item 999999\n',
    });
    expect(await runCli(['queue', 'show', id], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('-c vigil.yaml is required'),
    });

    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const entries = await store.transaction((tx) => tx.audit.log({ model: 'credit-risk' }));
      expect(entries.map((e) => [e.actor, e.action, e.reason])).toEqual([
        ['cli:dana', 'review_item.claimed', null],
        ['cli:dana', 'review_item.decided', 'paid in full'],
      ]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('says when the list was cut at --limit, and prints every time of an item as ISO-8601, its context too', async () => {
    const cut = await runCli(['queue', 'list', '-c', config, '--limit', '2'], cwd, env);
    expect(cut.code).toBe(0);
    expect(cut.stdout.trim().split('\n')).toHaveLength(2);
    expect(cut.stderr).toBe(
      'Showing the first 2 items, most urgent first; more match: --limit N shows up to 1000, or narrow with --model, --status or --reason.\n',
    );
    const cutJson = await runCli(['queue', 'list', '-c', config, '--limit', '2', '--json'], cwd, env);
    expect(JSON.parse(cutJson.stdout)).toHaveLength(2);
    expect(cutJson.stderr).toContain('Showing the first 2 items');
    const whole = await runCli(['queue', 'list', '-c', config, '--limit', '3'], cwd, env);
    expect(whole).toMatchObject({ code: 0, stderr: '' });
    expect(whole.stdout.trim().split('\n')).toHaveLength(3);

    const start = Date.parse('2026-03-01T09:30:00Z');
    const audit = { policy: 'audit', rate: 0.01 };
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      await store.transaction((tx) =>
        tx.reviewQueue.queueFlagged(
          [
            {
              model: 'credit-risk',
              capacityPerHour: 1000,
              ttlMs: 86_400_000,
              context: {
                window: { start, end: start + 1_800_000, version: 'v1', rows: 1200, labelledRows: 900 },
                metrics: [{ metric: 'ece', feature: '', value: 0.031 }],
                windowFilledAt: start + 3_600_000,
              },
              items: [
                {
                  id: 'e9',
                  version: 'v1',
                  ts: now - 30_000,
                  score: 0.5,
                  prediction: 1,
                  features: { age: 30 },
                  groups: {},
                  attributions: {},
                  reasons: [audit],
                  priority: 5,
                },
              ],
            },
          ],
          now,
        ),
      );
    } finally {
      await store.close();
    }
    const listed = JSON.parse((await runCli(['queue', 'list', '-c', config, '--json'], cwd, env)).stdout) as Array<{
      id: string;
      predictionId: string;
    }>;
    const id = listed.find((i) => i.predictionId === 'e9')!.id;
    const { item } = JSON.parse((await runCli(['queue', 'show', id, '-c', config, '--json'], cwd, env)).stdout);
    expect(item.context).toEqual({
      window: {
        start: '2026-03-01T09:30:00.000Z',
        end: '2026-03-01T10:00:00.000Z',
        version: 'v1',
        rows: 1200,
        labelledRows: 900,
      },
      metrics: [{ metric: 'ece', feature: '', value: 0.031 }],
      windowFilledAt: '2026-03-01T10:30:00.000Z',
      openIncidents: [],
    });
    expect(item.eventTs).toBe(new Date(now - 30_000).toISOString());
  }, 60_000);

  it('says to claim a pending item before its verdict, with the command', async () => {
    const list = await runCli(['queue', 'list', '-c', config, '--status', 'pending', '--json'], cwd, env);
    const pending = (JSON.parse(list.stdout) as { id: string }[])[0]!.id;
    const verdict = (as: string[]) =>
      runCli(['queue', 'verdict', pending, '-c', config, '--verdict', 'agree', '--reason', 'fine', ...as], cwd, env);
    expect(await verdict(['--as', 'ana'])).toMatchObject({
      code: 2,
      stderr: `error [VIGIL_CONFLICT]: review item ${pending} cannot be decided by ana: it is pending: claim it first (vigil queue claim ${pending} -c ${config} --as ana), then give the verdict\n`,
    });
    expect((await verdict([])).stderr).toContain(
      `claim it first (vigil queue claim ${pending} -c ${config}), then give the verdict`,
    );
    // The command to copy carries -c as given (relative here, as in the demo's directory) and quotes what a shell
    // would split.
    const relative = await runCli(
      ['queue', 'verdict', pending, '-c', 'vigil.yaml', '--verdict', 'agree', '--reason', 'fine', '--as', 'Ann Lee'],
      cwd,
      env,
    );
    expect(relative.stderr).toContain(`(vigil queue claim ${pending} -c vigil.yaml --as 'Ann Lee'), then give`);
    expect(await runCli(['queue', 'claim', '-c', 'vigil.yaml'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('the item id is required (see vigil queue list -c vigil.yaml)'),
    });
  });

  it("says when the prediction already has a label, which the verdict's label does not replace", async () => {
    const list = await runCli(['queue', 'list', '-c', config, '--json'], cwd, env);
    const e2 = (JSON.parse(list.stdout) as { id: string; predictionId: string }[]).find((i) => i.predictionId === 'e2');
    const id = e2!.id;
    expect((await runCli(['queue', 'claim', id, '-c', config], cwd, env)).code).toBe(0);
    expect(
      await runCli(
        ['queue', 'verdict', id, '-c', config, '--verdict', 'override', '--label', '0', '--reason', 'fraud'],
        cwd,
        env,
      ),
    ).toEqual({
      code: 0,
      stdout:
        `Decided item ${id} (credit-risk prediction e2) as cli:dana: override, label 0.\n` +
        'The prediction already has label 1, which it keeps (its first label wins), so label 0 is not its ground truth; the override still counts in overrideRate.\n',
      stderr: '',
    });
  }, 60_000);
});

describe('vigil queue list: ids of different widths', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-queue-width-'));
  const config = join(cwd, 'vigil.yaml');
  writeFileSync(
    config,
    'models:\n  - id: m\n    task: binary\n    owner: { name: T, webhook: "http://127.0.0.1:9/h" }\n    features: { age: numeric }\n    review: { capacityPerHour: 20, audit: { rate: 0.01 } }\n',
  );

  it('pads the id column so the columns after it line up', async () => {
    const now = Date.now();
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const items = Array.from({ length: 12 }, (_, i) => ({
        id: `e${i}`,
        version: 'v1',
        ts: now - 60_000,
        score: 0.5,
        prediction: 1,
        features: { age: 40 },
        groups: {},
        reasons: [{ policy: 'audit', rate: 0.01 }],
        priority: 12 - i,
      }));
      await store.transaction((tx) =>
        tx.reviewQueue.queueFlagged([{ model: 'm', capacityPerHour: 20, ttlMs: 86_400_000, context: {}, items }], now),
      );
    } finally {
      await store.close();
    }
    const list = await runCli(['queue', 'list', '-c', config], cwd, { USER: 'dana' });
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trim().split('\n');
    const ids = lines.map((l) => l.split(' ')[0]!);
    expect(new Set(ids.map((id) => id.length)).size).toBe(2);
    // Every line's status starts in the same column.
    expect(new Set(lines.map((l) => l.indexOf('pending'))).size).toBe(1);
  }, 60_000);
});

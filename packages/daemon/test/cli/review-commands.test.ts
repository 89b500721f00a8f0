import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@vigil/store';
import { runCli } from './run-cli';

/** vigil review list|show|note|close and vigil audit on the embedded database of a fresh working directory. */
describe('review and audit commands', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-review-cli-'));
  const config = join(cwd, 'vigil.yaml');
  const env = { USER: 'dana' };
  let reviewId = '';
  writeFileSync(
    config,
    [
      'models:',
      '  - id: credit-risk',
      '    task: binary',
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { age: numeric }',
      '',
    ].join('\n'),
  );

  beforeAll(async () => {
    const opened = await runCli(
      ['review', 'open', '-c', config, '--model', 'credit-risk', '--reason', 'quarterly', '--json'],
      cwd,
      env,
    );
    expect(opened.code).toBe(0);
    reviewId = JSON.parse(opened.stdout).id;
  }, 60_000);

  it('lists, notes, shows and closes a review, recording the user; a closed review refuses changes with exit 2', async () => {
    const list = await runCli(['review', 'list', '--status', 'open'], cwd, env);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(
      new RegExp(`^${reviewId} {2}open {3}credit-risk {2}opened \\S+ by cli:dana {2}0 findings\\n$`),
    );
    expect(
      await runCli(['review', 'note', reviewId, '--text', 'age drift comes from the new branch'], cwd, env),
    ).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^Added finding \\d+ to review ${reviewId} as cli:dana\\.\\n$`)),
    });
    expect(
      await runCli(['review', 'note', reviewId, '--text', 'checked the labels', '--as', 'ana'], cwd, env),
    ).toMatchObject({ code: 0 });
    expect(await runCli(['review', 'close', reviewId, '--outcome', 'sure', '--reason', 'x'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        '--outcome "sure" is not valid (one of no_action, retrain, rollback, retire, other)',
      ),
    });
    expect(
      await runCli(['review', 'close', reviewId, '--outcome', 'noaction', '--reason', 'x'], cwd, env),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--outcome "noaction" is not valid; did you mean "no_action"? (one of '),
    });
    expect(await runCli(['review', 'close', reviewId, '--outcome', 'retrain'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reason is required'),
    });
    expect(
      await runCli(['review', 'close', reviewId, '--outcome', 'retrain', '--reason', 'drift is real'], cwd, env),
    ).toMatchObject({ code: 0, stdout: `Closed review ${reviewId} of credit-risk as cli:dana: retrain.\n` });
    expect(await runCli(['review', 'note', reviewId, '--text', 'late'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^error \[VIGIL_CONFLICT\]: cannot add a finding to review \S+: it was closed by cli:dana \(retrain\)/,
      ),
    });
    expect(
      await runCli(['review', 'close', reviewId, '--outcome', 'no_action', '--reason', 'again'], cwd, env),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('VIGIL_CONFLICT') });
    expect(await runCli(['review', 'show', 'rev_nope'], cwd, env)).toMatchObject({
      code: 2,
      stderr: 'error [VIGIL_NOT_FOUND]: no review "rev_nope"\n',
    });
    const show = await runCli(['review', 'show', reviewId], cwd, env);
    expect(show.stdout).toContain('finding 1 by cli:dana at ');
    expect(show.stdout).toContain(': age drift comes from the new branch\n');
    expect(show.stdout).toMatch(/closed by cli:dana at \S+: retrain \(drift is real\)\n$/);
    const json = JSON.parse((await runCli(['review', 'show', reviewId, '--json'], cwd, env)).stdout);
    expect(json).toMatchObject({
      id: reviewId,
      status: 'closed',
      outcome: 'retrain',
      closedBy: 'cli:dana',
      findings: [{ author: 'cli:dana' }, { author: 'ana', text: 'checked the labels' }],
    });
    expect(json.openedAt).toMatch(/Z$/);
    expect((await runCli(['review', 'list', '--status', 'open'], cwd, env)).stdout).toBe('No reviews.\n');
    expect(JSON.parse((await runCli(['review', 'list', '--json'], cwd, env)).stdout)).toEqual([
      expect.objectContaining({ id: reviewId, findings: 2, outcome: 'retrain' }),
    ]);
  }, 60_000);

  it('prints the audit trail as lines, JSON and CSV, oldest first, filtered by model and time', async () => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    try {
      // 1,500 entries of another model: more than a page, and ids past 10 and 1,000.
      await store.transaction((tx) =>
        tx.audit.append(
          Array.from({ length: 1500 }, (_, i) => ({
            at: t0 + i * 1000,
            actor: 'vigil',
            action: 'bulk.entry',
            model: 'other',
            reason: i === 7 ? 'has, a comma and "quotes"' : null,
            details: { i },
          })),
        ),
      );
    } finally {
      await store.close();
    }
    const mine = await runCli(['audit', '--model', 'credit-risk'], cwd, env);
    expect(
      mine.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[3]),
    ).toEqual(['review.opened', 'review.finding_added', 'review.finding_added', 'review.closed']);
    expect(mine.stdout).toContain('  cli:dana  review.closed  credit-risk  "drift is real"');
    const all = JSON.parse((await runCli(['audit', '--model', 'other', '--json'], cwd, env)).stdout) as Array<{
      id: string;
      at: string;
      details: { i: number };
    }>;
    expect(all).toHaveLength(1500);
    expect(all.map((e) => e.details.i)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(all[0]!.at).toBe('2026-01-01T00:00:00.000Z');
    const csv = (
      await runCli(
        ['audit', '--model', 'other', '--csv', '--from', '2026-01-01T00:00:05Z', '--to', '2026-01-01T00:00:09Z'],
        cwd,
        env,
      )
    ).stdout
      .trim()
      .split('\n');
    expect(csv[0]).toBe('id,at,actor,action,model,incident_id,reason,details');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual([
      '2026-01-01T00:00:05.000Z',
      '2026-01-01T00:00:06.000Z',
      '2026-01-01T00:00:07.000Z',
      '2026-01-01T00:00:08.000Z',
    ]);
    expect(csv[3]).toContain(',"has, a comma and ""quotes""","{""i"":7}"');
    expect((await runCli(['audit', '--model', 'other', '--limit', '12', '--json'], cwd, env)).stdout).toMatch(
      /"i":11\}\}\n\]\n$/,
    );
    expect(await runCli(['audit', '--json', '--csv'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not both'),
    });
    expect(await runCli(['audit', '--from', 'yesterday'], cwd, env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--from must be an ISO-8601 instant'),
    });
    expect((await runCli(['audit', '--model', 'nope'], cwd, env)).stdout).toBe('No audit entries.\n');
    expect((await runCli(['audit', '--model', 'nope', '--json'], cwd, env)).stdout).toBe('[]\n');
  }, 120_000);

  // Last: its review would count in the audit trail above.
  it('says on stderr when --limit cut the list of reviews', async () => {
    const opened = await runCli(
      ['review', 'open', '-c', config, '--model', 'credit-risk', '--reason', 'second look', '--json'],
      cwd,
      env,
    );
    expect(opened.code).toBe(0);
    const second = JSON.parse(opened.stdout).id as string;
    const cut = await runCli(['review', 'list', '--limit', '1'], cwd, env);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(new RegExp(`^${second} {2}open .*\\n$`));
    expect(cut.stderr).toBe(
      'Showing the newest 1 review; more match: --limit N shows up to 1000, or narrow with --model or --status.\n',
    );
    const cutJson = await runCli(['review', 'list', '--limit', '1', '--json'], cwd, env);
    expect(JSON.parse(cutJson.stdout)).toEqual([expect.objectContaining({ id: second })]);
    expect(cutJson.stderr).toContain('Showing the newest 1 review;');
    const whole = await runCli(['review', 'list', '--limit', '2'], cwd, env);
    expect(whole).toMatchObject({ code: 0, stderr: '' });
    expect(whole.stdout.trim().split('\n')).toHaveLength(2);
    expect(
      await runCli(['review', 'close', second, '--outcome', 'no_action', '--reason', 'seen'], cwd, env),
    ).toMatchObject({ code: 0 });
  }, 60_000);
});

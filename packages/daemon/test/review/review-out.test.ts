import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@vigil/core';
import { eventUniform } from '../../src/review/flag-policies';
import { runCli } from '../cli/run-cli';

/** vigil report --review-out: what each policy would queue, checked against a computation from the rows. */
describe('vigil report --review-out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-review-out-'));
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  const random = seededRandom(11);
  const rows = (n: number, withTs: boolean, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i}`,
      ts: new Date(T0 + i * 20_000).toISOString(),
      income: Math.round(20_000 + 80_000 * random()),
      region: ['north', 'south'][i % 2]!,
      sex: random() < 0.5 ? 'F' : 'M',
      score: Number(random().toFixed(4)),
      withTs,
    }));
  const csv = (list: ReturnType<typeof rows>, ts: boolean) =>
    `${['id', ...(ts ? ['ts'] : []), 'income', 'region', 'sex', 'score'].join(',')}\n${list.map((r) => [r.id, ...(ts ? [r.ts] : []), r.income, r.region, r.sex, r.score].join(',')).join('\n')}\n`;
  const reference = rows(1000, false, 'r');
  const current = rows(600, true, 'c').map((r, i) => ({
    ...r,
    income: i % 40 === 0 ? 500_000 : r.income,
    region: i % 50 === 1 ? 'east' : r.region,
  }));
  writeFileSync(join(dir, 'ref.csv'), csv(reference, false));
  writeFileSync(join(dir, 'cur.csv'), csv(current, true));
  writeFileSync(
    join(dir, 'vigil.yaml'),
    `models:
  - id: credit-risk
    task: binary
    owner: { name: Risk, webhook: "http://127.0.0.1:9/h" }
    features: { income: numeric, region: categorical }
    groups: [sex]
    review:
      capacityPerHour: 10
      borderline: { margin: 0.02 }
      unusual: { ranges: { income: [0, 200000] } }
      groups: [{ attribute: sex, value: F, probability: 0.05 }]
      audit: { rate: 0.02 }
`,
  );

  it('writes every row a policy flags, with its reasons, and applies the hourly capacity', async () => {
    const out = join(dir, 'review.csv');
    const result = await runCli(
      [
        'report',
        '--reference',
        'ref.csv',
        '--current',
        'cur.csv',
        '-c',
        'vigil.yaml',
        '--model',
        'credit-risk',
        '--review-out',
        out,
      ],
      dir,
    );
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    const expected = new Map<string, Set<string>>();
    const add = (id: string, p: string) => expected.set(id, (expected.get(id) ?? new Set()).add(p));
    for (const r of current) {
      if (eventUniform('credit-risk', r.id, 'audit') < 0.02) add(r.id, 'audit');
      if (Math.abs(r.score - 0.5) < 0.02) add(r.id, 'borderline');
      if (r.income > 200_000 || r.region === 'east') add(r.id, 'unusual');
      if (r.sex === 'F' && eventUniform('credit-risk', r.id, 'group:sex=F') < 0.05) add(r.id, 'group');
    }
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,id,ts,score,prediction,policies,priority,queued,reasons');
    const parsed = lines.slice(1).map((l) => {
      const cells = l.split(',');
      return { id: cells[1]!, ts: cells[2]!, policies: new Set(cells[5]!.split(' ')), queued: cells[7] };
    });
    expect(new Map(parsed.map((p) => [p.id, p.policies]))).toEqual(expected);
    for (const policy of ['audit', 'borderline', 'unusual', 'group'])
      expect(parsed.filter((p) => p.policies.has(policy)).length).toBeGreaterThan(0);
    // At most the capacity per clock hour, the audit sample first: its reserve (ceil(10 / 4) = 3 by default) is
    // kept for it, the other 7 are shared, by priority.
    const perHour = new Map<string, typeof parsed>();
    for (const p of parsed) perHour.set(p.ts.slice(0, 13), [...(perHour.get(p.ts.slice(0, 13)) ?? []), p]);
    for (const list of perHour.values()) {
      const audits = list.filter((p) => p.policies.has('audit')).length;
      const auditQueued = Math.min(10, audits);
      const othersQueued = Math.min(list.length - audits, 7 - Math.max(0, auditQueued - 3));
      expect(list.filter((p) => p.queued === 'true').length).toBe(auditQueued + othersQueued);
      expect(list.filter((p) => p.policies.has('audit') && p.queued === 'true').length).toBe(auditQueued);
    }
    // Some hour holds more than the shared part: the reserve made a difference.
    expect([...perHour.values()].some((list) => list.filter((p) => !p.policies.has('audit')).length > 7)).toBe(true);
    expect(result.stdout).toContain(`Review: ${expected.size} of 600 rows flagged`);
    expect(result.stdout).toMatch(/per hour: at most \d+ flagged \(capacityPerHour 10\); \d+ of 4 hours over capacity/);
    expect(readFileSync(out, 'utf8')).toContain('""kind"":""new_category""');
  }, 60_000);

  it('refuses --review-out without a model that has a review section', async () => {
    const result = await runCli(
      ['report', '--reference', 'ref.csv', '--current', 'cur.csv', '--review-out', 'x.csv'],
      dir,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--review-out needs --config and --model naming a model with a review section');
  });

  it('names rows by their id as written: zero-padded ids stay as they are', async () => {
    const padded = mkdtempSync(join(tmpdir(), 'vigil-review-ids-'));
    const line = (id: string, i: number) => `${id},${30_000 + 500 * i},${['north', 'south'][i % 2]},F,0.3`;
    const ids = Array.from({ length: 30 }, (_, i) => String(i + 1).padStart(4, '0'));
    writeFileSync(
      join(padded, 'ref.csv'),
      `id,income,region,sex,score\n${ids.map((_, i) => line(String(i + 1), i)).join('\n')}\n`,
    );
    writeFileSync(join(padded, 'cur.csv'), `id,income,region,sex,score\n${ids.map(line).join('\n')}\n`);
    writeFileSync(
      join(padded, 'vigil.yaml'),
      `models:
  - id: m
    task: binary
    owner: { name: Risk, webhook: "http://127.0.0.1:9/h" }
    features: { income: numeric, region: categorical }
    review: { capacityPerHour: 100, audit: { rate: 1 } }
`,
    );
    const out = join(padded, 'review.csv');
    const args = ['--reference', 'ref.csv', '--current', 'cur.csv', '-c', 'vigil.yaml', '--model', 'm'];
    const result = await runCli(['report', ...args, '--review-out', out], padded);
    expect([result.code, result.stderr]).toEqual([0, expect.not.stringContaining('error')]);
    const written = readFileSync(out, 'utf8').trim().split('\n').slice(1);
    expect(written.map((l) => l.split(',')[1]).sort()).toEqual(ids);
  }, 60_000);
});

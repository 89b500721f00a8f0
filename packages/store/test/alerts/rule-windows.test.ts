import {
  pruneRuleWindowsIn,
  recentRuleWindowsIn,
  ruleKeyId,
  upsertRuleWindowsIn,
  type RuleWindow,
} from '../../src/alerts/rule-windows';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe.each(BACKENDS)('rule windows on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'rule_windows');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  it('reads the last M sufficient windows of each rule key, and the latest window whatever its outcome', async () => {
    const w = (i: number, outcome: RuleWindow['outcome']): RuleWindow => ({
      metric: 'psi',
      feature: 'age',
      group: '',
      severity: 'warning',
      windowStart: T0 + i * 300_000,
      windowEnd: T0 + i * 300_000 + 3_600_000,
      outcome,
      value: 0.1 * i,
      samples: 500,
    });
    await upsertRuleWindowsIn(
      sql,
      'm',
      '1',
      [w(0, 'breach'), w(1, 'ok'), w(2, 'elevated'), w(3, 'breach'), w(4, 'insufficient_data')],
      T0,
    );
    await upsertRuleWindowsIn(sql, 'm', '1', [w(1, 'breach')], T0); // a re-analysis revises, never adds
    const key = { metric: 'psi', feature: 'age', group: '', severity: 'warning' };
    const got = (await recentRuleWindowsIn(sql, 'm', '1', [{ ...key, m: 3 }])).get(ruleKeyId(key))!;
    expect(got.latest?.outcome).toBe('insufficient_data');
    expect(got.recent.map((r) => r.outcome)).toEqual(['breach', 'elevated', 'breach']);
    expect(got.recent.map((r) => r.windowStart)).toEqual([T0 + 900_000, T0 + 600_000, T0 + 300_000]);
    // Pruning keeps 2M sufficient windows: with M = 2, window 0 sits behind four newer sufficient ones.
    const m2 = { ...key, m: 2 };
    const before = (await recentRuleWindowsIn(sql, 'm', '1', [m2])).get(ruleKeyId(key))!;
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [{ ...key, m: 3 }])).toBe(0);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(0);
    await upsertRuleWindowsIn(sql, 'm', '1', [w(5, 'ok')], T0);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(1);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(0);
    const after = (await recentRuleWindowsIn(sql, 'm', '1', [m2])).get(ruleKeyId(key))!;
    expect(after.recent.map((r) => r.windowStart)).toEqual([T0 + 1_500_000, T0 + 900_000]);
    expect(before.recent.map((r) => r.windowStart)).toEqual([T0 + 900_000, T0 + 600_000]);
  });
});

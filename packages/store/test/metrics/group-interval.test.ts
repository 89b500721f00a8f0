import fc from 'fast-check';
import { wilsonIntervalOfRate } from '@vigil/core';
import { trialsOf } from '../../src/metrics/group-interval';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

/** Every (successes, trials) with trials up to `max`. */
function* pairs(max: number): Generator<[number, number]> {
  for (let t = 1; t <= max; t++) for (let s = 0; s <= t; s++) yield [s, t];
}

describe('trialsOf: the trials a per-group rate’s interval is rebuilt from (decision 0056)', () => {
  it('finds, for every rate of up to 1,500 trials, the trials it was computed with', () => {
    const missed: string[] = [];
    for (const [s, t] of pairs(1500)) {
      const p = s / t;
      const found = trialsOf(p, wilsonIntervalOfRate(p, t), t);
      if (found !== t) missed.push(`${s}/${t}: ${found}`);
    }
    expect(missed).toEqual([]);
  });

  it('finds trials that rebuild the interval to the last bit for large windows too (property)', () => {
    // Past ~10^8 trials neighbouring trial counts can give the same two doubles; either rebuilds the interval. Rates
    // near 0 and 1 are drawn often: their intervals are the narrowest relative to their bounds' ulps.
    const share = fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1e-4, noNaN: true }),
      fc.double({ min: 1 - 1e-4, max: 1, noNaN: true }),
      fc.constantFrom(0, 1),
    );
    const rebuilt = (t: number, x: number, required: boolean) => {
      const s = Math.min(t, Math.round(x * t));
      const ci = wilsonIntervalOfRate(s / t, t);
      const found = trialsOf(s / t, ci, t);
      if (required) expect(found).toBeDefined();
      if (found !== undefined) expect(wilsonIntervalOfRate(s / t, found)).toEqual(ci);
    };
    // Up to 2^24 trials in one group of one window (16.7 million) they are always found; past it they may be stored as written.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 24 }), share, (t, x) => rebuilt(t, x, true)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 24, max: 2 ** 40 }), share, (t, x) => rebuilt(t, x, false)),
      {
        numRuns: 1000,
      },
    );
  });

  it('finds none for an interval that is not a Wilson interval of the rate, a rate outside [0, 1], or more trials than allowed', () => {
    const ci = wilsonIntervalOfRate(3 / 10, 10);
    expect(trialsOf(3 / 10, ci, 10)).toBe(10);
    expect(trialsOf(3 / 10, ci, 9)).toBeUndefined();
    expect(trialsOf(3 / 10, [ci[0], ci[1] + 1e-12], 10)).toBeUndefined();
    expect(trialsOf(3 / 10, [0.1, 0.9], 1000)).toBeUndefined();
    expect(trialsOf(0.3, wilsonIntervalOfRate(0.3, 10, 1.644853626951472), 10)).toBeUndefined(); // a 90% interval
    expect(trialsOf(Number.NaN, ci, 10)).toBeUndefined();
    expect(trialsOf(1.5, ci, 10)).toBeUndefined();
    expect(trialsOf(null, ci, 10)).toBeUndefined();
    expect(trialsOf(0.3, null, 10)).toBeUndefined();
    expect(trialsOf(0.3, [0.1], 10)).toBeUndefined();
    expect(trialsOf(0.3, ['0.1', 0.5], 10)).toBeUndefined();
  });
});

describe.each(BACKENDS)('vigil_metric_wilson on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  beforeAll(async () => {
    backend = await openBackend(kind, 'wilson');
    await backend.newStore();
    sql = await backend.newClient();
    await sql.query('SET extra_float_digits = 1');
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  const bounds = (text: string): number[] => text.slice(1, -1).split(',').map(Number);

  it('computes the same doubles as wilsonIntervalOfRate for every rate of up to 300 trials', async () => {
    const result = await sql.query<{ s: number; t: number; ci: string }>(
      `SELECT s, t, vigil_metric_wilson(s::float8 / t, t)::text AS ci
       FROM generate_series(1, 300) AS t, generate_series(0, t) AS s ORDER BY t, s`,
    );
    const expected = [...pairs(300)];
    expect(result.rows).toHaveLength(expected.length);
    const differ = result.rows.filter((r, i) => {
      const [s, t] = expected[i] as [number, number];
      const [lo, hi] = wilsonIntervalOfRate(s / t, t);
      const [sqlLo, sqlHi] = bounds(r.ci);
      return r.s !== s || r.t !== t || sqlLo !== lo || sqlHi !== hi;
    });
    expect(differ).toEqual([]);
  });

  it('computes the same doubles for large windows (property)', async () => {
    const cases = fc.sample(
      fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.double({ min: 0, max: 1, noNaN: true })),
      { numRuns: 2000, seed: 56 },
    );
    const ts = cases.map(([t]) => t);
    const ss = cases.map(([t, share]) => Math.min(t, Math.round(share * t)));
    const result = await sql.query<{ ci: string }>(
      `SELECT vigil_metric_wilson(u.s::float8 / u.t, u.t)::text AS ci
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(s, t, i) ORDER BY u.i`,
      [ss, ts],
    );
    expect(result.rows.map((r) => bounds(r.ci))).toEqual(
      ss.map((s, i) => wilsonIntervalOfRate(s / (ts[i] as number), ts[i] as number)),
    );
  });
});

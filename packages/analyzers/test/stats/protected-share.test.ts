import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { attributionShare } from '../../src/stats/protected-share';

interface ShareCase {
  name: string;
  current: Record<string, number>;
  protected: string[];
  proxies: string[];
  expected: { share: { protected: number | null; proxies: number | null } };
}

const golden = JSON.parse(readFileSync(join(__dirname, '../golden/attribution.json'), 'utf8')) as {
  cases: ShareCase[];
};

describe('golden vectors (numpy, scripts/golden/attribution_vectors.py)', () => {
  for (const c of golden.cases) {
    test(c.name, () => {
      const share = attributionShare(c.current, c.protected, c.proxies);
      for (const key of ['protected', 'proxies'] as const) {
        const want = c.expected.share[key];
        if (want === null) expect(share[key]).toBeNull();
        else expect(Math.abs(share[key]! - want)).toBeLessThanOrEqual(1e-12);
      }
    });
  }
});

test('a worked example: sex carries 0.6 of 4.0, zip 0.4 of 4.0', () => {
  expect(attributionShare({ age: 1, sex: 0.6, zip: 0.4, income: 2 }, ['sex', 'race'], ['zip'])).toEqual({
    protected: 0.15,
    proxies: 0.1,
  });
});

test('no attribution at all: both shares undefined', () => {
  expect(attributionShare({}, ['sex'], [])).toEqual({ protected: null, proxies: null });
  expect(attributionShare({ sex: 0 }, ['sex'], [])).toEqual({ protected: null, proxies: null });
});

test('negative or non-finite totals are refused', () => {
  expect(() => attributionShare({ sex: -1 }, ['sex'], [])).toThrow(/"sex"/);
  expect(() => attributionShare({ sex: Infinity }, ['sex'], [])).toThrow(RangeError);
});

test('property: shares lie in [0, 1], and protected + the rest add up to the total', () => {
  const totals = fc.dictionary(
    fc.constantFrom('a', 'b', 'c', 'sex', 'race'),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    { minKeys: 1 },
  );
  fc.assert(
    fc.property(totals, (t) => {
      const share = attributionShare(t, ['sex', 'race'], ['a']);
      const rest = attributionShare(t, ['a', 'b', 'c'], []);
      if (share.protected === null) {
        expect(Object.values(t).every((v) => v === 0)).toBe(true);
        return;
      }
      for (const v of [share.protected, share.proxies!]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }
      expect(share.protected + rest.protected!).toBeCloseTo(1, 12);
    }),
  );
});

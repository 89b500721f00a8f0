import fc from 'fast-check';
import { KS_MAX_EXACT_N, ksPValue, ksStatistic, ksStatisticBinned } from '../../src/stats/ks';
import { expectClose, golden, reportWorstErrors, samplesOf, sorted } from './drift-golden';

afterAll(reportWorstErrors);

describe('golden vectors: scipy.stats.ks_2samp(ref, cur, method="auto")', () => {
  for (const c of golden.samples) {
    test(`${c.name} (${c.n1} vs ${c.n2}, ${c.ksMethod})`, () => {
      const ref = sorted(samplesOf(c.ref));
      const cur = sorted(samplesOf(c.cur));
      const d = ksStatistic(ref, cur);
      expectClose('ksStatistic', d, c.ksStatistic);
      expectClose('ksPValue (from data)', ksPValue(d, ref.length, cur.length), c.ksPValue, { abs: 0 });
    });
  }
});

describe('golden vectors: ksPValue(D, n1, n2) across the exact and kstwo branches', () => {
  for (const c of golden.ksPValue) {
    test(`D=${c.d} n1=${c.n1} n2=${c.n2} (${c.method})`, () => {
      expectClose(`ksPValue (${c.method})`, ksPValue(c.d, c.n1, c.n2), c.p, { abs: 0 });
    });
  }
});

describe('golden vectors: binned KS equals scipy D when each distinct value is its own bin', () => {
  for (const c of golden.counts.filter((k) => k.ksBinned !== undefined)) {
    test(c.name, () => {
      expectClose('ksStatisticBinned', ksStatisticBinned(c.ref, c.cur), c.ksBinned!);
    });
  }
});

test('the exact branch runs up to 10 000 rows per sample, as scipy MAX_AUTO_N', () => {
  expect(KS_MAX_EXACT_N).toBe(10_000);
});

test('empty samples and invalid sizes give NaN', () => {
  expect(ksStatistic(new Float64Array(0), new Float64Array([1]))).toBeNaN();
  expect(ksPValue(0.5, 0, 10)).toBeNaN();
  expect(ksPValue(0.5, 2.5, 10)).toBeNaN();
  expect(ksPValue(Number.NaN, 5, 10)).toBeNaN();
  expect(ksStatisticBinned([0, 0], [1, 2])).toBeNaN();
});

test('D = 0 gives p = 1 in both branches', () => {
  expect(ksPValue(0, 30, 40)).toBe(1);
  expect(ksPValue(0, 30_000, 40_000)).toBe(1);
});

test('a 1M-row pair is one linear pass', () => {
  const n = 1_000_000;
  const ref = new Float64Array(n);
  const cur = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ref[i] = i / n;
    cur[i] = (i + 0.5) / n;
  }
  ksStatistic(ref.subarray(0, 10_000), cur.subarray(0, 10_000)); // let V8 optimise first
  const start = process.hrtime.bigint();
  const d = ksStatistic(ref, cur);
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  expect(d).toBe(1 / n);
  // The pass takes ~10 ms on an idle core. The bound is loose because the test machine's cores are shared: it
  // only catches a quadratic slip, not a constant factor (bench/ is the place for that).
  expect(elapsedMs).toBeLessThan(3000);
});

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
// Few distinct values make ties common.
const tied = fc.integer({ min: -3, max: 3 }).map((v) => v / 2);
const sample = fc.array(fc.oneof(finite, tied), { minLength: 1, maxLength: 60 });

describe('properties', () => {
  test('D is in [0, 1] and symmetric', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const x = sorted(Float64Array.from(a));
        const y = sorted(Float64Array.from(b));
        const d = ksStatistic(x, y);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(ksStatistic(y, x)).toBe(d);
      }),
    );
  });

  test('D(x, x) = 0', () => {
    fc.assert(
      fc.property(sample, (a) => {
        const x = sorted(Float64Array.from(a));
        expect(ksStatistic(x, x.slice())).toBe(0);
      }),
    );
  });

  test('D does not depend on the order of rows before sorting', () => {
    fc.assert(
      fc.property(sample, sample, fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), (a, b, keys) => {
        const shuffled = a
          .map((v, i) => ({ v, key: keys[i] ?? 0 }))
          .sort((p, q) => p.key - q.key)
          .map((p) => p.v);
        const y = sorted(Float64Array.from(b));
        expect(ksStatistic(sorted(Float64Array.from(shuffled)), y)).toBe(ksStatistic(sorted(Float64Array.from(a)), y));
      }),
    );
  });

  test('binned KS equals exact KS when each distinct value is its own bin', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const x = sorted(Float64Array.from(a));
        const y = sorted(Float64Array.from(b));
        const values = [...new Set([...x, ...y])].sort((p, q) => p - q);
        const index = new Map(values.map((v, i) => [v, i]));
        const refCounts = new Array<number>(values.length).fill(0);
        const curCounts = new Array<number>(values.length).fill(0);
        for (const v of x) refCounts[index.get(v)!]! += 1;
        for (const v of y) curCounts[index.get(v)!]! += 1;
        expect(ksStatisticBinned(refCounts, curCounts)).toBe(ksStatistic(x, y));
      }),
    );
  });

  test('p-values are in [0, 1] and symmetric in the sample sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n1, n2, d) => {
          const p = ksPValue(d, n1, n2);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          expect(ksPValue(d, n2, n1)).toBe(p);
        },
      ),
    );
  });

  test('asymptotic p-values are in [0, 1] and do not increase with D', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10_001, max: 2_000_000 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n1, n2, d1, d2) => {
          const [low, high] = d1 <= d2 ? [d1, d2] : [d2, d1];
          const pLow = ksPValue(low, n1, n2);
          const pHigh = ksPValue(high, n1, n2);
          expect(pLow).toBeGreaterThanOrEqual(0);
          expect(pLow).toBeLessThanOrEqual(1);
          expect(pHigh).toBeGreaterThanOrEqual(0);
          expect(pHigh).toBeLessThanOrEqual(1);
          // scipy switches between approximations by region; allow their seams a relative step of 1e-6.
          expect(pHigh).toBeLessThanOrEqual(pLow * (1 + 1e-6) + 1e-15);
        },
      ),
      { numRuns: 200 },
    );
  });
});

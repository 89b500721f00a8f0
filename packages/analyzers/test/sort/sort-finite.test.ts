import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  PAIR_SLACK,
  radixSort,
  sortDecimal,
  sortDecimalPair,
  sortDecimalPairInJs,
  sortFinite,
  stableOrderBy,
} from '../../src/sort/sort-finite';
import { ksAndWasserstein1 } from '../../src/stats/wasserstein';

describe('sortFinite', () => {
  it('orders exactly as a comparison sort and drops NaN (small and radix paths)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.constant(0), fc.constant(-0), fc.integer({ min: -5, max: 5 })), {
          maxLength: 5000,
        }),
        (values) => {
          const input = Float64Array.from(values);
          const expected = values
            .filter((v) => !Number.isNaN(v))
            .map((v) => (v === 0 ? 0 : v))
            .sort((a, b) => a - b);
          expect(Array.from(sortFinite(input))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes the radix path for large inputs and keeps the input intact', () => {
    const n = 100_000;
    const input = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 * (i % 7 === 0 ? -1e-300 : 1),
    );
    input[5] = Number.NaN;
    input[6] = Number.POSITIVE_INFINITY;
    input[7] = Number.NEGATIVE_INFINITY;
    const copy = input.slice();
    const sorted = sortFinite(input);
    expect(sorted.length).toBe(n - 1);
    expect(sorted[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(sorted[n - 2]).toBe(Number.POSITIVE_INFINITY);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]! <= sorted[i]!).toBe(true);
    expect(input).toEqual(copy);
  });

  it('sorts radix-sized inputs whose keys share digits, so that some passes are skipped', () => {
    // A digit common to every key moves nothing and its pass is skipped, which can leave the result in either
    // buffer: values in [1, 2) share their top digit, integers their low ones, a constant column every digit.
    const n = 10_000;
    const cases: Record<string, (i: number) => number> = {
      'one binade': (i) => 1 + ((i * 7919) % n) / n,
      'small integers': (i) => (i * 7919) % 97,
      'negative integers and zeros': (i) => -((i * 7919) % 13) || -0,
      constant: () => 2.5,
      'one binade, then NaN every third row': (i) => (i % 3 === 0 ? Number.NaN : 1 + ((i * 104729) % n) / n),
    };
    for (const [name, at] of Object.entries(cases)) {
      const input = Float64Array.from({ length: n }, (_, i) => at(i));
      const expected = Array.from(input)
        .filter((v) => !Number.isNaN(v))
        .map((v) => (v === 0 ? 0 : v))
        .sort((a, b) => a - b);
      expect({ name, sorted: Array.from(sortFinite(input)) }).toEqual({ name, sorted: expected });
      // These are decimals, which sortFinite sorts on integer keys: the 64-bit radix sort's skipped passes too.
      expect({ name, sorted: Array.from(radixSort(input)) }).toEqual({ name, sorted: expected });
    }
  });
});

describe('sortFinite, decimal path: integer keys k = round(v·10^d) when k / 10^d gives every value back', () => {
  const expectedOf = (input: Float64Array): number[] =>
    Array.from(input)
      .filter((v) => !Number.isNaN(v))
      .map((v) => (v === 0 ? 0 : v))
      .sort((a, b) => a - b);
  const bitsOf = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

  it('equals the radix sort bit for bit on decimals of every span: counting, one, two and three 11-bit passes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(5, 1500, 300_000, 3_000_000, 2_000_000_000),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 2048, max: 6000 }),
        fc.integer(),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (d, span, offset, n, seed, missing) => {
          let x = seed >>> 0;
          const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const input = Float64Array.from({ length: n }, () =>
            next() < missing ? Number.NaN : (offset + Math.floor(next() * span)) / 10 ** d,
          );
          input[0] = -0;
          input[1] = 0;
          const viaDecimal = sortDecimal(input);
          // Only keys spanning 2^32 or more (offset 1e9, span 2e9 is within it) or values that do not round-trip
          // fall back; these all round-trip when the integer keys are exact.
          expect(viaDecimal).not.toBeNull();
          expect(bitsOf(viaDecimal!)).toEqual(bitsOf(radixSort(input)));
          expect(bitsOf(sortFinite(input))).toEqual(bitsOf(expectedOf(input)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('falls back to the radix sort for values with more decimals, infinities, or a span of 2^32 keys', () => {
    const n = 4096;
    const cases: Record<string, (i: number) => number> = {
      'a 7th decimal after 16 values': (i) => (i === 100 ? 0.1234567 : i / 100),
      'no decimal form': (i) => Math.sin(i),
      infinity: (i) => (i === 3000 ? Number.POSITIVE_INFINITY : i),
      'keys spanning 2^32': (i) => (i === 0 ? -(2 ** 31) : i === 1 ? 2 ** 31 : i),
    };
    for (const [name, at] of Object.entries(cases)) {
      const input = Float64Array.from({ length: n }, (_, i) => at(i));
      expect({ name, decimal: sortDecimal(input) }).toEqual({ name, decimal: null });
      expect({ name, sorted: Array.from(sortFinite(input)) }).toEqual({ name, sorted: expectedOf(input) });
    }
  });
});

describe('sortFinite, radix path (2,048 values or more): five 13-bit digits over the 64-bit key', () => {
  it('equals Array.prototype.sort on doubles of every kind: subnormals, ±Infinity, -0 (as 0), NaN dropped', () => {
    const special = fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      2.2250738585072014e-308,
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), special, fc.double({ min: -1, max: 1 })), { minLength: 2048, maxLength: 6000 }),
        (values) => {
          const expected = values
            .filter((v) => !Number.isNaN(v))
            .map((v) => (v === 0 ? 0 : v))
            .sort((a, b) => a - b);
          const sorted = sortFinite(Float64Array.from(values));
          expect(sorted.length).toBe(expected.length);
          expect(Array.from(sorted)).toEqual(expected);
          // -0 comes out as +0: toEqual would not tell them apart.
          expect(Array.from(sorted).some((v) => Object.is(v, -0))).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keys that differ only in the digit straddling the two 32-bit words sort by it', () => {
    // Values one ulp apart around 2^k differ in the low word's top bits and the high word's low ones (digit 3).
    const n = 4096;
    const words = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = (i * 2654435761) % n; // a permutation of 0..n−1
      words[2 * i] = ((k & 0x3f) << 26) >>> 0;
      words[2 * i + 1] = 0x3ff00000 | (k >>> 6);
    }
    const input = new Float64Array(words.buffer);
    const expected = Array.from(input).sort((a, b) => a - b);
    expect(Array.from(sortFinite(input))).toEqual(expected);
    expect(new Set(expected).size).toBe(n);
  });

  it('a result survives the next sort (the buffers the keys move in are reused, the result is not)', () => {
    const first = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    const second = Float64Array.from({ length: 8000 }, (_, i) => -((i * 104729) % 8000) - 0.5);
    const a = sortFinite(first);
    const b = sortFinite(second);
    expect(Array.from(a)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(b[0]).toBe(-7999.5);
    expect(a.buffer).not.toBe(b.buffer);
  });
});

describe('sortDecimal, counting path: keys counted in the checking pass, in a window kept zero between calls', () => {
  const bitsOf = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

  it('equals the radix sort on a run of columns, some leaving the counting path part-way through their counts', () => {
    // Counts left behind by a column that left the path (a value outside the window, one with more decimals, an
    // infinity, a span over 16 a value) would corrupt every later column counted over the same keys: a run of
    // columns of overlapping keys, each checked against the 64-bit radix sort, finds any.
    const exits = ['none', 'outside the window', 'more decimals', 'infinity', 'sparse'] as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            d: fc.integer({ min: 0, max: 4 }),
            span: fc.constantFrom(1, 50, 3000, 100_000, (1 << 21) - 1),
            offset: fc.integer({ min: -3000, max: 3000 }),
            n: fc.integer({ min: 2048, max: 5000 }),
            exit: fc.constantFrom(...exits),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            seed: fc.integer(),
          }),
          { minLength: 2, maxLength: 6 },
        ),
        (columns) => {
          for (const { d, span: drawn, offset, n, exit, at, seed } of columns) {
            // The decimals are guessed from the first values: a constant column of -1.8 drawn with d = 2 is a column
            // of one decimal, into which the values below (of d decimals) would not fit.
            const span = drawn === 1 && (exit === 'outside the window' || exit === 'sparse') ? 50 : drawn;
            let x = seed >>> 0;
            const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
            const input = Float64Array.from({ length: n }, () =>
              next() < 0.05 ? Number.NaN : (offset + Math.floor(next() * span)) / 10 ** d,
            );
            // Past the first 16 values, so that the guess of decimals and the first key are made before it.
            const where = 16 + Math.floor(at * (n - 17));
            if (exit === 'outside the window') input[where] = (offset + (1 << 22) + 7) / 10 ** d;
            if (exit === 'more decimals') input[where] = 0.1234567;
            if (exit === 'infinity') input[where] = Number.NEGATIVE_INFINITY;
            if (exit === 'sparse') input[where] = (offset + 40 * n) / 10 ** d;
            const expected = bitsOf(radixSort(input));
            const viaDecimal = sortDecimal(input);
            if (exit === 'more decimals' || exit === 'infinity') expect(viaDecimal).toBeNull();
            else expect(bitsOf(viaDecimal!)).toEqual(expected);
            expect(bitsOf(sortFinite(input))).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keys far from 0 (past 2^53 too) and -0 as the first value: the window is placed at the first key', () => {
    const n = 4096;
    const cases: Record<string, (i: number) => number> = {
      'first value -0': (i) => (i === 0 ? -0 : ((i * 7919) % 1000) - 500),
      'keys near 2^40': (i) => 2 ** 40 + ((i * 7919) % 3000) - 1500,
      'integers past 2^53, 2 apart': (i) => 2 ** 54 + 4 * ((i * 7919) % 1000),
      'decimals near -1e6': (i) => -1e6 + ((i * 7919) % 5000) / 100,
    };
    for (const [name, at] of Object.entries(cases)) {
      const input = Float64Array.from({ length: n }, (_, i) => at(i));
      expect({ name, sorted: bitsOf(sortDecimal(input)!) }).toEqual({ name, sorted: bitsOf(radixSort(input)) });
    }
  });

  it('writes into the start of `into` when it has room, and gives the same values as without it', () => {
    const into = new Float64Array(10_000).fill(42);
    const paths: Record<string, Float64Array> = {
      counting: Float64Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 5000) / 100),
      '11-bit passes': Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000000),
      '64-bit radix': Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i)),
    };
    for (const [name, input] of Object.entries(paths)) {
      input[3] = Number.NaN;
      const alone = sortFinite(input);
      const inInto = sortFinite(input, into);
      expect({ name, buffer: inInto.buffer === into.buffer, offset: inInto.byteOffset }).toEqual({
        name,
        buffer: true,
        offset: 0,
      });
      expect({ name, sorted: bitsOf(inInto) }).toEqual({ name, sorted: bitsOf(alone) });
      expect(alone.buffer).not.toBe(into.buffer);
      // Too short: a new array.
      expect(sortFinite(input, new Float64Array(100)).length).toBe(4999);
    }
  });
});

describe('sortDecimalPair: both sides counted, then sorted and merged (KS, Wasserstein) in one walk over the keys', () => {
  const bitsOf = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

  it('equals the radix sort of each side and ksAndWasserstein1 of the pair to the bit, or declines (null)', () => {
    // Runs of pairs, so that counts a declined pair left in either window would show in a later one.
    const side = fc.record({
      d: fc.integer({ min: 0, max: 4 }),
      span: fc.constantFrom(1, 7, 300, 20_000, 300_000),
      offset: fc.integer({ min: -5000, max: 5000 }),
      n: fc.integer({ min: 2048, max: 4000 }),
      missing: fc.constantFrom(0, 0.05, 0.05, 1),
      odd: fc.constantFrom('none', 'none', 'none', '-0', '-0', 'more decimals', 'far key', 'infinity'),
      seed: fc.integer(),
    });
    let taken = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(side, side), { minLength: 1, maxLength: 4 }), (pairs) => {
        for (const sides of pairs) {
          const [u, v] = sides.map(({ d, span, offset, n, missing, odd, seed }) => {
            let x = seed >>> 0;
            const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
            const values = Float64Array.from({ length: n }, () =>
              next() < missing ? Number.NaN : (offset + Math.floor(next() * span)) / 10 ** d,
            );
            const where = 16 + Math.floor(next() * (n - 17));
            if (odd === 'more decimals') values[where] = 0.1234567;
            if (odd === 'far key') values[where] = (offset + (1 << 23)) / 10 ** d;
            if (odd === 'infinity') values[where] = Number.POSITIVE_INFINITY;
            if (odd === '-0') values[where] = -0;
            return values;
          }) as [Float64Array, Float64Array];
          const sortedU = radixSort(u);
          const sortedV = radixSort(v);
          const pair = sortDecimalPair(u, v, new Float64Array(u.length), undefined);
          // Outputs with room past the result (the branch-free copies, decision 0033), holding stale values.
          const roomy = (n: number): Float64Array => new Float64Array(n + PAIR_SLACK + (n % 3)).fill(-7.5);
          const fast = sortDecimalPair(u, v, roomy(u.length), roomy(v.length));
          expect(fast === null).toBe(pair === null);
          if (pair === null || fast === null) continue;
          taken++;
          const { ks, wasserstein } = ksAndWasserstein1(sortedU, sortedV);
          for (const got of [pair, fast]) {
            expect(bitsOf(got.u)).toEqual(bitsOf(sortedU));
            expect(bitsOf(got.v)).toEqual(bitsOf(sortedV));
            expect({ ks: got.ks, wasserstein: got.wasserstein }).toEqual({ ks, wasserstein });
          }
        }
      }),
      // Seeded, so that the count below cannot fall under its bound by the draw.
      { numRuns: 60, seed: 20261206 },
    );
    // The pairs it takes are the point: a kernel that always declined would pass the loop above.
    expect(taken).toBeGreaterThan(10);
  });

  it('takes the pair of 4-decimal columns a wide report has, and declines what it cannot count', () => {
    const n = 5000;
    const normalish = (i: number, shift: number): number =>
      Math.round((Math.sin(i * 12.9898) + Math.sin(i * 78.233) + shift) * 1e4) / 1e4;
    const u = Float64Array.from({ length: n }, (_, i) => normalish(i, 0));
    const v = Float64Array.from({ length: n }, (_, i) => normalish(i + n, 0.3));
    const pair = sortDecimalPair(u, v);
    expect(pair).not.toBeNull();
    expect(bitsOf(pair!.u)).toEqual(bitsOf(radixSort(u)));
    expect(pair!.ks).toBe(ksAndWasserstein1(radixSort(u), radixSort(v)).ks);
    // Sides far apart (their keys together span 2^22 or more), no decimal form, an all-missing side, a short side.
    const far = v.map((x) => x + 1000);
    expect(sortDecimalPair(u, far)).toBeNull();
    expect(sortDecimalPair(u, v.map(Math.sin))).toBeNull();
    expect(sortDecimalPair(u, new Float64Array(n).fill(Number.NaN))).toBeNull();
    expect(sortDecimalPair(u, v.subarray(0, 2000))).toBeNull();
    // Nothing those left behind: the first pair again, the same to the bit.
    const again = sortDecimalPair(u, v)!;
    expect({ ...again, u: bitsOf(again.u), v: bitsOf(again.v) }).toEqual({
      ...pair!,
      u: bitsOf(pair!.u),
      v: bitsOf(pair!.v),
    });
  });
});

describe('sortDecimalPair in WebAssembly (decision 0047): the TypeScript walk it replaced, to the bit', () => {
  const bitsOf = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));
  const same = (got: ReturnType<typeof sortDecimalPair>, want: ReturnType<typeof sortDecimalPair>): void => {
    expect(got === null).toBe(want === null);
    if (got === null || want === null) return;
    expect(bitsOf(got.u)).toEqual(bitsOf(want.u));
    expect(bitsOf(got.v)).toEqual(bitsOf(want.v));
    // Object.is: the same doubles, -0 and NaN included.
    expect(Object.is(got.ks, want.ks)).toBe(true);
    expect(Object.is(got.wasserstein, want.wasserstein)).toBe(true);
  };

  it('gives what sortDecimalPairInJs gives, and the radix sort and ksAndWasserstein1 when it takes a pair', () => {
    // Sides of 0–6 decimals (integers too), spans from one key to more than the window, offsets small and near 2^51
    // (the keys' limit) or 2^52, NaN, -0, values of one decimal more or half-way between two keys (a tie of the key's
    // rounding: Math.round rounds it up, f64.nearest to even), 0.49999999999999994 (which floor(y + 0.5) rounds up),
    // infinities and far keys part-way through (a column that leaves the counting after counting some keys). Runs
    // of pairs, so that counts a declined pair left in either kernel window would show in a later pair.
    const side = fc.record({
      d: fc.integer({ min: 0, max: 6 }),
      span: fc.constantFrom(1, 7, 300, 20_000, 20_000, 300_000, 3_000_000),
      offset: fc.oneof(
        { arbitrary: fc.integer({ min: -5000, max: 5000 }), weight: 4 },
        { arbitrary: fc.constantFrom(2 ** 51 - 2000, -(2 ** 51) + 10, 2 ** 52, 2 ** 50), weight: 1 },
      ),
      n: fc.integer({ min: 2048, max: 4000 }),
      missing: fc.constantFrom(0, 0.05, 0.05, 0.05, 1),
      odd: fc.constantFrom(
        'none',
        'none',
        'none',
        'none',
        'none',
        '-0',
        '-0 first',
        'NaN first',
        'ties',
        'nearly a half',
        'more decimals',
        'far key',
        'infinity',
      ),
      seed: fc.integer(),
    });
    const column = ({
      d,
      span,
      offset,
      n,
      missing,
      odd,
      seed,
    }: typeof side extends fc.Arbitrary<infer T> ? T : never) => {
      let x = seed >>> 0;
      const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const values = Float64Array.from({ length: n }, () =>
        next() < missing ? Number.NaN : (offset + Math.floor(next() * span)) / 10 ** d,
      );
      const where = 16 + Math.floor(next() * (n - 17));
      if (odd === '-0') values[where] = -0;
      if (odd === '-0 first') values[0] = -0;
      if (odd === 'NaN first') values[0] = Number.NaN;
      if (odd === 'ties') for (let k = where; k < n; k += 97) values[k] = (offset + k + 0.5) / 10 ** d;
      if (odd === 'nearly a half') values[where] = 0.49999999999999994;
      if (odd === 'more decimals') values[where] = 0.1234567;
      if (odd === 'far key') values[where] = (offset + (1 << 23)) / 10 ** d;
      if (odd === 'infinity') values[where] = Number.POSITIVE_INFINITY;
      return values;
    };
    let taken = 0;
    let declined = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(side, side, fc.boolean()), { minLength: 1, maxLength: 4 }), (pairs) => {
        for (const [a, b, near] of pairs) {
          // Half the pairs have V's keys next to U's (as a report's pairs do), half anywhere.
          const u = column(a);
          const v = column(near ? { ...b, d: a.d, span: a.span, offset: a.offset + (b.offset % 100) } : b);
          const want = sortDecimalPairInJs(u, v);
          same(sortDecimalPair(u, v), want);
          // Into arrays long enough, with room past the result, and too short (a new array).
          const roomy = (m: number): Float64Array => new Float64Array(m + PAIR_SLACK + (m % 3)).fill(-7.5);
          const intoU = roomy(u.length);
          const got = sortDecimalPair(u, v, intoU, new Float64Array(10));
          same(got, want);
          if (got !== null) expect(got.u.buffer).toBe(intoU.buffer);
          if (want === null) {
            declined++;
            continue;
          }
          taken++;
          const sortedU = radixSort(u);
          const sortedV = radixSort(v);
          expect(bitsOf(want.u)).toEqual(bitsOf(sortedU));
          expect(bitsOf(want.v)).toEqual(bitsOf(sortedV));
          expect({ ks: want.ks, wasserstein: want.wasserstein }).toEqual(ksAndWasserstein1(sortedU, sortedV));
        }
      }),
      { numRuns: 160, seed: 20261207 },
    );
    // Both outcomes are the point: a kernel that always declined, or always took, would pass half the loop above.
    expect(taken).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(20);
  });

  it('the committed modules are what wabt assembles wasm/*.wat to', () => {
    // Fails when wasm/pair.wat (or gram.wat) was edited without running the build script, or the bytes by hand.
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check', 'analyzers'], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('stableOrderBy', () => {
  it('gives the permutation of the comparator sort it replaces (ties in row order, -0 equal to +0, infinities)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ noNaN: true }),
            fc.constant(0),
            fc.constant(-0),
            fc.constant(Infinity),
            fc.constant(-Infinity),
            fc.integer({ min: -3, max: 3 }),
            fc.integer({ min: 0, max: 20 }).map((k) => k / 20),
          ),
          { maxLength: 3000 },
        ),
        fc.boolean(),
        (values, subset) => {
          // A subset of the rows in a shuffled-looking order, as callers pass the rows that count.
          const rows = values.map((_, i) => i).filter((i) => !subset || i % 3 !== 1);
          if (subset) rows.reverse();
          const old = rows.slice().sort((a, b) => values[a]! - values[b]!);
          expect(Array.from(stableOrderBy(Float64Array.from(values), rows))).toEqual(old);
        },
      ),
      { numRuns: 200 },
    );
  });
});

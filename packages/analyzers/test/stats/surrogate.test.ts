import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { seededRandom, type Column, type Table } from '@vigil/core';
import { selectRows } from '@vigil/core';
import type { AnalysisSpec } from '../../src/profile/analysis-spec';
import { fitReferenceProfile } from '../../src/profile/reference-profile';
import {
  accumulateSurrogate,
  addSurrogateRows,
  choleskySolve,
  choleskySolveInJs,
  completeSurrogateRows,
  emptySurrogate,
  mergeSurrogates,
  solveSurrogate,
  surrogateDesign,
  surrogateColumns,
  surrogatePermutationImportanceColumns,
  surrogateRows,
  surrogateSamples,
  SURROGATE_BLOCKED_COLUMNS,
  type SurrogateFit,
  type SurrogateAccumulator,
  type SurrogateDesign,
} from '../../src/stats/surrogate';

interface SurrogateCase {
  name: string;
  note: string;
  task: 'binary' | 'regression';
  features: { name: string; kind: 'numeric' | 'categorical' }[];
  reference: Record<string, (number | string | null)[]>;
  current: Record<string, (number | string | null)[]>;
  expected: {
    columns: string[];
    rows: number;
    skipped: number;
    intercept: number;
    coefficients: number[];
    r2: number;
    importances: { feature: string; importance: number }[];
  };
}

const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'surrogate.json'), 'utf8')) as {
  cases: SurrogateCase[];
};

function toTable(
  source: string,
  columns: Record<string, (number | string | null)[]>,
  kinds: SurrogateCase['features'],
): Table {
  const out = new Map<string, Column>();
  for (const [name, values] of Object.entries(columns)) {
    const kind = kinds.find((k) => k.name === name)?.kind ?? 'numeric';
    if (kind === 'numeric') {
      out.set(name, { name, kind, values: Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v))) });
    } else {
      const categories: string[] = [];
      const codes = Int32Array.from(values, (v) => {
        if (v === null) return -1;
        const s = String(v);
        let i = categories.indexOf(s);
        if (i < 0) i = categories.push(s) - 1;
        return i;
      });
      out.set(name, { name, kind, codes, categories });
    }
  }
  return { source, rowCount: columns.score?.length ?? 0, columns: out };
}

function spec(c: SurrogateCase): AnalysisSpec {
  return {
    task: c.task,
    features: c.features,
    score: 'score',
    groups: [],
    threshold: 0.5,
    minGroupSize: 30,
    fdr: 0.05,
  };
}

/** 1e-9 relative or 1e-12 absolute, whichever is larger: the stated tolerance of every golden comparison. */
function expectClose(what: string, actual: number, expected: number): void {
  const tolerance = Math.max(1e-12, 1e-9 * Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance))
    throw new Error(`${what}: ${actual} differs from numpy's ${expected} by more than ${tolerance}`);
}

describe('golden vectors (numpy lstsq on the encoded rows)', () => {
  for (const c of golden.cases) {
    test(`${c.name}: ${c.note}`, () => {
      const reference = toTable('reference', c.reference, c.features);
      const current = toTable('current', c.current, c.features);
      const design = surrogateDesign(fitReferenceProfile(reference, spec(c)), c.task);
      expect(design.columns).toEqual(c.expected.columns);
      // Three uneven buckets, merged: what a window over stored buckets solves.
      const n = current.rowCount;
      const cuts = [0, Math.floor(n / 7), Math.floor((n * 3) / 5), n];
      let merged: SurrogateAccumulator = emptySurrogate(design);
      for (let b = 0; b < 3; b++) {
        const rows = Array.from({ length: cuts[b + 1]! - cuts[b]! }, (_, i) => cuts[b]! + i);
        const bucket = accumulateSurrogate(emptySurrogate(design), design, selectRows(current, rows), 'score');
        merged = mergeSurrogates(merged, JSON.parse(JSON.stringify(bucket)) as SurrogateAccumulator);
      }
      expect([merged.rows, merged.skipped]).toEqual([c.expected.rows, c.expected.skipped]);
      const fit = solveSurrogate(merged, design)!;
      expect(fit.ridge).toBe(false);
      expectClose('intercept', fit.intercept, c.expected.intercept);
      fit.coefficients.forEach((v, i) =>
        expectClose(`coefficient ${design.columns[i]}`, v, c.expected.coefficients[i]!),
      );
      expectClose('r2', fit.r2, c.expected.r2);
      expect(fit.importances.map((i) => i.feature)).toEqual(c.expected.importances.map((i) => i.feature));
      fit.importances.forEach((v, i) =>
        expectClose(`importance ${v.feature}`, v.importance, c.expected.importances[i]!.importance),
      );
    });
  }
});

describe('accumulators', () => {
  const c = golden.cases.find((g) => g.name === 'mixed')!;
  const design = surrogateDesign(fitReferenceProfile(toTable('reference', c.reference, c.features), spec(c)), c.task);
  const p = design.columns.length;
  const row = fc.tuple(
    fc.array(fc.integer({ min: -40, max: 40 }), { minLength: p, maxLength: p }),
    fc.integer({ min: -50, max: 50 }),
  );

  test('merging two accumulators equals accumulating the union of their rows (exactly, on dyadic values)', () => {
    // Quarter-integers keep every product and sum exact in float64, so the comparison can be equality.
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), fc.array(row, { maxLength: 30 }), (a, b) => {
        const pack = (rows: typeof a): [Float64Array, Float64Array] => [
          Float64Array.from(rows.flatMap(([x]) => x.map((v) => v / 4))),
          Float64Array.from(rows.map(([, y]) => y / 4)),
        ];
        const accA = emptySurrogate(design);
        const accB = emptySurrogate(design);
        const union = emptySurrogate(design);
        addSurrogateRows(accA, ...pack(a));
        addSurrogateRows(accB, ...pack(b));
        addSurrogateRows(union, ...pack([...a, ...b]));
        expect(mergeSurrogates(accA, accB)).toEqual(union);
        expect(mergeSurrogates(accB, accA)).toEqual(union);
      }),
    );
  });

  test('merging is exact up to float rounding on real rows, and the solve agrees with the single pass', () => {
    const current = toTable('current', c.current, c.features);
    const whole = solveSurrogate(accumulateSurrogate(emptySurrogate(design), design, current, 'score'), design)!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: current.rowCount - 1 }), (cut) => {
        const first = Array.from({ length: cut }, (_, i) => i);
        const rest = Array.from({ length: current.rowCount - cut }, (_, i) => cut + i);
        const a = accumulateSurrogate(emptySurrogate(design), design, selectRows(current, first), 'score');
        const b = accumulateSurrogate(emptySurrogate(design), design, selectRows(current, rest), 'score');
        const fit = solveSurrogate(mergeSurrogates(a, b), design)!;
        fit.coefficients.forEach((v, i) => expectClose('coefficient', v, whole.coefficients[i]!));
      }),
      { numRuns: 20 },
    );
  });

  test('a wide design (blocks of rows) sums to exactly what the per-row definition gives, on dyadic values', () => {
    // Quarter-integers keep every product and sum exact, so any order of addition gives the same bits; rows cross
    // block boundaries, and whole columns of zeros (one-hot indicators) are skipped by the blocked loop.
    fc.assert(
      fc.property(
        fc.integer({ min: SURROGATE_BLOCKED_COLUMNS, max: SURROGATE_BLOCKED_COLUMNS + 5 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer(),
        (p, n, seed) => {
          const random = seededRandom(seed);
          const zeroColumns = new Set(Array.from({ length: 20 }, () => Math.floor(random() * p)));
          const x = Float64Array.from({ length: n * p }, (_, k) =>
            zeroColumns.has(k % p) || random() < 0.2 ? 0 : Math.floor(random() * 81 - 40) / 4,
          );
          const y = Float64Array.from({ length: n }, () => Math.floor(random() * 101 - 50) / 4);
          const wide = { columns: Array.from({ length: p }, (_, i) => `c${i}`) } as unknown as SurrogateDesign;
          const acc = emptySurrogate(wide);
          addSurrogateRows(acc, x, y);
          const expected = emptySurrogate(wide);
          for (let r = 0; r < n; r++) {
            expected.sumY += y[r]!;
            expected.sumYY += y[r]! * y[r]!;
            let t = 0;
            for (let i = 0; i < p; i++) {
              expected.sumX[i]! += x[r * p + i]!;
              expected.sumXY[i]! += x[r * p + i]! * y[r]!;
              for (let j = i; j < p; j++) expected.sumXX[t++]! += x[r * p + i]! * x[r * p + j]!;
            }
          }
          expected.rows = n;
          // -0 and +0 are the same sum.
          expect(acc.sumXX.map((v) => v + 0)).toEqual(expected.sumXX.map((v) => v + 0));
          expect({ ...acc, sumXX: [] }).toEqual({ ...expected, sumXX: [] });
        },
      ),
      { numRuns: 25 },
    );
  });

  test('a wide design sums each block of 64 rows in row order, then adds it: the same bits on any values', () => {
    // Not dyadic: the order of addition shows in the last bits, so this pins the blocked order (the figures of a
    // wide report must not move when the loop is rearranged, e.g. two columns against two at a time).
    fc.assert(
      fc.property(
        fc.integer({ min: SURROGATE_BLOCKED_COLUMNS, max: SURROGATE_BLOCKED_COLUMNS + 7 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        (p, n, seed) => {
          const random = seededRandom(seed);
          const zeroColumns = new Set(Array.from({ length: 15 }, () => Math.floor(random() * p)));
          const x = Float64Array.from({ length: n * p }, (_, k) =>
            zeroColumns.has(k % p) ? 0 : Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(7 * random()),
          );
          const y = Float64Array.from({ length: n }, () => random() * 3 - 1);
          const wide = { columns: Array.from({ length: p }, (_, i) => `c${i}`) } as unknown as SurrogateDesign;
          const acc = emptySurrogate(wide);
          addSurrogateRows(acc, x, y);
          const expected = new Array<number>((p * (p + 1)) / 2).fill(0);
          for (let r0 = 0; r0 < n; r0 += 64) {
            let t = 0;
            for (let i = 0; i < p; i++)
              for (let j = i; j < p; j++) {
                let sum = 0;
                for (let r = r0; r < Math.min(n, r0 + 64); r++) sum += x[r * p + i]! * x[r * p + j]!;
                expected[t++]! += sum;
              }
          }
          expect(acc.sumXX.map((v) => v + 0)).toEqual(expected.map((v) => v + 0));
        },
      ),
      { numRuns: 15 },
    );
  });

  test('accumulators of different designs do not merge', () => {
    const other = { ...emptySurrogate(design), columns: p - 1, sumXX: new Array<number>(((p - 1) * p) / 2).fill(0) };
    expect(() => mergeSurrogates(emptySurrogate(design), other)).toThrow(/cannot be merged/);
  });
});

describe('choleskySolve', () => {
  test('gives the textbook row-by-row factorisation and substitutions to the bit (entries four, two or one at a time)', () => {
    // The textbook order: L[i][j] = (A[i][j] − Σₘ<ⱼ L[i][m]·L[j][m]) / L[j][j], the sum subtracted for m ascending.
    const textbook = (a: Float64Array, b: Float64Array, k: number, lambda: number): Float64Array | null => {
      const l = new Float64Array(k * k);
      for (let i = 0; i < k; i++)
        for (let j = 0; j <= i; j++) {
          let s = a[i * k + j]! + (i === j ? lambda : 0);
          for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
          if (i === j) {
            if (!(s > 1e-10)) return null;
            l[i * k + i] = Math.sqrt(s);
          } else l[i * k + j] = s / l[j * k + j]!;
        }
      const z = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        let s = b[i]!;
        for (let m = 0; m < i; m++) s -= l[i * k + m]! * z[m]!;
        z[i] = s / l[i * k + i]!;
      }
      const x = new Float64Array(k);
      for (let i = k - 1; i >= 0; i--) {
        let s = z[i]!;
        for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * x[m]!;
        x[i] = s / l[i * k + i]!;
      }
      return x;
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), fc.boolean(), (k, seed, ridge) => {
        const random = seededRandom(seed);
        // A correlation matrix: GᵀG of random rows, scaled to a unit diagonal.
        const rows = k + 3;
        const g = Float64Array.from({ length: rows * k }, () => random() * 2 - 1);
        const c = new Float64Array(k * k);
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let r = 0; r < rows; r++) s += g[r * k + i]! * g[r * k + j]!;
            c[i * k + j] = s;
          }
        const a = c.map((v, idx) => v / Math.sqrt(c[Math.floor(idx / k) * (k + 1)]! * c[(idx % k) * (k + 1)]!));
        const b = Float64Array.from({ length: k }, () => random() - 0.5);
        const lambda = ridge ? 1e-9 : 0;
        const expected = textbook(a, b, k, lambda);
        expect(choleskySolveInJs(a, b, k, lambda)).toEqual(expected);
        expect(choleskySolve(a, b, k, lambda)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('solve', () => {
  const c = golden.cases.find((g) => g.name === 'numeric')!;
  const reference = toTable('reference', c.reference, c.features);
  const design = surrogateDesign(fitReferenceProfile(reference, spec(c)), c.task);

  test('fewer than two complete rows: no fit', () => {
    const acc = emptySurrogate(design);
    addSurrogateRows(acc, Float64Array.of(1, 2, 3), Float64Array.of(0.5));
    expect(solveSurrogate(acc, design)).toBeNull();
  });

  test('exactly collinear columns take the ridge and still reproduce the target', () => {
    // y = x0 + x1 with x1 = 2·x0: any split works; the ridge picks one and the fit stays exact (R² = 1).
    const acc = emptySurrogate(design);
    const rows = 50;
    const x = new Float64Array(rows * 3);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      x[r * 3] = r / 10 - 2;
      x[r * 3 + 1] = 2 * (r / 10 - 2);
      x[r * 3 + 2] = Math.sin(r);
      y[r] = 3 * (r / 10 - 2) + 0.5 * Math.sin(r) + 1;
    }
    addSurrogateRows(acc, x, y);
    const fit = solveSurrogate(acc, design)!;
    expect(fit.ridge).toBe(true);
    expect(fit.coefficients[0]! + 2 * fit.coefficients[1]!).toBeCloseTo(3, 6);
    expect(fit.coefficients[2]).toBeCloseTo(0.5, 6);
    expect(fit.r2).toBeCloseTo(1, 8);
  });

  test('a constant target has no R²', () => {
    const acc = emptySurrogate(design);
    addSurrogateRows(acc, Float64Array.of(1, 2, 3, 2, 1, 0, 0, 5, 1), Float64Array.of(2, 2, 2));
    expect(solveSurrogate(acc, design)!.r2).toBeNaN();
  });

  test('permutation importance is seeded, ranks the strongest feature first, and is near zero for an unused one', () => {
    const rows = 2000;
    const x = new Float64Array(rows * 3);
    const y = new Float64Array(rows);
    const random = seededRandom(7);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < 3; j++) x[r * 3 + j] = random() * 2 - 1;
      y[r] = 2 * x[r * 3]! + 0.5 * x[r * 3 + 1]!;
    }
    const acc = emptySurrogate(design);
    addSurrogateRows(acc, x, y);
    const fit = solveSurrogate(acc, design)!;
    // Column-major, as the report's sample gives it.
    const xt = new Float64Array(rows * 3);
    for (let r = 0; r < rows; r++) for (let j = 0; j < 3; j++) xt[j * rows + r] = x[r * 3 + j]!;
    const once = surrogatePermutationImportanceColumns(fit, design, xt, y, seededRandom(11));
    const again = surrogatePermutationImportanceColumns(fit, design, xt, y, seededRandom(11));
    expect(again).toEqual(once);
    const [a, b, unused] = once.map((o) => o.importance);
    // For a linear model the expected rise is 2·β²·Var(x): 2·4/3 and 2·0.25/3 for uniform(−1, 1).
    expect(a).toBeGreaterThan(b!);
    expect(Math.abs(a! - 8 / 3)).toBeLessThan(0.3);
    expect(Math.abs(b! - 0.5 / 3)).toBeLessThan(0.05);
    expect(Math.abs(unused!)).toBeLessThan(1e-12);
  });

  test('surrogateRows leaves out rows with a missing feature or score', () => {
    const table = toTable(
      't',
      { age: [30, null, 50, 60], income: [1, 2, 3, 4], hours: [40, 40, 40, null], score: [0.2, 0.4, null, 0.9] },
      c.features,
    );
    const { kept, y } = surrogateRows(design, table, 'score');
    expect([...kept]).toEqual([0]);
    expect(y[0]).toBeCloseTo(Math.log(0.2 / 0.8), 15);
  });
});

/**
 * A wide design of numeric features and two categorical ones (one-hot columns), with missing values of each kind
 * and of the score, as a table of `rows` rows.
 */
function wideCase(seed: number, numeric: number, rows: number): { design: SurrogateDesign; table: Table } {
  const random = seededRandom(seed);
  const features: SurrogateDesign['features'][number][] = [];
  const columns: string[] = [];
  const offsets: number[] = [];
  const out = new Map<string, Column>();
  for (let f = 0; f < numeric; f++) {
    offsets.push(columns.length);
    const name = `n${f}`;
    features.push({ name, kind: 'numeric', mean: random() - 0.5, scale: 0.5 + random() });
    columns.push(name);
    out.set(name, {
      name,
      kind: 'numeric',
      values: Float64Array.from({ length: rows }, () => (random() < 0.002 ? Number.NaN : random() * 4 - 2)),
    });
  }
  for (const name of ['g', 'h']) {
    offsets.push(columns.length);
    const categories = ['a', 'b', 'c', 'd', 'e'];
    // 'e' is outside the indicators: it falls to (other).
    features.push({ name, kind: 'categorical', baseline: 'a', indicators: ['b', 'c', '(other)'] });
    columns.push(`${name}=b`, `${name}=c`, `${name}=(other)`);
    const codes = Int32Array.from({ length: rows }, () => (random() < 0.002 ? -1 : Math.floor(random() * 5)));
    out.set(name, { name, kind: 'categorical', categories, codes });
  }
  out.set('score', {
    name: 'score',
    kind: 'numeric',
    values: Float64Array.from({ length: rows }, () => (random() < 0.002 ? Number.NaN : random())),
  });
  const design: SurrogateDesign = { target: 'logit', features, columns, offsets };
  return { design, table: { source: 'wide', rowCount: rows, columns: out } };
}

describe('huge finite values', () => {
  test('a column whose σ overflows (1e308, a DBL_MAX sentinel) is scaled by its largest magnitude and the fit stays finite', () => {
    // Before, σ = +∞ fell back to a scale of 1: z = 1e308, its square +∞, and the report failed on NaN attributions.
    const random = seededRandom(3);
    const n = 400;
    const x = Array.from({ length: n }, (_, i) => (i === 7 ? 1e308 : i === 9 ? -5e307 : random() * 4 - 2));
    const w = Array.from({ length: n }, () => random());
    const score = x.map((v, i) => 1 / (1 + Math.exp(-(Math.abs(v) < 10 ? v : 0) - (w[i] as number))));
    const c = {
      task: 'binary',
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'w', kind: 'numeric' },
      ],
    } as const;
    const table = toTable('huge', { x, w, score }, [...c.features]);
    const profile = fitReferenceProfile(table, spec(c as unknown as SurrogateCase));
    expect(profile.features.find((f) => f.name === 'x')).toMatchObject({ std: Number.POSITIVE_INFINITY });
    const design = surrogateDesign(profile, 'binary');
    expect(design.features[0]).toMatchObject({ name: 'x', scale: 1e308 });
    const fit = solveSurrogate(accumulateSurrogate(emptySurrogate(design), design, table, 'score'), design);
    expect(fit).not.toBeNull();
    for (const b of fit!.coefficients) expect(Number.isFinite(b)).toBe(true);
    expect(Number.isFinite(fit!.intercept)).toBe(true);
  });
});

describe('wide designs straight from the columns', () => {
  test('an infinite feature value leaves its row out, as a missing one does, in narrow and wide designs', () => {
    // A CSV's "inf" or 1e400 is a number; before, it turned the sums into NaN and the report failed.
    for (const numeric of [3, SURROGATE_BLOCKED_COLUMNS]) {
      const { design, table } = wideCase(11, numeric, 300);
      const withValue = (value: number): Table => {
        const n1 = table.columns.get('n1')!;
        if (n1.kind !== 'numeric') throw new Error('n1 is numeric');
        const values = Float64Array.from(n1.values);
        values[5] = value;
        values[200] = -value;
        return { ...table, columns: new Map([...table.columns, ['n1', { ...n1, values }]]) };
      };
      const missing = withValue(Number.NaN);
      const rows = Int32Array.from({ length: 150 }, (_, i) => 2 * i + 1);
      for (const infinite of [withValue(Number.POSITIVE_INFINITY), withValue(Number.NEGATIVE_INFINITY)]) {
        expect(accumulateSurrogate(emptySurrogate(design), design, infinite, 'score')).toEqual(
          accumulateSurrogate(emptySurrogate(design), design, missing, 'score'),
        );
        expect(surrogateColumns(design, infinite, 'score', rows)).toEqual(
          surrogateColumns(design, missing, 'score', rows),
        );
        expect([...completeSurrogateRows(design, infinite, 'score', rows)]).toEqual([
          ...completeSurrogateRows(design, missing, 'score', rows),
        ]);
      }
    }
  });

  test('accumulateSurrogate gives the sums of addSurrogateRows on surrogateRows, chunk by chunk, to the bit', () => {
    // 4,200 rows cross the 4,096-row chunk; missing values move the 64-row blocks within each chunk.
    const { design, table } = wideCase(5, SURROGATE_BLOCKED_COLUMNS, 4200);
    expect(design.columns.length).toBeGreaterThanOrEqual(SURROGATE_BLOCKED_COLUMNS);
    const got = accumulateSurrogate(emptySurrogate(design), design, table, 'score');
    const expected = emptySurrogate(design);
    for (let from = 0; from < table.rowCount; from += 4096) {
      const to = Math.min(table.rowCount, from + 4096);
      const { x, y } = surrogateRows(design, table, 'score', from, to);
      addSurrogateRows(expected, x, y);
      expected.skipped += to - from - y.length;
    }
    expect(got.skipped).toBeGreaterThan(0);
    expect(got).toEqual(expected);
  });

  test('completeSurrogateRows and surrogateColumns keep the rows surrogateRows keeps, column-major', () => {
    const { design, table } = wideCase(9, 20, 700);
    const p = design.columns.length;
    const random = seededRandom(2);
    const rows = Int32Array.from(Array.from({ length: table.rowCount }, (_, i) => i).filter(() => random() < 0.4));
    const sample = selectRows(table, rows);
    const whole = surrogateRows(design, sample, 'score');
    expect(whole.kept.length).toBeLessThan(rows.length);
    expect([...completeSurrogateRows(design, table, 'score', rows)]).toEqual([...whole.kept].map((k) => rows[k]));
    for (const [columns, rowsOf] of [
      [surrogateColumns(design, table, 'score', rows), whole],
      [surrogateColumns(design, sample, 'score'), whole],
    ] as const) {
      const m = rowsOf.y.length;
      expect([...columns.y]).toEqual([...rowsOf.y]);
      expect(columns.x.length).toBe(p * m);
      const transposed = new Float64Array(p * m);
      for (let r = 0; r < m; r++) for (let i = 0; i < p; i++) transposed[i * m + r] = rowsOf.x[r * p + i]!;
      expect(columns.x).toEqual(transposed);
    }
  });

  test('surrogateSamples gives surrogateColumns and completeSurrogateRows of its two samples, to the bit', () => {
    // Property: random tables (numeric and categorical features, missing values in both and in the score) and
    // two random ascending samples of their rows, overlapping or not; the fused sweep against the two functions.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 600 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, numeric, rows, permutationShare, fitShare) => {
          const wide = wideCase(seed, numeric, rows);
          const { design } = wide;
          // A column the surrogate does not read, first: the fit's sample leaves it out.
          const extra: Column = { name: 'extra', kind: 'numeric', values: new Float64Array(rows).fill(1) };
          const table: Table = { ...wide.table, columns: new Map([['extra', extra], ...wide.table.columns]) };
          const random = seededRandom(seed + 1);
          const draw = (share: number): Int32Array =>
            Int32Array.from(Array.from({ length: rows }, (_, i) => i).filter(() => random() < share));
          const permutationRows = draw(permutationShare);
          const fitDraw = draw(fitShare);
          // The fit's rows: every other complete row, as a seeded subset would pick some of them.
          const choose = (complete: Int32Array): Int32Array => complete.filter((_, k) => k % 2 === 0);
          const got = surrogateSamples(design, table, 'score', permutationRows, fitDraw, choose);
          const expected = surrogateColumns(design, table, 'score', permutationRows);
          const complete = completeSurrogateRows(design, table, 'score', fitDraw);
          expect([...got.fitComplete]).toEqual([...complete]);
          expect(got.permutation.y).toEqual(expected.y);
          expect(got.permutation.x).toEqual(expected.x);
          // The fit's sample is selectRows of the table narrowed to the score and the features, column order kept.
          const needed = new Set(['score', ...design.features.map((f) => f.name)]);
          const narrowed = { ...table, columns: new Map([...table.columns].filter(([name]) => needed.has(name))) };
          const fit = got.fit!;
          const expectedFit = selectRows(narrowed, choose(complete));
          expect(fit.rowCount).toBe(expectedFit.rowCount);
          expect([...fit.columns.keys()]).toEqual([...expectedFit.columns.keys()]);
          expect(fit).toEqual(expectedFit);
          expect(surrogateSamples(design, table, 'score', permutationRows, fitDraw).fit).toBeUndefined();
          // The features without a missing value need not be swept for them: the same samples.
          const noMissing = new Set(
            design.features
              .map((f) => table.columns.get(f.name)!)
              .filter((c) => (c.kind === 'numeric' ? !c.values.some(Number.isNaN) : !c.codes.includes(-1)))
              .map((c) => c.name),
          );
          const swept = surrogateSamples(design, table, 'score', permutationRows, fitDraw, choose, noMissing);
          expect(swept).toEqual(got);
        },
      ),
      { seed: 32, numRuns: 60 },
    );
  });

  test('permutation importance on columns is the row-by-row computation to the bit', () => {
    const { design, table } = wideCase(4, 6, 400);
    const p = design.columns.length;
    const { x, y } = surrogateRows(design, table, 'score');
    const fit = solveSurrogate(accumulateSurrogate(emptySurrogate(design), design, table, 'score'), design)!;
    const n = y.length;
    // The definition, row-major: each row's prediction from the intercept in column order, then the shuffles.
    const plain = (f: SurrogateFit, random: () => number): number[] => {
      const predictions = new Float64Array(n);
      let base = 0;
      for (let r = 0; r < n; r++) {
        let s = f.intercept;
        for (let i = 0; i < p; i++) s += f.coefficients[i]! * x[r * p + i]!;
        predictions[r] = s;
        base += (s - y[r]!) ** 2;
      }
      base /= n;
      return design.features.map((_, idx) => {
        const from = design.offsets[idx]!;
        const to = idx + 1 < design.offsets.length ? design.offsets[idx + 1]! : p;
        let total = 0;
        for (let rep = 0; rep < 3; rep++) {
          const order = Int32Array.from({ length: n }, (_, r) => r);
          for (let r = n - 1; r > 0; r--) {
            const j = Math.floor(random() * (r + 1));
            [order[r], order[j]] = [order[j]!, order[r]!];
          }
          let mse = 0;
          for (let r = 0; r < n; r++) {
            let s = predictions[r]!;
            for (let i = from; i < to; i++) s += f.coefficients[i]! * (x[order[r]! * p + i]! - x[r * p + i]!);
            mse += (s - y[r]!) ** 2;
          }
          total += mse / n - base;
        }
        return total / 3;
      });
    };
    const expected = plain(fit, seededRandom(21));
    const columns = surrogateColumns(design, table, 'score');
    const got = surrogatePermutationImportanceColumns(fit, design, columns.x, columns.y, seededRandom(21), 3);
    expect(got.map((g) => g.importance)).toEqual(expected);
    expect(got.some((g) => g.importance > 0)).toBe(true);
    // A generator with no shuffle of its own (a plain function) takes the loop of calls: the same numbers.
    const calls = seededRandom(21);
    const plainFunction = surrogatePermutationImportanceColumns(fit, design, columns.x, columns.y, () => calls(), 3);
    expect(plainFunction.map((g) => g.importance)).toEqual(expected);
  });
});

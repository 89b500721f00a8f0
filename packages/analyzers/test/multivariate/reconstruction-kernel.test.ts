import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Column } from '@vigil/core';
import {
  type DataReconstruction,
  projectedResidual,
  reconstructionErrorsOfRows,
} from '../../src/multivariate/data-reconstruction';
import { KERNEL_ROWS, ReconstructionKernel } from '../../src/multivariate/reconstruction-kernel';

/** A deterministic generator of doubles in [0, 1) (mulberry32). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308,
  1e-300,
  1e300,
];

/**
 * `length` doubles: mostly uniform in ±2^spread (spread 0: ordinary standardised values; 1000: from subnormal to
 * near overflow), with a share `rate` of them taken from the special values and from fast-check's own doubles.
 */
function values(length: number, random: () => number, spread: number, rate: number, extra: number[]): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    if (random() < rate) {
      const pool = random() < 0.5 || extra.length === 0 ? SPECIAL : extra;
      out[i] = pool[Math.floor(random() * pool.length)]!;
    } else out[i] = (random() * 2 - 1) * 2 ** Math.round((random() * 2 - 1) * spread);
  }
  return out;
}

describe('the reconstruction error kernel (wasm/reconstruction.wat)', () => {
  const shared = new ReconstructionKernel();

  it('gives, bit for bit, the error projectedResidual gives each row, for any d, k, n and values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer(),
        fc.constantFrom(0, 8, 200, 1000),
        fc.constantFrom(0, 0.001, 0.01, 0.2),
        fc.array(fc.double(), { maxLength: 16 }),
        fc.boolean(),
        (d, k, n, seed, spread, rate, extra, fresh) => {
          const random = generator(seed);
          const axes = values(k * d, random, spread, rate, extra);
          const z = values(n * d, random, spread, rate, extra);
          // A new instance, or one whose memory holds other axes and rows from the cases before.
          const kernel = fresh ? new ReconstructionKernel() : shared;
          kernel.load(axes, d, k);
          kernel.rows.set(z);
          const got = kernel.errors(n);
          const p = new Float64Array(k);
          for (let r = 0; r < n; r++) {
            const want = projectedResidual(axes, d, k, z, r * d, p);
            if (!Object.is(got[r], want)) throw new Error(`row ${r}: kernel ${got[r]}, JS ${want} (d ${d}, k ${k})`);
          }
        },
      ),
      { numRuns: 400, seed: 20261207 },
    );
  });

  it('reconstructionErrorsOfRows projects runs longer than a kernel call and runs of models that alternate', () => {
    const random = generator(48);
    const model = (d: number, k: number): DataReconstruction => ({
      inputs: Array.from({ length: d }, (_, i) => ({
        name: `f${i}`,
        kind: 'numeric' as const,
        fill: 0.5,
        mean: random() - 0.5,
        scale: 0.5 + random(),
      })),
      axes: Array.from({ length: k * d }, () => random() * 2 - 1),
      components: k,
      explainedVariance: [],
      reference: { rows: 0, sum: 0, sumSquares: 0, edges: [], counts: [] },
    });
    const rowCount = 2 * KERNEL_ROWS + 77;
    const columns = new Map<string, Column>(
      Array.from({ length: 37 }, (_, i): [string, Column] => {
        const name = `f${i}`;
        const v = Float64Array.from({ length: rowCount }, () => (random() < 0.01 ? Number.NaN : random() * 6 - 3));
        return [name, { name, kind: 'numeric', values: v }];
      }),
    );
    const table = { source: 't', rowCount, columns };
    const expected = (m: DataReconstruction, start: number, end: number): Float64Array => {
      const d = m.inputs.length;
      const axes = Float64Array.from(m.axes);
      const z = new Float64Array(d);
      const p = new Float64Array(m.components);
      return Float64Array.from({ length: end - start }, (_, r) => {
        m.inputs.forEach((input, i) => {
          const v = (columns.get(input.name) as { values: Float64Array }).values[start + r]!;
          if (input.kind === 'numeric') z[i] = ((v === v ? v : input.fill) - input.mean) / input.scale;
        });
        return projectedResidual(axes, d, m.components, z, 0, p);
      });
    };
    const wide = model(37, 13);
    const narrow = model(5, 3);
    const runs: [DataReconstruction, number, number][] = [
      [wide, 7, rowCount],
      [narrow, 0, 40],
      [wide, 3, 9],
      [narrow, 100, 100 + KERNEL_ROWS],
      [wide, 0, 0],
      [wide, KERNEL_ROWS - 1, KERNEL_ROWS + 1],
    ];
    for (const [m, start, end] of runs) {
      const got = reconstructionErrorsOfRows(m, table, start, end);
      const want = expected(m, start, end);
      expect(got.length).toBe(end - start);
      let differ = 0;
      for (let r = 0; r < got.length; r++) if (!Object.is(got[r], want[r])) differ++;
      expect(differ).toBe(0);
    }
  });

  test('the committed module is what wabt assembles wasm/reconstruction.wat to', () => {
    // Fails when the .wat was edited without running the build script (or the bytes were edited by hand).
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check', 'analyzers'], { stdio: 'pipe' })).not.toThrow();
  });
});

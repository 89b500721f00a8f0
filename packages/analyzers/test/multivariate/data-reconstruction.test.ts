import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { selectRows, type Column, type Table } from '@vigil/core';
import {
  chunkBand,
  type DataReconstruction,
  fitDataReconstruction,
  reconstructionError,
  reconstructionErrors,
  reconstructionErrorsOfRows,
  samplingBand,
  symmetricEigen,
} from '../../src/multivariate/data-reconstruction';

/** test/golden/dre.json, written by scripts/golden/dre_nannyml.py from NannyML 0.13's DataReconstructionDriftCalculator. */
interface DreGolden {
  chunkSize: number;
  features: { name: string; kind: 'numeric' | 'categorical' }[];
  reference: Record<string, (number | string | null)[]>;
  analysis: Record<string, (number | string | null)[]>;
  expected: {
    components: number;
    explainedVarianceRatio: number[];
    referenceChunks: number[];
    analysisChunks: number[];
    lowerThreshold: number;
    upperThreshold: number;
    analysisRows: number[];
    alerts: boolean[];
  };
  univariateKsPValueShifted: Record<string, number>;
}

const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'dre.json'), 'utf8')) as DreGolden;

function table(
  source: string,
  data: Record<string, (number | string | null)[]>,
  features: DreGolden['features'],
): Table {
  const columns = new Map<string, Column>();
  let rowCount = 0;
  for (const f of features) {
    const raw = data[f.name]!;
    rowCount = raw.length;
    if (f.kind === 'numeric') {
      columns.set(f.name, {
        name: f.name,
        kind: 'numeric',
        values: Float64Array.from(raw, (v) => (v === null ? Number.NaN : (v as number))),
      });
    } else {
      const categories: string[] = [];
      const codes = Int32Array.from(raw, (v) => {
        if (v === null) return -1;
        let at = categories.indexOf(String(v));
        if (at < 0) at = categories.push(String(v)) - 1;
        return at;
      });
      columns.set(f.name, { name: f.name, kind: 'categorical', codes, categories });
    }
  }
  return { source, rowCount, columns };
}

const reference = table('reference', golden.reference, golden.features);
const analysis = table('analysis', golden.analysis, golden.features);
const chunkMeans = (errors: Float64Array, size: number): number[] =>
  Array.from({ length: Math.ceil(errors.length / size) }, (_, c) => {
    const part = errors.subarray(c * size, (c + 1) * size);
    return part.reduce((t, v) => t + v, 0) / part.length;
  });
const relative = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

describe('data reconstruction against NannyML 0.13', () => {
  let fitted: Awaited<ReturnType<typeof fitDataReconstruction>>;
  beforeAll(async () => {
    fitted = await fitDataReconstruction(reference, golden.features);
  });

  it('the scenario is one univariate drift misses', () => {
    for (const p of Object.values(golden.univariateKsPValueShifted)) expect(p).toBeGreaterThan(0.05);
    expect(golden.expected.alerts.slice(5).every(Boolean)).toBe(true);
  });

  it('keeps as many principal axes as NannyML, explaining the same variance', () => {
    expect(fitted.model.components).toBe(golden.expected.components);
    fitted.model.explainedVariance.forEach((r, j) =>
      expect(r).toBeCloseTo(golden.expected.explainedVarianceRatio[j]!, 4),
    );
  });

  it('reference and analysis chunk errors within 2% relative of NannyML (measured: within 1e-4)', async () => {
    const size = golden.chunkSize;
    const ref = chunkMeans(fitted.errors, size);
    const cur = chunkMeans(await reconstructionErrors(fitted.model, analysis), size);
    let worst = 0;
    golden.expected.referenceChunks.forEach((want, c) => (worst = Math.max(worst, relative(ref[c]!, want))));
    golden.expected.analysisChunks.forEach((want, c) => (worst = Math.max(worst, relative(cur[c]!, want))));
    console.log(`DRE: largest relative chunk difference from NannyML ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(0.02);
    expect(worst).toBeLessThan(1e-4);
  });

  it('per-row errors: the tfjs float32 batch and the float64 ingest loop within 1e-5 of NannyML (the axes come from a float32 covariance)', async () => {
    const batch = await reconstructionErrors(fitted.model, analysis);
    const rows = reconstructionErrorsOfRows(fitted.model, analysis);
    let worstBatch = 0;
    let worstLoop = 0;
    golden.expected.analysisRows.forEach((want, r) => {
      worstBatch = Math.max(worstBatch, Math.abs(batch[r]! - want) / Math.max(want, 1));
      worstLoop = Math.max(worstLoop, Math.abs(rows[r]! - want) / Math.max(want, 1));
    });
    expect(worstBatch).toBeLessThan(1e-5);
    expect(worstLoop).toBeLessThan(1e-5);
    // One event from its raw values gives the same number as its table row.
    const raw = golden.features.map((f) => golden.analysis[f.name]![2600]);
    expect(reconstructionError(fitted.model, raw)).toBeCloseTo(rows[2600]!, 12);
  });

  it('the band of reference chunks equals NannyML thresholds; the shifted chunks leave it', async () => {
    const band = chunkBand(fitted.errors, golden.chunkSize);
    expect(band.method).toBe('chunks');
    expect(band.chunks).toBe(golden.expected.referenceChunks.length);
    expect(relative(band.lower, golden.expected.lowerThreshold)).toBeLessThan(1e-3);
    expect(relative(band.upper, golden.expected.upperThreshold)).toBeLessThan(1e-3);
    const cur = chunkMeans(await reconstructionErrors(fitted.model, analysis), golden.chunkSize);
    cur.forEach((v, c) => expect(v > band.upper || v < band.lower).toBe(golden.expected.alerts[c]));
    // The streaming band (independent rows, no raw data) is of the same width as the chunks' here.
    const sampling = samplingBand(fitted.model.reference, golden.chunkSize);
    expect(sampling.upper - sampling.lower).toBeGreaterThan(0.5 * (band.upper - band.lower));
    expect(sampling.upper - sampling.lower).toBeLessThan(2 * (band.upper - band.lower));
  });

  it('the fit does not depend on the order of the rows (a file and a range of the same events fit alike)', async () => {
    const reversed = selectRows(
      reference,
      Int32Array.from({ length: reference.rowCount }, (_, i) => reference.rowCount - 1 - i),
    );
    const again = await fitDataReconstruction(reversed, golden.features);
    expect(again.model).toEqual(fitted.model);
    // Errors come back in the order of the rows given.
    expect(again.errors[0]).toBe(fitted.errors[reference.rowCount - 1]);
  });

  it('the fixed error histogram holds every reference row', () => {
    const r = fitted.model.reference;
    expect(r.counts.reduce((t, k) => t + k, 0)).toBe(reference.rowCount);
    expect(r.counts.length).toBe(r.edges.length + 1);
    expect(r.rows).toBe(reference.rowCount);
  });
});

describe('symmetricEigen', () => {
  it('A·v = λ·v with orthonormal eigenvectors for random symmetric matrices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (d, raw) => {
          const a = new Float64Array(d * d);
          for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = raw[i * 8 + j]!;
          const { values, vectors } = symmetricEigen(a, d);
          const norm = Math.max(1, ...Array.from(a, Math.abs));
          for (let j = 0; j < d; j++) {
            for (let i = 0; i < d; i++) {
              let av = 0;
              for (let k = 0; k < d; k++) av += a[i * d + k]! * vectors[k * d + j]!;
              expect(Math.abs(av - values[j]! * vectors[i * d + j]!)).toBeLessThan(1e-9 * norm * d);
            }
            for (let m = 0; m < d; m++) {
              let dot = 0;
              for (let k = 0; k < d; k++) dot += vectors[k * d + j]! * vectors[k * d + m]!;
              expect(Math.abs(dot - (j === m ? 1 : 0))).toBeLessThan(1e-12 * d);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('reconstructionErrorsOfRows (the ingest loop)', () => {
  // The loop standardises a run column by column and projects four sums at a time; each sum must still add the same
  // products in the same order as residualNorm, which reconstructionError (one event from its raw values) runs.
  it('gives, bit for bit, the error reconstructionError gives each row, for any inputs, axes and run', () => {
    const category = fc.constantFrom('a', 'b', 'c', 'd');
    const input = fc.oneof(
      fc.record({
        kind: fc.constant('numeric' as const),
        fill: fc.double({ min: -5, max: 5, noNaN: true }),
        mean: fc.double({ min: -5, max: 5, noNaN: true }),
        scale: fc.double({ min: 0.01, max: 10, noNaN: true }),
        values: fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: 12,
          maxLength: 12,
        }),
      }),
      fc.record({
        kind: fc.constant('categorical' as const),
        shares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fill: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.constant(null)),
        mean: fc.double({ min: 0, max: 1, noNaN: true }),
        scale: fc.double({ min: 0.01, max: 2, noNaN: true }),
        // 'd' is a category the reference never saw; null is missing.
        values: fc.array(fc.oneof(category, fc.constant(null)), { minLength: 12, maxLength: 12 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(input, { minLength: 1, maxLength: 11 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 99, maxLength: 99 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (inputs, components, rawAxes, a, b) => {
          const d = inputs.length;
          const k = Math.min(components, d);
          const model: DataReconstruction = {
            inputs: inputs.map((x, i) =>
              x.kind === 'numeric'
                ? { name: `f${i}`, kind: 'numeric', fill: x.fill, mean: x.mean, scale: x.scale }
                : {
                    name: `f${i}`,
                    kind: 'categorical',
                    categories: ['a', 'b', 'c'],
                    shares: x.shares,
                    fill: x.fill,
                    mean: x.mean,
                    scale: x.scale,
                  },
            ),
            axes: rawAxes.slice(0, d * k),
            components: k,
            explainedVariance: [],
            reference: { rows: 0, sum: 0, sumSquares: 0, edges: [], counts: [] },
          };
          const columns = new Map<string, Column>(
            inputs.map((x, i): [string, Column] => {
              const name = `f${i}`;
              if (x.kind === 'numeric') return [name, { name, kind: 'numeric', values: Float64Array.from(x.values) }];
              // The column's own dictionary, in another order than the model's categories.
              const categories = ['d', 'c', 'b', 'a'];
              const codes = Int32Array.from(x.values, (v) => (v === null ? -1 : categories.indexOf(v)));
              return [name, { name, kind: 'categorical', categories, codes }];
            }),
          );
          const start = Math.min(a, b);
          const end = Math.max(a, b);
          const errors = reconstructionErrorsOfRows(model, { source: 't', rowCount: 12, columns }, start, end);
          expect(errors.length).toBe(end - start);
          for (let r = start; r < end; r++) {
            const raw = inputs.map((x) => x.values[r]!);
            expect(Object.is(errors[r - start], reconstructionError(model, raw))).toBe(true);
          }
        },
      ),
      { numRuns: 500, seed: 20261206 },
    );
  });
});

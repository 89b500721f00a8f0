import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, type Column, type Table } from '@vigil/core';
import { domainClassifier } from '../../src/multivariate/domain-classifier';
import { multivariateDrift } from '../../src/multivariate/multivariate-drift';

const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'dre.json'), 'utf8')) as {
  features: { name: string; kind: 'numeric' | 'categorical' }[];
  reference: Record<string, (number | string | null)[]>;
  analysis: Record<string, (number | string | null)[]>;
};

function table(source: string, data: Record<string, (number | string | null)[]>, from = 0, to?: number): Table {
  const columns = new Map<string, Column>();
  let rowCount = 0;
  for (const f of golden.features) {
    const raw = data[f.name]!.slice(from, to);
    rowCount = raw.length;
    if (f.kind === 'numeric')
      columns.set(f.name, {
        name: f.name,
        kind: 'numeric',
        values: Float64Array.from(raw, (v) => (v === null ? Number.NaN : (v as number))),
      });
    else {
      const categories = [...new Set(raw.filter((v): v is string => v !== null))];
      columns.set(f.name, {
        name: f.name,
        kind: 'categorical',
        categories,
        codes: Int32Array.from(raw, (v) => (v === null ? -1 : categories.indexOf(v as string))),
      });
    }
  }
  return { source, rowCount, columns };
}

/** Seeded normal rows: `shift` moves x1's mean, the rest stays. */
function normalTable(source: string, rows: number, seed: number, shift: number): Table {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const x1 = Float64Array.from({ length: rows }, () => normal() + shift);
  const x2 = Float64Array.from({ length: rows }, () => normal());
  const codes = Int32Array.from({ length: rows }, () => (random() < 0.3 ? 0 : 1));
  return {
    source,
    rowCount: rows,
    columns: new Map<string, Column>([
      ['x1', { name: 'x1', kind: 'numeric', values: x1 }],
      ['x2', { name: 'x2', kind: 'numeric', values: x2 }],
      ['c', { name: 'c', kind: 'categorical', codes, categories: ['a', 'b'] }],
    ]),
  };
}
const FEATURES = [
  { name: 'x1', kind: 'numeric' },
  { name: 'x2', kind: 'numeric' },
  { name: 'c', kind: 'categorical' },
] as const;

describe('the report multivariate section', () => {
  const reference = table('reference', golden.reference);

  it('flags the correlation flip that no feature drift sees, with the band of reference chunks of its size', async () => {
    const shifted = await multivariateDrift(reference, table('shifted', golden.analysis, 2500), golden.features);
    if (!shifted.computed) throw new Error(shifted.reason);
    expect(shifted.drifted).toBe(true);
    expect(shifted.referenceReconstructionError.method).toBe('chunks');
    expect(shifted.referenceReconstructionError.chunkSize).toBe(2500);
    expect(shifted.referenceReconstructionError.chunks).toBe(2);
    expect(shifted.reconstructionError).toBeGreaterThan(shifted.referenceReconstructionError.upper);
    expect(shifted.rows).toBe(2500);
  });

  it('does not flag data from the reference distribution', async () => {
    const same = await multivariateDrift(reference, table('same', golden.analysis, 0, 2500), golden.features);
    if (!same.computed) throw new Error(same.reason);
    expect(same.drifted).toBe(false);
    expect(same.reconstructionError).toBeGreaterThan(same.referenceReconstructionError.lower);
    expect(same.reconstructionError).toBeLessThan(same.referenceReconstructionError.upper);
  });

  it('a current file larger than half the reference gets the sampling band, and one feature gets a reason', async () => {
    const big = await multivariateDrift(reference, table('all', golden.analysis), golden.features);
    expect(big.computed && big.referenceReconstructionError.method).toBe('sampling');
    const one = await multivariateDrift(reference, table('all', golden.analysis), golden.features.slice(0, 1));
    expect(one).toEqual({ computed: false, reason: 'needs at least two features' });
  });

  it('two independent features need both axes: not computed, instead of a verdict on rounding noise', async () => {
    // Before: computed, an error of ~1e-8 against a band of ~1e-8, "drifted" by chance.
    const two = FEATURES.slice(0, 2);
    const result = await multivariateDrift(normalTable('ref', 2000, 1, 0), normalTable('cur', 500, 2, 0), two);
    expect(result).toEqual({
      computed: false,
      reason:
        "every principal axis (2 of 2) is needed for 65% of the reference's variance, so each row is rebuilt exactly and nothing is left to measure: it needs features that move together",
    });
  });
});

describe('domain classifier', () => {
  it('ROC AUC near 0.5 on two samples of one distribution', async () => {
    const result = await domainClassifier(normalTable('a', 2000, 1, 0), normalTable('b', 2000, 2, 0), FEATURES);
    expect(result.folds).toBe(5);
    expect(result.foldAuc).toHaveLength(5);
    expect(Math.abs(result.auc - 0.5)).toBeLessThan(0.05);
  });

  it('high ROC AUC when a feature shifted', async () => {
    const result = await domainClassifier(normalTable('a', 2000, 1, 0), normalTable('b', 2000, 2, 1.5), FEATURES);
    // Two unit normals 1.5 apart: the best classifier's AUC is Φ(1.5/√2) ≈ 0.856.
    expect(result.auc).toBeGreaterThan(0.8);
    expect(result.auc).toBeLessThan(0.9);
  });

  it('is seeded: the same inputs give the same AUC; a sample bounds the rows', async () => {
    const a = normalTable('a', 3000, 1, 0);
    const b = normalTable('b', 3000, 2, 0.5);
    const first = await domainClassifier(a, b, FEATURES, { maxRowsPerFile: 1000 });
    const second = await domainClassifier(a, b, FEATURES, { maxRowsPerFile: 1000 });
    expect(first.rows).toEqual({ reference: 1000, current: 1000 });
    expect(second.auc).toBe(first.auc);
  });
});

/**
 * Bounded state: a categorical feature of unbounded cardinality keeps at most MAX_UNSEEN_NAMES unseen names per
 * accumulator, with the rest under "(other)"; no metric changes, because every unseen row counts in one "new" bin.
 * Before the cap, 100,000 distinct new values grew one bucket's accumulator to about 1 MB.
 */
import fc from 'fast-check';
import type { Table } from '@vigil/core';
import {
  accumulate,
  analyzeWindow,
  emptyAccumulator,
  fitReferenceProfile,
  mergeAccumulators,
  type AnalysisSpec,
  type WindowAccumulator,
} from '@vigil/analyzers';
import {
  capUnseen,
  MAX_UNSEEN_NAMES,
  OTHER_UNSEEN,
  type CategoricalAccumulator,
} from '../../src/accumulator/window-accumulator';

const spec: AnalysisSpec = {
  task: 'binary',
  features: [{ name: 'c', kind: 'categorical' }],
  groups: [],
  threshold: 0.5,
  minGroupSize: 5,
  fdr: 0.05,
};

function table(categories: string[], codes: number[]): Table {
  return {
    source: 'generated',
    rowCount: codes.length,
    columns: new Map([['c', { name: 'c', kind: 'categorical' as const, categories, codes: Int32Array.from(codes) }]]),
  };
}
const reference = table(['a', 'b'], [0, 1, 0, 1, 0]);
const profile = fitReferenceProfile(reference, spec);
const unseenOf = (acc: WindowAccumulator): Record<string, number> => (acc.features[0] as CategoricalAccumulator).unseen;
const total = (u: Record<string, number>): number => Object.values(u).reduce((s, n) => s + n, 0);

describe('unseen category names are bounded', () => {
  it('1,000,000 distinct new values streamed in batches keep at most the cap, and every row is counted', () => {
    let acc = emptyAccumulator(profile, spec);
    const batch = 10_000;
    for (let start = 0; start < 1_000_000; start += batch) {
      const names = Array.from({ length: batch }, (_, i) => `id-${start + i}`);
      const part = accumulate(
        emptyAccumulator(profile, spec),
        profile,
        spec,
        table(
          names,
          names.map((_, i) => i),
        ),
      );
      acc = mergeAccumulators(acc, part);
      expect(Object.keys(unseenOf(acc)).length).toBeLessThanOrEqual(MAX_UNSEEN_NAMES + 1);
    }
    expect(total(unseenOf(acc))).toBe(1_000_000);
    expect(JSON.stringify(acc).length).toBeLessThan(10_000);
    const drift = analyzeWindow(profile, acc, spec).drift[0];
    expect(drift?.metrics).toMatchObject({ newCategoryRate: 1 });
  });

  it('keeps the most frequent names, ties by name, and the total', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 50 }), { maxKeys: 300 }),
        (unseen) => {
          const capped = capUnseen({ ...unseen });
          expect(total(capped)).toBe(total(unseen));
          const names = Object.keys(capped).filter((k) => k !== OTHER_UNSEEN);
          expect(names.length).toBe(
            Math.min(Object.keys(unseen).filter((k) => k !== OTHER_UNSEEN).length, MAX_UNSEEN_NAMES),
          );
          const dropped = Object.keys(unseen).filter((k) => k !== OTHER_UNSEEN && !(k in capped));
          for (const d of dropped)
            for (const k of names) expect(unseen[k]! > unseen[d]! || (unseen[k] === unseen[d] && k < d)).toBe(true);
        },
      ),
    );
  });

  it('leaves every metric as it was: all unseen rows share one "new" bin', () => {
    const few = ['x', 'y', 'a'];
    const many = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const codes = [...Array(400).keys()].map((i) => i % (many.length + few.length));
    const cats = [...few, ...many];
    const capped = accumulate(emptyAccumulator(profile, spec), profile, spec, table(cats, codes));
    const uncapped = {
      ...capped,
      features: [{ ...(capped.features[0] as CategoricalAccumulator), unseen: { new: total(unseenOf(capped)) } }],
    };
    expect(analyzeWindow(profile, capped, spec).drift).toEqual(
      analyzeWindow(profile, uncapped, spec).drift.map((d) => ({ ...d, histogram: expect.anything() })),
    );
  });
});

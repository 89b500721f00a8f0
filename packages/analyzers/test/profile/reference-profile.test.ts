import type { Table } from '@vigil/core';
import {
  accumulate,
  emptyAccumulator,
  fitReferenceProfile,
  numericDrift,
  type AnalysisSpec,
  type NumericAccumulator,
  type NumericProfile,
  type ReferenceProfile,
} from '@vigil/analyzers';
import { numericAccumulatorFromSorted } from '../../src/accumulator/window-accumulator';
import { binIndex, quantileEdges, referenceEdges } from '../../src/profile/binning';
import { COARSE_BINS, FINE_BINS } from '../../src/profile/reference-profile';
import { sortFinite } from '../../src/sort/sort-finite';
import { binningGolden, column } from './binning-golden';

const spec: AnalysisSpec = {
  task: 'binary',
  features: [{ name: 'x', kind: 'numeric' }],
  groups: [],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};

const table = (values: Float64Array): Table => ({
  source: 'generated',
  rowCount: values.length,
  columns: new Map([['x', { name: 'x', kind: 'numeric', values }]]),
});

/** The current side as a streaming window bins it (one value at a time) and as a report does (sorted, merged). */
function bothAccumulators(profile: ReferenceProfile, current: Float64Array): NumericAccumulator[] {
  const streamed = accumulate(emptyAccumulator(profile, spec), profile, spec, table(current))
    .features[0] as NumericAccumulator;
  const reported = numericAccumulatorFromSorted(
    profile.features[0] as NumericProfile,
    sortFinite(current),
    current.length,
  );
  return [streamed, reported];
}

function expectRelativelyClose(actual: number, expected: number, tolerance = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

describe('fitReferenceProfile binning (golden vectors: scripts/golden/binning_vectors.py)', () => {
  for (const c of binningGolden.cases) {
    it(`${c.name}: the profile's bins and the window's PSI, JS and Hellinger equal numpy's and scipy's`, () => {
      const profile = fitReferenceProfile(table(column(c.reference)), spec);
      const p = profile.features[0] as NumericProfile;
      expect(p.edges).toEqual(c.edges);
      expect(p.counts).toEqual(c.referenceCounts);
      expect(p.fineEdges).toEqual(c.fineEdges);
      expect(p.fineCounts).toEqual(c.fineReferenceCounts);
      for (const acc of bothAccumulators(profile, column(c.current))) {
        expect(acc.counts).toEqual(c.currentCounts);
        expect(acc.fineCounts).toEqual(c.fineCurrentCounts);
        const drift = numericDrift(p, acc);
        expectRelativelyClose(drift.psi, c.metrics.psi);
        expectRelativelyClose(drift.js, c.metrics.js);
        expectRelativelyClose(drift.hellinger, c.metrics.hellinger);
      }
    });
  }

  it('the zero-inflated feature, 94% zeros against 88.7%: PSI 0 with plain deciles, clearly above 0 now', () => {
    const c = binningGolden.cases.find((x) => x.name === 'zero-inflated')!;
    expect(c.plainMetrics.psi).toBe(0);
    const p = fitReferenceProfile(table(column(c.reference)), spec).features[0] as NumericProfile;
    expect(p.edges.slice(0, 2)).toEqual([0, Number.MIN_VALUE]);
    expect(p.counts[1]! / (p.rows - p.missing)).toBeCloseTo(0.93, 2);
    expect(c.metrics.psi).toBeGreaterThan(0.02);
  });
});

describe('profiles stored before point masses had bins of their own', () => {
  /** A profile as the old fitting stored it: plain quantile edges with duplicates collapsed, through JSON. */
  function oldProfile(reference: Float64Array): ReferenceProfile {
    const fitted = fitReferenceProfile(table(reference), spec);
    const sorted = sortFinite(reference);
    const rebin = (edges: number[]): number[] => {
      const counts = new Array<number>(edges.length + 1).fill(0);
      for (const v of sorted) counts[binIndex(edges, v)]!++;
      return counts;
    };
    const edges = quantileEdges(sorted, COARSE_BINS);
    const fineEdges = quantileEdges(sorted, FINE_BINS);
    const p = fitted.features[0] as NumericProfile;
    const old = {
      ...fitted,
      features: [{ ...p, edges, counts: rebin(edges), fineEdges, fineCounts: rebin(fineEdges) }],
    };
    return JSON.parse(JSON.stringify(old)) as ReferenceProfile;
  }

  for (const name of ['zero-inflated', 'discrete', 'mixed']) {
    it(`${name}: load and bin windows on their own edges, giving the old figures`, () => {
      const c = binningGolden.cases.find((x) => x.name === name)!;
      const reference = column(c.reference);
      const profile = oldProfile(reference);
      const p = profile.features[0] as NumericProfile;
      expect(p.edges).toEqual(c.plainEdges);
      expect(p.edges).not.toEqual(referenceEdges(sortFinite(reference), COARSE_BINS));
      for (const acc of bothAccumulators(profile, column(c.current))) {
        expect(acc.counts).toHaveLength(c.plainEdges.length + 1);
        const drift = numericDrift(p, acc);
        expectRelativelyClose(drift.psi, c.plainMetrics.psi);
        expectRelativelyClose(drift.js, c.plainMetrics.js);
        expectRelativelyClose(drift.hellinger, c.plainMetrics.hellinger);
      }
    });
  }
});

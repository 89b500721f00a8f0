import fc from 'fast-check';
import { binIndex, countSortedIntoBins, quantileEdges, quantileSorted } from '../../src/profile/binning';

describe('binning', () => {
  it('puts out-of-range values into the open outer bins and edge values into the bin above', () => {
    const edges = [1, 2, 3];
    expect([-100, 0.99, 1, 1.5, 2, 3, 1e9].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('collapses duplicate edges of discrete features', () => {
    const sorted = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]);
    // numpy: np.unique(np.quantile(x, np.arange(1, 10) / 10))
    expect(quantileEdges(sorted, 10)).toEqual([0, 0.39999999999999947, 1, 1.2000000000000002, 2]);
    const binary = Float64Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(quantileEdges(binary, 10)).toEqual([0, 0.5, 1]);
  });

  it('interpolates quantiles as numpy does', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(1.3, 15);
    expect(quantileSorted(Float64Array.from([7]), 0.3)).toBe(7);
  });
});

describe('countSortedIntoBins', () => {
  it('counts exactly as binIndex per value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 300 }), fc.uniqueArray(fc.integer({ min: -15, max: 15 }), { maxLength: 12 }), (values, rawEdges) => {
        const edges = [...rawEdges].sort((a, b) => a - b);
        const sorted = Float64Array.from(values).sort();
        const expected = new Array<number>(edges.length + 1).fill(0);
        for (const v of values) expected[binIndex(edges, v)]!++;
        const counts = new Array<number>(edges.length + 1).fill(0);
        countSortedIntoBins(sorted, edges, counts);
        expect(counts).toEqual(expected);
      }),
    );
  });
});

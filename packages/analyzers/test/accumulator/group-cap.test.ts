/**
 * Bounded state: a group attribute of unbounded cardinality (a user id configured as a group) keeps at most
 * MAX_GROUP_VALUES groups by name per accumulator, the ones with the most rows, and counts the rest in "(other)".
 * Before the cap every distinct value was a group of its own: 10,000 values made 10,000 groups in one batch.
 */
import fc from 'fast-check';
import type { Column, Table } from '@vigil/core';
import {
  accumulate,
  analyzeWindow,
  capGroups,
  emptyAccumulator,
  fitReferenceProfile,
  MAX_GROUP_VALUES,
  mergeAccumulators,
  MISSING_GROUP,
  OTHER_GROUP,
  type AnalysisSpec,
  type WindowAccumulator,
} from '@vigil/analyzers';
import type { GroupCounts } from '../../src/stats/fairness';

const spec: AnalysisSpec = {
  task: 'binary',
  features: [{ name: 'x', kind: 'numeric' }],
  score: 'score',
  label: 'label',
  groups: ['g'],
  threshold: 0.5,
  minGroupSize: 5,
  fdr: 0.05,
};

/** Rows whose group is `names[codes[i]]` (−1: missing), score i/16 mod 1 and a label alternating 0, 1. */
function table(names: string[], codes: number[]): Table {
  const columns: Column[] = [
    { name: 'x', kind: 'numeric', values: Float64Array.from(codes, (_, i) => i % 7) },
    { name: 'score', kind: 'numeric', values: Float64Array.from(codes, (_, i) => (i % 16) / 16) },
    { name: 'label', kind: 'numeric', values: Float64Array.from(codes, (_, i) => i % 2) },
    { name: 'g', kind: 'categorical', categories: names, codes: Int32Array.from(codes) },
  ];
  return { source: 'generated', rowCount: codes.length, columns: new Map(columns.map((c) => [c.name, c])) };
}
const profile = fitReferenceProfile(table(['a', 'b'], [0, 1, 0, 1, 0, 1, 0, 1]), spec);
const accOf = (names: string[], codes: number[]): WindowAccumulator =>
  accumulate(emptyAccumulator(profile, spec), profile, spec, table(names, codes));
const groupsOf = (acc: WindowAccumulator): Record<string, GroupCounts> => acc.groups.g!;
const FIELDS = ['n', 'predictedPositive', 'tp', 'fp', 'tn', 'fn'] as const;
/** Every count of an attribute summed over its groups, `(other)` included, calibration bins too. */
function totals(byGroup: Record<string, GroupCounts>): number[] {
  const out = [...FIELDS.map(() => 0), 0, 0];
  for (const c of Object.values(byGroup)) {
    FIELDS.forEach((f, i) => (out[i]! += c[f]));
    for (const b of c.calibration) {
      out[FIELDS.length]! += b.count;
      out[FIELDS.length + 1]! += b.sumLabel;
    }
  }
  return out;
}

describe('group values are bounded', () => {
  it('1,000,000 distinct values streamed in batches keep at most the cap by name, and every row is counted', () => {
    let acc = emptyAccumulator(profile, spec);
    const batch = 10_000;
    for (let start = 0; start < 1_000_000; start += batch) {
      // One value seen twice per batch (so it leads), the rest once, and a missing value.
      const names = Array.from({ length: batch }, (_, i) => `user-${start + i}`);
      names[0] = 'frequent';
      const codes = names.map((_, i) => (i === 1 ? 0 : i === 2 ? -1 : i));
      acc = mergeAccumulators(acc, accOf(names, codes));
      expect(Object.keys(groupsOf(acc)).length).toBeLessThanOrEqual(MAX_GROUP_VALUES + 2);
    }
    const groups = groupsOf(acc);
    expect(totals(groups)[0]).toBe(1_000_000);
    expect(groups.frequent!.n).toBe(200);
    expect(groups[MISSING_GROUP]!.n).toBe(100);
    expect(groups[OTHER_GROUP]!.n).toBeGreaterThan(990_000);
    // About 100 groups of 10 calibration bins: tens of KB, whatever the traffic (before: one group per value).
    expect(JSON.stringify(acc).length).toBeLessThan(100_000);
  });

  it('keeps the groups with most rows, ties by name, (missing) always, and every total', () => {
    const counts = fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 30 }), {
      maxKeys: 260,
    });
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 120 }), (sizes, max) => {
        const byGroup: Record<string, GroupCounts> = {};
        for (const [name, n] of Object.entries(sizes)) {
          byGroup[name] = {
            n,
            predictedPositive: n % 3,
            tp: 1,
            fp: 0,
            tn: n - 1,
            fn: 0,
            calibration: [{ count: n, sumScore: n / 2, sumLabel: 1 }],
          };
        }
        const before = totals(byGroup);
        const capped = capGroups(byGroup, max);
        expect(totals(capped)).toEqual(before);
        const named = (r: Record<string, GroupCounts>) =>
          Object.keys(r).filter((k) => k !== OTHER_GROUP && k !== MISSING_GROUP);
        expect(named(capped).length).toBe(Math.min(named(byGroup).length, max));
        if (MISSING_GROUP in byGroup) expect(capped[MISSING_GROUP]).toBe(byGroup[MISSING_GROUP]);
        const dropped = named(byGroup).filter((k) => !(k in capped));
        for (const d of dropped)
          for (const k of named(capped)) expect(sizes[k]! > sizes[d]! || (sizes[k] === sizes[d] && k < d)).toBe(true);
      }),
    );
  });

  it('(other) is shown with its counts but never compared: it is a mix of groups', () => {
    // 101 groups of 10 rows, selection rates all 0.5 except "z-last", folded into (other) by name.
    const names = Array.from({ length: MAX_GROUP_VALUES + 1 }, (_, i) =>
      i === MAX_GROUP_VALUES ? 'z-last' : `g${String(i).padStart(3, '0')}`,
    );
    const codes = names.flatMap((_, k) => Array.from({ length: 10 }, () => k));
    const acc = accOf(names, codes);
    const fairness = analyzeWindow(profile, acc, spec).fairness[0]!;
    const other = fairness.groups.find((g) => g.group === OTHER_GROUP)!;
    expect(other).toMatchObject({ n: 10, sufficient: false, sufficientLabelled: false });
    expect(fairness.groups.some((g) => g.group === 'z-last')).toBe(false);
    expect(fairness.groups.filter((g) => g.sufficient)).toHaveLength(MAX_GROUP_VALUES);
  });
});

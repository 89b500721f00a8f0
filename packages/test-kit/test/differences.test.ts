import { differences } from '../src/differences';

describe('differences', () => {
  it('names each value that differs by its path; equal values give none', () => {
    const expected = { rows: [{ metric: 'psi', value: 0.25, rows: 100 }], flag: true };
    expect(differences(structuredClone(expected), expected)).toEqual([]);
    expect(differences({ rows: [{ metric: 'ks', value: 0.5, rows: 100 }], flag: true, extra: 1 }, expected)).toEqual([
      '$.rows[0].metric: "ks" ≠ "psi"',
      '$.rows[0].value: 0.5 ≠ 0.25',
      '$.extra: 1 ≠ undefined',
    ]);
    expect(differences([1, 2], [1, 2, 3])).toEqual(['$: 2 items ≠ 3']);
    expect(differences({ v: null }, { v: 0 })).toEqual(['$.v: null ≠ 0']);
  });

  it('numbers within the tolerance relative to the larger magnitude, absolute below absoluteBelow', () => {
    expect(differences({ v: 1000 * (1 + 5e-10) }, { v: 1000 })).toEqual([]);
    expect(differences({ v: 1000 * (1 + 2e-9) }, { v: 1000 })).toHaveLength(1);
    // Near zero: 1e-9 absolute by default, 1e-12 with absoluteBelow 1e-3.
    expect(differences({ v: 5e-10 }, { v: 0 })).toEqual([]);
    expect(differences({ v: 5e-10 }, { v: 0 }, { absoluteBelow: 1e-3 })).toEqual(['$.v: 5e-10 ≠ 0']);
    expect(differences({ v: 5e-13 }, { v: 0 }, { absoluteBelow: 1e-3 })).toEqual([]);
    expect(differences({ v: 0.1 + 0.2 }, { v: 0.3 }, { tolerance: 0 })).toHaveLength(1);
  });

  it('non-finite numbers only match themselves', () => {
    expect(differences([Number.NaN, Infinity], [Number.NaN, Infinity])).toEqual([]);
    expect(differences([Infinity], [-Infinity])).toEqual(['$[0]: Infinity ≠ -Infinity']);
  });

  it('stops at limit lines', () => {
    const many = Array.from({ length: 50 }, (_, i) => i);
    expect(
      differences(
        many.map((i) => i + 1),
        many,
      ),
    ).toHaveLength(10);
    expect(
      differences(
        many.map((i) => i + 1),
        many,
        { limit: 3 },
      ),
    ).toHaveLength(3);
  });
});

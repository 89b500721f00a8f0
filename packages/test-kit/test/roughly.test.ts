import { roughly, RoughNumber } from '../src/roughly';

/** The message of the failure `fn` throws (jest's matcher error), or '' when it passes. */
const failure = (fn: () => void): string => {
  try {
    fn();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('roughly', () => {
  it('accepts two sums of the same numbers added in different orders, which toEqual and 12-digit rounding reject', () => {
    // A pair like CI's failure (seed -1697886377): one ulp apart, either side of a 12-digit rounding boundary.
    const above = 9.091200225385;
    const below = above - 2 ** -49; // one ulp of numbers in [8, 16)
    expect(Number(below.toPrecision(12))).not.toBe(Number(above.toPrecision(12)));
    expect([below, { deep: [below] }]).toEqual(roughly([above, { deep: [above] }]));
    const terms = [0.1, 0.7, 1e-3, 3.3, 1 / 3, 2 / 7, 1e3];
    const forward = terms.reduce((s, x) => s + x, 0);
    const backward = [...terms].reverse().reduce((s, x) => s + x, 0);
    expect(forward).not.toBe(backward);
    expect({ v: forward }).toEqual(roughly({ v: backward }));
  });

  it('rejects a value off by a relative 1e-9, and any count off by one', () => {
    const v = 9.091200225385;
    expect(failure(() => expect({ v: v * (1 + 1e-9) }).toEqual(roughly({ v })))).not.toBe('');
    expect(failure(() => expect({ v: v * (1 - 1e-9) }).toEqual(roughly({ v })))).not.toBe('');
    for (const n of [0, 1, 1000, 123_456_789])
      expect(failure(() => expect({ n: n + 1 }).toEqual(roughly({ n })))).not.toBe('');
    // Near zero the bound is absolute: 1e-13 passes, 1e-9 does not.
    expect({ v: 1e-13 }).toEqual(roughly({ v: 0 }));
    expect(failure(() => expect({ v: 1e-9 }).toEqual(roughly({ v: 0 })))).not.toBe('');
  });

  it('compares everything but numbers exactly, and non-finite numbers only to themselves', () => {
    expect(failure(() => expect({ v: '1' }).toEqual(roughly({ v: 1 })))).not.toBe('');
    expect(failure(() => expect({ v: null }).toEqual(roughly({ v: 0 })))).not.toBe('');
    expect(failure(() => expect({ v: 1, extra: 2 }).toEqual(roughly({ v: 1 })))).not.toBe('');
    expect(failure(() => expect([1, 2]).toEqual(roughly([1])))).not.toBe('');
    expect(failure(() => expect({ s: 'b' }).toEqual(roughly({ s: 'a' })))).not.toBe('');
    expect({ v: Infinity, w: Number.NaN }).toEqual(roughly({ v: Infinity, w: Number.NaN }));
    expect(failure(() => expect({ v: Number.MAX_VALUE }).toEqual(roughly({ v: Infinity })))).not.toBe('');
    const when = new Date(0);
    expect(roughly({ when })).toEqual({ when });
  });

  it('takes a tolerance of its own', () => {
    expect({ v: 1 + 1e-10 }).toEqual(roughly({ v: 1 }, 1e-9));
    expect(failure(() => expect({ v: 1 + 1e-8 }).toEqual(roughly({ v: 1 }, 1e-9)))).not.toBe('');
  });

  it('shows only the numbers that differ in a failing diff, each with its tolerance', () => {
    const message = failure(() =>
      expect([
        { metric: 'psi', value: 0.25, rows: 10 },
        { metric: 'ks', value: 0.5000001, rows: 10 },
      ]).toEqual(
        roughly([
          { metric: 'psi', value: 0.25, rows: 10 },
          { metric: 'ks', value: 0.5, rows: 10 },
        ]),
      ),
    );
    expect(message).toContain('roughly(0.5, 1e-12)');
    expect(message).toContain('0.5000001');
    // The numbers that match print as their matchers on both sides, so the one difference is the only one shown.
    expect(message).toContain('Expected  - 1');
    expect(message).toContain('Received  + 1');
    expect(new RoughNumber(0.5).toAsymmetricMatcher()).toBe('roughly(0.5, 1e-12)');
  });
});

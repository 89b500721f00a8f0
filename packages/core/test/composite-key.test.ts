import fc from 'fast-check';
import { compositeKey } from '@vigil/core';

describe('compositeKey', () => {
  it('is the parts joined by NUL, the key the callers built by hand before', () => {
    expect(compositeKey('credit-risk', '7', 1_700_000_000_000)).toBe('credit-risk\u00007\u00001700000000000');
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer(), (model, version, start) => {
        expect(compositeKey(model, version, start)).toBe(`${model}\u0000${version}\u0000${start}`);
      }),
    );
  });

  it('gives different tuples without NUL different keys', () => {
    const part = fc.string().filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.array(part, { minLength: 1, maxLength: 4 }),
        (a, b) => {
          fc.pre(a.length === b.length && a.some((x, i) => x !== b[i]));
          expect(compositeKey(...a)).not.toBe(compositeKey(...b));
        },
      ),
    );
  });
});

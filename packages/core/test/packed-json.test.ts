import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { isVigilError, packJson, unpackJson } from '@vigil/core';

/** What a JSON round trip gives: the reference the packed form must match. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** Numbers where the packed form changes encoding, and those JSON turns into something else. */
const edgeNumber = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  127,
  128,
  16_383,
  16_384,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  2 ** 60,
  -(2 ** 60),
  0.1,
  5e-324,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  -Infinity,
);

/** JSON-like values with what JSON.stringify treats specially: undefined, NaN, -0, lone surrogates, odd keys. */
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.nat(),
    edgeNumber,
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.array(fc.nat({ max: 300 })),
    fc.array(fc.oneof(tie('value'), fc.constant(undefined))),
    fc.dictionary(
      fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor', '1', '0', '')),
      fc.oneof(tie('value'), fc.constant(undefined)),
    ),
  ),
}));

describe('packJson / unpackJson', () => {
  it('give back what a JSON round trip gives, key order included', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const back = unpackJson(packJson(v));
        // Node's deep equality, not jest's: jest compares `constructor` properties as types, and a JSON object may
        // have an own key named so.
        expect(isDeepStrictEqual(back, viaJson(v))).toBe(true);
        // The same text again: key order, -0 written as 0, own __proto__ keys.
        expect(JSON.stringify(back)).toBe(JSON.stringify(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('keep strings with lone surrogates, in values and keys, as JSON does', () => {
    const v = { a: '\ud800x', '\udc00': ['\ud83d\ude00', '\ude00\ud83d', 'é'], b: 'plain' };
    const back = unpackJson(packJson(v));
    expect(isDeepStrictEqual(back, viaJson(v))).toBe(true);
    expect(JSON.stringify(back)).toBe(JSON.stringify(v));
  });

  it('keep a key named __proto__ as an own key, as JSON.parse does', () => {
    const v = JSON.parse('{"__proto__":{"x":1},"a":[1,2]}') as Record<string, unknown>;
    const back = unpackJson(packJson(v)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(back)).toBe('{"__proto__":{"x":1},"a":[1,2]}');
  });

  it('is smaller than the JSON text of an accumulator-like value, and writes each key once', () => {
    const feature = (i: number) => ({
      kind: 'numeric',
      rows: 40 + i,
      missing: 0,
      counts: Array.from({ length: 10 }, (_, j) => (i * j) % 7),
      fineCounts: Array.from({ length: 100 }, (_, j) => (i + j) % 3),
      sum: 12.345 + i,
      sumSquares: 98.7654321 * i,
      min: -1.5,
      max: 2.25,
    });
    const acc = { version: 1, rows: 42, features: Array.from({ length: 30 }, (_, i) => feature(i)) };
    const packed = packJson(acc);
    const text = JSON.stringify(acc);
    expect(unpackJson(packed)).toStrictEqual(viaJson(acc));
    expect(packed.length).toBeLessThan(text.length * 0.6);
    const once = (s: string) => Buffer.from(packed).toString('latin1').split(s).length - 1;
    expect(once('fineCounts')).toBe(1);
    expect(once('sumSquares')).toBe(1);
  });

  it('refuses what is not a JSON value at the top, as JSON.stringify gives no text for it', () => {
    for (const v of [undefined, () => 1, Symbol('s')]) {
      expect(() => packJson(v)).toThrow(/not a JSON value/);
    }
  });

  it('says a damaged value is damaged (a VigilError), whatever the damage', () => {
    const good = packJson({ a: [1, 2, 300], b: 'x', c: { d: 0.5, e: null } });
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, cut) => {
        const bad = cut ? good.subarray(0, at) : Uint8Array.from(good, (b, i) => (i === at ? b ^ xor : b));
        try {
          // A flipped byte may still spell a value (a different number): then it is one, and nothing is thrown.
          unpackJson(bad);
        } catch (error) {
          expect(isVigilError(error)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(() => unpackJson(good.subarray(0, good.length - 1))).toThrow(/not a packed JSON value/);
    expect(() => unpackJson(Uint8Array.of(...good, 0))).toThrow(/bytes follow the value/);
    expect(() => unpackJson(Uint8Array.of(2, ...good.subarray(1)))).toThrow(/format 2/);
  });
});

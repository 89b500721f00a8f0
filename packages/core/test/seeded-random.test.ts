import fc from 'fast-check';
import { fisherYates, seededRandom } from '../src/seeded-random';

/** The loop `shuffle` writes inline: Fisher–Yates from the end with one call of the generator a draw. */
function shuffledByCalls(length: number, random: () => number): Int32Array {
  const order = new Int32Array(length);
  fisherYates(order, length, random);
  return order;
}

describe('seededRandom', () => {
  it('draws the same numbers from the same seed, in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(seededRandom(43)()).not.toBe(seededRandom(42)());
  });

  it('shuffles as the loop of calls does, and leaves the generator where the calls leave it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
        (seed, before, lengths) => {
          const inline = seededRandom(seed);
          const calls = seededRandom(seed);
          for (let i = 0; i < before; i++) expect(inline()).toBe(calls());
          for (const length of lengths) {
            // Stale values past `length` and before it are overwritten or left alone as the loop would.
            const order = new Int32Array(length + 3).fill(-7);
            inline.shuffle(order, length);
            const expected = shuffledByCalls(length, calls);
            expect(Array.from(order.subarray(0, length))).toEqual(Array.from(expected));
            expect(Array.from(order.subarray(length))).toEqual([-7, -7, -7]);
            expect([...order.subarray(0, length)].sort((x, y) => x - y)).toEqual(Array.from({ length }, (_, i) => i));
          }
          for (let i = 0; i < 5; i++) expect(inline()).toBe(calls());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('seededRandom state', () => {
  it('is a counter each draw advances by 0x6d2b79f5, and setting it resumes the stream from there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 40 }), (seed, draws) => {
        const a = seededRandom(seed);
        expect(a.getState()).toBe(seed >>> 0);
        for (let i = 0; i < draws; i++) a();
        expect(a.getState()).toBe((seed + draws * 0x6d2b79f5) % 2 ** 32);
        const b = seededRandom(0);
        b.setState(a.getState());
        for (let i = 0; i < 5; i++) expect(b()).toBe(a());
        // Out-of-range states wrap as the generator's own counter does.
        b.setState(a.getState() + 2 ** 32);
        expect(b.getState()).toBe(a.getState());
        expect(b()).toBe(a());
      }),
      { numRuns: 100 },
    );
  });
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { seededRandom } from '@vigil/core';
import { GramBlocks } from '../../src/stats/gram-kernel';

/** The plain loop the kernel stands for: per block, each entry summed over the rows in order, then added. */
function plainGram(p: number, blocks: Float64Array[], rows: number[], start: readonly number[]): number[] {
  const out = [...start];
  blocks.forEach((x, k) => {
    let t = 0;
    for (let i = 0; i < p; i++)
      for (let j = i; j < p; j++) {
        let s = 0;
        for (let r = 0; r < rows[k]!; r++) s += x[r * p + i]! * x[r * p + j]!;
        out[t++]! += s;
      }
  });
  return out;
}

describe('GramBlocks (the WebAssembly f64x2 XᵀX kernel)', () => {
  test('adds blocks of rows to the triangle to the bit of the plain loop, for any width, incl. odd and < 4', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 60, max: 71 })),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        (p, blockRows, wanted, seed) => {
          const random = seededRandom(seed);
          const rows = wanted.map((r) => Math.min(r, blockRows));
          const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
          // Zeros too (one-hot columns), and magnitudes far apart, so a different order of addition shows.
          const blocks = rows.map((n) =>
            Float64Array.from({ length: n * p }, () =>
              random() < 0.2 ? 0 : normal() * 10 ** Math.floor(random() * 6),
            ),
          );
          const start = Array.from({ length: (p * (p + 1)) / 2 }, () => normal());
          const gram = new GramBlocks(p, blockRows);
          gram.load(start);
          blocks.forEach((x, k) => {
            gram.clear();
            for (let r = 0; r < rows[k]!; r++) for (let i = 0; i < p; i++) gram.panel[gram.at(i, r)] = x[r * p + i]!;
            gram.addBlock(rows[k]!);
          });
          const got = new Array<number>(start.length).fill(Number.NaN);
          gram.store(got);
          expect(got).toEqual(plainGram(p, blocks, rows, start));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a 1,000-column block: every entry of the triangle, to the bit', () => {
    const p = 1000;
    const random = seededRandom(3);
    const x = Float64Array.from({ length: 64 * p }, () => random() * 2 - 1);
    const gram = new GramBlocks(p, 64);
    gram.load(new Array<number>((p * (p + 1)) / 2).fill(0));
    gram.clear();
    for (let r = 0; r < 64; r++) for (let i = 0; i < p; i++) gram.panel[gram.at(i, r)] = x[r * p + i]!;
    gram.addBlock(64);
    const got = new Array<number>((p * (p + 1)) / 2);
    gram.store(got);
    const expected = plainGram(p, [x], [64], new Array<number>(got.length).fill(0));
    let differ = 0;
    for (let t = 0; t < got.length; t++) if (!Object.is(got[t], expected[t])) differ++;
    expect(differ).toBe(0);
  });

  test('an empty block adds nothing', () => {
    const gram = new GramBlocks(5, 8);
    const start = Array.from({ length: 15 }, (_, k) => k / 3);
    gram.load(start);
    gram.addBlock(0);
    const got = new Array<number>(15);
    gram.store(got);
    expect(got).toEqual(start);
  });

  test('the committed module is what wabt assembles wasm/gram.wat to', () => {
    // Fails when the .wat was edited without running the build script (or the bytes were edited by hand).
    const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'build-wasm.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check', 'analyzers'], { stdio: 'pipe' })).not.toThrow();
  });
});

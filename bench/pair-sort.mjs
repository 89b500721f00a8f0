// The decimal pair sort on a wide file pair's real columns (issue 19, docs/decisions/0047): sortDecimalPairInJs (the
// TypeScript) and sortDecimalPair (its counting and walk in WebAssembly) on the first K numeric column pairs, into
// reused outputs, passes alternating the order. Checks first that both give the same sorted sides, KS and
// Wasserstein to the bit on every pair. Prints µs a pair and ns a value (both sides' values).
//   node bench/pair-sort.mjs [reference.csv] [current.csv] [K] [passes]
// Build first (pnpm run build). Pass --phases to time the kernel's counting and its walk (with the copy out) apart.
import { readTable } from '../packages/collector/dist/index.js';
import { sortDecimalPair, sortDecimalPairInJs } from '../packages/analyzers/dist/sort/sort-finite.js';
import { PairKernel } from '../packages/analyzers/dist/sort/pair-kernel.js';

const args = process.argv.slice(2).filter((a) => a !== '--phases');
const [reference = '/tmp/wide100k/reference.csv', current = '/tmp/wide100k/current.csv', k = '200', passes = '4'] =
  args;
const phases = { count: 0n, walk: 0n };
if (process.argv.includes('--phases'))
  for (const m of ['count', 'walk']) {
    const f = PairKernel.prototype[m];
    PairKernel.prototype[m] = function (...a) {
      const s = process.hrtime.bigint();
      const r = f.apply(this, a);
      phases[m] += process.hrtime.bigint() - s;
      return r;
    };
  }

const a = (await readTable(reference, {})).table;
const b = (await readTable(current, {})).table;
const names = [...a.columns.keys()].filter((n) => b.columns.has(n) && a.columns.get(n).values instanceof Float64Array);
const pairs = names.slice(0, Number(k)).map((n) => [a.columns.get(n).values, b.columns.get(n).values]);
const values = pairs.reduce((s, [u, v]) => s + u.length + v.length, 0);
const rows = Math.max(...pairs.flatMap(([u, v]) => [u.length, v.length]));
const into = () => [new Float64Array(rows + 4), new Float64Array(rows + 4)];
const bytes = (x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

let taken = 0;
for (const [u, v] of pairs) {
  const want = sortDecimalPairInJs(u, v, ...into());
  const got = sortDecimalPair(u, v, ...into());
  const same =
    want === null
      ? got === null
      : got !== null &&
        Object.is(got.ks, want.ks) &&
        Object.is(got.wasserstein, want.wasserstein) &&
        bytes(got.u).equals(bytes(want.u)) &&
        bytes(got.v).equals(bytes(want.v));
  if (!same) throw new Error('the kernel and the TypeScript differ on a pair');
  if (want !== null) taken++;
}
console.log(`${pairs.length} pairs, ${taken} taken, identical to the bit`);

const variants = { js: sortDecimalPairInJs, wasm: sortDecimalPair };
const [intoU, intoV] = into();
for (let pass = 0; pass < Number(passes); pass++)
  for (const name of pass % 2 === 0 ? ['js', 'wasm'] : ['wasm', 'js']) {
    phases.count = phases.walk = 0n;
    const start = process.hrtime.bigint();
    for (const [u, v] of pairs) variants[name](u, v, intoU, intoV);
    const ns = Number(process.hrtime.bigint() - start);
    const split =
      name === 'wasm' && phases.count > 0n
        ? `  (counting ${(Number(phases.count) / values).toFixed(2)}, walk and copy out ${(Number(phases.walk) / values).toFixed(2)} ns a value)`
        : '';
    console.log(
      `${name.padEnd(4)} pass ${pass}: ${(ns / pairs.length / 1e3).toFixed(0)} µs a pair, ${(ns / values).toFixed(2)} ns a value${split}`,
    );
  }

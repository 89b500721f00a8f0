#!/usr/bin/env node
/**
 * The surrogate's permutation importance and Cholesky solve, TypeScript against WebAssembly (docs/decisions/0050),
 * at the shape of the 100k × 1,000 report's explanations: p numeric features (a categorical one every --categorical
 * columns, which stays in TypeScript), n sampled rows, 5 repeats; a k × k correlation matrix. `js` is the reference
 * kept in this build (`surrogatePermutationImportanceColumnsInJs`, `choleskySolveInJs`), `wasm` what the report
 * calls, `base` the function of another build (--base) for both. Checks that every result is the same to the bit.
 *
 *   node bench/surrogate-kernels.mjs [--p 1000] [--n 7300] [--k 1000] [--runs 5] [--base /work/wt/base]
 *
 * CPU time (process.cpuUsage) a call, the median of --runs after one warm-up. Needs `pnpm run build`.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const { values: args } = parseArgs({
  options: {
    p: { type: 'string', default: '1000' },
    n: { type: 'string', default: '7300' },
    k: { type: 'string', default: '1000' },
    categorical: { type: 'string', default: '0' },
    runs: { type: 'string', default: '5' },
    base: { type: 'string' },
  },
});
const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const load = (tree) => ({
  surrogate: require(join(tree, 'packages/analyzers/dist/stats/surrogate.js')),
  core: require(join(tree, 'packages/core/dist/index.js')),
});
const here = load(root);
const base = args.base && load(resolve(args.base));
const { seededRandom } = here.core;

const p = Number(args.p);
const n = Number(args.n);
const k = Number(args.k);
const runs = Number(args.runs);
const every = Number(args.categorical);
const random = seededRandom(1);

const features = [];
const columns = [];
const offsets = [];
for (let f = 0; columns.length < p; f++) {
  offsets.push(columns.length);
  if (every > 0 && f % every === every - 1) {
    features.push({ name: `c${f}`, kind: 'categorical', baseline: 'a', indicators: ['b', 'c', '(other)'] });
    columns.push(`c${f}=b`, `c${f}=c`, `c${f}=(other)`);
  } else {
    features.push({ name: `f${f}`, kind: 'numeric', mean: 0, scale: 1 });
    columns.push(`f${f}`);
  }
}
const design = { target: 'identity', features, columns, offsets };
const width = columns.length;
const xt = Float64Array.from({ length: width * n }, () => random() * 2 - 1);
const y = Float64Array.from({ length: n }, () => random() - 0.5);
const fit = {
  n,
  intercept: 0.1,
  coefficients: Array.from({ length: width }, () => random() - 0.5),
  importances: [],
  r2: 0,
  ridge: false,
};

const rows = k + 200;
const g = Float64Array.from({ length: rows * k }, () => random() * 2 - 1);
const m = new Float64Array(k * k);
for (let r = 0; r < rows; r++)
  for (let i = 0; i < k; i++) {
    const gi = g[r * k + i];
    for (let j = 0; j < k; j++) m[i * k + j] += gi * g[r * k + j];
  }
const a = m.map((v, idx) => v / Math.sqrt(m[Math.floor(idx / k) * (k + 1)] * m[(idx % k) * (k + 1)]));
const b = Float64Array.from({ length: k }, () => random() - 0.5);

const cpuMs = (fn) => {
  fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((x, z) => x - z);
  return times[Math.floor(runs / 2)];
};
const same = (x, z) => x.length === z.length && x.every((v, i) => Object.is(v, z[i]));

// Each build's function with its own generator.
const importance = (fn, seeded) => fn(fit, design, xt, y, seeded(15), 5).map((e) => e.importance);
const perm = [['js', here.surrogate.surrogatePermutationImportanceColumnsInJs, seededRandom]];
perm.push(['wasm', here.surrogate.surrogatePermutationImportanceColumns, seededRandom]);
if (base) perm.push(['base', base.surrogate.surrogatePermutationImportanceColumns, base.core.seededRandom]);
const reference = importance(perm[0][1], seededRandom);
for (const [name, fn, seeded] of perm) {
  if (!same(importance(fn, seeded), reference)) throw new Error(`${name}: importances differ from the TypeScript's`);
  const ms = cpuMs(() => importance(fn, seeded));
  const steps = features.length * 5 * n;
  console.log(
    `permutation ${name.padEnd(4)} ${features.length} features x 5 repeats x ${n} rows: ${ms.toFixed(1)} ms, ` +
      `${((ms * 1e6) / steps).toFixed(2)} ns a row-repeat`,
  );
}

const chol = [['js', here.surrogate.choleskySolveInJs]];
chol.push(['wasm', here.surrogate.choleskySolve]);
if (base) chol.push(['base', base.surrogate.choleskySolve]);
const solution = Array.from(chol[0][1](a, b, k, 0));
for (const [name, fn] of chol) {
  if (!same(Array.from(fn(a, b, k, 0)), solution))
    throw new Error(`${name}: the solution differs from the TypeScript's`);
  console.log(`cholesky    ${name.padEnd(4)} k = ${k}: ${cpuMs(() => fn(a, b, k, 0)).toFixed(1)} ms a solve`);
}

#!/usr/bin/env node
/**
 * The per-event reconstruction error's projection, JS against the WebAssembly kernel (docs/decisions/0048): runs of
 * n standardised rows of d inputs projected onto k axes (ingest's shape at 30 features: d = 36 with the one-hot
 * categories, k = 13), ns a row. `js` is `projectedResidual` row by row (ingest's loop before the kernel), `wasm` one
 * kernel call for the run (rows already in its memory, as ingest writes them there), `ofRows` the whole
 * `reconstructionErrorsOfRows` on a table (standardisation included), of this build and, with --base, of another.
 *
 *   node bench/reconstruction-kernel.mjs [--d 36] [--k 13] [--rows 8,64,1024] [--total 500000] [--runs 7]
 *     [--base /work/wt/base]
 *
 * CPU time (process.cpuUsage) of `--total` rows a measurement, the best of --runs. Needs `pnpm run build`.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const { values: args } = parseArgs({
  options: {
    d: { type: 'string', default: '36' },
    k: { type: 'string', default: '13' },
    rows: { type: 'string', default: '8,64,1024' },
    total: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '7' },
    base: { type: 'string' },
  },
});
const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const dist = (tree) => join(tree, 'packages/analyzers/dist/multivariate');
const { projectedResidual, reconstructionErrorsOfRows } = require(join(dist(root), 'data-reconstruction.js'));
const { ReconstructionKernel } = require(join(dist(root), 'reconstruction-kernel.js'));
const baseOfRows =
  args.base && require(join(dist(resolve(args.base)), 'data-reconstruction.js')).reconstructionErrorsOfRows;

const d = Number(args.d);
const k = Number(args.k);
const total = Number(args.total);
const runs = Number(args.runs);
let s = 17;
const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
const axes = Float64Array.from({ length: k * d }, () => random() * 2 - 1);
const model = {
  inputs: Array.from({ length: d }, (_, i) => ({ name: `f${i}`, kind: 'numeric', fill: 0, mean: 0.1, scale: 1.3 })),
  axes: Array.from(axes),
  components: k,
  explainedVariance: [],
  reference: { rows: 0, sum: 0, sumSquares: 0, edges: [], counts: [] },
};

const cpu = (fn) => {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, used.user + used.system);
  }
  return (best * 1000) / total;
};

console.log(
  `reconstruction projection: d ${d}, k ${k}, ${total.toLocaleString('en')} rows a measurement, best of ${runs}`,
);
console.log('rows a run   js ns/row   wasm ns/row   ofRows ns/row' + (baseOfRows ? '   base ofRows ns/row' : ''));
for (const n of args.rows.split(',').map(Number)) {
  const z = Float64Array.from({ length: n * d }, () => random() * 4 - 2);
  const table = {
    source: 'bench',
    rowCount: n,
    columns: new Map(
      model.inputs.map((input, i) => [
        input.name,
        { name: input.name, kind: 'numeric', values: Float64Array.from({ length: n }, (_, r) => z[r * d + i]) },
      ]),
    ),
  };
  const calls = Math.max(1, Math.round(total / n));
  const p = new Float64Array(k);
  const out = new Float64Array(n);
  let sink = 0;
  const js = cpu(() => {
    for (let c = 0; c < calls; c++) {
      for (let r = 0; r < n; r++) out[r] = projectedResidual(axes, d, k, z, r * d, p);
      sink += out[0];
    }
  });
  const kernel = new ReconstructionKernel();
  kernel.load(axes, d, k);
  kernel.rows.set(z);
  const wasm = cpu(() => {
    for (let c = 0; c < calls; c++) sink += kernel.errors(n)[0];
  });
  // The kernel's errors equal the JS loop's, bit for bit (the tests check it over all inputs; this checks the bench).
  const got = kernel.errors(n);
  for (let r = 0; r < n; r++)
    if (!Object.is(got[r], projectedResidual(axes, d, k, z, r * d, p))) throw new Error(`row ${r} differs`);
  const ofRows = cpu(() => {
    for (let c = 0; c < calls; c++) sink += reconstructionErrorsOfRows(model, table)[0];
  });
  const base =
    baseOfRows &&
    cpu(() => {
      for (let c = 0; c < calls; c++) sink += baseOfRows(model, table)[0];
    });
  if (sink !== sink) console.log('(a NaN error)');
  console.log(
    `${String(n).padStart(10)}   ${js.toFixed(0).padStart(9)}   ${wasm.toFixed(0).padStart(11)}   ${ofRows.toFixed(0).padStart(13)}` +
      (base ? `   ${base.toFixed(0).padStart(18)}` : ''),
  );
}

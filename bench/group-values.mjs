#!/usr/bin/env node
/**
 * Memory of one window's accumulator when a group attribute has unbounded cardinality (issue 12, "Bounded
 * state"): --values distinct values of a group attribute streamed in batches of --batch rows, each batch
 * accumulated and merged into the window as the daemon does, with the V8 heap used (after a forced GC) and the
 * accumulator's JSON size (what the store persists per bucket) printed at every tenth of the stream. Flat means
 * the cap of group values works; before it, the accumulator held one group per distinct value.
 *
 *   pnpm run build && node --expose-gc bench/group-values.mjs [--values 1000000] [--batch 10000]
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { accumulate, emptyAccumulator, fitReferenceProfile, mergeAccumulators } = createRequire(
  join(root, 'packages/analyzers/package.json'),
)(join(root, 'packages/analyzers/dist/index.js'));
const { values: args } = parseArgs({
  options: { values: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '10000' } },
});
const total = Number(args.values);
const batch = Number(args.batch);
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const spec = {
  task: 'binary',
  features: [{ name: 'x', kind: 'numeric' }],
  score: 'score',
  label: 'label',
  groups: ['user'],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};
function table(names) {
  const n = names.length;
  const columns = [
    { name: 'x', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => i % 13) },
    { name: 'score', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => (i % 20) / 20) },
    { name: 'label', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => i % 2) },
    { name: 'user', kind: 'categorical', categories: names, codes: Int32Array.from({ length: n }, (_, i) => i) },
  ];
  return { source: 'bench', rowCount: n, columns: new Map(columns.map((c) => [c.name, c])) };
}
const profile = fitReferenceProfile(table(['a', 'b', 'c', 'd']), spec);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

globalThis.gc();
const baseline = process.memoryUsage().heapUsed;
let acc = emptyAccumulator(profile, spec);
const started = process.hrtime.bigint();
let reported = 0;
console.log('values streamed   heap used over baseline (MiB)   accumulator JSON (KiB)   groups kept');
for (let start = 0; start < total; start += batch) {
  const names = Array.from({ length: Math.min(batch, total - start) }, (_, i) => `user-${start + i}`);
  acc = mergeAccumulators(acc, accumulate(emptyAccumulator(profile, spec), profile, spec, table(names)));
  const done = start + names.length;
  if (done * 10 >= (reported + 1) * total) {
    reported++;
    globalThis.gc();
    const heap = process.memoryUsage().heapUsed - baseline;
    const json = JSON.stringify(acc).length;
    console.log(
      `${String(done).padStart(15)}   ${mib(heap).padStart(29)}   ${(json / 1024).toFixed(1).padStart(22)}   ${String(Object.keys(acc.groups.user).length).padStart(11)}`,
    );
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${total} values in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} rows/s through accumulate + merge)`,
);

#!/usr/bin/env node
/**
 * What one bucket delta costs the daemon (issue 17, docs/benchmarks.md "Per bucket delta"): with 100 models a batch
 * of ~4,300 events becomes hundreds of deltas of a few dozen events each, and each pays for a whole accumulator.
 * For the benchmark's model (bench/ingest.mjs: 14 numeric and 6 categorical features, score, label, groups
 * `segment` and `region`), deltas of --rows events are built and put through every step the ingest path takes,
 * each step timed alone in CPU time (process.cpuUsage, so other tenants of a shared machine count less):
 *
 *   empty      emptyAccumulator (a delta's accumulator before its rows)
 *   fill       accumulate of the delta's rows into it
 *   stringify  JSON.stringify of the delta (BucketDelta.json, what the store sends or merges)
 *   utf8       Buffer.from(json, 'utf8')
 *   parse      JSON.parse of a stored bucket's text (what the driver does for the row read FOR UPDATE)
 *   merge      mergeAccumulatorsInto(stored copy, delta)
 *   restring   JSON.stringify of the merged bucket (the UPDATE's text)
 *
 * and, to size a compact format without building one, the bytes of the delta's JSON with its zero bins left out
 * (number arrays as [index, value] pairs of their non-zero entries, all-zero calibration bins dropped) and the CPU
 * time of JSON.stringify of that form; and the numbers a delta holds and the CPU time of walking it to write them all
 * into one Float64Array (a binary form's lower bound, its names left out).
 *
 *   pnpm run build && node bench/bucket-delta.mjs [--rows 6,36,300] [--repeat 300]
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { featureSet, root, writeReferenceCsv } from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '6,36,300' }, repeat: { type: 'string', default: '300' } },
});
const rowCounts = args.rows.split(',').map(Number);
const repeat = Number(args.repeat);
if (!rowCounts.every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(repeat) && repeat > 0)) {
  console.error('bucket-delta: --rows and --repeat must be positive integers');
  process.exit(2);
}

const load = (pkg, file) =>
  createRequire(join(root, `packages/${pkg}/package.json`))(join(root, `packages/${pkg}/dist/${file}`));
const { accumulate, emptyAccumulator, mergeAccumulatorsInto } = load('analyzers', 'index.js');
const { selectRows } = load('core', 'index.js');
const { readTable } = load('collector', 'index.js');
const { fitModelReference } = load('daemon', 'pipeline/fit-reference.js');
const { batchSpec } = load('daemon', 'pipeline/batch-buckets.js');

/** CPU microseconds of one call of `f`, the mean over `repeat` calls (after a warm-up of a tenth of them). */
function cpuMicros(f) {
  for (let i = 0; i < Math.max(1, repeat / 10); i++) f(i);
  const before = process.cpuUsage();
  for (let i = 0; i < repeat; i++) f(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / repeat;
}

/** The delta with its zero bins left out: only its size is measured. */
function withoutZeroBins(value) {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return value.flatMap((v, i) => (v === 0 ? [] : [i, v]));
    const zeroBin = (v) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === 0);
    return value.flatMap((v, i) => (zeroBin(v) ? [] : [[i, withoutZeroBins(v)]]));
  }
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutZeroBins(v)]));
  return value;
}

/** Writes every number of `value` into `out` from `at` (depth first, keys in order); returns the next index. */
function flattenNumbers(value, out, at) {
  if (typeof value === 'number') {
    if (out) out[at] = value;
    return at + 1;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) at = flattenNumbers(value[i], out, at);
    return at;
  }
  if (value !== null && typeof value === 'object') for (const k in value) at = flattenNumbers(value[k], out, at);
  return at;
}

const dir = mkdtempSync(join(tmpdir(), 'bucket-delta-'));
try {
  const features = featureSet(14, 6);
  const model = {
    id: 'bench',
    task: 'binary',
    features: Object.fromEntries(features.map((f) => [f.name, f.kind])),
    groups: ['segment', 'region'],
    threshold: 0.5,
  };
  const referencePath = join(dir, 'reference.csv');
  const eventsPath = join(dir, 'events.csv');
  await writeReferenceCsv(referencePath, features, 2000, 1);
  await writeReferenceCsv(eventsPath, features, Math.max(...rowCounts) * 4, 2);
  const { profile } = await fitModelReference(model, referencePath);
  // The reference file's columns under the names the spec reads (the daemon's decoder uses `$` columns instead).
  const spec = { ...batchSpec(model), score: 'score', label: 'label', prediction: undefined, groups: model.groups };
  const types = { ...model.features, segment: 'categorical', region: 'categorical' };
  const { table } = await readTable(eventsPath, { types });

  const header = [
    'rows a delta',
    'JSON bytes',
    'without zero bins',
    'empty',
    'fill',
    'stringify',
    'utf8',
    'parse',
    'merge',
    'restring',
    'sum',
    'stringify without zero bins',
    'numbers',
    'into Float64Array',
  ];
  console.log(
    `Bucket delta costs, CPU µs a call (mean of ${repeat}), node ${process.version}, load ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const n of rowCounts) {
    // Four disjoint slices: the stored bucket is built from one, the deltas from the others.
    const slice = (k) =>
      selectRows(
        table,
        Array.from({ length: n }, (_, i) => k * n + i),
      );
    const rows = [slice(0), slice(1), slice(2), slice(3)];
    const filled = (k) => accumulate(emptyAccumulator(profile, spec), profile, spec, rows[k]);
    const delta = filled(1);
    const json = JSON.stringify(delta);
    const storedText = JSON.stringify(filled(0));
    const empty = cpuMicros(() => emptyAccumulator(profile, spec));
    const fill =
      cpuMicros((i) => accumulate(emptyAccumulator(profile, spec), profile, spec, rows[1 + (i % 3)])) - empty;
    const stringify = cpuMicros(() => JSON.stringify(delta));
    const utf8 = cpuMicros(() => Buffer.from(json, 'utf8'));
    const parse = cpuMicros(() => JSON.parse(storedText));
    const merge = cpuMicros(() => mergeAccumulatorsInto(JSON.parse(storedText), delta)) - parse;
    const merged = mergeAccumulatorsInto(JSON.parse(storedText), delta);
    const restring = cpuMicros(() => JSON.stringify(merged));
    const compact = withoutZeroBins(delta);
    const sparse = JSON.stringify(compact).length;
    const compactStringify = cpuMicros(() => JSON.stringify(compact));
    // A binary form's lower bound: every number of the delta into one typed array, no text (names not counted).
    const numbers = flattenNumbers(delta, undefined, 0);
    const flatten = cpuMicros(() => flattenNumbers(delta, new Float64Array(numbers), 0));
    const costs = [empty, fill, stringify, utf8, parse, merge, restring];
    const sum = costs.reduce((a, b) => a + b, 0);
    console.log(
      `| ${[n, json.length, sparse, ...costs.map((c) => c.toFixed(1)), sum.toFixed(1), compactStringify.toFixed(1), numbers, flatten.toFixed(1)].join(' | ')} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

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
 * Since decision 0055 the store keeps an accumulator packed (`storedAccumulator`, which Postgres then compresses
 * with lz4), so the table prints both forms side by side: the JSON text's bytes, `JSON.stringify` and the UTF-8 copy,
 * `JSON.parse`; and the packed form's bytes, `packJson`, the decoding of a stored bucket (`accumulatorOf`), then the
 * merge and the merged bucket packed again. `sum` is what the ingest path pays for a delta now: empty, fill, pack,
 * decoding a stored bucket, merge, packing the merged one.
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
const { packJson, selectRows } = load('core', 'index.js');
const { accumulatorOf, storedAccumulator } = load('store', 'index.js');
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
    'packed bytes',
    'empty',
    'fill',
    'JSON.stringify + UTF-8',
    'JSON.parse',
    'pack',
    'unpack a stored bucket',
    'merge',
    'pack the merged',
    'sum',
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
    const packed = packJson(delta);
    const storedBytes = storedAccumulator(filled(0));
    const where = () => 'the benchmark';
    const empty = cpuMicros(() => emptyAccumulator(profile, spec));
    const fill =
      cpuMicros((i) => accumulate(emptyAccumulator(profile, spec), profile, spec, rows[1 + (i % 3)])) - empty;
    const stringify = cpuMicros(() => Buffer.from(JSON.stringify(delta), 'utf8'));
    const parse = cpuMicros(() => JSON.parse(storedText));
    const pack = cpuMicros(() => packJson(delta));
    const decode = cpuMicros(() => accumulatorOf(storedBytes, where));
    const merge = cpuMicros(() => mergeAccumulatorsInto(accumulatorOf(storedBytes, where), delta)) - decode;
    const merged = mergeAccumulatorsInto(accumulatorOf(storedBytes, where), delta);
    const restore = cpuMicros(() => storedAccumulator(merged));
    const sum = empty + fill + pack + decode + merge + restore;
    const cells = [empty, fill, stringify, parse, pack, decode, merge, restore, sum].map((c) => c.toFixed(1));
    console.log(`| ${[n, json.length, packed.length, ...cells].join(' | ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

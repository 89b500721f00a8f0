#!/usr/bin/env node
/**
 * Cost per event of the data reconstruction projection at ingest (docs/metrics.md, "Reconstruction error"): every
 * event's reconstruction error is computed while its bucket is accumulated. Measured on events shaped like
 * bench/decode.mjs's (14 numeric and 6 categorical features, the numeric ones correlated), against the cost of
 * decoding the same events in the same run, so the ratio says what multivariate drift adds to ingest.
 *
 *   node bench/reconstruction.mjs [--events 50000] [--runs 7]
 *
 * CPU time (process.cpuUsage), the best of --runs. Also prints the tfjs batch projection (what `vigil report` uses)
 * per event, for comparison with the float64 projection (docs/decisions/0012, 0048). Needs `pnpm run build`.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '50000' }, runs: { type: 'string', default: '7' } },
});
const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'packages/daemon/package.json'));
const { PredictionBatchBuilder } = require(join(root, 'packages/collector/dist/index.js'));
const { addReconstruction, emptyReconstruction, fitDataReconstruction, reconstructionErrors, initCompute } = require(
  join(root, 'packages/analyzers/dist/index.js'),
);

const features = {};
for (let i = 0; i < 14; i++) features[`n${i}`] = 'numeric';
for (let i = 0; i < 6; i++) features[`c${i}`] = 'categorical';
const model = { id: 'm1', task: 'binary', threshold: 0.5, features, groups: ['sex', 'sex*band'] };
const models = new Map([[model.id, model]]);

function messagesOf(n, seed) {
  let s = seed >>> 0;
  const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const out = [];
  for (let k = 0; k < n; k++) {
    const base = random() * 10;
    const f = {};
    // Three latent factors behind the 14 numeric features, so the PCA keeps a few axes as on real data.
    const z = [base, random() * 10, random() * 10];
    for (let i = 0; i < 14; i++) f[`n${i}`] = Math.round((z[i % 3] * (1 + i / 10) + random()) * 100) / 100;
    for (let i = 0; i < 6; i++) f[`c${i}`] = `cat${Math.floor(random() * (3 + i * 3))}`;
    const event = {
      model: 'm1',
      id: `id-${seed}-${k}`,
      ts: 1764900000000 + k,
      version: 'v3',
      features: f,
      score: random(),
      prediction: k % 2,
      label: k % 3 === 0 ? null : k % 2,
      groups: { sex: k % 2 ? 'f' : 'm', band: `b${k % 5}` },
    };
    out.push({
      topic: 't',
      partition: 0,
      offset: String(k),
      key: null,
      value: Buffer.from(JSON.stringify(event)),
      timestamp: '0',
    });
  }
  return out;
}

function decode(messages) {
  const builder = new PredictionBatchBuilder(models, {
    maxMessageBytes: 1 << 20,
    maxDeadLetterBytes: 1024,
    expectedRows: 1024,
    now: () => Date.now(),
  });
  for (const message of messages) builder.add(message);
  const batch = builder.build().batches.get('m1');
  if (batch?.rowCount !== messages.length) throw new Error('decode: not every event became a row');
  return batch.table;
}

const cpu = (fn) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
};

const n = Number(args.events);
const runs = Number(args.runs);
const reference = decode(messagesOf(20_000, 1));
const spec = Object.entries(features).map(([name, kind]) => ({ name, kind }));
const { model: fitted } = await fitDataReconstruction(reference, spec);
const { backend } = await initCompute();
const messages = messagesOf(n, 2);
let decodeUs = Infinity;
let table;
for (let r = 0; r < runs; r++) decodeUs = Math.min(decodeUs, cpu(() => (table = decode(messages))) / n);
let projectUs = Infinity;
let acc;
for (let r = 0; r < runs; r++)
  projectUs = Math.min(projectUs, cpu(() => (acc = addReconstruction(emptyReconstruction(fitted), fitted, table))) / n);
if (acc.rows !== n) throw new Error('projection: not every event was counted');
let tfjsUs = Infinity;
for (let r = 0; r < runs; r++) {
  const start = process.cpuUsage();
  await reconstructionErrors(fitted, table);
  const used = process.cpuUsage(start);
  tfjsUs = Math.min(tfjsUs, (used.user + used.system) / n);
}
console.log(
  `reconstruction: ${spec.length} features, ${fitted.components} principal axes (${(fitted.explainedVariance.reduce((t, v) => t + v, 0) * 100).toFixed(1)}% of the variance), ${n.toLocaleString('en')} events, best of ${runs}`,
);
console.log(`  decode                 ${decodeUs.toFixed(2)} µs CPU an event`);
console.log(
  `  projection at ingest   ${projectUs.toFixed(2)} µs CPU an event (float64, WebAssembly kernel) = ${((projectUs / decodeUs) * 100).toFixed(1)}% of decoding`,
);
console.log(`  tfjs batch projection  ${tfjsUs.toFixed(2)} µs CPU an event (${backend} backend, vigil report's path)`);

#!/usr/bin/env node
/**
 * The prediction decoder alone (packages/collector/src/decode): CPU µs an event through `PredictionBatchBuilder.add`,
 * on the scan path (events read from their bytes) and the parse path (`JSON.parse`, what the scan path leaves to
 * it), for events shaped like bench/ingest.mjs's (14 numeric and 6 categorical features, score, label, 2 groups).
 *
 *   node bench/decode.mjs [--events 50000] [--runs 7] [--collector DIR]
 *
 * CPU time (process.cpuUsage), the best of --runs: on a shared machine it varies far less than wall time.
 * --collector compares another build, a copy of packages/collector/dist kept elsewhere: run it with
 * NODE_PATH=packages/collector/node_modules so the copy finds its dependencies. Needs `pnpm run build`.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '7' },
    collector: { type: 'string' },
  },
});
const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, 'packages/collector/package.json'));
const { PredictionBatchBuilder } = require(
  resolve(args.collector ?? join(root, 'packages/collector/dist'), 'index.js'),
);

const features = {};
for (let i = 0; i < 14; i++) features[`n${i}`] = 'numeric';
for (let i = 0; i < 6; i++) features[`c${i}`] = 'categorical';
const model = { id: 'm1', task: 'binary', threshold: 0.5, features, groups: ['sex', 'sex*band'] };
const models = new Map([[model.id, model]]);
const messages = [];
for (let k = 0; k < Number(args.events); k++) {
  const f = {};
  for (let i = 0; i < 14; i++) f[`n${i}`] = ((k * 31 + i * 7) % 1000) / 10;
  for (let i = 0; i < 6; i++) f[`c${i}`] = `cat${(k + i) % 17}`;
  const event = {
    model: 'm1',
    id: `id-${k}`,
    ts: 1764900000000 + k,
    version: 'v3',
    features: f,
    score: (k % 100) / 100,
    prediction: k % 2,
    label: k % 3 === 0 ? null : k % 2,
    groups: { sex: k % 2 ? 'f' : 'm', band: `b${k % 5}` },
  };
  messages.push({
    topic: 't',
    partition: 0,
    offset: String(k),
    key: null,
    value: Buffer.from(JSON.stringify(event)),
    timestamp: '0',
  });
}

for (const scan of [true, false]) {
  let best = Infinity;
  for (let r = 0; r < Number(args.runs); r++) {
    const builder = new PredictionBatchBuilder(models, {
      maxMessageBytes: 1 << 20,
      maxDeadLetterBytes: 1024,
      expectedRows: 1024,
      scan,
      now: () => Date.now(),
    });
    const start = process.cpuUsage();
    for (const message of messages) builder.add(message);
    const built = builder.build();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / messages.length);
    if (built.batches.get('m1')?.rowCount !== messages.length) throw new Error('decode: not every event became a row');
  }
  console.log(
    `${scan ? 'scan path ' : 'parse path'}: ${best.toFixed(2)} µs CPU an event (${Math.round(1e6 / best).toLocaleString('en')} events/s), best of ${args.runs}`,
  );
}

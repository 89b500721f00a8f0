#!/usr/bin/env node
/**
 * Where `vigil report` spends its time: runs the built CLI under `node --cpu-prof` on the benchmark data and
 * prints the hottest functions by self time and by inclusive time (each function counted once per sample,
 * however deep its recursion).
 *
 *   node bench/profile-report.mjs [--data DIR] [--format csv|parquet] [--top N] [--keep]
 *
 * Needs `pnpm run build` and the data (node bench/run.mjs, or bench/make-data.py). Run one at a time: a profile
 * of a machine shared with other work shows that work's contention in the wall-clock, not in the shares.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(bench, 'data', 'rows-1000000') },
    format: { type: 'string', default: 'csv' },
    top: { type: 'string', default: '25' },
    keep: { type: 'boolean', default: false },
  },
});
const top = Number.parseInt(args.top, 10) || 25;
const data = resolve(args.data);
const ext = args.format === 'parquet' ? 'parquet' : 'csv';
const dir = mkdtempSync(join(os.tmpdir(), 'vigil-prof-'));
const json = join(dir, 'report.json');
const t = performance.now();
const r = spawnSync(
  process.execPath,
  [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    '500',
    join(root, 'packages/daemon/dist/bin.js'),
    'report',
    '--reference',
    join(data, `reference.${ext}`),
    '--current',
    join(data, `current.${ext}`),
    '--group-columns',
    'segment,region',
    '--json',
    json,
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
const wall = (performance.now() - t) / 1000;
if (r.status !== 0) {
  console.error(`profile-report: vigil report exited ${r.status ?? r.signal}`);
  process.exit(1);
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const where = path ? `${path.startsWith('/') ? relative(root, path) : path}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
};
const self = new Map();
const inclusive = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (profile.timeDeltas[i] ?? 0) / 1e6;
  total += dt;
  let node = byId.get(profile.samples[i]);
  const k = keyOf(node);
  self.set(k, (self.get(k) ?? 0) + dt);
  const seen = new Set();
  while (node) {
    const key = keyOf(node);
    if (!seen.has(key)) {
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
    node = byId.get(parent.get(node.id));
  }
}
const show = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map]
    .filter(([k]) => !/^\((root|program|idle)\)/.test(k) || title.startsWith('self'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, s] of rows)
    console.log(`${s.toFixed(3).padStart(8)} s ${((100 * s) / total).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(
  `vigil report on ${data} (${ext}): ${wall.toFixed(2)} s wall-clock under the profiler, ${total.toFixed(2)} s sampled`,
);
show('self time (the function itself)', self);
show('inclusive time (the function and what it calls)', inclusive);
if (args.keep) {
  const kept = join(os.tmpdir(), `vigil-report-${Date.now()}.cpuprofile`);
  copyFileSync(join(dir, file), kept);
  console.log(`\nprofile kept at ${kept} (open it in Chrome DevTools → Performance)`);
}
rmSync(dir, { recursive: true, force: true });

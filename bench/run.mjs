#!/usr/bin/env node
/**
 * `pnpm bench`: sets up the peer tools (bench/setup-peers.sh → bench/.venv), writes the data if it is missing or
 * of another size (bench/make-data.py), and runs the comparison (bench/report-vs-evidently.mjs).
 *
 *   node bench/run.mjs [--rows N] [--repeat N] [--skip-evidently] [--regenerate]
 *
 * Build first (`pnpm run build`): the comparison uses the built packages/*\/dist.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '1' },
    'skip-evidently': { type: 'boolean', default: false },
    regenerate: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log('Usage: node bench/run.mjs [--rows N] [--repeat N] [--skip-evidently] [--regenerate]');
  process.exit(0);
}
const rows = Number.parseInt(args.rows, 10);
if (!Number.isInteger(rows) || rows < 1000) {
  console.error(`bench: --rows must be an integer >= 1000, not "${args.rows}"`);
  process.exit(2);
}

step('bash', [join(bench, 'setup-peers.sh')]);

const data = join(bench, 'data');
const stamp = join(data, 'ROWS');
const have = existsSync(stamp) ? Number.parseInt(readFileSync(stamp, 'utf8'), 10) : undefined;
if (args.regenerate || have !== rows || !existsSync(join(data, 'reference.csv')) || !existsSync(join(data, 'current.csv'))) {
  step(join(bench, '.venv/bin/python'), [join(bench, 'make-data.py'), '--rows', String(rows), '--out', data]);
} else {
  console.log(`[bench] reusing ${data} (${rows} rows)`);
}

if (!existsSync(join(root, 'packages/daemon/dist/bin.js'))) {
  console.error('bench: packages are not built; run `pnpm run build` first');
  process.exit(1);
}
const compare = [join(bench, 'report-vs-evidently.mjs'), '--data', data, '--repeat', args.repeat];
if (args['skip-evidently']) compare.push('--skip-evidently');
step(process.execPath, compare);

function step(command, argv) {
  const r = spawnSync(command, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${[command, ...argv].join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

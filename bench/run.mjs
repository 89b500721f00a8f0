#!/usr/bin/env node
/**
 * `pnpm bench`: sets up the peer tools (bench/setup-peers.sh → bench/.venv), writes the data of each size if it is
 * missing (bench/make-data.py → bench/data/rows-N/, kept for the next run), and runs the comparison
 * (bench/report-vs-evidently.mjs) at 200,000 and 1,000,000 rows, ending with the two headline ratios: the whole
 * `vigil report` command against the whole Evidently script, wall-clock, start-up included; then the batch
 * analysis against the peers at the same sizes (bench/batch-peers.mjs: a plain scipy script, NannyML and
 * Evidently, each as a ratio to `vigil report` in the same run; --large adds 3M rows); then the
 * streaming benchmarks that take a few minutes at most (bench/ingest.mjs: 1M events, one `vigil run` against
 * kcat; bench/window-close.mjs: one window close and its cost curve) when Postgres and Kafka are up
 * (scripts/services/start.sh postgres kafka), and bench/reconstruction.mjs (the multivariate-drift projection at
 * ingest against decoding, no service needed) always. bench/memory-models.mjs takes longer and is run on its own.
 *
 *   node bench/run.mjs [--sizes 200000,1000000] [--repeat N] [--skip-evidently] [--regenerate] [--skip-peers]
 *                      [--large] [--skip-streaming | --streaming-only]
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
    sizes: { type: 'string', default: '200000,1000000' },
    repeat: { type: 'string', default: '1' },
    'skip-evidently': { type: 'boolean', default: false },
    regenerate: { type: 'boolean', default: false },
    'skip-peers': { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    'skip-streaming': { type: 'boolean', default: false },
    'streaming-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'Usage: node bench/run.mjs [--sizes 200000,1000000] [--repeat N] [--skip-evidently] [--regenerate] [--skip-peers] [--large] [--skip-streaming | --streaming-only]',
  );
  process.exit(0);
}
const sizes = args.sizes.split(',').filter(Boolean).map(Number);
if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1000)) {
  console.error(`bench: --sizes must be integers >= 1000, comma-separated, not "${args.sizes}"`);
  process.exit(2);
}

if (!existsSync(join(root, 'packages/daemon/dist/bin.js'))) {
  console.error('bench: packages are not built; run `pnpm run build` first');
  process.exit(1);
}

const results = [];
if (!args['streaming-only']) {
  step('bash', [join(bench, 'setup-peers.sh')]);

  for (const rows of sizes) {
    const data = join(bench, 'data', `rows-${rows}`);
    const stamp = join(data, 'ROWS');
    const have = existsSync(stamp) ? Number.parseInt(readFileSync(stamp, 'utf8'), 10) : undefined;
    if (
      args.regenerate ||
      have !== rows ||
      !existsSync(join(data, 'reference.csv')) ||
      !existsSync(join(data, 'current.csv'))
    ) {
      step(join(bench, '.venv/bin/python'), [join(bench, 'make-data.py'), '--rows', String(rows), '--out', data]);
    } else {
      console.log(`[bench] reusing ${data} (${rows} rows)`);
    }
    const out = join(data, 'results.json');
    const compare = [join(bench, 'report-vs-evidently.mjs'), '--data', data, '--repeat', args.repeat, '--out', out];
    if (args['skip-evidently']) compare.push('--skip-evidently');
    step(process.execPath, compare);
    results.push({ rows, ...JSON.parse(readFileSync(out, 'utf8')).summary });
  }
  printHeadline(results);

  if (!args['skip-peers']) {
    // The same --repeat: interleaved rounds of vigil report, scipy, NannyML (and Evidently) per size.
    const peers = [join(bench, 'batch-peers.mjs'), '--repeat', args.repeat, '--sizes', sizes.join(',')];
    if (args['skip-evidently']) peers.push('--peers', 'scipy,nannyml');
    if (args.large) peers.push('--large');
    step(process.execPath, peers);
  }
}

if (!args['skip-streaming']) {
  // No service needed: the projection of multivariate drift at ingest against decoding the same events.
  step(process.execPath, [join(bench, 'reconstruction.mjs')]);
  if (await servicesUp()) {
    step(process.execPath, [join(bench, 'ingest.mjs')]);
    step(process.execPath, [join(bench, 'window-close.mjs'), '--curve-budget-s', '1']);
    console.log('[bench] memory with 100 models takes longer: node bench/memory-models.mjs');
  } else {
    console.log(
      '[bench] streaming benchmarks skipped: Postgres and Kafka are not up (bash scripts/services/install.sh && bash scripts/services/start.sh postgres kafka)',
    );
  }
}
if (results.length > 0 && !(args['skip-peers'] && args['skip-streaming'])) printHeadline(results);

/**
 * The goal of the performance issue, one line per size: `vigil report` (node packages/daemon/dist/bin.js report,
 * which is what the `vigil` executable runs) against the Evidently script, both whole processes, with the load
 * average as each started. Printed again at the end so the ratios are not lost in the output above them.
 */
function printHeadline(results) {
  const f = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
  console.log(
    '\n## Headline: whole `vigil report` vs whole Evidently DataDriftPreset script (wall-clock, start-up included)\n',
  );
  console.log(
    '| rows | vigil report s | load | Evidently s | load | Evidently ÷ Vigil | goal ≥ 20× | peak RSS Vigil / Evidently MiB |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const e = r.evidently;
    const ratio = r.ratioWhole;
    console.log(
      `| ${r.rows.toLocaleString('en-US')} | ${f(r.cliSeconds)} | ${f(r.cliLoad)} | ${f(e?.wall)} | ${f(e?.load)} | ` +
        `${ratio === undefined ? '—' : `**${f(ratio, 1)}×**`} | ${ratio === undefined ? '—' : ratio >= 20 ? 'met' : 'NOT met'} | ${f(r.cliPeakRssMiB, 0)} / ${f(e?.peakRssMiB, 0)} |`,
    );
  }
  console.log(
    '\nOn a shared machine the two sides of a row may have run at different loads: compare the load columns.',
  );
}

/** Postgres and Kafka of scripts/services (or VIGIL_DATABASE_URL / VIGIL_KAFKA_BROKERS) accept connections. */
async function servicesUp() {
  const { services } = await import('./lib-stream.mjs');
  let where;
  try {
    where = services();
  } catch {
    return false;
  }
  const { connect } = await import('node:net');
  const open = (host, port) =>
    new Promise((done) => {
      const socket = connect({ host, port: Number(port) }, () => {
        socket.destroy();
        done(true);
      });
      socket.on('error', () => done(false));
      socket.setTimeout(2000, () => {
        socket.destroy();
        done(false);
      });
    });
  const db = new URL(where.databaseUrl);
  const [host, port] = where.brokers[0].split(':');
  return (await open(db.hostname, db.port || 5432)) && (await open(host, port));
}

function step(command, argv) {
  const r = spawnSync(command, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${[command, ...argv].join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

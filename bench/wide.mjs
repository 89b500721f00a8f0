#!/usr/bin/env node
/**
 * `vigil report` on wide files — 1,000 numeric columns plus a score, a label and two groups — against Evidently's
 * DataDriftPreset script on the same files, wall time and peak RSS of each, in one run (issue 19).
 *
 *   node bench/wide.mjs [--sizes 100000,1000000] [--columns 1000] [--data DIR] [--formats csv,parquet]
 *                       [--memory-budget SIZE] [--evidently-limit SECONDS] [--evidently-rss-limit GB]
 *                       [--skip-evidently] [--keep-data] [--out FILE]
 *
 * Needs `pnpm run build` and bench/.venv (bench/setup-peers.sh; numpy and pyarrow for the data, Evidently for the
 * peer). For each size, bench/make-wide-data.py writes reference and current CSV and Parquet files to
 * DIR/rows-N-cols-C (default DIR: $TMPDIR/vigil-wide — never the repository); the free space of DIR must hold the
 * files and the report's spill file (8 bytes per numeric value of both files), else the size is scaled down and the
 * run says so. Then, as child processes one after the other:
 *   - Vigil: `node packages/daemon/dist/bin.js report --group-columns segment,region --json …` on the CSV pair and
 *     on the Parquet pair (`--memory-budget` passed on when given; by default a quarter of the machine's memory),
 *     wall time and peak RSS from /usr/bin/time -v, and the report's `computation` (which path it took);
 *   - Evidently: bench/evidently-report.py on the CSV pair (pandas.read_csv, Report([DataDriftPreset()]).run,
 *     snapshot JSON), stopped and reported "did not finish" past --evidently-limit seconds (default 900) or past
 *     --evidently-rss-limit GB of RSS (default 12: the machine is shared), peak RSS polled from /proc.
 * Data files are removed after each size unless --keep-data. Timings are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..');
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    columns: { type: 'string', default: '1000' },
    data: { type: 'string', default: join(os.tmpdir(), 'vigil-wide') },
    formats: { type: 'string', default: 'csv,parquet' },
    'memory-budget': { type: 'string' },
    'evidently-limit': { type: 'string', default: '900' },
    'evidently-rss-limit': { type: 'string', default: '12' },
    'skip-evidently': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}
const columns = Number(args.columns);
const sizes = args.sizes.split(',').map(Number);
const formats = args.formats.split(',');
const cliBin = join(root, 'packages/daemon/dist/bin.js');
if (!existsSync(cliBin)) fail(`${cliBin} is missing: run pnpm run build first`);
const python = [join(bench, '.venv/bin/python'), join(root, '.venv/bin/python')].find(existsSync);
if (!python) fail('no Python with numpy and pyarrow: run bash bench/setup-peers.sh');
const evidentlyPython = join(bench, '.venv/bin/python');
const runEvidently = !args['skip-evidently'];
if (runEvidently && !existsSync(evidentlyPython)) fail(`${evidentlyPython} is missing: run bash bench/setup-peers.sh`);
const features = Array.from({ length: columns }, (_, j) => `f${String(j).padStart(4, '0')}`);

/** Bytes per value measured on the generated files (100k × 1,000): CSV 6.3, Parquet (snappy) 4.1; the spill 8. */
const BYTES_PER_VALUE = { csv: 6.3, parquet: 4.1, spill: 8 };

const results = { machine: machineInfo(), columns, runs: [] };
mkdirSync(args.data, { recursive: true });
for (const requested of sizes) {
  const rows = fit(requested);
  const dir = join(args.data, `rows-${rows}-cols-${columns}`);
  const files = {
    csv: { reference: join(dir, 'reference.csv'), current: join(dir, 'current.csv') },
    parquet: { reference: join(dir, 'reference.parquet'), current: join(dir, 'current.parquet') },
  };
  if (!existsSync(files.parquet.current)) {
    log(`writing ${rows} rows × ${columns} columns to ${dir}`);
    const made = await run(python, [
      join(bench, 'make-wide-data.py'),
      '--rows',
      String(rows),
      '--columns',
      String(columns),
      '--out',
      dir,
    ]);
    if (made.code !== 0) fail(`make-wide-data.py failed:\n${made.stderr}`);
  }
  const run1 = { rows, requestedRows: requested, sizesGB: {}, vigil: {}, evidently: undefined };
  if (rows !== requested)
    run1.note = `scaled down from ${requested} rows: the free space of ${args.data} does not hold the files and the spill`;
  for (const format of ['csv', 'parquet'])
    run1.sizesGB[format] = (statSync(files[format].reference).size + statSync(files[format].current).size) / 1e9;
  for (const format of formats) {
    log(`vigil report, ${rows} rows, ${format}`);
    run1.vigil[format] = await vigil(files[format]);
    log(
      `  ${fmt(run1.vigil[format].seconds)} s, peak RSS ${fmt(run1.vigil[format].peakRssMiB / 1024)} GiB, ${run1.vigil[format].path}`,
    );
  }
  if (runEvidently) {
    log(
      `Evidently DataDriftPreset, ${rows} rows, csv (limit ${args['evidently-limit']} s, ${args['evidently-rss-limit']} GB)`,
    );
    run1.evidently = await evidently(files.csv);
    log(
      `  ${run1.evidently.finished ? `${fmt(run1.evidently.seconds)} s` : `did not finish (${run1.evidently.reason})`}, peak RSS ${fmt(run1.evidently.peakRssMiB / 1024)} GiB`,
    );
  }
  results.runs.push(run1);
  if (!args['keep-data']) rmSync(dir, { recursive: true, force: true });
}

console.log('\n| rows × columns | files (CSV / Parquet) | Vigil CSV | Vigil Parquet | Evidently (CSV) |');
console.log('|---|---|---|---|---|');
for (const r of results.runs) {
  const v = (x) => (x ? `${fmt(x.seconds)} s, ${fmt(x.peakRssMiB / 1024)} GiB (${x.path})` : '-');
  const e = r.evidently
    ? r.evidently.finished
      ? `${fmt(r.evidently.seconds)} s, ${fmt(r.evidently.peakRssMiB / 1024)} GiB`
      : `did not finish: ${r.evidently.reason} (${fmt(r.evidently.peakRssMiB / 1024)} GiB at the stop)`
    : 'skipped';
  console.log(
    `| ${r.rows.toLocaleString('en')} × ${columns} | ${fmt(r.sizesGB.csv)} / ${fmt(r.sizesGB.parquet)} GB | ${v(r.vigil.csv)} | ${v(r.vigil.parquet)} | ${e} |`,
  );
  if (r.note) console.log(`note: ${r.note}`);
}
console.log(
  `\nmachine: ${results.machine.cpus} cores (${results.machine.cpuModel}), ${results.machine.memGiB} GiB, load ${results.machine.loadavg.join(' ')}, node ${results.machine.node}`,
);
if (args.out) writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);

/** The rows that fit the free space of the data directory (files, plus the spill of one report), halved until they do. */
function fit(rows) {
  const { bavail, bsize } = statfsSync(args.data);
  const free = bavail * bsize;
  let n = rows;
  // Files already written (a run with --keep-data) need only room for the spill.
  const written = (r) =>
    ['reference.csv', 'current.csv', 'reference.parquet', 'current.parquet'].every((f) =>
      existsSync(join(args.data, `rows-${r}-cols-${columns}`, f)),
    );
  const need = (r) =>
    2 *
    r *
    (columns + 4) *
    ((written(r) ? 0 : BYTES_PER_VALUE.csv + BYTES_PER_VALUE.parquet) + BYTES_PER_VALUE.spill) *
    1.1;
  while (n > 1000 && need(n) > free) n = Math.floor(n / 2);
  if (n !== rows)
    log(`only ${fmt(free / 1e9)} GB free in ${args.data}: ${rows} rows need ${fmt(need(rows) / 1e9)} GB; running ${n}`);
  return n;
}

async function vigil(pair) {
  const json = join(os.tmpdir(), `vigil-wide-report-${process.pid}.json`);
  const budget = args['memory-budget'] ? ['--memory-budget', args['memory-budget']] : [];
  const cmd = [
    process.execPath,
    cliBin,
    'report',
    '--reference',
    pair.reference,
    '--current',
    pair.current,
    '--group-columns',
    'segment,region',
    '--json',
    json,
    ...budget,
  ];
  const load = os.loadavg()[0];
  const t = performance.now();
  const result = await run('/usr/bin/time', ['-v', ...cmd]);
  const seconds = (performance.now() - t) / 1000;
  if (result.code !== 0) fail(`vigil report exited ${result.code}:\n${result.stderr.slice(-4000)}`);
  const peakRssMiB =
    Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? Number.NaN) / 1024;
  const report = JSON.parse(readFileSync(json, 'utf8'));
  rmSync(json, { force: true });
  const c = report.computation;
  const path =
    c === undefined
      ? 'in memory, exact'
      : `spilled ${c.spilledColumns} columns, ${c.statistics}${c.binnedColumns ? ` (${c.binnedColumns} binned)` : ''}`;
  return {
    seconds,
    peakRssMiB,
    load,
    path,
    computation: c ?? null,
    features: report.drift.length,
    drifted: report.summary.drifted.length,
  };
}

async function evidently(pair) {
  const snapshot = join(os.tmpdir(), `evidently-wide-${process.pid}.json`);
  const argv = [
    join(bench, 'evidently-report.py'),
    '--reference',
    pair.reference,
    '--current',
    pair.current,
    '--numeric',
    [...features, 'score'].join(','),
    '--categorical',
    'label,segment,region',
    '--snapshot',
    snapshot,
  ];
  const load = os.loadavg()[0];
  const t = performance.now();
  const result = await run(evidentlyPython, argv, {
    limitSeconds: Number(args['evidently-limit']),
    limitRssGB: Number(args['evidently-rss-limit']),
  });
  const seconds = (performance.now() - t) / 1000;
  rmSync(snapshot, { force: true });
  if (result.stopped) return { finished: false, reason: result.stopped, seconds, peakRssMiB: result.peakRssMiB, load };
  if (result.code !== 0)
    return {
      finished: false,
      reason: `exit ${result.code}: ${result.stderr.trim().split('\n').at(-1)}`,
      seconds,
      peakRssMiB: result.peakRssMiB,
      load,
    };
  const out = JSON.parse(result.stdout.trim().split('\n').at(-1));
  return {
    finished: true,
    seconds,
    phases: out.seconds,
    peakRssMiB: Math.max(out.peakRssMiB ?? 0, result.peakRssMiB),
    load,
    drifted: out.driftedColumns?.length,
  };
}

/** Runs a command; with limits, polls its RSS (VmHWM) and kills it past the time or RSS limit. */
function run(command, argv, { limitSeconds, limitRssGB } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let peakRssMiB = 0;
    let stopped;
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakRssMiB = Math.max(peakRssMiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        // the process has exited
      }
      if (stopped === undefined && limitSeconds !== undefined && (Date.now() - started) / 1000 > limitSeconds)
        stopped = `past the ${limitSeconds} s limit`;
      if (stopped === undefined && limitRssGB !== undefined && (peakRssMiB * 2 ** 20) / 1e9 > limitRssGB)
        stopped = `past the ${limitRssGB} GB RSS limit`;
      if (stopped !== undefined) child.kill('SIGKILL');
    }, 100);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolvePromise({
        code,
        stopped,
        peakRssMiB,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function machineInfo() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => x.toFixed(2)),
    node: process.version,
  };
}

function fmt(x) {
  return Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2)) : '-';
}

function log(message) {
  console.error(`[wide] ${message}`);
}

function fail(message) {
  console.error(`[wide] ${message}`);
  process.exit(1);
}

#!/usr/bin/env node
/**
 * `vigil report` against Evidently's DataDriftPreset on the same two CSV files, side by side in one run.
 *
 *   node bench/report-vs-evidently.mjs [--data DIR] [--repeat N] [--skip-evidently] [--out FILE]
 *
 * Needs `pnpm run build` (the built packages/*\/dist), bench/.venv (bench/setup-peers.sh) and the data
 * (bench/make-data.py). `node bench/run.mjs` does all three. Phases:
 *   (a) Vigil in-process: readTable(reference) + readTable(current) ("parse"), then analyzeReport ("analyse");
 *       also the Parquet copies' parse time when they exist.
 *   (b) the whole CLI, `node packages/daemon/dist/bin.js report ... --json`, as a child process: wall-clock and
 *       peak RSS (from /usr/bin/time -v, else by polling /proc/PID/status).
 *   (c) Evidently in bench/.venv: pandas.read_csv, Report([DataDriftPreset()]).run, snapshot JSON, and the whole
 *       Python process, wall-clock and peak RSS.
 *   (d) a table of Vigil vs Evidently seconds and their ratio, the goals of the performance issue, and a check
 *       that the two tools agree where their definitions match (normed Wasserstein).
 * Timings are printed, never asserted: this is a benchmark, not a test.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..');

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(bench, 'data', 'rows-1000000') },
    repeat: { type: 'string', default: '1' },
    'skip-evidently': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'Usage: node bench/report-vs-evidently.mjs [--data DIR] [--repeat N] [--skip-evidently] [--out results.json]',
  );
  process.exit(0);
}
const repeat = Math.max(1, Number.parseInt(args.repeat, 10) || 1);
const dataDir = resolve(args.data);
const files = {
  reference: join(dataDir, 'reference.csv'),
  current: join(dataDir, 'current.csv'),
  referenceParquet: join(dataDir, 'reference.parquet'),
  currentParquet: join(dataDir, 'current.parquet'),
};
for (const f of [files.reference, files.current]) {
  if (!existsSync(f)) fail(`${f} is missing: run bench/.venv/bin/python bench/make-data.py (or node bench/run.mjs)`);
}
const cliBin = join(root, 'packages/daemon/dist/bin.js');
for (const f of [
  cliBin,
  join(root, 'packages/collector/dist/index.js'),
  join(root, 'packages/analyzers/dist/index.js'),
]) {
  if (!existsSync(f)) fail(`${f} is missing: run pnpm run build first`);
}
const python = join(bench, '.venv/bin/python');
if (!args['skip-evidently'] && !existsSync(python)) fail(`${python} is missing: run bash bench/setup-peers.sh`);

const FEATURES = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}`);
const GROUPS = ['segment', 'region'];
const SPEC = {
  task: 'binary',
  features: FEATURES.map((name) => ({ name, kind: 'numeric' })),
  score: 'score',
  label: 'label',
  groups: GROUPS,
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};

const machine = machineInfo();
console.log(`# vigil report vs Evidently — ${machine.date}`);
console.log(
  `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB RAM, load average ${machine.loadavg.join(' ')}; node ${process.version}`,
);
console.log(
  `data: ${files.reference} (${mb(files.reference)} MB), ${files.current} (${mb(files.current)} MB); repeat ${repeat}\n`,
);

const runs = { vigil: [], cli: [], evidently: [] };
let lastReport;
let referenceStd = {};
for (let r = 0; r < repeat; r++) {
  if (repeat > 1) console.log(`— run ${r + 1} of ${repeat}`);
  // (a) Vigil in-process, in a fresh child so its heap and JIT state are those of a cold `vigil report`.
  const vigil = await vigilInProcess();
  runs.vigil.push(vigil);
  lastReport = vigil.report;
  referenceStd = vigil.referenceStd;
  console.log(
    `vigil in-process: parse ${fmt(vigil.parse)} s (reference ${fmt(vigil.parseReference)} s, current ${fmt(vigil.parseCurrent)} s), ` +
      `analyse ${fmt(vigil.analyse)} s${vigil.parseParquet !== undefined ? `; Parquet parse ${fmt(vigil.parseParquet)} s` : ''}; peak RSS ${fmt(vigil.peakRssMiB, 0)} MiB`,
  );
  // (b) the whole CLI.
  const cli = await vigilCli();
  runs.cli.push(cli);
  console.log(
    `vigil report CLI: ${fmt(cli.seconds)} s wall-clock, peak RSS ${fmt(cli.peakRssMiB, 0)} MiB (${cli.rssSource}), exit ${cli.code}; load average ${fmt(cli.load)} at its start`,
  );
  // (c) Evidently.
  if (!args['skip-evidently']) {
    const ev = await evidentlyRun();
    runs.evidently.push(ev);
    const s = ev.seconds;
    console.log(
      `evidently ${ev.version}: ${fmt(ev.wall)} s wall-clock (import ${fmt(s.import)}, read_csv ${fmt(s.read)}, Dataset ${fmt(s.dataset)}, ` +
        `report run ${fmt(s.run)}, json ${fmt(s.json)}), peak RSS ${fmt(ev.peakRssMiB, 0)} MiB; load average ${fmt(ev.load)} at its start`,
    );
  }
  console.log('');
}

// (d) the table.
const v = medianOf(runs.vigil, ['parse', 'analyse', 'parseParquet', 'peakRssMiB']);
const c = medianOf(runs.cli, ['seconds', 'peakRssMiB', 'load']);
const e =
  runs.evidently.length > 0
    ? medianOf(
        runs.evidently.map((x) => ({ ...x.seconds, wall: x.wall, peakRssMiB: x.peakRssMiB, load: x.load })),
        ['import', 'read', 'dataset', 'run', 'json', 'wall', 'peakRssMiB', 'load'],
      )
    : undefined;
const rows = [
  ['parse both CSVs (Vigil readTable / pandas read_csv)', v.parse, e?.read],
  ['analyse (analyzeReport / Dataset + Report.run)', v.analyse, e ? e.dataset + e.run : undefined],
  ['whole command, process wall-clock (vigil report --json / python script)', c.seconds, e?.wall],
];
const table = [
  ['phase', 'Vigil s', 'Evidently s', 'Evidently ÷ Vigil'],
  ...rows.map(([name, a, b]) => [
    name,
    fmt(a),
    b === undefined ? '—' : fmt(b),
    b === undefined ? '—' : `${fmt(b / a, 1)}×`,
  ]),
  ['peak RSS, whole command (MiB)', fmt(c.peakRssMiB, 0), e ? fmt(e.peakRssMiB, 0) : '—', ''],
  ['1-minute load average as the whole command started', fmt(c.load), e ? fmt(e.load) : '—', ''],
];
if (v.parseParquet !== undefined)
  table.splice(2, 0, ['parse both Parquet copies (Vigil only)', fmt(v.parseParquet), '—', '—']);
console.log(
  `## Results (${runs.vigil[0].rows.toLocaleString('en-US')} rows each; median of ${repeat} run${repeat > 1 ? 's' : ''})\n`,
);
console.log(markdownTable(table));
const evDrifted = runs.evidently.at(-1)?.driftedColumns;
console.log(
  `\ndrifted: Vigil ${runs.cli.at(-1).drifted?.length ?? '?'} of ${FEATURES.length} features (${runs.cli.at(-1).drifted?.join(', ') || 'none'}; PSI >= 0.2 above 1,000 rows)` +
    (evDrifted
      ? `; Evidently ${evDrifted.count} of ${FEATURES.length + 4} columns (its per-method thresholds, e.g. normed Wasserstein >= 0.1)`
      : ''),
);
console.log(`tfjs backend: ${runs.cli[0].backend ?? 'not reported (vigil report does not use tfjs)'}`);

const ratio = e ? e.wall / c.seconds : undefined;
const goals = [
  ['analysis (after parsing) under 2 s', `${fmt(v.analyse)} s`, v.analyse < 2],
  [
    'whole vigil report ≥ 20× faster than Evidently',
    ratio === undefined ? 'not measured' : `${fmt(ratio, 1)}×`,
    ratio === undefined ? undefined : ratio >= 20,
  ],
  [
    'moonshot: ≥ 50× (the aim at 1M rows)',
    ratio === undefined ? 'not measured' : `${fmt(ratio, 1)}×`,
    ratio === undefined ? undefined : ratio >= 50,
  ],
  [
    'peak RSS of vigil report under 1.5 GB (1.5e9 bytes)',
    `${fmt(c.peakRssMiB, 0)} MiB = ${fmt((c.peakRssMiB * 1048576) / 1e9, 2)} GB`,
    c.peakRssMiB * 1048576 < 1.5e9,
  ],
];
console.log('\n## Goals\n');
console.log(
  markdownTable([
    ['goal', 'measured', 'met'],
    ...goals.map(([g, m, ok]) => [g, m, ok === undefined ? '—' : ok ? 'yes' : 'NO']),
  ]),
);

const agreement = e ? agreementCheck(lastReport, runs.evidently.at(-1).columns, referenceStd) : undefined;
if (agreement) {
  console.log('\n## Agreement where the definitions match\n');
  console.log(
    'Evidently (>1000 rows) scores a numeric column with >5 distinct values by the Wasserstein distance divided by\n' +
      "max(np.std(reference), 0.001) (population std, NaN dropped); Vigil's wassersteinNormed divides scipy's\n" +
      'wasserstein_distance by the reference population std (NaN dropped): the same definition. Columns with <=5\n' +
      'distinct values get Jensen-Shannon over value counts in Evidently, over reference-decile bins in Vigil:\n' +
      'the same only when every value has its own bin.\n',
  );
  console.log(
    markdownTable([
      ['column', 'Evidently method', 'Evidently value', 'Vigil value', 'Vigil metric', '|diff|', 'agree'],
      ...agreement.rows,
    ]),
  );
  console.log(
    `\nWasserstein (normed): ${agreement.matched} columns compared, max |diff| ${agreement.maxDiff.toExponential(2)}, ${agreement.agreeing}/${agreement.matched} within 1e-6 relative.`,
  );
}

const result = {
  date: machine.date,
  machine,
  files: { reference: files.reference, current: files.current, rows: runs.vigil[0].rows },
  repeat,
  vigil: runs.vigil.map(({ report, referenceStd: _s, ...rest }) => rest),
  cli: runs.cli,
  evidently: runs.evidently.map(({ columns, ...rest }) => rest),
  summary: {
    parse: v.parse,
    analyse: v.analyse,
    parseParquet: v.parseParquet,
    cliSeconds: c.seconds,
    cliPeakRssMiB: c.peakRssMiB,
    cliLoad: c.load,
    evidently: e,
    ratioWhole: ratio,
  },
  goals: goals.map(([goal, measured, met]) => ({ goal, measured, met })),
  agreement,
};
const out = args.out ?? join(dataDir, `results-${runs.vigil[0].rows}.json`);
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nresults written to ${out}`);

// ————————————————————————————————————————————————————————————————————————————————

/** Runs the in-process phases in a child node so the numbers are those of a fresh process. */
async function vigilInProcess() {
  const code = `
    const { readTable } = require(${JSON.stringify(join(root, 'packages/collector/dist/index.js'))});
    const { analyzeReport } = require(${JSON.stringify(join(root, 'packages/analyzers/dist/index.js'))});
    const { readFileSync, existsSync } = require('node:fs');
    const spec = ${JSON.stringify(SPEC)};
    const files = ${JSON.stringify(files)};
    const types = { segment: 'categorical', region: 'categorical' };
    const peak = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    (async () => {
      const kinds = (t) => Object.fromEntries([...t.columns.values()].map((c) => [c.name, c.kind]));
      let t = performance.now();
      const ref = await readTable(files.reference, { types });
      const parseReference = (performance.now() - t) / 1000;
      t = performance.now();
      const cur = await readTable(files.current, { types: { ...kinds(ref.table), ...types } });
      const parseCurrent = (performance.now() - t) / 1000;
      t = performance.now();
      const report = await analyzeReport({ reference: ref.table, current: cur.table, spec });
      const analyse = (performance.now() - t) / 1000;
      const peakRssMiB = peak();
      const referenceStd = {};
      for (const name of [...spec.features.map((f) => f.name), spec.score]) {
        const v = ref.table.columns.get(name).values;
        let n = 0, s = 0, ss = 0;
        for (const x of v) if (x === x) { n++; s += x; }
        const m = s / n;
        for (const x of v) if (x === x) ss += (x - m) ** 2;
        referenceStd[name] = Math.sqrt(ss / n);
      }
      let parseParquet;
      if (existsSync(files.referenceParquet) && existsSync(files.currentParquet)) {
        t = performance.now();
        await readTable(files.referenceParquet, { types });
        await readTable(files.currentParquet, { types: { ...kinds(ref.table), ...types } });
        parseParquet = (performance.now() - t) / 1000;
      }
      process.stdout.write(JSON.stringify({ rows: ref.table.rowCount, parseReference, parseCurrent, parse: parseReference + parseCurrent, analyse, peakRssMiB, parseParquet, referenceStd, report }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const { stdout, code: exit, stderr } = await run(process.execPath, ['-e', code], { cwd: root });
  if (exit !== 0) fail(`Vigil in-process phase failed (exit ${exit}):\n${stderr}`);
  return JSON.parse(stdout);
}

async function vigilCli() {
  const json = join(os.tmpdir(), `vigil-bench-report-${process.pid}.json`);
  const cmd = [
    process.execPath,
    cliBin,
    'report',
    '--reference',
    files.reference,
    '--current',
    files.current,
    '--group-columns',
    GROUPS.join(','),
    '--json',
    json,
  ];
  const measured = await timed(cmd);
  if (measured.code !== 0) fail(`vigil report exited ${measured.code}:\n${measured.stderr}`);
  const backend = /tfjs[^\n]*?(tensorflow|wasm|cpu)/i.exec(measured.stderr)?.[1];
  const report = JSON.parse(readFileSync(json, 'utf8'));
  rmSync(json, { force: true });
  return {
    seconds: measured.seconds,
    peakRssMiB: measured.peakRssMiB,
    rssSource: measured.rssSource,
    load: measured.load,
    code: measured.code,
    backend,
    rows: report.rows,
    drifted: report.summary?.drifted,
  };
}

async function evidentlyRun() {
  const snapshot = join(os.tmpdir(), `evidently-bench-snapshot-${process.pid}.json`);
  const cmd = [
    python,
    join(bench, 'evidently-report.py'),
    '--reference',
    files.reference,
    '--current',
    files.current,
    '--numeric',
    [...FEATURES, 'score'].join(','),
    '--categorical',
    ['label', ...GROUPS].join(','),
    '--snapshot',
    snapshot,
  ];
  const measured = await timed(cmd);
  if (measured.code !== 0) fail(`Evidently exited ${measured.code}:\n${measured.stderr.slice(-4000)}`);
  const out = JSON.parse(measured.stdout.trim().split('\n').at(-1));
  rmSync(snapshot, { force: true });
  return {
    version: out.evidently,
    wall: measured.seconds,
    load: measured.load,
    seconds: out.seconds,
    peakRssMiB: Math.max(out.peakRssMiB, measured.peakRssMiB ?? 0),
    columns: out.columns,
    driftedColumns: out.driftedColumns,
  };
}

/** Wall-clock and peak RSS of a command: /usr/bin/time -v when present, else polling /proc/PID/status. */
async function timed(cmd) {
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const argv = gnuTime ? [gnuTime, '-v', ...cmd] : cmd;
  // The machine may be shared: the 1-minute load average as the command starts goes with each figure.
  const load = os.loadavg()[0];
  const t = performance.now();
  const result = await run(argv[0], argv.slice(1), { cwd: root, pollRss: !gnuTime });
  const seconds = (performance.now() - t) / 1000;
  let peakRssMiB = result.polledPeakMiB;
  let rssSource = 'polled /proc/PID/status VmHWM';
  if (gnuTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
    if (m) {
      peakRssMiB = Number(m[1]) / 1024;
      rssSource = '/usr/bin/time -v';
    }
  }
  return { ...result, seconds, peakRssMiB, rssSource, load };
}

function run(command, argv, { cwd, pollRss = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let polledPeakMiB;
    let timer;
    if (pollRss) {
      timer = setInterval(() => {
        try {
          const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
          polledPeakMiB = Math.max(polledPeakMiB ?? 0, kb / 1024);
        } catch {
          // the process has exited
        }
      }, 20);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        polledPeakMiB,
      });
    });
  });
}

function agreementCheck(report, evidentlyColumns, refStd) {
  const rows = [];
  let matched = 0;
  let agreeing = 0;
  let maxDiff = 0;
  const vigilDrift = new Map(report.drift.map((d) => [d.feature, d]));
  for (const column of [...FEATURES, 'score']) {
    const ev = evidentlyColumns[column];
    if (!ev) continue;
    const isWasserstein = /wasserstein/i.test(ev.method ?? '');
    let vigilValue;
    let metric;
    if (column === 'score') {
      // The report's prediction drift carries the raw Wasserstein; normalise it by the reference std here.
      const w = report.prediction?.metrics?.wasserstein;
      vigilValue = w === undefined ? undefined : w / Math.max(refStd.score, 0.001);
      metric = 'prediction.wasserstein / ref std';
    } else if (isWasserstein) {
      vigilValue = vigilDrift.get(column)?.metrics.wassersteinNormed;
      metric = 'wassersteinNormed';
    } else if (/jensen/i.test(ev.method ?? '')) {
      vigilValue = vigilDrift.get(column)?.metrics.js;
      metric = 'js (decile bins)';
    }
    const diff = vigilValue === undefined ? undefined : Math.abs(vigilValue - ev.value);
    const agree =
      isWasserstein && diff !== undefined ? diff <= 1e-6 * Math.max(1e-12, Math.abs(ev.value)) + 1e-12 : undefined;
    if (isWasserstein && diff !== undefined) {
      matched++;
      if (agree) agreeing++;
      maxDiff = Math.max(maxDiff, diff);
    }
    rows.push([
      column,
      ev.method,
      fmtSci(ev.value),
      vigilValue === undefined ? '—' : fmtSci(vigilValue),
      metric ?? '—',
      diff === undefined ? '—' : diff.toExponential(1),
      agree === undefined ? 'n/a (different definition)' : agree ? 'yes' : 'NO',
    ]);
  }
  return { rows, matched, agreeing, maxDiff };
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
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => x.toFixed(2)),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

function medianOf(list, keys) {
  const out = {};
  for (const k of keys) {
    const xs = list
      .map((x) => x[k])
      .filter((x) => typeof x === 'number')
      .sort((a, b) => a - b);
    if (xs.length > 0)
      out[k] = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
  }
  return out;
}

function markdownTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((x, i) => String(x).padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function fmt(x, digits = 2) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

function fmtSci(x) {
  return typeof x === 'number' ? (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(6) : x.toExponential(4)) : String(x);
}

function mb(path) {
  return (statSync(path).size / 1e6).toFixed(1);
}

function fail(message) {
  console.error(`report-vs-evidently: ${message}`);
  process.exit(1);
}

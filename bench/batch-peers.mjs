#!/usr/bin/env node
/**
 * Batch analysis against the peers (issue 6): `vigil report` against a plain scipy script (bench/scipy-drift.py),
 * NannyML's univariate drift (bench/nannyml-drift.py) and Evidently's DataDriftPreset (bench/evidently-report.py)
 * on the same two CSV files, at several sizes, with the peers' times as ratios to Vigil's in the same run.
 *
 *   node bench/batch-peers.mjs [--sizes 100000,1000000] [--large] [--repeat 3] [--peers scipy,nannyml,evidently]
 *                              [--timeout-s 900] [--nannyml-chunks 1] [--data-root bench/data] [--out FILE]
 *
 * --large adds 3,000,000 rows to the sizes. Needs `pnpm run build` and bench/.venv (bash bench/setup-peers.sh);
 * the data of each size is written to bench/data/rows-N/ by bench/make-data.py (CSV only) when missing.
 *
 * For each size, --repeat rounds; each round runs Vigil, then each peer, one after the other (interleaved, so
 * a change in the machine's load shows in all of them). Each command is a child process: wall-clock and peak RSS
 * from /usr/bin/time -v, the 1-minute load average when it started. A peer that runs longer than --timeout-s is
 * killed (its process group) and reported as "timed out after X s"; one that fails is reported with its exit.
 * The tables give medians over the rounds, and the ratio peer ÷ Vigil of the whole commands' wall-clock of each
 * round (median of those ratios). Then agreement, from the last round's outputs, where definitions match:
 *   scipy: KS statistic and p-value (ks_2samp), Wasserstein (wasserstein_distance), chi-square and p-value
 *          (chi2_contingency) against the report JSON's ks, ksPValue, wasserstein, chi2, chi2PValue;
 *   NannyML: KS and Wasserstein (estimated from 10,000 equal-width reference bins above 10,000 reference rows),
 *          chi2, categorical Jensen–Shannon (base 2: × √ln 2 to Vigil's natural log) and categorical Hellinger;
 *   Evidently: normed Wasserstein of the columns it scores with it, Jensen–Shannon of the categorical columns.
 * Timings are printed, never asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const bench = dirname(fileURLToPath(import.meta.url));
const root = resolve(bench, '..');
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    large: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
    peers: { type: 'string', default: 'scipy,nannyml,evidently' },
    'timeout-s': { type: 'string', default: '900' },
    'nannyml-chunks': { type: 'string', default: '1' },
    'data-root': { type: 'string', default: join(bench, 'data') },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'Usage: node bench/batch-peers.mjs [--sizes 100000,1000000] [--large] [--repeat 3] [--peers scipy,nannyml,evidently] [--timeout-s 900] [--nannyml-chunks 1] [--data-root DIR] [--out FILE]',
  );
  process.exit(0);
}
const sizes = args.sizes.split(',').filter(Boolean).map(Number);
if (args.large && !sizes.includes(3_000_000)) sizes.push(3_000_000);
const repeat = Math.max(1, Number.parseInt(args.repeat, 10) || 1);
const timeoutS = Number(args['timeout-s']);
const nannymlChunks = Number.parseInt(args['nannyml-chunks'], 10) || 1;
const PEERS = ['scipy', 'nannyml', 'evidently'];
const peers = args.peers.split(',').filter(Boolean);
for (const p of peers) if (!PEERS.includes(p)) fail(`unknown peer "${p}" (${PEERS.join(', ')})`);
for (const n of sizes) if (!Number.isInteger(n) || n < 1000) fail(`sizes must be integers >= 1000, not ${n}`);
if (!(timeoutS > 0)) fail('--timeout-s must be positive');

const cliBin = join(root, 'packages/daemon/dist/bin.js');
if (!existsSync(cliBin)) fail(`${cliBin} is missing: run pnpm run build first`);
const python = join(bench, '.venv/bin/python');
if (!existsSync(python)) fail(`${python} is missing: run bash bench/setup-peers.sh`);
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const FEATURES = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}`);
const CATEGORICAL = ['segment', 'region'];
const NUMERIC = [...FEATURES, 'score'];
const versions = peerVersions();
const available = peers.filter((p) => {
  if (versions[p]) return true;
  console.log(
    `[batch-peers] ${p} is not importable in bench/.venv (bash bench/setup-peers.sh says why): left out. ${versions.errors[p] ?? ''}`,
  );
  return false;
});

const machine = machineInfo();
console.log(`# Batch analysis: vigil report vs ${available.join(', ')} — ${machine.date}`);
console.log(
  `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB RAM, load average ${machine.loadavg.join(' ')}; node ${process.version}; python ${versions.python}`,
);
console.log(
  `peers: ${available.map((p) => `${p} ${versions[p]}`).join(', ')}; pandas ${versions.pandas}, numpy ${versions.numpy}`,
);
console.log(
  `sizes: ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} rows × (20 numeric features + score + label + segment + region); ${repeat} interleaved round(s); timeout ${timeoutS} s per command`,
);
console.log(
  'tfjs: vigil report trains no model and does not load tfjs, so which tfjs backend would run is irrelevant here.\n',
);

const results = { date: machine.date, machine, versions, sizes: {}, repeat, timeoutS, nannymlChunks, peers: available };
const outFile = args.out ?? join(resolve(args['data-root']), `batch-peers-${Date.now()}.json`);
for (const rows of sizes) {
  const files = ensureData(rows);
  console.log(`## ${rows.toLocaleString('en-US')} rows (${mb(files.reference)} + ${mb(files.current)} MB of CSV)\n`);
  const runs = { vigil: [], ...Object.fromEntries(available.map((p) => [p, []])) };
  for (let r = 0; r < repeat; r++) {
    const v = await runVigil(files);
    runs.vigil.push(v);
    console.log(`round ${r + 1}: vigil ${describe(v)}`);
    for (const p of available) {
      const x = await runPeer(p, files);
      runs[p].push(x);
      console.log(
        `round ${r + 1}: ${p} ${describe(x)}${x.status === 'ok' && v.status === 'ok' ? ` → ${(x.seconds / v.seconds).toFixed(1)}× vigil` : ''}`,
      );
    }
  }
  const summary = summarise(runs);
  const agreement = agree(runs);
  results.sizes[rows] = { files, runs: strip(runs), summary, agreement };
  printSize(rows, summary, agreement);
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
}
console.log(`\nresults written to ${outFile}`);

// ————————————————————————————————————————————————————————————————————————————————

function ensureData(rows) {
  // The same directory as bench/run.mjs uses for report-vs-evidently, so each size is written once.
  const dir = join(resolve(args['data-root']), `rows-${rows}`);
  const files = { reference: join(dir, 'reference.csv'), current: join(dir, 'current.csv') };
  const stamp = join(dir, 'ROWS');
  const have = existsSync(stamp) ? Number.parseInt(readFileSync(stamp, 'utf8'), 10) : undefined;
  if (have !== rows || !existsSync(files.reference) || !existsSync(files.current)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync(python, [join(bench, 'make-data.py'), '--rows', String(rows), '--out', dir, '--no-parquet'], {
      stdio: 'inherit',
    });
    if (r.status !== 0) fail(`make-data.py --rows ${rows} failed`);
  }
  return files;
}

async function runVigil(files) {
  const json = join(os.tmpdir(), `vigil-batch-peers-${process.pid}.json`);
  const features = [...FEATURES.map((f) => `${f}:numeric`), ...CATEGORICAL.map((c) => `${c}:categorical`)].join(',');
  const cmd = [
    process.execPath,
    cliBin,
    'report',
    '--reference',
    files.reference,
    '--current',
    files.current,
    '--features',
    features,
    '--group-columns',
    CATEGORICAL.join(','),
    '--json',
    json,
  ];
  const m = await timed(cmd);
  if (m.status === 'ok') {
    m.report = JSON.parse(readFileSync(json, 'utf8'));
    m.backend = /tfjs[^\n]*?(tensorflow|wasm|cpu)/i.exec(m.stderr)?.[1];
  }
  rmSync(json, { force: true });
  return m;
}

async function runPeer(peer, files) {
  const lists = (numeric, categorical) => [
    '--reference',
    files.reference,
    '--current',
    files.current,
    '--numeric',
    numeric.join(','),
    '--categorical',
    categorical.join(','),
  ];
  const cmd =
    peer === 'scipy'
      ? [python, join(bench, 'scipy-drift.py'), ...lists(NUMERIC, CATEGORICAL)]
      : peer === 'nannyml'
        ? [python, join(bench, 'nannyml-drift.py'), ...lists(NUMERIC, CATEGORICAL), '--chunks', String(nannymlChunks)]
        : [python, join(bench, 'evidently-report.py'), ...lists(NUMERIC, ['label', ...CATEGORICAL])];
  const m = await timed(cmd, { NML_DISABLE_USAGE_LOGGING: '1' });
  if (m.status === 'ok') {
    try {
      m.out = JSON.parse(m.stdout.trim().split('\n').at(-1));
      m.phases = m.out.seconds;
      m.peakRssMiB = Math.max(m.peakRssMiB ?? 0, m.out.peakRssMiB ?? 0);
    } catch (e) {
      m.status = 'failed';
      m.error = `unreadable output: ${e.message}`;
    }
  }
  return m;
}

/** Wall-clock, peak RSS (/usr/bin/time -v, else polled VmHWM) and the load average at the start; killed on timeout. */
function timed(cmd, env = {}) {
  const argv = gnuTime ? [gnuTime, '-v', ...cmd] : cmd;
  const load = os.loadavg()[0];
  return new Promise((done) => {
    const t = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ...env },
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let polled = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            polled = Math.max(
              polled,
              Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
            );
          } catch {
            // exited
          }
        }, 20);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the process group this spawn made: /usr/bin/time and the tool
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    const onExit = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', onExit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      process.removeListener('exit', onExit);
      const seconds = (performance.now() - t) / 1000;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const rss = gnuTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr) : undefined;
      const peakRssMiB = rss ? Number(rss[1]) / 1024 : polled || undefined;
      const status = timedOut ? 'timeout' : code === 0 ? 'ok' : 'failed';
      const exit = gnuTime
        ? /Command (?:exited with non-zero status (\d+)|terminated by signal (\d+))/.exec(stderr)
        : undefined;
      done({
        status,
        seconds,
        peakRssMiB,
        load,
        code: exit ? (exit[1] !== undefined ? Number(exit[1]) : `signal ${exit[2]}`) : (code ?? signal),
        stdout,
        stderr,
        error:
          status === 'failed'
            ? stderr
                .split('\n')
                .filter(
                  (l) =>
                    l &&
                    !/^\s+(Command being timed|User time|System time|Percent|Elapsed|Average|Maximum|Major|Minor|Voluntary|Involuntary|Swaps|File system|Socket|Signals|Page size|Exit status)/.test(
                      l,
                    ),
                )
                .slice(-6)
                .join(' | ')
            : undefined,
      });
    });
  });
}

function describe(m) {
  if (m.status === 'timeout') return `timed out after ${timeoutS} s (killed; load ${m.load.toFixed(2)} at start)`;
  if (m.status === 'failed') return `FAILED (exit ${m.code}) after ${m.seconds.toFixed(1)} s: ${m.error}`;
  const ph = m.phases
    ? ` (${Object.entries(m.phases)
        .map(([k, s]) => `${k} ${s.toFixed(2)}`)
        .join(', ')})`
    : '';
  return `${m.seconds.toFixed(2)} s${ph}, peak RSS ${m.peakRssMiB?.toFixed(0)} MiB, load ${m.load.toFixed(2)} at start`;
}

function summarise(runs) {
  const out = {};
  const vigil = runs.vigil;
  for (const [tool, list] of Object.entries(runs)) {
    const ok = list.filter((m) => m.status === 'ok');
    const ratios =
      tool === 'vigil'
        ? []
        : list
            .map((m, i) => (m.status === 'ok' && vigil[i]?.status === 'ok' ? m.seconds / vigil[i].seconds : undefined))
            .filter((x) => x !== undefined);
    // Compute only: the peer's time without Python's start, imports and read_csv.
    const compute = ok
      .map((m) =>
        m.phases
          ? Object.entries(m.phases)
              .filter(([k]) => k !== 'import' && k !== 'read')
              .reduce((a, [, s]) => a + s, 0)
          : undefined,
      )
      .filter((x) => x !== undefined);
    out[tool] = {
      runs: list.length,
      ok: ok.length,
      timeouts: list.filter((m) => m.status === 'timeout').length,
      failures: list.filter((m) => m.status === 'failed').map((m) => `exit ${m.code}: ${m.error}`),
      seconds: median(ok.map((m) => m.seconds)),
      each: list.map((m) => (m.status === 'ok' ? m.seconds.toFixed(2) : m.status)),
      compute: median(compute),
      read: median(ok.map((m) => m.phases?.read).filter((x) => x !== undefined)),
      peakRssMiB: median(ok.map((m) => m.peakRssMiB).filter((x) => x !== undefined)),
      ratio: median(ratios),
      ratios: ratios.map((x) => Number(x.toFixed(2))),
      load: list.map((m) => m.load.toFixed(2)),
    };
  }
  return out;
}

function printSize(rows, s, agreement) {
  console.log(`\n### ${rows.toLocaleString('en-US')} rows: median of ${repeat} round(s)\n`);
  const line = (tool) => {
    const x = s[tool];
    const note =
      x.ok === 0
        ? x.timeouts
          ? `timed out after ${timeoutS} s (${x.timeouts}/${x.runs})`
          : `failed (${x.failures[0] ?? '?'})`
        : undefined;
    return [
      tool,
      note ?? fmt(x.seconds),
      tool === 'vigil' ? '1.0×' : x.ratio === undefined ? '—' : `${fmt(x.ratio, 1)}×`,
      x.compute === undefined ? '—' : fmt(x.compute),
      x.read === undefined ? '—' : fmt(x.read),
      x.peakRssMiB === undefined ? '—' : fmt(x.peakRssMiB, 0),
      x.each.join(' / ') + (x.timeouts && x.ok ? ` (${x.timeouts} timed out after ${timeoutS} s)` : ''),
      x.load.join(' / '),
    ];
  };
  console.log(
    markdownTable([
      [
        'tool',
        'whole command s',
        'peer ÷ vigil',
        'compute s (no import/read)',
        'read_csv s',
        'peak RSS MiB',
        'each round s',
        'load avg at start',
      ],
      ...['vigil', ...available].map(line),
    ]),
  );
  if (agreement.length > 0) {
    console.log(`\nAgreement with vigil report's JSON (last round):\n`);
    console.log(
      markdownTable([
        ['peer', 'metric', 'columns', 'max |diff|', 'max rel diff', 'worst column', 'note'],
        ...agreement.map((a) => [
          a.peer,
          a.metric,
          a.columns,
          a.maxAbs.toExponential(2),
          a.maxRel.toExponential(2),
          a.worst ?? '—',
          a.note ?? '',
        ]),
      ]),
    );
  }
}

function agree(runs) {
  const report = runs.vigil.findLast((m) => m.status === 'ok')?.report;
  if (!report) return [];
  const drift = new Map(report.drift.map((d) => [d.feature, d.metrics]));
  const vigilOf = (column) => (column === 'score' ? report.prediction?.metrics : drift.get(column));
  const out = [];
  const compare = (peer, metric, pairs, note) => {
    let maxAbs = 0;
    let maxRel = 0;
    let worst;
    let n = 0;
    let zeros = 0;
    for (const [column, a, b] of pairs) {
      if (typeof a !== 'number' || typeof b !== 'number') continue;
      n++;
      if (a === 0 && b === 0) zeros++;
      const abs = Math.abs(a - b);
      const rel = abs === 0 ? 0 : abs / Math.max(Math.abs(a), Math.abs(b));
      if (rel > maxRel) worst = column;
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, rel);
    }
    const zeroNote = zeros > 0 ? `${zeros} of ${n} are 0 on both sides (underflow)` : undefined;
    if (n > 0)
      out.push({
        peer,
        metric,
        columns: n,
        maxAbs,
        maxRel,
        worst: maxRel > 0 ? worst : undefined,
        note: [note, zeroNote].filter(Boolean).join('; ') || undefined,
      });
  };
  const last = (p) => runs[p]?.findLast((m) => m.status === 'ok')?.out;
  const scipy = last('scipy');
  if (scipy) {
    const c = scipy.columns;
    compare(
      'scipy',
      'KS statistic',
      NUMERIC.map((k) => [k, c[k]?.ks, vigilOf(k)?.ks]),
    );
    compare(
      'scipy',
      'KS p-value',
      NUMERIC.map((k) => [k, c[k]?.ksPValue, vigilOf(k)?.ksPValue]),
      'asymptotic (kstwo) above 10,000 rows per sample in both',
    );
    compare(
      'scipy',
      'Wasserstein-1',
      NUMERIC.map((k) => [k, c[k]?.wasserstein, vigilOf(k)?.wasserstein]),
    );
    compare(
      'scipy',
      'chi-square statistic',
      CATEGORICAL.map((k) => [k, c[k]?.chi2, vigilOf(k)?.chi2]),
      'dof > 1: no Yates correction on either side',
    );
    compare(
      'scipy',
      'chi-square p-value',
      CATEGORICAL.map((k) => [k, c[k]?.chi2PValue, vigilOf(k)?.chi2PValue]),
    );
  }
  const nml = last('nannyml');
  if (nml && nannymlChunks > 1) {
    console.log(
      `\nNannyML ran with ${nannymlChunks} chunks: its values are per chunk (a part of the current file against the whole reference), not comparable with vigil report's; agreement left out.`,
    );
  } else if (nml) {
    const c = nml.columns;
    const estimated = Math.min(...Object.values(runs.vigil.findLast((m) => m.status === 'ok').report.rows)) >= 10_000;
    const est = estimated
      ? 'NannyML estimates it from 10,000 equal-width reference bins (≥ 10,000 reference rows)'
      : 'exact below 10,000 reference rows';
    compare(
      'nannyml',
      'KS statistic',
      NUMERIC.map((k) => [k, c[k]?.kolmogorov_smirnov, vigilOf(k)?.ks]),
      est,
    );
    compare(
      'nannyml',
      'Wasserstein-1',
      NUMERIC.map((k) => [k, c[k]?.wasserstein, vigilOf(k)?.wasserstein]),
      est,
    );
    compare(
      'nannyml',
      'chi-square statistic',
      CATEGORICAL.map((k) => [k, c[k]?.chi2, vigilOf(k)?.chi2]),
      'same definition (dof > 1)',
    );
    compare(
      'nannyml',
      'Jensen–Shannon, categorical',
      CATEGORICAL.map((k) => [
        k,
        c[k]?.jensen_shannon === undefined || c[k]?.jensen_shannon === null
          ? undefined
          : c[k].jensen_shannon * Math.sqrt(Math.LN2),
        vigilOf(k)?.js,
      ]),
      'NannyML base 2, × √ln 2',
    );
    compare(
      'nannyml',
      'Hellinger, categorical',
      CATEGORICAL.map((k) => [k, c[k]?.hellinger, vigilOf(k)?.hellinger]),
    );
    compare(
      'nannyml',
      'Jensen–Shannon, numeric',
      FEATURES.map((k) => [k, c[k]?.jensen_shannon * Math.sqrt(Math.LN2), vigilOf(k)?.js]),
      'different bins (NannyML: numpy "doane" on the reference; Vigil: reference deciles): not expected to agree',
    );
  }
  const ev = last('evidently');
  if (ev) {
    const c = ev.columns;
    compare(
      'evidently',
      'normed Wasserstein',
      FEATURES.filter((k) => /wasserstein/i.test(c[k]?.method ?? '')).map((k) => [
        k,
        c[k].value,
        vigilOf(k)?.wassersteinNormed,
      ]),
      'columns Evidently scores with Wasserstein (> 5 distinct values)',
    );
    compare(
      'evidently',
      'Jensen–Shannon, categorical',
      CATEGORICAL.filter((k) => /jensen/i.test(c[k]?.method ?? '')).map((k) => [k, c[k].value, vigilOf(k)?.js]),
      'over category counts, natural log, in both',
    );
  }
  return out;
}

function strip(runs) {
  return Object.fromEntries(
    Object.entries(runs).map(([tool, list]) => [
      tool,
      list.map(({ stdout: _o, stderr: _e, report: _r, out, ...rest }) => ({
        ...rest,
        columns: out?.columns,
        version: out?.nannyml ?? out?.scipy ?? out?.evidently,
      })),
    ]),
  );
}

function peerVersions() {
  const code = `
import json, os, sys
os.environ.setdefault('NML_DISABLE_USAGE_LOGGING', '1')
out = {'python': sys.version.split()[0], 'errors': {}}
for name, mod in (('scipy', 'scipy'), ('nannyml', 'nannyml'), ('evidently', 'evidently'), ('pandas', 'pandas'), ('numpy', 'numpy')):
    try:
        out[name] = __import__(mod).__version__
    except Exception as e:
        out['errors'][name] = repr(e)
print(json.dumps(out))`;
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) fail(`bench/.venv/bin/python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
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

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function markdownTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((x, i) => String(x).padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function fmt(x, digits = 2) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

function mb(path) {
  return (statSync(path).size / 1e6).toFixed(1);
}

function fail(message) {
  console.error(`batch-peers: ${message}`);
  process.exit(1);
}

#!/usr/bin/env node
/**
 * The daemon's start-up with many models (issue 17): `vigil run --source` on an empty NDJSON file, so nothing but the
 * start-up runs (no Kafka: the group join is not in these figures; bench/ingest.mjs times it), started `--starts`
 * times one after the other on one fresh database: the first start fits every reference file, the later ones find
 * the fits an earlier start kept (decision 0034).
 *
 *   node bench/startup.mjs [--models 1000] [--reference-files 1] [--reference-rows 20000] [--starts 2] [--cpu-prof DIR] [--keep]
 *
 * `--reference-files K`: K distinct reference files (different seeds), the models spread over them in turn; 1 is
 * what bench/fleet.mjs and bench/ingest.mjs configure (every model on one file). Per start: seconds from the spawn to
 * "vigil run started" (from the daemon's JSON log), the process's CPU seconds and peak RSS (`/usr/bin/time`). A
 * build without decision 0034 (VIGIL_BENCH_BIN) fits at every start. Needs `pnpm run build` and PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchArgs,
  benchRun,
  createDatabase,
  dropDatabase,
  featureSet,
  machine,
  modelYaml,
  table,
  vigilBin,
  writeReferenceCsv,
} from './lib-stream.mjs';

const args = benchArgs(
  'startup',
  'Usage: node bench/startup.mjs [--models N] [--reference-files K] [--reference-rows R] [--starts S] [--cpu-prof DIR] [--json FILE] [--keep]',
  {
    models: { type: 'string', default: '1000' },
    'reference-files': { type: 'string', default: '1' },
    starts: { type: 'string', default: '2' },
  },
  ['models', 'reference-files', 'starts'],
);
const run = benchRun('startup', { keep: args.keep });
const { serverUrl, id, dir, databases, log } = run;

try {
  const m = machine();
  log(`machine: nproc ${m.nproc}, ${m.ramGiB} GiB RAM, node ${m.node}, load ${m.load}, ${m.date}; ${vigilBin}`);
  const features = featureSet(14, 6);
  const files = [];
  for (let i = 0; i < Number(args['reference-files']); i++) {
    const file = join(dir, `reference-${i}.csv`);
    await writeReferenceCsv(file, features, Number(args['reference-rows']), 7 + i);
    files.push(file);
  }
  const models = Array.from({ length: Number(args.models) }, (_, i) => `startup-${String(i).padStart(4, '0')}`);
  const url = await createDatabase(serverUrl, `${id}_db`);
  databases.push(`${id}_db`);
  const config = join(dir, 'vigil.yaml');
  writeFileSync(
    config,
    [
      `database:`,
      `  url: ${url}`,
      `http: { port: 0 }`,
      `models:`,
      models.map((mid, i) => modelYaml(mid, features, files[i % files.length])).join('\n'),
      '',
    ].join('\n'),
  );
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  const results = [];
  for (let s = 0; s < Number(args.starts); s++) {
    const logFile = join(dir, `daemon-${s}.log`);
    const timeFile = join(dir, `time-${s}.txt`);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const spawnedAt = Date.now();
    const code = await new Promise((done) => {
      const child = spawn(
        '/usr/bin/time',
        [
          '-f',
          '%U %S %M',
          '-o',
          timeFile,
          process.execPath,
          ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(args['cpu-prof'], `start-${s + 1}`)] : []),
          vigilBin,
          'run',
          '-c',
          config,
          '--source',
          empty,
        ],
        { env: daemonEnv(url), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const chunks = [];
      child.stderr.on('data', (c) => chunks.push(c));
      child.on('exit', (c) => {
        writeFileSync(logFile, Buffer.concat(chunks));
        done(c);
      });
    });
    if (code !== 0) throw new Error(`the daemon exited with ${code}; see ${logFile}`);
    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const at = (msg) => {
      const r = lines.find((l) => l.msg === msg);
      return r === undefined ? undefined : (Date.parse(r.time) - spawnedAt) / 1000;
    };
    // Fits made and kept, from the summary line; a build without it fitted every model's file.
    const summary = lines.find((l) => l.msg?.startsWith('reference files:'));
    const fitted =
      summary?.fitted ?? lines.filter((l) => l.msg === 'reference profile fitted from the configured file').length;
    const kept = summary?.kept ?? 0;
    const [user, sys, maxKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    const result = {
      start: s + 1,
      load,
      daemonStateS: at('daemon state'),
      startedS: at('vigil run started'),
      cpuS: user + sys,
      peakRssMiB: maxKiB / 1024,
      fitsMade: fitted,
      fitsKept: kept,
    };
    results.push(result);
    log(JSON.stringify(result));
  }
  console.log(
    `\nStart-up of vigil run: ${models.length} models (20 features), ${files.length} reference file(s) of ${args['reference-rows']} rows`,
  );
  console.log(
    table(
      [
        'start',
        'load',
        's to "daemon state"',
        's to "started"',
        'CPU s (whole run)',
        'peak RSS MiB',
        'fits made / kept',
      ],
      results.map((r) => [
        r.start,
        r.load,
        r.daemonStateS?.toFixed(2),
        r.startedS?.toFixed(2),
        r.cpuS.toFixed(2),
        r.peakRssMiB.toFixed(0),
        `${r.fitsMade} / ${r.fitsKept}`,
      ]),
    ),
  );
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: m, args, results }, null, 2));
  await dropDatabase(serverUrl, `${id}_db`);
  databases.splice(0);
} catch (error) {
  console.error(`[startup] failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await run.cleanup();
}

/** The environment of a daemon: this database, JSON logs at info, and no Kafka (the source is a file). */
function daemonEnv(url) {
  const env = { ...process.env, VIGIL_DATABASE_URL: url, VIGIL_LOG_LEVEL: 'info', VIGIL_LOG_FORMAT: 'json' };
  delete env.VIGIL_KAFKA_BROKERS;
  delete env.VIGIL_REDIS_URL;
  return env;
}

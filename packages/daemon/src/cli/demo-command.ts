/**
 * `vigil demo`: by default the flights of January–June 2001 through the streaming pipeline (packages/demo,
 * flights-demo.ts); with `--adult`, the fairness story on the UCI Adult census data through the report path. The
 * demos live in @vigil/demo, below the daemon: this command hands them the daemon's pieces they use (`DemoHost`).
 */
import { resolve } from 'node:path';
import { VigilError, parseDuration } from '@vigil/core';
import { flightsPath, runAdultDemo, runFlightsDemo, type DemoHost } from '@vigil/demo';
import { batchSpec } from '../pipeline/batch-buckets';
import { renderReportHtml } from '../report/render-html';
import { Daemon, kafkaDaemonSource } from '../run/daemon';
import { writeDashboards } from './dashboards-command';
import { summarizeReport } from './summarize-report';
import { vigilVersion } from '../version';
import { writeCsv } from '../write-csv';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { prepareOutputDirectory } from './output-path';

/** Every 5th flight: about 500,000 events, a couple of minutes on two cores (docs/demo.md). */
export const DEFAULT_EVERY = 5;

const USAGE = `Usage: vigil demo [--out DIR] [--every K | --all] [--limit N]
                  [--database URL [--schema NAME]] [--redis URL] [--kafka HOST:PORT,...]
       vigil demo --adult [--data adult.data] [--out DIR]

Replays 3 million real US flights (January–June 2001, npm package vega-datasets) through the whole
pipeline: a model trained on January predicts delays over 15 minutes; February–June stream as prediction
events (delay included) through decoding, windows, analysis, metric rows and alert rules; the alerts the
model's owner receives are printed as they arrive. Writes an HTML report, a JSON summary and the Grafana
dashboards to DIR. Needs no services: embedded PGlite, a file source and the in-process alert queue, unless
--database, --redis or --kafka point it at running ones.
`;

const OPTIONS = {
  out: { type: 'string', value: 'DIR', help: 'where to write (default ./out; created when missing)' },
  every: { type: 'string', value: 'K', help: `stream every K-th February–June flight (default ${DEFAULT_EVERY})` },
  all: { type: 'boolean', help: 'stream every flight (about 2.5 million events; several minutes)' },
  limit: { type: 'string', value: 'N', help: 'stop after N streamed events' },
  database: { type: 'string', value: 'URL', help: 'a running PostgreSQL instead of embedded PGlite' },
  schema: {
    type: 'string',
    value: 'NAME',
    help: "the schema for the demo's tables there (default vigil_demo_<time>, so runs never mix)",
  },
  redis: {
    type: 'string',
    value: 'URL',
    help: 'a running Redis for the alert queue (BullMQ) instead of the in-process queue',
  },
  kafka: {
    type: 'string',
    value: 'BROKERS',
    help: "running Kafka brokers: the events are produced to a topic of the run's own\n(vigil-demo-<time>.predictions) and consumed from it instead of the file source",
  },
  window: {
    type: 'string',
    value: 'SIZE',
    help: 'window size (default 7d: weeks from Thursday, as February 1, 2001 was)',
  },
  slide: { type: 'string', value: 'SIZE', help: 'window slide (default: the size, windows that do not overlap)' },
  'batch-size': { type: 'string', value: 'N', help: 'events per source batch (default 2000)' },
  'top-airports': {
    type: 'string',
    value: 'N',
    help: 'origin and destination airports the model knows: January’s N busiest, the rest "other" (default 15)',
  },
  epochs: { type: 'string', value: 'N', help: "training epochs of the demo's logistic regression (default 150)" },
  data: { type: 'string', value: 'FILE', help: 'another copy of flights-3m.parquet (or of adult.data with --adult)' },
  adult: { type: 'boolean', help: 'the UCI Adult fairness demo (sex, race) on the report path instead' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function demoCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil demo', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const out = values.out ?? 'out';
  // What the demos write to stderr is progress and notes: --quiet drops it (failures are thrown, so main reports them).
  const demoIo: CommandIo = io.quiet ? { ...io, stderr: () => undefined } : io;
  if (values.adult) {
    prepareOutputDirectory(resolve(io.cwd, out), 'vigil demo --adult');
    await runAdultDemo(demoIo, demoHost(), values.data, out);
    return EXIT.ok;
  }
  if (values.all && values.every !== undefined)
    throw new VigilError('VIGIL_USAGE', 'vigil demo: --all and --every exclude each other');
  if (values.schema !== undefined && values.database === undefined)
    throw new VigilError('VIGIL_USAGE', 'vigil demo: --schema needs --database');
  const windowSize = values.window ?? '7d';
  const windowSlide = values.slide ?? windowSize;
  for (const [name, value] of [
    ['--window', windowSize],
    ['--slide', windowSlide],
  ] as const) {
    try {
      parseDuration(value);
    } catch {
      throw new VigilError('VIGIL_USAGE', `vigil demo: ${name} ${value} is not a duration (like 7d, 12h)`);
    }
  }
  const limit = values.limit === undefined ? undefined : positiveInteger('--limit', values.limit);
  // Checked before a minute of reading and training, not after.
  prepareOutputDirectory(resolve(io.cwd, out), 'vigil demo');
  await runFlightsDemo(
    {
      io: demoIo,
      tty: io.stderrIsTTY === true,
      dataPath: values.data === undefined ? flightsPath() : resolve(io.cwd, values.data),
      outDir: resolve(io.cwd, out),
      every: values.all ? 1 : values.every === undefined ? DEFAULT_EVERY : positiveInteger('--every', values.every),
      ...(limit !== undefined ? { limit } : {}),
      ...(values.database !== undefined
        ? { databaseUrl: values.database, schema: values.schema ?? `vigil_demo_${compactTime(new Date())}` }
        : {}),
      ...(values.redis !== undefined ? { redisUrl: values.redis } : {}),
      ...(values.kafka !== undefined ? { kafkaBrokers: values.kafka.split(',').map((b) => b.trim()) } : {}),
      batchSize: values['batch-size'] === undefined ? 2000 : positiveInteger('--batch-size', values['batch-size']),
      windowSize,
      windowSlide,
      topAirports:
        values['top-airports'] === undefined ? 15 : positiveInteger('--top-airports', values['top-airports']),
      epochs: values.epochs === undefined ? 150 : positiveInteger('--epochs', values.epochs),
    },
    demoHost(),
  );
  return EXIT.ok;
}

/** What the demos use of the daemon (packages/demo/src/demo-host.ts says why they are handed it). */
function demoHost(): DemoHost {
  return {
    version: vigilVersion(),
    runDaemon: (options) => new Daemon(options).run(),
    kafkaSource: kafkaDaemonSource,
    batchSpec,
    renderReportHtml,
    summarizeReport: (report) => summarizeReport(report),
    writeCsv,
    writeDashboards: (dir) => writeDashboards(dir),
  };
}

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n > 0))
    throw new VigilError('VIGIL_USAGE', `vigil demo: ${name} must be a positive integer, got ${text}`);
  return n;
}

/** 20261130T084500 → a schema-safe suffix. */
function compactTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15).toLowerCase();
}

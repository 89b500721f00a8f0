import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createLogger, isVigilError, VigilError, type LogFormat, type LogLevel } from '@vigil/core';
import { configuredTopics, Daemon, fileDaemonSource, kafkaDaemonSource } from '../run/daemon';
import { ANALYSIS_DEFAULTS } from '../run/stream-runner';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { kafkaConnection } from './kafka-connection';
import { catchStopSignals } from './stop-signals';
import { tableFileFormat } from './table-file-format';
import { databaseTarget, describeTarget, openStore } from './database';

/** How often orphan labels, expiries and windows left due by others are looked at. */
const MAINTAIN_EVERY_MS = 5000;

const USAGE = `Usage: vigil run -c vigil.yaml [--source FILE|- [--follow]] [--log-level info] [--log-format text|json]

The daemon: consumes prediction and label events from Kafka (or, with --source, from an NDJSON file or standard
input, with no Kafka needed; docs/streaming.md, "Without Kafka"), keeps the window accumulators in the database with
exactly-once effect, analyses every window as it closes (and again when late labels change it), and serves the
HTTP API, until SIGTERM or SIGINT; then it finishes the batch in flight and stops. Breaches of the rules open
incidents and notify the owners through the escalation policies (BullMQ on the configured Redis, else an in-process
queue); pausing a model publishes the control event to the control topic.
Brokers come from the configuration's kafka section or VIGIL_KAFKA_BROKERS; the database from its database
section or VIGIL_DATABASE_URL (else the embedded one in ./.vigil/pglite); Redis from its redis section or
VIGIL_REDIS_URL. Links in notifications use VIGIL_PUBLIC_URL (this API) and VIGIL_GRAFANA_URL when set.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration (docs/configuration.md); required' },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    help: 'debug, info, warn, error or silent (default: VIGIL_LOG_LEVEL, else info; warn with --quiet)',
  },
  'log-format': {
    type: 'string',
    value: 'FORMAT',
    help: 'text (readable lines) or json (one object a line); default: VIGIL_LOG_FORMAT,\nelse text when stderr is a terminal and json otherwise',
  },
  source: {
    type: 'string',
    value: 'FILE',
    help: 'read prediction and label events (NDJSON) from FILE, or - for standard input,\ninstead of Kafka; without --follow the daemon stops at the end of the file',
  },
  follow: { type: 'boolean', help: 'with --source FILE: keep reading as the file grows, until SIGTERM' },
  'maintain-every-ms': {
    type: 'string',
    value: 'MS',
    help: `how often orphan labels, expiries and windows left due are looked at (default ${MAINTAIN_EVERY_MS})`,
  },
  'max-analysis-lag-ms': {
    type: 'string',
    value: 'MS',
    help: `not ready (/readyz 503) while window analysis is further behind ingest than this (default ${ANALYSIS_DEFAULTS.maxLagMs})`,
  },
  help: HELP_OPTION,
} satisfies CommandOptions;

const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil run', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  if (values.config === undefined) throw new VigilError('VIGIL_USAGE', 'vigil run: -c vigil.yaml is required');
  const level = (values['log-level'] ?? io.env.VIGIL_LOG_LEVEL ?? (io.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level))
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil run: --log-level "${level}" is not one of debug, info, warn, error, silent`,
    );
  const format = (values['log-format'] ?? io.env.VIGIL_LOG_FORMAT ?? (io.stderrIsTTY ? 'text' : 'json')) as LogFormat;
  if (!LOG_FORMATS.includes(format))
    throw new VigilError('VIGIL_USAGE', `vigil run: --log-format "${format}" is not one of ${LOG_FORMATS.join(', ')}`);
  const maintainEvery =
    values['maintain-every-ms'] === undefined ? MAINTAIN_EVERY_MS : Number(values['maintain-every-ms']);
  if (!(Number.isFinite(maintainEvery) && maintainEvery > 0))
    throw new VigilError('VIGIL_USAGE', `vigil run: --maintain-every-ms must be a positive number`);
  const maxLagMs =
    values['max-analysis-lag-ms'] === undefined ? ANALYSIS_DEFAULTS.maxLagMs : Number(values['max-analysis-lag-ms']);
  if (!(Number.isFinite(maxLagMs) && maxLagMs > 0))
    throw new VigilError('VIGIL_USAGE', `vigil run: --max-analysis-lag-ms must be a positive number`);

  if (values.follow && values.source === undefined)
    throw new VigilError('VIGIL_USAGE', 'vigil run: --follow goes with --source FILE');
  if (values.follow && values.source === '-')
    throw new VigilError(
      'VIGIL_USAGE',
      'vigil run: --follow reads a growing file; standard input is read to its end anyway',
    );

  if (values.source !== undefined && values.source !== '-') {
    // Before anything starts: a source that cannot be read is a usage error, not a daemon that stops at once.
    await access(resolve(io.cwd, values.source), constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new VigilError(
        'VIGIL_FILE_NOT_FOUND',
        `vigil run: --source ${values.source}: cannot be read (${error.code === 'ENOENT' ? 'no such file' : error.message})`,
      );
    });
    const table = await tableFileFormat(resolve(io.cwd, values.source));
    if (table !== undefined)
      throw new VigilError(
        'VIGIL_FILE_FORMAT',
        `vigil run: --source ${values.source} is a ${table} file, and --source reads prediction and label events as NDJSON, one JSON object a line (docs/events.md); to analyse a file of predictions against a reference, use vigil report --reference REF --current ${values.source}`,
      );
  }
  const { target, config } = await databaseTarget(io, values.config);
  if (!config) throw new VigilError('VIGIL_INTERNAL', 'configuration not loaded');
  if (!config.kafka && values.source === undefined) {
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil run: ${values.config} has no kafka section and VIGIL_KAFKA_BROKERS is not set; give one, or read events from a file with --source FILE (or - for standard input)`,
    );
  }
  const logger = createLogger({
    level,
    format,
    color: io.stderrColor.enabled,
    write: (line) => io.stderr(`${line}\n`),
  });
  const configDir = dirname(resolve(io.cwd, values.config));
  const kafka = config.kafka;
  const connection = kafka ? kafkaConnection(kafka, configDir, logger) : undefined;
  const groupId = kafka?.groupId ?? 'vigil';
  // A file's events are offsets of topics named after the file, so a restart resumes the file where it stopped and
  // never mixes with a Kafka topic's offsets in the same database; standard input is new every time.
  const sourceName =
    values.source === undefined
      ? undefined
      : values.source === '-'
        ? `stdin:${new Date().toISOString()}`
        : `file:${resolve(io.cwd, values.source)}`;
  const topics = sourceName ? { predictions: sourceName, labels: `${sourceName}#labels` } : kafka!.topics;
  const source =
    values.source !== undefined
      ? fileDaemonSource({
          path: values.source === '-' ? '-' : resolve(io.cwd, values.source),
          ...(values.source === '-' ? { input: io.stdinStream?.() ?? Readable.from([]) } : {}),
          follow: values.follow === true,
          topics,
        })
      : kafkaDaemonSource(connection!, {
          groupId,
          topics: [kafka!.topics.predictions, kafka!.topics.labels],
          required: configuredTopics(kafka!.topics),
          sessionTimeoutMs: kafka!.sessionTimeoutMs,
          fetch: kafka!.fetch,
          consumers: kafka!.consumers,
        });
  const links = {
    ...(io.env.VIGIL_PUBLIC_URL ? { publicUrl: io.env.VIGIL_PUBLIC_URL } : {}),
    ...(io.env.VIGIL_GRAFANA_URL ? { grafanaUrl: io.env.VIGIL_GRAFANA_URL } : {}),
  };
  const daemon = new Daemon({
    name: 'vigil run',
    config,
    configDir,
    openStore: () => openStore(target),
    database: describeTarget(target),
    logger,
    groupId,
    topics,
    source,
    ...(connection ? { kafka: connection } : {}),
    maintainEveryMs: maintainEvery,
    // Windows are analysed beside ingest: a batch returns once committed (docs/streaming.md, "Analysis beside ingest").
    analysis: { background: true, maxLagMs },
    alerting: { links },
  });
  // Before "started" is logged: whoever waits for that line may stop the daemon at once, and must get a clean stop.
  const stop = io.stopSignals ?? catchStopSignals();
  void stop.received.then(() => daemon.stop());
  try {
    const outcome = await daemon.run();
    if (outcome.state === 'failed') {
      // A Vigil error (Kafka cannot be reached, refuses the credentials or the certificate) is one line from main.
      if (isVigilError(outcome.error)) throw outcome.error;
      return EXIT.internal;
    }
    return EXIT.ok;
  } finally {
    stop.dispose();
  }
}

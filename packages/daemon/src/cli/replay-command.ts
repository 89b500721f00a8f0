import { dirname, resolve } from 'node:path';
import { VigilError, loadConfig } from '@vigil/core';
import { PRODUCE_COMPRESSIONS, produceFile, type ProduceCompression } from '@vigil/collector';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { kafkaConnection, withKafka } from './kafka-connection';

const USAGE = `Usage: vigil replay FILE [--topic vigil.predictions] [--rate N] [--compression none|gzip|snappy|lz4]
                    [-c vigil.yaml | --brokers host:port,...]

Produces an NDJSON file of events to Kafka, one message per line, keyed by the event's model (back-fills, demos,
and re-submitting dead letters after a fix). Brokers come from --brokers, else VIGIL_KAFKA_BROKERS, else the
configuration.
`;

const OPTIONS = {
  topic: {
    type: 'string',
    value: 'TOPIC',
    help: "where to produce (default: the configuration's predictions topic, else vigil.predictions)",
  },
  rate: { type: 'string', value: 'N', help: 'at most N events per second (default: as fast as Kafka takes them)' },
  compression: {
    type: 'string',
    value: 'CODEC',
    help: `compress batches with ${PRODUCE_COMPRESSIONS.join(', ')} (default none)`,
  },
  brokers: {
    type: 'string',
    value: 'HOST:PORT,...',
    help: 'the Kafka brokers (default: VIGIL_KAFKA_BROKERS, else the configuration)',
  },
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    help: 'the configuration, for its brokers, topics, TLS and SASL',
  },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('vigil replay', {
    args: [...argv],
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push('one FILE is required');
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0))
    problems.push(`--rate "${values.rate}" must be a positive number of events per second`);
  const compression = values.compression as ProduceCompression | undefined;
  if (compression !== undefined && !PRODUCE_COMPRESSIONS.includes(compression)) {
    problems.push(
      `--compression "${compression}" is not one of ${PRODUCE_COMPRESSIONS.join(', ')} (Vigil reads zstd topics but cannot write them)`,
    );
  }
  const config =
    values.config === undefined ? undefined : await loadConfig(resolve(io.cwd, values.config), io.env, values.config);
  const brokers =
    (values.brokers ?? io.env.VIGIL_KAFKA_BROKERS)
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ?? config?.kafka?.brokers;
  if (!brokers || brokers.length === 0)
    problems.push('no Kafka brokers: pass --brokers, a configuration with kafka.brokers, or set VIGIL_KAFKA_BROKERS');
  if (problems.length > 0) throw new VigilError('VIGIL_USAGE', `vigil replay: ${problems.join('; ')}\n\n${USAGE}`);

  const topic = values.topic ?? config?.kafka?.topics.predictions ?? 'vigil.predictions';
  const security = config?.kafka
    ? kafkaConnection(config.kafka, values.config === undefined ? io.cwd : dirname(resolve(io.cwd, values.config)))
    : undefined;
  const result = await withKafka(brokers as readonly string[], `vigil replay: cannot produce to ${topic}`, () =>
    produceFile(resolve(io.cwd, positionals[0] as string), {
      brokers: [...(brokers as readonly string[])],
      topic,
      ...(rate !== undefined ? { rate } : {}),
      ...(compression !== undefined ? { compression } : {}),
      // TLS and SASL as vigil run uses them (the configuration holds file paths; the client wants their contents).
      ...(security?.ssl !== undefined ? { ssl: security.ssl } : {}),
      ...(security?.sasl !== undefined ? { sasl: security.sasl } : {}),
    }),
  );
  io.stdout(
    `Produced ${result.produced} event${result.produced === 1 ? '' : 's'} to ${topic} in ${(result.durationMs / 1000).toFixed(1)} s` +
      `${result.unkeyed > 0 ? ` (${result.unkeyed} without a model key: they will be dead-lettered unless fixed)` : ''}\n`,
  );
  return EXIT.ok;
}

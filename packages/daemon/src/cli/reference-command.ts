import { dirname, resolve } from 'node:path';
import { VigilError, type ModelConfig, type VigilConfig } from '@vigil/core';
import { fitModelReference } from '../pipeline/fit-reference';
import { fitRangeReference, type RangeFit } from '../pipeline/range-reference';
import { profileFingerprint } from '../run/version-profiles';
import { kafkaConnection, withKafka } from './kafka-connection';
import { commandHelp, type CommandOptions, HELP_OPTION, instantOption, parseCommandArgs } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, describeTarget, openStore } from './database';
import { findModel } from './find-model';

const USAGE = `Usage: vigil reference fit -c vigil.yaml --model ID --file FILE [--version V] [--score-column score]
       vigil reference fit -c vigil.yaml --model ID --from TIME --to TIME [--version V]

Fits the reference profile of a model version and stores it: every window of that version is compared with it.
From a file (CSV, NDJSON or Parquet) with the model's configured features; or from the model's logged traffic:
its prediction events (any version) with an event time from --from (inclusive) to --to (exclusive), ISO-8601
instants, read from the configured predictions topic.
`;

const OPTIONS = {
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    help: 'the configuration, for the model, its database and Kafka; required',
  },
  model: { type: 'string', value: 'ID', help: 'the configured model; required' },
  file: { type: 'string', value: 'FILE', help: 'fit from this CSV, NDJSON or Parquet file' },
  from: {
    type: 'string',
    value: 'TIME',
    help: 'fit from the logged traffic since this ISO-8601 instant (inclusive), with --to',
  },
  to: { type: 'string', value: 'TIME', help: 'until this ISO-8601 instant (exclusive)' },
  version: {
    type: 'string',
    value: 'V',
    help: 'the model version whose windows use the profile (default unversioned)',
  },
  'score-column': { type: 'string', value: 'NAME', help: 'the score column of --file (default score)' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function referenceCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil reference fit', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const missing = (['config', 'model'] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`);
  const range = values.from !== undefined || values.to !== undefined;
  if (values.file === undefined && !range) missing.push('--file, or --from and --to');
  if (missing.length > 0)
    throw new VigilError('VIGIL_USAGE', `vigil reference fit: ${missing.join(', ')} required\n\n${USAGE}`);
  if (values.file !== undefined && range)
    throw new VigilError('VIGIL_USAGE', `vigil reference fit: give --file or --from/--to, not both\n\n${USAGE}`);
  // Only --from/--to read Kafka; --file needs no brokers.
  const { target, config } = await databaseTarget(io, values.config, range ? 'required' : 'optional');
  const model = findModel(
    config as VigilConfig,
    values.model as string,
    values.config as string,
    'vigil reference fit',
  );

  const fitted = range
    ? await fitFromTopic(model, values.from, values.to, config as VigilConfig, values.config as string, io)
    : undefined;
  const fit =
    fitted ?? (await fitModelReference(model, resolve(io.cwd, values.file as string), values['score-column']));
  const { profile, rows } = fit;
  // A range of traffic has no labels: only a file's labels can fail to give an estimate.
  const noEstimate = 'noEstimate' in fit ? fit.noEstimate : undefined;
  const version = values.version ?? 'unversioned';
  const store = await openStore(target);
  try {
    // A version whose traffic is binned already keeps that profile (VersionProfiles): storing another would do nothing.
    const pinned = await store.profiles.loadPinned(model.id, version);
    if (pinned && pinned.fingerprint !== profileFingerprint(profile)) {
      throw new VigilError(
        'VIGIL_CONFLICT',
        `vigil reference fit: ${model.id} version ${version} has been binned with another profile since ${new Date(pinned.pinnedAt).toISOString()}, which it keeps (its windows add counts over the same bins); deploy the new reference as a new version`,
      );
    }
    await store.profiles.saveReference(model.id, version, profile);
  } finally {
    await store.close();
  }
  io.stdout(
    `Stored the reference profile of ${model.id} version ${version}: ${rows} ${fitted ? `events (of ${fitted.messages} messages read)` : 'rows'}, ${profile.features.length} features` +
      `${profile.score ? ', and the score' : ''} (${describeTarget(target)})\n`,
  );
  if (noEstimate !== undefined)
    io.stderr(`warning: no performance estimate for ${model.id} version ${version}: ${noEstimate}\n`);
  return EXIT.ok;
}

async function fitFromTopic(
  model: ModelConfig,
  from: string | undefined,
  to: string | undefined,
  config: VigilConfig,
  configPath: string,
  io: CommandIo,
): Promise<RangeFit> {
  const fromMs = instant('--from', from);
  const toMs = instant('--to', to);
  if (!(fromMs < toMs))
    throw new VigilError('VIGIL_USAGE', `vigil reference fit: --to (${to}) must be after --from (${from})`);
  const kafka = config.kafka;
  if (!kafka)
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil reference fit: --from/--to read the logged traffic from Kafka, but ${configPath} has no kafka section and VIGIL_KAFKA_BROKERS is not set`,
    );
  const connection = kafkaConnection(kafka, dirname(resolve(io.cwd, configPath)));
  return withKafka(kafka.brokers, `vigil reference fit: cannot read ${kafka.topics.predictions}`, () =>
    fitRangeReference(model, { from: fromMs, to: toMs }, { ...connection, topic: kafka.topics.predictions }),
  );
}

function instant(option: string, text: string | undefined): number {
  const ms = instantOption('vigil reference fit', option, text);
  if (ms === undefined)
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil reference fit: ${option} must be an ISO-8601 instant such as 2026-11-01T00:00:00Z, got nothing`,
    );
  return ms;
}

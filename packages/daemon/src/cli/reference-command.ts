import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VigilError, type VigilConfig } from '@vigil/core';
import { fitModelReference } from '../pipeline/fit-reference';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, describeTarget, openStore } from './database';
import { findModel } from './find-model';

const USAGE = `Usage: vigil reference fit -c vigil.yaml --model ID --file FILE [--version V]
         [--score-column score]

Fits the reference profile of a model version from a file (CSV, NDJSON or Parquet) with the model's configured
features, and stores it: every window of that version is compared with it.
`;

export async function referenceCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c' },
      model: { type: 'string' },
      file: { type: 'string' },
      version: { type: 'string' },
      'score-column': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const missing = (['config', 'model', 'file'] as const).filter((k) => values[k] === undefined).map((k) => `--${k}`);
  if (missing.length > 0) throw new VigilError('VIGIL_USAGE', `vigil reference fit: ${missing.join(', ')} required\n\n${USAGE}`);
  const { target, config } = await databaseTarget(io, values.config);
  const model = findModel(config as VigilConfig, values.model as string, values.config as string, 'vigil reference fit');

  const { profile, rows } = await fitModelReference(model, resolve(io.cwd, values.file as string), values['score-column']);
  const version = values.version ?? 'unversioned';
  const store = await openStore(target);
  try {
    await store.saveReferenceProfile(model.id, version, profile);
  } finally {
    await store.close();
  }
  io.stdout(
    `Stored the reference profile of ${model.id} version ${version}: ${rows} rows, ${profile.features.length} features` +
      `${profile.score ? ', and the score' : ''} (${describeTarget(target)})\n`,
  );
  return EXIT.ok;
}

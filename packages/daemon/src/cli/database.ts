import { resolve } from 'node:path';
import { loadConfig, type VigilConfig } from '@vigil/core';
import {
  createPgliteClient,
  createPostgresClient,
  createStore,
  redactUrl,
  type SqlClient,
  type Store,
} from '@vigil/store';
import type { CommandIo } from './command-io';

/**
 * Where commands find the database: the configuration's `database.url` (which VIGIL_DATABASE_URL overrides), else
 * VIGIL_DATABASE_URL, else the embedded PGlite database under ./.vigil/pglite (docs/configuration.md, "database").
 */
export interface DatabaseTarget {
  url?: string;
  dataDir: string;
}

/**
 * `brokers`: whether the configuration must name Kafka brokers when it has a kafka section. `'optional'` for commands
 * that do not connect to Kafka, or take the brokers from elsewhere first (`dlq replay --brokers`): a file whose
 * brokers come from VIGIL_KAFKA_BROKERS then loads in a shell that has not exported it (see `ConfigNeeds`).
 */
export async function databaseTarget(
  io: CommandIo,
  configPath: string | undefined,
  brokers: 'required' | 'optional' = 'required',
): Promise<{ target: DatabaseTarget; config?: VigilConfig }> {
  const needs = { kafkaBrokers: brokers === 'required' };
  const config =
    configPath === undefined ? undefined : await loadConfig(resolve(io.cwd, configPath), io.env, configPath, needs);
  const url = config ? config.database?.url : io.env.VIGIL_DATABASE_URL;
  const dataDir = resolve(io.cwd, '.vigil/pglite');
  return { target: url ? { url, dataDir } : { dataDir }, ...(config ? { config } : {}) };
}

export function describeTarget(target: DatabaseTarget): string {
  return target.url ? `PostgreSQL at ${redactUrl(target.url)}` : `embedded PGlite database in ${target.dataDir}`;
}

export function openClient(target: DatabaseTarget): Promise<SqlClient> {
  return target.url
    ? Promise.resolve(createPostgresClient({ url: target.url }))
    : createPgliteClient({ dataDir: target.dataDir });
}

export function openStore(target: DatabaseTarget): Promise<Store> {
  return createStore(target.url ? { url: target.url } : { dataDir: target.dataDir });
}

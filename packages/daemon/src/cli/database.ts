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

export async function databaseTarget(
  io: CommandIo,
  configPath: string | undefined,
): Promise<{ target: DatabaseTarget; config?: VigilConfig }> {
  const config =
    configPath === undefined ? undefined : await loadConfig(resolve(io.cwd, configPath), io.env, configPath);
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

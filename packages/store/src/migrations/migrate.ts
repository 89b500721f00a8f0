import { createHash } from 'node:crypto';
import { VigilError, silentLogger, type Logger } from '@vigil/core';
import type { SqlClient } from '../sql/sql-client';
import { quoteIdentifier } from '../sql/postgres-client';
import { MIGRATIONS, type Migration } from './migrations';

/** First key of the advisory lock; the second is the schema's hash, so separate schemas migrate independently. */
const MIGRATION_LOCK = 0x76696731; // "vig1"

export interface MigrateOptions {
  /** The schema the client's search_path points at; created when missing. @defaultValue `public` */
  schema?: string;
  logger?: Logger;
  /** For tests of the migrator itself. @defaultValue every migration of this build */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** Ids applied by this call (empty when the database was already current). */
  applied: number[];
}

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Brings the schema up to date in one transaction under a transaction-scoped advisory lock: a second process
 * starting at the same moment waits for the lock, then finds every migration recorded and applies nothing.
 * Everything, including creating the bookkeeping table, happens under the lock, because two concurrent
 * `CREATE TABLE IF NOT EXISTS` can still collide in the catalogue.
 */
export async function migrate(client: SqlClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = options.schema ?? 'public';
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.id - b.id);
  const logger = (options.logger ?? silentLogger).child({ component: 'store.migrate' });
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))', [MIGRATION_LOCK, schema]);
    // Checked first rather than `CREATE SCHEMA IF NOT EXISTS`, which needs the CREATE privilege on the database
    // even when the schema exists: a role that owns only its schema must still be able to start.
    const exists = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rows.length === 0) await tx.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS vigil_migrations (
      id          integer     PRIMARY KEY,
      name        text        NOT NULL,
      checksum    text        NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await tx.query<{ id: number; name: string; checksum: string }>(
      'SELECT id, name, checksum FROM vigil_migrations ORDER BY id',
    );
    const known = new Map(migrations.map((m) => [m.id, m]));
    for (const row of done.rows) {
      const mine = known.get(row.id);
      if (mine === undefined) {
        throw new VigilError(
          'VIGIL_STORE_MIGRATION',
          `the database has migration ${row.id} (${row.name}), which this build of Vigil does not know: it was migrated by a newer version`,
        );
      }
      if (checksum(mine.sql) !== row.checksum) {
        throw new VigilError(
          'VIGIL_STORE_MIGRATION',
          `migration ${row.id} (${row.name}) was changed after it was applied; migrations are append-only`,
        );
      }
    }
    const applied: number[] = [];
    const recorded = new Set(done.rows.map((r) => r.id));
    for (const migration of migrations) {
      if (recorded.has(migration.id)) continue;
      // One statement per query: the extended protocol (needed for parameters) accepts only one.
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO vigil_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
        migration.id,
        migration.name,
        checksum(migration.sql),
      ]);
      applied.push(migration.id);
      logger.info({ migration: migration.id, name: migration.name }, 'migration applied');
    }
    return { applied };
  });
}

/**
 * Splits migration text at semicolons that end a line. Migrations are our own files, written without
 * semicolons inside strings or function bodies, which keeps this simple and the same on both backends.
 */
export function splitStatements(sql: string): string[] {
  const text = sql.replace(/^\s*--.*$/gm, '');
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'") {
      // A quoted literal ('' is an escaped quote, which this loop reads as two literals).
      i = text.indexOf("'", i + 1);
      if (i < 0) break;
      i++;
    } else if (c === '$') {
      // A dollar-quoted body ($$ ... $$ or $tag$ ... $tag$), as in function definitions: its semicolons are not ends.
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i))?.[0];
      if (tag === undefined) {
        i++;
      } else {
        const end = text.indexOf(tag, i + tag.length);
        i = end < 0 ? text.length : end + tag.length;
      }
    } else if (c === ';') {
      statements.push(text.slice(start, i));
      start = ++i;
    } else {
      i++;
    }
  }
  statements.push(text.slice(start));
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}

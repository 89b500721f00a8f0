import { Pool, type PoolClient } from 'pg';
import { VigilError, redact, silentLogger, type Logger } from '@vigil/core';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client';
import { toStoreError } from './sql-error';

export interface PostgresClientOptions {
  /** A `postgres://user:password@host:port/database` connection string. Its password never leaves this file. */
  url: string;
  /**
   * Schema to put first on every connection's `search_path`; tables are created and read there.
   * @defaultValue the server's default (`public`)
   */
  schema?: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** @defaultValue 10000 */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/** The connection string with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return redact(url) as string;
}

function executor(
  run: (text: string, params?: unknown[]) => Promise<{ rows: unknown[]; rowCount: number | null }>,
): SqlExecutor {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      const result = await run(text, params === undefined ? undefined : [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}

/** A SqlClient over a `pg.Pool`. Connects lazily; call `query('SELECT 1')` to find out whether the server answers. */
export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  const where = redactUrl(options.url);
  const logger = (options.logger ?? silentLogger).child({ component: 'store', database: where });
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // search_path through the startup packet, so every pooled connection gets it before its first statement
    // (the startup options string splits at spaces unless they are escaped with a backslash).
    ...(options.schema === undefined
      ? {}
      : { options: `-c search_path=${quoteIdentifier(options.schema).replace(/[\\ ]/g, '\\$&')}` }),
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  let closed: Promise<void> | undefined;

  // `connecting`: the error comes from the pool (connecting, or a statement of pool.query), never from caller code.
  const fail = (error: unknown, doing: string, connecting = false): never => {
    const translated = toStoreError(error, `${doing} (PostgreSQL at ${where})`, { connecting });
    throw translated;
  };

  return {
    kind: 'postgres',
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      if (closed) throw new VigilError('VIGIL_STORE_UNAVAILABLE', 'the store is closed');
      try {
        return await executor((t, p) => pool.query(t, p)).query<R>(text, params);
      } catch (error) {
        return fail(error, 'query failed', true);
      }
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      if (closed) throw new VigilError('VIGIL_STORE_UNAVAILABLE', 'the store is closed');
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        return fail(error, 'cannot connect', true);
      }
      let broken: Error | undefined;
      // A checked-out client has no pool listener: if the server goes away between two statements (while `fn`
      // merges accumulators, say), its 'error' would kill the process. The next statement fails and rolls back.
      const onError = (error: Error): void => {
        broken = error;
        logger.warn({ err: error }, 'PostgreSQL connection failed during a transaction');
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(executor((t, p) => client.query(t, p)));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable (the server went away): destroy it rather than return it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        return fail(error, 'transaction failed');
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close(): Promise<void> {
      closed ??= pool
        .end()
        .catch((error: unknown) => logger.warn({ err: error }, 'closing the PostgreSQL pool failed'));
      return closed;
    },
  };
}

/** Double-quotes an identifier the way Postgres does, so any schema name is taken literally. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

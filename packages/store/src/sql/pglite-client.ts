import { mkdir, realpath } from 'node:fs/promises';
import type * as NodeModule from 'node:module';
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import { errorMessage, isVigilError, VigilError } from '@vigil/core';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client';
import { toStoreError } from './sql-error';
import { quoteIdentifier } from './postgres-client';
import { lockEmbeddedDatabase, unlockEmbeddedDatabase } from './embedded-lock';

export interface PgliteClientOptions {
  /**
   * Folder for the database files (the daemon uses `./.vigil/pglite`); absent means in memory, gone at close.
   * Ignored when `instance` is given.
   */
  dataDir?: string;
  /**
   * An already open PGlite to use instead of opening one; it is borrowed, so `close()` leaves it open. Lets two
   * clients share one embedded database, as two processes share one server.
   */
  instance?: PGlite;
  /** Schema to put first on the `search_path`. @defaultValue `public` */
  schema?: string;
}

type Runner = Pick<Transaction, 'query'>;

/**
 * Loads PGlite through Node's own `require`, reached with `process.getBuiltinModule` (Node ≥ 20.16). PGlite starts
 * its WebAssembly with dynamic `import()`s, which a module sandbox such as jest's vm refuses; loaded this way it
 * starts in the process's main context wherever the store itself was loaded from. Everywhere else this is the
 * same module a plain `import` would give.
 */
function pgliteModule(): { PGlite: new (dataDir?: string, options?: PGliteOptions) => PGlite } {
  const node = (process as unknown as { getBuiltinModule(id: 'node:module'): typeof NodeModule }).getBuiltinModule(
    'node:module',
  );
  return node.createRequire(__filename)('@electric-sql/pglite') as { PGlite: new (dataDir?: string) => PGlite };
}

/** Opens (and waits for) a PGlite database: in `dataDir`, or in memory. */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  const { PGlite: Pglite } = pgliteModule();
  const db = new Pglite(dataDir);
  await db.waitReady;
  return db;
}

function executor(db: Runner): SqlExecutor {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      const result = await db.query<R>(text, params === undefined ? undefined : [...params]);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
  };
}

/** A SqlClient over PGlite: one in-process connection, whose transactions PGlite runs one at a time. */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const owned = options.instance === undefined;
  let lockDir = owned ? options.dataDir : undefined;
  let db: PGlite;
  try {
    // PGlite creates its data folder but not the folders above it (./.vigil/ on a fresh checkout).
    if (lockDir !== undefined) await mkdir(lockDir, { recursive: true });
    // PGlite's file system cannot follow a symbolic link (it throws ENOENT): open the folder the link points to, and
    // lock that folder, so two links to one database share one lock.
    if (lockDir !== undefined) lockDir = await realpath(lockDir);
    // Before PGlite starts: a second process on the folder would abort inside its WebAssembly.
    if (lockDir !== undefined) lockEmbeddedDatabase(lockDir);
    db = options.instance ?? (await openPglite(lockDir));
  } catch (error) {
    if (isVigilError(error)) throw error;
    if (lockDir !== undefined) unlockEmbeddedDatabase(lockDir);
    throw new VigilError(
      'VIGIL_STORE_UNAVAILABLE',
      `cannot open the embedded database${options.dataDir ? ` in ${options.dataDir}` : ''}: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  // A borrowed instance may be shared with clients that use another schema: set it at the start of every
  // transaction and statement rather than once per connection.
  const setPath =
    options.schema === undefined ? undefined : `SET LOCAL search_path TO ${quoteIdentifier(options.schema)}`;
  let closed: Promise<void> | undefined;
  const guard = (): void => {
    if (closed) throw new VigilError('VIGIL_STORE_UNAVAILABLE', 'the store is closed');
  };

  return {
    kind: 'pglite',
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      guard();
      try {
        if (setPath === undefined) return await executor(db).query<R>(text, params);
        // In a transaction so the search_path and the statement cannot be split by another client's statement.
        return await db.transaction(async (tx) => {
          await tx.query(setPath);
          return executor(tx).query<R>(text, params);
        });
      } catch (error) {
        throw toStoreError(error, 'query failed (embedded database)');
      }
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      guard();
      try {
        return await db.transaction(async (tx) => {
          if (setPath !== undefined) await tx.query(setPath);
          return fn(executor(tx));
        });
      } catch (error) {
        throw toStoreError(error, 'transaction failed (embedded database)');
      }
    },
    close(): Promise<void> {
      closed ??= owned
        ? db.close().finally(() => {
            if (lockDir !== undefined) unlockEmbeddedDatabase(lockDir);
          })
        : Promise.resolve();
      return closed;
    },
  };
}

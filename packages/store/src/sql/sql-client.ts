/**
 * The one SQL interface the rest of the store is written against. Two implementations exist: a `pg.Pool` for a
 * real PostgreSQL server and PGlite (Postgres in WebAssembly) for the embedded mode; the same migrations and
 * the same statements run on both, so nothing above this file knows which one it talks to.
 */
export interface SqlResult<R> {
  rows: R[];
  /** Rows returned, inserted, updated or deleted by the statement. */
  rowCount: number;
}

/** Something statements can be sent to: the client itself, or the transaction handed to `transaction(fn)`. */
export interface SqlExecutor {
  /** Runs one statement. Values are always passed as parameters (`$1`, `$2`, ...), never spliced into `text`. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection; any error thrown by `fn` (or by a statement) rolls the
   * whole transaction back and is rethrown.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

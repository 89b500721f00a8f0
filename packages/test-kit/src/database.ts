import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import {
  createPgliteClient,
  createPostgresClient,
  createStore,
  openPglite,
  redactUrl,
  type SqlClient,
  type Store,
  type StoreOptions,
} from '@vigil/store';

const ENV_FILE = resolve(__dirname, '../../../.cache/services/env');
const HOW_TO_START =
  'start it with `bash scripts/services/start.sh postgres` (after `bash scripts/services/install.sh`)';

/** VIGIL_DATABASE_URL from the environment, else from the file scripts/services/start.sh writes. */
export function databaseUrl(): string {
  const fromEnv = process.env.VIGIL_DATABASE_URL;
  if (fromEnv) return fromEnv;
  if (existsSync(ENV_FILE)) {
    const line = readFileSync(ENV_FILE, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VIGIL_DATABASE_URL='));
    if (line) return line.slice('VIGIL_DATABASE_URL='.length).trim();
  }
  throw new Error(
    `VIGIL_DATABASE_URL is not set and ${ENV_FILE} does not name it: PostgreSQL is needed by these tests; ${HOW_TO_START}`,
  );
}

/**
 * Creates a uniquely named schema on the real server, so test files running in parallel never see each
 * other's tables. Fails (never skips) when the server does not answer.
 */
export async function createTestSchema(label: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const url = databaseUrl();
  // Letters, digits and underscores only, so the name needs no quoting in the statements below.
  const schema = `vigil_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  // One short-lived connection per statement: a connection held idle for the whole test would die with the
  // server when a fault test restarts it, and an idle client's error has no one to go to.
  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  try {
    await admin(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${redactUrl(url)} (${(error as Error).message}); ${HOW_TO_START}`, {
      cause: error,
    });
  }
  let dropped = false;
  return {
    url,
    schema,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

export type BackendKind = 'postgres' | 'pglite';
export const BACKENDS: BackendKind[] = ['postgres', 'pglite'];

/** One database for one describe block: a fresh schema on the real server, or a fresh in-memory PGlite. */
export interface TestBackend {
  kind: BackendKind;
  /** Another client of the same database, as a second process would have. */
  newClient(): Promise<SqlClient>;
  /** A migrated store on this database. */
  newStore(options?: Omit<StoreOptions, 'url' | 'dataDir' | 'schema' | 'client'>): Promise<Store>;
  /** Closes every client and store opened here and drops the schema. */
  teardown(): Promise<void>;
}

export async function openBackend(kind: BackendKind, label: string): Promise<TestBackend> {
  const opened: Array<{ close(): Promise<void> }> = [];
  if (kind === 'postgres') {
    const db = await createTestSchema(label);
    return {
      kind,
      async newClient() {
        const client = createPostgresClient({ url: db.url, schema: db.schema, poolSize: 4 });
        opened.push(client);
        return client;
      },
      async newStore(options = {}) {
        const store = await createStore({ ...options, url: db.url, schema: db.schema, poolSize: 4 });
        opened.push(store);
        return store;
      },
      async teardown() {
        await Promise.allSettled(opened.map((c) => c.close()));
        await db.drop();
      },
    };
  }
  const instance = await openPglite();
  return {
    kind,
    newClient: async () => createPgliteClient({ instance }),
    async newStore(options = {}) {
      const store = await createStore({ ...options, client: await createPgliteClient({ instance }) });
      opened.push(store);
      return store;
    },
    async teardown() {
      await Promise.allSettled(opened.map((c) => c.close()));
      await instance.close();
    },
  };
}

/**
 * The migrated store of a describe block on `kind`, the setup the two-backend tests shared: the database is opened
 * in the block's `beforeAll` and closed and dropped in its `afterAll`. What it returns stands for that store (each
 * property is the opened store's), so a test uses it as it would the store; used before the `beforeAll`, it throws.
 */
export function storeOnBackend(kind: BackendKind, label: string): Store {
  let backend: TestBackend | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    backend = await openBackend(kind, label);
    store = await backend.newStore();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });
  return new Proxy({} as Store, {
    get(_, property) {
      if (store === undefined) throw new Error(`the ${kind} store "${label}" is opened in beforeAll: use it in a test`);
      return Reflect.get(store, property);
    },
  });
}

import { createServer, type Server } from 'node:net';
import { isVigilError } from '@vigil/core';
import { createStore } from '../../src/create-store';
import { MIGRATIONS } from '../../src/migrations/migrations';
import { createPostgresClient, quoteIdentifier, redactUrl } from '../../src/sql/postgres-client';
import { databaseUrl } from '@vigil/test-kit';

const SECRET = 's3cret-P4ss';

describe('createPostgresClient', () => {
  it('redacts the password of a connection string', () => {
    expect(redactUrl(`postgres://vigil:${SECRET}@db.example:5432/vigil`)).toBe(
      'postgres://vigil:[redacted]@db.example:5432/vigil',
    );
    expect(redactUrl('postgres://vigil@127.0.0.1:55432/vigil')).toBe('postgres://vigil@127.0.0.1:55432/vigil');
  });

  it('reports an unreachable server as retriable VIGIL_STORE_UNAVAILABLE, without the password', async () => {
    // A port that was just free: nothing listens there.
    const port = await freePort();
    const error = await createStore({ url: `postgres://vigil:${SECRET}@127.0.0.1:${port}/vigil` }).catch(
      (e: unknown) => e,
    );
    expect(isVigilError(error, 'VIGIL_STORE_UNAVAILABLE')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain(`127.0.0.1:${port}`);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(SECRET);
  });

  it('gives a server that never answers up after the connect timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = createPostgresClient({
      url: `postgres://vigil:${SECRET}@127.0.0.1:${port}/vigil`,
      connectTimeoutMs: 300,
    });
    try {
      const error = await client.query('SELECT 1').catch((e: unknown) => e);
      expect(isVigilError(error, 'VIGIL_STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).not.toContain(SECRET);
    } finally {
      await client.close();
      silent.close();
    }
  });

  it('creates its schema when missing, whatever its name, and migrates into it', async () => {
    const schema = `vigil test ${process.pid} "quoted" \\ ${Date.now()}`;
    const store = await createStore({ url: databaseUrl(), schema, poolSize: 2 });
    const admin = createPostgresClient({ url: databaseUrl(), poolSize: 1 });
    try {
      await store.profiles.saveReference('m', '1', { ok: true });
      const where = await admin.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'vigil\\_%'`,
        [schema],
      );
      // Every table and view the migrations create (0012 replaced the table vigil_metric_rows by a view), and vigil_migrations.
      const created = new Set(
        MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE (?:TABLE|VIEW) (\w+)/g)].map((t) => t[1])),
      ).size;
      expect(where.rows[0]?.n).toBe(created + 1);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await admin.close();
    }
  });

  it('talks to the real server', async () => {
    const client = createPostgresClient({ url: databaseUrl() });
    try {
      const result = await client.query<{ answer: number }>('SELECT $1::integer + 1 AS answer', [41]);
      expect(result).toEqual({ rows: [{ answer: 42 }], rowCount: 1 });
      expect(
        await client.transaction(async (tx) => (await tx.query<{ n: string }>('SELECT 1::text AS n')).rows[0]?.n),
      ).toBe('1');
    } finally {
      await client.close();
      await client.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

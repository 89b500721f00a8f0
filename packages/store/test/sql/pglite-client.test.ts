import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../src/create-store';
import { createPgliteClient, openPglite } from '../../src/sql/pglite-client';

describe('createPgliteClient', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pglite-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the embedded database in its data directory across restarts', async () => {
    const dataDir = join(dir, 'pglite');
    const first = await createStore({ dataDir });
    expect(first.kind).toBe('pglite');
    await first.batches.apply(
      {
        groupId: 'g',
        offsets: [{ topic: 't', partition: 0, firstOffset: 0, nextOffset: 12 }],
        buckets: [{ model: 'm', version: '', bucketStart: 0, accumulator: { n: 3 }, rows: 3 }],
      },
      (a: { n: number }, b: { n: number }) => ({ n: a.n + b.n }),
    );
    await first.close();

    const second = await createStore({ dataDir });
    try {
      expect(await second.offsets.load('g', 't')).toEqual([{ topic: 't', partition: 0, nextOffset: '12' }]);
      expect(await second.buckets.load('m', '', 0, 1)).toMatchObject([
        { bucketStart: 0, accumulator: { n: 3 }, rows: 3 },
      ]);
    } finally {
      await second.close();
    }
  });

  it('puts tables in the schema it is given, and leaves a borrowed instance open', async () => {
    const instance = await openPglite();
    try {
      const store = await createStore({
        client: await createPgliteClient({ instance, schema: 'tenant a' }),
        schema: 'tenant a',
      });
      await store.profiles.saveReference('m', '1', { ok: true });
      await store.close();
      const where = await instance.query<{ table_schema: string }>(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'vigil_reference_profiles'`,
      );
      expect(where.rows).toEqual([{ table_schema: 'tenant a' }]);
      // Without the schema, the same instance sees no Vigil tables in public.
      const plain = await createPgliteClient({ instance });
      const inPublic = await plain.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'vigil_%'`,
      );
      expect(inPublic.rows).toEqual([]);
    } finally {
      await instance.close();
    }
  });
});

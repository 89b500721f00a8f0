import { createStore, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';

/** A migrated store on a fresh schema of the real PostgreSQL (fails with how to start it when it is absent). */
export async function realStore(
  label: string,
): Promise<{ store: Store; url: string; schema: string; teardown(): Promise<void> }> {
  const db = await createTestSchema(label);
  const store = await createStore({ url: db.url, schema: db.schema, poolSize: 6 });
  return {
    store,
    url: db.url,
    schema: db.schema,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
}

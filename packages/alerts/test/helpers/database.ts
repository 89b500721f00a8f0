import { createStore, type Store } from '@vigil/store';
import { createTestSchema } from '../../../store/test/helpers/database';

/** A migrated store on a fresh schema of the real PostgreSQL (fails with how to start it when it is absent). */
export async function realStore(label: string): Promise<{ store: Store; teardown(): Promise<void> }> {
  const db = await createTestSchema(label);
  const store = await createStore({ url: db.url, schema: db.schema, poolSize: 6 });
  return {
    store,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
}

import { accumulatorOf } from './stored-accumulator';

/**
 * The bucket accumulators a store last wrote, kept with the row's `revision` at that moment, so that the
 * next batch of the same buckets does not read them back from the database (decision 0052). A batch reads its
 * buckets `FOR UPDATE` as before, with each bucket's cached revision: the row's accumulator comes back only when its
 * revision differs, that is, when another writer (another daemon, the label join, a restore) changed the row since,
 * or when nothing is cached. Revisions only grow (a trigger adds one at every update and gives an inserted row a
 * random start, migration 0030), and the cache takes a batch's rows only once the batch has committed, so a cached
 * accumulator with the row's revision is the row's accumulator. A rolled-back batch leaves the entries it took out of the cache, and its revisions never
 * reach the database.
 *
 * Why: with 100 models every batch read back and parsed the JSON of the ~20 buckets it extends, tens of KB each,
 * only to write them again: the daemon's `parseRow` and the garbage of the parsed objects, and Postgres reading them
 * out of TOAST.
 */

/**
 * A cached accumulator: the object, or its stored form (a bucket inserted from its delta's bytes), decoded when
 * used.
 */
interface Entry<A> {
  revision: string;
  accumulator?: A;
  stored?: Uint8Array;
}

/** Buckets a store keeps at most (least recently used out): ~2 a model for 100 models. */
export const BUCKET_CACHE_ENTRIES = 256;

export class BucketCache<A = unknown> {
  private readonly entries = new Map<string, Entry<A>>();

  constructor(private readonly capacity = BUCKET_CACHE_ENTRIES) {}

  /** The revision the bucket had when cached, or null. */
  revisionOf(key: string): string | null {
    return this.entries.get(key)?.revision ?? null;
  }

  /**
   * The cached accumulator of the bucket if it is of `revision`, removed from the cache (the caller merges into it:
   * it is the caller's until a committed batch puts its result back); else undefined.
   */
  take(key: string, revision: string): A | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.revision !== revision) return undefined;
    return entry.accumulator ?? accumulatorOf<A>(entry.stored!, () => `cached bucket ${key}`);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** A transaction's view: what it writes is cached only by {@link BucketCacheTx.commit}. */
  begin(): BucketCacheTx<A> {
    return new BucketCacheTx(this);
  }

  put(key: string, entry: Entry<A>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** The buckets one transaction wrote, for its cache once it has committed. */
export class BucketCacheTx<A = unknown> {
  private readonly written = new Map<string, Entry<A>>();

  constructor(readonly cache: BucketCache<A>) {}

  wrote(key: string, revision: string, accumulator: A | undefined, stored?: Uint8Array): void {
    this.written.set(key, {
      revision,
      ...(accumulator !== undefined ? { accumulator } : {}),
      ...(stored ? { stored } : {}),
    });
  }

  commit(): void {
    for (const [key, entry] of this.written) this.cache.put(key, entry);
    this.written.clear();
  }
}

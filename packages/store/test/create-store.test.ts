import { compositeKey, isVigilError, type MetricName } from '@vigil/core';
import type { Batch, BucketDelta, MergeAccumulators } from '../src/batch/apply-batch';
import { accumulatorOf, storedAccumulator } from '../src/batch/stored-accumulator';
import type { LabelMatch } from '../src/stream/labels';
import type { Store } from '../src/create-store';
import type { MetricRow } from '../src/metrics/metric-rows';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

/** A stand-in accumulator: additive counts, like the analyzers' JSON form, without their internals. */
interface Counts {
  counts: number[];
}
const add: MergeAccumulators<Counts> = (stored, delta) => ({
  counts: stored.counts.map((c, i) => c + (delta.counts[i] ?? 0)),
});

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const EVIL = "x'); DROP TABLE vigil_buckets; --";

function bucket(model: string, minute: number, counts: number[], version = '7'): BucketDelta<Counts> {
  return {
    model,
    version,
    bucketStart: T0 + minute * MINUTE,
    accumulator: { counts },
    rows: counts.reduce((a, b) => a + b, 0),
  };
}

function batch(
  partition: number,
  first: number,
  next: number,
  buckets: BucketDelta<Counts>[],
  extra: Partial<Batch<Counts>> = {},
): Batch<Counts> {
  return {
    groupId: 'vigil',
    offsets: [{ topic: 'vigil.predictions', partition, firstOffset: String(first), nextOffset: String(next) }],
    buckets,
    ...extra,
  };
}

async function counts(store: Store, model: string): Promise<Array<{ minute: number; counts: number[]; rows: number }>> {
  const rows = await store.buckets.load<Counts>(model, '7', T0 - 24 * 60 * MINUTE, T0 + 24 * 60 * MINUTE);
  return rows.map((r) => ({ minute: (r.bucketStart - T0) / MINUTE, counts: r.accumulator.counts, rows: r.rows }));
}

describe.each(BACKENDS)('store on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'store');
    store = await backend.newStore();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('applies a batch once and recognises its replay after a crash', async () => {
    const b = batch(0, 0, 100, [bucket('m-once', 0, [1, 2, 3])], {
      predictions: [
        { model: 'm-once', id: 'p1', version: '7', ts: T0 + 5, bucketStart: T0, expiresAt: T0 + 60 * MINUTE },
      ],
      deadLetters: [
        {
          topic: 'vigil.predictions',
          partition: 0,
          offset: '42',
          code: 'VIGIL_DECODE_INVALID_JSON',
          reason: 'not JSON',
          raw: Buffer.from('{oops'),
        },
      ],
    });
    expect(await store.batches.apply(b, add)).toEqual({
      applied: true,
      buckets: 1,
      predictions: 1,
      deadLetters: 1,
      labels: { joined: 0, orphaned: 0, duplicates: 0 },
    });
    const deadBefore = (await store.deadLetters.list()).length;

    const replay = await store.batches.apply(b, add);
    expect(replay).toEqual({
      applied: false,
      stored: [{ topic: 'vigil.predictions', partition: 0, nextOffset: '100' }],
    });
    expect(await counts(store, 'm-once')).toEqual([{ minute: 0, counts: [1, 2, 3], rows: 6 }]);
    expect((await store.deadLetters.list()).length).toBe(deadBefore);
    expect(await store.offsets.load('vigil', 'vigil.predictions')).toEqual([
      { topic: 'vigil.predictions', partition: 0, nextOffset: '100' },
    ]);

    // The next batch continues where the stored offset points.
    expect((await store.batches.apply(batch(0, 100, 150, [bucket('m-once', 0, [1, 1, 1])]), add)).applied).toBe(true);
    expect(await counts(store, 'm-once')).toEqual([{ minute: 0, counts: [2, 3, 4], rows: 9 }]);
    expect(await store.offsets.load('vigil', 'vigil.predictions')).toEqual([
      { topic: 'vigil.predictions', partition: 0, nextOffset: '150' },
    ]);
    expect(await store.offsets.load('other-group', 'vigil.predictions')).toEqual([]);
  });

  it('records the largest event time of each partition with its batch, never back, expected partitions without one, and nothing on a replay', async () => {
    const mark = (partition: number, ts: number, partitions?: number) => ({
      model: 'm-parts',
      maxEventTs: T0 + ts,
      topic: 'vigil.watermarks',
      partition,
      ...(partitions ? { partitions } : {}),
    });
    const on = (partition: number, first: number, next: number, ts: number, partitions?: number): Batch<Counts> => ({
      groupId: 'vigil',
      offsets: [{ topic: 'vigil.watermarks', partition, firstOffset: String(first), nextOffset: String(next) }],
      buckets: [],
      watermarks: [mark(partition, ts, partitions)],
    });
    const progress = async () =>
      ((await store.windows.partitionWatermarks()).get('m-parts') ?? []).map((p) => [
        p.topic,
        p.partition,
        p.maxEventTs === null ? null : p.maxEventTs - T0,
      ]);

    // The model's first batch names the topic's three partitions: the two others are expected, without an event time.
    expect((await store.batches.apply(on(0, 0, 10, 5 * MINUTE, 3), add)).applied).toBe(true);
    expect(await progress()).toEqual([
      ['vigil.watermarks', 0, 5 * MINUTE],
      ['vigil.watermarks', 1, null],
      ['vigil.watermarks', 2, null],
    ]);
    // Another partition's batch, behind; naming the partitions again leaves the others as they are.
    expect((await store.batches.apply(on(1, 0, 10, 2 * MINUTE, 3), add)).applied).toBe(true);
    expect(await progress()).toEqual([
      ['vigil.watermarks', 0, 5 * MINUTE],
      ['vigil.watermarks', 1, 2 * MINUTE],
      ['vigil.watermarks', 2, null],
    ]);
    // A replay writes nothing, even with another event time; an older batch does not move a partition back.
    expect((await store.batches.apply(on(0, 0, 10, 50 * MINUTE), add)).applied).toBe(false);
    expect((await store.batches.apply(on(0, 10, 20, 1 * MINUTE), add)).applied).toBe(true);
    expect(await progress()).toEqual([
      ['vigil.watermarks', 0, 5 * MINUTE],
      ['vigil.watermarks', 1, 2 * MINUTE],
      ['vigil.watermarks', 2, null],
    ]);
    // The model's largest event time is kept beside (the no-traffic check, sources without partitions).
    expect((await store.windows.maxEventTimes()).get('m-parts')).toBe(T0 + 5 * MINUTE);
    const idle = (await store.windows.partitionWatermarks(['m-parts', 'm-none'])).get('m-parts')!;
    expect([...(await store.windows.partitionWatermarks(['m-none'])).keys()]).toEqual([]);
    expect(idle.every((p) => p.idleMs >= 0 && p.idleMs < 10 * MINUTE)).toBe(true);
  });

  it('refuses a batch that overlaps committed offsets only in part, writing nothing', async () => {
    await store.batches.apply(batch(1, 0, 10, [bucket('m-overlap', 0, [1])]), add);
    const error = await store.batches
      .apply(batch(1, 5, 20, [bucket('m-overlap', 0, [1])]), add)
      .catch((e: unknown) => e);
    expect(isVigilError(error, 'VIGIL_STORE_OFFSET_CONFLICT')).toBe(true);
    expect(await counts(store, 'm-overlap')).toEqual([{ minute: 0, counts: [1], rows: 1 }]);
  });

  it('keeps offsets beyond 2^53 exact', async () => {
    const big = '9007199254740993';
    await store.batches.apply(
      {
        groupId: 'big',
        offsets: [{ topic: 't', partition: 3, firstOffset: big, nextOffset: '9007199254740995' }],
        buckets: [],
      },
      add,
    );
    expect(await store.offsets.load('big', 't')).toEqual([
      { topic: 't', partition: 3, nextOffset: '9007199254740995' },
    ]);
    expect(
      (
        await store.batches.apply(
          {
            groupId: 'big',
            offsets: [{ topic: 't', partition: 3, firstOffset: big, nextOffset: '9007199254740995' }],
            buckets: [],
          },
          add,
        )
      ).applied,
    ).toBe(false);
  });

  it('merges buckets across batches to the sum of their deltas', async () => {
    const expected = new Map<number, number[]>();
    let offset = 0;
    for (let b = 0; b < 6; b += 1) {
      const deltas: BucketDelta<Counts>[] = [];
      for (let minute = 0; minute < 4; minute += 1) {
        if ((b + minute) % 3 === 0) continue;
        const c = [b + minute, 2 * b, minute, 1];
        deltas.push(bucket('m-sum', minute, c));
        // The same bucket twice in one batch as well.
        if (minute === 1) deltas.push(bucket('m-sum', minute, [1, 0, 0, 0]));
      }
      for (const d of deltas) {
        const m = (d.bucketStart - T0) / MINUTE;
        const acc = expected.get(m) ?? [0, 0, 0, 0];
        expected.set(
          m,
          acc.map((v, i) => v + (d.accumulator.counts[i] ?? 0)),
        );
      }
      expect((await store.batches.apply(batch(2, offset, offset + 7, deltas), add)).applied).toBe(true);
      offset += 7;
    }
    const want = [...expected.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, c]) => ({ minute, counts: c, rows: c.reduce((x, y) => x + y, 0) }));
    expect(await counts(store, 'm-sum')).toEqual(want);
    // from ≤ bucketStart < to
    expect(
      (await store.buckets.load('m-sum', '7', T0 + MINUTE, T0 + 3 * MINUTE)).map((r) => (r.bucketStart - T0) / MINUTE),
    ).toEqual([1, 2]);
  });

  it('takes deltas encoded by the caller (stored): inserts their bytes, merges them into stored buckets and into each other', async () => {
    // As the runner sends them: the stored form, and the object only when a merge needs it.
    const encoded = (minute: number, c: number[]): BucketDelta<Counts> => {
      const stored = storedAccumulator({ counts: c });
      return {
        model: 'm-json',
        version: '7',
        bucketStart: T0 + minute * MINUTE,
        rows: c.reduce((a, b) => a + b, 0),
        stored,
        get accumulator(): Counts {
          return accumulatorOf<Counts>(stored, () => 'the test');
        },
      };
    };
    // Minute 0 new; minute 1 new and given twice in the batch (the sum must be written, not the first's bytes).
    const first = [encoded(0, [1, 2]), encoded(1, [3, 0]), encoded(1, [4, 5])];
    expect((await store.batches.apply(batch(31, 0, 5, first), add)).applied).toBe(true);
    expect(await counts(store, 'm-json')).toEqual([
      { minute: 0, counts: [1, 2], rows: 3 },
      { minute: 1, counts: [7, 5], rows: 12 },
    ]);
    // Both stored now: merged, and a plain delta beside an encoded one of the same bucket.
    const second = [encoded(0, [10, 20]), encoded(1, [1, 1]), bucket('m-json', 1, [100, 0]), encoded(2, [0, 9])];
    expect((await store.batches.apply(batch(31, 5, 9, second), add)).applied).toBe(true);
    expect(await counts(store, 'm-json')).toEqual([
      { minute: 0, counts: [11, 22], rows: 33 },
      { minute: 1, counts: [108, 6], rows: 114 },
      { minute: 2, counts: [0, 9], rows: 9 },
    ]);
  });

  it('loses no delta when batches of different partitions hit the same new bucket concurrently', async () => {
    const n = 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, p) =>
        store.batches.apply(batch(100 + p, 0, 1, [bucket('m-race', 0, [1, p]), bucket('m-race', 1, [p, 1])]), add),
      ),
    );
    expect(results.every((r) => r.applied)).toBe(true);
    const sumP = (n * (n - 1)) / 2;
    expect(await counts(store, 'm-race')).toEqual([
      { minute: 0, counts: [n, sumP], rows: n + sumP },
      { minute: 1, counts: [sumP, n], rows: n + sumP },
    ]);
  });

  it('leaves nothing written when the merge throws mid-transaction', async () => {
    await store.batches.apply(batch(3, 0, 10, [bucket('m-fail', 0, [5])]), add);
    const deadBefore = (await store.deadLetters.list({ limit: 10_000 })).length;
    const failing: MergeAccumulators<Counts> = () => {
      throw new Error('merge exploded');
    };
    const b = batch(3, 10, 20, [bucket('m-fail', 1, [7]), bucket('m-fail', 0, [1])], {
      predictions: [{ model: 'm-fail', id: 'never', version: '7', ts: T0, bucketStart: T0, expiresAt: T0 + MINUTE }],
      deadLetters: [
        {
          topic: 'vigil.predictions',
          partition: 3,
          offset: 11,
          code: 'VIGIL_DECODE_INVALID_JSON',
          reason: 'x',
          raw: Buffer.from('x'),
        },
      ],
    });
    await expect(store.batches.apply(b, failing)).rejects.toThrow('merge exploded');
    expect(await counts(store, 'm-fail')).toEqual([{ minute: 0, counts: [5], rows: 5 }]); // minute 1 (inserted before the merge) rolled back
    expect(await store.offsets.load('vigil', 'vigil.predictions')).toContainEqual({
      topic: 'vigil.predictions',
      partition: 3,
      nextOffset: '10',
    });
    expect((await store.predictions.lookup('m-fail', ['never'])).size).toBe(0);
    expect((await store.deadLetters.list({ limit: 10_000 })).length).toBe(deadBefore);
    // The same batch then goes through with a working merge.
    expect((await store.batches.apply(b, add)).applied).toBe(true);
    expect(await counts(store, 'm-fail')).toEqual([
      { minute: 0, counts: [6], rows: 6 },
      { minute: 1, counts: [7], rows: 7 },
    ]);
  });

  it('bulk-inserts 10,000 prediction index rows in one statement, finds them, and expires them', async () => {
    const n = 10_000;
    const predictions = Array.from({ length: n }, (_, i) => ({
      model: 'm-bulk',
      id: `req-${i}`,
      version: i % 2 === 0 ? '7' : '8',
      ts: T0 + i,
      bucketStart: T0 + Math.floor(i / 1000) * MINUTE,
      expiresAt: T0 + (i < n / 2 ? 1 : 2) * 60 * MINUTE,
    }));
    const started = Date.now();
    expect(await store.batches.apply(batch(4, 0, n, [], { predictions }), add)).toMatchObject({
      applied: true,
      predictions: n,
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(20_000);

    const found = await store.predictions.lookup('m-bulk', ['req-0', 'req-4321', 'req-9999', 'unknown']);
    expect(found.size).toBe(3);
    expect(found.get('req-0')).toEqual({ version: '7', ts: T0, bucketStart: T0 });
    expect(found.get('req-4321')).toEqual({ version: '8', ts: T0 + 4321, bucketStart: T0 + 4 * MINUTE });
    expect(found.get('req-9999')).toEqual({ version: '8', ts: T0 + 9999, bucketStart: T0 + 9 * MINUTE });
    expect(
      (
        await store.predictions.lookup(
          'm-bulk',
          predictions.map((p) => p.id),
        )
      ).size,
    ).toBe(n);
    // Several models in one look-up: each model's own ids only (an id of one model is unknown to another).
    const many = await store.predictions.lookupOfModels(
      new Map([
        ['m-bulk', ['req-0', 'req-9999', 'unknown']],
        ['m-other', ['req-0']],
        ['m-none', []],
      ]),
    );
    expect([...many.keys()].sort()).toEqual(['m-bulk', 'm-none', 'm-other']);
    expect(many.get('m-bulk')).toEqual(
      new Map([
        ['req-0', { version: '7', ts: T0, bucketStart: T0 }],
        ['req-9999', { version: '8', ts: T0 + 9999, bucketStart: T0 + 9 * MINUTE }],
      ]),
    );
    expect(many.get('m-other')!.size).toBe(0);
    // A producer retry of a prediction keeps the first entry.
    await store.batches.apply(batch(4, n, n + 1, [], { predictions: [{ ...predictions[0]!, version: 'retry' }] }), add);
    expect((await store.predictions.lookup('m-bulk', ['req-0'])).get('req-0')?.version).toBe('7');

    // Other tests' predictions in this schema expire by then too, hence "at least".
    expect(await store.predictions.deleteExpired(T0 + 60 * MINUTE)).toBeGreaterThanOrEqual(n / 2);
    const left = await store.predictions.lookup(
      'm-bulk',
      predictions.map((p) => p.id),
    );
    expect(left.size).toBe(n / 2);
    expect(left.has('req-0')).toBe(false);
    expect(left.has('req-9999')).toBe(true);
  });

  it('keeps every index column exact through its array literal: quotes, backslashes, commas, NULL-like text, NaN', async () => {
    const awkward = ['a"b', 'back\\slash', 'comma,brace{}', ' NULL ', 'NULL', '', 'ünï ✓', EVIL];
    const predictions = awkward.map((text, i) => ({
      model: 'm-literal',
      id: `${text}#${i}`,
      version: i === 5 ? '' : text,
      ts: T0 + i * 1_000 + 0.4,
      bucketStart: T0,
      expiresAt: T0 + 60 * MINUTE,
      score: i === 1 ? Number.NaN : i === 2 ? null : 0.1 + i / 100,
      prediction: i % 2,
      groups: { sex: text, race: i === 3 ? null : 'x"y' },
    }));
    expect(await store.batches.apply(batch(11, 0, predictions.length, [], { predictions }), add)).toMatchObject({
      applied: true,
      predictions: awkward.length,
    });
    const found = await store.predictions.lookup(
      'm-literal',
      predictions.map((p) => p.id),
    );
    expect(found.size).toBe(awkward.length);
    expect(found.get(predictions[7]!.id)).toEqual({ version: EVIL, ts: T0 + 7_000, bucketStart: T0 });

    let matches: LabelMatch[] = [];
    const labels = predictions.map((p) => ({
      model: p.model,
      id: p.id,
      label: 1,
      ts: T0 + 2 * MINUTE,
      expiresAt: T0 + 90 * MINUTE,
    }));
    await store.batches.apply(batch(12, 0, 1, [], { labels }), add, (m) => {
      matches = [...m];
      return { buckets: [], windows: [] };
    });
    expect(matches).toHaveLength(awkward.length);
    const byId = new Map(matches.map((m) => [m.id, m]));
    predictions.forEach((p, i) => {
      expect(byId.get(p.id)).toEqual({
        model: 'm-literal',
        id: p.id,
        version: p.version,
        bucketStart: T0,
        ts: T0 + i * 1_000,
        score: i === 1 || i === 2 ? null : p.score,
        prediction: i % 2,
        groups: p.groups,
        label: 1,
      });
    });
  });

  it('stores dead letters with their raw bytes, truncated past the limit, and marks them replayed', async () => {
    const small = await backend.newStore({ deadLetterMaxBytes: 16 });
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x27, 0x5c, 0x00, 0x22]);
    const large = Buffer.alloc(100, 0xab);
    await small.batches.apply(
      batch(5, 0, 3, [], {
        deadLetters: [
          {
            topic: 'vigil.predictions',
            partition: 5,
            offset: 0,
            code: 'VIGIL_DECODE_INVALID_JSON',
            reason: 'binary junk',
            raw: binary,
            receivedAt: T0,
          },
          {
            topic: 'vigil.predictions',
            partition: 5,
            offset: 2,
            code: 'VIGIL_DECODE_TOO_LARGE',
            reason: `too large ${EVIL}`,
            raw: large,
          },
          {
            topic: 'vigil.predictions',
            partition: 5,
            offset: 1,
            code: 'VIGIL_DECODE_MISSING_FIELD',
            reason: 'empty',
            raw: new Uint8Array(0),
          },
        ],
      }),
      add,
    );
    const listed = (await small.deadLetters.list({ limit: 1000 })).filter((d) => d.partition === 5);
    expect(listed.map((d) => d.offset)).toEqual(['1', '2', '0']); // newest (highest id) first
    const [empty, big, junk] = listed;
    expect(junk).toMatchObject({
      topic: 'vigil.predictions',
      code: 'VIGIL_DECODE_INVALID_JSON',
      reason: 'binary junk',
      rawBytes: 9,
      replayedAt: null,
      receivedAt: T0,
    });
    expect(Buffer.compare(junk!.raw, binary)).toBe(0);
    expect(big!.raw.length).toBe(16);
    expect(big!.rawBytes).toBe(100);
    expect(Buffer.compare(big!.raw, large.subarray(0, 16))).toBe(0);
    expect(big!.reason).toBe(`too large ${EVIL}`);
    expect(empty!.raw.length).toBe(0);

    expect(await small.deadLetters.markReplayed([junk!.id, big!.id], T0 + MINUTE)).toBe(2);
    expect(await small.deadLetters.markReplayed([junk!.id])).toBe(0);
    const pending = (await small.deadLetters.list({ pendingOnly: true, limit: 1000 })).filter((d) => d.partition === 5);
    expect(pending.map((d) => d.id)).toEqual([empty!.id]);
    const again = (await small.deadLetters.list({ limit: 1000 })).find((d) => d.id === junk!.id);
    expect(again?.replayedAt).toBe(T0 + MINUTE);
    expect((await small.deadLetters.list({ limit: 1, beforeId: big!.id }))[0]?.id).toBe(junk!.id);
  });

  it('upserts metric rows: a re-analysis revises a row in place, never adds one', async () => {
    const row = (
      metric: string,
      feature: string,
      group: string,
      value: number | null,
      labelled: number,
    ): MetricRow => ({
      model: 'm-metrics',
      version: '7',
      windowStart: T0,
      windowEnd: T0 + 60 * MINUTE,
      metric: metric as MetricName, // the store keeps any name; 'tpr_gap' below is none of the runner's
      feature,
      group,
      value,
      rows: 1000,
      labelledRows: labelled,
    });
    const first = [
      row('psi', 'age', '', 0.1, 0),
      row('auc', '', '', null, 0),
      row('tpr_gap', '', 'sex', 0.05, 0),
      row('psi', 'income', '', Number.NaN, 0),
    ];
    expect(await store.metrics.upsertRows(first)).toBe(4);
    const query = { from: T0, to: T0 + MINUTE };
    expect((await store.metrics.rows('m-metrics', query)).length).toBe(4);

    const revised = [
      row('auc', '', '', 0.81, 600),
      { ...row('psi', 'age', '', 0.12, 600), details: { pValue: 0.02, bins: [1, 2] } },
    ];
    await store.metrics.upsertRows(revised);
    const after = await store.metrics.rows('m-metrics', query);
    expect(after.length).toBe(4);
    const auc = after.find((r) => r.metric === 'auc');
    expect(auc).toMatchObject({
      value: 0.81,
      labelledRows: 600,
      rows: 1000,
      feature: '',
      group: '',
      windowStart: T0,
      windowEnd: T0 + 60 * MINUTE,
    });
    expect(after.find((r) => r.feature === 'age')).toMatchObject({
      value: 0.12,
      details: { pValue: 0.02, bins: [1, 2] },
    });
    expect(after.find((r) => r.feature === 'income')?.value).toBeNaN();
    expect((await store.metrics.rows('m-metrics', { ...query, metric: 'psi' })).length).toBe(2);
    expect(await store.metrics.rows('m-metrics', { from: T0 + MINUTE, to: T0 + 2 * MINUTE })).toEqual([]);
  });

  it('passes every value as a parameter: hostile ids are stored and read back verbatim', async () => {
    const evilVersion = `v'"\\; SELECT 1; --`;
    await store.batches.apply(
      {
        groupId: EVIL,
        offsets: [{ topic: EVIL, partition: 0, firstOffset: 0, nextOffset: 1 }],
        buckets: [
          { model: EVIL, version: evilVersion, bucketStart: T0, accumulator: { counts: [1], note: EVIL }, rows: 1 },
        ],
        predictions: [{ model: EVIL, id: EVIL, version: evilVersion, ts: T0, bucketStart: T0, expiresAt: T0 + MINUTE }],
      },
      (a: Counts & { note?: string }, b: Counts & { note?: string }) =>
        ({ ...add(a, b), note: a.note }) as Counts & { note?: string },
    );
    expect(await store.buckets.load(EVIL, evilVersion, T0, T0 + 1)).toMatchObject([
      { accumulator: { counts: [1], note: EVIL }, rows: 1 },
    ]);
    expect((await store.predictions.lookup(EVIL, [EVIL])).get(EVIL)?.version).toBe(evilVersion);
    expect(await store.offsets.load(EVIL, EVIL)).toEqual([{ topic: EVIL, partition: 0, nextOffset: '1' }]);
    await store.profiles.saveReference(EVIL, evilVersion, { text: EVIL });
    expect((await store.profiles.loadReference(EVIL, evilVersion))?.profile).toEqual({ text: EVIL });
    expect((await store.models.list()).find((m) => m.model === EVIL)?.versions).toEqual([evilVersion]);
    // The table the id tried to drop is still there.
    expect((await store.buckets.load('m-once', '7', T0, T0 + 1)).length).toBe(1);
  });

  it('keeps every reference profile and returns the newest', async () => {
    expect(await store.profiles.loadReference('m-profile', '1')).toBeNull();
    await store.profiles.saveReference('m-profile', '1', { rows: 10, features: [{ name: 'age', edges: [1, 2, 3] }] });
    await store.profiles.saveReference('m-profile', '1', { rows: 20 });
    await store.profiles.saveReference('m-profile', '2', { rows: 30 });
    expect((await store.profiles.loadReference<{ rows: number }>('m-profile', '1'))?.profile.rows).toBe(20);
    expect((await store.profiles.loadReference<{ rows: number }>('m-profile', '2'))?.profile.rows).toBe(30);
    expect((await store.models.list()).find((m) => m.model === 'm-profile')).toEqual({
      model: 'm-profile',
      versions: ['1', '2'],
    });
  });

  it('keeps the first range profile stored for a model and range, and hands it to later savers', async () => {
    const to = T0 + 60 * MINUTE;
    expect(await store.profiles.loadRange('m-range', T0, to)).toBeNull();
    const first = await store.profiles.saveRange('m-range', T0, to, { bins: [1, 2] }, 500);
    expect(first).toMatchObject({ profile: { bins: [1, 2] }, rows: 500 });
    // A second daemon fitted the same range later (more late events): it gets the first one back.
    const second = await store.profiles.saveRange('m-range', T0, to, { bins: [9] }, 501);
    expect(second).toMatchObject({ profile: { bins: [1, 2] }, rows: 500 });
    expect((await store.profiles.loadRange<{ bins: number[] }>('m-range', T0, to))?.profile.bins).toEqual([1, 2]);
    // Another range of the same model, and a range starting 1 ms later, are other profiles.
    await store.profiles.saveRange('m-range', T0 + 1, to, { bins: [3] }, 7);
    expect((await store.profiles.loadRange<{ bins: number[] }>('m-range', T0 + 1, to))?.profile.bins).toEqual([3]);
    expect(await store.profiles.loadRange('m-range', T0, to + 1)).toBeNull();
  });

  it('pins the first profile offered for a version and returns it, with its body only to a different offer', async () => {
    expect(await store.profiles.loadPinned('m-pin', '1')).toBeNull();
    const first = await store.profiles.pin('m-pin', '1', 'aaa', { bins: [1] });
    expect(first).toEqual({ fingerprint: 'aaa', pinnedAt: expect.any(Number) });
    expect(await store.profiles.pin('m-pin', '1', 'aaa', { bins: [1] })).toEqual(first);
    expect(await store.profiles.pin('m-pin', '1', 'bbb', { bins: [2] })).toEqual({ ...first, profile: { bins: [1] } });
    expect(await store.profiles.loadPinned('m-pin', '1')).toEqual({ ...first, profile: { bins: [1] } });
    expect((await store.profiles.pin('m-pin', '2', 'bbb', { bins: [2] })).fingerprint).toBe('bbb');
  });

  it('pins and reads several versions at once as pin and loadPinned do one at a time', async () => {
    const shared = { bins: [5] };
    await store.profiles.pin('m-many', 'old', 'kept', { bins: [0] });
    const pins = await store.profiles.resolvePins([
      // Two new versions offered one profile object (sent once), one pinned before to another, one offered nothing.
      { model: 'm-many', version: 'a', offer: { fingerprint: 'fff', profile: shared } },
      { model: 'm-many', version: 'b', offer: { fingerprint: 'fff', profile: shared } },
      { model: 'm-many', version: 'old', offer: { fingerprint: 'fff', profile: shared } },
      { model: 'm-many', version: 'none' },
    ]);
    const key = (v: string) => compositeKey('m-many', v);
    expect(pins.get(key('a'))).toEqual({ fingerprint: 'fff', pinnedAt: expect.any(Number) });
    expect(pins.get(key('old'))).toEqual({ fingerprint: 'kept', profile: { bins: [0] }, pinnedAt: expect.any(Number) });
    expect(pins.has(key('none'))).toBe(false);
    // The same rows as one pin at a time leaves.
    expect(await store.profiles.loadPinned('m-many', 'b')).toEqual({ ...pins.get(key('b')), profile: shared });
    expect(await store.profiles.pin('m-many', 'a', 'fff', shared)).toEqual(pins.get(key('a')));
    // Read without an offer: the pinned profile itself.
    expect((await store.profiles.resolvePins([{ model: 'm-many', version: 'a' }])).get(key('a'))).toEqual({
      ...pins.get(key('a')),
      profile: shared,
    });

    await store.profiles.saveReference('m-many', 'a', { bins: [7] });
    await store.profiles.saveReference('m-many', 'a', { bins: [8] });
    const stored = await store.profiles.loadReferences([
      { model: 'm-many', version: 'a' },
      { model: 'm-many', version: 'b' },
    ]);
    expect([...stored.keys()]).toEqual([key('a')]);
    expect(stored.get(key('a'))).toEqual(await store.profiles.loadReference('m-many', 'a'));
    expect(stored.get(key('a'))!.profile).toEqual({ bins: [8] });
  });

  it('reports a failed statement as VIGIL_STORE_QUERY with its SQLSTATE', async () => {
    const client = await backend.newClient();
    const error = await client.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(isVigilError(error, 'VIGIL_STORE_QUERY')).toBe(true);
    expect((error as { details?: unknown }).details).toEqual({ sqlstate: '42P01' });
    await client.close();
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const other = await backend.newStore();
    await Promise.all([other.close(), other.close()]);
    await other.close();
    const error = await other.offsets.load('vigil', 't').catch((e: unknown) => e);
    expect(isVigilError(error, 'VIGIL_STORE_UNAVAILABLE')).toBe(true);
  });
});

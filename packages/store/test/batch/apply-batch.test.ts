import {
  type Batch,
  type MergeAccumulators,
  type PredictionIndexColumns,
  type PredictionIndexRow,
  predictionIndexRows,
} from '../../src/batch/apply-batch';
import { migrate } from '../../src/migrations/migrate';
import { MIGRATIONS } from '../../src/migrations/migrations';
import type { Store } from '../../src/create-store';
import type { LabelMatch } from '../../src/stream/labels';
import { lookupPredictions } from '../../src/predictions/prediction-index';
import { accumulatorOf } from '../../src/batch/stored-accumulator';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

/**
 * The ingest path's cheaper prediction index (issue 3): migration 0007 (the key under the "C" collation, bucket
 * accumulators stored uncompressed) and the plain INSERT of a batch's index rows with its fallback to
 * `ON CONFLICT DO NOTHING` when an id is already there.
 */

interface Counts {
  counts: number[];
}
const add: MergeAccumulators<Counts> = (stored, delta) => ({
  counts: stored.counts.map((c, i) => c + (delta.counts[i] ?? 0)),
});
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 30, 10);

function prediction(model: string, id: string, version = '1', minute = 0): PredictionIndexRow {
  return {
    model,
    id,
    version,
    ts: T0 + minute * MINUTE,
    bucketStart: T0,
    expiresAt: T0 + 60 * MINUTE,
    score: 0.25,
    groups: { sex: 'f' },
  };
}

function batch(
  partition: number,
  first: number,
  next: number,
  predictions: PredictionIndexRow[],
  model: string,
): Batch<Counts> {
  return {
    groupId: 'vigil',
    offsets: [{ topic: 'vigil.predictions', partition, firstOffset: String(first), nextOffset: String(next) }],
    buckets: [
      { model, version: '1', bucketStart: T0, accumulator: { counts: [predictions.length] }, rows: predictions.length },
    ],
    predictions,
  };
}

/** `rows` as the runner sends them: one block of columns per model, a missing outcome as NaN. */
function asColumns(rows: readonly PredictionIndexRow[]): PredictionIndexColumns[] {
  const models = [...new Set(rows.map((r) => r.model))];
  return models.map((model) => {
    const of = rows.filter((r) => r.model === model);
    const versions = [...new Set(of.map((r) => r.version)), 'never-used'];
    // An absent groups object is stored as '{}', which is what an empty one spells.
    const none = {};
    const groups = [...new Set(of.map((r) => r.groups ?? none))];
    const number = (v: number | null | undefined): number => v ?? Number.NaN;
    const block: PredictionIndexColumns = {
      model,
      rowCount: of.length,
      ids: of.map((r) => r.id),
      versions,
      versionCodes: Int32Array.from(of, (r) => versions.indexOf(r.version)),
      ts: Float64Array.from(of, (r) => r.ts),
      bucketStarts: Float64Array.from(of, (r) => r.bucketStart),
      expiresAt: Float64Array.from(of, (r) => r.expiresAt),
      score: Float64Array.from(of, (r) => number(r.score)),
      prediction: Float64Array.from(of, (r) => number(r.prediction)),
      label: Float64Array.from(of, (r) => number(r.label)),
      groups,
      groupCodes: Int32Array.from(of, (r) => groups.indexOf(r.groups ?? none)),
    };
    // The rows the block stands for are the rows it was made of (an absent groups object read as an empty one).
    expect(predictionIndexRows(block)).toEqual(
      of.map((r) => ({
        ...r,
        groups: r.groups ?? {},
        score: r.score ?? null,
        prediction: r.prediction ?? null,
        label: r.label ?? null,
      })),
    );
    return block;
  });
}

async function schemaOf(client: { query<R>(text: string): Promise<{ rows: R[] }> }): Promise<string> {
  const result = await client.query<{ schema: string | null }>('SELECT (current_schemas(false))[1] AS schema');
  return result.rows[0]?.schema ?? 'public';
}

describe.each(BACKENDS)('migration 0007 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0007');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('keys the prediction index and the orphan labels under "C", stores accumulators uncompressed, and keeps the rows', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect((await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id < 7) })).applied).not.toContain(
      7,
    );
    await client.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, groups)
       VALUES ('m', 'B', '1', 1, 0, 2, '{}'), ('m', 'a', '1', 1, 0, 2, '{}'), ('m', 'é', '1', 1, 0, 2, '{}')`,
    );
    await client.query(
      "INSERT INTO vigil_orphan_labels (model, id, label, ts, expires_at) VALUES ('m', 'é', 1, now(), now() + interval '1 day')",
    );
    await client.query(
      "INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ('m', '1', now(), '{\"n\": 1}', 1)",
    );
    // Up to 0007 only: 0017 compresses the accumulators again, with lz4 (tested in migrate.test.ts).
    expect((await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 7) })).applied).toContain(7);

    const columns = await client.query<{ table: string; column: string; collation: string | null; storage: string }>(
      `SELECT c.relname AS table, a.attname AS column, co.collname AS collation, a.attstorage AS storage
       FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
       LEFT JOIN pg_collation AS co ON co.oid = a.attcollation AND a.attcollation <> 0
       WHERE n.nspname = $1 AND (c.relname, a.attname) IN (('vigil_prediction_index', 'model'), ('vigil_prediction_index', 'id'),
         ('vigil_orphan_labels', 'model'), ('vigil_orphan_labels', 'id'), ('vigil_buckets', 'accumulator'), ('vigil_buckets', 'model'))
       ORDER BY 1, 2`,
      [schema],
    );
    expect(columns.rows).toEqual([
      { table: 'vigil_buckets', column: 'accumulator', collation: null, storage: 'e' },
      { table: 'vigil_buckets', column: 'model', collation: 'default', storage: 'x' },
      { table: 'vigil_orphan_labels', column: 'id', collation: 'C', storage: 'x' },
      { table: 'vigil_orphan_labels', column: 'model', collation: 'C', storage: 'x' },
      { table: 'vigil_prediction_index', column: 'id', collation: 'C', storage: 'x' },
      { table: 'vigil_prediction_index', column: 'model', collation: 'C', storage: 'x' },
    ]);
    // Byte order now, and the rows are all there; the orphan still joins its prediction.
    const ids = await client.query<{ id: string }>(
      "SELECT id FROM vigil_prediction_index WHERE model = 'm' ORDER BY id",
    );
    expect(ids.rows.map((r) => r.id)).toEqual(['B', 'a', 'é']);
    const joined = await client.query<{ id: string }>(
      'SELECT p.id FROM vigil_orphan_labels AS o JOIN vigil_prediction_index AS p ON p.model = o.model AND p.id = o.id',
    );
    expect(joined.rows).toEqual([{ id: 'é' }]);
    expect(
      (await client.query<{ n: unknown }>("SELECT accumulator::text AS n FROM vigil_buckets WHERE model = 'm'")).rows,
    ).toEqual([{ n: '{"n": 1}' }]);
  });
});

describe.each(BACKENDS)('prediction index rows of a batch on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'index_ingest');
    store = await backend.newStore();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('inserts every new id, and keeps the first entry of an id given twice in a batch or indexed before', async () => {
    const first = [prediction('m', 'p1'), prediction('m', 'p2')];
    expect(await store.batches.apply(batch(0, 0, 2, first, 'm'), add)).toMatchObject({
      applied: true,
      predictions: 2,
      buckets: 1,
    });

    // p1 again (indexed before), p3 twice in the batch, p4 new: the batch still commits, with its other effects.
    const second = [
      prediction('m', 'p3', 'first'),
      prediction('m', 'p1', 'retry'),
      prediction('m', 'p4'),
      prediction('m', 'p3', 'second'),
    ];
    expect(await store.batches.apply(batch(0, 2, 6, second, 'm'), add)).toMatchObject({
      applied: true,
      predictions: 2,
      buckets: 1,
    });
    const found = await store.predictions.lookup('m', ['p1', 'p2', 'p3', 'p4']);
    expect([...found].map(([id, p]) => [id, p.version]).sort()).toEqual([
      ['p1', '1'],
      ['p2', '1'],
      ['p3', 'first'],
      ['p4', '1'],
    ]);
    expect(await store.offsets.load('vigil', 'vigil.predictions')).toEqual([
      { topic: 'vigil.predictions', partition: 0, nextOffset: '6' },
    ]);
    expect(
      (await store.buckets.load<Counts>('m', '1', T0 - MINUTE, T0 + MINUTE)).map((b) => b.accumulator.counts),
    ).toEqual([[6]]);

    // The label join finds rows written by either path.
    let matches: LabelMatch[] = [];
    const labels = ['p1', 'p3', 'p4'].map((id) => ({
      model: 'm',
      id,
      label: 1,
      ts: T0 + MINUTE,
      expiresAt: T0 + 90 * MINUTE,
    }));
    await store.batches.apply(
      {
        groupId: 'vigil',
        offsets: [{ topic: 'vigil.labels', partition: 0, firstOffset: '0', nextOffset: '1' }],
        buckets: [],
        labels,
      },
      add,
      (m) => {
        matches = [...m];
        return { buckets: [], windows: [] };
      },
    );
    expect(matches.map((m) => [m.id, m.version]).sort()).toEqual([
      ['p1', '1'],
      ['p3', 'first'],
      ['p4', '1'],
    ]);
  });

  it.each([
    ['one model, version, expiry and groups object (sent as scalars)', false, 'rows'],
    ['several of each (sent as arrays and a groups dictionary)', true, 'rows'],
    // The runner's form (PredictionIndexColumns, one block per model), alone and beside row objects.
    ['one of each, as columns', false, 'columns'],
    ['several of each, as columns', true, 'columns'],
    ['several of each, half as rows and half as columns', true, 'both'],
  ] as const)('stores every column of every row exactly: %s', async (_name, mixed, form) => {
    const client = await backend.newClient();
    const tag = `${mixed ? 'mixed' : 'uniform'}-${form}`;
    const groupsOf = [{ sex: 'f', race: null }, { sex: 'm"x', race: 'a' }, undefined, { race: null, sex: 'f' }];
    const rows: PredictionIndexRow[] = Array.from({ length: 40 }, (_, i) => ({
      model: mixed ? `${tag}-${i % 3}` : tag,
      id: `r${i}`,
      version: mixed ? ['1', '', 'ünï'][i % 3]! : '1',
      ts: T0 + i * 1000 + 0.7,
      bucketStart: T0 + Math.floor(i / 10) * 5 * MINUTE,
      expiresAt: T0 + (mixed ? i % 2 : 0) * MINUTE + 60 * MINUTE,
      score: i % 5 === 0 ? null : i / 40,
      prediction: i % 7 === 0 ? undefined : i % 2,
      ...(mixed ? (groupsOf[i % 4] === undefined ? {} : { groups: groupsOf[i % 4] }) : { groups: groupsOf[0] }),
      label: i % 3 === 0 ? 1 : null,
    }));
    const models = [...new Set(rows.map((r) => r.model))];
    const result = await store.batches.apply(
      {
        groupId: 'vigil',
        offsets: [{ topic: `t-${tag}`, partition: 0, firstOffset: '0', nextOffset: '40' }],
        buckets: [],
        ...(form === 'rows'
          ? { predictions: rows }
          : form === 'columns'
            ? { predictionColumns: asColumns(rows) }
            : { predictions: rows.slice(0, 20), predictionColumns: asColumns(rows.slice(20)) }),
      },
      add,
    );
    expect(result).toMatchObject({ applied: true, predictions: 40 });
    const stored = await client.query<Record<string, unknown>>(
      `SELECT model, id, version, ts::text AS ts, bucket_start::text AS bucket_start, expires_at::text AS expires_at, score, prediction, groups, label,
         label IS NOT NULL AS labelled
       FROM vigil_prediction_index WHERE model = ANY($1::text[]) ORDER BY length(id), id`,
      [models],
    );
    // A row whose label came with it keeps only its key, version, times and label (decision 0054).
    expect(stored.rows).toEqual(
      rows.map((r) => {
        const labelled = r.label !== null && r.label !== undefined;
        return {
          model: r.model,
          id: r.id,
          version: r.version,
          ts: String(Math.trunc(r.ts)),
          bucket_start: labelled ? null : String(r.bucketStart),
          expires_at: String(r.expiresAt),
          score: labelled ? null : (r.score ?? null),
          prediction: labelled ? null : (r.prediction ?? null),
          groups: labelled ? null : r.groups === undefined ? '{}' : JSON.stringify(r.groups),
          label: r.label ?? null,
          labelled,
        };
      }),
    );
  });

  it('writes nothing of a batch applied as unseen that repeats an id, indexed before or twice in it', async () => {
    const model = 'm-unseen';
    const client = await backend.newClient();
    const state = async (): Promise<unknown> => ({
      ids: (
        await client.query<{ id: string; version: string }>(
          'SELECT id, version FROM vigil_prediction_index WHERE model = $1 ORDER BY id',
          [model],
        )
      ).rows,
      counts: (await store.buckets.load<Counts>(model, '1', T0 - MINUTE, T0 + MINUTE)).map((b) => b.accumulator.counts),
      offsets: await store.offsets.load('vigil', 'vigil.unseen'),
    });
    const unseen = (first: number, next: number, rows: PredictionIndexRow[], asColumnsToo = false): Batch<Counts> => ({
      ...batch(0, first, next, rows, model),
      offsets: [{ topic: 'vigil.unseen', partition: 0, firstOffset: String(first), nextOffset: String(next) }],
      ...(asColumnsToo ? { predictions: rows.slice(0, 1), predictionColumns: asColumns(rows.slice(1)) } : {}),
      predictionsUnseen: true,
    });
    // New ids: applied as any batch.
    expect(await store.batches.apply(unseen(0, 2, [prediction(model, 'u1'), prediction(model, 'u2')]), add)).toEqual({
      applied: true,
      buckets: 1,
      predictions: 2,
      deadLetters: 0,
      labels: { joined: 0, duplicates: 0, orphaned: 0 },
    });
    const before = await state();
    expect(before).toEqual({
      ids: [
        { id: 'u1', version: '1' },
        { id: 'u2', version: '1' },
      ],
      counts: [[2]],
      offsets: [{ topic: 'vigil.unseen', partition: 0, nextOffset: '2' }],
    });
    // u1 again (indexed before), then u4 twice in one batch (rows and columns): nothing written, not even the offsets.
    for (const rows of [
      [prediction(model, 'u3'), prediction(model, 'u1', 'retry')],
      [prediction(model, 'u4'), prediction(model, 'u5'), prediction(model, 'u4', 'again')],
    ]) {
      expect(await store.batches.apply(unseen(2, 2 + rows.length, rows, rows.length === 3), add)).toEqual({
        applied: false,
        repeated: true,
      });
      expect(await state()).toEqual(before);
    }
    // Without the flag the same batch is written, its repeat skipped (the caller looked the ids up).
    expect(
      await store.batches.apply(
        { ...unseen(2, 4, [prediction(model, 'u3'), prediction(model, 'u1', 'retry')]), predictionsUnseen: false },
        add,
      ),
    ).toMatchObject({ applied: true, predictions: 1 });
    expect(await state()).toEqual({
      ids: [
        { id: 'u1', version: '1' },
        { id: 'u2', version: '1' },
        { id: 'u3', version: '1' },
      ],
      counts: [[4]],
      offsets: [{ topic: 'vigil.unseen', partition: 0, nextOffset: '4' }],
    });
  });

  it('stores a prediction that came with its label slim: a later label is a duplicate, an unlabelled one joins as before', async () => {
    const model = 'm-slim';
    const client = await backend.newClient();
    const labelledAtArrival = (id: string, version = '1'): PredictionIndexRow => ({
      ...prediction(model, id, version),
      prediction: 1,
      label: 0,
    });
    const unlabelled = (id: string, minute: number): PredictionIndexRow => ({
      ...prediction(model, id, '1', minute),
      bucketStart: T0 + 5 * MINUTE,
      prediction: 1,
      groups: { sex: 'f', race: null },
    });
    // A batch of index rows on the test's own topic, offsets first to next.
    const indexRows = (first: number, next: number, rows: Partial<Batch<Counts>>): Promise<unknown> =>
      store.batches.apply(
        {
          groupId: 'vigil',
          offsets: [{ topic: 'vigil.slim', partition: 0, firstOffset: String(first), nextOffset: String(next) }],
          buckets: [],
          ...rows,
        },
        add,
      );
    // Every row labelled (the four columns sent as one NULL each), applied as unseen, as the runner sends it.
    expect(
      await indexRows(0, 2, {
        predictionColumns: asColumns([labelledAtArrival('s1'), labelledAtArrival('s2', '2')]),
        predictionsUnseen: true,
      }),
    ).toMatchObject({ applied: true, predictions: 2 });
    // Both kinds in one statement (arrays with NULLs in them), rows and columns, looked up.
    expect(
      await indexRows(2, 6, {
        predictions: [labelledAtArrival('s3'), unlabelled('u1', 6)],
        predictionColumns: asColumns([unlabelled('u2', 7), labelledAtArrival('s4')]),
      }),
    ).toMatchObject({ applied: true, predictions: 4 });

    const stored = await client.query<Record<string, unknown>>(
      `SELECT id, version, ts::text AS ts, bucket_start::text AS bucket_start, expires_at::text AS expires_at, score, prediction, groups, label,
         pg_column_size(p.*) AS bytes
       FROM vigil_prediction_index AS p WHERE model = $1 ORDER BY id`,
      [model],
    );
    const slim = (id: string, version = '1'): Record<string, unknown> => ({
      id,
      version,
      ts: String(T0),
      bucket_start: null,
      expires_at: String(T0 + 60 * MINUTE),
      score: null,
      prediction: null,
      groups: null,
      label: 0,
      bytes: expect.any(Number),
    });
    const full = (id: string, minute: number): Record<string, unknown> => ({
      id,
      version: '1',
      ts: String(T0 + minute * MINUTE),
      bucket_start: String(T0 + 5 * MINUTE),
      expires_at: String(T0 + 60 * MINUTE),
      score: 0.25,
      prediction: 1,
      groups: '{"sex":"f","race":null}',
      label: null,
      bytes: expect.any(Number),
    });
    expect(stored.rows).toEqual([slim('s1'), slim('s2', '2'), slim('s3'), slim('s4'), full('u1', 6), full('u2', 7)]);
    // The row's datum (header and data, not aligned): s1 lacks three doubles (bucket, score, prediction) and the group
    // values' 24 bytes of text, and has the label that u1 has not yet: 40 bytes less.
    const bytes = new Map(stored.rows.map((r) => [r['id'], Number(r['bytes'])]));
    expect(bytes.get('u1')! - bytes.get('s1')!).toBe(3 * 8 + (1 + '{"sex":"f","race":null}'.length) - 8);

    // The look-up finds both (an id counts once); a slim row has no bucket.
    const found = await store.predictions.lookup(model, ['s1', 'u1', 'none']);
    expect(found).toEqual(
      new Map([
        ['s1', { version: '1', ts: T0, bucketStart: null }],
        ['u1', { version: '1', ts: T0 + 6 * MINUTE, bucketStart: T0 + 5 * MINUTE }],
      ]),
    );

    // Late labels: for slim rows duplicates, for u1 a match with its bucket, score, prediction and groups, and one
    // for a prediction not seen yet an orphan: the counts a batch reported before slim rows.
    let matches: LabelMatch[] = [];
    const label = (
      id: string,
      value = 1,
    ): { model: string; id: string; label: number; ts: number; expiresAt: number } => ({
      model,
      id,
      label: value,
      ts: T0 + 10 * MINUTE,
      expiresAt: T0 + 90 * MINUTE,
    });
    const effects = (m: readonly LabelMatch[]): { buckets: []; windows: [] } => {
      matches = [...m];
      return { buckets: [], windows: [] };
    };
    expect(
      await store.batches.apply(
        {
          groupId: 'vigil',
          offsets: [{ topic: 'vigil.slim-labels', partition: 0, firstOffset: '0', nextOffset: '1' }],
          buckets: [],
          labels: [label('s1'), label('u1'), label('s4', 0), label('o1'), label('o2')],
        },
        add,
        effects,
      ),
    ).toMatchObject({ applied: true, labels: { joined: 1, duplicates: 2, orphaned: 2 } });
    expect(matches).toEqual([
      {
        model,
        id: 'u1',
        version: '1',
        bucketStart: T0 + 5 * MINUTE,
        ts: T0 + 6 * MINUTE,
        score: 0.25,
        prediction: 1,
        groups: { sex: 'f', race: null },
        label: 1,
      },
    ]);
    const labelOf = async (id: string): Promise<unknown> =>
      (
        await client.query<{ label: unknown }>(
          'SELECT label FROM vigil_prediction_index WHERE model = $1 AND id = $2',
          [model, id],
        )
      ).rows[0]?.label;
    // The slim rows keep the label they came with; u1 has its late one.
    expect([await labelOf('s1'), await labelOf('s4'), await labelOf('u1')]).toEqual([0, 0, 1]);

    // The orphans' predictions arrive: o1 with its label (slim: the waiting label is dropped, nothing joins), o2
    // without (the waiting label joins it as before).
    expect(await indexRows(6, 8, { predictions: [labelledAtArrival('o1'), unlabelled('o2', 8)] })).toMatchObject({
      applied: true,
      predictions: 2,
    });
    matches = [];
    expect(await store.labels.joinOrphans(add, effects)).toBe(1);
    expect(matches.map((m) => [m.id, m.bucketStart, m.score, m.groups, m.label])).toEqual([
      ['o2', T0 + 5 * MINUTE, 0.25, { sex: 'f', race: null }, 1],
    ]);
    expect((await client.query('SELECT id FROM vigil_orphan_labels WHERE model = $1', [model])).rows).toEqual([]);
    expect([await labelOf('o1'), await labelOf('o2')]).toEqual([0, 1]);
  });

  it('looks ids up by one probe each, not by reading every row of the model, before any ANALYZE', async () => {
    const model = 'm-lookup';
    const rows = Array.from({ length: 6000 }, (_, i) => prediction(model, `q${i}`));
    expect(await store.batches.apply(batch(7, 0, 6000, rows, model), add)).toMatchObject({
      applied: true,
      predictions: 6000,
    });
    const client = await backend.newClient();
    // A batch's worth of ids, 201 of them indexed.
    const asked = [
      ...Array.from({ length: 1800 }, (_, i) => `new${i}`),
      ...Array.from({ length: 200 }, (_, i) => `q${i * 29}`),
      'q5',
    ];
    // The backend's counters of index entries returned by scans of the index's primary key, and of rows read by
    // sequential scans of the table, before and after the look-up, in one transaction (they may also hold the same
    // connection's earlier activity, not reported yet).
    const counted = async (tx: { query<R>(text: string): Promise<{ rows: R[] }> }): Promise<number> => {
      const stats = await tx.query<{ read: string }>(
        `SELECT (pg_stat_get_xact_tuples_returned('vigil_prediction_index_pkey'::regclass)
           + pg_stat_get_xact_tuples_returned('vigil_prediction_index'::regclass))::text AS read`,
      );
      return Number(stats.rows[0]?.read ?? 0);
    };
    const { found, read } = await client.transaction(async (tx) => {
      const before = await counted(tx);
      const found = await lookupPredictions(tx, model, asked);
      return { found, read: (await counted(tx)) - before };
    });
    expect(found.size).toBe(201);
    expect(found.get('q5')).toEqual({ version: '1', ts: T0, bucketStart: T0 });
    expect(found.has('new5')).toBe(false);
    // The filtering plan that `model = $1 AND id = ANY($2)` got on PostgreSQL 15 read all 6,000 entries of the model.
    expect(read).toBeLessThanOrEqual(asked.length);
  });
});

describe.each(BACKENDS)('bucket merges of a batch on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'bucket_merge');
    store = await backend.newStore();
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('lets the merge consume the stored side only: the caller’s deltas are left as they were', async () => {
    // What mergeAccumulatorsInto does: adds into its first argument and returns it.
    const addInto: MergeAccumulators<Counts> = (stored, delta) => {
      delta.counts.forEach((c, i) => (stored.counts[i] = (stored.counts[i] ?? 0) + c));
      return stored;
    };
    const delta = (counts: number[]) => ({
      model: 'm',
      version: '1',
      bucketStart: T0,
      accumulator: { counts },
      rows: 1,
    });
    const offsets = (first: number, next: number) => [
      { topic: 'vigil.predictions', partition: 0, firstOffset: String(first), nextOffset: String(next) },
    ];
    await store.batches.apply({ groupId: 'vigil', offsets: offsets(0, 1), buckets: [delta([1, 2])] }, addInto);
    // Three deltas of one bucket in one batch (a batch's own and its labels' effects do this), onto a stored bucket.
    const mine = [delta([10, 20]), delta([100, 200]), delta([1000, 2000])];
    const result = await store.batches.apply({ groupId: 'vigil', offsets: offsets(1, 4), buckets: mine }, addInto);
    expect(result.applied).toBe(true);
    expect(mine.map((d) => d.accumulator.counts)).toEqual([
      [10, 20],
      [100, 200],
      [1000, 2000],
    ]);
    const stored = await store.buckets.load<Counts>('m', '1', T0, T0 + 5 * MINUTE);
    expect(stored.map((b) => [b.accumulator.counts, b.rows])).toEqual([[[1111, 2222], 4]]);
  });
});

describe.each(BACKENDS)('bucket accumulators cached by their revision on %s', (kind) => {
  // Two stores of one database: two daemons whose partitions carry the same model.
  let backend: TestBackend;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'bucket_cache');
    a = await backend.newStore();
    b = await backend.newStore();
  });
  afterAll(async () => {
    await backend?.teardown();
  });
  const addInto: MergeAccumulators<Counts> = (stored, delta) => {
    delta.counts.forEach((c, i) => (stored.counts[i] = (stored.counts[i] ?? 0) + c));
    return stored;
  };
  const next = new Map<number, number>();
  const apply = (store: Store, model: string, counts: number[], partition: number, merge = addInto) => {
    const first = next.get(partition) ?? 0;
    return store.batches
      .apply(
        {
          groupId: 'vigil',
          offsets: [
            { topic: 'vigil.predictions', partition, firstOffset: String(first), nextOffset: String(first + 1) },
          ],
          buckets: [{ model, version: '1', bucketStart: T0, accumulator: { counts }, rows: 1 }],
        },
        merge,
      )
      .then((result) => {
        if (result.applied) next.set(partition, first + 1);
        return result;
      });
  };
  const stored = async (model: string) =>
    (await a.buckets.load<Counts>(model, '1', T0, T0 + MINUTE)).map((x) => [x.accumulator.counts, x.rows]);

  it('sees the other store’s writes in between: the bucket is the sum of every delta', async () => {
    await apply(a, 'shared', [1, 0], 0);
    await apply(b, 'shared', [0, 10], 1);
    await apply(a, 'shared', [100, 0], 0);
    await apply(a, 'shared', [1000, 0], 0);
    await apply(b, 'shared', [0, 10_000], 1);
    await apply(a, 'shared', [100_000, 0], 0);
    expect(await stored('shared')).toEqual([[[101_101, 10_010], 6]]);
  });

  it('merges into the accumulator it wrote last, without reading it back', async () => {
    const seen: Counts[] = [];
    const recording: MergeAccumulators<Counts> = (into, delta) => {
      seen.push(into);
      return addInto(into, delta);
    };
    await apply(a, 'own', [1], 0);
    await apply(a, 'own', [2], 0, recording);
    await apply(a, 'own', [4], 0, recording);
    // The third batch merged into the very object the second one wrote: it came from the cache, not the database.
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
    expect(await stored('own')).toEqual([[[7], 3]]);
  });

  it('sees a write that knows nothing of revisions (a daemon of an earlier version): the trigger moves it', async () => {
    await apply(a, 'legacy', [1], 0);
    await apply(a, 'legacy', [2], 0);
    const client = await backend.newClient();
    // What an earlier version's UPDATE writes: the accumulator and rows, the revision left as it was.
    await client.query(
      `UPDATE vigil_buckets SET accumulator = '{"counts":[1000]}'::json, rows = rows + 1 WHERE model = 'legacy'`,
    );
    await apply(a, 'legacy', [4], 0);
    expect(await stored('legacy')).toEqual([[[1004], 4]]);
  });

  it('keeps a bucket packed, and reads a bucket stored as JSON before migration 0032, writing it packed', async () => {
    await apply(a, 'packed', [1, 2], 0);
    await apply(a, 'packed', [0, 300], 0);
    const client = await backend.newClient();
    const row = async (model: string) =>
      (
        await client.query<{ packed: Uint8Array | null; json: string | null }>(
          'SELECT packed, accumulator::text AS json FROM vigil_buckets WHERE model = $1',
          [model],
        )
      ).rows[0]!;
    const written = await row('packed');
    expect(written.json).toBeNull();
    expect(accumulatorOf(written.packed!, () => 'the test')).toEqual({ counts: [1, 302] });
    // What a row stored before the migration looks like: JSON, nothing packed.
    await client.query(
      `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows)
       VALUES ('before', '1', $1::timestamptz, '{"counts":[5,6]}'::json, 2)`,
      [new Date(T0).toISOString()],
    );
    expect(await stored('before')).toEqual([[[5, 6], 2]]);
    await apply(a, 'before', [10, 20], 0);
    expect(await stored('before')).toEqual([[[15, 26], 3]]);
    const rewritten = await row('before');
    expect(rewritten.json).toBeNull();
    expect(accumulatorOf(rewritten.packed!, () => 'the test')).toEqual({ counts: [15, 26] });
    // A large accumulator is compressed by the server: lz4 on PostgreSQL (migration 0032), pglz on PGlite (no lz4).
    await apply(
      a,
      'large',
      Array.from({ length: 6000 }, (_, i) => i % 5),
      0,
    );
    const compression = await client.query<{ c: string | null; packed: number; stored: number }>(
      `SELECT pg_column_compression(packed) AS c, octet_length(packed)::int AS packed, pg_column_size(packed)::int AS stored
       FROM vigil_buckets WHERE model = 'large'`,
    );
    expect(compression.rows[0]!.c).toBe(kind === 'postgres' ? 'lz4' : 'pglz');
    expect(compression.rows[0]!.stored).toBeLessThan(compression.rows[0]!.packed / 2);
  });

  it('drops what a failed batch took: the next batch reads the bucket again', async () => {
    await apply(a, 'failing', [1], 0);
    await apply(a, 'failing', [2], 0);
    // The merge spoils the accumulator it was given, then the batch fails and is rolled back.
    const spoiling: MergeAccumulators<Counts> = (into) => {
      into.counts[0] = -1_000_000;
      throw new Error('the merge failed');
    };
    await expect(apply(a, 'failing', [4], 0, spoiling)).rejects.toThrow('the merge failed');
    await apply(a, 'failing', [8], 0);
    expect(await stored('failing')).toEqual([[[11], 3]]);
  });
});

/**
 * A reader of metric windows while the maintenance pass moves windows out of the default partition into a new
 * weekly one sees every window, never none (decision 0040: a query planned before the ATTACH and run after its
 * commit read neither the emptied default partition nor the new one). On the server only: PGlite has one connection.
 */
import { metricRows, upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import { ensureMetricPartitionsIn } from '../../src/metrics/metric-partitions';
import type { SqlClient } from '../../src/sql/sql-client';
import { openBackend, type TestBackend } from '@vigil/test-kit';

const HOUR = 3_600_000;
/** A Sunday in March: its windows land in the default partition until the maintenance pass creates their week's. */
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = Date.parse('2026-12-06T12:00:00Z');
const MODEL = 'm-move';

function windowRows(i: number): MetricRow[] {
  const base = {
    model: MODEL,
    version: '',
    windowStart: T0 + i * HOUR,
    windowEnd: T0 + (i + 1) * HOUR,
    group: '',
    rows: 100,
    labelledRows: 0,
  };
  return [
    { ...base, metric: 'psi', feature: 'a', value: 0.01 * i },
    { ...base, metric: 'reconstructionError', feature: '', value: 1 + i },
  ];
}

/** Resolves once a connection waits for a lock on a table of this schema (the reader, queued behind the move). */
async function someoneWaits(sql: SqlClient): Promise<void> {
  for (;;) {
    const r = await sql.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE NOT l.granted AND c.relnamespace = current_schema()::regnamespace AND l.pid <> pg_backend_pid()`,
    );
    if ((r.rows[0]?.n ?? 0) > 0) return;
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('metric windows read while the maintenance pass moves them (postgres)', () => {
  let backend: TestBackend;
  let mover: SqlClient;
  let reader: SqlClient;
  let watcher: SqlClient;
  beforeAll(async () => {
    backend = await openBackend('postgres', 'partition-readers');
    await backend.newStore();
    [mover, reader, watcher] = await Promise.all([backend.newClient(), backend.newClient(), backend.newClient()]);
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  it('a query that starts while the windows move returns every window once the move commits', async () => {
    for (let i = 0; i < 9; i++) await upsertMetricRows(mover, windowRows(i));
    const all = { from: 0, to: Date.parse('2100-01-01') };
    expect(await metricRows(reader, MODEL, all)).toHaveLength(18);

    let reading: Promise<MetricRow[]> | undefined;
    const result = await mover.transaction(async (tx) => {
      const moved = await ensureMetricPartitionsIn(tx, NOW);
      // The move is done but not committed: a reader starting now waits for it.
      reading = metricRows(reader, MODEL, all);
      await someoneWaits(watcher);
      return moved;
    });
    expect(result.moved).toBe(9);
    expect(result.created.map((p) => p.name)).toContain('vigil_metric_windows_p20260223');
    const rows = await reading!;
    expect(rows.filter((r) => r.metric === 'psi')).toHaveLength(9);
    expect(rows).toHaveLength(18);
  });
});

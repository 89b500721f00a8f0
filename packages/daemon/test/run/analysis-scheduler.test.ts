/**
 * Window analysis beside ingest (docs/streaming.md, "Analysis beside ingest"): the scheduler's queue on its own,
 * then `StreamRunner` with `analysis.background` against a real database (PostgreSQL and PGlite), compared with the
 * inline runner on the same events.
 */
import { fitReferenceProfile, type ReferenceProfile } from '@vigil/analyzers';
import { parseConfig, type VigilConfig } from '@vigil/core';
import type { MetricRow, Store, WindowKey } from '@vigil/store';
import {
  BACKENDS,
  openBackend,
  type TestBackend,
  makeEvents,
  readerTable,
  roughly,
  toLabelBatch,
  toPredictionBatch,
} from '@vigil/test-kit';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { AnalysisScheduler, type ModelWork } from '../../src/run/analysis-scheduler';
import { runnerMetrics } from '../../src/run/runner-metrics';
import { StreamRunner, type AnalysisOptions } from '../../src/run/stream-runner';

// A test writes and re-analyses a few hundred windows, the inline runner's too: on PGlite on a loaded machine that took
// 50-58 s of the default 60 s in CI (load 15-18), and 67-85 s here (load 15-21). The bound only stops a hung test.
jest.setTimeout(240_000);

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = T0 + 3 * 60 * MIN;
const TOPICS = { predictions: 'vigil.predictions', labels: 'vigil.labels' };

const config: VigilConfig = parseConfig(
  `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region, sex*region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
`,
  'test.yaml',
  {},
);
const model = config.models[0]!;

/** A promise to hold a pass on, released (or failed) by the test. */
function gate() {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  // Failed before a pass awaits it, it is not an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, release, fail };
}

describe('AnalysisScheduler', () => {
  const window = (start: number): WindowKey => ({ model: 'm', version: '1', start, end: start + 30 * MIN });

  it('coalesces the changes of one window into one queue entry, and forgets it once a pass found it closed', async () => {
    const passes: ModelWork[][] = [];
    let watermark = T0;
    const scheduler = new AnalysisScheduler({
      pass: async (work) => {
        passes.push(work.map((w) => ({ ...w })));
        return {
          watermarks: new Map([['m', watermark]]),
          analysed: work.filter((w) => w.earliestEnd <= watermark).length,
        };
      },
    });
    for (let i = 0; i < 50; i++) scheduler.mark(['m'], [window(T0), window(T0 + 10 * MIN)]);
    expect(scheduler.queuedWindows()).toBe(2);
    await scheduler.idle();
    // The 50 marks came while no pass ran: one pass, and the windows stay queued (still open at the watermark).
    expect(passes).toEqual([[{ model: 'm', earliestEnd: T0 + 30 * MIN, sweep: false, force: false }]]);
    expect(scheduler.queuedWindows()).toBe(2);

    watermark = T0 + 30 * MIN;
    scheduler.mark(['m'], []);
    await scheduler.idle();
    expect(passes).toHaveLength(2);
    expect(scheduler.queuedWindows()).toBe(1);
    expect(scheduler.analysed).toBe(1);
  });

  it('keeps a window changed while a pass runs queued for the next pass, and retries the models of a failed pass', async () => {
    const held = [gate(), gate()];
    let calls = 0;
    const scheduler = new AnalysisScheduler({
      pass: async () => {
        await held[calls++]!.promise;
        return { watermarks: new Map([['m', T0 + 60 * MIN]]), analysed: 1 };
      },
    });
    scheduler.mark(['m'], [window(T0)]);
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.mark(['m'], [window(T0)]);
    held[0]!.fail(new Error('database gone'));
    await scheduler.idle();
    expect(scheduler.failures).toBe(1);
    expect(scheduler.queuedWindows()).toBe(1);
    // The next mark (or the maintenance sweep) retries, with the failed pass' models.
    scheduler.sweep(['other']);
    held[1]!.release();
    await scheduler.idle();
    expect(calls).toBe(2);
    expect(scheduler.queuedWindows()).toBe(0);
    expect(scheduler.lagSeconds()).toBe(0);
  });
});

describe.each(BACKENDS)('StreamRunner with analysis beside ingest on %s', (kind) => {
  const backends: TestBackend[] = [];
  const newStore = async (): Promise<Store> => {
    const b = await openBackend(kind, 'scheduler');
    backends.push(b);
    return b.newStore();
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.teardown()));
  });

  const reference = makeEvents({ n: 2000, start: T0 - 24 * 60 * MIN, seed: 1 });
  const profile: ReferenceProfile = fitReferenceProfile(readerTable(reference, model), batchSpec(model));
  // 90 minutes of traffic, 3 s apart; the closer, 40 minutes after it, closes every window holding it.
  const stream = makeEvents({ n: 1800, start: T0, stepMs: 3000, seed: 2, shift: 0.15 });
  const closer = makeEvents({ n: 1, start: T0 + 130 * MIN, seed: 3, idPrefix: 'closer' });

  const runnerOn = (
    store: Store,
    options: { analysis?: AnalysisOptions; registry?: PrometheusRegistry; now?: () => number } = {},
  ) =>
    new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: TOPICS,
      defaultProfiles: new Map([[model.id, profile]]),
      now: options.now ?? (() => NOW),
      ...(options.analysis ? { analysis: options.analysis } : {}),
      ...(options.registry ? { metrics: runnerMetrics(options.registry, { models: [model.id], topics: TOPICS }) } : {}),
    });

  // The values as stored: rows of the same store compare exactly; against the inline runner's (which adds the
  // batches' floats up in another order) through `roughly`.
  const rowsOf = async (store: Store): Promise<unknown[]> =>
    (await store.metrics.rows(model.id, { from: 0, to: Date.parse('2100-01-01') })).map((r: MetricRow) => ({
      ...r,
      computedAt: undefined,
      details: JSON.parse(JSON.stringify(r.details ?? null)),
    }));
  /** What the inline runner writes for these batches. */
  const inline = async (batches: ReturnType<typeof toPredictionBatch>[]) => {
    const store = await newStore();
    const r = runnerOn(store);
    for (const b of batches) await r.handle(b);
    await r.maintain();
    return rowsOf(store);
  };
  const sample = (text: string, series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')[1] ?? Number.NaN,
    );
  /** The store with `windows.partitionWatermarks` (the start of every pass) held on `held`. */
  const heldAt = (store: Store, held: Promise<void>): Store => ({
    ...store,
    windows: {
      ...store.windows,
      partitionWatermarks: async (models) => (await held, store.windows.partitionWatermarks(models)),
    },
  });

  it('analyses a window that sixty batches changed once, when it closes, with the rows of the inline runner', async () => {
    const store = await newStore();
    const registry = new PrometheusRegistry();
    const r = runnerOn(store, { analysis: { background: true }, registry });
    const batches = [];
    for (let i = 0; i < stream.length; i += 30) batches.push(toPredictionBatch(stream.slice(i, i + 30), 0, i));
    batches.push(toPredictionBatch(closer, 0, stream.length));
    for (const b of batches) await r.handle(b);
    await r.idle();
    const text = await registry.render();
    const rows = (await rowsOf(store)) as MetricRow[];
    const windows = new Set(rows.map((w) => w.windowStart)).size;
    // Windows of 30 min sliding by 10 min over [T0, T0 + 90 min): the 11 that end by T0 + 110 min, each analysed once.
    expect(windows).toBe(11);
    expect(sample(text, `vigil_windows_analysed_total{kind="first",model="${model.id}"}`)).toBe(11);
    expect(sample(text, `vigil_windows_analysed_total{kind="revision",model="${model.id}"}`)).toBe(0);
    expect(rows).toEqual(roughly(await inline(batches)));
  });

  it('a pass in slices gives way between windows to batches handled beside it, and ends with the inline rows', async () => {
    const store = await newStore();
    // A slice of 0 ms: the pass gives way before every window.
    const r = runnerOn(store, { analysis: { background: true, sliceMs: 0 } });
    const unlabelled = stream.map((e) => ({ ...e, label: null }));
    await r.handle(toPredictionBatch([...unlabelled, ...closer], 0, 0));
    // The pass over the 11 closed windows runs beside these label batches (one a partition, handled at the same time).
    const labels = stream.filter((e) => e.label !== null);
    const handled: Promise<void>[] = [];
    for (let i = 0; i < labels.length; i += 100)
      handled.push(r.handle(toLabelBatch(labels.slice(i, i + 100), i / 100, 0)));
    await Promise.all(handled);
    await r.idle();
    await r.drain();
    expect(r.analysisYields().yields).toBeGreaterThanOrEqual(11);
    expect(await rowsOf(store)).toEqual(roughly(await inline([toPredictionBatch([...stream, ...closer], 0, 0)])));
  });

  it('returns from handle once the batch is committed, reports the lag at /metrics and in readyz, and catches up', async () => {
    const store = await newStore();
    const held = gate();
    const registry = new PrometheusRegistry();
    let clock = NOW;
    const r = runnerOn(heldAt(store, held.promise), {
      analysis: { background: true, maxLagMs: 60_000 },
      registry,
      now: () => clock,
    });
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    // Committed (the offsets moved) while the pass that analyses its windows is held.
    expect((await store.offsets.load('test', TOPICS.predictions))[0]!.nextOffset).toBe(String(stream.length + 1));
    expect(await rowsOf(store)).toEqual([]);
    clock += 120_000;
    expect(r.analysisLagSeconds()).toBe(120);
    expect(r.analysisProblem()).toBe('analysis lagging: 120 s behind the committed events (more than 60 s)');
    expect(sample(await registry.render(), 'vigil_analysis_lag_seconds')).toBe(120);
    expect(sample(await registry.render(), 'vigil_analysis_queued_windows')).toBeGreaterThanOrEqual(11);

    held.release();
    await r.idle();
    expect(r.analysisProblem()).toBeUndefined();
    expect(sample(await registry.render(), 'vigil_analysis_lag_seconds')).toBe(0);
    expect(new Set(((await rowsOf(store)) as MetricRow[]).map((w) => w.windowStart)).size).toBe(11);
  });

  it('re-analyses at once for late labels; defers a small late change until drain', async () => {
    const store = await newStore();
    const registry = new PrometheusRegistry();
    const r = runnerOn(store, { analysis: { background: true, revisionQuietMs: 3_600_000 }, registry });
    const unlabelled = stream.map((e) => ({ ...e, label: null }));
    await r.handle(toPredictionBatch([...unlabelled, ...closer], 0, 0));
    await r.idle();
    const labels = stream.filter((e) => e.label !== null);
    await r.handle(toLabelBatch(labels.slice(0, 700), 0, 0));
    await r.handle(toLabelBatch(labels.slice(700), 0, 700));
    await r.idle();
    // New labels are material: the rows are those of the labels carried by the events, without a drain.
    expect(await rowsOf(store)).toEqual(roughly(await inline([toPredictionBatch([...stream, ...closer], 0, 0)])));
    const revisions = sample(
      await registry.render(),
      `vigil_windows_analysed_total{kind="revision",model="${model.id}"}`,
    );
    expect(revisions).toBeGreaterThanOrEqual(11);

    // One late event in closed windows of 200 to 600 rows: under 1 % of each, so deferred.
    const late = makeEvents({ n: 1, start: T0 + 15 * MIN + 500, seed: 9, idPrefix: 'late' }).map((e) => ({
      ...e,
      label: null,
    }));
    const before = await rowsOf(store);
    await r.handle(toPredictionBatch(late, 0, stream.length + 1));
    await r.idle();
    expect(await rowsOf(store)).toEqual(before);
    const text = await registry.render();
    expect(sample(text, `vigil_revisions_deferred_total{model="${model.id}"}`)).toBe(3);
    expect(sample(text, `vigil_windows_analysed_total{kind="revision",model="${model.id}"}`)).toBe(revisions);
    // The maintenance sweep leaves it deferred (the window is not quiet for an hour yet) ...
    await r.maintain();
    await r.idle();
    expect(await rowsOf(store)).toEqual(before);
    // ... and drain (the end of an input) analyses it.
    await r.drain();
    expect(await rowsOf(store)).toEqual(
      roughly(await inline([toPredictionBatch([...stream, ...closer, ...late], 0, 0)])),
    );
  });

  it('analyses a small late change once its window has been quiet for revisionQuietMs', async () => {
    const store = await newStore();
    const r = runnerOn(store, { analysis: { background: true, revisionQuietMs: 300 } });
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    await r.idle();
    const before = await rowsOf(store);
    const late = makeEvents({ n: 1, start: T0 + 15 * MIN + 500, seed: 9, idPrefix: 'late' }).map((e) => ({
      ...e,
      label: null,
    }));
    await r.handle(toPredictionBatch(late, 0, stream.length + 1));
    await r.idle();
    expect(await rowsOf(store)).toEqual(before);
    // The database's clock decides quietness; wait past it, then the maintenance sweep finds the window quiet.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await r.maintain();
    await r.idle();
    expect(await rowsOf(store)).toEqual(
      roughly(await inline([toPredictionBatch([...stream, ...closer, ...late], 0, 0)])),
    );
  });

  it('a crash between the commit and the analysis: the next daemon finds the windows through the due-window query', async () => {
    const store = await newStore();
    const held = gate();
    const crashed = runnerOn(heldAt(store, held.promise), { analysis: { background: true } });
    await crashed.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    held.fail(new Error('killed'));
    await crashed.idle();
    expect(await rowsOf(store)).toEqual([]);

    const restarted = runnerOn(store, { analysis: { background: true } });
    // Its own queue is empty: the maintenance sweep asks the store.
    await restarted.maintain();
    await restarted.idle();
    expect(await rowsOf(store)).toEqual(roughly(await inline([toPredictionBatch([...stream, ...closer], 0, 0)])));
  });
});

/**
 * The pass's write group (analysis-writes.ts) on PostgreSQL and PGlite: every window's results in one transaction,
 * a window another analysis covered left out (rows and alert evaluation), nothing written when the group fails, and
 * a window added twice written twice, in order.
 */
import type { AnalysedWindow } from '@vigil/alerts';
import type { MetricName } from '@vigil/core';
import type { DueWindow, MetricRow, Store, WindowKey } from '@vigil/store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';
import { AnalysisWrites, type WindowWrite } from '../../src/run/analysis-writes';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const key = (model: string, i: number): WindowKey => ({
  model,
  version: '1',
  start: T0 + i * 5 * MINUTE,
  end: T0 + i * 5 * MINUTE + HOUR,
});

function writeOf(window: DueWindow, rows: number, value: number, written?: () => void): WindowWrite {
  const metricRows: MetricRow[] = (['psi', 'js'] as MetricName[]).map((metric) => ({
    model: window.model,
    version: window.version,
    windowStart: window.start,
    windowEnd: window.end,
    metric,
    feature: 'age',
    group: '',
    value,
    rows,
    labelledRows: 0,
  }));
  const alert: AnalysedWindow = {
    model: window.model,
    version: window.version,
    windowStart: window.start,
    windowEnd: window.end,
    rows,
    labelledRows: 0,
    metricRows,
  };
  return { window, counts: { rows, labelledRows: 0 }, rows: metricRows, alert, ...(written ? { written } : {}) };
}

describe.each(BACKENDS)('analysis writes on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'analysis_writes');
    store = await backend.newStore();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  const due = async (model: string, n: number): Promise<DueWindow[]> => {
    await store.transaction((tx) => tx.windows.touch(Array.from({ length: n }, (_, i) => key(model, i))));
    return store.windows.due(model, T0 + 10 * HOUR, 100);
  };
  const stored = async (model: string) =>
    (await store.metrics.rows(model, { from: T0 - HOUR, to: T0 + 10 * HOUR })).map((r) => [
      r.windowStart,
      r.metric,
      r.value,
      r.rows,
    ]);

  it('writes a group in one transaction and leaves out a window another analysis covered', async () => {
    const windows = await due('m-group', 3);
    // Another daemon analysed window 1 at a later change first.
    await store.transaction((tx) => tx.windows.touch([key('m-group', 1)]));
    const [later] = (await store.windows.due('m-group', T0 + 10 * HOUR, 100)).filter(
      (w) => w.start === windows[1]!.start,
    );
    await store.transaction((tx) => tx.windows.markAnalysed(later!, { rows: 5, labelledRows: 0 }));

    const evaluated: number[] = [];
    const written: number[] = [];
    let transactions = 0;
    const counting: Pick<Store, 'transaction'> = {
      transaction: (fn) => {
        transactions++;
        return store.transaction(fn);
      },
    };
    const writes = new AnalysisWrites({
      store: counting,
      evaluateIn: async (_tx, a) => {
        evaluated.push(a.windowStart);
      },
    });
    for (const [i, w] of windows.entries()) await writes.add(writeOf(w, 10 + i, i / 10, () => written.push(w.start)));
    expect(writes.size).toBe(3);
    expect(transactions).toBe(0);
    expect(await writes.flush()).toBe(2);
    expect(transactions).toBe(1);
    expect(writes.size).toBe(0);
    expect(await writes.flush()).toBe(0);
    expect(transactions).toBe(1);
    expect(written).toEqual([windows[0]!.start, windows[2]!.start]);
    expect(evaluated).toEqual([windows[0]!.start, windows[2]!.start]);
    expect(await stored('m-group')).toEqual([
      [windows[0]!.start, 'js', 0, 10],
      [windows[0]!.start, 'psi', 0, 10],
      [windows[2]!.start, 'js', 0.2, 12],
      [windows[2]!.start, 'psi', 0.2, 12],
    ]);
    expect(await store.windows.due('m-group', T0 + 10 * HOUR, 100)).toEqual([]);
  });

  it('writes nothing of a group whose transaction fails: its windows stay due', async () => {
    const windows = await due('m-fails', 2);
    const written: number[] = [];
    const writes = new AnalysisWrites({
      store,
      evaluateIn: async (_tx, a) => {
        if (a.windowStart === windows[1]!.start) throw new Error('rules unavailable');
      },
    });
    for (const w of windows) await writes.add(writeOf(w, 10, 0.5, () => written.push(w.start)));
    await expect(writes.flush()).rejects.toThrow('rules unavailable');
    expect(written).toEqual([]);
    expect(await stored('m-fails')).toEqual([]);
    expect((await store.windows.due('m-fails', T0 + 10 * HOUR, 100)).map((w) => w.start)).toEqual(
      windows.map((w) => w.start),
    );
  });

  it('writes the group before taking a window it holds again, and once it holds maxRows rows', async () => {
    const [w] = await due('m-again', 1);
    const writes = new AnalysisWrites({ store, maxRows: 4 });
    await writes.add(writeOf(w!, 10, 0.1));
    expect(writes.size).toBe(1);
    // The same window again (a second page of the same model): the first is written, then this one waits.
    await store.transaction((tx) => tx.windows.touch([key('m-again', 0)]));
    const [again] = await store.windows.due('m-again', T0 + 10 * HOUR, 100);
    await writes.add(writeOf(again!, 20, 0.2));
    expect(writes.size).toBe(1);
    expect(await stored('m-again')).toEqual([
      [w!.start, 'js', 0.1, 10],
      [w!.start, 'psi', 0.1, 10],
    ]);
    const [other] = await due('m-again-2', 1);
    await writes.add(writeOf(other!, 30, 0.3));
    // Four rows held: written at once.
    expect(writes.size).toBe(0);
    expect(await stored('m-again')).toEqual([
      [w!.start, 'js', 0.2, 20],
      [w!.start, 'psi', 0.2, 20],
    ]);
    expect(await stored('m-again-2')).toEqual([
      [other!.start, 'js', 0.3, 30],
      [other!.start, 'psi', 0.3, 30],
    ]);
  });
});

import fc from 'fast-check';
import type { Store } from '../../src/create-store';
import type { DueWindow, WindowKey } from '../../src/stream/windows';
import { BACKENDS, storeOnBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;

const windowOf = (model: string, i: number, version = '1'): WindowKey => ({
  model,
  version,
  start: T0 + i * 5 * MINUTE,
  end: T0 + i * 5 * MINUTE + 60 * MINUTE,
});

interface WindowState {
  model: string;
  version: string;
  start: number;
  analysedSeq: number;
  analyses: number;
  rows: number;
  labelledRows: number;
}

async function states(store: Store, model: string): Promise<WindowState[]> {
  const result = await store.transaction((tx) =>
    tx.query<Record<string, unknown>>(
      `SELECT model, version, window_start, analysed_seq::text AS seq, analyses, rows::text AS rows, labelled_rows::text AS l
       FROM vigil_windows WHERE model = $1 ORDER BY version, window_start`,
      [model],
    ),
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    version: String(r.version),
    start: new Date(r.window_start as string).getTime(),
    analysedSeq: Number(r.seq),
    analyses: Number(r.analyses),
    rows: Number(r.rows),
    labelledRows: Number(r.l),
  }));
}

describe.each(BACKENDS)('analysis windows on %s', (kind) => {
  const store = storeOnBackend(kind, 'windows');

  it('marks many windows analysed in one statement and says, per window and in order, which it covered', async () => {
    const hostile = `m'); DROP TABLE vigil_windows; --`;
    const windows = [windowOf(hostile, 0), windowOf(hostile, 1), windowOf(hostile, 2), windowOf(hostile, 0, '2')];
    await store.transaction((tx) => tx.windows.touch(windows));
    const due = await store.windows.due(hostile, T0 + 10 * 60 * MINUTE, 100);
    expect(due).toHaveLength(4);
    // A stale copy of window 1: another analysis covered a later change first (two daemons raced for it).
    const w1 = due.find((w) => w.start === windows[1]!.start && w.version === '1') as DueWindow;
    await store.transaction((tx) => tx.windows.touch([windows[1]!]));
    const [fresh] = (await store.windows.due(hostile, T0 + 10 * 60 * MINUTE, 100)).filter(
      (w) => w.start === w1.start && w.version === '1',
    );
    expect(fresh!.changeSeq).toBe(w1.changeSeq + 1);
    expect(await store.transaction((tx) => tx.windows.markAnalysed(fresh!, { rows: 9, labelledRows: 1 }))).toBe(true);

    const entries = [...due].reverse().map((window, i) => ({ window, counts: { rows: 100 + i, labelledRows: i } }));
    const marked = await store.transaction((tx) => tx.windows.markAnalysedMany(entries));
    expect(marked).toEqual(entries.map((e) => e.window !== w1));
    expect(await store.windows.due(hostile, T0 + 10 * 60 * MINUTE, 100)).toEqual([]);
    const byStart = await states(store, hostile);
    for (const e of entries) {
      const s = byStart.find((x) => x.version === e.window.version && x.start === e.window.start)!;
      expect(s).toMatchObject(
        e.window === w1
          ? { analysedSeq: fresh!.changeSeq, analyses: 1, rows: 9, labelledRows: 1 }
          : { analysedSeq: e.window.changeSeq, analyses: 1, rows: e.counts.rows, labelledRows: e.counts.labelledRows },
      );
    }
    expect(await store.transaction((tx) => tx.windows.markAnalysedMany([]))).toEqual([]);
  });

  it('leaves every window as markAnalysed one window at a time would (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Windows (index, version), how often each changed, and the change each analysis saw (possibly stale).
        fc.uniqueArray(fc.record({ i: fc.integer({ min: 0, max: 20 }), v: fc.constantFrom('1', '2') }), {
          minLength: 1,
          maxLength: 8,
          selector: (w) => `${w.i}/${w.v}`,
        }),
        fc.array(fc.nat(3), { minLength: 8, maxLength: 8 }),
        fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }),
        fc.array(fc.nat(1000), { minLength: 8, maxLength: 8 }),
        async (keys, changes, staleBy, rows) => {
          run++;
          const models = [`one-${run}`, `many-${run}`];
          const entries: Array<Array<{ window: DueWindow; counts: { rows: number; labelledRows: number } }>> = [];
          for (const model of models) {
            const windows = keys.map((k) => windowOf(model, k.i, k.v));
            await store.transaction((tx) => tx.windows.touch(windows));
            for (let j = 0; j < windows.length; j++)
              for (let c = 0; c < changes[j]!; c++) await store.transaction((tx) => tx.windows.touch([windows[j]!]));
            const due = await store.windows.due(model, T0 + 10 * 60 * MINUTE, 100);
            entries.push(
              windows.map((w, j) => ({
                window: {
                  ...(due.find((d) => d.version === w.version && d.start === w.start) as DueWindow),
                  changeSeq: Math.max(0, 1 + changes[j]! - staleBy[j]!),
                },
                counts: { rows: rows[j]!, labelledRows: Math.floor(rows[j]! / 2) },
              })),
            );
          }
          const one: boolean[] = [];
          for (const e of entries[0]!)
            one.push(await store.transaction((tx) => tx.windows.markAnalysed(e.window, e.counts)));
          const many = await store.transaction((tx) => tx.windows.markAnalysedMany(entries[1]!));
          expect(many).toEqual(one);
          const strip = (s: WindowState[]) => s.map(({ model: _m, ...rest }) => rest);
          expect(strip(await states(store, models[1]!))).toEqual(strip(await states(store, models[0]!)));
        },
      ),
      { numRuns: kind === 'postgres' ? 40 : 15 },
    );
  }, 120_000);
});
